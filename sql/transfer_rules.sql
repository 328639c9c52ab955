-- The transfer-out rules R1-R9 (SPEC §1) at their exact boundaries, the
-- warnings, transfer_window, the per-TLD policy and its cache, and errors.
-- Rows are this test's own (*.rules.example) and deleted at the end.
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SHOW domxfer.registrar_id;

-- A domain for which every rule holds, unless a column below says otherwise.
CREATE TEMP TABLE rules_row AS
SELECT 'regress-us'::text AS sponsoring_registrar,
	   timestamptz '2020-01-01 00:00:00+00' AS registered_at,
	   timestamptz '2030-01-01 00:00:00+00' AS expires_at,
	   'holder@example.com'::text AS registrant_email;

-- Time rules: every interval spans a daylight-saving change both in
-- America/New_York (2024-03-10, 2024-11-03) and in Europe/London
-- (2024-03-31, 2024-10-27). Each date is 12:00 New York time (EST) and
-- each boundary, N * 86,400 s away, is therefore 13:00 New York time (EDT).
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, late_renewed_at, registrant_email)
SELECT v.name, r.sponsoring_registrar,
	   COALESCE(v.registered_at, r.registered_at), COALESCE(v.expires_at, r.expires_at),
	   v.last_transferred_at, v.late_renewed_at, r.registrant_email
  FROM rules_row r,
	   (VALUES
		('r2.rules.example', timestamptz '2024-02-15 12:00 America/New_York', NULL::timestamptz, NULL::timestamptz, NULL::timestamptz),
		('r3.rules.example', NULL, timestamptz '2024-11-10 12:00 America/New_York', NULL, NULL),
		('r4.rules.example', NULL, NULL, timestamptz '2024-02-20 12:00 America/New_York', NULL),
		('r6.rules.example', NULL, NULL, NULL, timestamptz '2024-03-01 12:00 America/New_York'))
	   AS v(name, registered_at, expires_at, last_transferred_at, late_renewed_at);

-- The boundary instant of each time rule (and of the expiry warning),
-- written as absolute instants.
CREATE TEMP TABLE boundary (rule text, name text, boundary timestamptz);
INSERT INTO boundary VALUES
	('R2 at >= registered_at + 60 d', 'r2.rules.example', '2024-04-15 17:00:00+00'),
	('R3 expires_at - at > 15 d', 'r3.rules.example', '2024-10-26 17:00:00+00'),
	('R4 at - last_transferred_at > 60 d', 'r4.rules.example', '2024-04-20 17:00:00+00'),
	('R6 at - late_renewed_at > 45 d', 'r6.rules.example', '2024-04-15 17:00:00+00'),
	('warning: expires_at - at < 30 d', 'r3.rules.example', '2024-10-11 17:00:00+00');

-- The boundaries are exactly N * 86,400 s from the domain's dates.
SELECT b.rule,
	   EXTRACT(epoch FROM b.boundary) - EXTRACT(epoch FROM
		   CASE left(b.rule, 2)
			   WHEN 'R2' THEN d.registered_at WHEN 'R4' THEN d.last_transferred_at
			   WHEN 'R6' THEN d.late_renewed_at ELSE d.expires_at END) AS seconds_from_date
  FROM boundary b JOIN domxfer.domains d USING (name)
 ORDER BY b.rule;

-- One microsecond before, at, and one microsecond after each boundary,
-- under two session time zones: the answers must not change.
CREATE TEMP VIEW boundary_probe AS
SELECT b.rule, o.usec, b.boundary + o.usec * interval '1 microsecond' AS at,
	   domxfer.transfer_out_eligible(d, b.boundary + o.usec * interval '1 microsecond') AS eligible,
	   domxfer.transfer_out_blockers(d, b.boundary + o.usec * interval '1 microsecond') AS blockers,
	   domxfer.transfer_out_warnings(d, b.boundary + o.usec * interval '1 microsecond') AS warnings
  FROM boundary b
  JOIN domxfer.domains d USING (name)
 CROSS JOIN (VALUES (-1), (0), (1)) AS o(usec)
 ORDER BY b.rule, o.usec;

SET TimeZone = 'America/New_York';
SELECT * FROM boundary_probe;
CREATE TEMP TABLE probe_new_york AS SELECT rule, usec, eligible, blockers, warnings FROM boundary_probe;

