# No failing lifecycle call puts an auth code into the server log at default
# logging settings, whatever its SQLSTATE: a wrong code (28P01), an unknown
# domain (P0002), a bad gaining registrar (22023), a lock timeout (55P03), a
# statement timeout and a cancel (57014), each called by a role that is not a
# superuser with the code as a literal in the statement. Controls show that
# the grep finds a code that is logged: a plain failing SELECT, and the same
# wrong-code call with the function's setting removed. pg_stat_statements
# keeps the normalized statement ($n), not the code. auto_explain with
# log_nested_statements and log_verbose (on for the side transaction that
# compares the code) prints the plan of the comparison without the code.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
# default statement logging (TAP servers log every statement otherwise)
my $node = new_domxfer_node('secrets', conf => q{
log_statement = none
log_min_error_statement = error
shared_preload_libraries = 'domxfer,pg_stat_statements,auto_explain'
auto_explain.log_min_duration = 0
auto_explain.log_nested_statements = on
auto_explain.log_verbose = on
});
$node->safe_psql($db, q{
CREATE EXTENSION pg_stat_statements;
CREATE ROLE app LOGIN IN ROLE domxfer_app;
GRANT pg_read_all_stats TO app;
-- the client's own statements unexplained: a completed call's text holds
-- its (then used) code; the side transaction's plans are explained
ALTER ROLE app SET auto_explain.log_min_duration = -1;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'sec' || i || '.example', 'tap-registrar', now() - interval '400 days',
       now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, 6) AS i;
});
is($node->safe_psql($db, "SELECT rolsuper FROM pg_roles WHERE rolname = 'app'"), 'f',
	'the caller is not a superuser');
for my $i (1 .. 6)
{
	$node->safe_psql($db, "SELECT auth_code FROM domxfer.request_transfer_out('sec$i.example')",
		extra_params => [ '-U', 'app' ]);
}
my $from = -s $node->logfile;

# Runs SQL as app with verbose errors; returns psql's stderr.
sub as_app
{
	my ($sql) = @_;
	my ($ret, $out, $err) = $node->psql($db, "\\set VERBOSITY verbose\n$sql",
		extra_params => [ '-U', 'app' ]);
	return $err;
}

# (1) the failing calls, each checked for its SQLSTATE
like(as_app(q{SELECT domxfer.receive_transfer_request('sec1.example', 'LEAKwrongcode0001', 'gainer')}),
	qr/ERROR:  28P01/, 'a wrong code fails with 28P01');
like(as_app(q{SELECT domxfer.receive_transfer_request('nosuch.example', 'LEAKunknowndomain0002', 'gainer')}),
	qr/ERROR:  P0002/, 'an unknown domain fails with P0002');
like(as_app(q{SELECT domxfer.receive_transfer_request('sec1.example', 'LEAKbadregistrar0003', '')}),
	qr/ERROR:  22023/, 'an empty gaining registrar fails with 22023');
like(as_app(q{SELECT domxfer.receive_transfer_request('sec1.example', 'LEAKourregistrar0004', 'tap-registrar')}),
	qr/ERROR:  22023/, 'the registrar itself as gaining registrar fails with 22023');

# a transaction holding the transfer of sec2 makes the calls wait
my $holder = $node->background_psql($db);
$holder->query_safe(q{BEGIN; SELECT 1 FROM domxfer.transfers WHERE domain_name = 'sec2.example' FOR UPDATE});
like(as_app(q{SET lock_timeout = '200ms';
SELECT domxfer.receive_transfer_request('sec2.example', 'LEAKlocktimeout0005', 'gainer')}),
	qr/ERROR:  55P03/, 'a lock timeout while the call waits fails with 55P03');
like(as_app(q{SET statement_timeout = '300ms';
SELECT domxfer.receive_transfer_request('sec2.example', 'LEAKstatementtimeout0006', 'gainer')}),
	qr/ERROR:  57014: canceling statement due to statement timeout/,
	'a statement timeout while the call runs fails with 57014');

my $canceled = $node->background_psql($db, on_error_stop => 0, extra_params => [ '-U', 'app' ]);
my $canceled_pid = $canceled->query_safe('SELECT pg_backend_pid()');
$canceled->query_until(qr/calling/, q{
\set VERBOSITY verbose
\echo calling
SELECT domxfer.receive_transfer_request('sec2.example', 'LEAKcancel0007', 'gainer');
});
$node->poll_query_until($db, "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $canceled_pid")
  or die 'the call did not wait for the lock';
