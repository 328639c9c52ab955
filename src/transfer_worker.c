/*
 * transfer_worker.c
 *	  The background worker that decides pending transfers at their deadline,
 *	  and domxfer.worker_status() which reports what it is doing.
 *
 * Floor: server C above domxfer.h; used by deadline_signal.c and init.c.
 *
 * The worker only schedules: which transfers are due and what their outcome
 * is are decided by the SQL functions domxfer._decide_due_batch() (a whole
 * batch, set-based), domxfer._due_transfer_ids() with
 * domxfer._decide_due_transfer() (row by row, to find a failing row) and
 * domxfer._next_due_at(), which it calls through SPI.  Each batch is one
 * transaction, so a crash at any point leaves every transfer either decided
 * (with its event) or still open, never half done; rows are locked FOR
 * UPDATE SKIP LOCKED, so applications never wait for the worker and a
 * restarted worker cannot decide a row twice.
 *
 * Between passes the worker sleeps until the earliest deadline it knows of,
 * waking every naptime to look at a time stamp in shared memory, not at the
 * database: a commit that gives a transfer an earlier deadline lowers that
 * time stamp (and sets the worker's latch), see domxfer_worker_note_due().
 * Only every FULL_CHECK_NAPTIMES does it look at the database regardless,
 * for deadlines written with triggers disabled.
 *
 * Errors come in two kinds.  One transfer's error (a trigger, a constraint)
 * sets that transfer aside and the others go on.  An error of the whole
 * database (read-only transactions, disk full, out of memory, a lock
 * timeout, a cancel...) is a state, not a crash: the worker stays connected,
 * shows the condition in worker_status(), logs one line when it starts and
 * one when it ends, and retries with a growing latch wait (at once after a
 * SIGHUP, which is how such a setting is usually lifted).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_database.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/shmem.h"
#include "storage/spin.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
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

/* Waits between tries while a database-wide condition lasts: naptime, doubled up to this. */
#define CONDITION_MAX_MS	(30 * 1000)

/* Idle, the worker still runs a pass every this many naptimes. */
#define FULL_CHECK_NAPTIMES	60

/* How many restoring backends (a parallel pg_restore's connections) are remembered. */
#define RESTORE_SLOTS		64

/* No deadline known: later than any timestamp. */
#define NO_DEADLINE			DT_NOEND

