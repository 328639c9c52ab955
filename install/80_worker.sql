-- The background worker's report (SPEC §5). The worker itself is C code
-- started by the postmaster when domxfer is in shared_preload_libraries.

CREATE FUNCTION domxfer.worker_status(
	OUT state text,
	OUT pid integer,
	OUT database text,
	OUT started_at timestamptz,
	OUT last_run_at timestamptz,
	OUT next_due_at timestamptz,
	OUT decided_total bigint,
	OUT failed_total bigint,
	OUT last_error text,
	OUT last_error_at timestamptz,
	OUT naptime_ms integer,
	OUT batch_size integer)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'domxfer_worker_status'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED ROWS 1;

COMMENT ON FUNCTION domxfer.worker_status() IS
'One row describing the background worker that decides transfers at their deadline: '
'state (text: not loaded, not started, standby, starting, running, extension not installed, database missing, connections not allowed, restarting, stopped; '
'or a database-wide condition the worker waits out, still connected: read only, disk full, out of memory, too many connections, insufficient resources, '
'lock not available, canceled, cannot connect now, permission denied, operator intervention, system error, connection failure, invalid transaction state, error), '
'pid (integer), database (text), started_at, last_run_at (timestamptz, start of the last successful pass), next_due_at (timestamptz, earliest deadline of an open transfer, as of the last pass), '
'decided_total and failed_total (bigint, since the server started), last_error (text, the last error; NULL again once a pass succeeds with no transfer set aside) and last_error_at (timestamptz, when the last error happened, kept), '
'and the naptime_ms (integer, ms) and batch_size (integer, transfers per transaction) the worker currently uses. Raises nothing; SPEC section 5';

REVOKE ALL ON FUNCTION domxfer.worker_status() FROM PUBLIC;
-- monitoring is reporting: domxfer_reader (and so domxfer_app, domxfer_admin)
GRANT EXECUTE ON FUNCTION domxfer.worker_status() TO domxfer_reader;
