# Extension upgrade: for every shipped version x, CREATE EXTENSION domxfer
# VERSION 'x' followed by ALTER EXTENSION domxfer UPDATE gives exactly the
# objects of a fresh install of the default version (catalog snapshot of
# test/lib/catalog_snapshot.sql: functions with their whole definition,
# types, operators, operator classes, casts, tables, columns, constraints,
# indexes, triggers, views, sequences, comments, owners, privileges,
# extension membership and extconfig), and the data in the extension's
# tables survives the update.
#
# The versions are whatever the installation ships: those listed by
# pg_available_extension_versions, cross-checked against the domxfer--*.sql
# install scripts in the extension directory. With a single version the loop
# checks that version against itself; each added upgrade script
# (upgrade/domxfer--a--b.sql) and kept old install script
# (upgrade/domxfer--a.sql) makes it check one more path.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $snapshot_sql = slurp_file("$FindBin::RealBin/../lib/catalog_snapshot.sql");

my $node = PostgreSQL::Test::Cluster->new('upgrade');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'domxfer'\ndomxfer.registrar_id = 'tap-registrar'\n");
$node->start;

my $latest = $node->safe_psql('postgres',
	q{SELECT default_version FROM pg_available_extensions WHERE name = 'domxfer'});
like($latest, qr/^\d+\.\d+\.\d+$/, "default version $latest");

# the versions PostgreSQL offers ...
my @versions = split /\n/, $node->safe_psql('postgres', q{
SELECT version FROM pg_available_extension_versions WHERE name = 'domxfer'
 ORDER BY string_to_array(version, '.')::int[]});
# ... are the versions of the install scripts in the extension directory
my $sharedir = $node->safe_psql('postgres', q{SELECT setting FROM pg_config WHERE name = 'SHAREDIR'});
opendir(my $dir, "$sharedir/extension") or die "cannot read $sharedir/extension: $!";
my @script_versions = map { /^domxfer--(.+)\.sql$/ && $1 !~ /--/ ? $1 : () } readdir $dir;
closedir $dir;
# a version reachable only through upgrade scripts has no install script
my @installable = grep { my $v = $_; grep { $_ eq $v } @script_versions } @versions;
ok(scalar(@installable) >= 1, 'shipped versions with an install script: ' . join(', ', @installable));
ok((grep { $_ eq $latest } @installable), "the default version $latest has an install script");

# the reference: a fresh install of the default version
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('fresh', 'CREATE EXTENSION domxfer');
my $fresh = $node->safe_psql('fresh', $snapshot_sql);
my %objects = map { join('|', (split /\|/, $_, 3)[0, 1]) => 1 } split /\n/, $fresh;
my $objects = scalar keys %objects;
cmp_ok($objects, '>', 300, "fresh install: $objects catalog objects");

# the extension tables' data: rows and an md5 per table and sequence
my $data_sums = slurp_file("$FindBin::RealBin/../lib/extension_data.sql");

