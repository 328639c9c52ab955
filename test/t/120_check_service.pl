# The resident auth-code check service (issue 12): with domxfer preloaded,
# long-lived "domxfer check worker" processes serve auth-code checks through
# shared memory, so a check needs no free max_worker_processes slot. Here
# every slot is taken, and the right code is still accepted and wrong codes
# are still counted; a reload changes the pool's size; a caller cancelled
# while its check runs leaves no request slot behind.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
# Four slots: the domxfer worker, check workers 0 and 1, and one for the
# sleeping parallel worker below; no logical replication launcher.
my $node = new_domxfer_node('service', conf => q{
max_worker_processes = 4
max_logical_replication_workers = 0
});
worker_pid($node, $db);
ok( wait_until($node, $db, q{
SELECT state = 'running' AND cardinality(worker_pids) = 2 AND serves_this_database
  FROM domxfer.auth_check_service}),
	'the check service runs two workers (the default pool)');
is( $node->safe_psql($db, q{
SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'domxfer check worker' AND datname = 'tap'}),
	'2', 'both are connected to domxfer.database');

$node->safe_psql($db, q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.example', 'tap-registrar', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['svc', 'cancel', 'grow']) AS n;
CREATE TABLE code AS SELECT 'svc.example'::text AS name, * FROM domxfer.request_transfer_out('svc.example');
INSERT INTO code SELECT 'cancel.example', * FROM domxfer.request_transfer_out('cancel.example');
INSERT INTO code SELECT 'grow.example', * FROM domxfer.request_transfer_out('grow.example');
CREATE FUNCTION try_receive(name text, candidate text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text; v_msg text; v_detail text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, candidate, 'tap-gainer');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT, v_detail = PG_EXCEPTION_DETAIL;
	RETURN v_state || '|' || v_msg || '|' || v_detail;
END $$;
});
sub state_of
{
	my ($name) = @_;
	return $node->safe_psql($db, qq{
SELECT state || ' ' || failed_attempts || ' ' || (auth_code_hash IS NOT NULL)
  FROM domxfer.transfers WHERE domain_name = '$name'});
}
sub counters
{
	return $node->safe_psql($db, q{
SELECT service_checks || ' ' || dynamic_checks FROM domxfer.auth_check_service});
}
is(counters(), '0 0', 'no check served yet');

# Take the last free slot: a session runs pg_sleep in a parallel worker.
my $sleeper = $node->background_psql($db, on_error_stop => 0);
my $sleeper_pid = $sleeper->query_safe('SELECT pg_backend_pid()');
$sleeper->query_until(qr/sleeping/, q{
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
		THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', false) AS parallel;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
\echo sleeping
SELECT pg_sleep(600);
});
ok( wait_until($node, $db, q{
SELECT count(*) = current_setting('max_worker_processes')::int
  FROM pg_stat_activity WHERE backend_type IN ('domxfer worker', 'domxfer check worker', 'parallel worker')}),
	'every max_worker_processes slot is taken');

# Wrong codes are compared and counted by the service, at once.
is( $node->safe_psql($db, "SELECT try_receive('svc.example', 'wrong-1')"),
	'28P01|invalid auth code for domain "svc.example"|The auth code is wrong.',
	'no slot free: a wrong code is still compared and refused');
is( $node->safe_psql($db, "SELECT try_receive('svc.example', 'wrong-2')"),
	'28P01|invalid auth code for domain "svc.example"|The auth code is wrong.',
	'and a second one');
is(state_of('svc.example'), 'auth_code_issued 2 true', 'both were counted (the counts survived the 28P01 errors)');
# The right code: accepted, not refused with 53000.
is($node->safe_psql($db, "SELECT try_receive(name, auth_code) FROM code WHERE name = 'svc.example'"),
	'ok', 'no slot free: the right code is accepted');
is(state_of('svc.example'), 'pending 2 false', 'the transfer is pending, with the two counted wrong codes');
is(counters(), '3 0', 'the service served all three checks, no short-lived worker did');
is( $node->safe_psql($db, q{
SELECT count(*) FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'svc.example' AND e.to_state = 'pending'}),
	'1', 'one request_received event');

# A caller cancelled while the service runs its check (waiting for the
# transfer's row lock, which another session holds): its request slot is
# released, nothing is counted, and the service goes on serving.
my $holder = $node->background_psql($db, on_error_stop => 0);
$holder->query_safe(q{BEGIN; SELECT 1 FROM domxfer.transfers WHERE domain_name = 'cancel.example' FOR UPDATE});
my $caller = $node->background_psql($db, on_error_stop => 0);
my $caller_pid = $caller->query_safe('SELECT pg_backend_pid()');
$caller->query_until(qr/checking/, q{
\echo checking
SELECT 'result ' || coalesce(domxfer._check_auth_code_in_side_transaction(t.id, t.auth_code_salt, 'wrong-cancel', now())::text, 'null')
  FROM domxfer.transfers t WHERE domain_name = 'cancel.example';
});
ok( wait_until($node, $db, qq{
SELECT in_flight = 1 FROM domxfer.auth_check_service
 WHERE EXISTS (SELECT FROM pg_stat_activity WHERE backend_type = 'domxfer check worker' AND wait_event_type = 'Lock')}),
	'the check waits in the service for the row lock');
