-- The deadline is the truth for readers too (SPEC §3 item 5, issue 9 fault
-- 3). Between a transfer's deadline (or its code's expiry) and the pass that
-- writes the decision, every reader shows the transfer as decided, with the
-- outcome the decision records: eligibility, transfer_report,
-- daily_transfer_outcomes and rdap_domain. No worker serves this database,
-- so nothing is decided until process_due_transfers runs; afterwards every
-- reader must show exactly what it showed before.
SET TimeZone = 'UTC';

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email, status)
VALUES ('dr-complete.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', 'clientHold'),
	   ('dr-reject.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', 'ok'),
	   ('dr-expire.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', 'ok'),
	   ('dr-open.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', 'ok'),
	   ('dr-manual.hk', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net', 'ok');

-- codes and requests, each committed
SELECT transfer_id AS complete_id, auth_code AS complete_code FROM domxfer.request_transfer_out('dr-complete.example') \gset
SELECT domxfer.receive_transfer_request('dr-complete.example', :'complete_code', 'gaining-reg') = :complete_id AS received;
SELECT transfer_id AS reject_id, auth_code AS reject_code FROM domxfer.request_transfer_out('dr-reject.example') \gset
SELECT domxfer.receive_transfer_request('dr-reject.example', :'reject_code', 'gaining-reg') = :reject_id AS received;
SELECT transfer_id AS open_id, auth_code AS open_code FROM domxfer.request_transfer_out('dr-open.example') \gset
SELECT domxfer.receive_transfer_request('dr-open.example', :'open_code', 'gaining-reg') = :open_id AS received;
SELECT transfer_id AS expire_id FROM domxfer.request_transfer_out('dr-expire.example') \gset
SELECT domxfer.open_manual_transfer('dr-manual.hk') AS manual_id \gset
SELECT domxfer.record_documents_received(:manual_id) IS NOT NULL AS documents;
SELECT domxfer.approve_manual_transfer(:manual_id) AS manual_code \gset
SELECT domxfer.receive_transfer_request('dr-manual.hk', :'manual_code', 'hk-gainer') = :manual_id AS received;

-- a blocker that appeared before the deadline (written before it passes: a
-- change after it would decide the transfer first, see decide_before_change):
-- the decision will reject
UPDATE domxfer.domains SET unpaid = true, holder_disputed = true WHERE name = 'dr-reject.example';

-- the deadlines (and the code's expiry) pass with nobody deciding: moved
-- into the past here, as time would move them
UPDATE domxfer.transfers
   SET requested_at = requested_at - interval '6 days', deadline = now() - interval '1 day'
 WHERE id IN (:complete_id, :reject_id, :manual_id);
UPDATE domxfer.transfers
   SET auth_code_issued_at = now() - interval '15 days', auth_code_expires_at = now() - interval '1 day'
 WHERE id = :expire_id;

-- nothing is decided yet: the table still says pending
SELECT domain_name, state, decided_at IS NULL AS undecided, due_at <= now() AS due
  FROM domxfer.transfers WHERE domain_name LIKE 'dr-%' ORDER BY domain_name;
SELECT name, sponsoring_registrar, status::text, open_transfer_id IS NOT NULL AS linked
  FROM domxfer.domains WHERE name LIKE 'dr-%' ORDER BY name;

-- what the readers show now, kept for the comparison below
CREATE TEMP TABLE seen (phase text, reader text, key text, value jsonb);
CREATE FUNCTION pg_temp.look(p_phase text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO seen
	SELECT p_phase, 'transfer_report', r.domain_name,
		   to_jsonb(r) - 'decision_recorded' - 'transfer_id' - 'created_at' - 'requested_at' - 'deadline'
			   - 'time_to_request' - 'time_to_request_seconds' - 'time_to_request_days'
			   || jsonb_build_object('decided_at_is_deadline', r.decided_at = r.deadline,
									 'decided_at_is_code_expiry', r.decided_at = r.auth_code_expires_at)
	  FROM domxfer.transfer_report r WHERE r.domain_name LIKE 'dr-%';
	INSERT INTO seen
	SELECT p_phase, 'eligibility', e.name,
		   to_jsonb(e) - 'days_until_expiry' - 'registered_at' - 'expires_at'
	  FROM domxfer.eligibility e WHERE e.name LIKE 'dr-%';
	INSERT INTO seen
	SELECT p_phase, 'rdap_domain', d.name, domxfer.rdap_domain(d.name)
	  FROM domxfer.domains d WHERE d.name LIKE 'dr-%';
	INSERT INTO seen
	SELECT p_phase, 'daily_transfer_outcomes', o.day || ' ' || o.tld || ' ' || o.state, to_jsonb(o.transfers)
	  FROM domxfer.daily_transfer_outcomes o;
	-- the by-name rule functions (issue 18, fault 7)
	INSERT INTO seen
	SELECT p_phase, 'by_name', d.name,
		   jsonb_build_object('eligible', domxfer.transfer_out_eligible(upper(d.name)),
							  'blockers', domxfer.transfer_out_blockers(upper(d.name)),
							  'warnings', domxfer.transfer_out_warnings(d.name || '.'),
							  'window', domxfer.transfer_window(d.name))
	  FROM domxfer.domains d WHERE d.name LIKE 'dr-%';
$$;
SELECT pg_temp.look('before');

-- transfer_report: decided, at the deadline (or the code's expiry), with the
-- outcome the decision will record; decision_recorded says it is not written yet
SELECT domain_name, state, is_open, gaining_registrar, outcome_reason,
	   decided_at = deadline AS decided_at_deadline, decided_at = auth_code_expires_at AS decided_at_expiry,
	   decided_day = (deadline AT TIME ZONE 'UTC')::date OR decided_day = (auth_code_expires_at AT TIME ZONE 'UTC')::date AS day_of_it,
	   time_to_decision_days IS NOT NULL AS has_time_to_decision, decision_recorded
  FROM domxfer.transfer_report WHERE domain_name LIKE 'dr-%' ORDER BY domain_name;
-- rdap_domain: the gaining registrar sponsors the completed one, no
-- "pending transfer" status, a transfer event at the deadline
SELECT d.name, r->'entities'->0->>'handle' AS registrar, r->'status' AS status,
	   (SELECT e->>'eventDate' FROM jsonb_array_elements(r->'events') e WHERE e->>'eventAction' = 'transfer')
		   = domxfer._rfc3339(t.deadline) AS transfer_event_at_deadline
  FROM domxfer.domains d CROSS JOIN LATERAL domxfer.rdap_domain(d.name) r
  LEFT JOIN domxfer.transfers t ON t.domain_name = d.name AND t.state = 'pending'
 WHERE d.name LIKE 'dr-%' ORDER BY d.name;
-- eligibility: the completed domain is no longer ours and was transferred at
-- its deadline; the rejected one is closed and shows its own blockers
SELECT name, sponsoring_registrar, sponsored_by_us, status, eligible_now, blockers_text,
	   open_transfer_id IS NOT NULL AS open_transfer
  FROM domxfer.eligibility WHERE name LIKE 'dr-%' ORDER BY name;
-- daily_transfer_outcomes counts them on the day of their deadline
SELECT o.state, o.transfers
  FROM domxfer.daily_transfer_outcomes o
 WHERE o.day = (now() - interval '1 day')::date AND o.tld IN ('example', 'hk')
 ORDER BY o.tld, o.state;
-- the by-name rule functions agree with eligibility in the gap (before
-- 0.3.0 they said transfer_pending while eligibility showed the decision)
SELECT e.name, e.blockers, domxfer.transfer_out_blockers(e.name) AS by_name,
	   e.eligible_now = domxfer.transfer_out_eligible(e.name) AS eligible_agrees,
	   e.transfer_window = domxfer.transfer_window(e.name) AS window_agrees
  FROM domxfer.eligibility e WHERE e.name LIKE 'dr-%' ORDER BY e.name;
-- the same as a reader
SET ROLE domxfer_reader;
SELECT name, domxfer.transfer_out_blockers(name) FROM domxfer.eligibility
 WHERE name LIKE 'dr-%' AND blockers IS DISTINCT FROM domxfer.transfer_out_blockers(name);
SELECT domain_name, state, outcome_reason, decision_recorded
  FROM domxfer.transfer_report WHERE domain_name LIKE 'dr-%' ORDER BY domain_name;
SELECT domxfer.rdap_domain('dr-complete.example')->'entities'->0->>'handle' AS registrar_as_reader;
SELECT count(*) FILTER (WHERE sponsored_by_us) AS ours, count(*) AS domains
  FROM domxfer.eligibility WHERE name LIKE 'dr-%';
RESET ROLE;

-- the decision itself, as the worker or pg_cron would make it
SELECT domxfer.process_due_transfers() >= 4 AS decided;
SELECT domain_name, state, outcome_reason, decided_at = deadline OR decided_at = auth_code_expires_at AS as_of_due
  FROM domxfer.transfers WHERE domain_name LIKE 'dr-%' ORDER BY domain_name;
SELECT pg_temp.look('after');

-- every reader shows after the decision exactly what it showed before
SELECT coalesce(b.reader, a.reader) AS reader, coalesce(b.key, a.key) AS key,
	   b.value AS before, a.value AS after
  FROM (SELECT * FROM seen WHERE phase = 'before') b
  FULL JOIN (SELECT * FROM seen WHERE phase = 'after') a USING (reader, key)
 WHERE b.value IS DISTINCT FROM a.value;
-- (daily_transfer_outcomes holds the other tests' transfers too)
SELECT reader, CASE WHEN reader = 'daily_transfer_outcomes' THEN (count(*) >= 4)::text ELSE count(*)::text END AS rows_compared
  FROM seen WHERE phase = 'after' GROUP BY reader ORDER BY reader;
SELECT domain_name, decision_recorded FROM domxfer.transfer_report WHERE domain_name LIKE 'dr-%' ORDER BY domain_name;
