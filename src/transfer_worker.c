/*
 * transfer_worker.c
 *	  The background worker that decides pending transfers at their deadline,
 *	  and domxfer.worker_status() which reports what it is doing.
 *
 * The worker only schedules: which transfers are due and what their outcome
 * is are decided by the SQL functions domxfer._due_transfer_ids(),
 * domxfer._decide_due_transfer() and domxfer._next_due_at(), which it calls
 * through SPI.  Each batch is one transaction, so a crash at any point leaves
 * every transfer either decided (with its event) or still open, never half
 * done; rows are locked FOR UPDATE SKIP LOCKED, so applications never wait
 * for the worker and a restarted worker cannot decide a row twice.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "domxfer.h"
#include "transfer_worker.h"

#define WORKER_TYPE			"domxfer worker"
#define WORKER_RESTART_SECS	5
#define STATE_LEN			32
#define ERROR_LEN			512

/* How many failing transfers the worker remembers, and how long it waits. */
#define FAILED_MEMORY		1024
#define RETRY_NAPTIMES		10
#define RETRY_MAX_MS		(600 * 1000)

/* The worker's state, written by the worker and read by worker_status(). */
typedef struct WorkerShared
{
	slock_t		mutex;
	pid_t		pid;				/* 0 when no worker process runs */
	bool		database_missing;	/* last connection attempt found no db */
	char		state[STATE_LEN];
	char		database[NAMEDATALEN];
	TimestampTz started_at;
	TimestampTz last_run_at;
	TimestampTz next_due_at;
	TimestampTz last_error_at;
	int64		decided_total;
	int64		failed_total;
	int			naptime_ms;
	int			batch_size;
	char		last_error[ERROR_LEN];
} WorkerShared;

/* A transfer whose decision raised an error, and when to try it again. */
typedef struct FailedTransfer
{
	int64		transfer_id;
	int			failures;
	TimestampTz retry_at;
} FailedTransfer;

static WorkerShared *worker_shared = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;
static emit_log_hook_type prev_emit_log_hook = NULL;

static FailedTransfer failed_transfers[FAILED_MEMORY];
static int	failed_count = 0;

PG_FUNCTION_INFO_V1(domxfer_worker_status);

/* Asks for the shared state's memory (PG15: from shmem_request_hook). */
static void
worker_shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(MAXALIGN(sizeof(WorkerShared)));
}

/* Creates (or, in a child process, attaches to) the shared state. */
static void
worker_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	worker_shared = ShmemInitStruct("domxfer worker", sizeof(WorkerShared), &found);
	if (!found)
	{
		memset(worker_shared, 0, sizeof(WorkerShared));
		SpinLockInit(&worker_shared->mutex);
		strlcpy(worker_shared->state, "not started", STATE_LEN);
		strlcpy(worker_shared->database, domxfer_database, NAMEDATALEN);
		worker_shared->naptime_ms = domxfer_naptime_ms;
		worker_shared->batch_size = domxfer_batch_size;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Registers the worker and its shared memory; a no-op unless preloaded. */
void
domxfer_init_worker(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress)
		return;

#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = worker_shmem_request;
#else
	worker_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = worker_shmem_startup;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* not on a hot standby: the worker starts once recovery (or promotion) ends */
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = WORKER_RESTART_SECS;
	strlcpy(worker.bgw_library_name, "domxfer", BGW_MAXLEN);
	strlcpy(worker.bgw_function_name, "domxfer_worker_main", BGW_MAXLEN);
	snprintf(worker.bgw_name, BGW_MAXLEN, "domxfer worker for database %s", domxfer_database);
	strlcpy(worker.bgw_type, WORKER_TYPE, BGW_MAXLEN);
	RegisterBackgroundWorker(&worker);
}

/* Publishes the worker's state word. */
static void
set_state(const char *state)
{
	SpinLockAcquire(&worker_shared->mutex);
	strlcpy(worker_shared->state, state, STATE_LEN);
	SpinLockRelease(&worker_shared->mutex);
}

