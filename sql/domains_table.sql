-- The tables refuse impossible rows: domxfer.domains and domxfer.tld_policy.
-- Everything runs inside one transaction that is rolled back.
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\set VERBOSITY terse
BEGIN;

-- A valid row, to vary one column at a time.
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('valid.table.example', 'regress-us', '2020-01-01', '2030-01-01');
SELECT name, status, unpaid, legal_hold, holder_disputed, contacts_complete,
	   registrant_email, real_name_verified, uses_registrar_dns, open_transfer_id
  FROM domxfer.domains WHERE name = 'valid.table.example';

-- Each statement below must fail, naming the constraint it breaks.
SAVEPOINT s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('expiry.table.example', 'reg', '2020-01-01', '2019-12-31');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('expiry-equal.table.example', 'reg', '2020-01-01', '2020-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at)
VALUES ('transfer.table.example', 'reg', '2020-01-01', '2030-01-01', '2019-12-31 23:59:59.999999');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, late_renewed_at)
VALUES ('renewal.table.example', 'reg', '2020-01-01', '2030-01-01', '2019-06-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('Upper.table.example', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('dot.table.example.', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('中文.table.example', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('bad_label.table.example', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('example', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('empty-sponsor.table.example', '', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('null-sponsor.table.example', NULL, '2020-01-01', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('infinite.table.example', 'reg', '-infinity', '2030-01-01');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('infinite.table.example', 'reg', '2020-01-01', 'infinity');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at)
VALUES ('infinite.table.example', 'reg', '2020-01-01', '2030-01-01', 'infinity');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, late_renewed_at)
VALUES ('infinite.table.example', 'reg', '2020-01-01', '2030-01-01', 'infinity');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, status)
VALUES ('status.table.example', 'reg', '2020-01-01', '2030-01-01', 'pendingTransfer,clientTransferProhibited');
ROLLBACK TO s;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
VALUES ('valid.table.example', 'reg', '2020-01-01', '2030-01-01');
ROLLBACK TO s;
UPDATE domxfer.domains SET expires_at = registered_at - interval '1 microsecond' WHERE name = 'valid.table.example';
ROLLBACK TO s;
-- the boundary cases that are allowed: transfer or late renewal at the registration instant
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at)
VALUES ('xn--fiq228c.table.example', 'reg', '2020-01-01', '2020-01-01 00:00:00.000001', '2020-01-01', '2020-01-01');
SELECT name, registered_at, expires_at, last_transferred_at FROM domxfer.domains WHERE name LIKE '%table.example' ORDER BY name;

-- tld_policy: the shipped rows.
SELECT tld, min_days_after_registration, min_days_before_expiry, min_days_after_transfer,
	   min_days_after_late_renewal, expiry_warning_days, auto_approve_days, auth_code_lifetime_days,
	   manual_answer_working_days, business_time_zone, manual_process, early_approval, shipped
  FROM domxfer.tld_policy ORDER BY tld;

-- Policy numbers out of range, non-canonical TLDs and unknown time zones fail.
SAVEPOINT p;
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration) VALUES ('cn', -1);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration) VALUES ('cn', 3651);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, min_days_before_expiry) VALUES ('cn', -1);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, min_days_after_transfer) VALUES ('cn', 3651);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, min_days_after_late_renewal) VALUES ('cn', -1);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, expiry_warning_days) VALUES ('cn', 3651);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, auto_approve_days) VALUES ('cn', 4);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, auto_approve_days) VALUES ('cn', 8);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, auth_code_lifetime_days) VALUES ('cn', 0);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, auth_code_lifetime_days) VALUES ('cn', 366);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, manual_answer_working_days) VALUES ('cn', 0);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, manual_answer_working_days) VALUES ('cn', 61);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration) VALUES ('cn', NULL);
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, business_time_zone) VALUES ('cn', 'Mars/Olympus_Mons');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld, business_time_zone) VALUES ('cn', '');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld) VALUES ('CN');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld) VALUES ('cn.');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld) VALUES ('.cn');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld) VALUES ('香港');
ROLLBACK TO p;
INSERT INTO domxfer.tld_policy (tld) VALUES ('');
ROLLBACK TO p;
-- the boundary values are allowed, and so are real zone names
INSERT INTO domxfer.tld_policy (tld, min_days_after_registration, min_days_before_expiry,
	min_days_after_transfer, min_days_after_late_renewal, expiry_warning_days,
	auto_approve_days, auth_code_lifetime_days, manual_answer_working_days, business_time_zone)
