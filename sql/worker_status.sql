-- domxfer.worker_status(): one row, for domxfer_reader and the roles above it.
-- The test server preloads domxfer with domxfer.database = 'postgres', where
-- the extension is not installed, so the worker runs and waits for it.
SELECT count(*) AS rows,
       min(state) AS state,
       min(database) AS database,
       bool_and(pid IS NOT NULL) AS has_pid,
       bool_and(started_at <= now()) AS started,
       min(naptime_ms) AS naptime_ms,
       min(batch_size) AS batch_size,
       bool_and(decided_total = 0 AND failed_total = 0) AS nothing_decided
  FROM domxfer.worker_status();

-- the worker is visible in pg_stat_activity
SELECT backend_type, application_name, datname
  FROM pg_stat_activity
 WHERE pid = (SELECT pid FROM domxfer.worker_status());

-- who may call it
SELECT has_function_privilege('public', 'domxfer.worker_status()', 'EXECUTE') AS public_may,
       has_function_privilege('domxfer_reader', 'domxfer.worker_status()', 'EXECUTE') AS reader_may,
       has_function_privilege('domxfer_admin', 'domxfer.worker_status()', 'EXECUTE') AS admin_may;
