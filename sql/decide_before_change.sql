-- A decision never depends on when it is written (issue 18, fault 4). No
-- worker serves this database, so a transfer past its deadline stays
-- undecided until something decides it; a change to its domain in that gap
-- (an auto-renewal, a new blocker) first decides it, as of its deadline and
-- from the domain as it was, in the same transaction: the outcome every
-- reader showed.
SET TimeZone = 'UTC';
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('dbc-renew.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net'),
	   ('dbc-block.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net'),
	   ('dbc-rollback.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net'),
	   ('dbc-notdue.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net'),
	   ('dbc-code.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net');
SELECT transfer_id AS renew_id, auth_code AS renew_code FROM domxfer.request_transfer_out('dbc-renew.example') \gset
SELECT domxfer.receive_transfer_request('dbc-renew.example', :'renew_code', 'gaining-reg') = :renew_id AS received;
SELECT transfer_id AS block_id, auth_code AS block_code FROM domxfer.request_transfer_out('dbc-block.example') \gset
SELECT domxfer.receive_transfer_request('dbc-block.example', :'block_code', 'gaining-reg') = :block_id AS received;
SELECT transfer_id AS rb_id, auth_code AS rb_code FROM domxfer.request_transfer_out('dbc-rollback.example') \gset
SELECT domxfer.receive_transfer_request('dbc-rollback.example', :'rb_code', 'gaining-reg') = :rb_id AS received;
SELECT transfer_id AS notdue_id, auth_code AS notdue_code FROM domxfer.request_transfer_out('dbc-notdue.example') \gset
SELECT domxfer.receive_transfer_request('dbc-notdue.example', :'notdue_code', 'gaining-reg') = :notdue_id AS received;
SELECT transfer_id AS code_id FROM domxfer.request_transfer_out('dbc-code.example') \gset

-- before the deadlines: two domains come close to their expiry (the
-- registrar's auto-renewal will run later)
UPDATE domxfer.domains SET expires_at = now() + interval '10 days'
 WHERE name IN ('dbc-renew.example', 'dbc-rollback.example');
-- the deadlines pass (moved into the past, as time would move them); at
-- its deadline dbc-renew expired within 15 days (R3), dbc-block was eligible
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '6 days', deadline = now() - interval '1 day'
 WHERE id IN (:renew_id, :block_id, :rb_id);
UPDATE domxfer.transfers
   SET auth_code_issued_at = now() - interval '15 days', auth_code_expires_at = now() - interval '1 day'
 WHERE id = :code_id;

-- what the readers show in the gap
SELECT domain_name, state, outcome_reason, decision_recorded
  FROM domxfer.transfer_report WHERE domain_name LIKE 'dbc-%' ORDER BY domain_name;

-- 1. an auto-renewal after the deadline: the transfer is rejected first, as
-- the readers showed (before 0.3.0 the later decision completed it)
UPDATE domxfer.domains SET expires_at = expires_at + interval '1 year' WHERE name = 'dbc-renew.example';
SELECT state, outcome_reason, decided_at = deadline AS as_of_deadline FROM domxfer.transfers WHERE id = :renew_id;
SELECT sponsoring_registrar, status::text, open_transfer_id IS NULL AS unlinked,
	   expires_at > now() + interval '300 days' AS renewed
  FROM domxfer.domains WHERE name = 'dbc-renew.example';

-- 2. a blocker written after the deadline does not reject a transfer that
-- was eligible at it: completed first, then the row carries the change
SET ROLE domxfer_app;
UPDATE domxfer.domains SET unpaid = true WHERE name = 'dbc-block.example';
RESET ROLE;
SELECT state, outcome_reason, decided_at = deadline AS as_of_deadline FROM domxfer.transfers WHERE id = :block_id;
SELECT sponsoring_registrar, unpaid, status::text, open_transfer_id IS NULL AS unlinked,
	   last_transferred_at = (SELECT deadline FROM domxfer.transfers WHERE id = :block_id) AS transferred_at_deadline
  FROM domxfer.domains WHERE name = 'dbc-block.example';

-- 3. in the same transaction: a rollback takes the decision back too
BEGIN;
UPDATE domxfer.domains SET expires_at = expires_at + interval '1 year' WHERE name = 'dbc-rollback.example';
SELECT state FROM domxfer.transfers WHERE id = :rb_id;
ROLLBACK;
SELECT state, decided_at IS NULL AS undecided FROM domxfer.transfers WHERE id = :rb_id;

-- 4. an issued code past its expiry: expired as of the expiry
UPDATE domxfer.domains SET uses_registrar_dns = true WHERE name = 'dbc-code.example';
SELECT state, outcome_reason, decided_at = auth_code_expires_at AS as_of_expiry FROM domxfer.transfers WHERE id = :code_id;
SELECT open_transfer_id IS NULL AS unlinked FROM domxfer.domains WHERE name = 'dbc-code.example';

-- 5. a transfer that is not due is left alone
UPDATE domxfer.domains SET uses_registrar_dns = true WHERE name = 'dbc-notdue.example';
SELECT state, open_transfer_id = :notdue_id AS linked, status::text
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name WHERE t.id = :notdue_id;

-- one event per decision, as the worker writes it (with its mark), one notice each
SELECT t.domain_name, e.from_state, e.to_state, e.detail->>'before_domain_change' AS before_change,
	   (SELECT count(*) FROM domxfer.notices n WHERE n.event_id = e.id) AS notices
  FROM domxfer.transfer_events e JOIN domxfer.transfers t ON t.id = e.transfer_id
 WHERE t.domain_name LIKE 'dbc-%' AND e.to_state >= 'completed'
 ORDER BY t.domain_name;
-- the rest of the due transfers are decided by process_due_transfers as before
SELECT domxfer.process_due_transfers() >= 1 AS decided;
SELECT domain_name, state, outcome_reason FROM domxfer.transfers WHERE domain_name LIKE 'dbc-%' ORDER BY domain_name;
