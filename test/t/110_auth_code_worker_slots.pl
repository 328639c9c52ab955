# An auth code presented from outside the transaction that issued it is
# compared only by a side-transaction worker that counts a wrong one. This
# file tests the fallback path, a short-lived background worker per check,
# with the resident check service turned off (domxfer.auth_check_workers =
# 0; with the service up, 120_check_service.pl shows the same calls served
# with every slot taken). With every max_worker_processes slot taken, the
# code is not compared at all: after
# about a second of waiting for a slot, the right and a wrong code get the
# same 53000 error and nothing is counted, so flooding the server cannot buy
# uncounted guesses. A slot freed while a call waits is used; once slots are
# free again, wrong codes are counted and the right one is accepted. A code
# issued in the caller's own transaction needs no worker at all.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);
use DomxferWorker;

my $db = 'tap';
# Four slots: the domxfer worker's, check worker 0's (which only manages the
# pool while it is off) and two for the sleeping parallel workers below; no
# logical replication launcher to take one.
my $node = new_domxfer_node('slots', conf => q{
max_worker_processes = 4
max_logical_replication_workers = 0
domxfer.auth_check_workers = 0
});
worker_pid($node, $db);
ok( wait_until($node, $db, q{
SELECT state = 'off' AND cardinality(worker_pids) = 1 AND NOT serves_this_database FROM domxfer.auth_check_service}),
	'the check service is off');

$node->safe_psql($db, q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.example', 'tap-registrar', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['slots', 'sametx']) AS n;
CREATE TABLE code AS SELECT * FROM domxfer.request_transfer_out('slots.example');
-- SQLSTATE, message, DETAIL and HINT of a receive_transfer_request call
CREATE FUNCTION try_receive(name text, candidate text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text; v_msg text; v_detail text; v_hint text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, candidate, 'tap-gainer');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	RETURN v_state || '|' || v_msg || '|' || v_detail || '|' || v_hint;
END $$;
});
my $transfer = $node->safe_psql($db, 'SELECT transfer_id FROM code');
my $code = $node->safe_psql($db, 'SELECT auth_code FROM code');
my $state_query = "SELECT state || ' ' || failed_attempts || ' ' || (auth_code_hash IS NOT NULL)
  FROM domxfer.transfers WHERE id = $transfer";

# Take the two free slots: each session runs pg_sleep in a parallel worker.
my @sleepers;
for my $i (1 .. 2)
{
	my $session = $node->background_psql($db, on_error_stop => 0);
	my $pid = $session->query_safe('SELECT pg_backend_pid()');
	$session->query_until(qr/sleeping/, q{
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
		THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', false) AS parallel;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
\echo sleeping
SELECT pg_sleep(600);
});
	push @sleepers, { session => $session, pid => $pid };
}
ok( $node->poll_query_until($db, q{
SELECT count(*) = 2 FROM pg_stat_activity WHERE backend_type = 'parallel worker'}),
	'two parallel workers are sleeping');
is( $node->safe_psql($db, q{
SELECT count(*) = current_setting('max_worker_processes')::int
  FROM pg_stat_activity WHERE backend_type IN ('domxfer worker', 'domxfer check worker', 'parallel worker')}),
	't', 'every max_worker_processes slot is taken');

# A wrong code: refused with 53000 after waiting about a second for a slot,
# not compared, not counted.
my $started = time();
my $wrong = $node->safe_psql($db, "SELECT try_receive('slots.example', 'wrong-1')");
my $waited = time() - $started;
like( $wrong,
	qr/^53000\|could not start a background worker to check the auth code\|All 4 max_worker_processes slots stayed in use for 1000 ms\. The auth code of transfer \d+ was not compared and no failed attempt was counted: .*\|Retry in a moment\. If this recurs, raise max_worker_processes/,
	'a wrong code gets 53000, saying why and what to do');
cmp_ok($waited, '>=', 0.9, sprintf('the call waited for a slot before giving up (%.2f s)', $waited));
is($node->safe_psql($db, $state_query), 'auth_code_issued 0 true', 'the wrong code was not counted');

# The right code gets exactly the same error: no comparison was made.
is($node->safe_psql($db, "SELECT try_receive('slots.example', auth_code) FROM code"),
	$wrong, 'the right code gets the very same error: nothing was compared');

