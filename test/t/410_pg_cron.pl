# Without preloading: a server whose shared_preload_libraries has pg_cron
# (Debian's postgresql-15-cron, 1.4: one-minute granularity) but not
# domxfer. CREATE EXTENSION warns that the worker is not running; pg_cron runs
# SELECT domxfer.process_due_transfers() every minute, and a pending
# transfer is decided as of its deadline within about a minute of it.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $db = 'tap';
my $node = PostgreSQL::Test::Cluster->new('pg_cron');
$node->init;
my $socket = $node->host;
$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'pg_cron'
cron.database_name = '$db'
cron.host = '$socket'
domxfer.registrar_id = 'tap-registrar'
max_worker_processes = 16
});
$node->start;
$node->safe_psql('postgres', "CREATE DATABASE $db");

# CREATE EXTENSION tells the installer that nothing decides deadlines yet
my ($rc, $out, $err) = $node->psql($db, 'CREATE EXTENSION domxfer');
is($rc, 0, 'CREATE EXTENSION domxfer without preloading');
like($err, qr/WARNING:  the domxfer background worker is not running: domxfer is not in shared_preload_libraries/,
	'with a WARNING that the worker is not running');
is($node->safe_psql($db, 'SELECT state FROM domxfer.worker_status()'), 'not loaded',
	'worker_status() says the library is not loaded');

$node->safe_psql($db, 'CREATE EXTENSION pg_cron');
like($node->safe_psql($db, "SELECT extversion FROM pg_extension WHERE extname = 'pg_cron'"),
	qr/^1\./, 'the real pg_cron is installed');

# A transfer of the reserved test TLD .test, pending for one minute, opened
# the way an application does it (request, then receive with the code).
$node->safe_psql($db, q{
INSERT INTO domxfer.tld_policy (tld, test_auto_approve_minutes) VALUES ('test', 1);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('cron-demo.test', 'tap-registrar', now() - interval '400 days', now() + interval '300 days', 'h@example.org');
DO $$
DECLARE
	v_code text;
BEGIN
	SELECT auth_code INTO v_code FROM domxfer.request_transfer_out('cron-demo.test');
	PERFORM domxfer.receive_transfer_request('cron-demo.test', v_code, 'gaining-reg');
END
$$;
});
is($node->safe_psql($db, q{
SELECT state || '|' || (deadline - requested_at)::text FROM domxfer.transfers WHERE domain_name = 'cron-demo.test'}),
	'pending|00:01:00', 'the transfer is pending with a deadline one minute after the request');

$node->safe_psql($db,
	q{SELECT cron.schedule('domxfer', '* * * * *', 'SELECT domxfer.process_due_transfers()')});

# pg_cron starts jobs at the top of each minute: the transfer is decided at
# most about a minute after its deadline (the wait itself allows several
# minutes, for a loaded machine).
ok( $node->poll_query_until($db,
		q{SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'cron-demo.test'}),
	'pg_cron decided the transfer')
  or diag($node->safe_psql($db,
		q{SELECT string_agg(status || ': ' || coalesce(return_message, ''), E'\n') FROM cron.job_run_details}));

is( $node->safe_psql($db, q{
SELECT state || '|' || (decided_at = deadline) || '|' || outcome_reason::text
  FROM domxfer.transfers WHERE domain_name = 'cron-demo.test'}),
	'completed|true|{auto_approved}', 'completed as of its deadline (decided_at = deadline)');
is( $node->safe_psql($db, q{
SELECT sponsoring_registrar || '|' || (last_transferred_at = t.deadline) || '|' || status::text || '|' || (open_transfer_id IS NULL)
  FROM domxfer.domains d JOIN domxfer.transfers t ON t.domain_name = d.name
 WHERE d.name = 'cron-demo.test'}),
	'gaining-reg|true|ok|true', 'the domain moved to the gaining registrar as of the deadline');
is( $node->safe_psql($db, q{
SELECT count(*) FROM cron.job_run_details WHERE command LIKE '%process_due_transfers%' AND status = 'succeeded'}) > 0
	? 'yes' : 'no', 'yes', 'by a pg_cron job run that succeeded');
is( $node->safe_psql($db, q{
SELECT count(*) || '|' || min(from_state::text) || '>' || min(to_state::text)
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name = 'cron-demo.test' AND e.from_state = 'pending'}),
	'1|pending>completed', 'one audit event for the decision');

$node->stop;
done_testing();
