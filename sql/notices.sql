-- Notices to the holder (SPEC §9): every state change of every path owes
-- exactly its notices, with recipient, payload and due_by; a rollback takes
-- them back; claims, leases, backoff, roles; the code encrypted to the
-- mailer's OpenPGP key (a key made with gpg now; this test plays the mailer).
SET TimeZone = 'UTC';

CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
	RETURN v_state || ': ' || regexp_replace(v_msg, '\d+', '<n>', 'g');
END $$;

-- the notices of one transfer, in order, with what a test can compare
CREATE FUNCTION pg_temp.notices_of(tid bigint)
RETURNS TABLE (kind domxfer.notice_kind, recipient text, delay interval, at_is_event boolean,
			   keys text, reason_codes jsonb)
LANGUAGE sql AS $$
	SELECT n.kind, n.recipient, n.due_by - n.created_at,
		   n.created_at = e.at AND n.payload->>'at' = domxfer._rfc3339(e.at),
		   (SELECT string_agg(k, ',' ORDER BY k) FROM jsonb_object_keys(n.payload) k),
		   jsonb_path_query_array(n.payload, '$.reasons[*].code')
	  FROM domxfer.notices n JOIN domxfer.transfer_events e ON e.id = n.event_id
	 WHERE n.transfer_id = tid ORDER BY n.id
$$;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n, 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder+' || split_part(n, '.', 1) || '@example.net'
  FROM unnest(ARRAY['nt-approve.example', 'nt-cancel.example', 'nt-deadline.example', 'nt-reject.example',
					'nt-expire.example', 'nt-rollback.example', 'nt-tld.nttest', 'nt-manual.hk',
					'xn--fsqu00a.example', 'nt-key.example', 'nt-batch1.example', 'nt-batch2.example']) AS n;
INSERT INTO domxfer.tld_policy (tld, code_notice_minutes, notice_hours) VALUES ('nttest', 3, 2);

-- 1. the holder approves early: code, request, completion
SELECT transfer_id AS a_id, auth_code AS a_code FROM domxfer.request_transfer_out('nt-approve.example') \gset
SELECT * FROM pg_temp.notices_of(:a_id);
SELECT domxfer.receive_transfer_request('nt-approve.example', :'a_code', 'gaining-reg') = :a_id AS received;
SELECT domxfer.approve_transfer_out(:a_id);
SELECT * FROM pg_temp.notices_of(:a_id);
SELECT payload->'reasons' AS outcome FROM domxfer.notices WHERE transfer_id = :a_id AND kind = 'transfer_completed';
SELECT n.kind, n.payload->>'domain' AS domain, n.payload->>'domain_unicode' AS unicode,
	   n.payload->>'gaining_registrar' AS gaining,
	   n.payload->>'deadline' = domxfer._rfc3339(t.deadline) AS deadline_rfc3339,
	   n.payload->>'deadline' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$' AS deadline_form,
	   n.payload->'how_to_cancel'->>'call' = format('domxfer.cancel_transfer_out(%s)', :a_id) AS cancel_call,
	   n.payload->'how_to_approve'->>'call' = format('domxfer.approve_transfer_out(%s)', :a_id) AS approve_call,
	   n.payload->>'auth_code_expires_at' = domxfer._rfc3339(t.auth_code_expires_at) AS code_expiry,
	   n.payload->>'transfer_back_from' = domxfer._rfc3339(t.decided_at + interval '60 days') AS back_from
  FROM domxfer.notices n JOIN domxfer.transfers t ON t.id = n.transfer_id
 WHERE n.transfer_id = :a_id ORDER BY n.id;
-- never the code or its hash
SELECT count(*) AS notices_with_code FROM domxfer.notices n
 WHERE strpos(n::text, :'a_code') > 0;
SELECT count(*) AS notices_with_hash FROM domxfer.notices n, domxfer.transfers t
 WHERE t.auth_code_hash IS NOT NULL AND strpos(n::text, encode(t.auth_code_hash, 'hex')) > 0;