SET TimeZone = 'Europe/London';
SELECT * FROM boundary_probe;
-- the same answers as in New York (no row printed)
SELECT rule, usec, eligible, blockers, warnings FROM boundary_probe
EXCEPT
SELECT * FROM probe_new_york;

-- Calendar arithmetic would be wrong: in New York, registered_at +
-- interval '60 days' is one hour before the R2 boundary (DST began in
-- between), so the domain is still too young then.
SET TimeZone = 'America/New_York';
SELECT d.registered_at + interval '60 days' AS calendar_60_days,
	   domxfer.transfer_out_blockers(d, d.registered_at + interval '60 days') AS blockers
  FROM domxfer.domains d WHERE name = 'r2.rules.example';
SET TimeZone = 'UTC';

-- Rules without a time boundary: each row breaks exactly one rule.
-- (The R5b rows carry pendingTransfer or open_transfer_id without a
-- transfer, which the lifecycle guard refuses: row triggers off for them.)
SET session_replication_role = replica;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 status, unpaid, legal_hold, holder_disputed,
							 contacts_complete, registrant_email, open_transfer_id,
							 real_name_verified, uses_registrar_dns)
SELECT domxfer.normalize_domain(v.name), COALESCE(v.sponsor, r.sponsoring_registrar), r.registered_at, r.expires_at,
	   v.status::domxfer.domain_status, v.unpaid, v.legal_hold, v.holder_disputed,
	   v.contacts_complete, COALESCE(v.email, r.registrant_email), v.open_transfer_id,
	   v.real_name_verified, v.uses_registrar_dns
  FROM rules_row r,
	   (VALUES
		('ok.rules.example', NULL, 'ok', false, false, false, true, NULL, NULL::bigint, false, false),
		('real-name-verified.rules.example', NULL, 'ok', false, false, false, true, NULL, NULL, true, false),
		('r1-other.rules.example', 'other-registrar', 'ok', false, false, false, true, NULL, NULL, false, false),
		('r1-case.rules.example', 'Regress-Us', 'ok', false, false, false, true, NULL, NULL, false, false),
		('r5a-client.rules.example', NULL, 'clientTransferProhibited', false, false, false, true, NULL, NULL, false, false),
		('r5a-server.rules.example', NULL, 'serverTransferProhibited', false, false, false, true, NULL, NULL, false, false),
		('r5b-status.rules.example', NULL, 'pendingTransfer', false, false, false, true, NULL, NULL, false, false),
		('r5b-open.rules.example', NULL, 'ok', false, false, false, true, NULL, 42, false, false),
		('r5c-delete.rules.example', NULL, 'pendingDelete', false, false, false, true, NULL, NULL, false, false),
		('r5c-redemption.rules.example', NULL, 'redemptionPeriod', false, false, false, true, NULL, NULL, false, false),
		('r5c-restore.rules.example', NULL, 'pendingRestore', false, false, false, true, NULL, NULL, false, false),
		('hold.rules.example', NULL, 'clientHold,serverHold,clientDeleteProhibited,clientUpdateProhibited', false, false, false, true, NULL, NULL, false, false),
		('r5d.rules.example', NULL, 'ok', true, false, false, true, NULL, NULL, false, false),
		('r5e.rules.example', NULL, 'ok', false, true, false, true, NULL, NULL, false, false),
		('r5f.rules.example', NULL, 'ok', false, false, true, true, NULL, NULL, false, false),
		('r7.rules.example', NULL, 'ok', false, false, false, false, NULL, NULL, false, false),
		('r8.rules.example', NULL, 'ok', false, false, false, true, 'not-an-address', NULL, false, false),
		('dns.rules.example', NULL, 'ok', false, false, false, true, NULL, NULL, false, true),
		('r9-hk.rules.hk', NULL, 'ok', false, false, false, true, NULL, NULL, false, false),
		('规则.rules.香港', NULL, 'ok', false, false, false, true, NULL, NULL, false, false),
		('everything.rules.hk', 'other-registrar', 'clientTransferProhibited,pendingDelete,redemptionPeriod', true, true, true, false, 'x@y', 7, false, true))
	   AS v(name, sponsor, status, unpaid, legal_hold, holder_disputed,
			contacts_complete, email, open_transfer_id, real_name_verified, uses_registrar_dns);
