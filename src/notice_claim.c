/*
 * notice_claim.c
 *	  Who holds a notice's claim (SPEC §9, 0.3.0 claim fencing).
 *
 * Floor: server C at the bottom; uses nothing of ours, and nothing of ours
 * uses it (the notices' SQL calls domxfer._mailer_session_id()).
 *
 * claim_notices() stores the claiming session's identifier with the lease;
 * a mark or failure report from another session changes nothing while that
 * lease runs, so a mailer whose own lease passed can never void the claim of
 * the mailer that took the notice after it.  The identifier is 64 random
 * bits drawn once per session: process ids are reused, and a session's
 * identifier must never match another's.
 */
#include "postgres.h"

#include "fmgr.h"

static int64 session_mailer_id = 0;
static bool session_mailer_id_drawn = false;

PG_FUNCTION_INFO_V1(domxfer_mailer_session_id);

/* domxfer._mailer_session_id() → bigint: this session's claim identifier. */
Datum
domxfer_mailer_session_id(PG_FUNCTION_ARGS)
{
	if (!session_mailer_id_drawn)
	{
		if (!pg_strong_random(&session_mailer_id, sizeof(session_mailer_id)))
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not generate a random claim identifier")));
		session_mailer_id_drawn = true;
	}
	PG_RETURN_INT64(session_mailer_id);
}