-- 2. the holder cancels after reissuing the code; the recipient is the
-- address at the moment of each change
SELECT transfer_id AS c_id FROM domxfer.request_transfer_out('nt-cancel.example') \gset
UPDATE domxfer.domains SET registrant_email = 'new-holder@example.org' WHERE name = 'nt-cancel.example';
SELECT length(domxfer.reissue_auth_code(:c_id)) AS reissued;
SELECT domxfer.cancel_transfer_out(:c_id, 'changed my mind');
SELECT * FROM pg_temp.notices_of(:c_id);
SELECT payload->>'note' AS note FROM domxfer.notices WHERE transfer_id = :c_id AND kind = 'transfer_cancelled';

-- 3. the deadline, set-based (the worker's batch): completed and rejected;
-- a code that expires unused: auth_code_expired
SELECT transfer_id AS d_id, auth_code AS d_code FROM domxfer.request_transfer_out('nt-deadline.example') \gset
SELECT transfer_id AS r_id, auth_code AS r_code FROM domxfer.request_transfer_out('nt-reject.example') \gset
SELECT transfer_id AS e_id FROM domxfer.request_transfer_out('nt-expire.example') \gset
SELECT domxfer.receive_transfer_request('nt-deadline.example', :'d_code', 'gaining-reg') IS NOT NULL AS received;
SELECT domxfer.receive_transfer_request('nt-reject.example', :'r_code', 'gaining-reg') IS NOT NULL AS received;
UPDATE domxfer.domains SET unpaid = true WHERE name = 'nt-reject.example';
SELECT domxfer._decide_due_batch(now() + interval '15 days', 1000,
		ARRAY(SELECT id FROM domxfer.transfers WHERE due_at <= now() + interval '15 days'
			   AND id NOT IN (:d_id, :r_id, :e_id))) AS decided;
SELECT * FROM pg_temp.notices_of(:d_id);
SELECT * FROM pg_temp.notices_of(:r_id);
-- a rejection's reasons carry domxfer.reason_codes' meanings
SELECT count(*) AS rejection_reasons_with_meanings
  FROM domxfer.notices n, jsonb_array_elements(n.payload->'reasons') r
 WHERE n.transfer_id = :r_id AND n.kind = 'transfer_rejected'
   AND r->>'code' = 'unpaid' AND r->>'meaning_en' <> '' AND r->>'meaning_zh' <> '';
SELECT * FROM pg_temp.notices_of(:e_id);

-- 4. the same decision row by row (the worker's fallback)
SELECT transfer_id AS row_id FROM domxfer.request_transfer_out('xn--fsqu00a.example') \gset
SELECT domxfer._decide_due_transfer(:row_id, now() + interval '15 days') AS decided;
SELECT kind, payload->>'domain_unicode' AS unicode, payload->'reasons' AS reasons
  FROM domxfer.notices WHERE transfer_id = :row_id ORDER BY id;

-- 5. the manual process of .hk: no notice for the request or the
-- documents; the code notice when the documents are approved
SELECT domxfer.open_manual_transfer('nt-manual.hk') AS m_id \gset
SELECT domxfer.record_documents_received(:m_id) IS NOT NULL AS recorded;
SELECT count(*) AS notices_before_approval FROM domxfer.notices WHERE transfer_id = :m_id;
SELECT length(domxfer.approve_manual_transfer(:m_id)) AS approved;
SELECT * FROM pg_temp.notices_of(:m_id);

-- 6. per-TLD delays
SELECT transfer_id AS t_id FROM domxfer.request_transfer_out('nt-tld.nttest') \gset
SELECT domxfer.cancel_transfer_out(:t_id);
SELECT kind, delay FROM pg_temp.notices_of(:t_id);

-- 7. rollback of the change rolls back the notice
BEGIN;
SELECT transfer_id AS rb_id FROM domxfer.request_transfer_out('nt-rollback.example') \gset
SELECT count(*) AS inside FROM domxfer.notices WHERE transfer_id = :rb_id;
ROLLBACK;
SELECT count(*) AS after_rollback FROM domxfer.notices WHERE transfer_id = :rb_id;
-- and a savepoint's
SELECT transfer_id AS rb_id FROM domxfer.request_transfer_out('nt-rollback.example') \gset
BEGIN;
SAVEPOINT s;
SELECT domxfer.cancel_transfer_out(:rb_id);
ROLLBACK TO s;
COMMIT;
SELECT kind FROM domxfer.notices WHERE transfer_id = :rb_id ORDER BY id;
SELECT domxfer.cancel_transfer_out(:rb_id);

-- 8. every event of these transfers owes exactly what _notice_kind says,
-- and has exactly that notice
SELECT count(*) FILTER (WHERE n.id IS NULL AND domxfer._notice_kind(e.from_state, e.to_state, e.detail) IS NOT NULL) AS missing,
	   count(*) FILTER (WHERE n.id IS NOT NULL AND n.kind IS DISTINCT FROM domxfer._notice_kind(e.from_state, e.to_state, e.detail)) AS wrong,
	   count(*) FILTER (WHERE n.id IS NOT NULL AND n.transfer_id <> e.transfer_id) AS wrong_transfer,
	   count(*) FILTER (WHERE n.id IS NOT NULL) AS notices
  FROM domxfer.transfer_events e
  JOIN domxfer.transfers t ON t.id = e.transfer_id AND t.domain_name LIKE ANY (ARRAY['nt-%', 'xn--fsqu00a.example'])
  LEFT JOIN domxfer.notices n ON n.event_id = e.id;
SELECT domxfer._notice_kind('auth_code_issued', 'auth_code_issued', '{"action": "auth_code_revoked"}') AS revoked,
	   domxfer._notice_kind('awaiting_documents', 'awaiting_documents', '{"action": "documents_received"}') AS documents,
	   domxfer._notice_kind(NULL, 'awaiting_documents', '{}') AS manual_request,
	   domxfer._notice_kind('awaiting_documents', 'cancelled', '{}') AS manual_cancelled;

-- 9. claims: earliest first, a claimed notice is not handed out again during
-- its lease, comes back after it, and counts an attempt
UPDATE domxfer.notices SET sent_at = now(), claimed_until = NULL, code_ciphertext = NULL
 WHERE sent_at IS NULL AND transfer_id NOT IN (:a_id, :c_id);
-- (a_id's request notice and c_id's two code notices are no longer true:
-- superseded, never handed out; sql/notice_truth.sql)
SELECT count(*) AS first_claim FROM domxfer.claim_notices(3, '1 second');
SELECT count(*) AS second_claim, min(attempts) AS attempts FROM domxfer.claim_notices(10, '1 hour');
SELECT count(*) AS nothing_left FROM domxfer.claim_notices();
DO $$
DECLARE
	v_start timestamptz := clock_timestamp();
	v_back integer;
BEGIN
	LOOP
		SELECT count(*) INTO v_back FROM domxfer.claim_notices(10, '1 hour') c WHERE c.attempts = 2;
		EXIT WHEN v_back > 0;
		IF clock_timestamp() - v_start > interval '60 seconds' THEN
			RAISE EXCEPTION 'the claimed notices did not come back after their lease';
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
	RAISE NOTICE 'after the lease, % notices came back with their second attempt', v_back;
END $$;

-- 10. sent and failed; backoff doubles from 30 s up to 1 hour
SELECT min(id) AS n1, max(id) AS n2 FROM domxfer.notices WHERE transfer_id = :a_id \gset
SELECT domxfer.mark_notice_sent(:n1) AS first, domxfer.mark_notice_sent(:n1) AS again;
SELECT sent_at IS NOT NULL AS sent, claimed_until IS NULL AS unclaimed FROM domxfer.notices WHERE id = :n1;
SELECT domxfer.mark_notice_failed(:n1, 'too late') IS NULL AS failed_after_sent;
UPDATE domxfer.notices SET attempts = 1 WHERE id = :n2;
SELECT domxfer.mark_notice_failed(:n2, 'SMTP 451 try again') - now() BETWEEN interval '29 seconds' AND interval '2 minutes' AS backoff_30s;
UPDATE domxfer.notices SET attempts = 4 WHERE id = :n2;
SELECT domxfer.mark_notice_failed(:n2, 'SMTP 451 try again') - now() BETWEEN interval '239 seconds' AND interval '5 minutes' AS backoff_4min;
UPDATE domxfer.notices SET attempts = 60 WHERE id = :n2;
SELECT domxfer.mark_notice_failed(:n2, repeat('x', 5000)) - now() BETWEEN interval '59 minutes' AND interval '61 minutes' AS backoff_capped;
SELECT length(last_error) AS error_length, claimed_until IS NULL AS unclaimed,
	   id NOT IN (SELECT c.id FROM domxfer.claim_notices(100) c) AS not_handed_out_during_backoff
  FROM domxfer.notices WHERE id = :n2;
SELECT failing >= 1 AS failing_counted, unsent >= 1 AS unsent_counted FROM domxfer.notice_status;
-- overdue: past due_by and unsent
UPDATE domxfer.notices SET due_by = now() - interval '1 minute', created_at = now() - interval '2 minutes' WHERE id = :n2;
SELECT kind, attempts, last_error IS NOT NULL AS has_error, overdue_by >= interval '1 minute' AS overdue
  FROM domxfer.overdue_notices WHERE id = :n2;
SELECT overdue >= 1 AS overdue_counted FROM domxfer.notice_status;

-- 11. bad input
SELECT pg_temp.try($$SELECT domxfer.claim_notices(0)$$) AS zero;
SELECT pg_temp.try($$SELECT domxfer.claim_notices(10001)$$) AS too_many;
SELECT pg_temp.try($$SELECT domxfer.claim_notices(NULL)$$) AS null_max;
SELECT pg_temp.try($$SELECT domxfer.claim_notices(1, '0 seconds')$$) AS no_lease;
SELECT pg_temp.try($$SELECT domxfer.claim_notices(1, '2 days')$$) AS long_lease;
SELECT pg_temp.try($$SELECT domxfer.mark_notice_sent(NULL)$$) AS null_id;
SELECT pg_temp.try($$SELECT domxfer.mark_notice_sent(-1)$$) AS unknown_id;
SELECT pg_temp.try($$SELECT domxfer.mark_notice_failed(-1, 'x')$$) AS unknown_failed;
SELECT pg_temp.try(format($$SELECT domxfer.mark_notice_failed(%s, NULL)$$, :n2)) AS null_error;
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET code_notice_minutes = 0 WHERE tld = 'nttest'$$) AS zero_minutes;
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET notice_hours = 721 WHERE tld = 'nttest'$$) AS too_many_hours;

