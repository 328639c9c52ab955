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

/* A dump's COPY runs in this backend: nothing is decided in its database until it disconnects. */
extern void domxfer_worker_note_restore(void);

/* Whether a backend that loaded a dump's rows is still connected to database dbid. */
extern bool domxfer_worker_restore_in_progress(Oid dbid);

/* Whether a database exists (*allowed: accepts connections); safe in a process connected to none. */
extern bool domxfer_database_exists(const char *name, bool *allowed);

/* The channel of NOTIFY domxfer_transfer (SPEC §3). */
#define DOMXFER_DOORBELL_CHANNEL "domxfer_transfer"

/* Whether the worker answers coalesced doorbells in this database (doorbell.c). */
extern bool domxfer_worker_serves_doorbell(bool must_be_running);

/* After a coalesced commit: counts a ring and wakes the worker. */
extern void domxfer_worker_ring_doorbell(void);

/* Entry point of the worker process (looked up by name by the postmaster). */
extern PGDLLEXPORT void domxfer_worker_main(Datum main_arg);

#endif							/* TRANSFER_WORKER_H */
