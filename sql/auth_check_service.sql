-- domxfer.auth_check_service / auth_check_status(): one row about the
-- resident auth-code check service. The test server preloads domxfer with
-- domxfer.database = 'postgres', so the pool runs there and calls from this
-- database take the short-lived worker path.
DO $$
BEGIN
	FOR i IN 1 .. 200 LOOP
		EXIT WHEN (SELECT state = 'running' AND cardinality(worker_pids) = pool_size FROM domxfer.auth_check_service);
		PERFORM pg_sleep(0.05);
	END LOOP;
END $$;
SELECT state, database, pool_size, cardinality(worker_pids) AS workers, serves_this_database,
       in_flight >= 0 AS in_flight_known
  FROM domxfer.auth_check_service;

-- the check workers are visible in pg_stat_activity, connected to 'postgres'
SELECT backend_type, application_name, datname, count(*)
  FROM pg_stat_activity
 WHERE pid = ANY ((SELECT worker_pids FROM domxfer.auth_check_service)::int[])
 GROUP BY 1, 2, 3;

-- the function and the view give the same row
SELECT (SELECT row(s.*)::text FROM domxfer.auth_check_status() s) =
       (SELECT row(v.*)::text FROM domxfer.auth_check_service v) AS same_row;

-- who may read it
SELECT has_function_privilege('public', 'domxfer.auth_check_status()', 'EXECUTE') AS public_may,
       has_function_privilege('domxfer_reader', 'domxfer.auth_check_status()', 'EXECUTE') AS reader_may,
       has_table_privilege('domxfer_reader', 'domxfer.auth_check_service', 'SELECT') AS reader_may_view,
       has_table_privilege('domxfer_app', 'domxfer.auth_check_service', 'SELECT') AS app_may_view,
       has_table_privilege('public', 'domxfer.auth_check_service', 'SELECT') AS public_may_view;
