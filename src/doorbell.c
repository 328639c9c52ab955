/*
 * doorbell.c
 *	  domxfer.notify: how lifecycle commits wake the listeners of
 *	  NOTIFY domxfer_transfer (SPEC §3, 0.3.0).
 *
 * Floor: server C, a top, above transfer_worker.h (it rings the worker's
 * doorbell after a commit) and domxfer.h (the setting); nothing of ours uses
 * it (the lifecycle's SQL calls domxfer._transfer_doorbell()).
 *
 * PostgreSQL makes every transaction that sent a NOTIFY hold one
 * cluster-wide lock from its pre-commit through its WAL flush, so notifying
 * commits queue behind each other and cannot share a group commit.  Since
 * the events table is the truth, the NOTIFY is only a doorbell: in coalesced
 * mode a lifecycle call sends none; once its transaction has committed, and
 * only then, it counts a ring in shared memory and sets the background
 * worker's latch, and the worker answers any number of rings with one
 * payload-less NOTIFY (transfer_worker.c, answer_doorbell).  Listeners then
 * read what happened with domxfer.transfer_events_since(cursor).
 *
 * Each mode keeps 0.2.0's NOTIFY per state change, sent by the caller
 * (domxfer._log_transfer_event and domxfer._decide_due_batch ask
 * domxfer._transfer_doorbell() which one applies).
 *
 * A transaction that is rolled back rings nothing.  One that is prepared
 * (two-phase commit) rings nothing either: its events are read at the next
 * doorbell (0.2.0 refused to PREPARE a lifecycle call at all, since it had
 * sent a NOTIFY).
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"

#include "domxfer.h"
#include "transfer_worker.h"

/* Whether the current transaction rings the doorbell when it commits. */
static bool doorbell_armed = false;
static bool callback_registered = false;

PG_FUNCTION_INFO_V1(domxfer_transfer_doorbell);

/* Rings the doorbell once the armed transaction has committed. */
static void
doorbell_xact_callback(XactEvent event, void *arg)
{
	if (!doorbell_armed)
		return;
	if (event == XACT_EVENT_COMMIT)
		domxfer_worker_ring_doorbell();
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		doorbell_armed = false;
}

/* Whether this session's lifecycle changes ring the coalesced doorbell. */
static bool
notify_coalesced(void)
{
	switch (domxfer_notify_mode)
	{
		case DOMXFER_NOTIFY_EACH:
			return false;
		case DOMXFER_NOTIFY_COALESCED:
			/* also while the worker restarts: it rings once when it is back */
			return domxfer_worker_serves_doorbell(false);
		default:
			return domxfer_worker_serves_doorbell(true);
	}
}

/*
 * domxfer._transfer_doorbell() → boolean: called for every state change.
 * True: the caller must send 0.2.0's NOTIFY with its payload itself (each).
 * False: coalesced; this transaction rings the doorbell when it commits.
 */
Datum
domxfer_transfer_doorbell(PG_FUNCTION_ARGS)
{
	if (!notify_coalesced())
		PG_RETURN_BOOL(true);
	if (!callback_registered)
	{
		RegisterXactCallback(doorbell_xact_callback, NULL);
		callback_registered = true;
	}
	doorbell_armed = true;
	PG_RETURN_BOOL(false);
}
