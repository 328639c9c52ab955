/*
 * restore_guard.c
 *	  A dump's data loads into domxfer's tables in any order, and nothing
 *	  decides a transfer while it loads.
 *
 * Floor: server C above transfer_worker.h (where restoring backends are
 * noted in shared memory).
 *
 * pg_dump orders the data of an extension's configuration tables by their
 * foreign keys for a serial restore, but the archive entries it writes do
 * not depend on each other, so "pg_restore -j" loads them concurrently: a
 * transfer arrives before its domain, an event before its transfer, and the
 * foreign keys (and domxfer's own cross-table triggers) refuse the rows.
 * A dump is one consistent snapshot, so its rows need none of those checks:
 * a COPY into one of domxfer's tables that a superuser runs as a statement of
 * its own (what pg_restore and psql do with a dump) is loaded as
 * "pg_restore --disable-triggers" would load it, with
 * session_replication_role = replica for that COPY's transaction.
 *
 * Every such COPY also notes its backend in shared memory; while a noted
 * backend is still connected to a database, the worker and
 * process_due_transfers decide nothing there (the rest of the dump, its
 * events and the sequences' values, may still be on the way).
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "transfer_worker.h"

PG_FUNCTION_INFO_V1(domxfer_restore_copy);
PG_FUNCTION_INFO_V1(domxfer_in_restore_copy);
PG_FUNCTION_INFO_V1(domxfer_restore_in_progress);

/*
 * Whether the client's statement is a COPY ... FROM into a table of schema
 * domxfer (relname NULL: any of them) sent by a superuser session: the way
 * a dump's data arrives.  A COPY run inside a function is not (the client's
 * statement is then the function call).
 */
static bool
restore_copy_running(const char *relname)
{
	List	   *parsed;
	RawStmt    *raw;
	CopyStmt   *copy;

	if (debug_query_string == NULL || !superuser_arg(GetSessionUserId()))
		return false;
	/* cheap test first: most statements are not a COPY at all */
	{
		const char *p = debug_query_string;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (pg_strncasecmp(p, "copy", 4) != 0)
			return false;
	}
	parsed = raw_parser(debug_query_string, RAW_PARSE_DEFAULT);
	if (list_length(parsed) != 1)
		return false;
	raw = linitial_node(RawStmt, parsed);
	if (!IsA(raw->stmt, CopyStmt))
		return false;
	copy = (CopyStmt *) raw->stmt;
	if (!copy->is_from || copy->relation == NULL)
		return false;
	if (copy->relation->schemaname != NULL && strcmp(copy->relation->schemaname, "domxfer") != 0)
		return false;
	if (copy->relation->schemaname == NULL)
	{
		Oid			relid = RangeVarGetRelid(copy->relation, NoLock, true);

		if (!OidIsValid(relid) || strcmp(get_namespace_name(get_rel_namespace(relid)), "domxfer") != 0)
			return false;
	}
	return relname == NULL || strcmp(copy->relation->relname, relname) == 0;
}

/*
 * Trigger (BEFORE INSERT FOR EACH STATEMENT): a dump's COPY into this table
 * loads without triggers and foreign-key checks, as --disable-triggers would,
 * and tells the worker that a restore is under way in this database.
 */
Datum
domxfer_restore_copy(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(trigdata->tg_event) || !TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("domxfer._restore_copy() must be a BEFORE INSERT ... FOR EACH STATEMENT trigger")));

	if (restore_copy_running(RelationGetRelationName(trigdata->tg_relation)))
	{
		domxfer_worker_note_restore();
		/* until the end of this COPY's transaction, as SET LOCAL would */
		(void) set_config_option("session_replication_role", "replica",
								 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);
	}
	return PointerGetDatum(NULL);
}

/* domxfer._in_restore_copy(): for WHEN clauses of triggers that must stay enabled during a restore. */
Datum
domxfer_in_restore_copy(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(restore_copy_running(NULL));
}

/* domxfer._restore_in_progress(): whether a dump is being loaded into this database (nothing is decided then). */
Datum
domxfer_restore_in_progress(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(domxfer_worker_restore_in_progress(MyDatabaseId));
}
