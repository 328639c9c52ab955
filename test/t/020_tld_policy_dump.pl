# pg_dump and restore keep every change to domxfer.tld_policy (changed
# shipped rows, new rows) and the domains, although CREATE EXTENSION inserts
# the shipped rows again before the dumped data is loaded.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'domxfer'\ndomxfer.registrar_id = 'tap-registrar'\n");
$node->start;

$node->safe_psql('postgres', 'CREATE DATABASE src');
$node->safe_psql('src', q{
	CREATE EXTENSION domxfer;
	UPDATE domxfer.tld_policy SET min_days_after_transfer = 30, early_approval = false WHERE tld = '*';
	UPDATE domxfer.tld_policy SET manual_process = false WHERE tld = 'hk';
	UPDATE domxfer.rule_sets SET effect = 'warn' WHERE rule_set = 'icann_2024' AND code = 'too_soon_after_transfer';
	INSERT INTO domxfer.rule_sets (rule_set, code, effect) VALUES ('cn_registry', 'unpaid', 'off');
	INSERT INTO domxfer.tld_policy (tld, min_days_after_registration, business_time_zone, rule_set)
	VALUES ('cn', 10, 'Asia/Shanghai', 'cn_registry');
	INSERT INTO domxfer.tld_policy (tld, rule_set, min_days_after_registrant_change) VALUES ('com', 'icann_2024', 30);
	INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
								 last_transferred_at, status, registrant_email)
	VALUES ('example.hk', 'tap-registrar', '2020-01-01', '2030-01-01', '2024-01-01', 'clientHold', 'a@example.hk'),
		   ('xn--fiq228c.cn', 'tap-registrar', '2024-01-01', '2030-01-01', NULL, 'ok', 'a@example.cn'),
		   ('example.com', 'other', '2020-01-01', '2030-01-01', NULL, 'ok', NULL);
});

my $policy = q{SELECT tld, min_days_after_registration, min_days_before_expiry,
	min_days_after_transfer, min_days_after_late_renewal, expiry_warning_days,
	auto_approve_days, auth_code_lifetime_days, manual_answer_working_days,
	business_time_zone, manual_process, early_approval, shipped, rule_set,
	min_days_after_registrant_change
	FROM domxfer.tld_policy ORDER BY tld};
my $rule_sets = q{SELECT rule_set, code, effect, shipped FROM domxfer.rule_sets ORDER BY 1, 2};
my $rules = q{SELECT name, status, domxfer.transfer_out_blockers(d, '2024-02-01 00:00+00'),
	domxfer.transfer_window(d) FROM domxfer.domains d ORDER BY name};
my $src_policy = $node->safe_psql('src', $policy);
my $src_rules = $node->safe_psql('src', $rules);
my $src_rule_sets = $node->safe_psql('src', $rule_sets);
like($src_rule_sets, qr/^icann_2024\|too_soon_after_transfer\|warn\|t$/m, 'the source has a changed shipped rule-set row');
like($src_rule_sets, qr/^cn_registry\|unpaid\|off\|f$/m, 'the source has a rule set of its own');
like($src_policy, qr/^hk\|60\|15\|60\|45\|30\|5\|14\|3\|Asia\/Hong_Kong\|f\|t\|t\|registrar_policy\|60$/m,
	'the source has a changed shipped row');

# custom format through pg_restore
my $dump = $node->basedir . '/src.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr('src') ], 'pg_dump -Fc');
$node->safe_psql('postgres', 'CREATE DATABASE dst_custom');
$node->command_ok([ 'pg_restore', '--exit-on-error', '-d', $node->connstr('dst_custom'), $dump ],
	'pg_restore without errors');
is($node->safe_psql('dst_custom', $policy), $src_policy, 'pg_restore: policy rows as in the source');
is($node->safe_psql('dst_custom', $rules), $src_rules, 'pg_restore: domains and rule answers as in the source');
is($node->safe_psql('dst_custom', $rule_sets), $src_rule_sets, 'pg_restore: rule sets as in the source');

# plain format through psql, stopping at the first error
my $sql = $node->basedir . '/src.sql';
$node->command_ok([ 'pg_dump', '-Fp', '-f', $sql, '-d', $node->connstr('src') ], 'pg_dump -Fp');
$node->safe_psql('postgres', 'CREATE DATABASE dst_plain');
$node->command_ok([ 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', $sql, '-d', $node->connstr('dst_plain') ],
	'psql restores the plain dump without errors');
is($node->safe_psql('dst_plain', $policy), $src_policy, 'plain dump: policy rows as in the source');
is($node->safe_psql('dst_plain', $rules), $src_rules, 'plain dump: domains and rule answers as in the source');
is($node->safe_psql('dst_plain', $rule_sets), $src_rule_sets, 'plain dump: rule sets as in the source');
is($node->safe_psql('dst_plain', q{SELECT domxfer.restore_shipped_rule_sets()}), '1',
	'restore_shipped_rule_sets() gives the one changed shipped row its shipped effect');
is($node->safe_psql('dst_plain', q{SELECT effect FROM domxfer.rule_sets WHERE rule_set = 'icann_2024' AND code = 'too_soon_after_transfer'}),
	'block', '... which is block again');
is($node->safe_psql('dst_plain', q{SELECT count(*) FROM domxfer.rule_sets WHERE rule_set = 'cn_registry'}), '1',
	'... and leaves rule sets of our own alone');

# restoring twice into the same database still conflicts on user rows
my ($ret, $stdout, $stderr) = $node->psql('dst_plain', "\\i $sql", on_error_stop => 1);
like($stderr, qr/already exists|duplicate key/, 'a second restore into the same database is refused');

$node->stop;
done_testing();
