-- Guards of issue 13: names in any spelling, the lifecycle's own columns,
-- restore_shipped_policy, by-name rule functions, the reserved test TLD's
-- short delay, the dry run of the deadline decision.
SET TimeZone = 'UTC';
\set VERBOSITY default

-- try(sql): 'ok', or SQLSTATE, message, DETAIL and HINT with transfer ids
-- masked (they depend on which tests ran before)
CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text; v_detail text; v_hint text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT,
		v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
	RETURN regexp_replace(regexp_replace(regexp_replace(
		v_state || ': ' || v_msg
		|| coalesce(E'\n  DETAIL: ' || nullif(v_detail, ''), '')
		|| coalesce(E'\n  HINT: ' || nullif(v_hint, ''), ''),
		'[Tt]ransfer \d+', 'transfer <id>', 'g'),
		'\(\d+\)', '(<id>)', 'g'),
		'must be \d+', 'must be <id>', 'g');
END $$;

-- 1. any spelling is stored as the canonical A-label
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('Gd-中文.Guards.EXAMPLE.', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net'),
	   ('GD-plain.guards.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net');
SELECT name FROM domxfer.domains WHERE name LIKE '%guards.example' ORDER BY name;
UPDATE domxfer.domains SET name = 'GD-Renamed.guards.example' WHERE name = 'gd-plain.guards.example' RETURNING name;
-- an invalid name keeps normalize_domain's error
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('÷.guards.example', 'reg', '2020-01-01', '2030-01-01');
\echo :LAST_ERROR_SQLSTATE

-- tld_policy.tld in any spelling
BEGIN;
INSERT INTO domxfer.tld_policy (tld) VALUES ('CN'), ('.DE'), ('中国') RETURNING tld;
INSERT INTO domxfer.tld_policy (tld) VALUES ('a.b');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
BEGIN;
INSERT INTO domxfer.tld_policy (tld) VALUES ('x_y');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;

-- 2. by-name forms: any spelling, P0002 for an unknown name
SELECT domxfer.transfer_out_blockers('GD-中文.guards.example', now()),
	   domxfer.transfer_out_warnings('gd-中文.guards.example.', now() + interval '290 days'),
	   domxfer.transfer_window('XN--GD--X68DO18H.guards.example') = domxfer.transfer_window(d) AS same_window
  FROM domxfer.domains d WHERE d.name = domxfer.normalize_domain('gd-中文.guards.example');
SELECT domxfer.transfer_window('nowhere.guards.example');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_blockers('bad..name', now());
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_warnings(NULL::text, now()) IS NULL AS null_name;

-- 3. pendingTransfer and open_transfer_id belong to the lifecycle
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, status)
VALUES ('gd-fake.guards.example', 'regress-us', '2020-01-01', '2030-01-01', 'pendingTransfer');
\echo :LAST_ERROR_SQLSTATE
SELECT transfer_id AS gd_id, auth_code AS gd_code
  FROM domxfer.request_transfer_out('gd-renamed.guards.example') \gset
BEGIN;
SELECT domxfer.receive_transfer_request('gd-renamed.guards.example', :'gd_code', 'gaining-reg') = :gd_id AS received;
-- the application, and the superuser too, cannot drop pendingTransfer while it is pending
SET LOCAL ROLE domxfer_app;
SELECT pg_temp.try($$UPDATE domxfer.domains SET status = 'clientHold' WHERE name = 'gd-renamed.guards.example'$$) AS app;
RESET ROLE;
SELECT pg_temp.try($$UPDATE domxfer.domains SET status = status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
	WHERE name = 'gd-renamed.guards.example'$$) AS superuser;
SELECT pg_temp.try($$UPDATE domxfer.domains SET open_transfer_id = NULL WHERE name = 'gd-renamed.guards.example'$$) AS unlink;
-- other statuses may change, pendingTransfer kept
UPDATE domxfer.domains SET status = status OPERATOR(domxfer.+) 'clientHold'::domxfer.domain_status
 WHERE name = 'gd-renamed.guards.example' RETURNING status;
