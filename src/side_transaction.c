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
		explicit_bzero(shared, sizeof(SideRequest));
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
	/* the candidate code must not outlive the request in shared memory */
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

/* Runs the request's query in the worker's own transaction and commits it. */
static void
side_transaction_execute(SideRequest *request)
{
	const char *query;
	Oid			argtypes[4];
	Datum		args[4];
	int			nargs;
	struct varlena *code = NULL;
	int			ret;
	bool		isnull;
	Datum		value;

	argtypes[0] = INT8OID;
	args[0] = Int64GetDatum(request->transfer_id);
	if (request->action == SIDE_CHECK_AUTH_CODE)
	{
		query = "SELECT domxfer._check_auth_code($1, $2, $3, $4)::pg_catalog.int8";
		argtypes[1] = BYTEAOID;
		args[1] = PointerGetDatum(side_varlena(request->salt, request->salt_len));
		code = side_varlena(request->code, request->code_len);
		/* the shared copy is no longer needed: wipe it at once */
		explicit_bzero(request->code, sizeof(request->code));
		argtypes[2] = TEXTOID;
		args[2] = PointerGetDatum(code);
		argtypes[3] = TIMESTAMPTZOID;
		args[3] = TimestampTzGetDatum(request->at);
		nargs = 4;
	}
	else if (request->action == SIDE_DECIDE_DUE)
	{
		query = "SELECT domxfer._decide_due_transfer($1, $2)::pg_catalog.int4::pg_catalog.int8";
		argtypes[1] = TIMESTAMPTZOID;
		args[1] = TimestampTzGetDatum(request->at);
		nargs = 2;
	}
	else
		elog(ERROR, "unknown domxfer side transaction action %d", request->action);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SetConfigOption("lock_timeout", SIDE_LOCK_TIMEOUT, PGC_USERSET, PGC_S_SESSION);
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, query);

	ret = SPI_execute_with_args(query, nargs, argtypes, args, NULL, false, 1);
	if (code != NULL)
		explicit_bzero(VARDATA(code), VARSIZE(code) - VARHDRSZ);
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
		request->error_code = edata->sqlerrcode;
		strlcpy(request->error, edata->message, sizeof(request->error));
		PG_RE_THROW();
	}
	PG_END_TRY();

	dsm_detach(seg);
	proc_exit(0);
}

/*
 * The error for a guess that could not be checked: no comparison was made,
 * so the caller must not learn anything, nor be told the code is wrong.
 */
static void
raise_auth_code_not_checked(const SideRequest *request)
{
	/* no worker slot (or a worker that died): 53000; else the worker's own */
	int			code = request->error_code != 0 ? request->error_code
		: ERRCODE_INSUFFICIENT_RESOURCES;

	ereport(ERROR,
			(errcode(code),
			 errmsg("could not check the auth code now"),
			 errdetail("The code of transfer " INT64_FORMAT " was not compared and no attempt was counted: %s.",
					   request->transfer_id, request->error),
			 errhint("Retry the request in a moment, outside any transaction that has changed the transfer.")));
}

PG_FUNCTION_INFO_V1(domxfer_check_auth_code_in_side_transaction);
/*
 * domxfer._check_auth_code_in_side_transaction(transfer_id, salt, code, at)
 * → integer: compares a candidate code in a committed side transaction that
 * counts it if wrong. 0: right; n > 0: wrong, n failed attempts so far;
 * NULL: the code seen (salt) is no longer current, nothing compared. Errors
 * (53000, 55P03, ...) when the worker could not run or lock the row.
 */
Datum
domxfer_check_auth_code_in_side_transaction(PG_FUNCTION_ARGS)
{
	bytea	   *salt = PG_GETARG_BYTEA_PP(1);
	text	   *code = PG_GETARG_TEXT_PP(2);
	SideRequest request;
	bool		committed;

	if (VARSIZE_ANY_EXHDR(salt) > SIDE_MAX_SALT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("auth code salt must be at most %d bytes", SIDE_MAX_SALT)));
	side_request_init(&request, SIDE_CHECK_AUTH_CODE, PG_GETARG_INT64(0));
	request.salt_len = VARSIZE_ANY_EXHDR(salt);
	memcpy(request.salt, VARDATA_ANY(salt), request.salt_len);
	request.at = PG_GETARG_TIMESTAMPTZ(3);
	/* too long to be a code: compared as '', which never matches, and counted */
	if (VARSIZE_ANY_EXHDR(code) <= SIDE_MAX_CODE)
	{
		request.code_len = VARSIZE_ANY_EXHDR(code);
		memcpy(request.code, VARDATA_ANY(code), request.code_len);
	}

	committed = run_side_transaction(&request);
	explicit_bzero(request.code, sizeof(request.code));
	if (!committed)
		raise_auth_code_not_checked(&request);
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
