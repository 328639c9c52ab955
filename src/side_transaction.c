/*
 * side_transaction.c
 *	  Runs fixed domxfer queries in a separate, committed transaction.
 *
 * Floor: server C above actor.h. The resident check service above it is
 * handed in by init.c (side_transaction_set_service), so this pair never
 * includes check_service.h; check_service.c uses this one
 * (side_run_queries, SideRequest).
 *
 * The caller starts a dynamic background worker (no preloading needed),
 * hands it the request in a DSM segment and waits for it to exit. The worker
 * connects to the caller's database as the caller's current user (inside the
 * SECURITY DEFINER lifecycle functions: the extension's owner), runs the
 * queries with a short lock_timeout, so that it never waits long on a row the
 * caller or anyone else has locked, and commits.
 *
 * Two requests exist: deciding an overdue transfer, and checking a presented
 * auth code. The check compares the code only after the worker holds the
 * transfer's row lock, and counts a wrong code in the same transaction, so a
 * guess is either compared and counted, or not compared at all.
 */
#include "postgres.h"
#include "pg_compat.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/parsenodes.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "port/atomics.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "access/xlog.h"

#include "actor.h"
#include "side_transaction.h"

/*
 * How long an auth-code check keeps trying to get a background-worker slot
 * when none is free, and the longest pause between two tries. Nothing has
 * been compared while it waits, so giving up (53000) reveals nothing.
 */
#define SIDE_SLOT_WAIT_MS	1000
#define SIDE_SLOT_MAX_PAUSE_MS	50

/* The resident service registered by _PG_init (check_service.c), if any. */
static SideServiceRun service_run = NULL;
static SideServiceCountDynamic service_count_dynamic = NULL;

/* Lets the layer above serve requests without this file knowing it. */
void
side_transaction_set_service(SideServiceRun run, SideServiceCountDynamic count_dynamic)
{
	service_run = run;
	service_count_dynamic = count_dynamic;
}

/* Whether the resident service ran the request (false: none, or it cannot now). */
static bool
side_service_run(SideRequest *request)
{
	return service_run != NULL && service_run(request);
}

/* Tells the resident service that the dynamic-worker path served one request. */
static void
side_service_count_dynamic(SideAction action)
{
	if (service_count_dynamic != NULL)
		service_count_dynamic(action);
}

/* Fills the request fields every action shares. */
static void
side_request_init(SideRequest *request, SideAction action, int64 transfer_id)
{
	char	   *actor = domxfer_actor_name();

	memset(request, 0, sizeof(*request));
	request->database_id = MyDatabaseId;
	request->role_id = GetUserId();
	request->action = action;
	request->transfer_id = transfer_id;
	strlcpy(request->actor, actor, NAMEDATALEN);
}

/*
 * Starts the worker, waits for it to exit and copies its result back.
 *
 * When no background-worker slot is free, tries again for up to slot_wait_ms
 * (pausing on the latch, so the wait can be cancelled) before giving up with
 * request->no_slot set. The shared copy of the request (which may hold a
 * candidate auth code) is wiped whenever no worker owns it: between tries,
 * after giving up, and once the worker has exited.
 */
static bool
run_side_transaction(SideRequest *request, int slot_wait_ms)
{
	dsm_segment *seg = dsm_create(sizeof(SideRequest), 0);
	SideRequest *shared = dsm_segment_address(seg);
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;
	TimestampTz give_up_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), slot_wait_ms);
	long		pause_ms = 1;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_ConsistentState;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "domxfer");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "domxfer_side_transaction_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "domxfer side transaction for PID %d", MyProcPid);
	snprintf(worker.bgw_type, BGW_MAXLEN, "domxfer side transaction");
	worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(seg));
	worker.bgw_notify_pid = MyProcPid;

	for (;;)
	{
		long		left_ms;

		memcpy(shared, request, sizeof(SideRequest));
		if (RegisterDynamicBackgroundWorker(&worker, &handle))
			break;
		explicit_bzero(shared, sizeof(SideRequest));

		left_ms = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), give_up_at);
		if (left_ms <= 0)
		{
			dsm_detach(seg);
			request->no_slot = true;
			strlcpy(request->error, "no background worker slot is free (see max_worker_processes)",
					sizeof(request->error));
			return false;
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 Min(pause_ms, left_ms), PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		pause_ms = Min(pause_ms * 2, SIDE_SLOT_MAX_PAUSE_MS);
	}

	status = WaitForBackgroundWorkerShutdown(handle);
	if (status == BGWH_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited while a domxfer side transaction was running")));
	memcpy(request, shared, sizeof(SideRequest));
	explicit_bzero(shared, sizeof(SideRequest));
	dsm_detach(seg);
	if (!request->committed && request->error[0] == '\0')
		strlcpy(request->error, "the side transaction worker exited without committing",
				sizeof(request->error));
	return request->committed;
}

