# The worker decides a transfer at its deadline (never before), shows in
# pg_stat_activity, isolates a failing row, reloads its settings on SIGHUP,
# and stops on SIGTERM (and is then restarted by the postmaster).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('deadline');
my $pid = worker_pid($node, $db);
like($pid, qr/^\d+$/, 'worker_status reports the worker pid');

is( $node->safe_psql($db, qq{
SELECT backend_type || '|' || application_name || '|' || datname
  FROM pg_stat_activity WHERE pid = $pid}),
	'domxfer worker|domxfer worker|tap',
	'the worker shows in pg_stat_activity with its type, name and database');
is(worker_status($node, $db, 'database'), 'tap', 'worker_status names the database');

# (1) a transfer decided at its deadline
create_pending_transfers($node, $db, 'one', 1);
my $deadline = make_due_in($node, $db, 'one', 3);
ok( wait_until($node, $db,
		"SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'one1.example'"),
	'the pending transfer got decided');
is( $node->safe_psql($db, qq{
SELECT state || '|' || (decided_at = deadline) || '|' || (deadline = '$deadline')
  FROM domxfer.transfers WHERE domain_name = 'one1.example'}),
	'completed|true|true', 'completed as of its deadline');
is( $node->safe_psql($db, qq{
SELECT count(*) || '|' || string_agg(actor, ',')
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'one1.example' AND e.from_state = 'pending'}),
	'1|worker', 'one event for the decision, by the worker');
# The commit time of the deciding transaction: never before the deadline,
# and (generous bound, not a timing test) well within a minute after it.
is( $node->safe_psql($db, qq{
SELECT pg_xact_commit_timestamp(xmin) >= deadline
       AND pg_xact_commit_timestamp(xmin) < deadline + interval '60 s'
  FROM domxfer.transfers WHERE domain_name = 'one1.example'}),
	't', 'decided after the deadline, not before');
is(worker_status($node, $db, 'decided_total'), '1', 'worker_status counts the decision');

# One failing row does not stop the others.
$node->safe_psql($db, q{
CREATE FUNCTION public.refuse_bad() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.name = 'bad1.example'
	   AND NEW.sponsoring_registrar IS DISTINCT FROM OLD.sponsoring_registrar THEN
		RAISE EXCEPTION 'refused by a test trigger';
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER refuse_bad BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW EXECUTE FUNCTION public.refuse_bad();
});
create_pending_transfers($node, $db, 'bad', 1);
create_pending_transfers($node, $db, 'good', 3);
make_due_in($node, $db, 'bad', 2);
make_due_in($node, $db, 'good', 2);
ok( wait_until($node, $db, qq{
SELECT count(*) = 3 FROM domxfer.transfers
 WHERE domain_name LIKE 'good%' AND state = 'completed'}),
	'the good transfers are decided although an earlier one fails');
is( $node->safe_psql($db, q{
SELECT state || '|' || (sponsoring_registrar = 'tap-registrar')
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.domain_name = 'bad1.example'}),
	'pending|true', 'the failing transfer stays pending and unchanged');
ok(worker_status($node, $db, 'failed_total') >= 1, 'worker_status counts the failure');
like(worker_status($node, $db, 'last_error'),
	qr/^transfer \d+: refused by a test trigger$/, 'worker_status shows the error');
ok( $node->log_contains('domxfer worker could not decide transfer \d+: refused by a test trigger'),
	'the failure is logged');
$node->safe_psql($db, 'DROP TRIGGER refuse_bad ON domxfer.domains');
ok( wait_until($node, $db,
		"SELECT state = 'completed' FROM domxfer.transfers WHERE domain_name = 'bad1.example'"),
	'the failed transfer is retried later and decided');
is( $node->safe_psql($db, q{
SELECT decided_at = deadline FROM domxfer.transfers WHERE domain_name = 'bad1.example'}),
	't', 'a late retry still decides as of the deadline');

# (3) SIGHUP: the worker picks up new settings
is(worker_status($node, $db, 'naptime_ms || \'|\' || batch_size'), '1000|100', 'default settings');
$node->safe_psql($db, q{
ALTER SYSTEM SET domxfer.naptime = '250ms';
ALTER SYSTEM SET domxfer.batch_size = 7;
SELECT pg_reload_conf();
});
ok( wait_until($node, $db,
		"SELECT naptime_ms = 250 AND batch_size = 7 FROM domxfer.worker_status()"),
	'after SIGHUP the worker uses the new naptime and batch size');
is(worker_status($node, $db, 'pid'), $pid, 'reloading did not restart the worker');

# (7) SIGTERM: the worker exits at once; the postmaster starts a new one
kill 'TERM', $pid;
my $gone = 0;
for (1 .. 100)
{
	if (!kill(0, $pid)) { $gone = 1; last; }
	select(undef, undef, undef, 0.1);
}
ok($gone, 'the worker exits on SIGTERM');
ok( wait_until($node, $db,
		"SELECT state = 'running' AND pid <> $pid FROM domxfer.worker_status()"),
	'the postmaster restarts the worker');
ok(!$node->log_contains('terminated by signal'), 'no crash in the server log');

$node->stop('fast');
done_testing();
