# The registry link (SPEC §8) against real EPP messages: every file of
# test/epp/corpus/ (collected from EPP client libraries, registry software
# test suites and registries' documentation; sources in its README.md) is
# applied with apply_registry_message, in a transaction of its own that is
# rolled back, and must give the fields, result, transfer state and sponsor
# that test/epp/corpus/expected.tsv lists; the same message again is a
# duplicate that changes nothing, a state change writes exactly one
# transfer_events row, and no stored message holds an <authInfo> secret.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $corpus = "$FindBin::RealBin/../epp/corpus";

my $node = PostgreSQL::Test::Cluster->new('registry_corpus');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE corpus');
$node->safe_psql('corpus', 'CREATE EXTENSION domxfer');
# SPEC §8: registry notices apply only to registry-managed TLDs (the others
# answer invalid, 55000, checked in sql/registry.sql): every TLD here is one.
$node->safe_psql('corpus', 'UPDATE domxfer.tld_policy SET registry_transfers = true');

sub quote { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }
sub nullable { my ($s) = @_; return $s eq '-' ? 'NULL' : quote($s); }

my @rows;
open(my $fh, '<:encoding(UTF-8)', "$corpus/expected.tsv") or die "expected.tsv: $!";
while (my $line = <$fh>)
{
	chomp $line;
	next if $line =~ /^#/ || $line eq '';
	my @f = split /\t/, $line, -1;
	die "expected.tsv: 15 columns expected: $line" unless @f == 15;
	push @rows, \@f;
}
close $fh;

my %listed = map { $_->[0] => 1 } @rows;
opendir(my $dh, $corpus) or die;
my @files = sort grep { /\.xml$/ } readdir $dh;
closedir $dh;
cmp_ok(scalar @files, '>=', 20, scalar(@files) . ' corpus messages (at least 20)');
is_deeply([ grep { !$listed{$_} } @files ], [], 'every corpus file has a row in expected.tsv');
my %tr_statuses = map { $_->[5] => 1 } grep { $_->[3] ne 'invalid' } @rows;
is_deeply([ sort grep { $_ ne '-' } keys %tr_statuses ],
	[qw(clientApproved clientCancelled clientRejected pending serverApproved serverCancelled)],
	'the corpus has every RFC 5731 trStatus');

for my $row (@rows)
{
	my ($file, $us, $sponsor, $result, $name, $tr_status, $re_id, $re_date, $ac_id, $ac_date,
		$ex_date, $msgq_id, $sqlstate, $state_after, $sponsor_after) = @$row;
	my $body = slurp_file("$corpus/$file");
	utf8::decode($body);
	my $domain = $sponsor eq '-' ? '' : qq{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES (} . quote($name) . ', ' . quote($sponsor) . q{, '1990-01-01Z', '2100-01-01Z', 'holder@example.net');};
	my $utc = sub { my ($col) = @_; return "coalesce(to_char($col AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), '-')"; };
	my $out = $node->safe_psql('corpus', qq{
BEGIN;
SET LOCAL domxfer.registrar_id = } . quote($us) . qq{;
$domain
CREATE TEMP TABLE a ON COMMIT DROP AS SELECT * FROM domxfer.apply_registry_message(} . quote($body) . qq{);
CREATE TEMP TABLE b ON COMMIT DROP AS SELECT * FROM domxfer.apply_registry_message(} . quote($body) . qq{);
SELECT concat_ws('|', a.result, coalesce(a.domain_name, '-'), coalesce(a.tr_status, '-'),
		coalesce(m.re_id, '-'), } . $utc->('m.re_date') . q{, coalesce(m.ac_id, '-'), } . $utc->('m.ac_date') . q{,
		} . $utc->('m.ex_date') . q{, coalesce(m.msgq_id, '-'), coalesce(m.sqlstate, '-'),
		coalesce(t.state::text, '-'),
		coalesce((SELECT d.sponsoring_registrar FROM domxfer.domains d WHERE d.name = a.domain_name), '-'),
		b.result, b.message_id = a.message_id,
		(SELECT count(*) FROM domxfer.transfer_events e WHERE e.transfer_id = a.transfer_id),
		(SELECT count(*) FROM domxfer.registry_messages),
		m.message = } . quote($body) . q{ OR m.authinfo_removed,
		coalesce(m.message, '') !~ '<[a-z]+:pw>[^<]')
  FROM a CROSS JOIN b
  JOIN domxfer.registry_messages m ON m.id = a.message_id
  LEFT JOIN domxfer.transfers t ON t.id = a.transfer_id;
ROLLBACK;
});
	my ($got_result, $got_name, $got_status, $got_re_id, $got_re_date, $got_ac_id, $got_ac_date,
		$got_ex_date, $got_msgq, $got_sqlstate, $got_state, $got_sponsor, $again, $same_id, $events,
		$stored, $verbatim, $no_secret) = split /\|/, $out, -1;
	my $ts = sub { my ($t) = @_; return '-' if $t eq '-'; $t .= '.' unless $t =~ /\./; $t .= '0' x (26 - length $t); return $t; };
	is($got_result, $result, "$file: result $result");
	is_deeply([ $got_name, $got_status, $got_re_id, $got_re_date, $got_ac_id, $got_ac_date, $got_ex_date,
				$got_msgq, $got_sqlstate ],
		[ $name, $tr_status, $re_id, $ts->($re_date), $ac_id, $ts->($ac_date), $ts->($ex_date), $msgq_id, $sqlstate ],
		"$file: fields read (name, trStatus, reID, reDate, acID, acDate, exDate, msgQ id, SQLSTATE)");
	is_deeply([ $got_state, $got_sponsor ], [ $state_after, $sponsor_after ],
		"$file: transfer $state_after, sponsor $sponsor_after");
	is_deeply([ $again, $same_id, $stored ], [ 'duplicate', 't', '1' ],
		"$file: applied again it is a duplicate of the same stored message");
	is($events, $state_after eq '-' ? '0' : '1', "$file: one transfer_events row per state change");
	is_deeply([ $verbatim, $no_secret ], [ 't', 't' ], "$file: stored verbatim, or without its <authInfo>");
}

# The message with <authInfo>: what the reader sees holds no secret.
my $info = slurp_file("$corpus/nomulus-domain-info-authinfo.xml");
like($info, qr/<domain:pw>2fooBAR</, 'the info response carries an auth code');
$node->safe_psql('corpus', 'SELECT domxfer.apply_registry_message(' . quote($info) . ')');
is($node->safe_psql('corpus', q{
SET ROLE domxfer_reader;
SELECT count(*) FROM domxfer.registry_messages WHERE message LIKE '%2fooBAR%' OR message LIKE '%<domain:authInfo>%<%'}),
	'0', 'the reader finds no auth code in registry_messages');
is($node->safe_psql('corpus', q{
SELECT authinfo_removed AND message LIKE '%<domain:authInfo/>%' FROM domxfer.registry_messages}),
	't', 'the stored message keeps an empty <authInfo/>');

$node->stop;
done_testing();
