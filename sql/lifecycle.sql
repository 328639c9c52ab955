-- The transfer-out lifecycle: auth codes, every step, every refusal with its
-- SQLSTATE, the audit log and "the deadline is the truth".
-- Rows are committed (codes are checked, and decisions taken, by side
-- transactions of their own, which see committed rows only) and removed at
-- the end.
SET TimeZone = 'UTC';

-- try(sql): 'ok', or the error's SQLSTATE, message, DETAIL and HINT, with
-- instants, transfer ids and failing rows masked (they depend on when and
-- after which other tests this one runs)
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
		|| coalesce(' | ' || nullif(regexp_replace(v_detail, '^Failing row contains .*', ''), ''), '')
		|| coalesce(' | ' || nullif(v_hint, ''), ''),
		'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', '<time>', 'g'),
		'[Tt]ransfer \d+', 'transfer <id>', 'g'),
		'\(\d+\)', '(<id>)', 'g');
END $$;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['lc-main', 'lc-cancel', 'lc-approve', 'lc-flip', 'lc-edge', 'lc-expire', 'lc-unique',
				   'lc-sametx', 'lc-busy']) AS n;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email, unpaid)
VALUES ('lc-young.example', 'regress-us', now() - interval '10 days', now() + interval '355 days', 'holder@example.net', true),
	   ('lc-other.example', 'another-reg', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', false),
	   ('lc-manual.hk', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', false);

-- 1. request_transfer_out refusals
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-nowhere.example')$$);
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out(NULL)$$);
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-young.example')$$);
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-other.example')$$);
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-manual.hk')$$);

-- 2. a code, once; any spelling of the name
SELECT transfer_id AS main_id, auth_code AS main_code
  FROM domxfer.request_transfer_out('LC-Main.Example.') \gset
SELECT length(:'main_code') AS code_length, :'main_code' ~ '^[A-Za-z0-9]{22}$' AS code_alphabet;
SELECT t.domain_name, t.state, t.manual, octet_length(t.auth_code_hash) AS hash_bytes,
	   octet_length(t.auth_code_salt) AS salt_bytes, t.failed_attempts,
	   t.auth_code_expires_at - t.auth_code_issued_at AS lifetime,
	   t.due_at = t.auth_code_expires_at AS due_at_expiry,
	   d.open_transfer_id = t.id AS domain_points_to_it
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :main_id;
-- only SHA-256(salt || code) is stored, never the code
SELECT auth_code_hash = sha256(auth_code_salt || convert_to(:'main_code', 'UTF8')) AS salted_sha256,
	   auth_code_hash <> sha256(convert_to(:'main_code', 'UTF8')) AS not_unsalted
  FROM domxfer.transfers WHERE id = :main_id;
SELECT (SELECT count(*) FROM domxfer.transfers t WHERE strpos(t::text, :'main_code') > 0)
	 + (SELECT count(*) FROM domxfer.transfer_events e WHERE strpos(e::text, :'main_code') > 0)
	 + (SELECT count(*) FROM domxfer.domains d WHERE strpos(d::text, :'main_code') > 0) AS rows_holding_the_code;
-- a second open transfer for the domain is refused (R5b)
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-main.example')$$);

-- 3. the generator: 200 codes, distinct, 22 of [A-Za-z0-9], every character used
WITH codes AS (SELECT domxfer._auth_code_new() AS c FROM generate_series(1, 200))
SELECT count(DISTINCT c) AS distinct_codes,
	   bool_and(c ~ '^[A-Za-z0-9]{22}$') AS all_well_formed,
	   (SELECT count(DISTINCT ch) FROM codes, regexp_split_to_table(c, '') AS ch) AS characters_used
  FROM codes;
SELECT octet_length(domxfer._auth_code_salt()) AS salt_bytes,
	   domxfer._auth_code_salt() <> domxfer._auth_code_salt() AS salts_differ;
SELECT domxfer._auth_code_matches('', s, domxfer._auth_code_hash('', s)) AS empty_matches,
	   domxfer._auth_code_matches('abc', s, domxfer._auth_code_hash('abc', s)) AS right_matches,
	   domxfer._auth_code_matches('abd', s, domxfer._auth_code_hash('abc', s)) AS wrong_matches
  FROM (SELECT domxfer._auth_code_salt() AS s) AS x;
SELECT pg_temp.try($$SELECT domxfer._auth_code_hash('abc', '\x0102')$$);

-- 4. receive_transfer_request refusals; each wrong code is counted although
-- the call fails (it is compared only in the committed side transaction that
-- counts it), and the 5th revokes the code
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', NULL, 'gainer')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'x', '')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'x', 'regress-us')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-cancel.example', 'x', 'gainer')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'wrong-1', 'gainer')$$);
SELECT failed_attempts FROM domxfer.transfers WHERE id = :main_id;
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', '', 'gainer')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'wrong-3', 'gainer')$$);
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'wrong-4', 'gainer')$$);
SELECT failed_attempts, auth_code_hash IS NULL AS revoked FROM domxfer.transfers WHERE id = :main_id;
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-main.example', 'wrong-5', 'gainer')$$);
SELECT failed_attempts, auth_code_hash IS NULL AS revoked, auth_code_salt IS NULL AS salt_gone, state
  FROM domxfer.transfers WHERE id = :main_id;