-- 12. roles: the reader sees notices but not the ciphertext and cannot
-- claim; the app (the mailer) claims and marks
SET ROLE domxfer_reader;
SELECT count(*) > 0 AS reader_sees FROM domxfer.notices;
SELECT pg_temp.try($$SELECT code_ciphertext FROM domxfer.notices$$) AS reader_ciphertext;
SELECT pg_temp.try($$SELECT domxfer.claim_notices()$$) AS reader_claims;
SELECT count(*) >= 0 AS reader_polls FROM domxfer.notice_status, domxfer.overdue_notices;
SET ROLE domxfer_app;
SELECT pg_temp.try($$SELECT domxfer.claim_notices(1, '1 second')$$) AS app_claims;
SELECT pg_temp.try(format($$SELECT domxfer.mark_notice_sent(%s)$$, :n2)) AS app_marks;
SELECT pg_temp.try($$UPDATE domxfer.notices SET sent_at = now()$$) AS app_updates;
SELECT pg_temp.try($$SELECT domxfer.set_notice_public_key(NULL)$$) AS app_sets_key;
SELECT pg_temp.try($$SELECT * FROM domxfer.notice_key$$) AS app_reads_key;
RESET ROLE;

-- 13. the code, encrypted to the mailer's key
SELECT pg_temp.try($$SELECT domxfer.set_notice_public_key('x')$$) AS without_pgcrypto;
CREATE EXTENSION pgcrypto;
\set gpghome `mktemp -d`
\setenv GNUPGHOME :gpghome
\! printf '%%no-protection\nKey-Type: RSA\nKey-Length: 2048\nSubkey-Type: RSA\nSubkey-Length: 2048\nName-Real: domxfer mailer\nName-Email: mailer@example.net\nExpire-Date: 0\n%%commit\n' > "$GNUPGHOME/params"
\! gpg --batch --quiet --gen-key "$GNUPGHOME/params" >/dev/null 2>&1
\set public_key `gpg --batch --armor --export mailer@example.net`
\set secret_key `gpg --batch --armor --export-secret-keys mailer@example.net`
\! rm -rf "$GNUPGHOME"
SELECT pg_temp.try($$SELECT domxfer.set_notice_public_key('not a key')$$) AS bad_key;
SELECT pg_temp.try(format('SELECT domxfer.set_notice_public_key(%L)', :'secret_key')) AS secret_key_refused;
SET ROLE domxfer_admin;
SELECT domxfer.set_notice_public_key(:'public_key') ~ '^[0-9A-F]{16}$' AS key_set;
RESET ROLE;
SELECT transfer_id AS k_id, auth_code AS k_code FROM domxfer.request_transfer_out('nt-key.example') \gset
SELECT n.payload->>'code_encrypted' AS code_encrypted, n.code_ciphertext IS NOT NULL AS has_ciphertext,
	   strpos(n::text, :'k_code') = 0 AS code_not_in_row,
	   pgp_pub_decrypt(n.code_ciphertext, dearmor(:'secret_key')) = :'k_code' AS mailer_decrypts
  FROM domxfer.notices n WHERE n.transfer_id = :k_id;
