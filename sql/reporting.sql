-- The reporting views (SPEC §7): what each column says, that it agrees with
-- the rule functions, durations and UTC days, the plans that use the
-- reporting indexes, and who may read them. Everything is rolled back.
SET TimeZone = 'UTC';
BEGIN;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, late_renewed_at, status, unpaid,
							 registrant_email, uses_registrar_dns)
VALUES
	-- eligible; its window opens at R2 (inclusive) and closes at R3 (exclusive)
	('bi-ok.example', 'regress-us', now() - interval '400 days', now() + interval '300 days',
	 NULL, NULL, 'ok', false, 'holder@example.net', false),
	-- an IDN in a manual TLD (.香港), using our DNS, expiring in 20 days
	(domxfer.normalize_domain('bi-例子.香港'), 'regress-us', now() - interval '400 days', now() + interval '20 days',
	 NULL, NULL, 'clientHold', false, 'holder@example.net', true),
	-- several blockers; the window opens after the late renewal (exclusive)
	('bi-blocked.example', 'regress-us', now() - interval '400 days', now() + interval '300 days',
	 NULL, now() - interval '10 days', 'clientTransferProhibited,clientUpdateProhibited', true, 'not-an-address', false),
	-- sponsored by another registrar (transferred out 100 days ago)
	('bi-gone.example', 'another-reg', now() - interval '400 days', now() + interval '300 days',
	 now() - interval '100 days', NULL, 'ok', false, 'holder@example.net', false),
	-- expired: its window lies in the past
	('bi-expired.example', 'regress-us', now() - interval '400 days', now() - interval '1 day',
	 NULL, NULL, 'ok', false, 'holder@example.net', false),
	-- registered 30 days ago, expiring in 40: R2 and R3 never hold at once
	('bi-empty.example', 'regress-us', now() - interval '30 days', now() + interval '40 days',
	 NULL, NULL, 'ok', false, 'holder@example.net', false);

-- one row per domain, each column as documented
SELECT name, unicode_name, tld, sponsoring_registrar, sponsored_by_us, status,
	   eligible_now, blockers, blockers_text, blocker_count, warnings, warnings_text,
	   round(days_until_expiry, 3) AS days_until_expiry
  FROM domxfer.eligibility WHERE name LIKE 'bi-%' OR name LIKE 'xn--bi-%' ORDER BY name;

-- the window as a range and as plain columns beside it
SELECT name, isempty(transfer_window) AS empty_window,
	   window_start - registered_at AS start_after_registration,
	   window_start_inclusive, expires_at - window_end AS end_before_expiry, window_end_inclusive,
	   CASE WHEN isempty(transfer_window)
			THEN window_start IS NULL AND window_end IS NULL
			ELSE transfer_window = tstzrange(window_start, window_end,
				CASE WHEN window_start_inclusive THEN '[' ELSE '(' END
				|| CASE WHEN window_end_inclusive THEN ']' ELSE ')' END) END AS columns_match_range
  FROM domxfer.eligibility WHERE name LIKE 'bi-%' OR name LIKE 'xn--bi-%' ORDER BY name;
SELECT window_start - late_renewed_at AS start_after_late_renewal, window_start_inclusive
  FROM domxfer.eligibility WHERE name = 'bi-blocked.example';

-- the view says exactly what the rule functions say, for every domain
SELECT count(*) >= 6 AS all_rows_checked,
	   count(*) FILTER (WHERE e.eligible_now IS DISTINCT FROM domxfer.transfer_out_eligible(d, now())
						   OR e.blockers IS DISTINCT FROM domxfer.transfer_out_blockers(d, now())
						   OR e.warnings IS DISTINCT FROM domxfer.transfer_out_warnings(d, now())
						   OR e.transfer_window IS DISTINCT FROM domxfer.transfer_window(d)
						   OR e.eligible_now IS DISTINCT FROM (e.blocker_count = 0)
						   OR e.unicode_name IS DISTINCT FROM domxfer.domain_to_unicode(d.name)) AS disagreeing
  FROM domxfer.eligibility e JOIN domxfer.domains d USING (name);

