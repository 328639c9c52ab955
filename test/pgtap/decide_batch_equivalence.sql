-- The background worker decides a whole batch in one statement
-- (domxfer._decide_due_batch); domxfer._decide_due_transfer decides one
-- transfer at a time and is the reference. Over 360 transfers of every kind
-- (completed, rejected for one or several reasons, expired codes, the manual
-- .hk process, transfers not yet due, ended ones) both must leave the same
-- transfers, domains and audit events. The batch runs first, its result is
-- kept in psql variables, it is rolled back, and the reference runs.
BEGIN;
SELECT plan(17);

-- 360 domains, every 10th under .hk (manual process)
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'eq' || i || CASE WHEN i % 10 = 0 THEN '.hk' ELSE '.example' END,
	   current_setting('domxfer.registrar_id'), now() - interval '400 days',
	   now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, 360) AS i;

-- Open a transfer on each (.hk through the document process) but where
-- i % 60 = 59; then the gaining registrar's request, except where i % 6 = 3
-- (the code is left to expire).
DO $$
DECLARE
	d record;
	code text;
	tid bigint;
BEGIN
	FOR d IN SELECT name, substring(name FROM '[0-9]+')::integer AS i FROM domxfer.domains
			  WHERE name LIKE 'eq%' ORDER BY 2 LOOP
		IF d.name LIKE '%.hk' THEN
			tid := domxfer.open_manual_transfer(d.name);
			PERFORM domxfer.record_documents_received(tid);
			code := domxfer.approve_manual_transfer(tid);
		ELSIF d.i % 60 = 59 THEN
			CONTINUE;
		ELSE
			SELECT r.auth_code INTO code FROM domxfer.request_transfer_out(d.name) AS r;
		END IF;
		IF d.i % 6 <> 3 THEN
			PERFORM domxfer.receive_transfer_request(d.name, code, 'gaining-' || (d.i % 7));
		END IF;
	END LOOP;
END
$$;
-- and one left awaiting documents: never due
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('eq-docs.hk', current_setting('domxfer.registrar_id'), now() - interval '400 days',
		now() + interval '400 days', 'holder@example.org');
SELECT domxfer.open_manual_transfer('eq-docs.hk') IS NOT NULL AS awaiting_documents;

-- What changes before the deadline decides the outcome at the deadline.
UPDATE domxfer.domains SET unpaid = true
 WHERE name LIKE 'eq%' AND substring(name FROM '[0-9]+')::integer % 6 = 1;
UPDATE domxfer.domains SET expires_at = now() + interval '8 days'
 WHERE name LIKE 'eq%' AND substring(name FROM '[0-9]+')::integer % 6 = 2;
UPDATE domxfer.domains SET legal_hold = true, holder_disputed = true
 WHERE name LIKE 'eq%' AND substring(name FROM '[0-9]+')::integer % 6 = 4;
UPDATE domxfer.domains SET registrant_email = NULL
 WHERE name LIKE 'eq%' AND substring(name FROM '[0-9]+')::integer % 12 = 5;
-- one transfer already ended, one not yet due at the instant used below
SELECT domxfer.cancel_transfer_out(open_transfer_id) IS NOT NULL AS cancelled
  FROM domxfer.domains WHERE name = 'eq5.example';
UPDATE domxfer.transfers SET deadline = now() + interval '800 days'
 WHERE domain_name = 'eq11.example';

SELECT count(*) AS open_before FROM domxfer.transfers WHERE state < 'completed' \gset
SELECT coalesce(max(id), 0) AS last_event FROM domxfer.transfer_events \gset

SAVEPOINT before_deciding;

SELECT domxfer._decide_due_batch(now() + interval '365 days', 1000, '{}') AS batch_decided \gset
SELECT jsonb_agg(to_jsonb(t) ORDER BY t.id) AS batch_transfers FROM domxfer.transfers t \gset
SELECT jsonb_agg(to_jsonb(d) ORDER BY d.name) AS batch_domains FROM domxfer.domains d \gset
SELECT jsonb_agg(jsonb_build_array(e.transfer_id, e.from_state, e.to_state, e.actor, e.detail, e.at)
				 ORDER BY e.transfer_id, e.id) AS batch_events
  FROM domxfer.transfer_events e WHERE e.id > :last_event \gset

-- the batch covered every kind of outcome
SELECT cmp_ok(:batch_decided, '=', :open_before - 2,
	'the batch decided every open transfer but the one awaiting documents and the one not yet due');
-- i % 6 = 0 (60), and i % 12 = 11 (30) but the six without a transfer and eq11 (not yet due)
SELECT is(count(*), 83::bigint, 'completed: every transfer whose domain stayed eligible')
  FROM jsonb_array_elements(:'batch_transfers') t
 WHERE t->>'state' = 'completed' AND t->'outcome_reason' = '["auto_approved"]';