/* The worker's state, written by the worker and read by worker_status(). */
typedef struct WorkerShared
{
	slock_t		mutex;
	pid_t		pid;				/* 0 when no worker process runs */
	bool		database_missing;	/* last connection attempt found no db */
	bool		database_closed;	/* ... or one that refuses connections */
	char		state[STATE_LEN];
	char		database[NAMEDATALEN];
	TimestampTz started_at;
	TimestampTz last_run_at;
	TimestampTz next_due_at;
	/* the worker's next wake-up: next_due_at, or earlier if a commit said so */
	TimestampTz wake_at;
	Latch	   *latch;				/* the worker's latch, while pid != 0 */
	TimestampTz last_error_at;
	int64		decided_total;
	int64		failed_total;
	int			naptime_ms;
	int			batch_size;
	char		last_error[ERROR_LEN];
	/* backends that loaded a dump's rows (src/restore_guard.c), and where */
	pid_t		restore_pid[RESTORE_SLOTS];
	Oid			restore_db[RESTORE_SLOTS];
	/* the doorbell (doorbell.c): commits that rang it, ever */
	uint64		doorbell_rung;
	/* the database the worker connected to last (kept across restarts) */
	Oid			doorbell_dboid;
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

/* The rings answered by this process's last doorbell; none yet at start. */
static uint64 doorbell_answered = 0;
static bool doorbell_answered_once = false;

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
		worker_shared->wake_at = NO_DEADLINE;
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

/*
 * Called after a commit that gave some transfer the deadline (or code expiry)
 * "due": wakes the worker if that is earlier than what it sleeps towards.
 * Runs in any backend, after the commit became visible, so a pass that
 * starts after this sees the row, and one that started before has reset
 * wake_at before its snapshot and finds it lowered here when it ends.
 */
void
domxfer_worker_note_due(TimestampTz due)
{
	Latch	   *latch = NULL;

	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	if (due < worker_shared->wake_at)
	{
		worker_shared->wake_at = due;
		if (worker_shared->pid != 0)
			latch = worker_shared->latch;
	}
	SpinLockRelease(&worker_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/*
 * Called by a backend that loads a dump's rows into domxfer's tables: the
 * worker decides nothing in this database while the backend is connected,
 * and looks again as soon as it is gone.  A slot whose backend has ended is
 * reused; when all are taken by live backends, the oldest is overwritten.
 */
void
domxfer_worker_note_restore(void)
{
	int			free_slot = -1;
	Latch	   *latch;

	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	for (int i = 0; i < RESTORE_SLOTS; i++)
	{
		if (worker_shared->restore_pid[i] == MyProcPid)
		{
			worker_shared->restore_db[i] = MyDatabaseId;
			free_slot = -2;
			break;
		}
		if (free_slot == -1 && worker_shared->restore_pid[i] == 0)
			free_slot = i;
	}
	if (free_slot != -2)
	{
		if (free_slot < 0)
			free_slot = 0;
		worker_shared->restore_pid[free_slot] = MyProcPid;
		worker_shared->restore_db[free_slot] = MyDatabaseId;
	}
	/* the worker looks at once, and every naptime until the restore is over */
	worker_shared->wake_at = 0;
	latch = worker_shared->pid != 0 ? worker_shared->latch : NULL;
	SpinLockRelease(&worker_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/* Whether a backend that loaded a dump's rows is still connected to dbid; forgets those gone. */
bool
domxfer_worker_restore_in_progress(Oid dbid)
{
	pid_t		pids[RESTORE_SLOTS];
	int			n = 0;
	bool		running = false;

	if (worker_shared == NULL)
		return false;
	SpinLockAcquire(&worker_shared->mutex);
	for (int i = 0; i < RESTORE_SLOTS; i++)
		if (worker_shared->restore_pid[i] != 0 && worker_shared->restore_db[i] == dbid)
			pids[n++] = worker_shared->restore_pid[i];
	SpinLockRelease(&worker_shared->mutex);

	for (int i = 0; i < n; i++)
	{
		PGPROC	   *proc = BackendPidGetProc(pids[i]);

		if (proc != NULL && proc->databaseId == dbid)
			running = true;
		else
		{
			SpinLockAcquire(&worker_shared->mutex);
			for (int j = 0; j < RESTORE_SLOTS; j++)
				if (worker_shared->restore_pid[j] == pids[i])
					worker_shared->restore_pid[j] = 0;
			SpinLockRelease(&worker_shared->mutex);
		}
	}
	return running;
}

/*
 * Whether coalesced doorbells work in this backend's database: the worker
 * connected to it last, and, if must_be_running, its process runs now.
 * False when the library was not preloaded (no worker, no shared memory).
 */
bool
domxfer_worker_serves_doorbell(bool must_be_running)
{
	bool		serves;

	if (worker_shared == NULL || !OidIsValid(MyDatabaseId))
		return false;
	SpinLockAcquire(&worker_shared->mutex);
	serves = worker_shared->doorbell_dboid == MyDatabaseId &&
		(!must_be_running || worker_shared->pid != 0);
	SpinLockRelease(&worker_shared->mutex);
	return serves;
}

/*
 * Called after a commit that changed transfers in coalesced mode: counts a
 * ring and wakes the worker, which answers any number of rings with one
 * NOTIFY.  Runs after the commit became visible, so a listener woken by that
 * NOTIFY sees the commit.  A worker that is not running answers when it
 * starts (it always sends one doorbell then).
 */
void
domxfer_worker_ring_doorbell(void)
{
	Latch	   *latch = NULL;

	if (worker_shared == NULL)
		return;
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->doorbell_rung++;
	if (worker_shared->pid != 0)
		latch = worker_shared->latch;
	SpinLockRelease(&worker_shared->mutex);
	if (latch != NULL)
		SetLatch(latch);
}

/*
 * Sends one NOTIFY domxfer_transfer (no payload) if any commit rang since the
 * last one this process sent, and once at start, for rings a previous worker
 * process may have left unanswered.  The doorbell need not survive a crash
 * (listeners read the events table, and the restarted worker rings once), so
 * its commit does not wait for the WAL flush.  An error (e.g. a full NOTIFY
 * queue) is logged and the ring answered at the next wake-up.
 */
static void
answer_doorbell(void)
{
	uint64		rung;
	MemoryContext cxt = CurrentMemoryContext;

	SpinLockAcquire(&worker_shared->mutex);
	rung = worker_shared->doorbell_rung;
	SpinLockRelease(&worker_shared->mutex);
	if (doorbell_answered_once && rung == doorbell_answered)
		return;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		(void) set_config_option("synchronous_commit", "off", PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
		Async_Notify(DOMXFER_DOORBELL_CHANNEL, "");
		CommitTransactionCommand();
		doorbell_answered = rung;
		doorbell_answered_once = true;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(cxt);
}

/* The worker's next wake-up, NO_DEADLINE if none. */
static TimestampTz
read_wake_at(void)
{
	TimestampTz wake_at;

	SpinLockAcquire(&worker_shared->mutex);
	wake_at = worker_shared->wake_at;
	SpinLockRelease(&worker_shared->mutex);
	return wake_at;
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
		/* FATAL at connection time: datallowconn is false */
		if (edata->elevel >= FATAL && edata->sqlerrcode == ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE)
			worker_shared->database_closed = true;
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
	worker_shared->latch = NULL;
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
 * Whether database "name" exists (*allowed: and accepts connections), read
 * from pg_database's heap without its indexes or caches: a process connected
 * to no database cannot open those until some backend has written the shared
 * relcache file, which on a fresh cluster nobody may have done yet ("cannot
 * read pg_class without having selected a database", a restart loop).
 */
bool
domxfer_database_exists(const char *name, bool *allowed)
{
	Relation	rel;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tuple;
	bool		exists = false;

	*allowed = false;
	ScanKeyInit(&key, Anum_pg_database_datname, BTEqualStrategyNumber, F_NAMEEQ,
				CStringGetDatum(name));
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = systable_beginscan(rel, InvalidOid, false, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		exists = true;
		*allowed = ((Form_pg_database) GETSTRUCT(tuple))->datallowconn;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	return exists;
}

/* Publishes that the database is still missing or closed: last_error_at is when it was last seen so. */
static void
record_database_unusable(bool exists)
{
	char		message[ERROR_LEN];

	if (exists)
		snprintf(message, sizeof(message), "database \"%s\" does not allow connections", domxfer_database);
	else
		snprintf(message, sizeof(message), "database \"%s\" does not exist", domxfer_database);
	record_error(message);
}

/*
 * Waits, connected to no database, until domxfer.database exists and
 * accepts connections (ALTER DATABASE ... ALLOW_CONNECTIONS); then exits so
 * that the postmaster restarts the worker, which connects to it.  This way
 * a missing or closed database costs one FATAL in the log, not one per
 * restart.
 */
static void
wait_for_database(void)
{
	bool		logged = false;

	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	for (;;)
	{
		bool		exists;
		bool		allowed;

		reload_settings_if_asked();
		StartTransactionCommand();
		exists = domxfer_database_exists(domxfer_database, &allowed);
		CommitTransactionCommand();
		set_state(exists ? "connections not allowed" : "database missing");
		if (!allowed)
		{
			record_database_unusable(exists);
			if (!logged)
				ereport(LOG,
						(errmsg("domxfer worker waits for database \"%s\" to %s",
								domxfer_database, exists ? "allow connections" : "exist"),
						 errdetail("worker_status() shows the state; the worker connects within seconds once it %s.",
								   exists ? "does" : "is created")));
			logged = true;
		}
		if (allowed)
		{
			SpinLockAcquire(&worker_shared->mutex);
			worker_shared->database_missing = false;
			worker_shared->database_closed = false;
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

/*
 * After a batch succeeded: forgets the failed transfers whose retry time had
 * come, since the batch decided them (or they were not due any more); one
 * that fails again is remembered afresh.
 */
static void
forget_retried_failures(TimestampTz batch_at)
{
	for (int i = failed_count - 1; i >= 0; i--)
		if (failed_transfers[i].retry_at <= batch_at)
			failed_transfers[i] = failed_transfers[--failed_count];
}

/* True while a failed transfer waits for its retry time. */
static inline bool
in_retry_backoff(int64 transfer_id, TimestampTz now)
{
	FailedTransfer *failed = find_failed(transfer_id);

	return failed != NULL && failed->retry_at > now;
}

/* Saved plans of the SQL calls (prepared once, re-planned by PostgreSQL after DDL). */
static SPIPlanPtr next_due_plan = NULL;
static SPIPlanPtr batch_plan = NULL;
static SPIPlanPtr due_ids_plan = NULL;
static SPIPlanPtr decide_plan = NULL;

/* Set when a set-based batch failed: the next pass goes row by row. */
static bool batch_failed = false;

/* Marks *deciding while a whole batch, not one transfer, is being decided. */
#define DECIDING_BATCH		(-1)

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

/*
 * Registry-managed transfers (SPEC §8): domxfer._queue_registry_commands()
 * queues a reject for those failing a blocking rule as of their acDate.
 * Looked up by name on every pass: a 0.1.0 installation does not have it.
 */
static void
queue_registry_commands(TimestampTz at)
{
	Oid			arg_type = TIMESTAMPTZOID;
	Oid			fn = LookupFuncName(list_make2(makeString("domxfer"),
											   makeString("_queue_registry_commands")),
									1, &arg_type, true);

	if (OidIsValid(fn))
		OidFunctionCall1(fn, TimestampTzGetDatum(at));
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

/* The transfers waiting for a retry after a failure, as an int8[] Datum. */
static Datum
transfers_in_backoff(TimestampTz now)
{
	Datum	   *ids = palloc(sizeof(Datum) * Max(failed_count, 1));
	int			n = 0;

	for (int i = 0; i < failed_count; i++)
		if (failed_transfers[i].retry_at > now)
			ids[n++] = Int64GetDatum(failed_transfers[i].transfer_id);
	return PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64),
										   FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/*
 * Locks up to batch_size due transfers and decides them in one statement,
 * leaving out those waiting for a retry.  An error here fails the whole
 * batch; the next pass then goes row by row (decide_due_rows).
 */
static void
decide_due_set(PassResult *pass, volatile int64 *deciding)
{
	Oid			types[3] = {TIMESTAMPTZOID, INT4OID, INT8ARRAYOID};
	Datum		args[3];
	bool		isnull;
	int			decided;

	args[0] = TimestampTzGetDatum(pass->batch_at);
	args[1] = Int32GetDatum(domxfer_batch_size);
	args[2] = transfers_in_backoff(pass->batch_at);
	keep_plan(&batch_plan, "SELECT domxfer._decide_due_batch($1, $2, $3)", 3, types);
	*deciding = DECIDING_BATCH;
	if (SPI_execute_plan(batch_plan, args, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "domxfer._decide_due_batch() did not return a row");
	*deciding = 0;
	decided = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_freetuptable(SPI_tuptable);
	pass->decided += decided;
	/* every transfer the batch locked is decided, so a full batch means more may be due */
	pass->batch_was_full = (decided >= domxfer_batch_size);
	forget_retried_failures(pass->batch_at);
}

/*
 * Locks up to batch_size due transfers and decides each, all in the pass's
 * transaction.  *deciding names the transfer being decided, for the caller's
 * error handling.  Transfers that failed recently are locked but left alone,
 * so a few bad rows cannot starve the others.
 */
static void
decide_due_rows(PassResult *pass, volatile int64 *deciding)
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
 * Undoes a pass whose decision of one transfer (or of a whole batch) raised
 * an error: the whole transaction rolls back (nothing of the batch is kept).
 * A failed transfer is remembered for a later retry and the next pass
 * decides the others; after a failed batch the next pass goes row by row.
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

	if (transfer_id == DECIDING_BATCH)
	{
		/* which row failed is found by the next pass, row by row */
		batch_failed = true;
		ereport(DEBUG1,
				(errmsg("domxfer worker: a batch failed, deciding its transfers one by one: %s",
						edata->message)));
		FreeErrorData(edata);
		return;
	}

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
 * The state word of an error that no single transfer causes (the database
 * or the server is in some condition), NULL for one that a transfer's data,
 * a trigger or a constraint may cause.
 */
static const char *
database_wide_condition(int sqlerrcode)
{
	switch (sqlerrcode)
	{
		case ERRCODE_READ_ONLY_SQL_TRANSACTION:
			return "read only";
		case ERRCODE_DISK_FULL:
			return "disk full";
		case ERRCODE_OUT_OF_MEMORY:
			return "out of memory";
		case ERRCODE_TOO_MANY_CONNECTIONS:
			return "too many connections";
		case ERRCODE_LOCK_NOT_AVAILABLE:
			return "lock not available";
		case ERRCODE_QUERY_CANCELED:
			return "canceled";
		case ERRCODE_CANNOT_CONNECT_NOW:
			return "cannot connect now";
		case ERRCODE_INSUFFICIENT_PRIVILEGE:
			return "permission denied";
		case ERRCODE_UNDEFINED_DATABASE:
			return "database missing";
	}
	switch (ERRCODE_TO_CATEGORY(sqlerrcode))
	{
		case ERRCODE_INSUFFICIENT_RESOURCES:
			return "insufficient resources";
		case ERRCODE_OPERATOR_INTERVENTION:
			return "operator intervention";
		case ERRCODE_SYSTEM_ERROR:
			return "system error";
		case ERRCODE_CONNECTION_EXCEPTION:
			return "connection failure";
		case ERRCODE_INVALID_TRANSACTION_STATE:
			return "invalid transaction state";
	}
	/* class 40 (a deadlock, a serialization failure) is transient: the batch path retries */
	return NULL;
}

/* The database-wide condition the worker is waiting out, "" if none. */
static char condition[STATE_LEN] = "";
static int	condition_tries = 0;

/* How long to wait before the next try: naptime, doubling, at most CONDITION_MAX_MS. */
static long
condition_wait_ms(void)
{
	int64		wait_ms = domxfer_naptime_ms;

	for (int i = 1; i < condition_tries && wait_ms < CONDITION_MAX_MS; i++)
		wait_ms *= 2;
	return (long) Min(wait_ms, (int64) CONDITION_MAX_MS);
}

/*
 * After a pass failed with an error no transfer was blamed for: rolls back,
 * shows the condition as the worker's state and in last_error, and logs it
 * once when it starts (or changes), not at every try.
 */
static void
enter_condition(MemoryContext keep_cxt)
{
	ErrorData  *edata;
	const char *state;

	MemoryContextSwitchTo(keep_cxt);
	edata = CopyErrorData();
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextSwitchTo(keep_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);

	state = database_wide_condition(edata->sqlerrcode);
	if (state == NULL)
		state = "error";
	record_error(edata->message);
	if (strcmp(state, condition) != 0)
	{
		ereport(WARNING,
				(errmsg("domxfer worker is waiting: %s", state),
				 errdetail("Deciding due transfers failed with SQLSTATE %s: %s",
						   unpack_sql_state(edata->sqlerrcode), edata->message),
				 errhint("The worker stays connected and tries again, at once after a configuration reload and otherwise at growing intervals of up to %d s; worker_status() shows the condition.",
						 CONDITION_MAX_MS / 1000)));
		strlcpy(condition, state, STATE_LEN);
		condition_tries = 0;
	}
	condition_tries++;
	set_state(state);
	FreeErrorData(edata);
}

/* A pass succeeded: the condition, if any, is over (logged once). */
static void
leave_condition(void)
{
	if (condition[0] == '\0')
		return;
	ereport(LOG,
			(errmsg("domxfer worker resumes: \"%s\" is over after %d tries", condition, condition_tries)));
	condition[0] = '\0';
	condition_tries = 0;
}

/* Clears last_error once nothing fails any more; last_error_at stays. */
static void
clear_error(void)
{
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->last_error[0] = '\0';
	SpinLockRelease(&worker_shared->mutex);
}

/*
 * While the worker waits out "read only": true when the read-only default
 * came from ALTER DATABASE or ALTER ROLE ... SET and that setting has been
 * removed or turned off since the worker connected.  Such settings apply at
 * connection time only, so the worker must reconnect to see the change.
 */
static bool
read_only_setting_lifted(void)
{
	bool		isnull;
	Datum		lifted;

	if (SPI_execute("SELECT s.source IN ('database', 'user', 'database user') AND NOT EXISTS ("
					"  SELECT FROM pg_catalog.pg_db_role_setting r, pg_catalog.unnest(r.setconfig) AS c(setting)"
					"   WHERE r.setdatabase IN (0, (SELECT d.oid FROM pg_catalog.pg_database d"
					"                                WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()))"
					"     AND r.setrole IN (0, (SELECT a.oid FROM pg_catalog.pg_roles a"
					"                            WHERE a.rolname OPERATOR(pg_catalog.=) CURRENT_USER))"
					"     AND pg_catalog.lower(c.setting) OPERATOR(pg_catalog.~) '^default_transaction_read_only=(on|true|yes|1|t|y)$')"
					"  FROM pg_catalog.pg_settings s WHERE s.name OPERATOR(pg_catalog.=) 'default_transaction_read_only'",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		return false;
	lifted = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return !isnull && DatumGetBool(lifted);
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
 * row still never stops the others.  An error that no row caused, or one
 * of the whole database, is raised to the main loop (enter_condition).
 */
static PassResult
run_one_pass(MemoryContext keep_cxt, bool more_due)
{
	PassResult	pass = {0};
	volatile int64 deciding = 0;

	/* commits that are not in this pass's snapshot lower wake_at again */
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->wake_at = NO_DEADLINE;
	SpinLockRelease(&worker_shared->mutex);

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
		if (strcmp(condition, "read only") == 0 && read_only_setting_lifted())
		{
			ereport(LOG,
					(errmsg("domxfer worker reconnects: the read-only setting of its database or role was lifted")));
			proc_exit(1);
		}
		pass.batch_at = GetCurrentTimestamp();
		queue_registry_commands(pass.batch_at);

		/*
		 * Catching up (the last batch was full), the earliest deadline is
		 * known to have come, and is looked up only once a batch is not full:
		 * until VACUUM, that lookup steps over the index entries of every
		 * transfer decided so far, and was a sixth of the catch-up's time.
		 */
		pass.next_due_at = more_due ? pass.batch_at : query_next_due_at();
		if (pass.next_due_at != 0 && pass.next_due_at <= pass.batch_at)
		{
			pgstat_report_activity(STATE_RUNNING, "domxfer worker: deciding due transfers");
			if (batch_failed)
			{
				batch_failed = false;
				decide_due_rows(&pass, &deciding);
			}
			else
				decide_due_set(&pass, &deciding);
			pass.next_due_at = pass.batch_was_full ? pass.batch_at : query_next_due_at();
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
		if (deciding == 0 || database_wide_condition(geterrcode()) != NULL)
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
	/* while catching up, the last deadline looked up stays on show */
	if (!pass.batch_was_full)
		worker_shared->next_due_at = pass.next_due_at;
	if (pass.next_due_at != 0)
		worker_shared->wake_at = Min(worker_shared->wake_at, pass.next_due_at);
	SpinLockRelease(&worker_shared->mutex);
	return pass;
}

/*
 * Whether to look at the database now: after a pass that left work (a failed
 * row, a full batch) or found no extension; once the earliest known deadline
 * has come (also when that transfer could not be taken: locked by another
 * session or waiting for a retry, so it is tried again every naptime); and
 * every FULL_CHECK_NAPTIMES regardless.
 */
static bool
pass_is_due(const PassResult *last, TimestampTz last_pass_at, TimestampTz now)
{
	if (!last->extension_installed || last->row_failed || last->batch_was_full)
		return true;
	if (read_wake_at() <= now)
		return true;
	return now - last_pass_at >= (int64) FULL_CHECK_NAPTIMES * domxfer_naptime_ms * 1000;
}

/* How long to sleep: until the wake-up time, rounded up, at most naptime. */
static long
sleep_ms_until_wake(TimestampTz now)
{
	TimestampTz wake_at = read_wake_at();

	if (wake_at <= now)
		return domxfer_naptime_ms;
	/* round up so the worker wakes at or just after the deadline */
	return (long) Min((wake_at - now + 999) / 1000, (int64) domxfer_naptime_ms);
}

/* Runs one pass; false (the condition entered) if it raised an error. */
static bool
try_one_pass(MemoryContext pass_cxt, bool more_due, PassResult *result)
{
	volatile bool ok = true;

	PG_TRY();
	{
		*result = run_one_pass(pass_cxt, more_due);
	}
	PG_CATCH();
	{
		enter_condition(pass_cxt);
		ok = false;
	}
	PG_END_TRY();
	return ok;
}

/* The worker process: decides due transfers until told to stop. */
void
domxfer_worker_main(Datum main_arg)
{
	MemoryContext pass_cxt;
	bool		database_missing;
	PassResult	last = {0};
	TimestampTz last_pass_at = 0;
	bool		restoring = false;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	domxfer_in_worker = true;
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->pid = MyProcPid;
	worker_shared->latch = MyLatch;
	worker_shared->started_at = GetCurrentTimestamp();
	worker_shared->next_due_at = 0;
	strlcpy(worker_shared->state, "starting", STATE_LEN);
	strlcpy(worker_shared->database, domxfer_database, NAMEDATALEN);
	database_missing = worker_shared->database_missing || worker_shared->database_closed;
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
	/* from now on coalesced doorbells in this database are answered here */
	SpinLockAcquire(&worker_shared->mutex);
	worker_shared->doorbell_dboid = MyDatabaseId;
	SpinLockRelease(&worker_shared->mutex);

	pass_cxt = AllocSetContextCreate(TopMemoryContext, "domxfer worker pass",
									 ALLOCSET_DEFAULT_SIZES);
	for (bool first = true;; first = false)
	{
		TimestampTz now;
		bool		restore_over = false;

		CHECK_FOR_INTERRUPTS();
		reload_settings_if_asked();
		answer_doorbell();

		/* a dump is being loaded here: its events and sequences may still be on the way */
		if (domxfer_worker_restore_in_progress(MyDatabaseId))
		{
			if (!restoring)
			{
				ereport(LOG,
						(errmsg("domxfer worker pauses: a dump is being restored into database \"%s\"",
								domxfer_database),
						 errdetail("No transfer is decided until every session that loaded the dump's rows has disconnected.")));
				restoring = true;
			}
			set_state("restore in progress");
			sleep_on_latch(domxfer_naptime_ms);
			continue;
		}
		if (restoring)
		{
			ereport(LOG, (errmsg("domxfer worker resumes: the restore into database \"%s\" is over",
								 domxfer_database)));
			restoring = false;
			restore_over = true;
		}

		now = GetCurrentTimestamp();
		if (first || restore_over || condition[0] != '\0' || pass_is_due(&last, last_pass_at, now))
		{
			PassResult	result = {0};
			bool		failed;

			MemoryContextSwitchTo(pass_cxt);
			failed = !try_one_pass(pass_cxt, last.batch_was_full && !last.row_failed, &result);
			MemoryContextSwitchTo(TopMemoryContext);
			MemoryContextReset(pass_cxt);
			if (failed)
			{
				/* a quiet wait; a SIGHUP or a commit's wake-up sets the latch */
				sleep_on_latch(condition_wait_ms());
				continue;
			}
			last = result;
			leave_condition();
			set_state(last.extension_installed ? "running" : "extension not installed");
			if (!last.row_failed && failed_count == 0)
				clear_error();
			last_pass_at = now = GetCurrentTimestamp();
			if (last.row_failed || last.batch_was_full)
				continue;
		}
		sleep_on_latch(sleep_ms_until_wake(now));
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