/* Copies bytes into a palloc'd varlena (bytea or text). */
static struct varlena *
side_varlena(const void *data, int32 len)
{
	struct varlena *result = palloc(VARHDRSZ + len);

	SET_VARSIZE(result, VARHDRSZ + len);
	memcpy(VARDATA(result), data, len);
	return result;
}

/* Runs one fixed query with SPI; returns its single value in the request. */
static void
side_query(SideRequest *request, const char *query, int nargs, Oid *argtypes, Datum *args)
{
	SPIPlanPtr	plan;
	int			ret;
	bool		isnull;
	Datum		value;

	pgstat_report_activity(STATE_RUNNING, query);

	/*
	 * A generic plan, so that the arguments (an auth code among them) stay
	 * $n parameters and are not folded into the plan as constants, which
	 * auto_explain.log_verbose would print into the server log.
	 */
	plan = SPI_prepare_cursor(query, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "could not prepare domxfer side transaction query: %s", SPI_result_code_string(SPI_result));
	ret = SPI_execute_plan(plan, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "domxfer side transaction query failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		request->result_isnull = true;
		return;
	}
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	request->result_isnull = isnull;
	request->result = isnull ? 0 : DatumGetInt64(value);
}

/*
 * Runs the request's fixed queries with SPI inside the current transaction
 * (the caller has connected SPI and pushed a snapshot): the short-lived
 * worker's own transaction, or one subtransaction of a check-service group.
 */
void
side_run_queries(SideRequest *request)
{
	Oid			argtypes[4];
	Datum		args[4];
	struct varlena *code = NULL;

	argtypes[0] = INT8OID;
	args[0] = Int64GetDatum(request->transfer_id);
	if (request->action == SIDE_CHECK_AUTH_CODE)
	{
		/* the candidate leaves shared memory at once */
		code = side_varlena(request->code, request->code_len);
		explicit_bzero(request->code, sizeof(request->code));
		request->code_len = 0;
	}
	else if (request->action != SIDE_DECIDE_DUE)
		elog(ERROR, "unknown domxfer side transaction action %d", request->action);

	if (request->action == SIDE_CHECK_AUTH_CODE)
	{
		/*
		 * First wait for the transfer's row lock, comparing nothing: if that
		 * fails (55P03 after SIDE_LOCK_TIMEOUT, e.g. because the caller's
		 * own transaction holds the row), the caller may say so. Only then
		 * compare, and count a wrong code, in one transaction.
		 */
		request->phase = SIDE_PHASE_LOCKING;
		side_query(request,
				   "SELECT tr.id FROM domxfer.transfers tr"
				   " WHERE tr.id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE OF tr",
				   1, argtypes, args);
		if (!request->result_isnull)
		{
			argtypes[1] = BYTEAOID;
			args[1] = PointerGetDatum(side_varlena(request->salt, request->salt_len));
			argtypes[2] = TEXTOID;
			args[2] = PointerGetDatum(code);
			argtypes[3] = TIMESTAMPTZOID;
			args[3] = TimestampTzGetDatum(request->at);
			request->phase = SIDE_PHASE_COMPARING;
			pg_write_barrier();
			side_query(request,
					   "SELECT domxfer._check_auth_code($1, $2, $3, $4)::pg_catalog.int8",
					   4, argtypes, args);
		}
		/* else: the transfer is gone; nothing to compare (result NULL) */
		explicit_bzero(VARDATA(code), VARSIZE(code) - VARHDRSZ);
	}
	else
	{
		argtypes[1] = TIMESTAMPTZOID;
		args[1] = TimestampTzGetDatum(request->at);
		side_query(request,
				   "SELECT domxfer._decide_due_transfer($1, $2)::pg_catalog.int4::pg_catalog.int8",
				   2, argtypes, args);
	}
}

