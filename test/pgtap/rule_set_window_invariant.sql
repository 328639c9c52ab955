-- The window invariant under rule sets (SPEC §1a) and with R10 data: over
-- thousands of generated domains whose TLDs use different rule sets
-- (registrar_policy, icann_2024, icann_tpr and one of our own that demotes
-- R2 and switches R4 off), probed at every rule boundary and window bound
-- one microsecond either side and at random instants: the blocking time
-- rules hold at t exactly when t <@ transfer_window(d); they agree with a
-- reference written in SQL from the SPEC; demoted time rules show up as
-- warnings, never as blockers; and eligible <=> no blockers.
BEGIN;
SELECT plan(10);

SET LOCAL TimeZone = 'Asia/Shanghai';
SELECT setseed(0.1010);

INSERT INTO domxfer.rule_sets (rule_set, code, effect) VALUES
	('own_set', 'too_soon_after_registration', 'warn'),
	('own_set', 'too_soon_after_transfer', 'off');
INSERT INTO domxfer.tld_policy (tld, rule_set, min_days_after_registration, min_days_before_expiry,
								min_days_after_transfer, min_days_after_late_renewal,
								min_days_after_registrant_change)
VALUES ('com', 'registrar_policy', 60, 15, 60, 45, 60),
	   ('org', 'icann_2024', 60, 15, 60, 45, 60),
	   ('net', 'icann_tpr', 30, 15, 30, 45, 60),
	   ('cn', 'own_set', 30, 20, 90, 10, 7);

-- the effect of each time rule per rule set, as the SPEC's table (and own_set) say
CREATE TEMP TABLE time_effect ON COMMIT DROP AS
SELECT * FROM (VALUES
	('registrar_policy', 'block', 'block', 'block', 'block', 'block'),
	('icann_2024',       'block', 'warn',  'block', 'warn',  'block'),
	('icann_tpr',        'block', 'warn',  'block', 'warn',  'off'),
	('own_set',          'warn',  'block', 'off',   'block', 'block')
) AS v(rule_set, r2, r3, r4, r6, r10);

CREATE TEMP TABLE gen ON COMMIT DROP AS
SELECT i,
	   (ARRAY['com', 'org', 'net', 'cn', 'example'])[1 + floor(random() * 5)::int] AS tld,
	   timestamptz '2015-01-01 00:00:00+00'
		   + make_interval(secs => floor(random() * 3e8)) + floor(random() * 1e6) * interval '1 microsecond' AS registered_at,
	   random() AS r_expiry, random() AS r_transfer, random() AS r_renewal, random() AS r_change,
	   random() AS r_flags
  FROM generate_series(1, 4000) AS i;

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, late_renewed_at, status, contacts_complete,
							 registrant_email, registrant_changed_at, registrant_change_lock_opt_out)
SELECT 'rsinv-' || i || '.' || tld,
	   current_setting('domxfer.registrar_id'),
	   registered_at,
	   registered_at + CASE WHEN r_expiry < 0.1 THEN make_interval(secs => 1 + floor(r_expiry * 10 * 80 * 86400))
							ELSE make_interval(secs => floor(r_expiry * 5 * 365 * 86400)) + interval '1 day' END,
	   CASE WHEN r_transfer < 0.5 THEN NULL
			ELSE registered_at + make_interval(secs => floor((r_transfer - 0.5) * 2 * 400 * 86400)) END,
	   CASE WHEN r_renewal < 0.6 THEN NULL
			ELSE registered_at + make_interval(secs => floor((r_renewal - 0.6) * 2.5 * 500 * 86400)) END,
	   (ARRAY['ok', 'ok', 'ok', 'clientTransferProhibited', 'pendingUpdate'])[1 + floor(r_flags * 5)::int]::domxfer.domain_status,
	   r_flags NOT BETWEEN 0.6 AND 0.65,
	   CASE WHEN r_flags BETWEEN 0.7 AND 0.75 THEN 'broken' ELSE 'holder' || i || '@example.com' END,
	   CASE WHEN r_change < 0.4 THEN NULL
			ELSE registered_at + make_interval(secs => floor((r_change - 0.4) * 1.7 * 600 * 86400))
				 + floor(random() * 1e6) * interval '1 microsecond' END,
	   r_change > 0.9
  FROM gen;
SELECT cmp_ok((SELECT count(*) FROM domxfer.domains WHERE name LIKE 'rsinv-%'), '=', 4000::bigint,
			  'generated 4000 domains');

-- each domain's numbers and time-rule effects, looked up in SQL (the reference)
CREATE TEMP TABLE pol ON COMMIT DROP AS
SELECT d.name, e.*,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_registration, s.min_days_after_registration)) AS d2,
	   make_interval(secs => 86400 * COALESCE(p.min_days_before_expiry, s.min_days_before_expiry)) AS d3,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_transfer, s.min_days_after_transfer)) AS d4,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_late_renewal, s.min_days_after_late_renewal)) AS d6,
	   make_interval(secs => 86400 * COALESCE(p.min_days_after_registrant_change, s.min_days_after_registrant_change)) AS d10
  FROM domxfer.domains d
  JOIN domxfer.tld_policy s ON s.tld = '*'
  LEFT JOIN domxfer.tld_policy p ON p.tld = domxfer.domain_tld(d.name)
  JOIN time_effect e ON e.rule_set = COALESCE(p.rule_set, s.rule_set)
 WHERE d.name LIKE 'rsinv-%';