/* Publishes an error message; the worker's only writer of last_error. */
static void
record_error(const char *message)
{
	SpinLockAcquire(&worker_shared->mutex);
	strlcpy(worker_shared->last_error, message ? message : "(no message)", ERROR_LEN);
	worker_shared->last_error_at = GetCurrentTimestamp();
	SpinLockRelease(&worker_shared->mutex);
}

/*
 * Keeps the message of an error that ends the worker (e.g. a missing
 * database at connection time) for worker_status(), since the process that
 * could report it is about to exit.
 */
static void
worker_emit_log(ErrorData *edata)
{
	if (edata->elevel >= ERROR && worker_shared != NULL && MyProcPid == worker_shared->pid)
	{
		SpinLockAcquire(&worker_shared->mutex);
		strlcpy(worker_shared->last_error, edata->message ? edata->message : "(no message)", ERROR_LEN);
		worker_shared->last_error_at = GetCurrentTimestamp();
		if (edata->sqlerrcode == ERRCODE_UNDEFINED_DATABASE)
			worker_shared->database_missing = true;
		SpinLockRelease(&worker_shared->mutex);
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/* Marks the worker as gone when its process exits (not on a crash). */
static void
worker_on_exit(int code, Datum arg)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = 0;
	strlcpy(worker_shared->state, code == 0 ? "stopped" : "restarting", STATE_LEN);
	SpinLockRelease(&worker_shared->mutex);
}

/* Re-reads postgresql.conf after SIGHUP and publishes the values in use. */
static void
reload_settings_if_asked(void)
{
	if (ConfigReloadPending)
	{
		ConfigReloadPending = false;
		ProcessConfigFile(PGC_SIGHUP);
	}
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->naptime_ms = domxfer_naptime_ms;
	worker_shared->batch_size = domxfer_batch_size;
	SpinLockRelease(&worker_shared->mutex);
}

/* Sleeps on the latch for up to timeout_ms; wakes early on latch or signal. */
static void
sleep_on_latch(long timeout_ms)
{
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 timeout_ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
	CHECK_FOR_INTERRUPTS();
}

/*
 * Waits, connected to no database, until domxfer.database exists; then exits
 * so that the postmaster restarts the worker, which connects to it.  This way
 * a missing database costs one FATAL in the log, not one per restart.
 */
static void
wait_for_database(void)
{
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	set_state("database missing");
	for (;;)
	{
		bool		exists;

		reload_settings_if_asked();
		StartTransactionCommand();
		exists = OidIsValid(get_database_oid(domxfer_database, true));
		CommitTransactionCommand();
		if (exists)
		{
			SpinLockAcquire(&worker_shared->mutex);
			worker_shared->database_missing = false;
			SpinLockRelease(&worker_shared->mutex);
			proc_exit(1);
		}
		sleep_on_latch(domxfer_naptime_ms);
	}
}

/* The remembered failure of a transfer, or NULL. */
static FailedTransfer *
find_failed(int64 transfer_id)
{
	for (int i = 0; i < failed_count; i++)
		if (failed_transfers[i].transfer_id == transfer_id)
			return &failed_transfers[i];
	return NULL;
}

/* Remembers a failed decision so the transfer is retried later, not at once. */
static int
remember_failure(int64 transfer_id, TimestampTz now)
{
	FailedTransfer *failed = find_failed(transfer_id);
	int64		delay_ms;

	if (failed == NULL)
	{
		if (failed_count >= FAILED_MEMORY)
			return 1;
		failed = &failed_transfers[failed_count++];
		failed->transfer_id = transfer_id;
		failed->failures = 0;
	}
	failed->failures++;
	/* back off linearly: 10 naptimes after the first failure, 20 after the second... */
	delay_ms = Min((int64) domxfer_naptime_ms * RETRY_NAPTIMES * failed->failures, RETRY_MAX_MS);
	failed->retry_at = TimestampTzPlusMilliseconds(now, delay_ms);
	return failed->failures;
}

/* Forgets a transfer that was decided (or is no longer due). */
static void
forget_failure(int64 transfer_id)
{
	FailedTransfer *failed = find_failed(transfer_id);

	if (failed != NULL)
		*failed = failed_transfers[--failed_count];
}

/* True while a failed transfer waits for its retry time. */
static inline bool
in_retry_backoff(int64 transfer_id, TimestampTz now)
{
	FailedTransfer *failed = find_failed(transfer_id);

	return failed != NULL && failed->retry_at > now;
}

/* Saved plans of the three SQL calls (prepared once, re-planned by PostgreSQL after DDL). */
static SPIPlanPtr next_due_plan = NULL;
static SPIPlanPtr due_ids_plan = NULL;
static SPIPlanPtr decide_plan = NULL;

/* Prepares a statement once for the life of the process. */
static SPIPlanPtr
keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *arg_types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	prepared = SPI_prepare(sql, nargs, arg_types);

		if (prepared == NULL)
			elog(ERROR, "could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
		SPI_keepplan(prepared);
		*plan = prepared;
	}
	return *plan;
}

