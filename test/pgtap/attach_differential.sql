-- Differential test (SPEC §10): on 100,000 generated domains, every rule
-- function over an attached registrar-shaped table answers exactly as over
-- domxfer.domains holding the same data, at random instants. The table is
-- shaped like registry software stores domains (test/attach/README.md):
-- statuses as a text[] of Java enum names, timestamps without time zone,
-- mixed-case names, flags the registrar keeps in its own words.
BEGIN;
SET client_min_messages = warning;
SELECT plan(9);
SELECT setseed(0.3031);

CREATE SCHEMA reg;
CREATE TABLE reg.domain (
	repo_id bigint PRIMARY KEY,
	domain_name text NOT NULL UNIQUE,
	sponsor text NOT NULL,
	creation_time timestamp NOT NULL,
	expiration_time timestamp NOT NULL,
	last_transfer_time timestamp,
	late_renewal_time timestamp,
	statuses text[] NOT NULL,
	balance numeric NOT NULL,
	udrp_case text,
	identity_disputed boolean,
	whois_complete boolean NOT NULL,
	email text,
	hosted_dns boolean NOT NULL,
	owner_changed timestamp,
	owner_change_opt_out boolean NOT NULL
);

-- the status values, as Java enum names
CREATE TEMP TABLE enum_names AS
SELECT upper(regexp_replace(v, '([a-z])([A-Z])', '\1_\2', 'g')) AS enum_name, v AS epp
  FROM unnest(ARRAY['clientDeleteProhibited', 'serverDeleteProhibited', 'clientHold', 'serverHold',
	'clientRenewProhibited', 'serverRenewProhibited', 'clientTransferProhibited', 'serverTransferProhibited',
	'clientUpdateProhibited', 'serverUpdateProhibited', 'inactive', 'pendingCreate', 'pendingDelete',
	'pendingRenew', 'pendingUpdate', 'addPeriod', 'autoRenewPeriod', 'renewPeriod', 'transferPeriod',
	'redemptionPeriod', 'pendingRestore']) AS v;

INSERT INTO reg.domain
SELECT i,
	   -- names in several spellings, TLDs with different policies and rule sets
	   CASE i % 5 WHEN 0 THEN upper('d' || i) ELSE 'd' || i END || '.' ||
		   (ARRAY['com', 'net', 'hk', 'cn', 'org', 'xn--j6w193g', 'example'])[1 + i % 7],
	   CASE WHEN i % 13 = 0 THEN 'other-reg' ELSE 'regress-us' END,
	   reg_at,
	   reg_at + (30 + (random() * 1500)::int) * interval '1 day',
	   CASE WHEN i % 4 = 0 THEN reg_at + (random() * 400)::int * interval '1 day' END,
	   CASE WHEN i % 6 = 0 THEN reg_at + (random() * 400)::int * interval '1 day' END,
	   COALESCE((SELECT array_agg(e.enum_name) FROM enum_names e
				  WHERE random() < 0.04 AND e.epp NOT LIKE 'pending%' AND e.epp <> 'inactive' AND i > 0), '{}'),
	   CASE WHEN i % 17 = 0 THEN 10 ELSE 0 END,
	   CASE WHEN i % 19 = 0 THEN 'UDRP-' || i END,
	   CASE WHEN i % 23 = 0 THEN true WHEN i % 29 = 0 THEN NULL ELSE false END,
	   i % 31 <> 0,
	   CASE i % 11 WHEN 0 THEN NULL WHEN 1 THEN 'not an address' WHEN 2 THEN 'holder@例え.jp'
		   ELSE 'holder' || i || '@example.net' END,
	   i % 3 = 0,
	   CASE WHEN i % 7 = 0 THEN reg_at + (random() * 400)::int * interval '1 day' END,
	   i % 14 = 0
  FROM generate_series(1, 100000) AS i,
	   LATERAL (SELECT timestamp '2024-01-01' + (random() * 700 * 86400) * interval '1 second' + i * interval '0 second' AS reg_at) r;

-- the same domains in domxfer.domains
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at,
	late_renewed_at, status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
	uses_registrar_dns, registrant_changed_at, registrant_change_lock_opt_out)
