# The worker never holds up DROP DATABASE: dropping another database works
# while it sleeps, and dropping its own database WITH (FORCE) ends it; it
# then waits quietly (one log line) until the database exists again, and
# until the extension is created there.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'served';
my $node = new_domxfer_node('dropdb', database => $db);
# worker_status() is read from another database while 'served' is gone.
$node->safe_psql('postgres', 'CREATE EXTENSION domxfer');
my $pid = worker_pid($node, $db);

my $timeout = $PostgreSQL::Test::Utils::timeout_default;
$node->safe_psql('postgres', 'CREATE DATABASE other');
my ($ret, $out, $err) = $node->psql('postgres', 'DROP DATABASE other', timeout => $timeout);
is($ret, 0, 'dropping another database completes while the worker runs');

($ret, $out, $err) = $node->psql('postgres', "DROP DATABASE $db WITH (FORCE)", timeout => $timeout);
is($ret, 0, 'dropping the worker\'s database WITH (FORCE) completes');
ok( wait_until($node, 'postgres',
		"SELECT state = 'database missing' FROM domxfer.worker_status()"),
	'worker_status reports the missing database');
like(worker_status($node, 'postgres', 'last_error'), qr/database "$db" does not exist/,
	'worker_status shows why');

$node->safe_psql('postgres', "CREATE DATABASE $db");
ok( wait_until($node, 'postgres',
		"SELECT state = 'extension not installed' FROM domxfer.worker_status()"),
	'the worker connects once the database exists again, and waits for the extension');
$node->safe_psql($db, 'CREATE EXTENSION domxfer');
ok(wait_until($node, 'postgres', "SELECT state = 'running' FROM domxfer.worker_status()"),
	'the worker runs once the extension is created');

# Logged once by the domxfer worker; a check worker of the auth-code service
# (src/check_service.c) that was starting when the database went away may
# log it once too (on a loaded machine it can be connecting at that moment);
# after that both wait without retrying a connection, so never more.
my $log = slurp_file($node->logfile);
my $missing = () = $log =~ /database "$db" does not exist/g;
ok($missing >= 1 && $missing <= 2,
	"the missing database is logged at most once per worker kind, not at every retry (got $missing)");

$node->stop('fast');
done_testing();
