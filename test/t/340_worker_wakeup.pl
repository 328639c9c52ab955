# The worker sleeps until the earliest deadline it knows of without looking
# at the database, is woken by the commit of an earlier deadline, and still
# looks at the database every 60 naptimes, which catches deadlines written
# with triggers bypassed.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use DomxferWorker;

my $db = 'tap';
# naptime 1 h: within this test the worker only wakes for deadlines it
# learns of, from its own passes or from commits
my $node = new_domxfer_node('wakeup', conf => "domxfer.naptime = '1h'\n");
worker_pid($node, $db);

# (1) woken by the commit that moves a deadline close
create_pending_transfers($node, $db, 'soon', 1);
my $deadline = make_due_in($node, $db, 'soon', 3);
ok( wait_until($node, $db,
		"SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'soon1.example'"),
	'naptime 1 h: the transfer whose deadline a commit moved 3 s ahead is decided');
is( $node->safe_psql($db, qq{
SELECT state || '|' || (decided_at = deadline) || '|' || (deadline = '$deadline')
  FROM domxfer.transfers WHERE domain_name = 'soon1.example'}),
	'completed|true|true', 'as of its deadline');

# (2) idle: no pass while nothing is due, even with a short naptime and
# commits of far deadlines; then the periodic pass after 60 naptimes
$node->append_conf('postgresql.conf', "domxfer.naptime = '100ms'\n");
$node->reload;
$node->poll_query_until($db, "SELECT naptime_ms = 100 FROM domxfer.worker_status()")
  or die 'naptime not reloaded';
my $last_run = worker_status($node, $db, 'last_run_at');
create_pending_transfers($node, $db, 'far', 3);
sleep(2);
is(worker_status($node, $db, 'last_run_at'), $last_run,
	'no pass over 2 s (20 naptimes) with nothing due, although 3 transfers due in 5 days were committed');
ok( wait_until($node, $db, "SELECT last_run_at > '$last_run' FROM domxfer.worker_status()"),
	'a pass after 60 naptimes all the same');
like( worker_status($node, $db, 'next_due_at'), qr/^\d{4}-/,
	'that pass found the next deadline');

# (3) a deadline written with triggers bypassed (as logical replication's
# apply does) is found by that periodic pass
$node->safe_psql($db, q{
SET session_replication_role = replica;
UPDATE domxfer.transfers
   SET deadline = date_trunc('second', clock_timestamp()) + interval '1 s'
 WHERE domain_name = 'far1.example';
});
ok( wait_until($node, $db,
		"SELECT state = 'completed' AND decided_at = deadline FROM domxfer.transfers WHERE domain_name = 'far1.example'"),
	'a deadline written without triggers is decided by the periodic pass, as of the deadline');
is( $node->safe_psql($db, q{
SELECT string_agg(state::text, ',' ORDER BY domain_name) FROM domxfer.transfers WHERE domain_name IN ('far2.example', 'far3.example')}),
	'pending,pending', 'the others are still pending');

$node->stop;
done_testing();
