# Every registry command domxfer writes validates against the registry's
# schemas (SPEC §8, 0.3.0; issue 17): xmllint against the RFC 5730/5731
# XSDs collected in test/epp/xsd/ (sources in its README.md) for a TLD whose
# registry speaks IETF EPP, and against a registry's own schemas for TLDs
# whose registry uses its own EPP and domain namespaces: learned from its
# messages (NASK's epp-2.1/domain-2.1, the namespaces of the corpus message
# netdri-pl-nask-pending.xml) or set in tld_policy (the pre-RFC urn:iana
# family). A registry's own schemas are the RFC ones under its namespaces,
# as NASK's are derived from them; the test makes them from the collected
# XSDs. Controls show the check can fail: the document 0.2.0 wrote for such
# a registry (IETF <epp> around the registry's domain namespace) is refused
# with the strict-wildcard error the issue quotes, and so is a command in
# the IETF namespaces against the registry's schemas.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $top = "$FindBin::RealBin/../..";
my $xsd = "$FindBin::RealBin/../epp/xsd";
my $corpus = "$FindBin::RealBin/../epp/corpus";
my ($xmllint) = grep { -x $_ } map { "$_/xmllint" } (split(/:/, $ENV{PATH} // ''), '/usr/bin', '/bin');
BAIL_OUT('xmllint not found: scripts/install-deps.sh installs libxml2-utils') unless $xmllint;

my $tmp = PostgreSQL::Test::Utils::tempdir;

# a schema set: the four collected XSDs with the EPP and domain namespaces
# replaced, and an all.xsd that imports them (xmllint takes one schema)
sub schema_set
{
	my ($dir, $epp_ns, $domain_ns) = @_;
	mkdir "$tmp/$dir" or die "$dir: $!";
	for my $f (qw(epp-1.0.xsd eppcom-1.0.xsd domain-1.0.xsd host-1.0.xsd))
	{
		my $text = slurp_file("$xsd/$f");
		$text =~ s/urn:ietf:params:xml:ns:epp-1\.0/$epp_ns/g;
		$text =~ s/urn:ietf:params:xml:ns:domain-1\.0/$domain_ns/g;
		open(my $out, '>', "$tmp/$dir/$f") or die "$f: $!";
		print $out $text;
		close $out;
	}
	open(my $all, '>', "$tmp/$dir/all.xsd") or die "all.xsd: $!";
	print $all qq{<?xml version="1.0" encoding="UTF-8"?>
<schema xmlns="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:domxfer:test:all" elementFormDefault="qualified">
  <import namespace="$epp_ns" schemaLocation="epp-1.0.xsd"/>
  <import namespace="$domain_ns" schemaLocation="domain-1.0.xsd"/>
</schema>
};
	close $all;
	return "$tmp/$dir/all.xsd";
}

my $ietf = schema_set('ietf', 'urn:ietf:params:xml:ns:epp-1.0', 'urn:ietf:params:xml:ns:domain-1.0');
my $nask = schema_set('nask', 'http://www.dns.pl/nask-epp-schema/epp-2.1', 'http://www.dns.pl/nask-epp-schema/domain-2.1');
my $iana = schema_set('iana', 'urn:iana:xml:ns:epp-1.0', 'urn:iana:xml:ns:domain-1.0');

my $n = 0;
# (ok, xmllint's output) of one document against one schema set
sub validate
{
	my ($xml, $schema) = @_;
	$n++;
	my $file = "$tmp/command-$n.xml";
	open(my $out, '>', $file) or die "$file: $!";
	print $out $xml;
	close $out;
	my ($stdout, $stderr);
	my $ok = IPC::Run::run([ $xmllint, '--noout', '--nonet', '--schema', $schema, $file ], '>', \$stdout, '2>', \$stderr);
	return ($ok, $stderr);
}

# the collected schemas themselves: a valid RFC 5731 example passes, a
# broken one does not (the schema set is really applied)
my ($ok, $err) = validate(q{<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="approve">
<domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name></domain:transfer>
</transfer><clTRID>ABC-12345</clTRID></command></epp>}, $ietf);
ok($ok, 'RFC 5731 §3.2.4 example (transfer approve) validates against the collected XSDs') or diag($err);
($ok, $err) = validate(q{<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><transfer op="approve">
<domain:transfer xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:nom>example.com</domain:nom></domain:transfer>
</transfer><clTRID>ABC-12345</clTRID></command></epp>}, $ietf);
ok(!$ok, 'a command with a misspelt element is refused by the collected XSDs');

my $node = PostgreSQL::Test::Cluster->new('registry_command_xsd');
$node->init;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
});
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE xsd');
my $db = 'xsd';
$node->safe_psql($db, 'CREATE EXTENSION domxfer');
$node->safe_psql($db, q{
INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true), ('pl', true);
INSERT INTO domxfer.tld_policy (tld, registry_transfers, registry_epp_namespace, registry_domain_namespace)
VALUES ('shop', true, 'urn:iana:xml:ns:epp-1.0', 'urn:iana:xml:ns:domain-1.0');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', '2200-01-01', 'holder@example.org'
  FROM unnest(ARRAY['approve.test', 'reject.test', 'approve.pl', 'reject.pl', 'approve.shop', 'reject.shop',
				   'hold.test', 'hold.pl']) AS n;
});