-- while the transfer is open, only the lifecycle moves the domain to another sponsor
SET LOCAL ROLE domxfer_app;
SELECT pg_temp.try($$UPDATE domxfer.domains SET sponsoring_registrar = 'someone-else' WHERE name = 'gd-renamed.guards.example'$$) AS app_sponsor;
RESET ROLE;
SELECT pg_temp.try($$UPDATE domxfer.domains SET sponsoring_registrar = 'someone-else' WHERE name = 'gd-renamed.guards.example'$$) AS superuser_sponsor;
SELECT sponsoring_registrar FROM domxfer.domains WHERE name = 'gd-renamed.guards.example';
-- a second request names the open transfer and points to the lifecycle
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('gd-renamed.guards.example')$$) AS second_request;
-- the lifecycle itself: cancel clears both
SELECT domxfer.cancel_transfer_out(:gd_id) IS NOT NULL AS cancelled;
SELECT status, open_transfer_id FROM domxfer.domains WHERE name = 'gd-renamed.guards.example';
-- once it has ended, the sponsor may change
SET LOCAL ROLE domxfer_app;
UPDATE domxfer.domains SET sponsoring_registrar = 'someone-else' WHERE name = 'gd-renamed.guards.example' RETURNING sponsoring_registrar;
RESET ROLE;
ROLLBACK;
-- the issued (not yet pending) transfer is open too
SELECT pg_temp.try($$UPDATE domxfer.domains SET sponsoring_registrar = 'someone-else' WHERE name = 'gd-renamed.guards.example'$$) AS issued_sponsor;
-- the issued (not yet pending) transfer: the refusal HINTs reissue_auth_code
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('gd-renamed.guards.example')$$) AS second_request;
SELECT domxfer.cancel_transfer_out(:gd_id) IS NOT NULL AS cancelled;

-- 4. the reserved test TLD with a delay in minutes; real TLDs keep 5-7 days
\set VERBOSITY terse
INSERT INTO domxfer.tld_policy (tld, test_auto_approve_minutes) VALUES ('com', 1);
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
INSERT INTO domxfer.tld_policy (tld, test_auto_approve_minutes) VALUES ('TEST', 2) RETURNING tld, auto_approve_days, test_auto_approve_minutes;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('gd-quick.TEST', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net');
BEGIN;
SELECT transfer_id AS q_id, auth_code AS q_code FROM domxfer.request_transfer_out('gd-quick.test') \gset
SELECT domxfer.receive_transfer_request('gd-quick.test', :'q_code', 'gaining-reg') = :q_id AS received;
SELECT deadline - requested_at AS delay, due_at = deadline AS due FROM domxfer.transfers WHERE id = :q_id;

-- 5. the dry run: what would be decided, nothing written
SELECT count(*) AS events_before FROM domxfer.transfer_events WHERE transfer_id = :q_id \gset
SELECT domain_name, from_state, to_state, decided_at - (SELECT deadline FROM domxfer.transfers WHERE id = :q_id) AS lag,
	   outcome_reason
  FROM domxfer.process_due_transfers_dry_run(now() + interval '3 minutes')
 WHERE transfer_id = :q_id;
SELECT state, decided_at IS NULL AS undecided,
	   (SELECT count(*) FROM domxfer.transfer_events WHERE transfer_id = :q_id) = :events_before AS no_event
  FROM domxfer.transfers WHERE id = :q_id;
-- read-only, as on a standby (issue 18, fault 8: 25006 before 0.3.0)
SAVEPOINT read_only;
SET LOCAL transaction_read_only = on;
SELECT domain_name, from_state, to_state, outcome_reason
  FROM domxfer.process_due_transfers_dry_run(now() + interval '3 minutes')
 WHERE transfer_id = :q_id;
ROLLBACK TO SAVEPOINT read_only;
-- the same decision, written
SELECT domxfer.process_due_transfers(now() + interval '3 minutes') >= 1 AS decided;
SELECT state, outcome_reason FROM domxfer.transfers WHERE id = :q_id;
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers_dry_run(NULL)$$) AS null_at;
SET LOCAL ROLE domxfer_app;
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers_dry_run()$$) AS app;
ROLLBACK;

-- 6. restore_shipped_policy after TRUNCATE, and after a hand-made '*'
BEGIN;
UPDATE domxfer.tld_policy SET min_days_after_registration = 30 WHERE tld = 'hk';
TRUNCATE domxfer.tld_policy;
SELECT pg_temp.try($$SELECT domxfer.transfer_out_eligible('gd-renamed.guards.example')$$) AS after_truncate;
SELECT domxfer.restore_shipped_policy() AS restored;
SELECT tld, min_days_after_registration, manual_process, business_time_zone, shipped
  FROM domxfer.tld_policy ORDER BY tld;
SELECT domxfer.transfer_out_eligible('gd-renamed.guards.example');
SELECT domxfer.restore_shipped_policy() AS again;
ROLLBACK;
BEGIN;
TRUNCATE domxfer.tld_policy;
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration) VALUES ('*', 90);
SELECT domxfer.restore_shipped_policy() AS restored;
SELECT tld, min_days_after_registration, shipped FROM domxfer.tld_policy ORDER BY tld;
DELETE FROM domxfer.tld_policy WHERE tld = '*';
\echo :LAST_ERROR_SQLSTATE
ROLLBACK;
SET ROLE domxfer_app;
SELECT domxfer.restore_shipped_policy();
\echo :LAST_ERROR_SQLSTATE
RESET ROLE;

-- clean up (the guard lets a superuser delete; events stay with their transfers)
DELETE FROM domxfer.tld_policy WHERE tld = 'test';
