/*
 * actor.h
 *	  Who made a transfer's state change, as written to transfer_events.
 *
 * Floor: server C above domxfer.h (domxfer_in_worker); used by
 * side_transaction.c and check_service.c.
 */
#ifndef ACTOR_H
#define ACTOR_H

#include "postgres.h"

/*
 * Set in a side-transaction worker to the role name of the backend it works
 * for, so its events name that role rather than the worker's own.
 */
extern char domxfer_actor_override[NAMEDATALEN];

/* The actor name written to transfer_events (palloc'd). */
extern char *domxfer_actor_name(void);

#endif							/* ACTOR_H */
