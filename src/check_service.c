/*
 * check_service.c
 *	  The resident auth-code check service, and domxfer.auth_check_status().
 *
 * Floor: server C above side_transaction.h (it runs side_run_queries),
 * actor.h and domxfer.h; only init.c uses it.
 *
 * A check or a decision that must commit apart from its caller used to cost
 * a dynamic background worker per call (a process start, ~34 ms, and a free
 * max_worker_processes slot). When domxfer is preloaded, a pool of
 * long-lived "domxfer check worker" processes instead stays connected to
 * domxfer.database and serves such requests through a request array in
 * shared memory:
 *
 *	 caller backend                      shared memory              check worker i
 *	 --------------                      -------------              --------------
 *	 copy request to a FREE slot  --->  slot: QUEUED
 *	 SetLatch(every serving worker)                            take up to GROUP_MAX
 *	                                    slot: RUNNING  <-----  QUEUED slots (FIFO),
 *	 WaitLatch + CHECK_FOR_INTERRUPTS                          wipe the codes there;
 *	                                                           one transaction, each
 *	                                                           request in a sub-
 *	                                                           transaction, in
 *	                                                           transfer-id order;
 *	                                    slot: DONE     <-----  COMMIT, then results
 *	 copy result, wipe, FREE     <----  SetLatch(caller)
 *
 * Each request locks, compares, counts and commits exactly as the dynamic
 * worker does (side_run_queries() runs the very same queries, as the same
 * role); several concurrent requests share one commit (group commit). A
 * caller answers only after that commit, so a count it reports has
 * survived. A caller that is cancelled while its request is QUEUED takes
 * it back; while RUNNING it marks it ABANDONED and the worker frees it. A
 * worker that fails marks the requests it was running DONE, uncommitted
 * (their callers raise the usual "not checked" errors), and exits with 1.
 * A worker killed outright (kill -9) makes the postmaster restart every
 * process, its callers included: nothing it had not committed is counted,
 * and nobody was answered.
 *
 * The pool: worker 0 is registered by the postmaster (restarted after
 * CHECK_RESTART_SECS). It reads domxfer.auth_check_workers on SIGHUP,
 * publishes it as the target, and registers dynamic workers 1 .. target-1
 * (BGW_NEVER_RESTART: worker 0 registers a new one when one is gone);
 * workers whose index is not below the target exit with 0. Target 0 turns
 * the service off (worker 0 only manages, every request takes the dynamic
 * path). Worker 0 is notified of its dynamic workers' start and stop
 * (bgw_notify_pid) and looks at the pool every CHECK_NAPTIME_MS.
 */
#include "postgres.h"

#include "access/xact.h"
#include "access/xlog.h"
#include "commands/dbcommands.h"
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
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"

#include "actor.h"
#include "check_service.h"
#include "transfer_worker.h"
#include "domxfer.h"

#define CHECK_WORKER_TYPE	"domxfer check worker"
#define CHECK_RESTART_SECS	1
#define CHECK_NAPTIME_MS	1000

/* Requests in flight at once (more callers fall back to dynamic workers). */
#define CHECK_SLOTS			64
/* Requests one worker serves in one transaction (one commit). */
#define CHECK_GROUP_MAX		16
/* How long a request may wait QUEUED before its caller takes the fallback. */
#define CHECK_QUEUE_WAIT_MS	250

typedef enum CheckSlotState
{
	SLOT_FREE = 0,
	SLOT_QUEUED,				/* written by a caller, waiting for a worker */
	SLOT_RUNNING,				/* taken by worker slot->worker */
	SLOT_DONE,					/* result written; the caller copies it */
	SLOT_ABANDONED				/* running, but its caller stopped waiting */
} CheckSlotState;

typedef struct CheckSlot
{
	int			state;			/* CheckSlotState */
	int			worker;			/* index of the worker running it */
	uint64		ticket;			/* queue order */
	Latch	   *caller_latch;
	SideRequest request;
} CheckSlot;