# the registry's pending notice: for .test and .shop the nomulus shape in
# IETF namespaces, for .pl NASK's own message from the corpus
my $nask_pending = slurp_file("$corpus/netdri-pl-nask-pending.xml");
sub pending
{
	my ($name) = @_;
	my $xml;
	if ($name =~ /\.pl$/)
	{
		$xml = $nask_pending;
		$xml =~ s/syhosting\.pl/$name/;
		$xml =~ s/irgendwas/tap-registrar/;
		$xml =~ s/8308/q-$name/;
		$xml =~ s/2008-05-18T07:03:35\.487Z/2099-01-06T00:00:00Z/;
		$xml =~ s/2008-04-18T07:03:35\.487Z/2099-01-01T00:00:00Z/;
	}
	else
	{
		$xml = qq{<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack to dequeue</msg></result>
<msgQ count="1" id="q-$name"/><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
<domain:name>$name</domain:name><domain:trStatus>pending</domain:trStatus><domain:reID>gaining-reg</domain:reID>
<domain:reDate>2099-01-01T00:00:00Z</domain:reDate><domain:acID>tap-registrar</domain:acID>
<domain:acDate>2099-01-06T00:00:00Z</domain:acDate></domain:trnData></resData>
<trID><svTRID>sv-$name</svTRID></trID></response></epp>};
	}
	$xml =~ s/'/''/g;
	return $node->safe_psql($db, "SELECT result FROM domxfer.apply_registry_message('$xml')");
}
for my $name (qw(approve.test reject.test approve.pl reject.pl approve.shop reject.shop hold.test hold.pl))
{
	is(pending($name), 'applied', "$name: the registry's pending notice is applied");
}
is($node->safe_psql($db, q{SELECT string_agg(DISTINCT epp_namespace, ' ') FROM domxfer.registry_messages WHERE domain_name LIKE '%.pl'}),
	'http://www.dns.pl/nask-epp-schema/epp-2.1', 'the EPP namespace of NASK\'s messages is stored');

# the holder's answers and a blocking rule as of acDate: approve, reject,
# and a reject with the rule's reason codes
$node->safe_psql($db, q{
SELECT domxfer.approve_transfer_out(t.id) FROM domxfer.transfers t WHERE t.domain_name LIKE 'approve.%';
SELECT domxfer.cancel_transfer_out(t.id) FROM domxfer.transfers t WHERE t.domain_name LIKE 'reject.%';
UPDATE domxfer.domains SET legal_hold = true WHERE name LIKE 'hold.%';
SELECT domxfer.process_due_transfers();
});
my %want = (test => [ $ietf, 'urn:ietf:params:xml:ns:epp-1.0' ],
			pl => [ $nask, 'http://www.dns.pl/nask-epp-schema/epp-2.1' ],
			shop => [ $iana, 'urn:iana:xml:ns:epp-1.0' ]);
my $claimed = $node->safe_psql($db, q{
SELECT string_agg(c.domain_name || E'\t' || c.op || E'\t' || replace(c.xml, E'\n', ' '), E'\n' ORDER BY c.command_id)
  FROM domxfer.claim_registry_commands(100) c});