-- the database holds only the public key: it cannot decrypt
SELECT pg_temp.try(format('SELECT pgp_pub_decrypt(code_ciphertext, dearmor(k.public_key)) FROM domxfer.notices n, domxfer.notice_key k WHERE n.transfer_id = %s', :k_id)) AS database_decrypts;
-- a reissued code travels too, and only the latest; other notices carry none
SELECT domxfer.reissue_auth_code(:k_id) AS k_code2 \gset
SELECT kind, pgp_pub_decrypt(code_ciphertext, dearmor(:'secret_key')) = :'k_code2' AS latest_code
  FROM domxfer.notices WHERE transfer_id = :k_id ORDER BY id DESC LIMIT 1;
SELECT domxfer.receive_transfer_request('nt-key.example', :'k_code2', 'gaining-reg') IS NOT NULL AS received;
SELECT kind, code_ciphertext IS NULL AS no_ciphertext FROM domxfer.notices WHERE transfer_id = :k_id ORDER BY id;
-- wiped when sent
SELECT bool_and(domxfer.mark_notice_sent(id)) AS sent FROM domxfer.notices WHERE transfer_id = :k_id;
SELECT count(*) AS ciphertexts_left FROM domxfer.notices WHERE transfer_id = :k_id AND code_ciphertext IS NOT NULL;
-- every request's notice carries its own code
SELECT transfer_id AS b1 FROM domxfer.request_transfer_out('nt-batch1.example') \gset
SELECT transfer_id AS b2 FROM domxfer.request_transfer_out('nt-batch2.example') \gset
SELECT count(*) AS codes FROM domxfer.notices WHERE transfer_id IN (:b1, :b2) AND code_ciphertext IS NOT NULL;
SELECT domxfer.set_notice_public_key(NULL) AS removed;
SELECT count(*) AS keys FROM domxfer.notice_key;
DROP EXTENSION pgcrypto;

