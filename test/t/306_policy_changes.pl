# A tld_policy change is seen by every session and the worker however it is
# made (issue 18, fault 5): with session_replication_role = replica, and
# arriving by logical replication. Before 0.3.0 only a statement trigger
# told the policy caches, and neither way fires it: sessions and the worker
# kept the old numbers, and the worker completed a transfer the policy in
# force at its deadline rejects.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $node = PostgreSQL::Test::Cluster->new('policy_changes');
$node->init(allows_streaming => 'logical');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE pub');
$node->safe_psql('postgres', 'CREATE DATABASE sub');
$node->safe_psql($_, 'CREATE EXTENSION domxfer') for 'pub', 'sub';
$node->append_conf('postgresql.conf', q{
shared_preload_libraries = 'domxfer'
domxfer.registrar_id = 'tap-registrar'
domxfer.database = 'sub'
domxfer.naptime = 100
});
$node->restart;
worker_pid($node, 'sub');

# domains that expire in 100 and 250 days, transfers for the worker
$node->safe_psql('sub', q{
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('p100.example', 'tap-registrar', now() - interval '400 days', now() + interval '100 days', 'h@example.org'),
	   ('p250.example', 'tap-registrar', now() - interval '400 days', now() + interval '250 days', 'h@example.org')});
create_pending_transfers($node, 'sub', 'before', 1);
create_pending_transfers($node, 'sub', 'replica', 1);
create_pending_transfers($node, 'sub', 'logical', 1);
$node->safe_psql('sub', q{
UPDATE domxfer.domains SET expires_at = now() + interval '100 days' WHERE name IN ('before1.example', 'replica1.example');
UPDATE domxfer.domains SET expires_at = now() + interval '250 days' WHERE name = 'logical1.example'});

# the worker's cache holds the installed numbers: it completes a transfer
make_due_in($node, 'sub', 'before', 1);
ok(wait_until($node, 'sub', "SELECT state = 'completed' FROM domxfer.transfers WHERE domain_name = 'before1.example'"),
	'the worker decided a transfer with the installed policy (its cache is loaded)');

# a session whose cache is loaded
my $session = $node->background_psql('sub');
is($session->query_safe(q{SELECT domxfer.transfer_out_blockers('p100.example')}), '{}',
	'a session: p100 is eligible under the installed policy (15 days before expiry)');

# 1. session_replication_role = replica
$node->safe_psql('sub', q{
SET session_replication_role = replica;
UPDATE domxfer.tld_policy SET min_days_before_expiry = 200 WHERE tld = '*'});
is($session->query_safe(q{SELECT domxfer.transfer_out_blockers('p100.example')}), '{too_close_to_expiry}',
	'replica role: the session sees the new number at its next statement');
make_due_in($node, 'sub', 'replica', 1);
ok(wait_until($node, 'sub', "SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'replica1.example'"),
	'replica role: the worker decides the next transfer');
is( $node->safe_psql('sub', q{
SELECT state || ' ' || array_to_string(outcome_reason, ',') FROM domxfer.transfers WHERE domain_name = 'replica1.example'}),
	'rejected too_close_to_expiry', 'replica role: the worker applies the policy in force at the deadline');

# 2. logical replication of tld_policy from pub to sub
$node->safe_psql('pub', q{
CREATE PUBLICATION policy FOR TABLE domxfer.tld_policy;
SELECT pg_create_logical_replication_slot('policy', 'pgoutput')});
my $pub = $node->connstr . ' dbname=pub';
$node->safe_psql('sub', qq{
CREATE SUBSCRIPTION policy CONNECTION '$pub' PUBLICATION policy
  WITH (create_slot = false, slot_name = 'policy', copy_data = false)});
is($session->query_safe(q{SELECT domxfer.transfer_out_blockers('p250.example')}), '{}',
	'a session: p250 is eligible at 200 days');
$node->safe_psql('pub', q{UPDATE domxfer.tld_policy SET min_days_before_expiry = 300 WHERE tld = '*'});
ok( wait_until($node, 'sub', "SELECT min_days_before_expiry = 300 FROM domxfer.tld_policy WHERE tld = '*'"),
	'logical replication brought the change');
is($session->query_safe(q{SELECT domxfer.transfer_out_blockers('p250.example')}), '{too_close_to_expiry}',
	'logical replication: the session sees the new number');
make_due_in($node, 'sub', 'logical', 1);
ok(wait_until($node, 'sub', "SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'logical1.example'"),
	'logical replication: the worker decides the next transfer');
is( $node->safe_psql('sub', q{
SELECT state || ' ' || array_to_string(outcome_reason, ',') FROM domxfer.transfers WHERE domain_name = 'logical1.example'}),
	'rejected too_close_to_expiry', 'logical replication: the worker applies the replicated policy');

# 3. rule sets too: a replica-role change of a rule's effect
$node->safe_psql('sub', q{
SET session_replication_role = replica;
INSERT INTO domxfer.rule_sets (rule_set, code, effect) VALUES ('lenient', 'too_close_to_expiry', 'warn');
UPDATE domxfer.tld_policy SET rule_set = 'lenient' WHERE tld = '*'});
is($session->query_safe(q{SELECT domxfer.transfer_out_blockers('p250.example')}), '{}',
	'replica role: a rule set change is seen too (the rule now warns)');

$session->quit;
$node->safe_psql('sub', 'DROP SUBSCRIPTION policy');
$node->stop('fast');
done_testing();