/*
 * Keeps presented auth codes out of the server log: since PostgreSQL 16
 * auto_explain logs the parameters of the queries it explains
 * (auto_explain.log_parameter_max_length, default: all of them), and this
 * worker's compare query carries the code as one. Set for the worker's whole
 * session, above postgresql.conf, so a reload cannot turn it back on.
 */
void
domxfer_hide_query_parameters(void)
{
	/* only where auto_explain is loaded and has the setting (16 and later) */
	if (GetConfigOption("auto_explain.log_parameter_max_length", true, false) != NULL)
		(void) set_config_option("auto_explain.log_parameter_max_length", "0",
								 PGC_SUSET, PGC_S_OVERRIDE, GUC_ACTION_SET, true, 0, false);
}

/* Runs the request's queries in the worker's own transaction and commits it. */
static void
side_transaction_execute(SideRequest *request)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SetConfigOption("lock_timeout", SIDE_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	side_run_queries(request);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);
	request->committed = true;
}

/* Entry point of the short-lived worker: one request, then exit. */
void
domxfer_side_transaction_main(Datum main_arg)
{
	dsm_segment *seg;
	SideRequest *request;

	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	CurrentResourceOwner = ResourceOwnerCreate(NULL, "domxfer side transaction");
	seg = dsm_attach(DatumGetUInt32(main_arg));
	if (seg == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("could not map the shared memory of a domxfer side transaction"),
				 errdetail("The backend that asked for it has stopped waiting.")));
	request = dsm_segment_address(seg);
	BackgroundWorkerInitializeConnectionByOid(request->database_id, request->role_id, 0);
	domxfer_hide_query_parameters();
	strlcpy(domxfer_actor_override, request->actor, NAMEDATALEN);

	PG_TRY();
	{
		side_transaction_execute(request);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(TopMemoryContext);
		edata = CopyErrorData();
		request->error_code = edata->sqlerrcode;
		strlcpy(request->error, edata->message, sizeof(request->error));
		PG_RE_THROW();
	}
	PG_END_TRY();

	dsm_detach(seg);
	proc_exit(0);
}

/*
 * The error for a presented code that could not be checked. Whatever the
 * cause, the caller learns nothing about the code: either nothing was
 * compared (no slot, the row could not be locked), or the worker failed
 * after it may have compared and its result is not used.
 */
static void
raise_auth_code_not_checked(const SideRequest *request)
{
	if (request->no_slot)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_RESOURCES),
				 errmsg("could not start a background worker to check the auth code"),
				 errdetail("All %d max_worker_processes slots stayed in use for %d ms. "
						   "The auth code of transfer " INT64_FORMAT " was not compared and no failed attempt was counted: "
						   "a code is only compared by a background worker that counts a wrong one.",
						   max_worker_processes, SIDE_SLOT_WAIT_MS, request->transfer_id),
				 errhint("Retry in a moment. If this recurs, raise max_worker_processes above the peak number of concurrent auth-code checks plus the server's other background workers.")));

	if (request->phase < SIDE_PHASE_COMPARING && request->error_code != 0)
		ereport(ERROR,
				(errcode(request->error_code),
				 errmsg("could not check the auth code now"),
				 request->error_code == ERRCODE_LOCK_NOT_AVAILABLE
				 ? errdetail("The check could not lock transfer " INT64_FORMAT " within %s: another transaction, or this one, holds it. "
							 "The auth code was not compared and no failed attempt was counted.",
							 request->transfer_id, SIDE_LOCK_TIMEOUT)
				 : errdetail("The auth code of transfer " INT64_FORMAT " was not compared and no failed attempt was counted: %s.",
							 request->transfer_id, request->error),
				 errhint("Retry the request in a moment, outside any transaction that has locked or changed the transfer.")));

	ereport(ERROR,
			(errcode(ERRCODE_INTERNAL_ERROR),
			 errmsg("could not check the auth code"),
			 errdetail("The background worker checking the auth code of transfer " INT64_FORMAT " ended without committing; "
					   "no failed attempt was counted and no result was used.",
					   request->transfer_id),
			 errhint("The server log has the worker's error.")));
}

