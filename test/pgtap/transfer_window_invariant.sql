-- Over thousands of generated domains and many instants per domain (each
-- rule boundary and each window bound, one microsecond either side, plus
-- random instants): the time rules R2, R3, R4, R6 hold at t exactly when
-- t <@ transfer_window(d); they agree with a reference written in SQL with
-- exact-second arithmetic; and eligible <=> no blockers.
BEGIN;
SELECT plan(12);

SET LOCAL TimeZone = 'America/New_York';
SELECT setseed(0.4242);

-- TLDs with their own numbers, so the per-TLD lookup is exercised too.
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration, min_days_before_expiry,
								min_days_after_transfer, min_days_after_late_renewal)
VALUES ('cn', 30, 20, 90, 10), ('org', 0, 0, 0, 0);

CREATE TEMP TABLE gen ON COMMIT DROP AS
SELECT i,
	   (ARRAY['com', 'net', 'hk', 'xn--j6w193g', 'cn', 'org'])[1 + floor(random() * 6)::int] AS tld,
	   timestamptz '2015-01-01 00:00:00+00'
		   + make_interval(secs => floor(random() * 3e8)) + floor(random() * 1e6) * interval '1 microsecond' AS registered_at,
	   random() AS r_expiry, random() AS r_transfer, random() AS r_renewal, random() AS r_flags
  FROM generate_series(1, 4000) AS i;

-- some rows carry pendingTransfer without a transfer (the rules only read the
-- row), which the lifecycle guard refuses: row triggers off for the load
SET LOCAL session_replication_role = replica;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, late_renewed_at, status, unpaid,
							 contacts_complete, registrant_email, real_name_verified)
SELECT 'inv-' || i || '.' || tld,
	   CASE WHEN r_flags < 0.05 THEN 'someone-else' ELSE 'regress-us' END,
	   registered_at,
	   -- a tenth expire within 80 days of registration: often an empty window
	   registered_at + CASE WHEN r_expiry < 0.1 THEN make_interval(secs => 1 + floor(r_expiry * 10 * 80 * 86400))
							ELSE make_interval(secs => floor(r_expiry * 5 * 365 * 86400)) + interval '1 day' END,
	   CASE WHEN r_transfer < 0.5 THEN NULL
			ELSE registered_at + make_interval(secs => floor((r_transfer - 0.5) * 2 * 400 * 86400)) END,
	   CASE WHEN r_renewal < 0.6 THEN NULL
			ELSE registered_at + make_interval(secs => floor((r_renewal - 0.6) * 2.5 * 500 * 86400)) END,
	   (ARRAY['ok', 'ok', 'ok', 'clientHold', 'clientTransferProhibited', 'pendingTransfer', 'redemptionPeriod'])[1 + floor(r_flags * 7)::int]::domxfer.domain_status,
	   r_flags BETWEEN 0.5 AND 0.55,
	   r_flags NOT BETWEEN 0.6 AND 0.63,
	   CASE WHEN r_flags BETWEEN 0.7 AND 0.72 THEN 'broken' ELSE 'holder' || i || '@example.com' END,
	   r_flags < 0.5
  FROM gen;
SET LOCAL session_replication_role = origin;
-- expiry must stay after registration (the table insists)
SELECT cmp_ok((SELECT count(*) FROM domxfer.domains WHERE name LIKE 'inv-%'), '=', 4000::bigint,
			  'generated 4000 domains');

-- Each domain's policy numbers, looked up in SQL (the reference).
CREATE TEMP TABLE pol ON COMMIT DROP AS
SELECT d.name,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_registration, s.min_days_after_registration)) AS r2,
	   make_interval(secs => 86400 * COALESCE(p.min_days_before_expiry, s.min_days_before_expiry)) AS r3,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_transfer, s.min_days_after_transfer)) AS r4,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_late_renewal, s.min_days_after_late_renewal)) AS r6
  FROM domxfer.domains d
  JOIN domxfer.tld_policy s ON s.tld = '*'
  LEFT JOIN domxfer.tld_policy p ON p.tld = domxfer.domain_tld(d.name)
 WHERE d.name LIKE 'inv-%';

-- The instants: every rule boundary and window bound, +/- 1 us, and three random ones.
CREATE TEMP TABLE probe ON COMMIT DROP AS
SELECT DISTINCT d.name, b.t + o * interval '1 microsecond' AS at
  FROM domxfer.domains d
  JOIN pol USING (name)
 CROSS JOIN LATERAL (VALUES (d.registered_at + pol.r2), (d.expires_at - pol.r3),
							(d.last_transferred_at + pol.r4), (d.late_renewed_at + pol.r6),
							(lower(domxfer.transfer_window(d))), (upper(domxfer.transfer_window(d))),
							(d.registered_at + random() * (d.expires_at - d.registered_at)),
							(d.registered_at + random() * interval '3000 days'),
							(d.registered_at - random() * interval '30 days')) AS b(t)
 CROSS JOIN generate_series(-1, 1) AS o
 WHERE b.t IS NOT NULL;