RESET session_replication_role;
UPDATE domxfer.domains SET registrant_email = NULL WHERE name = 'everything.rules.hk';

SELECT name, domxfer.transfer_out_eligible(d, '2025-06-01 00:00:00+00') AS eligible,
	   domxfer.transfer_out_blockers(d, '2025-06-01 00:00:00+00') AS blockers,
	   domxfer.transfer_out_warnings(d, '2025-06-01 00:00:00+00') AS warnings
  FROM domxfer.domains d
 WHERE name LIKE '%rules%' AND name NOT LIKE 'r_.rules.example'
 ORDER BY name;

-- The blocker mask has bit i for the i-th reason code.
SELECT domxfer.transfer_out_reason_codes();
SELECT name, domxfer.transfer_out_blocker_mask(d, '2025-06-01 00:00:00+00') AS mask
  FROM domxfer.domains d WHERE name IN ('ok.rules.example', 'everything.rules.hk', 'r5b-open.rules.example');
-- ... and agrees with the codes on every row (no row printed)
SELECT name FROM domxfer.domains d, (VALUES (timestamptz '2024-04-15 17:00:00+00'), ('2025-06-01 00:00:00+00')) AS t(at)
 WHERE name LIKE '%rules%'
   AND domxfer.transfer_out_blockers(d, t.at) IS DISTINCT FROM
	   ARRAY(SELECT c FROM unnest(domxfer.transfer_out_reason_codes()) WITH ORDINALITY AS u(c, i)
			  WHERE domxfer.transfer_out_blocker_mask(d, t.at) & (1 << (i::int - 1)) <> 0 ORDER BY i);

-- transfer_out_eligible(d, at) is cardinality(transfer_out_blockers(d, at)) = 0
-- (no row printed).
SELECT name, t.at FROM domxfer.domains d,
	   (SELECT boundary + o * interval '1 microsecond' FROM boundary, generate_series(-1, 1) AS o
		UNION ALL SELECT '2025-06-01 00:00:00+00') AS t(at)
 WHERE name LIKE '%rules%'
   AND domxfer.transfer_out_eligible(d, t.at) IS DISTINCT FROM
	   (cardinality(domxfer.transfer_out_blockers(d, t.at)) = 0);

-- Real-name verification is never a rule: flipping it on every row changes
-- no answer (no row printed).
CREATE TEMP TABLE before_flip AS
SELECT name, domxfer.transfer_out_blockers(d, '2025-06-01 00:00:00+00') AS blockers
  FROM domxfer.domains d WHERE name LIKE '%rules%';
UPDATE domxfer.domains SET real_name_verified = NOT real_name_verified WHERE name LIKE '%rules%';
SELECT name, domxfer.transfer_out_blockers(d, '2025-06-01 00:00:00+00') FROM domxfer.domains d WHERE name LIKE '%rules%'
EXCEPT SELECT * FROM before_flip;

-- R8: the holder's e-mail address.
CREATE TEMP TABLE email_case (n serial, email text, valid boolean);
INSERT INTO email_case (email, valid) VALUES
	('holder@example.com', true),
	('first.last+tag@mail.example.co.uk', true),
	('o''brien!#$%&*/=?^_`{|}~-@example.com', true),
	('holder@xn--fsqu00a.xn--fiqs8s', true),
	('holder@例子.中国', true),
	('用户@例子.中国', true),
	('a@b-c.d-e', true),
	(repeat('a', 64) || '@example.com', true),
	(repeat('a', 65) || '@example.com', false),
	('a@' || repeat(repeat('b', 63) || '.', 3) || repeat('c', 60), true),	-- 254 octets
	('a@' || repeat(repeat('b', 63) || '.', 3) || repeat('c', 61), false),	-- 255 octets
	('a@' || repeat('b', 64) || '.com', false),
	(NULL, false),
	('', false),
	('holder', false),
	('holder@', false),
	('@example.com', false),
	('holder@localhost', false),
	('holder@@example.com', false),
	('a@b@example.com', false),
	('.holder@example.com', false),
	('holder.@example.com', false),
	('ho..lder@example.com', false),
	('"holder"@example.com', false),
	('holder name@example.com', false),
	(' holder@example.com', false),
	('holder@example.com ', false),
	('holder@example..com', false),
	('holder@.example.com', false),
	('holder@example.com.', false),
	('holder@-example.com', false),
	('holder@example-.com', false),
	('holder@exa_mple.com', false),
	('holder@example.123', false),
	('holder@[192.0.2.1]', false),
	('holder@192.0.2.1', false),
	('holder(comment)@example.com', false),
	('holder@example.com>', false);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'email-' || n || '.rules.example', r.sponsoring_registrar, r.registered_at, r.expires_at, e.email
  FROM email_case e, rules_row r;
