-- Rule sets (SPEC §1a), table-driven: for each shipped rule set and each
-- rule R1-R11, a domain that fails only that rule, probed one microsecond
-- before, at and after the rule's boundary (a time rule's instant; for the
-- other rules the boundary is the column itself, probed at the same three
-- instants). The effect the SPEC's table gives the rule in that set decides
-- where its code must appear: in transfer_out_blockers (block), in
-- transfer_out_warnings (warn) or nowhere (off); and a blocking time rule
-- bounds transfer_window, a demoted one does not.
BEGIN;

-- T: the probe instant; every boundary is put at T.
CREATE TEMP TABLE probe_at ON COMMIT DROP AS SELECT timestamptz '2025-06-01 00:00:00+00' AS t;

-- one TLD per rule set for self-service, one manual TLD per rule set (R9)
UPDATE domxfer.tld_policy SET rule_set = 'icann_2024' WHERE tld = 'xn--j6w193g';
INSERT INTO domxfer.tld_policy (tld, rule_set, manual_process) VALUES
	('com', 'registrar_policy', false), ('org', 'icann_2024', false), ('net', 'icann_tpr', false),
	('mo', 'icann_tpr', true);

CREATE TEMP TABLE set_tld ON COMMIT DROP AS
SELECT * FROM (VALUES ('registrar_policy', 'com', 'hk'), ('icann_2024', 'org', 'xn--j6w193g'),
					  ('icann_tpr', 'net', 'mo')) AS v(rule_set, tld, manual_tld);

-- The SPEC §1a table, written out (the contract, not read from the tables).
CREATE TEMP TABLE spec_effect ON COMMIT DROP AS
SELECT s.rule_set, c.code,
	   CASE WHEN s.rule_set = 'registrar_policy' THEN 'block'
			WHEN c.code IN ('too_close_to_expiry', 'too_soon_after_late_renewal',
							'contacts_incomplete', 'registrant_email_invalid') THEN 'warn'
			WHEN c.code = 'manual_process_required' THEN 'off'
			WHEN c.code = 'too_soon_after_registrant_change' AND s.rule_set = 'icann_tpr' THEN 'off'
			ELSE 'block' END AS effect
  FROM set_tld s
 CROSS JOIN unnest(ARRAY['not_sponsored', 'too_soon_after_registration', 'too_close_to_expiry',
						 'too_soon_after_transfer', 'transfer_prohibited', 'transfer_pending',
						 'deletion_pending', 'unpaid', 'legal_proceedings', 'holder_disputed',
						 'too_soon_after_late_renewal', 'contacts_incomplete', 'registrant_email_invalid',
						 'manual_process_required', 'too_soon_after_registrant_change',
						 'operation_pending',
						 -- SPEC §10 (0.3.0): a registrar's status the type cannot read
						 'status_unreadable']) AS c(code);

-- One case per rule: the columns that make only that rule fail around T.
-- fails_before / fails_at / fails_after: whether the rule fails at T-1us, T, T+1us.
CREATE TEMP TABLE rule_case ON COMMIT DROP AS
SELECT * FROM (VALUES
	('r1',  'not_sponsored',                    true,  true,  true),
	('r2',  'too_soon_after_registration',      true,  false, false),  -- at >= registered_at + 60 d
	('r3',  'too_close_to_expiry',              false, true,  true),   -- expires_at - at > 15 d
	('r4',  'too_soon_after_transfer',          true,  true,  false),  -- at - last_transferred_at > 60 d
	('r5a', 'transfer_prohibited',              true,  true,  true),
	('r5b', 'transfer_pending',                 true,  true,  true),
	('r5c', 'deletion_pending',                 true,  true,  true),
	('r5d', 'unpaid',                           true,  true,  true),
	('r5e', 'legal_proceedings',                true,  true,  true),
	('r5f', 'holder_disputed',                  true,  true,  true),
	('r6',  'too_soon_after_late_renewal',      true,  true,  false),  -- at - late_renewed_at > 45 d
	('r7',  'contacts_incomplete',              true,  true,  true),
	('r8',  'registrant_email_invalid',         true,  true,  true),
	('r9',  'manual_process_required',          true,  true,  true),
	('r10', 'too_soon_after_registrant_change', true,  true,  false),  -- at - registrant_changed_at > 60 d
	('r10o', 'too_soon_after_registrant_change', false, false, false), -- the same, opted out
	('r11', 'operation_pending',                true,  true,  true),
	('ok',  NULL,                               false, false, false)
) AS v(label, code, fails_before, fails_at, fails_after);

