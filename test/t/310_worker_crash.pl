# kill -9 of the worker in the middle of a batch: the postmaster restarts the
# cluster and the worker, and afterwards every transfer is decided exactly
# once (one event per state change, none lost, none doubled).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $count = 600;
my $node = new_domxfer_node('crash', conf => "domxfer.batch_size = 5\nrestart_after_crash = on\n");
my $pid = worker_pid($node, $db);

create_pending_transfers($node, $db, 'crash', $count);
# Slow each completion down (a trigger sleeping 10 ms), so the kill below
# lands while a batch is in progress.
$node->safe_psql($db, q{
CREATE FUNCTION public.slow_down() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_sleep(0.01);
	RETURN NEW;
END $$;
CREATE TRIGGER slow_down BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW EXECUTE FUNCTION public.slow_down();
});
make_due_in($node, $db, 'crash', 2);

ok(wait_until($node, $db, 'SELECT decided_total >= 20 FROM domxfer.worker_status()'),
	'the worker is deciding the due transfers');
is($node->safe_psql($db, "SELECT wait_event FROM pg_stat_activity WHERE pid = $pid") ne 'Extension',
	1, 'the worker is busy, not sleeping');
kill 'KILL', $pid;
my $open_at_kill;
# The postmaster restarts everything after a backend dies by SIGKILL.
ok( wait_until($node, $db, "SELECT state = 'running' AND pid <> $pid FROM domxfer.worker_status()"),
	'the worker runs again after the crash restart');
ok($node->log_contains("domxfer worker.*was terminated by signal 9"),
	'the server log shows the kill');
$open_at_kill = $node->safe_psql($db,
	"SELECT count(*) FROM domxfer.transfers WHERE domain_name LIKE 'crash%' AND state = 'pending'");
ok($open_at_kill > 0, "the kill interrupted the work ($open_at_kill transfers still open)");

ok( wait_until($node, $db, qq{
SELECT count(*) = 0 FROM domxfer.transfers WHERE domain_name LIKE 'crash%' AND state = 'pending'}),
	'every transfer is eventually decided');
is( $node->safe_psql($db, qq{
SELECT count(*) FROM domxfer.transfers WHERE domain_name LIKE 'crash%' AND state = 'completed'
   AND decided_at = deadline}),
	$count, 'all completed as of their deadline');
is( $node->safe_psql($db, qq{
SELECT count(*) || '|' || count(DISTINCT e.transfer_id)
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name LIKE 'crash%' AND e.from_state = 'pending'}),
	"$count|$count", 'exactly one decision event per transfer');
is( $node->safe_psql($db, qq{
SELECT count(*) FROM (
	SELECT e.transfer_id FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
	 WHERE t.domain_name LIKE 'crash%' GROUP BY e.transfer_id, e.to_state HAVING count(*) > 1) AS doubled}),
	'0', 'no state change recorded twice');
is( $node->safe_psql($db, qq{
SELECT count(*) FROM domxfer.domains WHERE name LIKE 'crash%'
   AND sponsoring_registrar = 'gaining-reg' AND open_transfer_id IS NULL}),
	$count, 'every domain moved to the gaining registrar once');

$node->stop('fast');
done_testing();
