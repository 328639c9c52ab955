# The background worker and registry-managed transfers (SPEC §8): it never
# decides one at its deadline (acDate: the registry does), and it queues a
# reject command before acDate for a domain that got a blocker after the
# registry's transfer request arrived (here a legal hold, written with
# triggers off as a bulk load would), at the latest the TLD's
# registry_answer_lead before acDate.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use DomxferWorker;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_domxfer_node('registry_worker', conf => "domxfer.naptime = 100\n");
my $db = 'tap';

$node->safe_psql($db, q{
INSERT INTO domxfer.tld_policy (tld, registry_transfers, registry_answer_lead) VALUES ('test', true, '8 seconds');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM unnest(ARRAY['hold.test', 'quiet.test']) AS n;
CREATE TABLE notice_times AS SELECT now() + interval '20 seconds' AS ac_date;
});
# the registry's transfer requests (the shape of google/nomulus's
# poll_response_domain_transfer_request.xml), acDate 20 s from now
for my $name ('hold.test', 'quiet.test')
{
	is($node->safe_psql($db, qq{
SELECT result FROM notice_times, domxfer.apply_registry_message(format(\$x\$<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response>
<result code="1301"><msg>Command completed successfully; ack to dequeue</msg></result>
<msgQ count="1" id="$name"><qDate>2026-01-01T00:00:00Z</qDate><msg>Transfer requested.</msg></msgQ>
<resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>$name</domain:name>
<domain:trStatus>pending</domain:trStatus><domain:reID>gaining-reg</domain:reID><domain:reDate>%s</domain:reDate>
<domain:acID>tap-registrar</domain:acID><domain:acDate>%s</domain:acDate></domain:trnData></resData>
<trID><svTRID>sv-$name</svTRID></trID></response></epp>\$x\$,
	to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
	to_char(ac_date AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))}), 'applied', "$name: the registry's request is applied");
}
$node->safe_psql($db, q{
SET session_replication_role = replica;
UPDATE domxfer.domains SET legal_hold = true WHERE name = 'hold.test';
});

ok(wait_until($node, $db, q{SELECT count(*) = 1 FROM domxfer.registry_commands}, 60),
	'the worker queued a command');
is($node->safe_psql($db, q{
SELECT string_agg(c.domain_name || ':' || c.op || ':' || array_to_string(c.reason_codes, ',')
				  || ':' || (c.created_at < c.ac_date), ' ')
  FROM domxfer.registry_commands c}),
	'hold.test:reject:legal_proceedings:true', 'a reject for the legal hold, queued before acDate');

# acDate passes: the worker runs passes but leaves both transfers pending
ok(wait_until($node, $db, q{
SELECT (SELECT last_run_at FROM domxfer.worker_status()) > (SELECT ac_date + interval '1 second' FROM notice_times)}, 90),
	'the worker ran after acDate');
is($node->safe_psql($db, q{
SELECT string_agg(domain_name || ':' || state, ' ' ORDER BY domain_name) FROM domxfer.transfers}),
	'hold.test:pending quiet.test:pending', 'registry-managed transfers stay pending after acDate: the registry decides');
is($node->safe_psql($db, q{
SELECT string_agg(kind, ' ' ORDER BY kind, transfer_id) FROM domxfer.registry_discrepancies}),
	'command_unanswered_past_ac_date no_outcome_past_ac_date no_outcome_past_ac_date',
	'the discrepancy view shows both transfers and the unanswered command');
is($node->safe_psql($db, q{SELECT coalesce(last_error, '') FROM domxfer.worker_status()}), '', 'no worker error');

$node->stop;
done_testing();
