# The registrar's own domains table (SPEC §10) with the background worker
# running: the whole story on an attached table (request, receive, the
# worker's decision at the deadline writing the registrar's sponsor and
# last-transfer columns, the notices, the guard refusing an application's
# sponsor change and delete during a transfer), then pg_dump and pg_restore
# (serial and -j 4) bringing the attachment back working, and DROP
# EXTENSION ... CASCADE leaving the registrar's table, rows and triggers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::RealBin/../lib";
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use DomxferWorker;

my $db = 'tap';
my $node = new_domxfer_node('attach');
worker_pid($node, $db);

# a registrar's table (Nomulus-shaped: test/attach/README.md), owned by the
# registrar's schema owner; its application role writes it
$node->safe_psql($db, q{
CREATE ROLE registrar_owner LOGIN;
GRANT domxfer_admin TO registrar_owner;
CREATE ROLE registrar_app LOGIN;
GRANT domxfer_app TO registrar_app;
CREATE SCHEMA registry AUTHORIZATION registrar_owner;
SET ROLE registrar_owner;
CREATE TABLE registry.contact (contact_id bigint PRIMARY KEY, email text);
CREATE TABLE registry.domain (
	repo_id text PRIMARY KEY,
	domain_name text NOT NULL UNIQUE,
	current_sponsor_registrar_id text NOT NULL,
	creation_time timestamp NOT NULL,
	registration_expiration_time timestamp NOT NULL,
	last_transfer_time timestamp,
	statuses text[] NOT NULL DEFAULT '{}',
	registrant_contact bigint REFERENCES registry.contact
);
CREATE FUNCTION registry.note_change() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN NEW.repo_id := NEW.repo_id; RETURN NEW; END $$;
CREATE TRIGGER registrar_own_trigger BEFORE UPDATE ON registry.domain
	FOR EACH ROW EXECUTE FUNCTION registry.note_change();
GRANT USAGE ON SCHEMA registry TO registrar_app;
GRANT SELECT, UPDATE, DELETE ON registry.domain TO registrar_app;
INSERT INTO registry.contact VALUES (1, 'holder@example.org');
INSERT INTO registry.domain
SELECT 'R' || i, 'w' || i || '.example', 'tap-registrar', now() - interval '400 days',
	   now() + interval '400 days', NULL, '{}', 1
  FROM generate_series(1, 3) AS i;
SELECT domxfer.attach_domains('registry.domain', '{
	"name": "domain_name", "sponsoring_registrar": "current_sponsor_registrar_id",
	"registered_at": "creation_time", "expires_at": "registration_expiration_time",
	"last_transferred_at": "last_transfer_time", "status": "statuses",
	"registrant_email": "(SELECT c.email FROM registry.contact c WHERE c.contact_id = registrant_contact)"}');
});
is($node->safe_psql($db, 'SELECT source || ' . "'|'" . ' || attached_by FROM domxfer.attached_domains'),
	'registry.domain|registrar_owner', 'attached by the owner of the table');

# two pending transfers through the lifecycle, as the application
$node->safe_psql($db, q{
SET ROLE registrar_app;
DO $$
DECLARE
	issued record;
BEGIN
	FOR i IN 1..2 LOOP
		SELECT * INTO issued FROM domxfer.request_transfer_out('w' || i || '.example');
		PERFORM domxfer.receive_transfer_request('W' || i || '.EXAMPLE', issued.auth_code, 'gaining-reg');
	END LOOP;
END $$;
});
is($node->safe_psql($db, q{SELECT string_agg(state::text, ',' ORDER BY domain_name) FROM domxfer.transfers}),
	'pending,pending', "two transfers pending on the registrar's rows");

# the guard: the application cannot move or delete a domain during its transfer
my ($ret, $out, $err) = $node->psql($db,
	q{SET ROLE registrar_app; UPDATE registry.domain SET current_sponsor_registrar_id = 'elsewhere' WHERE repo_id = 'R1'});
like($err, qr/cannot change the sponsoring registrar of domain "w1.example" while its transfer \d+ is open/,
	'a sponsor change during the transfer is refused');
($ret, $out, $err) = $node->psql($db, q{SET ROLE registrar_app; DELETE FROM registry.domain WHERE repo_id = 'R2'});
like($err, qr/cannot delete domain "w2.example" while its transfer \d+ is open/, 'a delete during the transfer is refused');
is($node->safe_psql($db, q{SET ROLE registrar_app; UPDATE registry.domain SET current_sponsor_registrar_id = 'elsewhere' WHERE repo_id = 'R3' RETURNING repo_id}),
	'R3', 'a domain without a transfer changes as the application wants');
$node->safe_psql($db, q{UPDATE registry.domain SET current_sponsor_registrar_id = 'tap-registrar' WHERE repo_id = 'R3'});

# the worker decides w1 at its deadline and writes the registrar's columns
my $deadline = make_due_in($node, $db, 'w1', 3);
ok(wait_until($node, $db, q{SELECT state <> 'pending' FROM domxfer.transfers WHERE domain_name = 'w1.example'}),
	"the worker decided the transfer on the registrar's table");