-- transfer_report: one transfer run through the lifecycle functions ...
SELECT transfer_id AS ok_id, auth_code AS ok_code FROM domxfer.request_transfer_out('BI-OK.example') \gset
SELECT domxfer.receive_transfer_request('bi-ok.example', :'ok_code', 'gaining.example') IS NOT NULL AS received;
SELECT transfer_id = :ok_id AS same_transfer, domain_name, unicode_name, tld, state, is_open, gaining_registrar,
	   outcome_reasons, outcome_reason, decided_at IS NULL AS undecided, duration IS NULL AS no_duration,
	   deadline - requested_at AS auto_approval_delay, time_to_request >= interval '0' AS request_after_creation
  FROM domxfer.transfer_report WHERE domain_name = 'bi-ok.example';
SELECT domxfer.approve_transfer_out(:ok_id);
SELECT state, is_open, outcome_reasons, outcome_reason, decided_at >= requested_at AS decided_after_request,
	   duration = decided_at - created_at AS duration_matches,
	   duration_seconds = extract(epoch FROM decided_at - created_at) AS seconds_match
  FROM domxfer.transfer_report WHERE transfer_id = :ok_id;
SELECT sponsoring_registrar, sponsored_by_us, blockers FROM domxfer.eligibility WHERE name = 'bi-ok.example';

-- ... and finished transfers with known instants (written directly, as only
-- a superuser can): durations as interval, seconds and days; the UTC day
INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at,
							   deadline, decided_at, outcome_reason, cancel_note)
VALUES
	('bi-gone.example', 'completed', 'another-reg', '2001-03-01 10:00:00+00', '2001-03-02 22:00:00+00',
	 '2001-03-07 22:00:00+00', '2001-03-07 22:00:00+00', '{auto_approved}', NULL),
	('bi-gone.example', 'cancelled', 'another-reg', '2001-03-01 10:00:00+00', '2001-03-01 10:30:00.5+00',
	 '2001-03-06 10:30:00.5+00', '2001-03-01 23:30:00+00', '{holder_cancelled}', 'not now'),
	('bi-gone.example', 'rejected', 'another-reg', '2001-03-01 10:00:00+00', '2001-03-01 12:00:00+00',
	 '2001-03-02 00:30:00+00', '2001-03-02 00:30:00+00', '{unpaid,legal_proceedings}', NULL),
	('bi-gone.example', 'expired', NULL, '2001-02-01 10:00:00+00', NULL,
	 NULL, '2001-03-01 23:59:59.999999+00', '{auth_code_expired}', NULL);
SET TimeZone = 'Asia/Hong_Kong';	-- UTC+8: no column below depends on it
SELECT state, outcome_reasons, outcome_reason, cancel_note, decided_day,
	   time_to_request, time_to_request_seconds, round(time_to_request_days, 6) AS time_to_request_days,
	   time_to_decision, time_to_decision_seconds, round(time_to_decision_days, 6) AS time_to_decision_days,
	   duration, duration_seconds, round(duration_days, 6) AS duration_days
  FROM domxfer.transfer_report
 WHERE domain_name = 'bi-gone.example' ORDER BY decided_at;

-- daily counts per UTC day, TLD and final state
SELECT * FROM domxfer.daily_transfer_outcomes
 WHERE day BETWEEN '2001-03-01' AND '2001-03-31' ORDER BY day, tld, state;
SET TimeZone = 'UTC';

-- no view shows an auth code, its hash or its salt
SELECT table_name, column_name FROM information_schema.columns
 WHERE table_schema = 'domxfer'
   AND table_name IN ('eligibility', 'transfer_report', 'daily_transfer_outcomes', 'overdue_manual_requests')
   AND (column_name LIKE '%hash%' OR column_name LIKE '%salt%' OR column_name = 'auth_code');

-- BI tools see plain types: every array or range column has a text or
-- timestamptz column beside it, and no column has a domxfer type
SELECT c.table_name, c.column_name, c.data_type, c.udt_name
  FROM information_schema.columns c
 WHERE c.table_schema = 'domxfer'
   AND c.table_name IN ('eligibility', 'transfer_report', 'daily_transfer_outcomes', 'overdue_manual_requests')
   AND c.data_type NOT IN ('text', 'boolean', 'bigint', 'integer', 'numeric', 'date', 'interval',
						   'timestamp with time zone')
 ORDER BY 1, 2;