-- revoked: even the right code fails now, and is not counted any more
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-main.example', %L, 'gainer')$$, :'main_code'));
SELECT failed_attempts FROM domxfer.transfers WHERE id = :main_id;

-- 5. reissue: a new code, the count starts again, the old code stops working
SELECT domxfer.reissue_auth_code(:main_id) AS second_code \gset
SELECT domxfer.reissue_auth_code(:main_id) AS third_code \gset
SELECT :'second_code' <> :'third_code' AS codes_differ, :'third_code' ~ '^[A-Za-z0-9]{22}$' AS well_formed;
SELECT failed_attempts, auth_code_hash IS NOT NULL AS has_code FROM domxfer.transfers WHERE id = :main_id;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-main.example', %L, 'gainer')$$, :'second_code'));
SELECT pg_temp.try($$SELECT domxfer.reissue_auth_code(999999999)$$);

-- 6. the right code: pending for exactly 5 days, code unset, pendingTransfer
SELECT domxfer.receive_transfer_request('lc-main.example', :'third_code', 'gainer') = :main_id AS accepted;
SELECT t.state, t.gaining_registrar, t.deadline - t.requested_at AS until_deadline,
	   t.auth_code_hash IS NULL AND t.auth_code_salt IS NULL AS code_unset, t.due_at = t.deadline AS due_at_deadline,
	   d.status::text AS domain_status, d.open_transfer_id = t.id AS still_open,
	   domxfer.transfer_out_eligible(d) AS eligible_again
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :main_id;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-main.example', %L, 'gainer2')$$, :'third_code'));
SELECT pg_temp.try(format($$SELECT domxfer.reissue_auth_code(%s)$$, :main_id));
SELECT pg_temp.try(format($$SELECT domxfer.cancel_transfer_out(%s + 1000000)$$, :main_id));

-- 7. process_due_transfers: refusals, nothing due yet, then as of a later instant
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers(now(), 0)$$);
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers(NULL)$$);
SELECT state FROM domxfer.transfers WHERE id = :main_id AND domxfer.process_due_transfers() >= 0;
SELECT domxfer._next_due_at() <= deadline AS next_due_known FROM domxfer.transfers WHERE id = :main_id;
SELECT domxfer.process_due_transfers(now() + interval '6 days') > 0 AS decided_some;
SELECT t.state, t.outcome_reason, t.decided_at = t.deadline AS decided_at_deadline,
	   t.auth_code_hash IS NULL AS no_hash, t.due_at IS NULL AS not_due,
	   d.sponsoring_registrar, d.last_transferred_at = t.deadline AS transferred_at_deadline,
	   d.status::text AS domain_status, d.open_transfer_id IS NULL AS closed
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :main_id;
-- a completed transfer cannot be cancelled: the domain has left
SELECT pg_temp.try(format($$SELECT domxfer.cancel_transfer_out(%s)$$, :main_id));