VALUES ('cn', 0, 3650, 0, 3650, 0, 7, 365, 60, 'Asia/Shanghai'),
	   ('xn--fiqs8s', 3650, 0, 3650, 0, 3650, 5, 1, 1, 'UTC');
SELECT tld, business_time_zone, shipped FROM domxfer.tld_policy WHERE NOT shipped ORDER BY tld;
SAVEPOINT p;

-- The default row and the shipped rows stay: no DELETE, no change of tld or shipped.
DELETE FROM domxfer.tld_policy WHERE tld = '*';
ROLLBACK TO p;
DELETE FROM domxfer.tld_policy WHERE tld = 'hk';
ROLLBACK TO p;
DELETE FROM domxfer.tld_policy WHERE shipped;
ROLLBACK TO p;
UPDATE domxfer.tld_policy SET tld = 'com' WHERE tld = '*';
ROLLBACK TO p;
UPDATE domxfer.tld_policy SET tld = 'mo' WHERE tld = 'hk';
ROLLBACK TO p;
UPDATE domxfer.tld_policy SET shipped = false WHERE tld = 'hk';
ROLLBACK TO p;
UPDATE domxfer.tld_policy SET shipped = true WHERE tld = 'cn';
ROLLBACK TO p;
-- a row of one's own can be renamed and deleted
UPDATE domxfer.tld_policy SET tld = 'mo' WHERE tld = 'cn';
DELETE FROM domxfer.tld_policy WHERE tld = 'mo';
SELECT tld FROM domxfer.tld_policy ORDER BY tld;

-- Inserting a shipped row again (as a restored dump does) replaces the
-- shipped row's numbers instead of conflicting; a plain INSERT conflicts.
INSERT INTO domxfer.tld_policy (tld, min_days_after_transfer, manual_process, business_time_zone, shipped)
VALUES ('hk', 30, false, 'Asia/Hong_Kong', true),
	   ('*', 45, false, 'UTC', true);
SELECT tld, min_days_after_transfer, manual_process, shipped FROM domxfer.tld_policy ORDER BY tld;
SAVEPOINT q;
INSERT INTO domxfer.tld_policy (tld) VALUES ('hk');
ROLLBACK TO q;
INSERT INTO domxfer.tld_policy (tld, shipped) VALUES ('xn--fiqs8s', true);
ROLLBACK TO q;
-- a shipped row's constraints still apply to the replacement
INSERT INTO domxfer.tld_policy (tld, auto_approve_days, shipped) VALUES ('hk', 9, true);
ROLLBACK TO q;
-- a shipped row for a TLD without one is an ordinary insert
INSERT INTO domxfer.tld_policy (tld, shipped) VALUES ('mo', true);
SELECT tld, shipped FROM domxfer.tld_policy WHERE tld = 'mo';

-- Every column of both tables has a comment (no row printed).
SELECT c.relname, a.attname
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.oid IN ('domxfer.domains'::regclass, 'domxfer.tld_policy'::regclass)
   AND a.attnum > 0 AND NOT a.attisdropped
   AND col_description(c.oid, a.attnum) IS NULL;
-- Both tables are dumped with the extension's data.
-- (later fragments add their own tables to the list)
SELECT c.table, c.condition
  FROM pg_extension e, unnest(e.extconfig::regclass[], e.extcondition) AS c("table", condition)
 WHERE e.extname = 'domxfer' AND c.table IN ('domxfer.tld_policy'::regclass, 'domxfer.domains'::regclass)
 ORDER BY 1;

ROLLBACK;
