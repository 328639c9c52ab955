# A streaming standby runs no worker; after promotion the new primary's
# worker decides the transfers that fell due meanwhile.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $primary = new_domxfer_node('primary', allows_streaming => 1);
worker_pid($primary, $db);
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;

create_pending_transfers($primary, $db, 'stby', 5);
# Far enough ahead that the primary is gone before they fall due.
my $deadline = make_due_in($primary, $db, 'stby', 8);
$primary->wait_for_catchup($standby);
$primary->stop('fast');

is($standby->safe_psql($db, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is( $standby->safe_psql($db,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'domxfer worker'"),
	'0', 'no worker runs on the standby');
is(worker_status($standby, $db, "state || '|' || coalesce(pid::text, '-')"),
	'standby|-', 'worker_status says the server is a standby');
ok(wait_until($standby, $db, "SELECT now() > '$deadline'"), 'the deadline passes on the standby');
is( $standby->safe_psql($db,
		"SELECT count(*) FROM domxfer.transfers WHERE domain_name LIKE 'stby%' AND state = 'pending'"),
	'5', 'nothing was decided while the server was a standby');

$standby->promote;
ok( wait_until($standby, $db, qq{
SELECT count(*) = 5 FROM domxfer.transfers
 WHERE domain_name LIKE 'stby%' AND state = 'completed' AND decided_at = deadline}),
	'after promotion the worker decides them as of their deadline');
is( $standby->safe_psql($db, qq{
SELECT count(*) FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name LIKE 'stby%' AND e.from_state = 'pending' AND e.actor = 'worker'}),
	'5', 'one decision event each, by the worker');
is(worker_status($standby, $db, 'state'), 'running', 'worker_status shows the worker running');

$standby->stop('fast');
done_testing();
