/*
 * side_transaction.h
 *	  Work that must commit even when the calling transaction then fails.
 *
 * A wrong auth code must raise SQLSTATE 28P01 and yet count as a failed
 * attempt; raising the error rolls back whatever the caller's transaction
 * wrote. So the count (and, likewise, the decision of an overdue transfer
 * that a refused call discovers) is written by a short-lived dynamic
 * background worker in a transaction of its own, which commits before the
 * caller raises. This needs no shared_preload_libraries.
 */
#ifndef SIDE_TRANSACTION_H
#define SIDE_TRANSACTION_H

#include "postgres.h"

#include "datatype/timestamp.h"

/* What the worker runs (one fixed query each, never caller-supplied SQL). */
typedef enum SideAction
{
	SIDE_COUNT_FAILED_ATTEMPT = 1,	/* domxfer._count_failed_auth_attempt */
	SIDE_DECIDE_DUE = 2			/* domxfer._decide_due_transfer */
} SideAction;

#define SIDE_MAX_SALT	64

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
	/* written by the worker */
	bool		committed;
	bool		result_isnull;
	int64		result;
	char		error[256];
} SideRequest;

extern PGDLLEXPORT void domxfer_side_transaction_main(Datum main_arg);

#endif							/* SIDE_TRANSACTION_H */