SELECT e.n, CASE WHEN length(e.email) > 40 THEN left(e.email, 12) || '... (' || octet_length(e.email) || ' octets)' ELSE e.email END AS email, e.valid,
	   domxfer.transfer_out_blockers(d, '2025-06-01 00:00:00+00') AS blockers
  FROM email_case e JOIN domxfer.domains d ON d.name = 'email-' || e.n || '.rules.example'
 ORDER BY e.n;
-- (no row printed)
SELECT e.n FROM email_case e JOIN domxfer.domains d ON d.name = 'email-' || e.n || '.rules.example'
 WHERE domxfer.transfer_out_eligible(d, '2025-06-01 00:00:00+00') IS DISTINCT FROM e.valid;

-- transfer_window: bounds, inclusivity and 'empty'.
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
							 last_transferred_at, late_renewed_at, registrant_email)
SELECT v.name, r.sponsoring_registrar, v.registered_at, v.expires_at,
	   v.last_transferred_at, v.late_renewed_at, r.registrant_email
  FROM rules_row r,
	   (VALUES
		-- R2 opens [, R3 closes )
		('w-r2.rules.example', timestamptz '2024-01-01 00:00+00', timestamptz '2025-01-01 00:00+00', NULL::timestamptz, NULL::timestamptz),
		-- R4 is the latest lower bound: (
		('w-r4.rules.example', '2020-01-01 00:00+00', '2025-01-01 00:00+00', '2024-03-01 00:00+00', NULL),
		-- R6 is the latest lower bound: (
		('w-r6.rules.example', '2020-01-01 00:00+00', '2025-01-01 00:00+00', '2024-03-01 00:00+00', '2024-06-01 00:00+00'),
		-- R2 and R4 fall on the same instant: the exclusive bound wins
		('w-tie.rules.example', '2024-01-01 00:00+00', '2025-01-01 00:00+00', '2024-01-01 00:00+00', NULL),
		-- registered too close to expiry: never
		('w-never.rules.example', '2024-01-01 00:00+00', '2024-03-16 00:00+00', NULL, NULL),
		-- [L, L + 1 us): exactly one instant, L
		('w-one-incl.rules.example', '2024-01-01 00:00+00', '2024-03-16 00:00:00.000001+00', NULL, NULL),
		-- (L, L + 1 us): no instant at all
		('w-none-excl.rules.example', '2020-01-01 00:00+00', '2024-01-31 00:00:00.000001+00', NULL, '2023-12-02 00:00+00'),
		-- (L, L + 2 us): exactly one instant, L + 1 us
		('w-one-excl.rules.example', '2020-01-01 00:00+00', '2024-01-31 00:00:00.000002+00', NULL, '2023-12-02 00:00+00'))
	   AS v(name, registered_at, expires_at, last_transferred_at, late_renewed_at);

SELECT name, domxfer.transfer_window(d) AS time_rules_hold
  FROM domxfer.domains d WHERE name LIKE 'w-%' ORDER BY name;
-- the instants around each bound: inside exactly when the time rules hold
SELECT name, t.at,
	   t.at <@ domxfer.transfer_window(d) AS in_window,
	   domxfer.transfer_out_blockers(d, t.at) AS blockers
  FROM domxfer.domains d,
	   LATERAL (SELECT DISTINCT b + o * interval '1 microsecond'
				  FROM (VALUES (lower(domxfer.transfer_window(d))), (upper(domxfer.transfer_window(d))),
							   (timestamptz '2024-01-16 00:00+00'), ('2024-03-01 00:00+00')) AS v(b),
					   generate_series(-1, 1) AS o
				 WHERE b IS NOT NULL) AS t(at)
 WHERE name IN ('w-tie.rules.example', 'w-never.rules.example', 'w-one-incl.rules.example',
				'w-none-excl.rules.example', 'w-one-excl.rules.example')
 ORDER BY name, t.at;

-- The per-TLD policy, the default row, and the cache after UPDATE.
BEGIN;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('policy.rules.cn', 'regress-us', '2024-01-01 00:00+00', '2030-01-01 00:00+00', 'holder@example.cn'),
	   ('policy.rules.org', 'regress-us', '2024-01-01 00:00+00', '2030-01-01 00:00+00', 'holder@example.org');
-- default numbers for both: 60 days
SELECT name, domxfer.transfer_out_blockers(d, '2024-02-01 00:00+00') AS at_31_days,
	   domxfer.transfer_window(d) FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
-- a row for cn: 30 days; org keeps the default
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration, min_days_before_expiry)
VALUES ('cn', 30, 100);
SELECT name, domxfer.transfer_out_blockers(d, '2024-02-01 00:00+00') AS at_31_days,
	   domxfer.transfer_window(d) FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
-- changing the row takes effect in the same session and transaction
UPDATE domxfer.tld_policy SET min_days_after_registration = 35 WHERE tld = 'cn';
SELECT name, domxfer.transfer_out_blockers(d, '2024-02-01 00:00+00') AS at_31_days,
	   domxfer.transfer_window(d) FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
-- so does changing the default row
UPDATE domxfer.tld_policy SET min_days_after_registration = 20 WHERE tld = '*';
SELECT name, domxfer.transfer_out_blockers(d, '2024-02-01 00:00+00') AS at_31_days,
	   domxfer.transfer_window(d) FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
-- and a manual-process TLD row
UPDATE domxfer.tld_policy SET manual_process = true WHERE tld = 'cn';
SELECT name, domxfer.transfer_out_blockers(d, '2024-06-01 00:00+00') FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
SAVEPOINT s;
DELETE FROM domxfer.tld_policy WHERE tld = 'cn';
SELECT name, domxfer.transfer_out_blockers(d, '2024-06-01 00:00+00') FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
ROLLBACK TO SAVEPOINT s;
-- the rolled-back DELETE is forgotten: cn is manual again
SELECT name, domxfer.transfer_out_blockers(d, '2024-06-01 00:00+00') FROM domxfer.domains d WHERE name LIKE 'policy.%' ORDER BY name;
-- hk self-service once its shipped row says so
UPDATE domxfer.tld_policy SET manual_process = false WHERE tld = 'hk';
SELECT name, domxfer.transfer_out_blockers(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'r9-hk.rules.hk';
ROLLBACK;
-- after ROLLBACK the shipped numbers apply again
SELECT name, domxfer.transfer_out_blockers(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'r9-hk.rules.hk';
SELECT name, domxfer.transfer_window(d) FROM domxfer.domains d WHERE name = 'w-r2.rules.example';

-- Without the default row the rules refuse to guess.
BEGIN;
TRUNCATE domxfer.tld_policy;
SELECT domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'ok.rules.example';
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;	-- row triggers off: the default row can go
DELETE FROM domxfer.tld_policy WHERE tld = '*';
RESET session_replication_role;
SELECT domxfer.transfer_window(d) FROM domxfer.domains d WHERE name = 'ok.rules.example';
ROLLBACK;
SELECT domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'ok.rules.example';

-- The public functions over a row are inlined: the plan calls the C
-- functions on plain columns, and no whole-row value is formed.
EXPLAIN (VERBOSE, COSTS OFF)
SELECT count(*) FROM domxfer.domains d WHERE domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00');
EXPLAIN (VERBOSE, COSTS OFF)
SELECT domxfer.transfer_out_blockers(d, '2025-06-01 00:00+00'), domxfer.transfer_out_warnings(d, '2025-06-01 00:00+00'),
	   domxfer.transfer_window(d), domxfer.transfer_out_blocker_mask(d, '2025-06-01 00:00+00')
  FROM domxfer.domains d;
SELECT p.proname, l.lanname,
	   p.provolatile, p.proisstrict, p.prosecdef, p.proconfig IS NULL AS no_set, p.proparallel
  FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND p.proname IN ('transfer_out_eligible', 'transfer_out_blockers', 'transfer_out_warnings',
					 'transfer_window', 'transfer_out_blocker_mask')
   AND p.proargtypes[0] = 'domxfer.domains'::regtype
 ORDER BY p.proname;

-- The rule functions run in parallel workers too (same answers).
SELECT count(*) FILTER (WHERE domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00')) AS eligible,
	   count(*) AS total
  FROM domxfer.domains d WHERE name LIKE '%rules%';
BEGIN;
SELECT set_config(CASE WHEN current_setting('server_version_num')::int >= 160000
					   THEN 'debug_parallel_query' ELSE 'force_parallel_mode' END, 'on', true) AS parallel;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM domxfer.domains d WHERE name LIKE '%rules%' AND domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00');
SELECT count(*) FILTER (WHERE domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00')) AS eligible,
	   count(*) AS total
  FROM domxfer.domains d WHERE name LIKE '%rules%';
ROLLBACK;

-- Looking a domain up by any spelling of its name.
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('xn--fiq228c.rules.example', 'regress-us', '2020-01-01 00:00+00', '2030-01-01 00:00+00', 'holder@example.com');
SELECT domxfer.transfer_out_eligible('xn--fiq228c.rules.example', '2025-06-01 00:00+00') AS a_label,
	   domxfer.transfer_out_eligible('中文.RULES.example.', '2025-06-01 00:00+00') AS unicode_upper_dot,
	   domxfer.transfer_out_eligible('r7.rules.example', '2025-06-01 00:00+00') AS r7,
	   domxfer.transfer_out_eligible('中文.rules.example', NULL) AS null_at,
	   domxfer.transfer_out_eligible(NULL::text, '2025-06-01 00:00+00') AS null_name;

-- Errors and NULLs.
\set VERBOSITY terse
SELECT domxfer.transfer_out_eligible('unknown.rules.example', '2025-06-01 00:00+00');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_eligible('ÜNKNOWN.rules.example');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_eligible('not a name', '2025-06-01 00:00+00');
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_eligible(d, 'infinity') FROM domxfer.domains d WHERE name = 'ok.rules.example';
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_blockers(d, '-infinity') FROM domxfer.domains d WHERE name = 'ok.rules.example';
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_warnings(d, 'infinity') FROM domxfer.domains d WHERE name = 'ok.rules.example';
\echo :LAST_ERROR_SQLSTATE
SELECT domxfer.transfer_out_eligible('ok.rules.example', 'infinity');
\echo :LAST_ERROR_SQLSTATE
\set VERBOSITY default
-- NULL at, the NULL row (an outer join that found nothing), a NULL column
SELECT domxfer.transfer_out_eligible(d, NULL) AS eligible, domxfer.transfer_out_blockers(d, NULL) AS blockers,
	   domxfer.transfer_out_warnings(d, NULL) AS warnings
  FROM domxfer.domains d WHERE name = 'ok.rules.example';
SELECT d.name, domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00') AS eligible,
	   domxfer.transfer_out_blockers(d, '2025-06-01 00:00+00') AS blockers,
	   domxfer.transfer_window(d) AS window
  FROM (VALUES ('missing.rules.example')) AS v(name)
  LEFT JOIN domxfer.domains d ON d.name = v.name;
SELECT domxfer.transfer_out_eligible(ROW('ok.rules.example', 'regress-us', '2020-01-01', '2030-01-01',
		   NULL, NULL, 'ok', NULL, false, false, true, 'a@b.cn', false, false, NULL, NULL, false, true)::domxfer.domains,
		   '2025-06-01 00:00+00') AS unpaid_unknown;
-- infinite dates in a row built by hand (the table refuses them)
SELECT domxfer.transfer_window(ROW('ok.rules.example', 'regress-us', '-infinity', '2030-01-01',
		   NULL, NULL, 'ok', false, false, false, true, 'a@b.cn', false, false, NULL, NULL, false, true)::domxfer.domains);
-- registrar_id unset: R1 cannot be decided
SET domxfer.registrar_id = '';
SELECT domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'ok.rules.example';
RESET domxfer.registrar_id;
SELECT domxfer.transfer_out_eligible(d, '2025-06-01 00:00+00') FROM domxfer.domains d WHERE name = 'ok.rules.example';

DELETE FROM domxfer.domains WHERE name LIKE '%rules%';