-- an address R8 judged unusable (demoted to a warning by the TLD's rule
-- set) is no recipient: NULL, so the notice stays owed (overdue_notices after due_by)
UPDATE domxfer.tld_policy SET rule_set = 'icann_2024' WHERE tld = 'nttest';
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('nt-bademail.nttest', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder at example dot net'),
	   ('nt-goodemail.nttest', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
SELECT name, registrant_email_usable FROM domxfer.domains WHERE name IN ('nt-bademail.nttest', 'nt-goodemail.nttest') ORDER BY name;
SELECT transfer_id AS bad_id FROM domxfer.request_transfer_out('nt-bademail.nttest') \gset
SELECT transfer_id AS good_id FROM domxfer.request_transfer_out('nt-goodemail.nttest') \gset
SELECT t.domain_name, n.kind, n.recipient FROM domxfer.notices n JOIN domxfer.transfers t ON t.id = n.transfer_id
 WHERE n.transfer_id IN (:bad_id, :good_id) ORDER BY t.domain_name, n.id;

-- clean up: a superuser can bypass the append-only triggers in replica mode
SET session_replication_role = replica;
DELETE FROM domxfer.notices n USING domxfer.transfers t
 WHERE n.transfer_id = t.id AND t.domain_name LIKE ANY (ARRAY['nt-%', 'xn--fsqu00a.example']);
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE ANY (ARRAY['nt-%', 'xn--fsqu00a.example']);
DELETE FROM domxfer.transfers WHERE domain_name LIKE ANY (ARRAY['nt-%', 'xn--fsqu00a.example']);
DELETE FROM domxfer.domains WHERE name LIKE ANY (ARRAY['nt-%', 'xn--fsqu00a.example']);
DELETE FROM domxfer.tld_policy WHERE tld = 'nttest';
RESET session_replication_role;
