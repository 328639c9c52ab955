/*
 * check_service.h
 *	  The resident auth-code check service: a small pool of long-lived
 *	  background workers that run side-transaction requests (auth-code
 *	  checks, decisions of overdue transfers) handed to them in shared memory.
 *
 * Floor: server C above side_transaction.h (it runs side_run_queries),
 * actor.h and domxfer.h; only init.c uses it.
 *
 * Without it (library not preloaded, the caller in another database than
 * domxfer.database, the pool busy past a short wait) a request runs in a
 * short-lived dynamic background worker instead (side_transaction.c).
 */
#ifndef CHECK_SERVICE_H
#define CHECK_SERVICE_H

#include "postgres.h"

#include "side_transaction.h"

/* Pool size limits (domxfer.auth_check_workers). */
#define CHECK_MAX_WORKERS	8

/* When preloaded: the shared memory and worker 0 (domxfer.auth_check_workers is in settings.c). */
extern void domxfer_init_check_service(void);

/*
 * Runs the request through the service. True: the request was served (its
 * result or error is in *request, committed says which); false: the service
 * cannot take it now, nothing was run, use the dynamic worker.
 */
extern bool domxfer_check_service_run(SideRequest *request);

/* Counts a request the dynamic-worker path served (when preloaded). */
extern void domxfer_check_service_count_dynamic(SideAction action);

/* Entry point of a check worker; main_arg is its index in the pool. */
extern PGDLLEXPORT void domxfer_check_worker_main(Datum main_arg);

#endif							/* CHECK_SERVICE_H */
