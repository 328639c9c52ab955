# A missing database on a fresh cluster is a state, not a restart loop
# (issue 18, fault 9). README's install order sets domxfer.database before
# the database exists; on a cluster no client has connected to yet, the
# workers connected to no database could not read pg_database through its
# index ("cannot read pg_class without having selected a database") and
# exited every 1-5 s. Now: one FATAL per worker kind at the first start, one
# LOG line, then worker_status() says "database missing" with last_error_at
# the last time it was seen missing; the worker runs within seconds once the
# database and the extension exist, and last_error clears.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);
use DomxferWorker;

my $node = PostgreSQL::Test::Cluster->new('fresh_cluster');
$node->init;
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
domxfer.database = 'notyet'
domxfer.naptime = 200
});
$node->start;

# read the log only: any connection would write the shared relcache file
# and hide the fault
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
my $log = '';
until ($log =~ /domxfer worker waits for database "notyet" to exist/ || time > $deadline)
{
	usleep(100_000);
	$log = slurp_file($node->logfile);
}
like($log, qr/LOG:  domxfer worker waits for database "notyet" to exist/,
	'the worker, connected to no database on a fresh cluster, waits for its database (logged)');
unlike($log, qr/cannot read pg_class/, 'no "cannot read pg_class" restart loop');

$node->safe_psql('postgres', 'CREATE EXTENSION domxfer');
ok(wait_until($node, 'postgres', "SELECT state = 'database missing' FROM domxfer.worker_status()"),
	'worker_status() says database missing');
is(worker_status($node, 'postgres', 'last_error'), 'database "notyet" does not exist', 'and why');
my $t0 = $node->safe_psql('postgres', 'SELECT clock_timestamp()');
ok(wait_until($node, 'postgres', "SELECT last_error_at > '$t0' FROM domxfer.worker_status()"),
	'last_error_at is the last time the database was seen missing, not the start-up time');
my $pid = worker_status($node, 'postgres', 'pid');

$node->safe_psql('postgres', 'CREATE DATABASE notyet');
$node->safe_psql('notyet', 'CREATE EXTENSION domxfer');
ok(wait_until($node, 'postgres', "SELECT state = 'running' FROM domxfer.worker_status()"),
	'the worker runs once the database and the extension exist');
is( $node->safe_psql('postgres', qq{
SELECT (last_error IS NULL) || ' ' || (last_error_at >= '$t0') || ' ' || (pid <> $pid) FROM domxfer.worker_status()}),
	'true true true', 'healthy: last_error cleared, last_error_at when the database was last missing');

# decides in its database
create_pending_transfers($node, 'notyet', 'fresh', 1);
make_due_in($node, 'notyet', 'fresh', 1);
ok(wait_until($node, 'notyet', "SELECT state = 'completed' FROM domxfer.transfers"),
	'and decides transfers there');

$log = slurp_file($node->logfile);
my $fatals = () = $log =~ /FATAL:/g;
ok($fatals <= 2, "at most one FATAL per worker kind (the first connection attempt), got $fatals");
unlike($log, qr/cannot read pg_class/, 'no "cannot read pg_class" at any time');
my $waits = () = $log =~ /domxfer worker waits for database/g;
is($waits, 1, 'the wait is logged once');

$node->stop('fast');
done_testing();
