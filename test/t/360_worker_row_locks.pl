# The worker never waits on an application's row lock (issue 18, fault 3;
# SPEC §5 0.3.0). An application transaction updates one domain and stays
# open past that domain's transfer deadline: the worker skips the held
# transfer, decides an unrelated transfer due at the same time while the
# lock is held, and decides the held one (as of its deadline) once the
# lock is gone. The application that then cancels its transfer gets no
# deadlock (40P01), and neither do process_due_transfers and the row path.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('row_locks', conf => "domxfer.naptime = 100\ndeadlock_timeout = 100ms\n");
worker_pid($node, $db);

create_pending_transfers($node, $db, 'held', 1);
create_pending_transfers($node, $db, 'free', 2);
my ($held_id, $free_id) = map {
	$node->safe_psql($db, "SELECT id FROM domxfer.transfers WHERE domain_name = '$_'")
} 'held1.example', 'free1.example';

# the application holds the domain row, then both deadlines pass
my $app = $node->background_psql($db, on_error_stop => 0);
$app->query_safe(q{BEGIN; UPDATE domxfer.domains SET uses_registrar_dns = true WHERE name = 'held1.example'});
$node->safe_psql($db, q{
UPDATE domxfer.transfers SET deadline = date_trunc('second', clock_timestamp()) + interval '2 s'
 WHERE domain_name IN ('held1.example', 'free1.example')});

ok( wait_until($node, $db, "SELECT state <> 'pending' FROM domxfer.transfers WHERE id = $free_id"),
	'the unrelated transfer is decided while the other domain is held');
is( $node->safe_psql($db, "SELECT state || ' ' || (decided_at = deadline) FROM domxfer.transfers WHERE id = $free_id"),
	'completed true', 'as of its deadline');
is( $node->safe_psql($db, "SELECT state FROM domxfer.transfers WHERE id = $held_id"),
	'pending', 'the held transfer waits (it is neither decided nor blocking)');
is(worker_status($node, $db, 'state'), 'running', 'worker_status says running');
is( $node->safe_psql($db, q{
SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE NOT l.granted AND a.backend_type = 'domxfer worker'}),
	'0', 'the worker waits for no lock');

# the row path and process_due_transfers skip the held row too (bounded
# by a statement timeout: before the fix they waited for the application)
is( $node->safe_psql($db, q{
SET statement_timeout = '20s';
SELECT count(*) FROM domxfer._due_transfer_ids(now(), 100)}),
	'0', 'the row path lists no transfer whose domain is held');
$node->safe_psql($db, q{
UPDATE domxfer.transfers SET deadline = date_trunc('second', clock_timestamp()) + interval '1 s'
 WHERE domain_name = 'free2.example';
SELECT pg_sleep(0) });
my ($ret, $out, $err) = $node->psql($db, q{
SET statement_timeout = '20s';
SELECT pg_sleep(1.5);
SELECT domxfer.process_due_transfers()});
is($ret, 0, 'process_due_transfers returns while a due domain is held') or diag $err;

# the application now cancels its transfer: no deadlock
my ($cancel_out, $cancel_failed) = $app->query(
	"SELECT domxfer.cancel_transfer_out($held_id, 'changed my mind')");
my $cancel_err = $app->{stderr};
unlike($cancel_err, qr/deadlock/, 'the application that cancels gets no deadlock');
# after its deadline the cancel is refused: the transfer was decided first,
# in the application's transaction, as of its deadline
like($cancel_err, qr/already been transferred out|cannot cancel/, 'the cancel after the deadline is refused (55000)');
$app->query('ROLLBACK');
$app->quit;

ok( wait_until($node, $db, "SELECT state <> 'pending' FROM domxfer.transfers WHERE id = $held_id"),
	'the held transfer is decided once the lock is gone');
is( $node->safe_psql($db, qq{
SELECT t.state || ' ' || (t.decided_at = t.deadline) || ' ' || count(e.*)
  FROM domxfer.transfers t JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = t.state
 WHERE t.id = $held_id GROUP BY t.id}),
	'completed true 1', 'completed as of its deadline, decided exactly once');
is(worker_status($node, $db, 'failed_total'), '0', 'the worker recorded no failure');

my $log = slurp_file($node->logfile);
unlike($log, qr/deadlock detected/, 'no deadlock in the server log');

$node->stop('fast');
done_testing();