typedef struct CheckWorker
{
	pid_t		pid;			/* 0 when no process has this index */
	bool		serving;		/* connected to domxfer.database */
	Latch	   *latch;
	int64		served;			/* requests committed by this worker */
} CheckWorker;

typedef struct CheckService
{
	slock_t		mutex;
	Oid			database_id;	/* of domxfer.database, once a worker is in */
	bool		probe_database; /* worker 0 first checks that it exists */
	int			target;			/* pool size in effect (worker 0 sets it) */
	uint64		next_ticket;
	int64		service_checks;
	int64		service_decisions;
	int64		dynamic_checks;
	int64		dynamic_decisions;
	int64		fallback_busy;	/* no free slot, or queued too long */
	int64		fallback_unavailable;	/* other database, pool off or down */
	int64		group_commits;
	int			largest_group;
	CheckWorker workers[CHECK_MAX_WORKERS];
	CheckSlot	slots[CHECK_SLOTS];
} CheckService;

static CheckService *check_service = NULL;

#if PG_VERSION_NUM >= 150000
static shmem_request_hook_type prev_shmem_request_hook = NULL;
#endif
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* In a check worker: its index in the pool. */
static int	my_index = -1;

/* Worker 0 exits after finding its database: not a failure. */
static bool check_probe_succeeded = false;

/* Asks for the service's shared memory (PG15: from shmem_request_hook). */
static void
check_shmem_request(void)
{
#if PG_VERSION_NUM >= 150000
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
#endif
	RequestAddinShmemSpace(MAXALIGN(sizeof(CheckService)));
}

/* Creates (or, in a child process, attaches to) the service's memory. */
static void
check_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	check_service = ShmemInitStruct("domxfer check service", sizeof(CheckService), &found);
	if (!found)
	{
		memset(check_service, 0, sizeof(CheckService));
		SpinLockInit(&check_service->mutex);
		check_service->database_id = InvalidOid;
		/* not at first: without a database, relcache needs its init file */
		check_service->probe_database = false;
		check_service->target = domxfer_auth_check_workers;
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Fills in a check worker's registration (index 0: the postmaster's). */
static void
check_worker_fill(BackgroundWorker *worker, int index)
{
	memset(worker, 0, sizeof(*worker));
	worker->bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* a standby cannot count a wrong code: serve nothing during recovery */
	worker->bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker->bgw_restart_time = index == 0 ? CHECK_RESTART_SECS : BGW_NEVER_RESTART;
	strlcpy(worker->bgw_library_name, "domxfer", BGW_MAXLEN);
	strlcpy(worker->bgw_function_name, "domxfer_check_worker_main", BGW_MAXLEN);
	snprintf(worker->bgw_name, BGW_MAXLEN, "domxfer check worker %d", index);
	strlcpy(worker->bgw_type, CHECK_WORKER_TYPE, BGW_MAXLEN);
	worker->bgw_main_arg = Int32GetDatum(index);
}

/* When preloaded: the service's shared memory and worker 0. */
void
domxfer_init_check_service(void)
{
	BackgroundWorker worker;

	if (!process_shared_preload_libraries_in_progress)
		return;

#if PG_VERSION_NUM >= 150000
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = check_shmem_request;
#else
	check_shmem_request();
#endif
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = check_shmem_startup;

	check_worker_fill(&worker, 0);
	RegisterBackgroundWorker(&worker);
}

/* Counts a request the dynamic-worker path served. */
void
domxfer_check_service_count_dynamic(SideAction action)
{
	if (check_service == NULL)
		return;
	SpinLockAcquire(&check_service->mutex);
	if (action == SIDE_CHECK_AUTH_CODE)
		check_service->dynamic_checks++;
	else
		check_service->dynamic_decisions++;
	SpinLockRelease(&check_service->mutex);
}

