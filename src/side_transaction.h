/*
 * side_transaction.h
 *	  Work that must commit even when the calling transaction then fails.
 *
 * Floor: server C above actor.h. The resident check service above it is
 * handed in by init.c (side_transaction_set_service), so this pair never
 * includes check_service.h; check_service.c uses this one
 * (side_run_queries, SideRequest).
 *
 * A wrong auth code must raise SQLSTATE 28P01 and yet count as a failed
 * attempt; raising the error rolls back whatever the caller's transaction
 * wrote. So a presented code is compared, and a wrong one counted, by a
 * short-lived dynamic background worker in a transaction of its own, which
 * commits before the caller raises. When that worker cannot run (no free
 * slot) or cannot lock the transfer, the code is not compared at all, so no
 * guess is ever evaluated without being counted. The decision of an overdue
 * transfer that a refused call discovers is committed the same way. This
 * needs no shared_preload_libraries.
 */
#ifndef SIDE_TRANSACTION_H
#define SIDE_TRANSACTION_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* What the worker runs (fixed queries only, never caller-supplied SQL). */
typedef enum SideAction
{
	SIDE_CHECK_AUTH_CODE = 1,	/* lock the transfer, then
								 * domxfer._check_auth_code */
	SIDE_DECIDE_DUE = 2			/* domxfer._decide_due_transfer */
} SideAction;

/* How far the worker got; a failure before SIDE_PHASE_COMPARING compared nothing. */
typedef enum SidePhase
{
	SIDE_PHASE_NOT_STARTED = 0,
	SIDE_PHASE_LOCKING = 1,		/* waiting for the transfer's row lock */
	SIDE_PHASE_COMPARING = 2	/* the candidate may have been compared */
} SidePhase;

/* How long a check waits for the transfer's row lock before giving up. */
#define SIDE_LOCK_TIMEOUT	"1s"

#define SIDE_MAX_SALT	64
/* a longer candidate cannot be a code (22 characters): it is sent as '' */
#define SIDE_MAX_CODE	256

/* The request and its result, shared with the worker in a DSM segment. */
typedef struct SideRequest
{
	/* written by the caller */
	Oid			database_id;
	Oid			role_id;		/* the worker connects as this role */
	int32		action;
	int64		transfer_id;
	TimestampTz at;
	int32		salt_len;
	uint8		salt[SIDE_MAX_SALT];
	char		actor[NAMEDATALEN];
	int32		code_len;		/* the candidate auth code; the worker wipes */
	char		code[SIDE_MAX_CODE];	/* it as soon as it has read it */
	/* written by the worker */
	int32		phase;			/* SidePhase */
	bool		committed;
	bool		result_isnull;
	int64		result;
	int			error_code;		/* SQLSTATE of the worker's error, or 0 */
	char		error[256];
	/* written by the caller itself */
	bool		no_slot;		/* no worker could be registered */
} SideRequest;

/*
 * A resident service that may run a request instead of a dynamic worker:
 * run returns true when it served the request (its result or error is in
 * *request), false when it cannot take it now (nothing was run);
 * count_dynamic counts a request the dynamic-worker path served. The layer
 * above (check_service.c) registers itself from _PG_init, so this file never
 * calls up into it.
 */
typedef bool (*SideServiceRun) (SideRequest *request);
typedef void (*SideServiceCountDynamic) (SideAction action);

extern void side_transaction_set_service(SideServiceRun run,
										 SideServiceCountDynamic count_dynamic);

extern PGDLLEXPORT void domxfer_side_transaction_main(Datum main_arg);

/* Runs a request's fixed queries in the current transaction (SPI connected). */
extern void side_run_queries(SideRequest *request);
extern void domxfer_hide_query_parameters(void);

#endif							/* SIDE_TRANSACTION_H */