CREATE TEMP TABLE probe ON COMMIT DROP AS
SELECT DISTINCT d.name, b.t + o * interval '1 microsecond' AS at
  FROM domxfer.domains d
  JOIN pol USING (name)
 CROSS JOIN LATERAL (VALUES (d.registered_at + pol.d2), (d.expires_at - pol.d3),
							(d.last_transferred_at + pol.d4), (d.late_renewed_at + pol.d6),
							(d.registrant_changed_at + pol.d10),
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
	   domxfer.transfer_out_warnings(d, p.at) AS warnings,
	   p.at <@ domxfer.transfer_window(d) AS in_window,
	   -- each time rule as SPEC §1 states it, with exact seconds
	   p.at >= d.registered_at + pol.d2 AS h2,
	   p.at < d.expires_at - pol.d3 AS h3,
	   (d.last_transferred_at IS NULL OR p.at > d.last_transferred_at + pol.d4) AS h4,
	   (d.late_renewed_at IS NULL OR p.at > d.late_renewed_at + pol.d6) AS h6,
	   (d.registrant_changed_at IS NULL OR d.registrant_change_lock_opt_out
		OR p.at > d.registrant_changed_at + pol.d10) AS h10,
	   pol.r2, pol.r3, pol.r4, pol.r6, pol.r10
  FROM probe p
  JOIN domxfer.domains d USING (name)
  JOIN pol USING (name);

SELECT is((SELECT count(*) FROM answer
			WHERE in_window IS DISTINCT FROM
				  NOT (blockers && ARRAY['too_soon_after_registration', 'too_close_to_expiry',
										 'too_soon_after_transfer', 'too_soon_after_late_renewal',
										 'too_soon_after_registrant_change'])),
		  0::bigint, 'the blocking time rules hold at t exactly when t <@ transfer_window(d)');

SELECT is((SELECT count(*) FROM answer
			WHERE in_window IS DISTINCT FROM
				  ((r2 <> 'block' OR h2) AND (r3 <> 'block' OR h3) AND (r4 <> 'block' OR h4)
				   AND (r6 <> 'block' OR h6) AND (r10 <> 'block' OR h10))),
		  0::bigint, 'transfer_window agrees with the SQL reference of the blocking R2, R3, R4, R6, R10');

SELECT is((SELECT count(*) FROM answer
			WHERE (r2 = 'warn' AND NOT h2) IS DISTINCT FROM ('too_soon_after_registration' = ANY (warnings))
			   OR (r3 = 'warn' AND NOT h3) IS DISTINCT FROM ('too_close_to_expiry' = ANY (warnings))
			   OR (r6 = 'warn' AND NOT h6) IS DISTINCT FROM ('too_soon_after_late_renewal' = ANY (warnings))
			   OR 'too_soon_after_transfer' = ANY (warnings)
			   OR 'too_soon_after_registrant_change' = ANY (warnings)),
		  0::bigint, 'a demoted time rule is a warning exactly when it fails; none is both');

SELECT is((SELECT count(*) FROM answer
			WHERE (r4 = 'off' AND 'too_soon_after_transfer' = ANY (blockers || warnings))
			   OR (r10 = 'off' AND 'too_soon_after_registrant_change' = ANY (blockers || warnings))
			   OR blockers && warnings),
		  0::bigint, 'a rule that is off is never reported; no code is both a blocker and a warning');

SELECT is((SELECT count(*) FROM answer WHERE eligible IS DISTINCT FROM (cardinality(blockers) = 0)),
		  0::bigint, 'transfer_out_eligible(d, at) <=> cardinality(transfer_out_blockers(d, at)) = 0');

-- not vacuous
SELECT cmp_ok((SELECT count(*) FROM answer WHERE r10 = 'block' AND NOT h10), '>', 1000::bigint,
			  'R10 blocks at many probes');
SELECT cmp_ok((SELECT count(*) FROM answer WHERE in_window AND NOT (h2 AND h3 AND h4 AND h6 AND h10)
				  AND eligible), '>', 100::bigint,
			  'many probes fail a demoted or switched-off time rule and are still inside the window and eligible');
SELECT cmp_ok((SELECT count(*) FROM domxfer.domains d WHERE name LIKE 'rsinv-%'
				  AND (lower_inf(domxfer.transfer_window(d)) OR upper_inf(domxfer.transfer_window(d)))),
			  '>', 100::bigint, 'many windows are unbounded on a side no blocking rule limits');

SELECT * FROM finish();
ROLLBACK;