-- (the r5b rows carry pendingTransfer without a transfer, which the
-- lifecycle guard refuses: row triggers off for the load)
SET LOCAL session_replication_role = replica;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at,
							 late_renewed_at, status, unpaid, legal_hold, holder_disputed, contacts_complete,
							 registrant_email, registrant_changed_at, registrant_change_lock_opt_out)
SELECT c.label || '.bnd.' || CASE WHEN c.label = 'r9' THEN s.manual_tld ELSE s.tld END,
	   CASE WHEN c.label = 'r1' THEN 'someone-else' ELSE current_setting('domxfer.registrar_id') END,
	   CASE WHEN c.label = 'r2' THEN p.t - interval '60 days' ELSE timestamptz '2020-01-01 00:00+00' END,
	   CASE WHEN c.label = 'r3' THEN p.t + interval '15 days' ELSE timestamptz '2030-01-01 00:00+00' END,
	   CASE WHEN c.label = 'r4' THEN p.t - interval '60 days' END,
	   CASE WHEN c.label = 'r6' THEN p.t - interval '45 days' END,
	   CASE c.label WHEN 'r5a' THEN 'clientTransferProhibited' WHEN 'r5b' THEN 'pendingTransfer'
					WHEN 'r5c' THEN 'redemptionPeriod' WHEN 'r11' THEN 'pendingRenew'
					ELSE 'ok' END::domxfer.domain_status,
	   c.label = 'r5d', c.label = 'r5e', c.label = 'r5f', c.label <> 'r7',
	   CASE WHEN c.label = 'r8' THEN U&'holder@example.com\00A0' ELSE 'holder@example.com' END,
	   CASE WHEN c.label IN ('r10', 'r10o') THEN p.t - interval '60 days' END,
	   c.label = 'r10o'
  FROM rule_case c CROSS JOIN set_tld s CROSS JOIN probe_at p;
SET LOCAL session_replication_role = origin;

CREATE TEMP TABLE answer ON COMMIT DROP AS
SELECT s.rule_set, c.label, c.code, o.offset_us,
	   CASE o.offset_us WHEN -1 THEN c.fails_before WHEN 0 THEN c.fails_at ELSE c.fails_after END AS fails,
	   COALESCE(e.effect, 'none') AS effect,
	   domxfer.transfer_out_blockers(d, p.t + o.offset_us * interval '1 microsecond') AS blockers,
	   ARRAY(SELECT w FROM unnest(domxfer.transfer_out_warnings(d, p.t + o.offset_us * interval '1 microsecond')) AS w
			  WHERE w NOT IN ('uses_registrar_dns', 'expires_within_30_days')) AS rule_warnings,
	   domxfer.transfer_out_eligible(d, p.t + o.offset_us * interval '1 microsecond') AS eligible,
	   domxfer.transfer_out_blocker_mask(d, p.t + o.offset_us * interval '1 microsecond') AS mask,
	   (p.t + o.offset_us * interval '1 microsecond') <@ domxfer.transfer_window(d) AS in_window,
	   domxfer.transfer_window(d) AS win
  FROM rule_case c
 CROSS JOIN set_tld s
 CROSS JOIN probe_at p
 CROSS JOIN (VALUES (-1), (0), (1)) AS o(offset_us)
  JOIN domxfer.domains d ON d.name = c.label || '.bnd.' || CASE WHEN c.label = 'r9' THEN s.manual_tld ELSE s.tld END
  LEFT JOIN spec_effect e ON e.rule_set = s.rule_set AND e.code = c.code;

SELECT plan((SELECT count(*)::int FROM answer) + 10);

SELECT is((SELECT array_agg(rule_set || ':' || code || ':' || effect ORDER BY rule_set, code) FROM domxfer.rule_sets),
		  (SELECT array_agg(rule_set || ':' || code || ':' || effect ORDER BY rule_set, code) FROM spec_effect),
		  'the shipped rule sets are the SPEC §1a table, one row per rule set and rule code');

