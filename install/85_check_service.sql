-- The resident auth-code check service (issue 12): long-lived background
-- workers that check auth codes and decide overdue transfers for callers in
-- committed transactions of their own, instead of a process per call. The
-- workers are C code (src/check_service.c), started when domxfer is in
-- shared_preload_libraries; this is their report.

CREATE FUNCTION domxfer.auth_check_status(
	OUT state text,
	OUT database text,
	OUT pool_size integer,
	OUT worker_pids integer[],
	OUT serves_this_database boolean,
	OUT service_checks bigint,
	OUT dynamic_checks bigint,
	OUT service_decisions bigint,
	OUT dynamic_decisions bigint,
	OUT fallback_busy bigint,
	OUT fallback_unavailable bigint,
	OUT group_commits bigint,
	OUT largest_group integer,
	OUT in_flight integer)
RETURNS record
AS 'MODULE_PATHNAME', 'domxfer_auth_check_status'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

COMMENT ON FUNCTION domxfer.auth_check_status() IS
'One row describing the resident auth-code check service (README "Auth codes", issue 12): '
'state text (not loaded, standby, off, starting, running); database text (domxfer.database, which the service serves); '
'pool_size integer (domxfer.auth_check_workers in effect, workers); worker_pids integer[] (the check workers running); '
'serves_this_database boolean (whether calls from the current database are served by the running service); '
'service_checks and dynamic_checks bigint (auth-code checks committed by the service and by a short-lived background worker, since the server started); '
'service_decisions and dynamic_decisions bigint (overdue transfers decided for a caller, likewise); '
'fallback_busy bigint (requests that found no free request slot, or waited 250 ms unserved, and took a short-lived worker); '
'fallback_unavailable bigint (requests from another database, or while the pool was off or down); '
'group_commits bigint (transactions the service committed; each serves up to 16 requests); largest_group integer (requests, most in one commit); '
'in_flight integer (requests queued or being served now, those of callers that stopped waiting included). All counts NULL when domxfer is not preloaded. Raises nothing';

CREATE VIEW domxfer.auth_check_service AS
SELECT s.state, s.database, s.pool_size, s.worker_pids, s.serves_this_database,
	   s.service_checks, s.dynamic_checks, s.service_decisions, s.dynamic_decisions,
	   s.fallback_busy, s.fallback_unavailable, s.group_commits, s.largest_group, s.in_flight
  FROM domxfer.auth_check_status() s;

COMMENT ON VIEW domxfer.auth_check_service IS 'The row of domxfer.auth_check_status(): the resident auth-code check service and how many checks and decisions each path (service, short-lived worker) served since the server started (README "Auth codes", issue 12)';
COMMENT ON COLUMN domxfer.auth_check_service.state IS 'text: not loaded (domxfer not in shared_preload_libraries), standby (recovery: nothing is served), off (domxfer.auth_check_workers = 0), starting, running';
COMMENT ON COLUMN domxfer.auth_check_service.database IS 'text: domxfer.database, the one database the service serves; calls from others take a short-lived worker';
COMMENT ON COLUMN domxfer.auth_check_service.pool_size IS 'integer, workers: domxfer.auth_check_workers in effect (changed by a reload, SIGHUP)';
COMMENT ON COLUMN domxfer.auth_check_service.worker_pids IS 'integer[]: process ids of the running check workers (backend_type "domxfer check worker")';
COMMENT ON COLUMN domxfer.auth_check_service.serves_this_database IS 'boolean: whether a call from the current database is served by the service (it runs, and this is domxfer.database)';
COMMENT ON COLUMN domxfer.auth_check_service.service_checks IS 'bigint, checks: auth codes compared (and counted if wrong) in a committed transaction of the service, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.dynamic_checks IS 'bigint, checks: auth codes compared (and counted if wrong) by a short-lived background worker (the fallback), since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.service_decisions IS 'bigint, transfers: overdue transfers a refused call had the service decide, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.dynamic_decisions IS 'bigint, transfers: overdue transfers a refused call had a short-lived background worker decide, since the server started';
COMMENT ON COLUMN domxfer.auth_check_service.fallback_busy IS 'bigint, requests: requests that found no free slot or waited 250 ms unserved, so took the short-lived worker path';
COMMENT ON COLUMN domxfer.auth_check_service.fallback_unavailable IS 'bigint, requests: requests from another database than domxfer.database, or made while the pool was off or down';
COMMENT ON COLUMN domxfer.auth_check_service.group_commits IS 'bigint, transactions: commits of the service, each serving 1 to 16 requests';
COMMENT ON COLUMN domxfer.auth_check_service.largest_group IS 'integer, requests: the most requests served by one commit';
COMMENT ON COLUMN domxfer.auth_check_service.in_flight IS 'integer, requests: queued or being served now (also those whose caller stopped waiting)';

REVOKE ALL ON FUNCTION domxfer.auth_check_status() FROM PUBLIC;
REVOKE ALL ON domxfer.auth_check_service FROM PUBLIC;
-- monitoring is reporting: domxfer_reader (and so domxfer_app, domxfer_admin)
GRANT EXECUTE ON FUNCTION domxfer.auth_check_status() TO domxfer_reader;
GRANT SELECT ON domxfer.auth_check_service TO domxfer_reader;