$node->safe_psql($db, "SELECT pg_cancel_backend($canceled_pid)");
my ($out, $failed) = $canceled->query('SELECT 1');
like($canceled->{stderr} . ($out // ''), qr/57014: canceling statement due to user request|^1$/m,
	'the canceled call ended');
$canceled->quit;
$holder->query_safe('ROLLBACK');
$holder->quit;
like(slurp_file($node->logfile, $from), qr/canceling statement due to user request/,
	'the cancel itself was logged');

# a right code with a literal succeeds (pg_stat_statements keeps it normalized)
$node->safe_psql($db, q{
CREATE TABLE public.code_of AS SELECT * FROM domxfer.reissue_auth_code(
  (SELECT open_transfer_id FROM domxfer.domains WHERE name = 'sec3.example')) AS c(code)});
my $code = $node->safe_psql($db, 'SELECT code FROM public.code_of');
like($code, qr/^[A-Za-z0-9]{22}$/, 'a fresh code for sec3');
is(as_app("SELECT domxfer.receive_transfer_request('sec3.example', '$code', 'gainer')"), '',
	'the right code as a literal succeeds');

# (2) the log holds none of the codes
my $log = slurp_file($node->logfile, $from);
for my $leak (qw(LEAKwrongcode0001 LEAKunknowndomain0002 LEAKbadregistrar0003
	LEAKourregistrar0004 LEAKlocktimeout0005 LEAKstatementtimeout0006 LEAKcancel0007))
{
	unlike($log, qr/$leak/, "$leak is not in the server log");
}
unlike($log, qr/\Q$code\E/, 'the right code is not in the server log');
like($log, qr/ERROR:  invalid auth code for domain "sec1.example"/,
	'the errors themselves are logged (message, without the statement)');
like($log, qr/Output: \(domxfer\._check_auth_code\(\$1, \$2, \$3, \$4\)\)/,
	'auto_explain printed the side transaction\'s plan, with parameters, not the code');

# (3) controls: the grep finds a code that is logged
as_app(q{SELECT 'LEAKcontrol0008'::integer});
$log = slurp_file($node->logfile, $from);
like($log, qr/STATEMENT:  SELECT 'LEAKcontrol0008'::integer/,
	'control: a plain failing SELECT is logged with its statement');
$node->safe_psql($db,
	'ALTER FUNCTION domxfer.receive_transfer_request(text, text, text) RESET log_min_error_statement');
like(as_app(q{SELECT domxfer.receive_transfer_request('sec4.example', 'LEAKunprotected0009', 'gainer')}),
	qr/ERROR:  28P01/, 'control: a wrong code without the function setting');
like(slurp_file($node->logfile, $from), qr/STATEMENT:  .*LEAKunprotected0009/,
	'control: without the function setting the code is logged');
$node->safe_psql($db,
	'ALTER FUNCTION domxfer.receive_transfer_request(text, text, text) SET log_min_error_statement = panic');

# (4) pg_stat_statements stores the statement normalized
my $stats = $node->safe_psql($db, q{
SELECT string_agg(query, E'\n') FROM pg_stat_statements WHERE query LIKE '%receive_transfer_request%'});
like($stats, qr/receive_transfer_request\(\$1, \$2, \$3\)/,
	'pg_stat_statements keeps receive_transfer_request with $n placeholders');
unlike($node->safe_psql($db, 'SELECT string_agg(query, E\'\n\') FROM pg_stat_statements'),
	qr/LEAK|\Q$code\E/, 'pg_stat_statements holds no code');

# (5) apply_registry_message: a registry message may carry <authInfo><pw>;
# its errors (54000 over 1 MB, 22004 for NULL) do not log the statement
sub big_message
{
	my ($pw) = @_;
	return q{<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result>
<resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>sec5.example</domain:name>
<domain:authInfo><domain:pw>} . $pw . q{</domain:pw></domain:authInfo>
</domain:trnData></resData></response></epp><!-- } . ('x' x (1100 * 1024)) . q{ -->};
}
$from = -s $node->logfile;
like(as_app('SELECT domxfer.apply_registry_message(' . "'" . big_message('LEAKregistrypw0010') . "'" . ')'),
	qr/ERROR:  54000/, 'a 1.1 MB registry message fails with 54000');
like(as_app('SELECT domxfer.apply_registry_message(NULL)'),
	qr/ERROR:  22004/, 'a NULL registry message fails with 22004');
$log = slurp_file($node->logfile, $from);
like($log, qr/ERROR:  registry message is too long/, 'the 54000 error itself is logged');
unlike($log, qr/LEAKregistrypw0010/, 'the pw of the too long message is not in the server log');
unlike($log, qr/STATEMENT:  SELECT domxfer\.apply_registry_message/,
	'no apply_registry_message statement is in the server log');
# control: without the function setting the same call logs the pw
$node->safe_psql($db,
	'ALTER FUNCTION domxfer.apply_registry_message(text) RESET log_min_error_statement');
like(as_app('SELECT domxfer.apply_registry_message(' . "'" . big_message('LEAKregistryunprotected0011') . "'" . ')'),
	qr/ERROR:  54000/, 'control: the too long message without the function setting');
like(slurp_file($node->logfile, $from), qr/STATEMENT:  SELECT domxfer\.apply_registry_message\(.*LEAKregistryunprotected0011/s,
	'control: without the function setting the pw is logged');
$node->safe_psql($db,
	'ALTER FUNCTION domxfer.apply_registry_message(text) SET log_min_error_statement = panic');

# (6) the code at the registry (SPEC §8 0.3.0): issuing a code for a
# registry-managed TLD encrypts it for the EPP client inside the call (a
# nested statement with the code as a parameter, which auto_explain
# explains here); neither that nor a call that fails after the code was
# made (the key unusable; no key) puts a code in the log
my $gpghome = PostgreSQL::Test::Utils::tempdir . '/gnupg';
mkdir $gpghome, 0700 or die "$gpghome: $!";
open(my $params, '>', "$gpghome/params") or die "params: $!";
print $params "%no-protection\nKey-Type: RSA\nKey-Length: 2048\nSubkey-Type: RSA\nSubkey-Length: 2048\nName-Real: domxfer EPP client\nName-Email: epp\@example.net\nExpire-Date: 0\n%commit\n";
close $params;
my ($gout, $gerr, $public_key);
IPC::Run::run([ 'gpg', '--homedir', $gpghome, '--batch', '--quiet', '--gen-key', "$gpghome/params" ], '>', \$gout, '2>', \$gerr)
  or die "gpg --gen-key: $gerr";
IPC::Run::run([ 'gpg', '--homedir', $gpghome, '--batch', '--armor', '--export', 'epp@example.net' ], '>', \$public_key, '2>', \$gerr)
  or die "gpg --export: $gerr";
$node->safe_psql($db, qq{
CREATE EXTENSION pgcrypto;
INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'secreg' || i || '.test', 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder\@example.org'
  FROM generate_series(1, 3) AS i;
SELECT domxfer.set_registry_client_public_key(\$k\$$public_key\$k\$);
});
$from = -s $node->logfile;
# as the superuser: auto_explain explains its nested statements
my $reg_code = $node->safe_psql($db, "SELECT auth_code FROM domxfer.request_transfer_out('secreg1.test')");
like($reg_code, qr/^[A-Za-z0-9]{22}$/, 'a code issued for a registry-managed TLD');
my $reg_code2 = $node->safe_psql($db,
	"SELECT domxfer.reissue_auth_code(open_transfer_id) FROM domxfer.domains WHERE name = 'secreg1.test'");
like($reg_code2, qr/^[A-Za-z0-9]{22}$/, 'and reissued');
is($node->safe_psql($db, q{SELECT count(*) FROM domxfer.claim_registry_commands(10) c WHERE c.auth_info IS NOT NULL}),
	'1', 'the EPP client claims the code (encrypted)');
# the key made unusable: the call fails after the code was made
$node->safe_psql($db, q{UPDATE domxfer.registry_client_key SET public_key = 'not a key any more'});
my ($rc, $out, $err) = $node->psql($db, "SELECT auth_code FROM domxfer.request_transfer_out('secreg2.test')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
isnt($rc, 0, 'a code that cannot be encrypted for the registry is not issued');
$node->safe_psql($db, 'SELECT domxfer.set_registry_client_public_key(NULL)');
($rc, $out, $err) = $node->psql($db, "SELECT auth_code FROM domxfer.request_transfer_out('secreg3.test')",
	extra_params => [ '-v', 'VERBOSITY=verbose' ]);
like($err, qr/ERROR:  55000: cannot issue an auth code for "secreg3\.test"/, 'without the EPP client\'s key: 55000');
# control for the token search below: a logged 22-character token is found
as_app(q{SELECT 'LEAKxcontrolx0012xAbCd'::integer});
$log = slurp_file($node->logfile, $from);
like($log, qr/Query Text:.*INSERT INTO domxfer\.registry_commands/s,
	'control: auto_explain explained the nested statements of issuing the code');
like($log, qr/ERROR:  cannot issue an auth code for "secreg3\.test"/, 'the 55000 error itself is logged');
unlike($log, qr/\Q$reg_code\E/, 'the code issued for the registry is not in the server log');
unlike($log, qr/\Q$reg_code2\E/, 'the reissued code is not in the server log');
my @tokens = grep { $_ ne 'LEAKxcontrolx0012xAbCd' } $log =~ /(?<![A-Za-z0-9])([A-Za-z0-9]{22})(?![A-Za-z0-9])/g;
ok((grep { $_ eq 'LEAKxcontrolx0012xAbCd' } $log =~ /(?<![A-Za-z0-9])([A-Za-z0-9]{22})(?![A-Za-z0-9])/g),
	'control: the token search finds a logged 22-character token');
is_deeply(\@tokens, [], 'no code-shaped token (22 letters and digits) is in the log, not even of the calls that failed')
  or diag(join(' ', @tokens));

$node->stop('fast');
done_testing();