-- the plans of typical reports use indexes (seq scans disabled only so the
-- tiny test tables do not make a scan cheaper)
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT name, eligible_now FROM domxfer.eligibility WHERE tld = 'hk';
EXPLAIN (COSTS OFF) SELECT * FROM domxfer.eligibility WHERE name = domxfer.normalize_domain('BI-OK.Example.');
EXPLAIN (COSTS OFF) SELECT name, blockers_text FROM domxfer.eligibility
 WHERE expires_at < now() + interval '30 days';
EXPLAIN (COSTS OFF) SELECT * FROM domxfer.daily_transfer_outcomes WHERE day >= date '2001-03-01';
EXPLAIN (COSTS OFF) SELECT * FROM domxfer.transfer_report WHERE decided_day = date '2001-03-01';
EXPLAIN (COSTS OFF) SELECT * FROM domxfer.transfer_report WHERE domain_name = 'bi-gone.example';
-- the rule functions are inlined: no whole-row value, one C call per column
EXPLAIN (COSTS OFF, VERBOSE) SELECT eligible_now FROM domxfer.eligibility WHERE name = 'bi-ok.example';
RESET enable_seqscan;

-- domxfer_reader (and so domxfer_app and domxfer_admin) read every view
SELECT v.view, r.role, has_table_privilege(r.role, v.view, 'SELECT') AS can_select
  FROM unnest(ARRAY['domxfer.eligibility', 'domxfer.transfer_report', 'domxfer.daily_transfer_outcomes',
					'domxfer.overdue_manual_requests']) AS v(view),
	   unnest(ARRAY['domxfer_reader', 'domxfer_app', 'domxfer_admin']) AS r(role)
 ORDER BY 1, 2;
SET ROLE domxfer_reader;
SELECT count(*) AS eligibility_rows FROM domxfer.eligibility WHERE name LIKE 'bi-%';
SELECT count(*) AS report_rows FROM domxfer.transfer_report WHERE domain_name LIKE 'bi-%';
SELECT sum(transfers) AS daily_total FROM domxfer.daily_transfer_outcomes WHERE day = '2001-03-01';
RESET ROLE;

ROLLBACK;

-- domxfer._rfc3339 (C since 0.3.0) gives the text of 0.2.0's SQL expression
-- for every instant: random ones over the whole range and the edges (before
-- 2000, whose internal value is negative; BC; whole seconds; fractions with
-- trailing zeros; the largest instant), in any session TimeZone
SET TimeZone = 'Asia/Hong_Kong';
SELECT setseed(0.3);
WITH instants(at) AS (
	SELECT timestamptz '2000-01-01 00:00:00+00' + random() * interval '200 years' - interval '100 years'
	  FROM generate_series(1, 20000)
	UNION ALL
	SELECT date_trunc('second', timestamptz '2000-01-01 00:00:00+00' + random() * interval '100 years')
	  FROM generate_series(1, 1000)
	UNION ALL
	VALUES (timestamptz '1999-12-31 23:59:59.999999+00'), (timestamptz '2000-01-01 00:00:00+00'),
		   (timestamptz '1970-01-01 00:00:00.5+00'), (timestamptz '2025-01-31 12:00:00.120+00'),
		   (timestamptz '0044-03-15 12:00:00+00 BC'), (timestamptz '4713-01-01 00:00:00+00 BC'),
		   (timestamptz '294276-12-31 23:59:59.999999+00'), (timestamptz '10000-01-01 00:00:00.000001+00')
)
SELECT count(*) AS instants,
	   count(*) FILTER (WHERE domxfer._rfc3339(at) IS DISTINCT FROM
			to_char(timezone('UTC', at), 'YYYY-MM-DD"T"HH24:MI:SS')
			|| rtrim(rtrim(to_char(timezone('UTC', at), '.US'), '0'), '.') || 'Z') AS differing
  FROM instants;
SELECT domxfer._rfc3339('infinity') IS NULL AS infinity_null, domxfer._rfc3339('-infinity') IS NULL AS minus_infinity_null,
	   domxfer._rfc3339('2025-01-31 20:00:00.5+08') AS half_second_utc;
RESET TimeZone;
