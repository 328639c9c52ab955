-- A notice that is no longer true when claimed is superseded, not sent
-- (issue 19, finding 6; SPEC §9): claim_notices asks
-- domxfer._notice_still_true of each notice and never hands out a false one.
-- One transfer per way a notice stops being true, and as many where it stays
-- true; each notice's verdict, then what one claim did with it.
SET TimeZone = 'UTC';

-- only this test's notices are claimable here: the others' wait meanwhile
CREATE TEMP TABLE others AS
SELECT id, next_attempt_at FROM domxfer.notices WHERE sent_at IS NULL AND superseded_at IS NULL;
UPDATE domxfer.notices SET next_attempt_at = 'infinity' WHERE id IN (SELECT id FROM others);

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT n || '.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net'
  FROM unnest(ARRAY['tr-live', 'tr-revoked', 'tr-reissued', 'tr-timed-out', 'tr-cancelled', 'tr-pending',
					'tr-approved', 'tr-rejected', 'tr-expired', 'tr-pending-cancelled']) AS n;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('tr-manual.hk', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');

CREATE TEMP TABLE case_of (transfer_id bigint PRIMARY KEY, what text NOT NULL);
CREATE FUNCTION pg_temp.open(what text) RETURNS TABLE (transfer_id bigint, auth_code text) LANGUAGE sql AS $$
	INSERT INTO case_of SELECT r.transfer_id, what FROM domxfer.request_transfer_out('tr-' || what || '.example') r
	RETURNING transfer_id, NULL::text
$$;

-- a code nobody touched: true
SELECT count(*) AS opened FROM pg_temp.open('live');
-- a code revoked after five wrong attempts: false
SELECT count(*) AS opened FROM pg_temp.open('revoked');
DO $$
BEGIN
	FOR i IN 1..5 LOOP
		BEGIN
			PERFORM domxfer.receive_transfer_request('tr-revoked.example', 'not-the-code-' || i, 'gaining-reg');
		EXCEPTION WHEN invalid_password THEN NULL;
		END;
	END LOOP;
END $$;
SELECT auth_code_hash IS NULL AS revoked, state FROM domxfer.transfers t JOIN case_of c ON c.transfer_id = t.id AND c.what = 'revoked';
-- a code reissued: the first notice false, the second true
SELECT count(*) AS opened FROM pg_temp.open('reissued');
SELECT length(domxfer.reissue_auth_code(transfer_id)) AS reissued FROM case_of WHERE what = 'reissued';
-- a code past its expiry that the worker has not yet decided: false
SELECT count(*) AS opened FROM pg_temp.open('timed-out');
UPDATE domxfer.transfers SET auth_code_issued_at = now() - interval '2 days', auth_code_expires_at = now() - interval '1 day'
 WHERE id = (SELECT transfer_id FROM case_of WHERE what = 'timed-out');
-- the holder cancelled before the code was used: the code notice false
SELECT count(*) AS opened FROM pg_temp.open('cancelled');
SELECT domxfer.cancel_transfer_out(transfer_id) FROM case_of WHERE what = 'cancelled';
-- the code used, the transfer pending: both notices true
SELECT transfer_id AS p_id, auth_code AS p_code FROM domxfer.request_transfer_out('tr-pending.example') \gset
INSERT INTO case_of VALUES (:p_id, 'pending');
SELECT domxfer.receive_transfer_request('tr-pending.example', :'p_code', 'gaining-reg') = :p_id AS received;
-- approved early: the code notice stays true (it was used), the request's
-- notice is false (the transfer has ended), the outcome true
SELECT transfer_id AS a_id, auth_code AS a_code FROM domxfer.request_transfer_out('tr-approved.example') \gset
INSERT INTO case_of VALUES (:a_id, 'approved');
SELECT domxfer.receive_transfer_request('tr-approved.example', :'a_code', 'gaining-reg') = :a_id AS received;
SELECT domxfer.approve_transfer_out(:a_id);
-- cancelled while pending: the request's notice false
SELECT transfer_id AS pc_id, auth_code AS pc_code FROM domxfer.request_transfer_out('tr-pending-cancelled.example') \gset
INSERT INTO case_of VALUES (:pc_id, 'pending-cancelled');
SELECT domxfer.receive_transfer_request('tr-pending-cancelled.example', :'pc_code', 'gaining-reg') = :pc_id AS received;
SELECT domxfer.cancel_transfer_out(:pc_id, 'changed my mind');
-- rejected at the deadline (the worker's batch): the request's notice false
SELECT transfer_id AS r_id, auth_code AS r_code FROM domxfer.request_transfer_out('tr-rejected.example') \gset
INSERT INTO case_of VALUES (:r_id, 'rejected');
SELECT domxfer.receive_transfer_request('tr-rejected.example', :'r_code', 'gaining-reg') = :r_id AS received;
UPDATE domxfer.domains SET unpaid = true WHERE name = 'tr-rejected.example';
-- the code expired unused, decided by the worker's batch: the code notice false
SELECT count(*) AS opened FROM pg_temp.open('expired');
SELECT domxfer._decide_due_batch(now() + interval '15 days', 1000,
		ARRAY(SELECT id FROM domxfer.transfers WHERE due_at <= now() + interval '15 days'
			   AND id NOT IN (SELECT transfer_id FROM case_of WHERE what IN ('rejected', 'expired')))) AS decided;
-- .hk: the code issued when the documents are approved: true
SELECT domxfer.open_manual_transfer('tr-manual.hk') AS m_id \gset
INSERT INTO case_of VALUES (:m_id, 'manual');
SELECT domxfer.record_documents_received(:m_id) IS NOT NULL AS recorded;
SELECT length(domxfer.approve_manual_transfer(:m_id)) AS approved;

-- a ciphertext on the code notices, as a mailer's key would have put there
-- (superuser; the wiping is what is tested)
UPDATE domxfer.notices SET code_ciphertext = '\x00'::bytea
 WHERE kind = 'auth_code_issued' AND transfer_id IN (SELECT transfer_id FROM case_of);

-- each notice's verdict
CREATE TEMP TABLE verdict AS
SELECT n.id, n.transfer_id, c.what, t.state, n.kind, domxfer._notice_still_true(n) AS still_true
  FROM domxfer.notices n JOIN case_of c USING (transfer_id) JOIN domxfer.transfers t ON t.id = n.transfer_id;
SELECT what, state, kind, still_true FROM verdict ORDER BY transfer_id, kind, id;

-- one claim for all: it hands out exactly the true ones and supersedes the
-- rest, which keep sent_at NULL, lose their claim and their ciphertext, and
-- wait for ever (next_attempt_at infinity)
CREATE TEMP TABLE claimed AS SELECT id FROM domxfer.claim_notices(100, '1 hour');
SELECT count(*) AS claimed,
	   count(*) FILTER (WHERE v.still_true) AS claimed_true,
	   (SELECT count(*) FROM verdict WHERE still_true) AS true_notices,
	   (SELECT count(*) FROM claimed WHERE id NOT IN (SELECT id FROM verdict)) AS claimed_others
  FROM claimed c JOIN verdict v USING (id);
SELECT v.what, v.kind,
	   n.superseded_at IS NOT NULL AS superseded, n.sent_at IS NULL AS unsent,
	   n.claimed_until IS NOT NULL AS leased, n.next_attempt_at = 'infinity' AS never_again,
	   n.code_ciphertext IS NOT NULL AS has_ciphertext, n.attempts
  FROM verdict v JOIN domxfer.notices n USING (id) ORDER BY v.transfer_id, v.kind, v.id;

-- not overdue, not owed: overdue_notices and notice_status leave them out
UPDATE domxfer.notices SET created_at = now() - interval '3 days', due_by = now() - interval '2 days'
 WHERE id IN (SELECT id FROM verdict);
SELECT count(*) FILTER (WHERE v.still_true) AS overdue_true, count(*) FILTER (WHERE NOT v.still_true) AS overdue_superseded
  FROM domxfer.overdue_notices o JOIN verdict v USING (id);
SELECT s.unsent - (SELECT count(*) FROM others) AS unsent_here,
	   s.overdue - (SELECT count(*) FROM domxfer.overdue_notices WHERE id IN (SELECT id FROM others)) AS overdue_here
  FROM domxfer.notice_status s;

-- a superseded notice is not handed out again, even after every lease
UPDATE domxfer.notices SET claimed_until = now() - interval '1 second' WHERE id IN (SELECT id FROM verdict WHERE still_true);
SELECT count(*) FILTER (WHERE v.still_true) AS true_again, count(*) FILTER (WHERE NOT v.still_true) AS superseded_again
  FROM domxfer.claim_notices(100, '1 hour') c JOIN verdict v USING (id);

-- a mailer that had claimed one before it was superseded may still report it
-- sent (the mail went out); it stays out of the overdue list
SELECT domxfer.mark_notice_sent(min(id)) AS marked FROM verdict WHERE NOT still_true;
SELECT count(*) AS sent_and_superseded FROM domxfer.notices
 WHERE id IN (SELECT id FROM verdict) AND sent_at IS NOT NULL AND superseded_at IS NOT NULL;

-- the reader sees the column; the function is not for PUBLIC
GRANT SELECT ON verdict TO domxfer_reader;
SET ROLE domxfer_reader;
SELECT count(*) = (SELECT count(*) FROM verdict WHERE NOT still_true) AS reader_sees_superseded
  FROM domxfer.notices WHERE superseded_at IS NOT NULL AND id IN (SELECT id FROM verdict);
RESET ROLE;
SELECT has_function_privilege('domxfer_app', 'domxfer._notice_still_true(domxfer.notices)', 'EXECUTE') AS app_may_call;

-- the others' notices as they were, and nothing of this test left open
SELECT domxfer._decide_due_transfer(transfer_id, now()) IS NOT NULL AS timed_out_decided FROM case_of WHERE what = 'timed-out';
SELECT count(domxfer.cancel_transfer_out(t.id)) AS cancelled
  FROM domxfer.transfers t JOIN case_of c ON c.transfer_id = t.id WHERE t.state < 'completed';
UPDATE domxfer.notices n SET next_attempt_at = o.next_attempt_at FROM others o WHERE n.id = o.id;
UPDATE domxfer.notices SET sent_at = now(), claimed_until = NULL, code_ciphertext = NULL
 WHERE transfer_id IN (SELECT transfer_id FROM case_of) AND sent_at IS NULL;