# Flooding: more wrong codes than the lock-out allows, none compared.
my @flood = map { $node->safe_psql($db, "SELECT try_receive('slots.example', 'flood-$_')") } 1 .. 6;
is(scalar(grep { $_ eq $wrong } @flood), 6, 'six more wrong codes: the same 53000 error each time');
is($node->safe_psql($db, $state_query), 'auth_code_issued 0 true',
	'nothing counted, the code is not revoked, and it was not accepted');
is( $node->safe_psql($db, "SELECT count(*) FROM domxfer.transfer_events WHERE transfer_id = $transfer"),
	'1', 'only the request event was logged');

# A code issued in the caller's own transaction needs no worker.
is( $node->safe_psql($db, q{
BEGIN;
CREATE TEMP TABLE sametx ON COMMIT DROP AS SELECT * FROM domxfer.request_transfer_out('sametx.example');
SELECT try_receive('sametx.example', 'wrong-sametx') || ' / ' || try_receive('sametx.example', auth_code) FROM sametx;
COMMIT;}),
	'28P01|invalid auth code for domain "sametx.example"|The auth code is wrong. It was issued in this same transaction, so the attempt is not counted.| / ok',
	'same transaction, no free slot: a wrong code gets 28P01 and the right one is accepted');

# A slot freed while a call waits for one is used: cancel one sleeper as soon
# as the call is seen waiting (wait event "Extension"); the code is compared
# and counted.
my $receiver = $node->background_psql($db, on_error_stop => 0);
my $receiver_pid = $receiver->query_safe('SELECT pg_backend_pid()');
$receiver->query_until(qr/receiving/, q{
\echo receiving
SELECT 'result ' || try_receive('slots.example', 'wrong-while-waiting');
});
is( $node->safe_psql($db, qq{
CREATE FUNCTION pg_temp.free_a_slot_when_waiting() RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN
	FOR i IN 1 .. 500 LOOP
		IF EXISTS (SELECT FROM pg_stat_activity
					WHERE pid = $receiver_pid AND wait_event_type = 'Extension' AND wait_event = 'Extension') THEN
			RETURN pg_cancel_backend($sleepers[0]{pid});
		END IF;
		PERFORM pg_sleep(0.005);
	END LOOP;
	RETURN false;
END \$\$;
SELECT pg_temp.free_a_slot_when_waiting();}),
	't', 'the call waited for a slot, and one sleeper was cancelled meanwhile');
like( $receiver->query_until(qr/result [^\n]*\n/, ''),
	qr/result 28P01\|invalid auth code for domain "slots.example"\|The auth code is wrong\.\|/,
	'the waiting call got the freed slot: the wrong code was compared and refused');
is($node->safe_psql($db, $state_query), 'auth_code_issued 1 true', 'and counted');

# All slots free again: wrong codes are counted, the right code is accepted.
$node->safe_psql($db, "SELECT pg_cancel_backend($sleepers[1]{pid})");
ok( $node->poll_query_until($db, q{
SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'parallel worker'}),
	'the sleepers are gone');
is( $node->safe_psql($db, "SELECT try_receive('slots.example', 'wrong-2')"),
	'28P01|invalid auth code for domain "slots.example"|The auth code is wrong.|',
	'with a free slot a wrong code is compared and refused');
is($node->safe_psql($db, $state_query), 'auth_code_issued 2 true', 'and counted');
is($node->safe_psql($db, "SELECT try_receive('slots.example', auth_code) FROM code"),
	'ok', 'the right code is accepted');
is( $node->safe_psql($db, "SELECT state || ' ' || failed_attempts || ' ' || gaining_registrar FROM domxfer.transfers WHERE id = $transfer"),
	'pending 2 tap-gainer', 'the transfer is pending; only the two compared wrong codes were counted');
is( $node->safe_psql($db, q{
SELECT service_checks || ' ' || dynamic_checks || ' ' || (fallback_unavailable >= 11) FROM domxfer.auth_check_service}),
	'0 3 true', 'short-lived workers served the three compared checks, each of the 11 calls having found the service off');

$_->{session}->quit for @sleepers;
$receiver->quit;
$node->stop;
done_testing();