-- 8. cancellation before the deadline
SELECT transfer_id AS cancel_id, auth_code AS cancel_code FROM domxfer.request_transfer_out('lc-cancel.example') \gset
SELECT domxfer.receive_transfer_request('lc-cancel.example', :'cancel_code', 'gainer') = :cancel_id AS accepted;
SELECT domxfer.cancel_transfer_out(:cancel_id, 'holder changed their mind');
SELECT t.state, t.outcome_reason, t.cancel_note, t.decided_at IS NOT NULL AS decided,
	   d.status::text AS domain_status, d.open_transfer_id IS NULL AS closed, d.sponsoring_registrar
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :cancel_id;
SELECT pg_temp.try(format($$SELECT domxfer.cancel_transfer_out(%s)$$, :cancel_id));
SELECT pg_temp.try(format($$SELECT domxfer.approve_transfer_out(%s)$$, :cancel_id));

-- 9. early approval by the holder, and a TLD that forbids it
SELECT transfer_id AS approve_id, auth_code AS approve_code FROM domxfer.request_transfer_out('lc-approve.example') \gset
SELECT pg_temp.try(format($$SELECT domxfer.approve_transfer_out(%s)$$, :approve_id));
SELECT domxfer.receive_transfer_request('lc-approve.example', :'approve_code', 'gainer') = :approve_id AS accepted;
INSERT INTO domxfer.tld_policy (tld, early_approval) VALUES ('example', false);
SELECT pg_temp.try(format($$SELECT domxfer.approve_transfer_out(%s)$$, :approve_id));
DELETE FROM domxfer.tld_policy WHERE tld = 'example';
SELECT domxfer.approve_transfer_out(:approve_id);
SELECT t.state, t.outcome_reason, t.decided_at < t.deadline AS before_deadline,
	   d.sponsoring_registrar, d.last_transferred_at = t.decided_at AS transferred_at_approval,
	   d.status::text AS domain_status
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :approve_id;

-- 10. the deadline is the truth
-- (a) not eligible at the deadline: rejected with the failing reason codes,
-- decided on the spot by the refused call, and that decision is committed
SELECT transfer_id AS flip_id, auth_code AS flip_code FROM domxfer.request_transfer_out('lc-flip.example') \gset
SELECT domxfer.receive_transfer_request('lc-flip.example', :'flip_code', 'gainer') = :flip_id AS accepted;
UPDATE domxfer.domains SET unpaid = true, legal_hold = true WHERE name = 'lc-flip.example';
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '6 days', deadline = deadline - interval '6 days'
 WHERE id = :flip_id;
SELECT pg_temp.try(format($$SELECT domxfer.cancel_transfer_out(%s)$$, :flip_id));
SELECT t.state, t.outcome_reason, t.decided_at = t.deadline AS decided_at_deadline,
	   d.sponsoring_registrar, d.status::text AS domain_status, d.open_transfer_id IS NULL AS closed
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :flip_id;
-- (b) eligible at the deadline although not any more now: completed
SELECT transfer_id AS edge_id, auth_code AS edge_code FROM domxfer.request_transfer_out('lc-edge.example') \gset
SELECT domxfer.receive_transfer_request('lc-edge.example', :'edge_code', 'gainer') = :edge_id AS accepted;
-- (the domain changes before the deadline passes: a change after it would
-- decide the transfer first, see decide_before_change)
UPDATE domxfer.domains SET expires_at = now() + interval '14 days' WHERE name = 'lc-edge.example';
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '7 days', deadline = now() - interval '2 days'
 WHERE id = :edge_id;
