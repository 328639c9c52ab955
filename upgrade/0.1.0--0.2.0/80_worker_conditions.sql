-- The background worker's report: new states (database-wide conditions),
-- last_error cleared after a successful pass (issue 12, issue 13 point 9).

COMMENT ON FUNCTION domxfer.worker_status() IS
'One row describing the background worker that decides transfers at their deadline: '
'state (text: not loaded, not started, standby, starting, running, extension not installed, database missing, connections not allowed, restarting, stopped; '
'or a database-wide condition the worker waits out, still connected: read only, disk full, out of memory, too many connections, insufficient resources, '
'lock not available, canceled, cannot connect now, permission denied, operator intervention, system error, connection failure, invalid transaction state, error), '
'pid (integer), database (text), started_at, last_run_at (timestamptz, start of the last successful pass), next_due_at (timestamptz, earliest deadline of an open transfer, as of the last pass), '
'decided_total and failed_total (bigint, since the server started), last_error (text, the last error; NULL again once a pass succeeds with no transfer set aside) and last_error_at (timestamptz, when the last error happened, kept), '
'and the naptime_ms (integer, ms) and batch_size (integer, transfers per transaction) the worker currently uses. Raises nothing; SPEC section 5';

