-- A decision never depends on when it is written, on the registrar's own
-- table too (issue 18, fault 4; SPEC §10). No worker serves this database,
-- so a transfer past its deadline stays undecided until something decides
-- it. An UPDATE of the registrar's row in that gap (an auto-renewal, a new
-- blocker) first decides the transfer, as of its deadline and from the row
-- as it was, and writes the decision through the map: the outcome every
-- reader showed in the gap. Two tables: one whose sponsor columns domxfer
-- writes, one whose on_transferred function updates that very row.
SELECT current_database() AS origdb \gset
SET client_min_messages = error;
CREATE DATABASE domxfer_dbc_source;
\c domxfer_dbc_source
SET client_min_messages = error;
CREATE EXTENSION domxfer;
SET client_min_messages = warning;
\set SHOW_CONTEXT never
SET TimeZone = 'UTC';

-- 1. A table with plain sponsor and last-transfer columns (Nomulus-like)
CREATE SCHEMA registry;
CREATE TABLE registry.domain (
	repo_id text PRIMARY KEY,
	domain_name text NOT NULL,
	current_sponsor_registrar_id text NOT NULL,
	creation_time timestamp NOT NULL,
	registration_expiration_time timestamp NOT NULL,
	last_transfer_time timestamp,
	statuses text[] NOT NULL DEFAULT '{}',
	holder_email text
);
CREATE UNIQUE INDEX ON registry.domain (domain_name);
INSERT INTO registry.domain
SELECT 'R' || n, n || '.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', NULL, '{}', 'h@example.net'
  FROM unnest(ARRAY['renew', 'block', 'rollback', 'notdue', 'gone', 'mine']) AS n;
-- the registrar's application role: writes its table, knows nothing of domxfer
CREATE ROLE dbc_registrar_app;
GRANT USAGE ON SCHEMA registry TO dbc_registrar_app;
GRANT SELECT, UPDATE, DELETE ON registry.domain TO dbc_registrar_app;

SELECT domxfer.attach_domains('registry.domain', '{"name": "domain_name",
  "sponsoring_registrar": "current_sponsor_registrar_id", "registered_at": "creation_time",
  "expires_at": "registration_expiration_time", "last_transferred_at": "last_transfer_time",
  "status": "statuses", "registrant_email": "holder_email"}');
SELECT writes_columns, guarded FROM domxfer.attached_domains;
SELECT tgname, tgtype FROM pg_trigger WHERE tgrelid = 'registry.domain'::regclass ORDER BY tgname;

SELECT transfer_id AS renew_id, auth_code AS c FROM domxfer.request_transfer_out('renew.example') \gset
SELECT domxfer.receive_transfer_request('renew.example', :'c', 'gaining-reg') = :renew_id AS received;
SELECT transfer_id AS block_id, auth_code AS c FROM domxfer.request_transfer_out('block.example') \gset
SELECT domxfer.receive_transfer_request('block.example', :'c', 'gaining-reg') = :block_id AS received;
SELECT transfer_id AS rb_id, auth_code AS c FROM domxfer.request_transfer_out('rollback.example') \gset
SELECT domxfer.receive_transfer_request('rollback.example', :'c', 'gaining-reg') = :rb_id AS received;
SELECT transfer_id AS notdue_id, auth_code AS c FROM domxfer.request_transfer_out('notdue.example') \gset
SELECT domxfer.receive_transfer_request('notdue.example', :'c', 'gaining-reg') = :notdue_id AS received;
SELECT transfer_id AS gone_id, auth_code AS c FROM domxfer.request_transfer_out('gone.example') \gset
SELECT domxfer.receive_transfer_request('gone.example', :'c', 'gaining-reg') = :gone_id AS received;