SELECT domxfer.transfer_out_blockers(d, now()) AS blockers_now
  FROM domxfer.domains d WHERE name = 'lc-edge.example';
SELECT pg_temp.try(format($$SELECT domxfer.approve_transfer_out(%s)$$, :edge_id));
SELECT t.state, t.outcome_reason, t.decided_at = t.deadline AS decided_at_deadline, d.sponsoring_registrar
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :edge_id;
-- (c) an auth code that expires unused: expired as of its expiry, even when
-- the first to notice is a gaining registrar with the right code
SELECT transfer_id AS expire_id, auth_code AS expire_code FROM domxfer.request_transfer_out('lc-expire.example') \gset
UPDATE domxfer.transfers
   SET auth_code_issued_at = now() - interval '15 days', auth_code_expires_at = now() - interval '1 day'
 WHERE id = :expire_id;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-expire.example', %L, 'gainer')$$, :'expire_code'));
SELECT t.state, t.outcome_reason, t.decided_at = t.auth_code_expires_at AS decided_at_expiry,
	   t.auth_code_hash IS NULL AS no_hash, d.open_transfer_id IS NULL AS closed
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :expire_id;
-- the domain can start again
SELECT transfer_id > :expire_id AS new_transfer FROM domxfer.request_transfer_out('lc-expire.example');

-- 11. the audit log: one row per state change (plus same-state rows for
-- revocation and reissue), in order, with the actor
SELECT e.from_state, e.to_state, e.actor, e.detail ->> 'action' AS action,
	   e.detail -> 'outcome_reason' AS outcome_reason
  FROM domxfer.transfer_events e WHERE e.transfer_id = :main_id ORDER BY e.id;
SELECT e.transfer_id = :flip_id AS flip, e.from_state, e.to_state, e.detail -> 'outcome_reason' AS outcome_reason
  FROM domxfer.transfer_events e WHERE e.transfer_id IN (:flip_id, :expire_id) ORDER BY e.id;
-- no transfer changed state without its event
SELECT count(*) AS transfers_whose_last_event_disagrees
  FROM domxfer.transfers t
 WHERE t.domain_name LIKE 'lc-%'
   AND t.state IS DISTINCT FROM (SELECT e.to_state FROM domxfer.transfer_events e
								  WHERE e.transfer_id = t.id ORDER BY e.id DESC LIMIT 1);

-- 12. the audit log is append-only, even for a superuser
SELECT pg_temp.try($$UPDATE domxfer.transfer_events SET actor = 'someone'$$);
SELECT pg_temp.try($$DELETE FROM domxfer.transfer_events$$);
SELECT pg_temp.try($$TRUNCATE domxfer.transfer_events$$);

-- 13. the database keeps invariants whatever writes the table directly
SELECT transfer_id AS unique_id FROM domxfer.request_transfer_out('lc-unique.example') \gset
SELECT pg_temp.try($$INSERT INTO domxfer.transfers (domain_name, state, manual) VALUES ('lc-unique.example', 'awaiting_documents', true)$$);
SELECT pg_temp.try(format($$UPDATE domxfer.transfers SET state = 'completed' WHERE id = %s$$, :unique_id));
SELECT pg_temp.try(format($$UPDATE domxfer.transfers SET state = 'pending' WHERE id = %s$$, :unique_id));
SELECT pg_temp.try(format($$UPDATE domxfer.transfers SET failed_attempts = 6 WHERE id = %s$$, :unique_id));
-- a transfer is open exactly when its domain points to it (checked at commit)
\set VERBOSITY terse
BEGIN;
UPDATE domxfer.transfers
   SET state = 'cancelled', decided_at = now(), outcome_reason = '{holder_cancelled}',
	   auth_code_hash = NULL, auth_code_salt = NULL
 WHERE id = :unique_id;
