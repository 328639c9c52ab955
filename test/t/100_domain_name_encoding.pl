# Domain-name functions in databases that are not UTF8: the argument is
# converted to UTF-8 for ICU and the result back, and the DETAIL of a
# rejection writes non-ASCII characters as U+XXXX so it fits any encoding.
# The source is UTF-8 and compared byte for byte (no "use utf8").
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('domain_names');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'domxfer'");
$node->start;

foreach my $enc ('LATIN1', 'SQL_ASCII')
{
	my $db = lc $enc;
	$node->safe_psql('postgres',
		"CREATE DATABASE $db TEMPLATE template0 ENCODING '$enc' LC_COLLATE 'C' LC_CTYPE 'C'");
	$node->safe_psql($db, 'CREATE EXTENSION domxfer');
}

# Runs sql in db with a UTF8 client; returns (exit code, stdout, stderr).
sub run_sql
{
	my ($db, $sql) = @_;
	return $node->psql($db, "SET client_encoding = 'UTF8';\n\\set VERBOSITY verbose\n$sql");
}

my ($ret, $out, $err);

# LATIN1: every character involved exists in LATIN1.
($ret, $out) = run_sql('latin1', "SELECT domxfer.normalize_domain('Bücher.DE')");
is($out, 'xn--bcher-kva.de', 'LATIN1: normalize_domain of a name with ü');
($ret, $out) = run_sql('latin1', "SELECT domxfer.domain_to_unicode('xn--bcher-kva.de')");
is($out, 'bücher.de', 'LATIN1: domain_to_unicode back to ü');
($ret, $out) = run_sql('latin1', "SELECT domxfer.domain_tld('bücher.de.')");
is($out, 'de', 'LATIN1: domain_tld');

# LATIN1: A-labels of Chinese names work; their display form cannot exist.
($ret, $out) = run_sql('latin1', "SELECT domxfer.normalize_domain('XN--FIQ228C.com')");
is($out, 'xn--fiq228c.com', 'LATIN1: A-label of a Chinese name');
($ret, $out, $err) = run_sql('latin1', "SELECT domxfer.domain_to_unicode('xn--fiq228c.com')");
isnt($ret, 0, 'LATIN1: display form of a Chinese name fails');
like($err, qr/22P05: character with byte sequence .* has no equivalent in encoding "LATIN1"/,
	'LATIN1: ... with untranslatable_character, not a wrong answer');

# LATIN1: rejections keep SQLSTATE 22023; the DETAIL is plain ASCII.
($ret, $out, $err) = run_sql('latin1', "SELECT domxfer.normalize_domain('÷x.com')");
like($err, qr/ERROR:  22023: invalid domain name "÷x\.com"/, 'LATIN1: ÷ rejected with 22023');
like($err, qr/DETAIL:  Label "U\+00F7x" contains U\+00F7, a code point IDNA2008/,
	'LATIN1: DETAIL names the label in ASCII');
($ret, $out, $err) = run_sql('latin1', "SELECT domxfer.normalize_domain('a..com')");
like($err, qr/ERROR:  22023: .*\n.*DETAIL:  The name has an empty label/, 'LATIN1: empty label');

# SQL_ASCII: bytes pass through, and must be valid UTF-8.
($ret, $out) = run_sql('sql_ascii', "SELECT domxfer.normalize_domain('中文.COM.')");
is($out, 'xn--fiq228c.com', 'SQL_ASCII: UTF-8 bytes are taken as UTF-8');
($ret, $out) = run_sql('sql_ascii', "SELECT domxfer.domain_to_unicode('xn--fiq228c.com')");
is($out, '中文.com', 'SQL_ASCII: display form');
($ret, $out, $err) = run_sql('sql_ascii', "SELECT domxfer.normalize_domain(E'\\xff.com')");
like($err, qr/22021: invalid byte sequence for encoding "UTF8"/,
	'SQL_ASCII: bytes that are not UTF-8 are rejected');

# The server is still fine after all that.
is($node->safe_psql('latin1', 'SELECT 1'), '1', 'server still answers');

$node->stop;
done_testing();