/* Whether some worker below the target is connected (mutex held). */
static inline bool
check_pool_up(void)
{
	for (int i = 0; i < check_service->target && i < CHECK_MAX_WORKERS; i++)
		if (check_service->workers[i].pid != 0 && check_service->workers[i].serving)
			return true;
	return false;
}

/*
 * Releases the caller's slot when it stops waiting (error, cancel, exit):
 * a QUEUED request is taken back, a RUNNING one left to its worker, which
 * frees it; a DONE one is wiped and freed.
 */
static void
check_caller_cleanup(int code, Datum arg)
{
	CheckSlot  *slot = &check_service->slots[DatumGetInt32(arg)];

	SpinLockAcquire(&check_service->mutex);
	if (slot->state == SLOT_RUNNING)
		slot->state = SLOT_ABANDONED;
	else if (slot->state == SLOT_QUEUED || slot->state == SLOT_DONE)
	{
		explicit_bzero(&slot->request, sizeof(SideRequest));
		slot->state = SLOT_FREE;
	}
	SpinLockRelease(&check_service->mutex);
}

/* Waits for the worker's answer; false if the request was taken back. */
static bool
check_wait(int index, SideRequest *request)
{
	CheckSlot  *slot = &check_service->slots[index];
	TimestampTz give_up_at = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), CHECK_QUEUE_WAIT_MS);

	for (;;)
	{
		bool		done = false;
		bool		withdrawn = false;

		SpinLockAcquire(&check_service->mutex);
		if (slot->state == SLOT_DONE)
		{
			memcpy(request, &slot->request, sizeof(SideRequest));
			explicit_bzero(&slot->request, sizeof(SideRequest));
			slot->state = SLOT_FREE;
			done = true;
		}
		else if (slot->state == SLOT_QUEUED &&
				 (!check_pool_up() || GetCurrentTimestamp() >= give_up_at))
		{
			/* nobody took it: nothing was compared, take the fallback */
			explicit_bzero(&slot->request, sizeof(SideRequest));
			slot->state = SLOT_FREE;
			check_service->fallback_busy++;
			withdrawn = true;
		}
		SpinLockRelease(&check_service->mutex);
		if (done)
			return true;
		if (withdrawn)
			return false;

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 10, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * Puts the request into a free slot and wakes the pool; the slot's index, or
 * -1 (counted) when the pool cannot take it. Kept apart from the wait so that
 * no loop variable lives across the sigsetjmp of PG_ENSURE_ERROR_CLEANUP
 * (GCC's -Wclobbered; not inlined, or the warning comes back).
 */
static pg_noinline int
check_enqueue(SideRequest *request)
{
	int			index = -1;
	Latch	   *wake[CHECK_MAX_WORKERS];
	int			nwake = 0;

	SpinLockAcquire(&check_service->mutex);
	if (check_service->database_id != request->database_id || !check_pool_up())
	{
		check_service->fallback_unavailable++;
		SpinLockRelease(&check_service->mutex);
		return -1;
	}
	for (int i = 0; i < CHECK_SLOTS; i++)
		if (check_service->slots[i].state == SLOT_FREE)
		{
			index = i;
			break;
		}
	if (index < 0)
	{
		check_service->fallback_busy++;
		SpinLockRelease(&check_service->mutex);
		return -1;
	}
	{
		CheckSlot  *slot = &check_service->slots[index];

		memcpy(&slot->request, request, sizeof(SideRequest));
		slot->state = SLOT_QUEUED;
		slot->worker = -1;
		slot->ticket = check_service->next_ticket++;
		slot->caller_latch = MyLatch;
	}
	for (int i = 0; i < check_service->target && i < CHECK_MAX_WORKERS; i++)
		if (check_service->workers[i].pid != 0 && check_service->workers[i].latch != NULL)
			wake[nwake++] = check_service->workers[i].latch;
	SpinLockRelease(&check_service->mutex);

	for (int i = 0; i < nwake; i++)
		SetLatch(wake[i]);
	return index;
}

/* Hands the request to the pool and waits; false: use the dynamic worker. */
bool
domxfer_check_service_run(SideRequest *request)
{
	int			index;
	bool		served;

	if (check_service == NULL)
		return false;
	index = check_enqueue(request);
	if (index < 0)
		return false;

	PG_ENSURE_ERROR_CLEANUP(check_caller_cleanup, Int32GetDatum(index));
	{
		served = check_wait(index, request);
	}
	PG_END_ENSURE_ERROR_CLEANUP(check_caller_cleanup, Int32GetDatum(index));
	return served;
}

/* ---------------------------------------------------------------------
 * The check worker
 * ---------------------------------------------------------------------
 */

/* A request taken from the array, with its slot. */
typedef struct CheckTask
{
	int			slot;
	SideRequest request;
} CheckTask;

static int
check_task_cmp(const void *a, const void *b)
{
	const CheckTask *x = a;
	const CheckTask *y = b;

	if (x->request.transfer_id != y->request.transfer_id)
		return x->request.transfer_id < y->request.transfer_id ? -1 : 1;
	return x->slot - y->slot;
}

static int
check_ticket_cmp(const void *a, const void *b, void *arg)
{
	const CheckSlot *slots = arg;
	uint64		x = slots[*(const int *) a].ticket;
	uint64		y = slots[*(const int *) b].ticket;

	return x < y ? -1 : x > y ? 1 : 0;
}

/*
 * Marks the requests this worker was running as ended uncommitted, and
 * frees its index, when the process exits (not on kill -9: then the
 * postmaster restarts every process, the callers too).
 */
static void
check_worker_on_exit(int code, Datum arg)
{
	List	   *latches = NIL;
	ListCell   *lc;

	if (check_service == NULL || my_index < 0)
		return;
	SpinLockAcquire(&check_service->mutex);
	for (int i = 0; i < CHECK_SLOTS; i++)
	{
		CheckSlot  *slot = &check_service->slots[i];

		if (slot->worker != my_index)
			continue;
		if (slot->state == SLOT_RUNNING)
		{
			slot->request.committed = false;
			if (slot->request.error[0] == '\0')
				strlcpy(slot->request.error, "the check worker exited before committing",
						sizeof(slot->request.error));
			slot->state = SLOT_DONE;
			latches = lappend(latches, slot->caller_latch);
		}
		else if (slot->state == SLOT_ABANDONED)
		{
			explicit_bzero(&slot->request, sizeof(SideRequest));
			slot->state = SLOT_FREE;
		}
	}
	if (check_service->workers[my_index].pid == MyProcPid)
	{
		check_service->workers[my_index].pid = 0;
		check_service->workers[my_index].serving = false;
		check_service->workers[my_index].latch = NULL;
	}
	/* after a failure, worker 0 first makes sure its database exists */
	if (my_index == 0 && code != 0 && !check_probe_succeeded)
		check_service->probe_database = true;
	SpinLockRelease(&check_service->mutex);
	foreach(lc, latches)
		SetLatch((Latch *) lfirst(lc));
}

/* Takes up to CHECK_GROUP_MAX queued requests, oldest first. */
static int
check_take_group(CheckTask *tasks)
{
	int			queued[CHECK_SLOTS];
	int			nqueued = 0;
	int			n;

	SpinLockAcquire(&check_service->mutex);
	for (int i = 0; i < CHECK_SLOTS; i++)
		if (check_service->slots[i].state == SLOT_QUEUED)
			queued[nqueued++] = i;
	if (nqueued > CHECK_GROUP_MAX)
		qsort_arg(queued, nqueued, sizeof(int), check_ticket_cmp, check_service->slots);
	n = Min(nqueued, CHECK_GROUP_MAX);
	for (int i = 0; i < n; i++)
	{
		CheckSlot  *slot = &check_service->slots[queued[i]];

		slot->state = SLOT_RUNNING;
		slot->worker = my_index;
		tasks[i].slot = queued[i];
		memcpy(&tasks[i].request, &slot->request, sizeof(SideRequest));
		/* the candidate code leaves shared memory at once */
		explicit_bzero(slot->request.code, sizeof(slot->request.code));
		slot->request.code_len = 0;
	}
	SpinLockRelease(&check_service->mutex);
	return n;
}

/*
 * Runs one request in a subtransaction of the group's transaction, as the
 * role and actor its caller would have used; an error rolls back this
 * request only and is kept for its caller.
 */
static void
check_run_one(SideRequest *request)
{
	MemoryContext oldcontext = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	Oid			save_userid;
	int			save_sec_context;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcontext);
	PG_TRY();
	{
		SetUserIdAndSecContext(request->role_id, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
		strlcpy(domxfer_actor_override, request->actor, NAMEDATALEN);
		side_run_queries(request);
		SetUserIdAndSecContext(save_userid, save_sec_context);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		request->committed = true;	/* once the group commits */
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcontext);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcontext);
		CurrentResourceOwner = oldowner;
		request->committed = false;
		request->error_code = edata->sqlerrcode;
		strlcpy(request->error, edata->message ? edata->message : "(no message)", sizeof(request->error));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	domxfer_actor_override[0] = '\0';
	explicit_bzero(request->code, sizeof(request->code));
}

/* Whether a request of the group counted a wrong code or decided a transfer. */
static bool
check_group_wrote(const CheckTask *tasks, int n)
{
	for (int i = 0; i < n; i++)
	{
		const SideRequest *r = &tasks[i].request;

		if (!r->committed)
			continue;			/* rolled back: wrote nothing */
		if (r->action != SIDE_CHECK_AUTH_CODE)
			return true;
		if (!r->result_isnull && r->result != 0)
			return true;		/* a counted wrong code */
	}
	return false;
}

/* Serves one group: one transaction, one commit; then answers the callers. */
static void
check_serve_group(CheckTask *tasks, int n)
{
	Latch	   *latches[CHECK_GROUP_MAX];
	int			nlatches = 0;

	/* ascending transfer ids: two groups never wait for each other in a cycle */
	qsort(tasks, n, sizeof(CheckTask), check_task_cmp);

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "domxfer check service group");
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		check_run_one(&tasks[i].request);
	}
	SPI_finish();
	PopActiveSnapshot();

	/*
	 * A group that only compared right codes (or found nothing to compare)
	 * wrote nothing but row locks: its commit need not wait for the WAL
	 * flush. A count or a decision must be durable before anyone is told,
	 * so then the commit is synchronous. (The caller's own synchronous
	 * commit, later in the WAL, makes this one durable too.)
	 */
	if (!check_group_wrote(tasks, n))
		(void) set_config_option("synchronous_commit", "off", PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_LOCAL, true, 0, false);
	CommitTransactionCommand();
	pgstat_report_activity(STATE_IDLE, NULL);

	SpinLockAcquire(&check_service->mutex);
	for (int i = 0; i < n; i++)
	{
		CheckSlot  *slot = &check_service->slots[tasks[i].slot];

		if (tasks[i].request.committed)
		{
			if (tasks[i].request.action == SIDE_CHECK_AUTH_CODE)
			{
				check_service->service_checks++;
			}
			else
				check_service->service_decisions++;
			check_service->workers[my_index].served++;
		}
		if (slot->state == SLOT_ABANDONED)
		{
			explicit_bzero(&slot->request, sizeof(SideRequest));
			slot->state = SLOT_FREE;
			continue;
		}
		memcpy(&slot->request, &tasks[i].request, sizeof(SideRequest));
		slot->state = SLOT_DONE;
		latches[nlatches++] = slot->caller_latch;
	}
	check_service->group_commits++;
	check_service->largest_group = Max(check_service->largest_group, n);
	SpinLockRelease(&check_service->mutex);
	explicit_bzero(tasks, sizeof(CheckTask) * n);

	for (int i = 0; i < nlatches; i++)
		SetLatch(latches[i]);
}