SELECT domxfer.normalize_domain(domain_name), sponsor, creation_time AT TIME ZONE 'UTC',
	   expiration_time AT TIME ZONE 'UTC', last_transfer_time AT TIME ZONE 'UTC',
	   late_renewal_time AT TIME ZONE 'UTC',
	   CAST(statuses AS domxfer.domain_status), balance > 0, udrp_case IS NOT NULL,
	   COALESCE(identity_disputed, false), whois_complete, email, hosted_dns,
	   owner_changed AT TIME ZONE 'UTC', owner_change_opt_out
  FROM reg.domain
 WHERE (last_transfer_time IS NULL OR last_transfer_time >= creation_time);
DELETE FROM reg.domain r WHERE NOT EXISTS (SELECT FROM domxfer.domains d WHERE d.name = domxfer.normalize_domain(r.domain_name));

SELECT cmp_ok((SELECT count(*) FROM reg.domain), '>=', 99000::bigint, 'about 100,000 domains on both sides');

SELECT lives_ok($$SELECT domxfer.attach_domains('reg.domain', '{
	"name": "domain_name", "sponsoring_registrar": "sponsor", "registered_at": "creation_time",
	"expires_at": "expiration_time", "last_transferred_at": "last_transfer_time",
	"late_renewed_at": "late_renewal_time", "status": "statuses", "unpaid": "balance > 0",
	"legal_hold": "udrp_case IS NOT NULL", "holder_disputed": "identity_disputed",
	"contacts_complete": "whois_complete", "registrant_email": "email",
	"uses_registrar_dns": "hosted_dns", "registrant_changed_at": "owner_changed",
	"registrant_change_lock_opt_out": "owner_change_opt_out"}')$$, 'the registrar''s table attaches');

-- random instants across the whole span of the data, and a few on day boundaries
CREATE TEMP TABLE instants AS
SELECT timestamptz '2024-01-01 00:00+00' + (random() * 2200 * 86400) * interval '1 second' AS at
  FROM generate_series(1, 4)
UNION ALL SELECT timestamptz '2025-06-01 00:00+00';

SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name), instants
			WHERE domxfer.transfer_out_blockers(r, at) IS DISTINCT FROM domxfer.transfer_out_blockers(d, at)),
		  0::bigint, 'transfer_out_blockers agrees on every domain at every instant');
SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name), instants
			WHERE domxfer.transfer_out_eligible(r, at) IS DISTINCT FROM domxfer.transfer_out_eligible(d, at)),
		  0::bigint, 'transfer_out_eligible agrees');
SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name), instants
			WHERE domxfer.transfer_out_warnings(r, at) IS DISTINCT FROM domxfer.transfer_out_warnings(d, at)),
		  0::bigint, 'transfer_out_warnings agrees');
SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name), instants
			WHERE domxfer.transfer_out_blocker_mask(r, at) IS DISTINCT FROM domxfer.transfer_out_blocker_mask(d, at)),
		  0::bigint, 'transfer_out_blocker_mask agrees');
SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name)
			WHERE domxfer.transfer_window(r) IS DISTINCT FROM domxfer.transfer_window(d)),
		  0::bigint, 'transfer_window agrees');
-- the comparison sees differences: a changed registrar row shows up
UPDATE reg.domain SET balance = 5 WHERE repo_id IN (SELECT repo_id FROM reg.domain ORDER BY repo_id LIMIT 3);
SELECT is((SELECT count(*) FROM reg.domain r JOIN domxfer.domains d ON d.name = domxfer.normalize_domain(r.domain_name)
			WHERE domxfer.transfer_out_blockers(r, '2025-06-01 00:00+00') IS DISTINCT FROM domxfer.transfer_out_blockers(d, '2025-06-01 00:00+00')),
		  3::bigint, 'and it would see a difference (3 rows made unpaid)');
-- the reports over the attached table equal those over domxfer.domains
SELECT is((SELECT count(*) FROM domxfer.domain_rows r JOIN domxfer.domains d USING (name)
			WHERE (r.sponsoring_registrar, r.registered_at, r.expires_at, r.last_transferred_at, r.late_renewed_at,
				   r.status::text, r.legal_hold, r.holder_disputed, r.contacts_complete, r.registrant_email_usable,
				   r.uses_registrar_dns, r.registrant_changed_at, r.registrant_change_lock_opt_out)
			   IS DISTINCT FROM
				  (d.sponsoring_registrar, d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
				   d.status::text, d.legal_hold, d.holder_disputed, d.contacts_complete, d.registrant_email_usable,
				   d.uses_registrar_dns, d.registrant_changed_at, d.registrant_change_lock_opt_out)),
		  0::bigint, 'domain_rows over the attached table shows the same columns');

SELECT * FROM finish();
ROLLBACK;