SELECT is(count(*), 60::bigint, 'expired: every code nobody used')
  FROM jsonb_array_elements(:'batch_transfers') t
 WHERE t->>'state' = 'expired' AND t->'outcome_reason' = '["auth_code_expired"]';
SELECT ok(count(DISTINCT t->'outcome_reason') >= 4, 'rejected, for at least four different sets of reasons')
  FROM jsonb_array_elements(:'batch_transfers') t WHERE t->>'state' = 'rejected';
SELECT ok(count(*) > 0, 'manual (.hk) transfers completed too')
  FROM jsonb_array_elements(:'batch_transfers') t
 WHERE t->>'state' = 'completed' AND (t->>'manual')::boolean;
SELECT is(count(*), 0::bigint, 'no decided transfer keeps a code')
  FROM jsonb_array_elements(:'batch_transfers') t
 WHERE t->>'state' >= 'completed' AND t->>'auth_code_hash' IS NOT NULL;

ROLLBACK TO SAVEPOINT before_deciding;

-- the reference: one transfer at a time, in the same order
SELECT count(*) FILTER (WHERE domxfer._decide_due_transfer(id, now() + interval '365 days')) AS rows_decided
  FROM (SELECT id FROM domxfer.transfers WHERE due_at <= now() + interval '365 days'
		 ORDER BY due_at, id) AS due \gset

SELECT is(:rows_decided, :batch_decided, 'both decided the same number of transfers');
SELECT results_eq(
	format('SELECT t FROM jsonb_array_elements(%L::jsonb) AS t', :'batch_transfers'),
	$$SELECT to_jsonb(t) FROM domxfer.transfers t ORDER BY t.id$$,
	'transfers: every column the same, row by row');
SELECT results_eq(
	format('SELECT d FROM jsonb_array_elements(%L::jsonb) AS d', :'batch_domains'),
	$$SELECT to_jsonb(d) FROM domxfer.domains d ORDER BY d.name$$,
	'domains: sponsor, last transfer, status and open transfer the same, row by row');
SELECT results_eq(
	format('SELECT e FROM jsonb_array_elements(%L::jsonb) AS e', :'batch_events'),
	format($$SELECT jsonb_build_array(e.transfer_id, e.from_state, e.to_state, e.actor, e.detail, e.at)
			   FROM domxfer.transfer_events e WHERE e.id > %s ORDER BY e.transfer_id, e.id$$, :last_event),
	'audit events: the same event for each transfer');

ROLLBACK TO SAVEPOINT before_deciding;

-- max_rows: the earliest due first
SELECT array_agg(id ORDER BY id) AS earliest FROM (
	SELECT id FROM domxfer.transfers WHERE due_at IS NOT NULL ORDER BY due_at, id LIMIT 10) AS s \gset
SELECT is(domxfer._decide_due_batch(now() + interval '365 days', 10, '{}'), 10, 'max_rows 10 decides 10');
SELECT is(array_agg(id ORDER BY id), :'earliest'::bigint[], 'and those are the 10 earliest due')
  FROM domxfer.transfers WHERE state >= 'completed' AND outcome_reason <> '{holder_cancelled}';

ROLLBACK TO SAVEPOINT before_deciding;

-- skip_ids: the transfers set aside for a retry stay open
SELECT array_agg(id ORDER BY id) AS skipped FROM (
	SELECT id FROM domxfer.transfers WHERE due_at IS NOT NULL ORDER BY due_at, id LIMIT 3) AS s \gset
SELECT is(domxfer._decide_due_batch(now() + interval '365 days', 1000, :'skipped'), :batch_decided - 3,
	'skip_ids: three fewer decided');
SELECT is(array_agg(state::text ORDER BY id), ARRAY['pending', 'pending', 'pending'],
	'skip_ids: the three skipped are still open')
  FROM domxfer.transfers WHERE id = ANY (:'skipped');

ROLLBACK TO SAVEPOINT before_deciding;

-- nothing is due before the earliest deadline
SELECT is(domxfer._decide_due_batch(now(), 1000, '{}'), 0, 'nothing is due now');
SELECT is(count(*), :open_before::bigint, 'and every open transfer is still open')
  FROM domxfer.transfers WHERE state < 'completed';

ROLLBACK TO SAVEPOINT before_deciding;

-- the batch checks the domain links of the transfers it decided itself (the
-- deferred per-row check skips them): a trigger that keeps every domain
-- naming its transfer must make it fail
CREATE FUNCTION public.keep_open_transfer_link() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.open_transfer_id := OLD.open_transfer_id;
	RETURN NEW;
END $$;
CREATE TRIGGER keep_open_transfer_link BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW EXECUTE FUNCTION public.keep_open_transfer_link();
SELECT throws_ok($$SELECT domxfer._decide_due_batch(now() + interval '365 days', 1000, '{}')$$,
	'23000', 'a domain and its decided transfer disagree about whether the transfer is open',
	'a decided transfer its domain still names is refused (23000)');

SELECT * FROM finish();
ROLLBACK;