-- before the deadlines: two domains come within 15 days of their expiry
-- (the registrar's auto-renewal runs later)
UPDATE registry.domain SET registration_expiration_time = now() + interval '10 days'
 WHERE domain_name IN ('renew.example', 'rollback.example');
-- the deadlines pass (moved into the past, as time would move them)
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '6 days', deadline = date_trunc('second', now()) - interval '1 day'
 WHERE id IN (:renew_id, :block_id, :rb_id, :gone_id);

-- what the readers show in the gap: the outcome the decision must record
CREATE TEMP TABLE shown AS
SELECT domain_name, state, outcome_reason FROM domxfer.transfer_report WHERE domain_name LIKE '%.example';
SELECT * FROM shown ORDER BY domain_name;

-- a row whose transfer is open, due or not, cannot be deleted (the guard):
-- nothing reaches the row that the decision could not repair
SET ROLE dbc_registrar_app;
DELETE FROM registry.domain WHERE domain_name = 'gone.example';
\echo SQLSTATE :LAST_ERROR_SQLSTATE
RESET ROLE;

-- a. the auto-renewal after the deadline, by the registrar's own role: the
-- transfer is rejected first, from the row as it was (before 0.3.0 the
-- later decision completed it); the renewal stays
SET ROLE dbc_registrar_app;
UPDATE registry.domain SET registration_expiration_time = registration_expiration_time + interval '1 year'
 WHERE domain_name = 'renew.example';
RESET ROLE;
SELECT state, outcome_reason, decided_at = deadline AS as_of_deadline FROM domxfer.transfers WHERE id = :renew_id;
SELECT current_sponsor_registrar_id, last_transfer_time IS NULL AS never_moved,
	   registration_expiration_time > now() + interval '300 days' AS renewed
  FROM registry.domain WHERE domain_name = 'renew.example';

-- b. the symmetric case: a blocker written after the deadline does not
-- reject a transfer that was eligible at it; completed, the sponsor
-- columns written (last transfer at the deadline, in UTC), the blocker kept
SET ROLE dbc_registrar_app;
UPDATE registry.domain SET statuses = '{CLIENT_TRANSFER_PROHIBITED}' WHERE domain_name = 'block.example';
RESET ROLE;
SELECT state, outcome_reason, decided_at = deadline AS as_of_deadline FROM domxfer.transfers WHERE id = :block_id;
SELECT d.current_sponsor_registrar_id, d.statuses,
	   d.last_transfer_time = (SELECT deadline AT TIME ZONE 'UTC' FROM domxfer.transfers WHERE id = :block_id) AS transferred_at_deadline
  FROM registry.domain d WHERE d.domain_name = 'block.example';

-- c. a rollback takes the decision back too
BEGIN;
UPDATE registry.domain SET registration_expiration_time = registration_expiration_time + interval '1 year'
 WHERE domain_name = 'rollback.example';
SELECT state FROM domxfer.transfers WHERE id = :rb_id;
ROLLBACK;
SELECT state, decided_at IS NULL AS undecided FROM domxfer.transfers WHERE id = :rb_id;

-- d. a transfer that is not due is left alone (the change is made)
UPDATE registry.domain SET statuses = '{CLIENT_TRANSFER_PROHIBITED}' WHERE domain_name = 'notdue.example';
SELECT state, decided_at IS NULL AS undecided FROM domxfer.transfers WHERE id = :notdue_id;

-- e. a row without a transfer, while others are due: untouched
UPDATE registry.domain SET holder_email = 'new@example.net' WHERE domain_name = 'mine.example';
SELECT current_sponsor_registrar_id, holder_email FROM registry.domain WHERE domain_name = 'mine.example';

-- the recorded outcomes are the ones the readers showed in the gap
SELECT s.domain_name, s.state AS shown, t.state AS recorded, s.outcome_reason = array_to_string(t.outcome_reason, ',') AS same_reason
  FROM shown s JOIN domxfer.transfers t ON t.domain_name = s.domain_name
 WHERE t.state >= 'completed' ORDER BY s.domain_name;
-- one event per decision, marked as decided before the change, one notice each
SELECT t.domain_name, e.from_state, e.to_state, e.detail->>'before_domain_change' AS before_change,
	   (SELECT count(*) FROM domxfer.notices n WHERE n.event_id = e.id) AS notices
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE e.to_state >= 'completed' ORDER BY t.domain_name;
-- the rest are decided by process_due_transfers as before
SELECT domxfer.process_due_transfers() AS decided;
SELECT domain_name, state, outcome_reason FROM domxfer.transfers ORDER BY domain_name;
SELECT domxfer.cancel_transfer_out(:notdue_id);

-- 2. A table whose on_transferred function updates the very row
SELECT domxfer.detach_domains();
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'registry.domain'::regclass AND tgname LIKE 'domxfer%';
CREATE SCHEMA billing;
CREATE TABLE billing.registrar (id int PRIMARY KEY, code text UNIQUE NOT NULL);
INSERT INTO billing.registrar VALUES (1, 'regress-us'), (2, 'gaining-reg');
CREATE TABLE billing.domain (
	fqdn text PRIMARY KEY,
	sponsor text NOT NULL,
	sponsor_id int NOT NULL REFERENCES billing.registrar,
	created date NOT NULL,
	expires date NOT NULL,
	moved_at timestamptz,
	hold boolean NOT NULL DEFAULT false,
	email text
);
CREATE TABLE billing.moves (fqdn text, gaining text, at timestamptz);
INSERT INTO billing.domain VALUES
	('keep.example', 'regress-us', 1, current_date - 400, current_date + 300, NULL, false, 'h@example.net'),
	('move.example', 'regress-us', 1, current_date - 400, current_date + 300, NULL, false, 'h@example.net');
CREATE FUNCTION billing.move_domain(name text, gaining text, at timestamptz) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS $$
	UPDATE billing.domain SET sponsor = gaining, sponsor_id = (SELECT id FROM billing.registrar WHERE code = gaining),
		   moved_at = at WHERE fqdn = name;
	INSERT INTO billing.moves VALUES (name, gaining, at);
$$;
SELECT domxfer.attach_domains('billing.domain', '{"name": "fqdn", "sponsoring_registrar": "sponsor",
  "registered_at": "created", "expires_at": "expires", "last_transferred_at": "moved_at",
  "legal_hold": "hold", "registrant_email": "email",
  "on_transferred": "billing.move_domain(text,text,timestamptz)"}');
SELECT writes_columns FROM domxfer.attached_domains;
SELECT transfer_id AS keep_id, auth_code AS c FROM domxfer.request_transfer_out('keep.example') \gset
SELECT domxfer.receive_transfer_request('keep.example', :'c', 'gaining-reg') = :keep_id AS received;
SELECT transfer_id AS move_id, auth_code AS c FROM domxfer.request_transfer_out('move.example') \gset
SELECT domxfer.receive_transfer_request('move.example', :'c', 'gaining-reg') = :move_id AS received;
-- both were eligible at their deadlines, which pass
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '6 days', deadline = date_trunc('second', now()) - interval '1 day'
 WHERE id IN (:keep_id, :move_id);
SELECT domain_name, state, outcome_reason FROM domxfer.transfer_report ORDER BY domain_name;
-- after the deadlines: a legal hold on keep.example, and move.example's
-- expiry moved to 5 days away (a correction); neither changes the outcome
UPDATE billing.domain SET hold = true WHERE fqdn = 'keep.example';
UPDATE billing.domain SET expires = current_date + 5 WHERE fqdn = 'move.example';
SELECT t.domain_name, t.state, t.outcome_reason, t.decided_at = t.deadline AS as_of_deadline,
	   e.detail->>'before_domain_change' AS before_change
  FROM domxfer.transfers t JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = t.state
 WHERE t.domain_name IN ('keep.example', 'move.example') ORDER BY t.domain_name;
-- on_transferred ran once for each completion, after the application's change, on the same row
SELECT fqdn, sponsor, sponsor_id, hold, expires - current_date AS days_left,
	   moved_at = (SELECT deadline FROM domxfer.transfers t WHERE t.domain_name = fqdn) AS moved_at_deadline
  FROM billing.domain ORDER BY fqdn;
SELECT fqdn, gaining, count(*) FROM billing.moves GROUP BY fqdn, gaining ORDER BY fqdn;

-- the trigger refuses to be anything but an AFTER UPDATE row trigger
CREATE TRIGGER wrong BEFORE INSERT ON billing.moves FOR EACH ROW EXECUTE FUNCTION domxfer._source_decide_due_transfer();
INSERT INTO billing.moves VALUES ('x.example', 'y', now());
\echo SQLSTATE :LAST_ERROR_SQLSTATE

\c :origdb
SET client_min_messages = error;
DROP DATABASE domxfer_dbc_source;
DROP ROLE dbc_registrar_app;
