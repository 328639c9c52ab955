-- The registrar's own domains table (SPEC §10): attach_domains over a table
-- and over a view, every bad map with its SQLSTATE, the lifecycle on the
-- registrar's rows, the guards, the security of the map, detach.
-- The schemas are our own DDL in the shapes of registry software (see
-- test/attach/README.md): a Nomulus-like domain table (statuses as a text[]
-- of Java enum names, timestamps without time zone, the sponsor as a client
-- id) and a registrar billing schema behind a view (the sponsor as a key
-- into a registrars table, the holder's e-mail in a contacts table).
-- in a database of its own: the other suites share domxfer_regress
SELECT current_database() AS origdb \gset
SET client_min_messages = error;
CREATE DATABASE domxfer_attach;
\c domxfer_attach
SET client_min_messages = error;
CREATE EXTENSION domxfer;
SET client_min_messages = warning;
\set SHOW_CONTEXT never

CREATE SCHEMA registry;
CREATE TABLE registry.contact (
	contact_id bigint PRIMARY KEY,
	email text,
	complete boolean NOT NULL DEFAULT true
);
CREATE TABLE registry.domain (
	repo_id text PRIMARY KEY,
	domain_name text NOT NULL,
	current_sponsor_registrar_id text NOT NULL,
	creation_time timestamp NOT NULL,
	registration_expiration_time timestamp NOT NULL,
	last_transfer_time timestamp,
	statuses text[] NOT NULL DEFAULT '{}',
	registrant_contact bigint REFERENCES registry.contact,
	balance numeric NOT NULL DEFAULT 0,
	dns_hosted boolean
);
CREATE UNIQUE INDEX domain_name_idx ON registry.domain (domain_name);
INSERT INTO registry.contact VALUES
	(1, 'holder@example.net', true), (2, 'not an address', true), (3, 'ops@例え.jp', false);
-- instants relative to a fixed clock: domxfer decides as of an instant
INSERT INTO registry.domain VALUES
	('D1-T', 'alpha.example', 'regress-us', '2024-01-01', '2030-01-01', NULL, '{}', 1, 0, false),
	('D2-T', 'locked.example', 'regress-us', '2024-01-01', '2030-01-01', NULL, '{CLIENT_TRANSFER_PROHIBITED}', 1, 0, NULL),
	('D3-T', 'garbled.example', 'regress-us', '2024-01-01', '2030-01-01', NULL, '{NOT_A_STATUS}', 1, 0, false),
	('D4-T', 'owing.hk', 'regress-us', '2024-01-01', '2030-01-01', NULL, '{}', 2, 12.50, false),
	('D5-T', 'XN--FIQ228C.EXAMPLE', 'regress-us', '2024-01-01', '2030-01-01', '2025-11-01', '{SERVER_HOLD}', 3, 0, true),
	('D6-T', 'new.example', 'regress-us', '2025-12-01', '2030-01-01', NULL, '{}', 1, 0, false);

-- 1. Bad maps: each refused before anything changes, naming the key -------
SELECT domxfer.attach_domains('registry.nope');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"nmae": "domain_name"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": 42}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '[]');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_nam"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name", "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time", "expires_at": "registration_expiration_time", "registrant_email": "registrant_contact"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name", "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time", "expires_at": "registration_expiration_time", "registrant_email": "(SELECT c.email FROM registry.contact c WHERE c.contact_id = registrant_contact)", "unpaid": "balance"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name", "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time", "expires_at": "registration_expiration_time"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name FROM registry.domain", "sponsoring_registrar": "current_sponsor_registrar_id"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "max(domain_name)"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a name that is neither a plain column nor an indexed expression
SELECT domxfer.attach_domains('registry.domain', '{"name": "upper(domain_name)", "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time", "expires_at": "registration_expiration_time", "registrant_email": "(SELECT c.email FROM registry.contact c WHERE c.contact_id = registrant_contact)"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name", "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time", "expires_at": "registration_expiration_time", "registrant_email": "(SELECT c.email FROM registry.contact c WHERE c.contact_id = registrant_contact)", "on_transferred": "public.no_such_function(text,text,timestamptz)"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('domxfer.domains');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('registry.domain_name_idx');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS nothing_attached FROM domxfer.attached_domains;

-- 2. Attach the table: names resolved with this search_path, then fixed ----
SET search_path = registry, public;
SELECT domxfer.attach_domains('domain', '{
	"name": "domain_name",
	"sponsoring_registrar": "current_sponsor_registrar_id",
	"registered_at": "creation_time",
	"expires_at": "registration_expiration_time",
	"last_transferred_at": "last_transfer_time",
	"status": "statuses",
	"registrant_email": "(SELECT c.email FROM contact c WHERE c.contact_id = registrant_contact)",
	"contacts_complete": "(SELECT c.complete FROM contact c WHERE c.contact_id = registrant_contact)",
	"unpaid": "balance > 0",
	"uses_registrar_dns": "dns_hosted"
}');
RESET search_path;
SELECT source, attached_by, writes_columns, guarded, expressions->>'registrant_email' AS email,
	   expressions->>'registered_at' AS registered_at, expressions->>'status' AS status,
	   expressions->>'legal_hold' AS legal_hold
  FROM domxfer.attached_domains;

-- 3. The rules over the registrar's rows --------------------------------
SELECT d.domain_name,
	   domxfer.transfer_out_eligible(d, '2025-12-07 12:00+00') AS eligible,
	   domxfer.transfer_out_blockers(d, '2025-12-07 12:00+00') AS blockers,
	   domxfer.transfer_out_warnings(d, '2025-12-07 12:00+00') AS warnings,
	   domxfer.transfer_window(d) AS window
  FROM registry.domain d ORDER BY d.repo_id;
-- the by-name forms, any spelling; the mask; an unknown name
SELECT domxfer.transfer_out_blockers('ALPHA.example.', '2025-12-07 12:00+00');
SELECT domxfer.transfer_out_eligible('中文.example', '2025-12-07 12:00+00');
SELECT domxfer.transfer_out_blocker_mask(d, '2025-12-07 12:00+00') FROM registry.domain d WHERE repo_id = 'D3-T';
SELECT domxfer.transfer_out_eligible('nobody.example');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the reports read the registrar's rows, names canonical
SELECT name, status, sponsored_by_us, blockers_text FROM domxfer.eligibility ORDER BY name;

-- 4. The lifecycle on the registrar's rows -------------------------------
SELECT transfer_id AS t1 FROM domxfer.request_transfer_out('alpha.example') \gset
SELECT domxfer.reissue_auth_code(:t1) AS code \gset
SELECT domxfer.receive_transfer_request('Alpha.Example', :'code', 'gainer-1') = :t1 AS received;
SELECT name, status, open_transfer_id = :t1 AS open, blockers_text FROM domxfer.eligibility WHERE name = 'alpha.example';
-- the guard: no sponsor change, no rename, no delete while the transfer is open
UPDATE registry.domain SET current_sponsor_registrar_id = 'sneaky' WHERE repo_id = 'D1-T';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
UPDATE registry.domain SET domain_name = 'alpha2.example' WHERE repo_id = 'D1-T';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
DELETE FROM registry.domain WHERE repo_id = 'D1-T';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- nor a TRUNCATE of the table while any transfer is open (rows stay)
TRUNCATE registry.domain;
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT count(*) AS rows_kept FROM registry.domain;
-- other columns change as the registrar's applications need
UPDATE registry.domain SET balance = 0, dns_hosted = true WHERE repo_id = 'D1-T';
-- the holder approves: the lifecycle writes the registrar's columns
SELECT domxfer.approve_transfer_out(:t1);
SELECT domain_name, current_sponsor_registrar_id,
	   last_transfer_time = (SELECT decided_at AT TIME ZONE 'UTC' FROM domxfer.transfers WHERE id = :t1) AS last_transfer_written
  FROM registry.domain WHERE repo_id = 'D1-T';
SELECT state, outcome_reason FROM domxfer.transfers WHERE id = :t1;
SELECT kind, recipient FROM domxfer.notices WHERE transfer_id = :t1 ORDER BY id;
-- after the transfer the registrar may change the row again
UPDATE registry.domain SET current_sponsor_registrar_id = 'regress-us', last_transfer_time = NULL WHERE repo_id = 'D1-T';

-- cancel, and the deadline decided by process_due_transfers
SELECT transfer_id AS t2, auth_code AS code2 FROM domxfer.request_transfer_out('alpha.example') \gset
SELECT domxfer.receive_transfer_request('alpha.example', :'code2', 'gainer-2') = :t2 AS received;
SELECT domxfer.cancel_transfer_out(:t2, 'changed my mind');
SELECT state FROM domxfer.transfers WHERE id = :t2;
SELECT transfer_id AS t3, auth_code AS code3 FROM domxfer.request_transfer_out('alpha.example') \gset
SELECT domxfer.receive_transfer_request('alpha.example', :'code3', 'gainer-3') = :t3 AS received;
SELECT domxfer.process_due_transfers((SELECT deadline FROM domxfer.transfers WHERE id = :t3) + interval '1 second') AS decided;
SELECT state, outcome_reason, decided_at = deadline AS at_deadline FROM domxfer.transfers WHERE id = :t3;
SELECT current_sponsor_registrar_id, last_transfer_time AT TIME ZONE 'UTC' = (SELECT deadline FROM domxfer.transfers WHERE id = :t3) AS at_deadline
  FROM registry.domain WHERE repo_id = 'D1-T';
UPDATE registry.domain SET current_sponsor_registrar_id = 'regress-us', last_transfer_time = NULL WHERE repo_id = 'D1-T';

-- the registry link on the registrar's rows: a registry-managed TLD's
-- pending notice and the registry's approval (SPEC §8)
INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('test', true);
INSERT INTO registry.domain VALUES
	('D7-T', 'relay.test', 'regress-us', '2024-01-01', '2030-01-01', NULL, '{}', 1, 0, false);
SELECT result FROM domxfer.apply_registry_message('<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack to dequeue</msg></result>
<msgQ count="2" id="attach-1"/><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
<domain:name>RELAY.test</domain:name><domain:trStatus>pending</domain:trStatus>
<domain:reID>gaining-reg</domain:reID><domain:reDate>2026-01-01T00:00:00.0Z</domain:reDate>
<domain:acID>regress-us</domain:acID><domain:acDate>2099-01-06T00:00:00Z</domain:acDate>
</domain:trnData></resData><trID><svTRID>attach-sv-1</svTRID></trID></response></epp>');
SELECT name, status, blockers_text FROM domxfer.eligibility WHERE name = 'relay.test';
SELECT result FROM domxfer.apply_registry_message('<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack to dequeue</msg></result>
<msgQ count="1" id="attach-2"/><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">
<domain:name>relay.test</domain:name><domain:trStatus>serverApproved</domain:trStatus>
<domain:reID>gaining-reg</domain:reID><domain:reDate>2026-01-01T00:00:00.0Z</domain:reDate>
<domain:acID>regress-us</domain:acID><domain:acDate>2026-01-06T00:00:00Z</domain:acDate>
</domain:trnData></resData><trID><svTRID>attach-sv-2</svTRID></trID></response></epp>');
SELECT current_sponsor_registrar_id, last_transfer_time FROM registry.domain WHERE repo_id = 'D7-T';
SELECT state, outcome_reason FROM domxfer.transfers WHERE domain_name = 'relay.test';

-- 5. Attaching another source is refused while a transfer is open ---------
SELECT transfer_id AS t4 FROM domxfer.request_transfer_out('alpha.example') \gset
CREATE TABLE registry.other (name text PRIMARY KEY, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, registrant_email text);
SELECT domxfer.attach_domains('registry.other');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.detach_domains();
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- the same source again is fine at any time (e.g. after ALTER TABLE)
ALTER TABLE registry.domain ADD COLUMN note text;
SET search_path = registry, public;
SELECT domxfer.attach_domains('registry.domain', (SELECT columns FROM domxfer.attached_domains));
RESET search_path;
SELECT domxfer.cancel_transfer_out(:t4);

-- 6. A plain DROP EXTENSION is refused while attached ----------------------
DROP EXTENSION domxfer;
\echo SQLSTATE :LAST_ERROR_SQLSTATE

-- 7. A view over the registrar's tables, with on_transferred -------------
CREATE SCHEMA billing;
CREATE TABLE billing.registrars (id int PRIMARY KEY, clid text UNIQUE NOT NULL);
CREATE TABLE billing.customers (id int PRIMARY KEY, email varchar(254));
CREATE TABLE billing.domains (
	id serial PRIMARY KEY,
	fqdn varchar(253) NOT NULL UNIQUE,
	registrar_id int NOT NULL REFERENCES billing.registrars,
	created date NOT NULL,
	expires timestamptz NOT NULL,
	transferred timestamptz,
	epp_status text NOT NULL DEFAULT 'ok',
	customer_id int REFERENCES billing.customers,
	in_dispute boolean NOT NULL DEFAULT false
);
INSERT INTO billing.registrars VALUES (1, 'regress-us'), (2, 'gainer-9');
INSERT INTO billing.customers VALUES (1, 'buyer@example.org');
INSERT INTO billing.domains (fqdn, registrar_id, created, expires, epp_status, customer_id) VALUES
	('shop.example', 1, '2024-03-01', '2030-03-01', 'ok', 1),
	('held.example', 1, '2024-03-01', '2030-03-01', 'client hold, client transfer prohibited', 1);
CREATE VIEW billing.registrar_domains AS
SELECT d.fqdn, r.clid, d.created, d.expires, d.transferred, d.epp_status, c.email, d.in_dispute
  FROM billing.domains d JOIN billing.registrars r ON r.id = d.registrar_id
  LEFT JOIN billing.customers c ON c.id = d.customer_id;
CREATE FUNCTION billing.move_domain(name text, gaining text, at timestamptz) RETURNS void
	LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
	BEGIN ATOMIC
	UPDATE billing.domains SET registrar_id = (SELECT id FROM billing.registrars WHERE clid = gaining),
		   transferred = at WHERE fqdn = name;
	END;
-- without on_transferred a view cannot take the completed transfer
SELECT domxfer.attach_domains('billing.registrar_domains', '{"name": "fqdn", "sponsoring_registrar": "clid",
	"registered_at": "created", "expires_at": "expires", "last_transferred_at": "transferred",
	"status": "epp_status", "registrant_email": "email", "holder_disputed": "in_dispute"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('billing.registrar_domains', '{"name": "fqdn", "sponsoring_registrar": "clid",
	"registered_at": "created", "expires_at": "expires", "last_transferred_at": "transferred",
	"status": "epp_status", "registrant_email": "email", "holder_disputed": "in_dispute",
	"on_transferred": "billing.move_domain(text,text,timestamptz)"}');
SELECT source, writes_columns, guarded FROM domxfer.attached_domains;
-- the rule functions of the table source are gone; the view's are there
SELECT pg_catalog.count(*) AS table_functions FROM pg_proc p JOIN pg_class c ON c.reltype = p.proargtypes[0]
 WHERE c.oid = 'registry.domain'::regclass;
SELECT (SELECT count(*) FROM pg_trigger WHERE tgrelid = 'registry.domain'::regclass AND tgname LIKE 'domxfer\_source\_%') AS table_guards;
SELECT v.fqdn, domxfer.transfer_out_blockers(v, '2025-12-07 12:00+00') FROM billing.registrar_domains v ORDER BY v.fqdn;
SELECT transfer_id AS t5, auth_code AS code5 FROM domxfer.request_transfer_out('shop.example') \gset
SELECT domxfer.receive_transfer_request('shop.example', :'code5', 'gainer-9') = :t5 AS received;
SELECT domxfer.approve_transfer_out(:t5);
SELECT fqdn, clid, transferred IS NOT NULL AS transferred FROM billing.registrar_domains ORDER BY fqdn;

-- 8. Attaching grants nobody more than they had -------------------------
CREATE ROLE attach_mallory LOGIN;
GRANT domxfer_admin TO attach_mallory;
CREATE SCHEMA mallory AUTHORIZATION attach_mallory;
GRANT USAGE ON SCHEMA registry TO attach_mallory;
SET ROLE attach_mallory;
CREATE TABLE mallory.domains (name text PRIMARY KEY, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, registrant_email text);
INSERT INTO mallory.domains VALUES ('evil.example', 'regress-us', '2024-01-01', '2030-01-01', 'x@example.com');
CREATE FUNCTION mallory.escalate() RETURNS text LANGUAGE plpgsql AS
$$ BEGIN ALTER ROLE attach_mallory SUPERUSER; RETURN 'x@example.com'; END $$;
-- a map that calls a function the reader of a report would run as itself,
-- and a volatile built-in that would change the reader's session
SELECT domxfer.attach_domains('mallory.domains', '{"legal_hold": "pg_catalog.set_config(''log_statement'', ''all'', false) IS NULL"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.attach_domains('mallory.domains', '{"registrant_email": "mallory.escalate()"}');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- a table it does not own
SELECT domxfer.attach_domains('registry.domain');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
-- as SECURITY DEFINER the function runs as mallory: the lifecycle (a
-- SECURITY DEFINER function of the extension's owner) cannot lend it more
ALTER FUNCTION mallory.escalate() SECURITY DEFINER STABLE SET search_path = pg_catalog;
RESET ROLE;
SELECT domxfer.cancel_transfer_out(id) FROM domxfer.transfers WHERE state < 'completed';
SET ROLE attach_mallory;
SELECT domxfer.attach_domains('mallory.domains', '{"registrant_email": "mallory.escalate()"}');
RESET ROLE;
SELECT * FROM domxfer.request_transfer_out('evil.example');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_blockers('evil.example');
\echo SQLSTATE :LAST_ERROR_SQLSTATE
SELECT rolsuper AS mallory_is_superuser FROM pg_roles WHERE rolname = 'attach_mallory';

-- 9. Detach returns to domxfer.domains, leaving the registrar's objects ----
SELECT domxfer.detach_domains();
SELECT count(*) AS attached FROM domxfer.attached_domains;
SELECT count(*) AS registry_rows FROM registry.domain;
SELECT count(*) AS billing_rows FROM billing.registrar_domains;
SELECT pg_catalog.count(*) AS generated_left FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND p.proargtypes[0] IN ('registry.domain'::regtype, 'billing.registrar_domains'::regtype, 'mallory.domains'::regtype);
SELECT count(*) AS domain_rows_is_domains FROM domxfer.domain_rows;
DROP SCHEMA mallory CASCADE;
DROP SCHEMA billing CASCADE;
DROP SCHEMA registry CASCADE;
\c :origdb
SET client_min_messages = warning;
DROP DATABASE domxfer_attach;
DROP ROLE attach_mallory;
