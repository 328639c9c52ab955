# The isolation specs of the auth-code races, run through the resident
# check service: the isolation suite's own server serves another database
# (domxfer.database = 'postgres'), so there they take the short-lived worker
# path; here the node's check service serves the spec's database. Same
# specs, same expected output, and the service's counters show who served.
use strict;
use warnings;
use File::Basename qw(dirname);
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('isoservice');
worker_pid($node, $db);
ok( wait_until($node, $db, q{
SELECT state = 'running' AND serves_this_database FROM domxfer.auth_check_service}),
	'the check service serves the database the specs run in');

my $isolation_regress = dirname(dirname($ENV{PG_REGRESS})) . '/isolation/pg_isolation_regress';
my $inputdir = "$FindBin::RealBin/../isolation";
my $outputdir = "${PostgreSQL::Test::Utils::tmp_check}/isolation_service";
mkdir $outputdir;
my @specs = qw(auth_check_right_wrong_race auth_check_five_wrong
  lifecycle_same_code_race lifecycle_reissue_vs_receive);

my ($stdout, $stderr);
my $ok = IPC::Run::run(
	[
		$isolation_regress, '--use-existing', "--inputdir=$inputdir",
		"--outputdir=$outputdir", '--host=' . $node->host,
		'--port=' . $node->port, "--dbname=$db", @specs
	],
	'>', \$stdout, '2>', \$stderr);
ok($ok, 'the specs pass through the check service') or diag($stdout . $stderr . slurp_file("$outputdir/regression.diffs"));
like($stdout, qr/All 4 tests passed/, 'all four specs ran');
is( $node->safe_psql($db, q{
SELECT (service_checks >= 9) || ' ' || dynamic_checks || ' ' || fallback_busy || ' ' || fallback_unavailable
  FROM domxfer.auth_check_service}),
	'true 0 0 0', 'the service served every check (at least 9: five wrong codes, 1 + 2 + 1 in the right/wrong races); no call took the short-lived worker path');

$node->stop;
done_testing();