COMMIT;
\set VERBOSITY default
SELECT domxfer.cancel_transfer_out(:unique_id);

-- 14. a code issued in the caller's own, still open transaction is compared
-- in that transaction (no side transaction could see it), without counting:
-- the caller was handed that very code
BEGIN;
SELECT transfer_id AS sametx_id, auth_code AS sametx_code FROM domxfer.request_transfer_out('lc-sametx.example') \gset
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-sametx.example', 'wrong-sametx', 'gainer')$$) AS wrong_code;
SELECT state, failed_attempts, auth_code_hash IS NOT NULL AS has_code FROM domxfer.transfers WHERE id = :sametx_id;
SELECT domxfer.receive_transfer_request('lc-sametx.example', :'sametx_code', 'gainer') = :sametx_id AS accepted;
COMMIT;
SELECT t.state, t.failed_attempts, t.gaining_registrar, d.status::text AS domain_status
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :sametx_id;
SELECT domxfer.cancel_transfer_out(:sametx_id);
-- a wrong code left uncaught rolls back the code that was issued with it
BEGIN;
SELECT transfer_id AS rolled_back_id FROM domxfer.request_transfer_out('lc-sametx.example') \gset
\set SHOW_CONTEXT never
SELECT domxfer.receive_transfer_request('lc-sametx.example', 'wrong-sametx', 'gainer');
\set SHOW_CONTEXT errors
ROLLBACK;
SELECT count(*) AS transfers_left FROM domxfer.transfers WHERE id = :rolled_back_id;
SELECT open_transfer_id IS NULL AS no_open_transfer FROM domxfer.domains WHERE name = 'lc-sametx.example';
-- a code reissued in this transaction: the old one is now wrong (not
-- counted, the new code came with the reissue), the new one works
SELECT transfer_id AS reissued_id, auth_code AS old_code FROM domxfer.request_transfer_out('lc-sametx.example') \gset
BEGIN;
SELECT domxfer.reissue_auth_code(:reissued_id) AS new_code \gset
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-sametx.example', %L, 'gainer')$$, :'old_code')) AS old_code;
SELECT domxfer.receive_transfer_request('lc-sametx.example', :'new_code', 'gainer') = :reissued_id AS accepted;
COMMIT;
SELECT state, failed_attempts FROM domxfer.transfers WHERE id = :reissued_id;

-- 15. no guess is compared without being counted: when the side transaction
-- that compares and counts cannot lock the transfer (here our own transaction
-- holds the row lock), the right and a wrong code get the same 55P03 error,
-- nothing is compared and nothing is counted
SELECT transfer_id AS busy_id, auth_code AS busy_code FROM domxfer.request_transfer_out('lc-busy.example') \gset
BEGIN;
SELECT state FROM domxfer.transfers WHERE id = :busy_id FOR UPDATE;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-busy.example', %L, 'gainer')$$, :'busy_code')) AS right_code;
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-busy.example', 'wrong-busy', 'gainer')$$) AS wrong_code;
COMMIT;
SELECT state, failed_attempts, auth_code_hash IS NOT NULL AS has_code FROM domxfer.transfers WHERE id = :busy_id;
-- once the lock is gone, a wrong code is counted again and the right one works
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-busy.example', 'wrong-free', 'gainer')$$) AS wrong_code;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-busy.example', %L, 'gainer')$$, :'busy_code')) AS right_code;
SELECT state, failed_attempts, gaining_registrar FROM domxfer.transfers WHERE id = :busy_id;

-- clean up: a superuser can bypass the append-only triggers in replica mode
SET session_replication_role = replica;
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE 'lc-%';
DELETE FROM domxfer.transfers WHERE domain_name LIKE 'lc-%';
DELETE FROM domxfer.domains WHERE name LIKE 'lc-%';
RESET session_replication_role;
