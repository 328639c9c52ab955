# The bad-input catalogue (test/bad_input/): hundreds of hostile or malformed
# calls of every function of the extension, and writes the tables must
# refuse, each run in a subtransaction of its own and compared with the
# SQLSTATE it must give. Then: every function of the extension was attacked,
# nothing changed (md5 of every extension table and sequence, the only
# intended change being the four wrong codes counted against one transfer),
# the server is still up and its log shows no crash.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $dir = "$FindBin::RealBin/../bad_input";
my $extension_data = slurp_file("$FindBin::RealBin/../lib/extension_data.sql");

my $node = PostgreSQL::Test::Cluster->new('bad_input');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
});
$node->start;
my $started = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

$node->safe_psql('postgres', 'CREATE DATABASE bad_input');
$node->safe_psql('bad_input', 'CREATE EXTENSION domxfer');
for my $file ('fixtures.sql', 'catalogue.sql')
{
	$node->command_ok(
		[ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', "$dir/$file", '-d', $node->connstr('bad_input') ],
		"$file loads");
}

my $issued = $node->safe_psql('bad_input', q{SELECT id FROM bad_input.fixture WHERE name = 'auth_code_issued'});
my $guesses = $node->safe_psql('bad_input', q{
SELECT count(*) FROM bad_input.catalogue WHERE note LIKE '%(counted: _)'});
cmp_ok($guesses, '<', 5, "$guesses wrong codes go to the open transfer: fewer than the 5 that revoke a code");

my $before = $node->safe_psql('bad_input', $extension_data);
# What the data must be afterwards: the same, but for the wrong codes
# counted, and for the identity sequences, which the direct INSERTs of the
# catalogue advance before they are refused (sequences are not
# transactional); no refused function call may take an id.
my $expected_after = $node->safe_psql('bad_input', qq{
BEGIN;
UPDATE domxfer.transfers SET failed_attempts = failed_attempts + $guesses WHERE id = $issued;
$extension_data
ROLLBACK;
});
# (and the registry messages the catalogue stores and rolls back, to see
# the SQLSTATE they were stored with)
for my $seq (['domxfer.transfers_id_seq', 'domxfer.transfers', ''],
	['domxfer.transfer_events_id_seq', 'domxfer.transfer_events', ''],
	['domxfer.registry_messages_id_seq', 'domxfer.registry_messages',
	 q{ OR c.call LIKE 'DO $d$%domxfer.apply_registry_message(%'}])
{
	my ($name, $table, $also) = @$seq;
	my $line = $node->safe_psql('bad_input', qq{
SELECT '$name|1|' || md5((s.last_value + (SELECT count(*) FROM bad_input.catalogue c
											 WHERE (c.relation = '$table'::regclass AND c.run_as IS NULL
													AND c.call LIKE 'INSERT %')$also))::text || ',true')
  FROM $name s WHERE s.is_called});
	isnt($line, '', "$name has been used");
	$expected_after =~ s/^\Q$name\E\|.*$/$line/m;
}
isnt($expected_after, $before, 'the expected data differs from the current one (the test can fail)');

# the run
my ($ret, $out, $err) = $node->psql('bad_input', slurp_file("$dir/run.sql"), on_error_stop => 1);
is($ret, 0, 'run.sql completed') or diag $err;
my ($mismatches) = $out =~ /^mismatches[^\n]*\n(.*?)^functions of the extension/ms;
my ($uncovered) = $out =~ /^functions of the extension not in the catalogue:\n(.*?)^counts:/ms;
my ($counts) = $out =~ /^counts:\n(.*)$/ms;
is($mismatches, '', 'every input gave the SQLSTATE the catalogue expects') or diag $mismatches;
is($uncovered, '', 'every function of the extension is in the catalogue') or diag $uncovered;
my ($inputs, $as_expected, $refused, $functions, $extension_functions, $tables) = split /\|/, $counts;
is($as_expected, $inputs, "$inputs inputs tried, $as_expected as expected ($refused refused with an error)");
is($functions, $extension_functions, "$functions of the extension's $extension_functions functions attacked, and $tables tables written to directly");
cmp_ok($inputs, '>=', 300, 'the catalogue has at least 300 inputs');
note "bad inputs: $inputs tried ($refused must fail), $functions functions, $tables tables";

# nothing changed
my $after = $node->safe_psql('bad_input', $extension_data);
is($after, $expected_after,
	'all extension tables and sequences are as before, but for the wrong codes counted');
is( $node->safe_psql('bad_input', "SELECT failed_attempts || ' ' || (auth_code_hash IS NOT NULL) FROM domxfer.transfers WHERE id = $issued"),
	"$guesses true", "the transfer counted $guesses wrong codes and still has its code");
my %before_lines = map { (split /\|/)[0] => $_ } split /\n/, $before;
my @changed = grep { $before_lines{ (split /\|/)[0] } ne $_ } split /\n/, $after;
is(join(',', map { (split /\|/)[0] } @changed),
	'domxfer.registry_messages_id_seq,domxfer.transfer_events_id_seq,domxfer.transfers,domxfer.transfers_id_seq',
	'only domxfer.transfers (and the sequences) changed at all');

# the server is up, never crashed
is($node->safe_psql('bad_input', 'SELECT 1'), '1', 'the server still answers');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'), $started, 'the postmaster was not restarted');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|was terminated by exception|PANIC|server process .* exited with exit code|TRAP:/,
	'no crash, PANIC or assertion failure in the server log');

$node->stop;
done_testing();
