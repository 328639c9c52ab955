/*
 * decide_before_change_source.c
 *	  The test in the WHEN clause of the trigger that decides a due transfer
 *	  before a change of an attached table (domxfer_source_decide_due,
 *	  install/66_decide_before_change_source.sql): is any transfer due now?
 *
 * Floor: server C above domxfer.h; reads domxfer.transfers through SPI and
 * calls nothing else of ours.
 *
 * The trigger fires for every row every application updates in the
 * registrar's table, so the test must cost next to nothing while no
 * transfer is due (the worker keeps it so). It keeps the earliest due_at
 * of the undecided transfers that are not registry-managed, looked up once
 * per statement and command (a write of this transaction, such as a
 * decision the trigger made, starts a new command and a new look-up), and
 * compares it with the clock for each row, so a deadline passing in the
 * middle of a statement is seen at once.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/timestamp.h"

#include "domxfer.h"

PG_FUNCTION_INFO_V1(domxfer_transfer_due_exists);

/* The earliest due_at known, and for which transaction, statement and command. */
static bool due_cache_valid = false;
static TimestampTz due_cache_transaction;
static TimestampTz due_cache_statement;
static CommandId due_cache_command;
static TimestampTz due_cache_earliest;

/* Looks up the earliest due_at (DT_NOEND when none), as the bootstrap superuser. */
static TimestampTz
earliest_due_at(void)
{
	Oid			save_user;
	int			save_sec;
	int			ret;
	bool		isnull;
	Datum		value;
	TimestampTz earliest = DT_NOEND;

	SPI_connect();
	/*
	 * Read as the bootstrap superuser: the trigger fires for whichever role
	 * updates the registrar's table; the statement is fixed, every name in
	 * it qualified, and it returns one instant.
	 */
	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec | SECURITY_LOCAL_USERID_CHANGE);
	ret = SPI_execute("SELECT pg_catalog.min(t.due_at) FROM domxfer.transfers t "
					  "WHERE t.due_at IS NOT NULL AND NOT t.registry_managed", true, 1);
	SetUserIdAndSecContext(save_user, save_sec);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "looking up the earliest due transfer failed: %s", SPI_result_code_string(ret));
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (!isnull)
		earliest = DatumGetTimestampTz(value);
	SPI_finish();
	return earliest;
}

/*
 * domxfer._transfer_due_exists() → boolean: whether some undecided transfer
 * that is not registry-managed is due by the clock now.
 */
Datum
domxfer_transfer_due_exists(PG_FUNCTION_ARGS)
{
	TimestampTz transaction = GetCurrentTransactionStartTimestamp();
	TimestampTz statement = GetCurrentStatementStartTimestamp();
	CommandId	command = GetCurrentCommandId(false);

	if (!due_cache_valid || due_cache_transaction != transaction || due_cache_statement != statement ||
		due_cache_command != command)
	{
		due_cache_valid = false;
		due_cache_earliest = earliest_due_at();
		due_cache_transaction = transaction;
		due_cache_statement = statement;
		due_cache_command = command;
		due_cache_valid = true;
	}
	PG_RETURN_BOOL(due_cache_earliest <= GetCurrentTimestamp());
}
