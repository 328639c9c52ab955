/*
 * deadline_signal.c
 *	  Tells the background worker about deadlines earlier than it expects.
 *
 * Floor: server C, a top, above transfer_worker.h (it wakes the worker
 * after a commit); nothing of ours uses it (SQL and triggers call it).
 *
 * The worker sleeps until the earliest deadline it knows of and otherwise
 * leaves the database alone.  An AFTER trigger on domxfer.transfers notes the
 * earliest due time (deadline or code expiry) that the transaction writes;
 * once the transaction has committed, and only then, so that the worker's
 * next snapshot sees the row, the note goes to the worker, which wakes at
 * once if it is earlier than its next wake-up.  An aborted transaction
 * tells nothing.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/timestamp.h"

#include "transfer_worker.h"

/* The earliest due time written by the current transaction, if any. */
static TimestampTz earliest_due_written = DT_NOEND;
static bool callback_registered = false;

PG_FUNCTION_INFO_V1(domxfer_note_due_at);

/* Passes the transaction's earliest due time on once it has committed. */
static void
deadline_signal_xact_callback(XactEvent event, void *arg)
{
	if (earliest_due_written == DT_NOEND)
		return;
	if (event == XACT_EVENT_COMMIT)
		domxfer_worker_note_due(earliest_due_written);
	/* also after abort and PREPARE (the worker's periodic full check covers those) */
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PREPARE)
		earliest_due_written = DT_NOEND;
}

/* Trigger: notes NEW.due_at of a transfer for the commit callback. */
Datum
domxfer_note_due_at(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	tupdesc;
	int			attnum;
	bool		isnull;
	Datum		due;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("domxfer._note_due_at() must be an AFTER ... FOR EACH ROW trigger")));

	row = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	tupdesc = RelationGetDescr(trigdata->tg_relation);
	attnum = SPI_fnumber(tupdesc, "due_at");
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("table \"%s\" has no column \"due_at\"",
						RelationGetRelationName(trigdata->tg_relation))));

	due = heap_getattr(row, attnum, tupdesc, &isnull);
	if (!isnull && DatumGetTimestampTz(due) < earliest_due_written)
	{
		if (!callback_registered)
		{
			RegisterXactCallback(deadline_signal_xact_callback, NULL);
			callback_registered = true;
		}
		earliest_due_written = DatumGetTimestampTz(due);
	}
	return PointerGetDatum(NULL);
}