/* Worker 0: publishes the target and starts the dynamic workers it lacks. */
static void
check_manage_pool(BackgroundWorkerHandle **handles)
{
	int			target = domxfer_auth_check_workers;
	Latch	   *surplus[CHECK_MAX_WORKERS];
	int			nsurplus = 0;
	bool		running[CHECK_MAX_WORKERS];

	SpinLockAcquire(&check_service->mutex);
	check_service->target = target;
	for (int i = 0; i < CHECK_MAX_WORKERS; i++)
	{
		running[i] = check_service->workers[i].pid != 0;
		if (i >= target && i > 0 && running[i] && check_service->workers[i].latch != NULL)
			surplus[nsurplus++] = check_service->workers[i].latch;
	}
	SpinLockRelease(&check_service->mutex);

	/* workers above the target see it and exit */
	for (int i = 0; i < nsurplus; i++)
		SetLatch(surplus[i]);

	for (int i = 1; i < target; i++)
	{
		BackgroundWorker worker;
		pid_t		pid;

		if (handles[i] != NULL &&
			GetBackgroundWorkerPid(handles[i], &pid) == BGWH_STOPPED)
		{
			pfree(handles[i]);
			handles[i] = NULL;
		}
		if (handles[i] != NULL || running[i])
			continue;
		check_worker_fill(&worker, i);
		worker.bgw_notify_pid = MyProcPid;
		if (!RegisterDynamicBackgroundWorker(&worker, &handles[i]))
			handles[i] = NULL;	/* no slot free now: tried again next time */
	}
}