my @commands = split /\n/, $claimed;
is(scalar @commands, 8, '8 commands claimed (approve and reject per TLD, two legal-hold rejects)');
my %ops;
for my $c (@commands)
{
	my ($name, $op, $xml) = split /\t/, $c;
	my ($tld) = $name =~ /\.([a-z]+)$/;
	$ops{"$tld $op"}++;
	my ($schema, $epp_ns) = @{ $want{$tld} };
	like($xml, qr/<epp xmlns="\Q$epp_ns\E">/, "$name $op: written in the registry's EPP namespace");
	($ok, $err) = validate($xml, $schema);
	ok($ok, "$name $op: validates against its registry's schemas") or diag("$err\n$xml");
	next if $tld eq 'test';
	# controls: the same command in IETF namespaces, and the 0.2.0 document
	# (IETF root around the registry's domain namespace), are refused
	my $ietf_xml = $xml;
	$ietf_xml =~ s/\Q$epp_ns\E/urn:ietf:params:xml:ns:epp-1.0/;
	my $ietf_domain = $ietf_xml;
	$ietf_domain =~ s/xmlns:domain="[^"]*"/xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"/;
	($ok, $err) = validate($ietf_domain, $schema);
	ok(!$ok, "$name $op control: the command in IETF namespaces is refused by the registry's schemas");
	($ok, $err) = validate($ietf_xml, $schema);
	ok(!$ok, "$name $op control: 0.2.0's document (IETF <epp> around the registry's domain namespace) is refused");
	like($err, qr/No matching global element declaration available, but demanded by the strict wildcard|No matching global declaration available for the validation root/,
		"$name $op control: with the error registries give");
}
is_deeply(\%ops, { 'test approve' => 1, 'test reject' => 2, 'pl approve' => 1, 'pl reject' => 2,
				   'shop approve' => 1, 'shop reject' => 1 }, 'every op of every TLD was validated');

# 0.3.0 (RFC 9154 §4): the code at the registry. The EPP client (this
# test) answers the commands it holds, then codes issued for each TLD queue
# set_auth_info, whose <domain:pw> holds the placeholder the client replaces
# with the code it decrypts (XML-escaped), and a cancel queues
# unset_auth_info (<domain:null/>): both validate against the registry's
# schemas, in its namespaces learned from its messages for the TLD (.pl) or
# set in tld_policy (.shop).
$node->safe_psql($db, q{
SELECT domxfer.record_registry_response(c.id, 1000, 'SRV-' || c.id) FROM domxfer.registry_commands c WHERE c.state = 'claimed';
CREATE EXTENSION pgcrypto;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', '2200-01-01', 'holder@example.org'
  FROM unnest(ARRAY['code.test', 'code.pl', 'code.shop']) AS n;
});
my $gpghome = "$tmp/gnupg";
mkdir $gpghome, 0700 or die "$gpghome: $!";
open(my $params, '>', "$gpghome/params") or die "params: $!";
print $params "%no-protection\nKey-Type: RSA\nKey-Length: 2048\nSubkey-Type: RSA\nSubkey-Length: 2048\nName-Real: domxfer EPP client\nName-Email: epp\@example.net\nExpire-Date: 0\n%commit\n";
close $params;
my ($gout, $gerr);
IPC::Run::run([ 'gpg', '--homedir', $gpghome, '--batch', '--quiet', '--gen-key', "$gpghome/params" ], '>', \$gout, '2>', \$gerr)
  or die "gpg --gen-key: $gerr";
my $public_key;
IPC::Run::run([ 'gpg', '--homedir', $gpghome, '--batch', '--armor', '--export', 'epp@example.net' ], '>', \$public_key, '2>', \$gerr)
  or die "gpg --export: $gerr";
my $secret_key;
IPC::Run::run([ 'gpg', '--homedir', $gpghome, '--batch', '--armor', '--export-secret-keys', 'epp@example.net' ], '>', \$secret_key, '2>', \$gerr)
  or die "gpg --export-secret-keys: $gerr";
$node->safe_psql($db, "SELECT domxfer.set_registry_client_public_key(\$k\$$public_key\$k\$)");
my %codes = map { my $n = $_; ($n => $node->safe_psql($db, "SELECT auth_code FROM domxfer.request_transfer_out('$n')")) }
  qw(code.test code.pl code.shop);
