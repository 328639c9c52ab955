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

# The extension's tables and sequences with their columns, one per line:
# "relation|relkind|col,col,...".
my $columns_sql = q{
SELECT c.oid::regclass::text || '|' || c.relkind::text || '|'
	   || coalesce((SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) FROM pg_attribute a
					 WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '')
  FROM pg_extension e CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid) JOIN pg_class c ON c.oid = x.oid
 WHERE e.extname = 'domxfer' ORDER BY c.oid::regclass::text};

# A query giving "relation|rows|md5" (as test/lib/extension_data.sql) of
# these relations, reading only these columns.
sub data_sums_of
{
	my ($columns) = @_;
	my @parts;
	for my $line (split /\n/, $columns)
	{
		my ($rel, $kind, $cols) = split /\|/, $line, 3;
		push @parts, $kind eq 'S'
		  ? "SELECT '$rel|1|' || md5(last_value::text || ',' || is_called::text) FROM $rel"
		  : "SELECT '$rel|' || count(*) || '|' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text COLLATE \"C\"), '')) FROM (SELECT $cols FROM $rel) AS t";
	}
	return join("\nUNION ALL\n", @parts);
}

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
UPDATE domxfer.tld_policy SET min_days_after_transfer = 61 WHERE tld = '*';
});
	# the data of the tables and columns this version has, compared after
	# the update (which may add tables and columns, never change data)
	my $old_data_sums = data_sums_of($node->safe_psql($db, $columns_sql));
	my $before = $node->safe_psql($db, $old_data_sums);
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
	is($node->safe_psql($db, $old_data_sums), $before, "$version -> $latest: the extension tables' data is unchanged");
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
