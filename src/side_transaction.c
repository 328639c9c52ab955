/*
 * side_transaction.c
 *	  Runs one fixed domxfer query in a separate, committed transaction.
 *
 * The caller starts a dynamic background worker (no preloading needed),
 * hands it the request in a DSM segment and waits for it to exit. The worker
 * connects to the caller's database as the caller's current user (inside the
 * SECURITY DEFINER lifecycle functions: the extension's owner), runs the
 * query with a short lock_timeout, so that it never waits long on a row the
 * caller or anyone else has locked, and commits.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "actor.h"
#include "side_transaction.h"

/* How long the worker waits for a row lock before giving up. */
#define SIDE_LOCK_TIMEOUT	"1s"

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

/* Starts the worker, waits for it to exit and copies its result back. */
static bool
run_side_transaction(SideRequest *request)
{
	dsm_segment *seg = dsm_create(sizeof(SideRequest), 0);
	SideRequest *shared = dsm_segment_address(seg);
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;
	BgwHandleStatus status;

	memcpy(shared, request, sizeof(SideRequest));
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

	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		dsm_detach(seg);
		strlcpy(request->error, "no background worker slot is free (see max_worker_processes)",
				sizeof(request->error));
		return false;
	}
	status = WaitForBackgroundWorkerShutdown(handle);
	if (status == BGWH_POSTMASTER_DIED)
		ereport(FATAL,
				(errcode(ERRCODE_ADMIN_SHUTDOWN),
				 errmsg("postmaster exited while a domxfer side transaction was running")));
	memcpy(request, shared, sizeof(SideRequest));
	dsm_detach(seg);
	if (!request->committed && request->error[0] == '\0')
		strlcpy(request->error, "the side transaction worker exited without committing",
				sizeof(request->error));
	return request->committed;
}

/* Runs the request's query in the worker's own transaction and commits it. */
static void
side_transaction_execute(SideRequest *request)
{
	const char *query;
	Oid			argtypes[2];
	Datum		args[2];
	bytea	   *salt;
	int			ret;
	bool		isnull;
	Datum		value;

	argtypes[0] = INT8OID;
	args[0] = Int64GetDatum(request->transfer_id);
	if (request->action == SIDE_COUNT_FAILED_ATTEMPT)
	{
		query = "SELECT domxfer._count_failed_auth_attempt($1, $2)::pg_catalog.int8";
		salt = palloc(VARHDRSZ + request->salt_len);
		SET_VARSIZE(salt, VARHDRSZ + request->salt_len);
		memcpy(VARDATA(salt), request->salt, request->salt_len);
		argtypes[1] = BYTEAOID;
		args[1] = PointerGetDatum(salt);
	}
	else if (request->action == SIDE_DECIDE_DUE)
	{
		query = "SELECT domxfer._decide_due_transfer($1, $2)::pg_catalog.int4::pg_catalog.int8";
		argtypes[1] = TIMESTAMPTZOID;
		args[1] = TimestampTzGetDatum(request->at);
	}
	else
		elog(ERROR, "unknown domxfer side transaction action %d", request->action);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SetConfigOption("lock_timeout", SIDE_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, query);

	ret = SPI_execute_with_args(query, 2, argtypes, args, NULL, false, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "domxfer side transaction query failed: %s", SPI_result_code_string(ret));
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	request->result_isnull = isnull;
	request->result = isnull ? 0 : DatumGetInt64(value);

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
		strlcpy(request->error, edata->message, sizeof(request->error));
		PG_RE_THROW();
	}
	PG_END_TRY();

	dsm_detach(seg);
	proc_exit(0);
}

PG_FUNCTION_INFO_V1(domxfer_record_failed_auth_attempt);
/*
 * domxfer._record_failed_auth_attempt(transfer_id, salt) → integer: counts a
 * wrong code in a committed side transaction; returns the new count, or NULL
 * when nothing was counted (the code changed meanwhile, or the worker could
 * not run: then a WARNING says why).
 */
Datum
domxfer_record_failed_auth_attempt(PG_FUNCTION_ARGS)
{
	bytea	   *salt = PG_GETARG_BYTEA_PP(1);
	SideRequest request;

	if (VARSIZE_ANY_EXHDR(salt) > SIDE_MAX_SALT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("auth code salt must be at most %d bytes", SIDE_MAX_SALT)));
	side_request_init(&request, SIDE_COUNT_FAILED_ATTEMPT, PG_GETARG_INT64(0));
	request.salt_len = VARSIZE_ANY_EXHDR(salt);
	memcpy(request.salt, VARDATA_ANY(salt), request.salt_len);

	if (!run_side_transaction(&request))
	{
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("failed auth code attempt on transfer " INT64_FORMAT " was not counted",
						request.transfer_id),
				 errdetail("The attempt recorder failed: %s", request.error)));
		PG_RETURN_NULL();
	}
	if (request.result_isnull)
		PG_RETURN_NULL();
	PG_RETURN_INT32((int32) request.result);
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
	PG_RETURN_BOOL(run_side_transaction(&request));
}