SELECT cmp_ok((SELECT count(*) FROM probe), '>', 60000::bigint, 'more than 60,000 (domain, instant) probes');

CREATE TEMP TABLE answer ON COMMIT DROP AS
SELECT p.name, p.at,
	   domxfer.transfer_out_eligible(d, p.at) AS eligible,
	   domxfer.transfer_out_blockers(d, p.at) AS blockers,
	   domxfer.transfer_out_blocker_mask(d, p.at) AS mask,
	   p.at <@ domxfer.transfer_window(d) AS in_window,
	   -- the reference: SPEC §1 in SQL with exact seconds
	   p.at >= d.registered_at + pol.r2
	   AND p.at < d.expires_at - pol.r3
	   AND (d.last_transferred_at IS NULL OR p.at > d.last_transferred_at + pol.r4)
	   AND (d.late_renewed_at IS NULL OR p.at > d.late_renewed_at + pol.r6) AS reference_time_rules
  FROM probe p
  JOIN domxfer.domains d USING (name)
  JOIN pol USING (name);

SELECT is((SELECT count(*) FROM answer
			WHERE in_window IS DISTINCT FROM
				  NOT (blockers && ARRAY['too_soon_after_registration', 'too_close_to_expiry',
										 'too_soon_after_transfer', 'too_soon_after_late_renewal'])),
		  0::bigint, 'the time rules hold at t exactly when t <@ transfer_window(d)');

SELECT is((SELECT count(*) FROM answer WHERE in_window IS DISTINCT FROM reference_time_rules),
		  0::bigint, 'transfer_window agrees with the SQL reference of R2, R3, R4, R6');

SELECT is((SELECT count(*) FROM answer WHERE eligible IS DISTINCT FROM (cardinality(blockers) = 0)),
		  0::bigint, 'transfer_out_eligible(d, at) <=> cardinality(transfer_out_blockers(d, at)) = 0');

SELECT is((SELECT count(*) FROM answer
			WHERE blockers IS DISTINCT FROM
				  ARRAY(SELECT c FROM unnest(domxfer.transfer_out_reason_codes()) WITH ORDINALITY AS u(c, i)
						 WHERE mask & (1 << (i::int - 1)) <> 0 ORDER BY i)),
		  0::bigint, 'the blocker mask names the same rules as the reason codes');

-- The probes are not vacuous: they cover both answers of every time rule.
SELECT is((SELECT array_agg(DISTINCT c ORDER BY c) FROM answer, unnest(blockers) AS c
			WHERE c IN ('too_soon_after_registration', 'too_close_to_expiry',
						'too_soon_after_transfer', 'too_soon_after_late_renewal')),
		  ARRAY['too_close_to_expiry', 'too_soon_after_late_renewal',
				'too_soon_after_registration', 'too_soon_after_transfer'],
		  'every time rule fails somewhere');
SELECT cmp_ok((SELECT count(*) FROM answer WHERE in_window), '>', 10000::bigint,
			  'many probes fall inside their window');
SELECT cmp_ok((SELECT count(*) FROM answer WHERE eligible), '>', 1000::bigint,
			  'many probes are eligible');
SELECT cmp_ok((SELECT count(*) FROM domxfer.domains d WHERE name LIKE 'inv-%' AND isempty(domxfer.transfer_window(d))),
			  '>', 50::bigint, 'some windows are empty');

-- The same answers under another session time zone.
SET LOCAL TimeZone = 'Europe/London';
SELECT is((SELECT count(*) FROM answer a JOIN domxfer.domains d USING (name)
			WHERE a.blockers IS DISTINCT FROM domxfer.transfer_out_blockers(d, a.at)
			   OR a.in_window IS DISTINCT FROM (a.at <@ domxfer.transfer_window(d))),
		  0::bigint, 'the answers do not depend on the session time zone');

-- The same count from parallel workers (which load their own policy cache,
-- and must see this transaction's uncommitted policy rows).
CREATE TEMP TABLE serial_count ON COMMIT DROP AS
SELECT count(*) AS n FROM domxfer.domains d
 WHERE name LIKE 'inv-%' AND domxfer.transfer_out_eligible(d, '2020-06-01 00:00+00');
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SET LOCAL max_parallel_workers_per_gather = 2;
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
					   THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', true);
SELECT is((SELECT count(*) FROM domxfer.domains d
			WHERE name LIKE 'inv-%' AND domxfer.transfer_out_eligible(d, '2020-06-01 00:00+00')),
		  (SELECT n FROM serial_count),
		  'parallel workers give the same count');

SELECT * FROM finish();
ROLLBACK;
