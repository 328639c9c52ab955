-- The document-based process of .hk and .香港, and its working-day deadline.
SET TimeZone = 'UTC';

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

-- 1. working days: Monday to Friday minus holidays, counted from the day
-- after the local calendar day of arrival; the deadline is the local
-- midnight that ends the last working day
SHOW domxfer.registrar_id;
SELECT tld, manual_process, business_time_zone, manual_answer_working_days
  FROM domxfer.tld_policy WHERE tld IN ('hk', 'xn--j6w193g') ORDER BY tld;
CREATE TEMP TABLE arrivals (label text, arrived timestamptz);
INSERT INTO arrivals VALUES
	('Friday 15:00 HKT', '2025-01-03 15:00+08'),
	('Saturday 01:00 HKT (Friday 17:00 UTC)', '2025-01-03 17:00+00'),
	('Sunday 23:59 HKT', '2025-01-05 23:59+08'),
	('Monday 00:00 HKT', '2025-01-06 00:00+08'),
	('Tuesday before Lunar New Year', '2025-01-28 10:00+08');
-- without holidays
SELECT label, domxfer._add_working_days(arrived, 3, 'Asia/Hong_Kong', 'hk') AT TIME ZONE 'Asia/Hong_Kong' AS deadline_hkt,
	   domxfer._add_working_days(arrived, 3, 'Asia/Hong_Kong', 'hk') AS deadline_utc
  FROM arrivals ORDER BY arrived;
-- the same Friday in UTC business time is still Friday: Mon, Tue, Wed
SELECT domxfer._add_working_days('2025-01-03 17:00+00', 3, 'UTC', 'hk') AS deadline_utc_business;
INSERT INTO domxfer.holidays (day, tld, name) VALUES
	('2025-01-07', 'hk', 'lc test holiday (hk)'),
	('2025-01-08', 'com', 'lc test holiday (other TLD)'),
	('2025-01-29', '*', 'lc Lunar New Year 1'),
	('2025-01-30', '*', 'lc Lunar New Year 2'),
	('2025-01-31', '*', 'lc Lunar New Year 3');
-- with holidays: Tuesday 7 is skipped for .hk only; the Lunar New Year for all
SELECT label, domxfer._add_working_days(arrived, 3, 'Asia/Hong_Kong', 'hk') AT TIME ZONE 'Asia/Hong_Kong' AS hk_deadline_hkt,
	   domxfer._add_working_days(arrived, 3, 'Asia/Hong_Kong', 'xn--j6w193g') AT TIME ZONE 'Asia/Hong_Kong' AS xianggang_deadline_hkt
  FROM arrivals ORDER BY arrived;
SELECT pg_temp.try($$INSERT INTO domxfer.holidays (day, tld, name) VALUES ('2025-02-01', 'HK', 'lc bad')$$);
SELECT pg_temp.try($$INSERT INTO domxfer.holidays (day, tld, name) VALUES ('2025-01-07', 'hk', 'lc twice')$$);

-- 2. the process
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('lc-manual.hk', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.hk'),
	   (domxfer.normalize_domain('lc-manual.香港'), 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.hk'),
	   ('lc-auto.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-manual.hk')$$);
SELECT pg_temp.try($$SELECT domxfer.open_manual_transfer('lc-auto.example')$$);
SELECT domxfer.open_manual_transfer('LC-Manual.HK') AS hk_id \gset
SELECT state, manual, auth_code_hash IS NULL AS no_code, due_at IS NULL AS not_due, documents_received_at
  FROM domxfer.transfers WHERE id = :hk_id;
SELECT pg_temp.try($$SELECT domxfer.open_manual_transfer('lc-manual.hk')$$);
SELECT pg_temp.try(format($$SELECT domxfer.approve_manual_transfer(%s)$$, :hk_id));
SELECT pg_temp.try(format($$SELECT domxfer.reissue_auth_code(%s)$$, :hk_id));
SELECT domxfer.record_documents_received(:hk_id) AS returned_deadline \gset
SELECT answer_deadline = :'returned_deadline' AS returns_deadline,
	   answer_deadline = domxfer._add_working_days(documents_received_at, 3, 'Asia/Hong_Kong', 'hk') AS three_working_days,
	   answer_deadline > documents_received_at + interval '3 days' AS after_three_calendar_days
  FROM domxfer.transfers WHERE id = :hk_id;
SELECT pg_temp.try(format($$SELECT domxfer.record_documents_received(%s)$$, :hk_id));
-- not overdue yet; overdue once the answer deadline has passed
SELECT count(*) AS overdue FROM domxfer.overdue_manual_requests WHERE domain_name = 'lc-manual.hk';
UPDATE domxfer.transfers
   SET documents_received_at = '2025-01-03 15:00+08', answer_deadline = '2025-01-10 00:00+08'
 WHERE id = :hk_id;
SELECT domain_name, unicode_name, answer_deadline, overdue_by > interval '0' AS overdue
  FROM domxfer.overdue_manual_requests WHERE domain_name = 'lc-manual.hk';
SELECT e.from_state, e.to_state, e.detail ->> 'action' AS action
  FROM domxfer.transfer_events e WHERE e.transfer_id = :hk_id ORDER BY e.id;

-- 3. approval issues the code, then the ordinary steps; R9 never blocks it
SELECT domxfer.approve_manual_transfer(:hk_id) AS hk_code \gset
SELECT :'hk_code' ~ '^[A-Za-z0-9]{22}$' AS well_formed;
SELECT state, octet_length(auth_code_hash) AS hash_bytes, auth_code_expires_at - auth_code_issued_at AS lifetime
  FROM domxfer.transfers WHERE id = :hk_id;
SELECT count(*) AS overdue FROM domxfer.overdue_manual_requests WHERE domain_name = 'lc-manual.hk';
SELECT domxfer.receive_transfer_request('lc-manual.hk', :'hk_code', 'hk-gainer') = :hk_id AS accepted;
SELECT domxfer.process_due_transfers(now() + interval '6 days') > 0 AS decided_some;
SELECT t.state, t.outcome_reason, t.decided_at = t.deadline AS decided_at_deadline, d.sponsoring_registrar
  FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name
 WHERE t.id = :hk_id;

-- 4. .香港 by its Unicode name; a manual request can be cancelled
SELECT domxfer.open_manual_transfer('lc-manual.香港') AS xg_id \gset
SELECT domain_name, domxfer.domain_to_unicode(domain_name) AS unicode_name, state
  FROM domxfer.transfers WHERE id = :xg_id;
SELECT domxfer.cancel_transfer_out(:xg_id, 'documents incomplete');
SELECT state, outcome_reason, cancel_note FROM domxfer.transfers WHERE id = :xg_id;

-- clean up
DELETE FROM domxfer.holidays WHERE name LIKE 'lc %';
SET session_replication_role = replica;
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE 'lc-%';
DELETE FROM domxfer.transfers WHERE domain_name LIKE 'lc-%';
DELETE FROM domxfer.domains WHERE name LIKE 'lc-%';
RESET session_replication_role;