is($node->safe_psql($db, qq{
SELECT t.state || '|' || (t.decided_at = t.deadline) || '|' || (t.deadline = '$deadline') || '|'
	   || d.current_sponsor_registrar_id || '|' || (d.last_transfer_time = t.deadline AT TIME ZONE 'UTC')
  FROM domxfer.transfers t JOIN registry.domain d ON d.domain_name = t.domain_name
 WHERE t.domain_name = 'w1.example'}),
	'completed|true|true|gaining-reg|true',
	"completed as of its deadline; the registrar's sponsor and last-transfer columns written");
is($node->safe_psql($db, q{SELECT actor FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
	WHERE t.domain_name = 'w1.example' AND e.to_state = 'completed'}), 'worker', 'by the worker');
is($node->safe_psql($db, q{SELECT string_agg(n.kind || ':' || n.recipient, ',' ORDER BY n.id) FROM domxfer.notices n
	JOIN domxfer.transfers t ON t.id = n.transfer_id WHERE t.domain_name = 'w1.example'}),
	'auth_code_issued:holder@example.org,transfer_requested:holder@example.org,transfer_completed:holder@example.org',
	"the notices went to the e-mail in the registrar's contacts table");
is($node->safe_psql($db, q{SELECT eligible_now || '|' || blockers_text FROM domxfer.eligibility WHERE name = 'w2.example'}),
	'false|transfer_pending', 'the open transfer shows in the report');

# pg_dump and pg_restore, serial and parallel
my $dump = $node->basedir . '/attach.dump';
$node->command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $node->connstr($db) ], 'pg_dump -Fc');
for my $jobs (1, 4)
{
	my $dst = "restored_$jobs";
	$node->safe_psql('postgres', "CREATE DATABASE $dst");
	$node->command_ok([ 'pg_restore', '--exit-on-error', '-j', $jobs, '-d', $node->connstr($dst), $dump ],
		"pg_restore -j $jobs without errors");
	is($node->safe_psql($dst, q{SELECT source || '|' || attached_by || '|' || guarded FROM domxfer.attached_domains}),
		'registry.domain|registrar_owner|true', "-j $jobs: the attachment is back");
	is($node->safe_psql($dst, q{SELECT count(*) FROM pg_trigger WHERE tgrelid = 'registry.domain'::regclass AND tgname = 'domxfer_source_guard'}),
		'1', "-j $jobs: one guard trigger");
	is($node->safe_psql($dst, q{SELECT string_agg(d.domain_name || ':' || array_to_string(domxfer.transfer_out_blockers(d), ','), ' ' ORDER BY d.repo_id)
		FROM registry.domain d}),
		'w1.example:not_sponsored,too_soon_after_transfer w2.example:transfer_pending w3.example:',
		"-j $jobs: the row functions over the restored table answer");
	is($node->safe_psql($dst, q{SELECT count(*) FROM domxfer.transfers}) . '|'
		  . $node->safe_psql($dst, q{SELECT count(*) FROM domxfer.transfer_events}),
		$node->safe_psql($db, q{SELECT count(*) FROM domxfer.transfers}) . '|'
		  . $node->safe_psql($db, q{SELECT count(*) FROM domxfer.transfer_events}),
		"-j $jobs: every transfer and event restored");
	($ret, $out, $err) = $node->psql($dst, q{UPDATE registry.domain SET current_sponsor_registrar_id = 'x' WHERE repo_id = 'R2'});
	like($err, qr/while its transfer \d+ is open/, "-j $jobs: the guard holds on the restored table");
	my $id = $node->safe_psql($dst, q{SELECT transfer_id FROM domxfer.request_transfer_out('w3.example')});
	is($node->safe_psql($dst, qq{SELECT state FROM domxfer.transfers WHERE id = $id}),
		'auth_code_issued', "-j $jobs: the lifecycle works on the restored table");
}

# DROP EXTENSION: plain refused, CASCADE leaves the registrar's objects
($ret, $out, $err) = $node->psql('restored_1', 'DROP EXTENSION domxfer');
like($err, qr/cannot drop extension domxfer while registry.domain is attached/, 'a plain DROP EXTENSION is refused');
$node->safe_psql('restored_1', 'DROP EXTENSION domxfer CASCADE');
is($node->safe_psql('restored_1', q{
SELECT (SELECT count(*) FROM registry.domain) || '|'
	   || (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE tgrelid = 'registry.domain'::regclass AND NOT tgisinternal) || '|'
	   || (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'domxfer')}),
	'3|registrar_own_trigger|0',
	'DROP EXTENSION CASCADE leaves the table, its rows and its own trigger, and takes the guard');
$node->safe_psql('restored_1', 'CREATE EXTENSION domxfer');
is($node->safe_psql('restored_1', 'SELECT count(*) FROM domxfer.attached_domains'), '0',
	'a new CREATE EXTENSION starts on domxfer.domains');

done_testing();