# the client's side: claim, decrypt (pgcrypto with the client's secret key,
# here in the same database), replace the placeholder
sub claim_auth_commands
{
	my $rows = $node->safe_psql($db, qq{
SELECT string_agg(c.command_id || E'\\t' || c.domain_name || E'\\t' || c.op || E'\\t'
				  || coalesce(convert_from(pgp_pub_decrypt_bytea(c.auth_info, dearmor(\$k\$$secret_key\$k\$)), 'UTF8'), '-')
				  || E'\\t' || replace(c.xml, E'\\n', ' '), E'\\n' ORDER BY c.command_id)
  FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name LIKE 'code.%'});
	return map { [ split /\t/ ] } split /\n/, $rows;
}
my %auth_ops;
for my $round (1, 2)
{
	my @claimed = claim_auth_commands();
	is(scalar @claimed, 3, "round $round: one command per domain claimed");
	for my $c (@claimed)
	{
		my ($id, $name, $op, $code, $xml) = @$c;
		my ($tld) = $name =~ /\.([a-z]+)$/;
		$auth_ops{"$tld $op"}++;
		my ($schema, $epp_ns) = @{ $want{$tld} };
		unlike($xml, qr/\Q$codes{$name}\E/, "$name $op: the command XML holds no code");
		if ($op eq 'set_auth_info')
		{
			is($code, $codes{$name}, "$name set_auth_info: auth_info decrypts to the code request_transfer_out returned");
			like($xml, qr{<domain:pw>\@domxfer\.auth_info\@</domain:pw>}, "$name set_auth_info: the placeholder in <domain:pw>");
			# a sample code with every character XML escapes, as the client must
			my $sample = 'Ab1<&>"\'x';
			(my $escaped = $sample) =~ s/&/&amp;/g;
			$escaped =~ s/</&lt;/g;
			$escaped =~ s/>/&gt;/g;
			$escaped =~ s/"/&quot;/g;
			$xml =~ s/\@domxfer\.auth_info\@/$escaped/;
		}
		else
		{
			is($code, '-', "$name $op: no auth_info");
			like($xml, qr{<domain:authInfo>\s*<domain:null/>\s*</domain:authInfo>}, "$name $op: <domain:null/> (RFC 9154 §4.3)");
		}
		like($xml, qr/<epp xmlns="\Q$epp_ns\E">/, "$name $op: written in the registry's EPP namespace");
		($ok, $err) = validate($xml, $schema);
		ok($ok, "$name $op: validates against its registry's schemas") or diag("$err\n$xml");
		if ($tld ne 'test')
		{
			my $ietf_xml = $xml;
			$ietf_xml =~ s/\Q$epp_ns\E/urn:ietf:params:xml:ns:epp-1.0/;
			$ietf_xml =~ s/xmlns:domain="[^"]*"/xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"/;
			($ok, $err) = validate($ietf_xml, $schema);
			ok(!$ok, "$name $op control: the command in IETF namespaces is refused by the registry's schemas");
		}
		$node->safe_psql($db, "SELECT domxfer.record_registry_response($id, 1000, 'SRV-$id')");
	}
	# the holder withdraws: unset_auth_info
	$node->safe_psql($db, q{SELECT domxfer.cancel_transfer_out(t.id) FROM domxfer.transfers t WHERE t.domain_name LIKE 'code.%' AND t.state = 'auth_code_issued'})
	  if $round == 1;
}
is_deeply(\%auth_ops, { map { ("$_ set_auth_info" => 1, "$_ unset_auth_info" => 1) } qw(test pl shop) },
	'set_auth_info and unset_auth_info validated for every TLD');
# the registry accepted every code: no ciphertext is left
is($node->safe_psql($db, q{SELECT count(*) FROM domxfer.registry_commands WHERE domain_name LIKE 'code.%' AND auth_info IS NOT NULL}),
	'0', 'every ciphertext was wiped when the registry accepted the code');

# a policy set later wins over what was learned, for commands queued after it
$node->safe_psql($db, q{
UPDATE domxfer.tld_policy SET registry_epp_namespace = 'urn:iana:xml:ns:epp-1.0',
	   registry_domain_namespace = 'urn:iana:xml:ns:domain-1.0' WHERE tld = 'pl';
UPDATE domxfer.domains SET legal_hold = true WHERE name = 'approve.pl';
});
is($node->safe_psql($db, q{SELECT count(*) FROM domxfer.registry_commands WHERE domain_name = 'approve.pl' AND op = 'reject'}), '0',
	'approve.pl: no reject yet');
$node->safe_psql($db, 'SELECT domxfer.process_due_transfers()');
my $xml = $node->safe_psql($db, q{SELECT c.xml FROM domxfer.claim_registry_commands(100) c WHERE c.domain_name = 'approve.pl' AND c.op = 'reject'});
like($xml, qr/<epp xmlns="urn:iana:xml:ns:epp-1\.0">/, 'approve.pl reject: tld_policy.registry_epp_namespace wins');
($ok, $err) = validate($xml, $iana);
ok($ok, 'approve.pl reject: validates against the namespaces set in tld_policy') or diag($err);

# bad namespaces are refused by the policy table
my ($rc, $out, $perr) = $node->psql($db, q{UPDATE domxfer.tld_policy SET registry_epp_namespace = 'not a uri' WHERE tld = 'pl'});
like($perr, qr/tld_policy_registry_epp_namespace_form/, 'tld_policy: a namespace that is not a URI is refused');
($rc, $out, $perr) = $node->psql($db, q{UPDATE domxfer.tld_policy SET registry_domain_namespace = 'urn:x:"><evil' WHERE tld = 'pl'});
like($perr, qr/tld_policy_registry_domain_namespace_form/, 'tld_policy: a namespace with markup is refused');

$node->stop;
done_testing();