/*
 * Worker 0, after a failure: waits, connected to no
 * database, until domxfer.database exists, then exits to be restarted and
 * connect to it. A missing database (say dropped WITH (FORCE)) thus costs
 * no FATAL per restart in the log: the domxfer worker reports it once.
 */
static void
check_wait_for_database(void)
{
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);
	for (;;)
	{
		bool		exists;
		bool		allowed;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		StartTransactionCommand();
		/* pg_database's heap only: its index cannot be opened here on a fresh cluster */
		exists = domxfer_database_exists(domxfer_database, &allowed);
		CommitTransactionCommand();
		if (exists)
		{
			SpinLockAcquire(&check_service->mutex);
			check_service->probe_database = false;
			SpinLockRelease(&check_service->mutex);
			check_probe_succeeded = true;
			proc_exit(1);		/* restarted in CHECK_RESTART_SECS, connects */
		}
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 CHECK_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* Entry point of a check worker. */
void
domxfer_check_worker_main(Datum main_arg)
{
	int			index = DatumGetInt32(main_arg);
	BackgroundWorkerHandle *handles[CHECK_MAX_WORKERS] = {0};
	MemoryContext loop_context;
	CheckTask  *tasks;
	bool		probe;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	if (index < 0 || index >= CHECK_MAX_WORKERS)
		proc_exit(0);
	/* claim the index; a second process for it (a double start) leaves */
	SpinLockAcquire(&check_service->mutex);
	if (check_service->workers[index].pid != 0)
	{
		SpinLockRelease(&check_service->mutex);
		proc_exit(0);
	}
	probe = index == 0 && check_service->probe_database;
	check_service->workers[index].pid = MyProcPid;
	check_service->workers[index].latch = MyLatch;
	SpinLockRelease(&check_service->mutex);
	my_index = index;
	before_shmem_exit(check_worker_on_exit, (Datum) 0);

	if (probe)
		check_wait_for_database();	/* does not return */
	BackgroundWorkerInitializeConnection(domxfer_database, NULL, 0);
	pgstat_report_appname(CHECK_WORKER_TYPE);
	/* waits for a row lock at most this long; nothing is compared before */
	SetConfigOption("lock_timeout", SIDE_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);
	/* the compare queries carry codes: never in auto_explain's log */
	domxfer_hide_query_parameters();

	SpinLockAcquire(&check_service->mutex);
	check_service->database_id = MyDatabaseId;
	check_service->workers[index].serving = true;
	SpinLockRelease(&check_service->mutex);

	loop_context = AllocSetContextCreate(TopMemoryContext, "domxfer check worker",
										 ALLOCSET_DEFAULT_SIZES);
	tasks = MemoryContextAllocZero(TopMemoryContext, sizeof(CheckTask) * CHECK_GROUP_MAX);

	for (;;)
	{
		int			target;
		int			n;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		if (index == 0)
			check_manage_pool(handles);

		SpinLockAcquire(&check_service->mutex);
		target = check_service->target;
		SpinLockRelease(&check_service->mutex);
		if (index > 0 && index >= target)
			proc_exit(0);		/* the pool shrank: not restarted */

		n = index < target ? check_take_group(tasks) : 0;
		if (n > 0)
		{
			MemoryContext old = MemoryContextSwitchTo(loop_context);

			check_serve_group(tasks, n);
			MemoryContextSwitchTo(old);
			MemoryContextReset(loop_context);
			continue;			/* more may have queued meanwhile */
		}

		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 CHECK_NAPTIME_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

PG_FUNCTION_INFO_V1(domxfer_auth_check_status);
/*
 * domxfer.auth_check_status() → one row: the check service's state, pool
 * and how many requests each path served since the server started.
 */
Datum
domxfer_auth_check_status(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[14];
	bool		nulls[14] = {0};
	CheckService copy;
	Datum		pids[CHECK_MAX_WORKERS];
	int			npids = 0;
	int			nserving = 0;
	const char *state;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	tupdesc = BlessTupleDesc(tupdesc);

	if (check_service == NULL)
	{
		values[0] = CStringGetTextDatum("not loaded");
		for (int i = 1; i < 14; i++)
			nulls[i] = true;
		PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
	}

	SpinLockAcquire(&check_service->mutex);
	memcpy(&copy, check_service, offsetof(CheckService, slots));
	SpinLockRelease(&check_service->mutex);

	for (int i = 0; i < CHECK_MAX_WORKERS; i++)
	{
		if (copy.workers[i].pid != 0)
			pids[npids++] = Int32GetDatum(copy.workers[i].pid);
		if (copy.workers[i].pid != 0 && copy.workers[i].serving && i < copy.target)
			nserving++;
	}

	if (RecoveryInProgress())
		state = "standby";
	else if (copy.target == 0)
		state = "off";
	else if (nserving == 0)
		state = "starting";
	else
		state = "running";

	values[0] = CStringGetTextDatum(state);
	values[1] = CStringGetTextDatum(domxfer_database);
	values[2] = Int32GetDatum(copy.target);
	values[3] = PointerGetDatum(construct_array(pids, npids, INT4OID, 4, true, TYPALIGN_INT));
	values[4] = BoolGetDatum(strcmp(state, "running") == 0 && copy.database_id == MyDatabaseId);
	values[5] = Int64GetDatum(copy.service_checks);
	values[6] = Int64GetDatum(copy.dynamic_checks);
	values[7] = Int64GetDatum(copy.service_decisions);
	values[8] = Int64GetDatum(copy.dynamic_decisions);
	values[9] = Int64GetDatum(copy.fallback_busy);
	values[10] = Int64GetDatum(copy.fallback_unavailable);
	values[11] = Int64GetDatum(copy.group_commits);
	values[12] = Int32GetDatum(copy.largest_group);
	{
		int			queued = 0;

		SpinLockAcquire(&check_service->mutex);
		for (int i = 0; i < CHECK_SLOTS; i++)
			if (check_service->slots[i].state != SLOT_FREE &&
				check_service->slots[i].state != SLOT_DONE)
				queued++;
		SpinLockRelease(&check_service->mutex);
		values[13] = Int32GetDatum(queued);
	}
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}