my $i = 0;
for my $version (@installable)
{
	$i++;
	my $db = "from_$i";
	$node->safe_psql('postgres', "CREATE DATABASE $db");
	$node->safe_psql($db, "CREATE EXTENSION domxfer VERSION '$version'");
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'domxfer'}),
		$version, "$version: installed");
	if ($version ne $latest)
	{
		isnt($node->safe_psql('postgres', qq{
SELECT path FROM pg_extension_update_paths('domxfer') WHERE source = '$version' AND target = '$latest'}),
			'', "$version: an update path to $latest exists");
	}
	# some data in the tables every version has
	$node->safe_psql($db, q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('upgrade-check.example', 'tap-registrar', '2020-01-01 00:00+00', '2030-01-01 00:00+00');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('upgrade-mail.example', 'tap-registrar', '2020-01-01 00:00+00', '2030-01-01 00:00+00', 'holder@example.com'),
	   ('upgrade-nbsp.example', 'tap-registrar', '2020-01-01 00:00+00', '2030-01-01 00:00+00', U&'holder@example.com\00A0');
UPDATE domxfer.tld_policy SET min_days_after_transfer = 61 WHERE tld = '*';
});
	# the data as of the old version's columns (an update may add columns
	# and tables: the rows' old columns must keep their values)
	# the rule codes the old version has: an update may add rule-set rows for
	# codes it adds (0.3.0: status_unreadable), never change the others
	my $old_codes = $node->safe_psql($db, q{SELECT to_regclass('domxfer.reason_codes') IS NOT NULL}) eq 't'
	  ? $node->safe_psql($db, q{SELECT string_agg(quote_literal(code), ',') FROM domxfer.reason_codes})
	  : "''";
	my $old_columns_sql = join("\nUNION ALL\n", map {
		my ($rel, $cols) = split /\|/, $_, 2;
		my $where = $rel eq 'domxfer.rule_sets' ? " WHERE code IN ($old_codes)" : '';
		"SELECT '$rel|' || count(*) || '|' || md5(coalesce(string_agg(ROW($cols)::text, '|' ORDER BY ROW($cols)::text COLLATE \"C\"), '')) FROM $rel$where"
	} split /\n/, $node->safe_psql($db, q{
SELECT c.oid::regclass::text || '|' || string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
  FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid)
  JOIN pg_class c ON c.oid = x.oid AND c.relkind = 'r'
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE e.extname = 'domxfer'
 GROUP BY c.oid ORDER BY c.oid::regclass::text}));
	if ($version ne $latest)
	{
		# the old version's rule functions still work with this library (its C symbols are kept)
		is($node->safe_psql($db, q{
SELECT string_agg(name || '=' || array_to_string(domxfer.transfer_out_blockers(d, '2025-01-01 00:00+00'), ',')
				  || '=' || domxfer.transfer_out_eligible(d, '2025-01-01 00:00+00')
				  || '=' || domxfer.transfer_window(d)::text, ' ' ORDER BY name)
  FROM domxfer.domains d}),
			'upgrade-check.example=registrant_email_invalid=false=["2020-03-01 00:00:00+00","2029-12-17 00:00:00+00") '
			. 'upgrade-mail.example==true=["2020-03-01 00:00:00+00","2029-12-17 00:00:00+00") '
			. 'upgrade-nbsp.example=registrant_email_invalid=false=["2020-03-01 00:00:00+00","2029-12-17 00:00:00+00")',
			"$version: its rule functions answer with the new library before the update");
	}
	my $before = $node->safe_psql($db, $old_columns_sql);
	my $before_all = $node->safe_psql($db, $data_sums);
	$node->safe_psql($db, 'ALTER EXTENSION domxfer UPDATE');
	is($node->safe_psql($db, q{SELECT extversion FROM pg_extension WHERE extname = 'domxfer'}),
		$latest, "$version: updated to $latest");
	my $upgraded = $node->safe_psql($db, $snapshot_sql);
	is($upgraded, $fresh, "$version -> $latest: the same $objects objects as a fresh install of $latest");
	if ($upgraded ne $fresh)
	{
		my %want = map { $_ => 1 } split /\n/, $fresh;
		my %got = map { $_ => 1 } split /\n/, $upgraded;
		diag "missing after update: $_" for grep { !$got{$_} } sort keys %want;
		diag "extra after update: $_" for grep { !$want{$_} } sort keys %got;
	}
	is($node->safe_psql($db, $old_columns_sql), $before,
		"$version -> $latest: the extension tables' data is unchanged in the columns $version has");
	if ($version ne $latest)
	{
		# R8's stored check is computed for the rows the old version had
		is($node->safe_psql($db, q{
SELECT string_agg(name || '=' || registrant_email_usable || '=' || (SELECT count(*) FROM unnest(domxfer.transfer_out_blockers(d, '2025-01-01 00:00+00')) AS b WHERE b = 'registrant_email_invalid'), ',' ORDER BY name)
  FROM domxfer.domains d}),
			'upgrade-check.example=false=1,upgrade-mail.example=true=0,upgrade-nbsp.example=false=1',
			"$version -> $latest: registrant_email_usable computed for the existing rows, and R8 reads it");
	}
	# (the sequences $version has; an update may add sequences of new tables)
	my %seq_before = map { $_ => 1 } grep { /_seq\|/ } split /\n/, $before_all;
	my %seq_names_before = map { (split /\|/)[0] => 1 } keys %seq_before;
	my @seq_after = grep { /_seq\|/ && $seq_names_before{(split /\|/)[0]} } split /\n/, $node->safe_psql($db, $data_sums);
	is(scalar(grep { !$seq_before{$_} } @seq_after), 0, "$version -> $latest: the sequences are unchanged");
}

# the snapshot notices a difference (it can fail): a changed function
# attribute, a dropped comment and a changed privilege are all seen
$node->safe_psql('postgres', 'CREATE DATABASE altered');
$node->safe_psql('altered', q{
CREATE EXTENSION domxfer;
ALTER FUNCTION domxfer.normalize_domain(text) VOLATILE;
COMMENT ON COLUMN domxfer.domains.unpaid IS NULL;
GRANT SELECT (auth_code_hash) ON domxfer.transfers TO domxfer_reader;
});
my %altered = map { $_ => 1 } split /\n/, $node->safe_psql('altered', $snapshot_sql);
my @changed = grep { !$altered{$_} } split /\n/, $fresh;
is(scalar(@changed), 3, 'the snapshot sees a changed volatility, a dropped comment and a new column privilege')
  or diag join("\n", @changed);

$node->stop;
done_testing();