/* domxfer._next_due_at(), 0 when no transfer is open. */
static TimestampTz
query_next_due_at(void)
{
	bool		isnull;
	Datum		next;

	keep_plan(&next_due_plan, "SELECT domxfer._next_due_at()", 0, NULL);
	if (SPI_execute_plan(next_due_plan, NULL, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not find the next deadline");
	next = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetTimestampTz(next);
}

/* The outcome of one pass: whether more is due now, and the next deadline. */
typedef struct PassResult
{
	bool		extension_installed;
	bool		batch_was_full;
	bool		row_failed;
	TimestampTz batch_at;
	TimestampTz next_due_at;	/* 0 when no transfer is open */
	int			decided;
} PassResult;

/*
 * Locks up to batch_size due transfers and decides each, all in the pass's
 * transaction.  *deciding names the transfer being decided, for the caller's
 * error handling.  Transfers that failed recently are locked but left alone,
 * so a few bad rows cannot starve the others.
 */
static void
decide_due_batch(PassResult *pass, volatile int64 *deciding)
{
	Oid			list_types[2] = {TIMESTAMPTZOID, INT4OID};
	Oid			decide_types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2];
	int			limit = domxfer_batch_size + failed_count;
	uint64		nrows;
	int64	   *ids;
	bool		isnull;

	args[0] = TimestampTzGetDatum(pass->batch_at);
	args[1] = Int32GetDatum(limit);
	keep_plan(&due_ids_plan, "SELECT id FROM domxfer._due_transfer_ids($1, $2) AS id", 2, list_types);
	if (SPI_execute_plan(due_ids_plan, args, NULL, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "could not list the due transfers");
	nrows = SPI_processed;
	pass->batch_was_full = (nrows >= (uint64) limit);
	ids = palloc(sizeof(int64) * Max(nrows, 1));
	for (uint64 i = 0; i < nrows; i++)
		ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);

	keep_plan(&decide_plan, "SELECT domxfer._decide_due_transfer($1, $2)", 2, decide_types);
	for (uint64 i = 0; i < nrows; i++)
	{
		Datum		decided;

		CHECK_FOR_INTERRUPTS();
		if (in_retry_backoff(ids[i], pass->batch_at))
			continue;
		*deciding = ids[i];
		args[0] = Int64GetDatum(ids[i]);
		args[1] = TimestampTzGetDatum(pass->batch_at);
		if (SPI_execute_plan(decide_plan, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "domxfer._decide_due_transfer() did not return a row");
		decided = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		pass->decided += (!isnull && DatumGetBool(decided)) ? 1 : 0;
		SPI_freetuptable(SPI_tuptable);
		*deciding = 0;
	}
	/* decided (or no longer due): no need to retry them */
	for (uint64 i = 0; i < nrows; i++)
		if (!in_retry_backoff(ids[i], pass->batch_at))
			forget_failure(ids[i]);
}

/*
 * Undoes a pass whose decision of one transfer raised an error: the whole
 * transaction rolls back (nothing of the batch is kept), the transfer is
 * remembered for a later retry, and the next pass decides the others.
 */
static void
abandon_pass(int64 transfer_id, MemoryContext keep_cxt)
{
	ErrorData  *edata;
	char		message[ERROR_LEN];
	int			failures;

	MemoryContextSwitchTo(keep_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextSwitchTo(keep_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);

	snprintf(message, sizeof(message), "transfer %lld: %s", (long long) transfer_id, edata->message);
	record_error(message);
	failures = remember_failure(transfer_id, GetCurrentTimestamp());
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->failed_total++;
	SpinLockRelease(&worker_shared->mutex);
	/* logged once per transfer; later retries show in worker_status() */
	ereport(failures == 1 ? WARNING : DEBUG1,
			(errmsg("domxfer worker could not decide transfer %lld: %s",
					(long long) transfer_id, edata->message),
			 errdetail("The transfer stays open and is retried later; the other due transfers are decided.")));
	FreeErrorData(edata);
}

/*
 * One pass, one transaction: find the earliest deadline, and if something
 * is due, decide a batch and look again.
 *
 * The batch runs without a subtransaction per row: a row locked by the
 * batch and then updated in a subtransaction gets a MultiXact as its xmax,
 * and more than 64 subtransactions overflow every snapshot's subxid cache;
 * both made the catch-up several times slower.  A failing row instead rolls
 * the batch back, is set aside, and the next pass redoes the rest, so one bad
 * row still never stops the others.  An error that no row caused ends the
 * worker (FATAL) and the postmaster restarts it.
 */
static PassResult
run_one_pass(MemoryContext keep_cxt)
{
	PassResult	pass = {0};
	volatile int64 deciding = 0;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	pass.extension_installed = OidIsValid(get_extension_oid("domxfer", true));
	if (!pass.extension_installed)
	{
		CommitTransactionCommand();
		return pass;
	}

	PG_TRY();
	{
		SPI_connect();
		PushActiveSnapshot(GetTransactionSnapshot());
		pass.batch_at = GetCurrentTimestamp();
		pass.next_due_at = query_next_due_at();
		if (pass.next_due_at != 0 && pass.next_due_at <= pass.batch_at)
		{
			pgstat_report_activity(STATE_RUNNING, "domxfer worker: deciding due transfers");
			decide_due_batch(&pass, &deciding);
			pass.next_due_at = query_next_due_at();
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* locals set inside PG_TRY are unreliable after the longjmp */
		PassResult	failed = {.extension_installed = true, .row_failed = true};

		MemoryContextSwitchTo(keep_cxt);
		if (deciding == 0 || geterrcode() == ERRCODE_QUERY_CANCELED)
			PG_RE_THROW();
		abandon_pass(deciding, keep_cxt);
		return failed;
	}
	PG_END_TRY();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);

	/* counted only once committed: a crash before this decided nothing */
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->decided_total += pass.decided;
	worker_shared->last_run_at = pass.batch_at;
	worker_shared->next_due_at = pass.next_due_at;
	SpinLockRelease(&worker_shared->mutex);
	return pass;
}

/*
 * How long to sleep after a pass: not at all while a full batch suggests more
 * is due; until the next deadline if that comes before naptime; naptime when
 * nothing is open or the earliest due transfer could not be taken (locked by
 * another session or failing), so such a row never makes the worker spin.
 */
static long
sleep_ms_after(const PassResult *pass)
{
	TimestampTz now = GetCurrentTimestamp();
	int64		until_due;

	if (pass->row_failed || pass->batch_was_full)
		return 0;
	if (!pass->extension_installed || pass->next_due_at == 0)
		return domxfer_naptime_ms;
	if (pass->next_due_at <= pass->batch_at)
		return domxfer_naptime_ms;
	until_due = pass->next_due_at - now;
	if (until_due <= 0)
		return 0;
	/* round up so the worker wakes at or just after the deadline */
	return (long) Min((until_due + 999) / 1000, (int64) domxfer_naptime_ms);
}

/* The worker process: decides due transfers until told to stop. */
void
domxfer_worker_main(Datum main_arg)
{
	MemoryContext pass_cxt;
	bool		database_missing;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	domxfer_in_worker = true;
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = MyProcPid;
	worker_shared->started_at = GetCurrentTimestamp();
	worker_shared->next_due_at = 0;
	strlcpy(worker_shared->state, "starting", STATE_LEN);
	strlcpy(worker_shared->database, domxfer_database, NAMEDATALEN);
	database_missing = worker_shared->database_missing;
	SpinLockRelease(&worker_shared->mutex);
	on_shmem_exit(worker_on_exit, (Datum) 0);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = worker_emit_log;

	if (database_missing)
		wait_for_database();
	BackgroundWorkerInitializeConnection(domxfer_database, NULL, 0);
	/* the setting, not only pg_stat_activity, so SQL can tell who runs it */
	SetConfigOption("application_name", WORKER_TYPE, PGC_SUSET, PGC_S_SESSION);
	/* every name the worker uses is qualified; nothing may be planted */
	SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_SESSION);

	pass_cxt = AllocSetContextCreate(TopMemoryContext, "domxfer worker pass",
									 ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		PassResult	pass;
		long		sleep_ms;

		CHECK_FOR_INTERRUPTS();
		reload_settings_if_asked();

		MemoryContextSwitchTo(pass_cxt);
		pass = run_one_pass(pass_cxt);
		set_state(pass.extension_installed ? "running" : "extension not installed");
		sleep_ms = sleep_ms_after(&pass);
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(pass_cxt);

		if (sleep_ms > 0)
			sleep_on_latch(sleep_ms);
	}
}

/* Copies a timestamp into a result column, NULL when unset. */
static inline void
put_timestamp(Datum *values, bool *nulls, int column, TimestampTz ts)
{
	values[column] = TimestampTzGetDatum(ts);
	nulls[column] = (ts == 0);
}

/* domxfer.worker_status(): one row describing the background worker. */
Datum
domxfer_worker_status(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	WorkerShared snapshot;
	Datum		values[12];
	bool		nulls[12] = {0};

	InitMaterializedSRF(fcinfo, 0);
	if (worker_shared == NULL)
	{
		memset(&snapshot, 0, sizeof(snapshot));
		strlcpy(snapshot.state, "not loaded", STATE_LEN);
		strlcpy(snapshot.database, domxfer_database ? domxfer_database : "", NAMEDATALEN);
		snapshot.naptime_ms = domxfer_naptime_ms;
		snapshot.batch_size = domxfer_batch_size;
	}
	else
	{
		SpinLockAcquire(&worker_shared->mutex);
		snapshot = *worker_shared;
		SpinLockRelease(&worker_shared->mutex);
		if (snapshot.pid == 0 && RecoveryInProgress())
			strlcpy(snapshot.state, "standby", STATE_LEN);
	}

	values[0] = CStringGetTextDatum(snapshot.state);
	values[1] = Int32GetDatum(snapshot.pid);
	nulls[1] = (snapshot.pid == 0);
	values[2] = CStringGetTextDatum(snapshot.database);
	put_timestamp(values, nulls, 3, snapshot.started_at);
	put_timestamp(values, nulls, 4, snapshot.last_run_at);
	put_timestamp(values, nulls, 5, snapshot.next_due_at);
	values[6] = Int64GetDatum(snapshot.decided_total);
	values[7] = Int64GetDatum(snapshot.failed_total);
	values[8] = CStringGetTextDatum(snapshot.last_error);
	nulls[8] = (snapshot.last_error[0] == '\0');
	put_timestamp(values, nulls, 9, snapshot.last_error_at);
	values[10] = Int32GetDatum(snapshot.naptime_ms);
	values[11] = Int32GetDatum(snapshot.batch_size);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
