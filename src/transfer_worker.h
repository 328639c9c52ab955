/*
 * transfer_worker.h
 *	  The background worker that decides pending transfers at their deadline.
 *
 * Floor: server C above domxfer.h; used by deadline_signal.c and init.c.
 */
#ifndef TRANSFER_WORKER_H
#define TRANSFER_WORKER_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* Registers the worker and its shared memory; a no-op unless preloaded. */
extern void domxfer_init_worker(void);

/* After a commit that set a transfer's due time: wakes the worker if earlier. */
extern void domxfer_worker_note_due(TimestampTz due);

/* Entry point of the worker process (looked up by name by the postmaster). */
extern PGDLLEXPORT void domxfer_worker_main(Datum main_arg);

#endif							/* TRANSFER_WORKER_H */
