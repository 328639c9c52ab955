# On a hot standby the check service serves nothing: no check worker runs
# (they start once recovery ends), an auth code is never compared there, and
# the error says why; after promotion the service runs and serves.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $primary = new_domxfer_node('primary', allows_streaming => 1);
worker_pid($primary, $db);
ok( wait_until($primary, $db, q{SELECT state = 'running' FROM domxfer.auth_check_service}),
	'the primary runs the check service');
$primary->safe_psql($db, q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('stby.example', 'tap-registrar', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
CREATE TABLE code AS SELECT * FROM domxfer.request_transfer_out('stby.example');
CREATE FUNCTION try_receive(name text, candidate text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text; v_msg text; v_detail text; v_hint text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, candidate, 'tap-gainer');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	RETURN v_state || '|' || v_msg || '|' || v_detail || '|' || v_hint;
END $$;
-- the check itself, as receive_transfer_request makes it
CREATE FUNCTION try_check(candidate text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text; v_msg text; v_detail text; v_hint text;
BEGIN
	RETURN 'result ' || coalesce(domxfer._check_auth_code_in_side_transaction(t.id, t.auth_code_salt, candidate, now())::text, 'null')
	  FROM domxfer.transfers t WHERE t.domain_name = 'stby.example';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	RETURN v_state || '|' || v_msg || '|' || v_detail || '|' || v_hint;
END $$;
});
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->start;
$primary->wait_for_catchup($standby);

is($standby->safe_psql($db, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery');
is( $standby->safe_psql($db,
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'domxfer check worker'"),
	'0', 'no check worker runs on the standby');
is( $standby->safe_psql($db, q{
SELECT state || ' ' || cardinality(worker_pids) || ' ' || serves_this_database FROM domxfer.auth_check_service}),
	'standby 0 false', 'auth_check_service says the server is a standby and serves nothing');

like( $standby->safe_psql($db, "SELECT try_check('wrong')"),
	qr/^25006\|cannot check an auth code on a standby server\|The auth-code check service does not run during recovery: a code is compared only where a wrong one is counted in a committed transaction\. The auth code of transfer \d+ was not compared and no failed attempt was counted\.\|Send the request to the primary server\.$/,
	'a wrong code is not compared on the standby, and the error says why');
is( $standby->safe_psql($db, "SELECT try_check(auth_code) FROM code"),
	$standby->safe_psql($db, "SELECT try_check('wrong')"),
	'the right code gets the very same error');
like($standby->safe_psql($db, "SELECT try_receive('stby.example', auth_code) FROM code"),
	qr/^25006\|/, 'receive_transfer_request on the standby fails as read-only (25006)');
is( $standby->safe_psql($db, q{
SELECT service_checks + dynamic_checks FROM domxfer.auth_check_service}),
	'0', 'no check was served on the standby');

$standby->promote;
ok( wait_until($standby, $db, q{
SELECT state = 'running' AND cardinality(worker_pids) = 2 FROM domxfer.auth_check_service}),
	'after promotion the check service runs');
is( $standby->safe_psql($db, "SELECT try_receive('stby.example', 'wrong')"),
	'28P01|invalid auth code for domain "stby.example"|The auth code is wrong.|',
	'and compares codes');
is( $standby->safe_psql($db, q{
SELECT t.failed_attempts || ' ' || s.service_checks FROM domxfer.transfers t, domxfer.auth_check_service s
 WHERE t.domain_name = 'stby.example'}),
	'1 1', 'the wrong code is counted, by the service');

$standby->stop('fast');
$primary->stop('fast');
done_testing();
