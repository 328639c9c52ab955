# The background worker decides at the deadline with the TLD's rule set
# (SPEC §1a): of two pending transfers whose domains expire a moment before
# their deadline, the gTLD one (icann_2024: R3 only warns) completes and the
# .cn one (registrar_policy: R3 blocks) is rejected with too_close_to_expiry.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('rule_sets');
worker_pid($node, $db);

$node->safe_psql($db, q{
INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES ('org', 'icann_2024'), ('cn', 'registrar_policy');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('expiring.org', 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'),
	   ('expiring.cn', 'tap-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.cn');
DO $$
DECLARE
	d record;
	issued record;
BEGIN
	FOR d IN SELECT name FROM domxfer.domains WHERE name LIKE 'expiring.%' ORDER BY name LOOP
		SELECT * INTO issued FROM domxfer.request_transfer_out(d.name);
		PERFORM domxfer.receive_transfer_request(d.name, issued.auth_code, 'gaining-reg');
	END LOOP;
END
$$;
});
is($node->safe_psql($db, q{SELECT count(*) FROM domxfer.transfers WHERE state = 'pending'}), '2',
	'two pending transfers');

# the domains expire one second before their deadline, 3 s from now (one
# transaction, so the worker never sees the one without the other)
$node->safe_psql($db, q{
BEGIN;
UPDATE domxfer.transfers SET deadline = date_trunc('second', clock_timestamp()) + interval '3 s'
 WHERE state = 'pending' AND domain_name LIKE 'expiring.%';
UPDATE domxfer.domains d SET expires_at = t.deadline - interval '1 second'
  FROM domxfer.transfers t WHERE t.domain_name = d.name AND t.state = 'pending';
COMMIT;
});

ok(wait_until($node, $db, q{SELECT count(*) = 0 FROM domxfer.transfers WHERE state = 'pending'}),
	'the worker decided both');
is($node->safe_psql($db, q{
SELECT string_agg(t.domain_name || ' ' || t.state || ' ' || array_to_string(t.outcome_reason, ',')
				  || ' ' || (t.decided_at = t.deadline) || ' ' || d.sponsoring_registrar, '; ' ORDER BY t.domain_name)
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name}),
	'expiring.cn rejected too_close_to_expiry true tap-registrar; '
	  . 'expiring.org completed auto_approved true gaining-reg',
	'icann_2024 completes the gTLD transfer, registrar_policy rejects the .cn one, both as of the deadline');
is($node->safe_psql($db, q{
SELECT string_agg(DISTINCT e.actor, ',') FROM domxfer.transfer_events e WHERE e.from_state = 'pending'}),
	'worker', 'the worker made both decisions');

$node->stop;
done_testing();
