# A check worker killed mid-check (kill -9): the postmaster restarts every
# process, the caller gets an error, not an answer; what the worker had not
# committed is not counted (and nobody learnt anything from it), a count
# that was answered is never lost, nothing is decided twice, and the check
# service comes back by itself.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('crash', conf => q{
restart_after_crash = on
});
worker_pid($node, $db);
ok( wait_until($node, $db,
		q{SELECT state = 'running' AND cardinality(worker_pids) = 2 FROM domxfer.auth_check_service}),
	'the check service runs');

$node->safe_psql($db, q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('crash.example', 'tap-registrar', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
CREATE TABLE code AS SELECT * FROM domxfer.request_transfer_out('crash.example');
-- Makes a check worker sleep after its write, before its commit, while
-- public.slow says so: a worker caught in mid-check.
CREATE TABLE public.slow (enabled boolean NOT NULL);
INSERT INTO public.slow VALUES (true);
CREATE FUNCTION public.slow_in_check_worker() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT backend_type FROM pg_catalog.pg_stat_activity WHERE pid = pg_catalog.pg_backend_pid()) = 'domxfer check worker'
	   AND (SELECT enabled FROM public.slow) THEN
		PERFORM pg_catalog.pg_sleep(300);
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER slow AFTER UPDATE ON domxfer.transfers FOR EACH ROW EXECUTE FUNCTION public.slow_in_check_worker();
CREATE FUNCTION try_receive(name text, candidate text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text; v_msg text; v_detail text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, candidate, 'tap-gainer');
	RETURN 'ok';
EXCEPTION WHEN invalid_password THEN
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

# Starts a call in a psql of its own; returns the harness and its outputs.
sub start_call
{
	my ($sql) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start(
		[ 'psql', '-X', '-At', '-d', $node->connstr($db), '-c', $sql ],
		'>', \$out, '2>', \$err,
		IPC::Run::timeout($PostgreSQL::Test::Utils::timeout_default));
	return ($h, \$out, \$err);
}

# Kills, with SIGKILL, the check worker that sleeps in mid-check.
sub kill_sleeping_check_worker
{
	my ($what) = @_;
	ok( wait_until($node, $db, q{
SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'domxfer check worker' AND wait_event = 'PgSleep'}),
		"a check worker is in mid-$what");
	my $pid = $node->safe_psql($db, q{
SELECT pid FROM pg_stat_activity WHERE backend_type = 'domxfer check worker' AND wait_event = 'PgSleep'});
	my $pids = $node->safe_psql($db, 'SELECT worker_pids FROM domxfer.auth_check_service');
	my $log_offset = -s $node->logfile;
	ok(kill('KILL', $pid), "kill -9 of check worker $pid");
	return ($pid, $pids, $log_offset);
}

# After the crash: the server and the service are back, with new processes.
sub service_back
{
	my ($pid, $pids, $log_offset) = @_;
	ok($node->poll_query_until($db, 'SELECT true'), 'the server accepts connections again');
	ok( wait_until($node, $db, qq{
SELECT state = 'running' AND cardinality(worker_pids) = 2 AND NOT worker_pids && '$pids'::int[]
  FROM domxfer.auth_check_service}),
		'the postmaster restarted the check service: two new check workers');
	like(slurp_file($node->logfile, $log_offset),
		qr/background worker "domxfer check worker" \(PID $pid\) was terminated by signal 9/,
		'the server log names the killed check worker');
}

# 1. A wrong code, killed after the count was written, before its commit.
my ($h, $out, $err) = start_call("SELECT try_receive('crash.example', 'wrong-1')");
my @killed = kill_sleeping_check_worker('check');
$h->finish;
is($$out, '', 'the caller got no answer');
like($$err, qr/terminating connection|server closed the connection|connection to server was lost/,
	'the caller got an error');
service_back(@killed);
is(state_of('crash.example'), 'auth_code_issued 0 true',
	'the uncommitted count is gone with the crash, and nobody was told the code was wrong');

# The next attempts are counted once each, and every answered count stays.
$node->safe_psql($db, 'UPDATE public.slow SET enabled = false');
is( $node->safe_psql($db, "SELECT try_receive('crash.example', 'wrong-2')"),
	'28P01|invalid auth code for domain "crash.example"|The auth code is wrong.',
	'the restarted service compares a wrong code');
is(state_of('crash.example'), 'auth_code_issued 1 true', 'and counts it once');

# 2. A decision: a refused call finds the transfer overdue and has the
# service decide it; the worker is killed mid-decision, after its writes,
# before its commit. The transfer ends up decided exactly once.
is($node->safe_psql($db, "SELECT try_receive('crash.example', auth_code) FROM code"), 'ok',
	'the right code is accepted');
# The main worker must not decide it first: a long naptime, and a deadline
# written with triggers off, so that the worker is not woken.
$node->append_conf('postgresql.conf', "domxfer.naptime = '1h'\n");
$node->reload;
ok(wait_until($node, $db, q{SELECT naptime_ms = 3600000 FROM domxfer.worker_status()}),
	'the domxfer worker naps for an hour');
$node->safe_psql($db, q{
SET session_replication_role = replica;
UPDATE domxfer.transfers SET requested_at = now() - interval '10 days', deadline = now() - interval '1 minute'
 WHERE domain_name = 'crash.example';
RESET session_replication_role;
UPDATE public.slow SET enabled = true;
});
($h, $out, $err) = start_call("SELECT try_receive('crash.example', 'late')");
@killed = kill_sleeping_check_worker('decision');
$h->finish;
like($$err, qr/terminating connection|server closed the connection|connection to server was lost/,
	'the caller got an error');
service_back(@killed);
$node->safe_psql($db, 'UPDATE public.slow SET enabled = false');
like($node->safe_psql($db, "SELECT try_receive('crash.example', 'late')"),
	qr/^28P01\|invalid auth code for domain "crash\.example"\|/, 'a refused call after the restart');
is( $node->safe_psql($db, q{
SELECT t.state || ' ' || count(e.*)
  FROM domxfer.transfers t LEFT JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.from_state = 'pending'
 WHERE t.domain_name = 'crash.example' GROUP BY t.state}),
	'completed 1', 'the transfer is decided, exactly once');
is( $node->safe_psql($db, q{
SELECT count(*) FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'crash.example' AND e.to_state = 'pending'}),
	'1', 'and was requested exactly once');

$node->stop;
done_testing();