is($node->safe_psql($db, "SELECT pg_cancel_backend($caller_pid)"), 't', 'the caller is cancelled');
like($caller->query_until(qr/\n/, "\\echo done\n"), qr/done/, 'the cancelled caller is responsive again');
ok(wait_until($node, $db, 'SELECT in_flight = 0 FROM domxfer.auth_check_service'),
	'its request slot is released once the service is done with it');
$holder->query_safe('COMMIT');
is(state_of('cancel.example'), 'auth_code_issued 0 true', 'the row lock never came: nothing was compared or counted');
is( $node->safe_psql($db, "SELECT try_receive('cancel.example', 'wrong-after')"),
	'28P01|invalid auth code for domain "cancel.example"|The auth code is wrong.',
	'the service serves the next check');
is(state_of('cancel.example'), 'auth_code_issued 1 true', 'and counts it');

# SIGHUP changes the pool size. First free the sleeper's slot.
$node->safe_psql($db, "SELECT pg_cancel_backend($sleeper_pid)");
ok(wait_until($node, $db, q{SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'parallel worker'}),
	'the sleeper is gone');
my $first_pids = $node->safe_psql($db, 'SELECT worker_pids FROM domxfer.auth_check_service');
$node->append_conf('postgresql.conf', "domxfer.auth_check_workers = 3\n");
$node->reload;
ok( wait_until($node, $db, q{
SELECT pool_size = 3 AND cardinality(worker_pids) = 3 FROM domxfer.auth_check_service
 WHERE (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'domxfer check worker') = 3}),
	'after a reload with domxfer.auth_check_workers = 3 three check workers run');
is( $node->safe_psql($db, "SELECT worker_pids[1:2] = '$first_pids' FROM domxfer.auth_check_service"),
	't', 'the two that ran before were not restarted');
$node->append_conf('postgresql.conf', "domxfer.auth_check_workers = 1\n");
$node->reload;
ok( wait_until($node, $db, q{
SELECT pool_size = 1 AND cardinality(worker_pids) = 1 FROM domxfer.auth_check_service
 WHERE (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'domxfer check worker') = 1}),
	'after a reload with domxfer.auth_check_workers = 1 one check worker runs');
is( $node->safe_psql($db, "SELECT try_receive('grow.example', 'wrong-1')"),
	'28P01|invalid auth code for domain "grow.example"|The auth code is wrong.',
	'the pool of one serves checks');
$node->append_conf('postgresql.conf', "domxfer.auth_check_workers = 0\n");
$node->reload;
ok(wait_until($node, $db, q{SELECT state = 'off' FROM domxfer.auth_check_service}),
	'domxfer.auth_check_workers = 0 turns the service off');
my $before = counters();
is( $node->safe_psql($db, "SELECT try_receive('grow.example', 'wrong-2')"),
	'28P01|invalid auth code for domain "grow.example"|The auth code is wrong.',
	'with the service off a short-lived worker checks the code');
my ($svc, $dyn) = split / /, $before;
is(counters(), "$svc " . ($dyn + 1), 'and the dynamic path is counted');
is(state_of('grow.example'), 'auth_code_issued 2 true', 'both wrong codes were counted');
$node->append_conf('postgresql.conf', "domxfer.auth_check_workers = 2\n");
$node->reload;
ok( wait_until($node, $db, q{
SELECT state = 'running' AND cardinality(worker_pids) = 2 FROM domxfer.auth_check_service}),
	'back to two workers');
is($node->safe_psql($db, "SELECT try_receive(name, auth_code) FROM code WHERE name = 'grow.example'"),
	'ok', 'the right code is accepted');
is(counters(), ($svc + 1) . ' ' . ($dyn + 1), 'by the service again');

# Who may read the report.
is( $node->safe_psql($db, q{
SELECT has_function_privilege('public', 'domxfer.auth_check_status()', 'EXECUTE') || ' ' ||
       has_function_privilege('domxfer_reader', 'domxfer.auth_check_status()', 'EXECUTE') || ' ' ||
       has_table_privilege('domxfer_reader', 'domxfer.auth_check_service', 'SELECT') || ' ' ||
       has_table_privilege('public', 'domxfer.auth_check_service', 'SELECT')}),
	'false true true false', 'domxfer_reader may read the report, PUBLIC may not');

$sleeper->quit;
$caller->quit;
$holder->quit;
$node->stop;
done_testing();