PG_FUNCTION_INFO_V1(domxfer_check_auth_code_in_side_transaction);
/*
 * domxfer._check_auth_code_in_side_transaction(transfer_id, salt, code, at)
 * → integer: compares a candidate code in a committed side transaction that
 * counts it if wrong (domxfer._check_auth_code). 0: right; n > 0: wrong, n
 * failed attempts so far; NULL: the code seen (its salt) is no longer
 * current, nothing compared. Raises (53000, 55P03, ...) without any
 * comparison when the worker cannot run or cannot lock the transfer.
 */
Datum
domxfer_check_auth_code_in_side_transaction(PG_FUNCTION_ARGS)
{
	bytea	   *salt = PG_GETARG_BYTEA_PP(1);
	text	   *code = PG_GETARG_TEXT_PP(2);
	SideRequest request;
	bool		committed;

	/* a wrong code could not be counted: compare nothing */
	if (RecoveryInProgress())
		ereport(ERROR,
				(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
				 errmsg("cannot check an auth code on a standby server"),
				 errdetail("The auth-code check service does not run during recovery: a code is compared only where a wrong one is counted in a committed transaction. "
						   "The auth code of transfer " INT64_FORMAT " was not compared and no failed attempt was counted.",
						   PG_GETARG_INT64(0)),
				 errhint("Send the request to the primary server.")));
	if (VARSIZE_ANY_EXHDR(salt) > SIDE_MAX_SALT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("auth code salt must be at most %d bytes", SIDE_MAX_SALT)));
	side_request_init(&request, SIDE_CHECK_AUTH_CODE, PG_GETARG_INT64(0));
	request.salt_len = VARSIZE_ANY_EXHDR(salt);
	memcpy(request.salt, VARDATA_ANY(salt), request.salt_len);
	request.at = PG_GETARG_TIMESTAMPTZ(3);
	/* too long to be a code: sent as '', which never matches, and counted */
	if (VARSIZE_ANY_EXHDR(code) <= SIDE_MAX_CODE)
	{
		request.code_len = VARSIZE_ANY_EXHDR(code);
		memcpy(request.code, VARDATA_ANY(code), request.code_len);
	}

	/* the resident check service first; a process of its own otherwise */
	if (side_service_run(&request))
		committed = request.committed;
	else
	{
		committed = run_side_transaction(&request, SIDE_SLOT_WAIT_MS);
		if (committed)
			side_service_count_dynamic(SIDE_CHECK_AUTH_CODE);
	}
	explicit_bzero(request.code, sizeof(request.code));
	if (!committed)
		raise_auth_code_not_checked(&request);
	if (request.result_isnull)
		PG_RETURN_NULL();
	PG_RETURN_INT32((int32) request.result);
}

PG_FUNCTION_INFO_V1(domxfer_written_by_this_transaction);
/*
 * domxfer._written_by_this_transaction(xid) → boolean: whether xid is the
 * current transaction or one of its live subtransactions (false for a
 * frozen, invalid or aborted one). Given a row's xmin: whether the row
 * version was written by the caller's own, still open transaction.
 */
Datum
domxfer_written_by_this_transaction(PG_FUNCTION_ARGS)
{
	TransactionId xid = DatumGetTransactionId(PG_GETARG_DATUM(0));

	PG_RETURN_BOOL(TransactionIdIsCurrentTransactionId(xid));
}

PG_FUNCTION_INFO_V1(domxfer_decide_in_side_transaction);
/*
 * domxfer._decide_in_side_transaction(transfer_id, at) → boolean: decides an
 * overdue transfer in a committed side transaction; false when the worker
 * could not (the caller then decides it in its own transaction).
 */
Datum
domxfer_decide_in_side_transaction(PG_FUNCTION_ARGS)
{
	SideRequest request;

	side_request_init(&request, SIDE_DECIDE_DUE, PG_GETARG_INT64(0));
	request.at = PG_GETARG_TIMESTAMPTZ(1);
	if (RecoveryInProgress())
		PG_RETURN_BOOL(false);	/* nothing can be decided here */
	if (side_service_run(&request))
		PG_RETURN_BOOL(request.committed);
	/* no waiting for a slot: the caller can decide in its own transaction */
	if (!run_side_transaction(&request, 0))
		PG_RETURN_BOOL(false);
	side_service_count_dynamic(SIDE_DECIDE_DUE);
	PG_RETURN_BOOL(true);
}