-- one assertion per (rule set, rule, instant)
SELECT ok(a.blockers = CASE WHEN a.fails AND a.effect = 'block' THEN ARRAY[a.code] ELSE '{}' END
		  AND a.rule_warnings = CASE WHEN a.fails AND a.effect = 'warn' THEN ARRAY[a.code] ELSE '{}' END
		  AND a.eligible = (cardinality(a.blockers) = 0)
		  AND a.mask = CASE WHEN a.fails AND a.effect = 'block'
							THEN 1 << (SELECT bit FROM domxfer.reason_codes WHERE code = a.code) ELSE 0 END
		  -- a time rule bounds the window only where it blocks
		  AND (a.code NOT IN ('too_soon_after_registration', 'too_close_to_expiry', 'too_soon_after_transfer',
							  'too_soon_after_late_renewal', 'too_soon_after_registrant_change')
			   OR a.in_window = NOT (a.fails AND a.effect = 'block')),
		  format('%s, %s at T%s1us: %s', a.rule_set, COALESCE(a.code, 'no rule fails'),
				 CASE WHEN a.offset_us < 0 THEN '-' ELSE '+' END,
				 CASE WHEN NOT a.fails THEN 'holds' WHEN a.effect = 'block' THEN 'blocker'
					  WHEN a.effect = 'warn' THEN 'warning' ELSE 'absent (off)' END)
		  || CASE WHEN a.offset_us = 0 THEN ' (at T)' ELSE '' END
		  || format(' [blockers %s, warnings %s, window %s]', a.blockers, a.rule_warnings, a.win))
  FROM answer a
 ORDER BY a.rule_set, a.label, a.offset_us;

-- the probes are not vacuous: every effect occurs, failing and holding
SELECT is((SELECT array_agg(DISTINCT effect ORDER BY effect) FROM answer WHERE fails),
		  ARRAY['block', 'off', 'warn'], 'failing rules were probed under all three effects');
SELECT is((SELECT count(DISTINCT code) FROM answer WHERE fails AND effect = 'warn'), 4::bigint,
		  'R3, R6, R7 and R8 were seen as warnings');
SELECT is((SELECT count(*) FROM answer WHERE label = 'ok' AND (NOT eligible OR cardinality(rule_warnings) > 0)),
		  0::bigint, 'the clean domain is eligible with no rule warning under every rule set');

-- a demoted R3 leaves the window unbounded above, a demoted R2/R4 below
SELECT is((SELECT upper_inf(domxfer.transfer_window(d)) FROM domxfer.domains d WHERE name = 'r3.bnd.org'),
		  true, 'icann_2024: R3 warns, so transfer_window has no upper bound');
SELECT is((SELECT domxfer.transfer_window(d) FROM domxfer.domains d WHERE name = 'r3.bnd.com'),
		  tstzrange('2020-03-01 00:00+00', '2025-06-01 00:00+00', '[)'),
		  'registrar_policy: R3 blocks, so transfer_window ends 15 days before expiry, exclusive');
SELECT is((SELECT domxfer.transfer_window(d) FROM domxfer.domains d WHERE name = 'r10.bnd.org'),
		  tstzrange('2025-06-01 00:00+00', NULL, '()'),
		  'icann_2024: R10 blocks, so the window starts after registrant_changed_at + 60 d, exclusive');

-- a rule set of one's own, and the cache sees a change at the next statement
INSERT INTO domxfer.rule_sets (rule_set, code, effect) VALUES ('cn_only_expiry', 'unpaid', 'warn');
UPDATE domxfer.tld_policy SET rule_set = 'cn_only_expiry' WHERE tld = 'com';
SELECT is((SELECT (domxfer.transfer_out_blockers(d, '2025-06-01'), domxfer.transfer_out_warnings(d, '2025-06-01'))::text
			 FROM domxfer.domains d WHERE name = 'r5d.bnd.com'),
		  '({},{unpaid})', 'a rule set of one''s own demotes unpaid; the rules it has no row for still block');
SELECT is((SELECT domxfer.transfer_out_blockers(d, '2025-06-01') FROM domxfer.domains d WHERE name = 'r3.bnd.com'),
		  '{too_close_to_expiry}', '... e.g. R3');
UPDATE domxfer.rule_sets SET effect = 'off' WHERE rule_set = 'cn_only_expiry' AND code = 'unpaid';
SELECT is((SELECT (domxfer.transfer_out_blockers(d, '2025-06-01'), domxfer.transfer_out_warnings(d, '2025-06-01'))::text
			 FROM domxfer.domains d WHERE name = 'r5d.bnd.com'),
		  '({},{})', 'an update of rule_sets applies from the next statement: unpaid off is not reported at all');

SELECT * FROM finish();
ROLLBACK;
