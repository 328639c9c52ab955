-- The demo's report (make demo prints it; test/t/400_readme_sql.pl runs it
-- and checks that it fits in 100 columns). Times in UTC.
SET TimeZone = 'UTC';
\pset format wrapped
\pset columns 100
\pset linestyle ascii
\pset footer off
\pset tuples_only off
\pset null '-'

-- The meanings of the reason codes come from domxfer.reason_codes where the
-- installed version has it; otherwise from the rules table of README.md.
SELECT pg_catalog.to_regclass('domxfer.reason_codes') IS NOT NULL AS have_reason_codes \gset
\if :have_reason_codes
CREATE TEMP VIEW demo_meaning AS
SELECT code, meaning_en AS meaning FROM domxfer.reason_codes;
\else
CREATE TEMP VIEW demo_meaning (code, meaning) AS VALUES
	('not_sponsored', 'we are not the sponsoring registrar'),
	('too_soon_after_registration', 'registered less than 60 days ago'),
	('too_close_to_expiry', '15 days or less before expiry, or expired'),
	('too_soon_after_transfer', 'transferred between registrars 60 days ago or less'),
	('transfer_prohibited', 'locked against transfer'),
	('transfer_pending', 'another transfer is in progress'),
	('deletion_pending', 'being deleted or redeemed'),
	('unpaid', 'fees are unpaid'),
	('legal_proceedings', 'in arbitration or legal proceedings'),
	('holder_disputed', 'holder identity unclear or disputed'),
	('too_soon_after_late_renewal', 'renewed after expiry (or restored) 45 days ago or less'),
	('contacts_incomplete', 'holder contact fields incomplete'),
	('registrant_email_invalid', 'the auth code cannot be e-mailed'),
	('manual_process_required', '.hk / .香港 need the manual, document-based process'),
	('uses_registrar_dns', 'still resolves through our DNS: move DNS first'),
	('expires_within_30_days', 'fewer than 30 days before expiry');
\endif

\echo 'Transfer-out eligibility of the demo domains now (registrar: demo-registrar)'
\echo '("eligible from": "now", or when the time rules R2, R3, R4, R6 will allow it (UTC);'
\echo ' "-": other rules block it, or the time rules will not allow it before the domain changes)'
SELECT domxfer.domain_to_unicode(d.name) AS domain,
	   CASE WHEN domxfer.transfer_out_eligible(d) THEN 'now'
			WHEN NOT pg_catalog.isempty(w.w) AND pg_catalog.lower(w.w) > pg_catalog.now()
				 AND pg_catalog.upper(w.w) > pg_catalog.lower(w.w)
			THEN pg_catalog.to_char(pg_catalog.lower(w.w), 'YYYY-MM-DD HH24:MI')
	   END AS "eligible from",
	   pg_catalog.array_to_string(domxfer.transfer_out_blockers(d) || domxfer.transfer_out_warnings(d), E'\n') AS "blocked by (warnings last)"
  FROM domxfer.domains AS d,
	   LATERAL (SELECT domxfer.transfer_window(d)) AS w(w)
 ORDER BY domxfer.transfer_out_eligible(d) DESC, d.name;

\echo 'What the codes mean'
-- meanings wrapped at word boundaries, so the table stays within 100 columns
SELECT m.code, pg_catalog.rtrim(pg_catalog.regexp_replace(m.meaning, '(.{1,64})(\s+|$)', E'\\1\n', 'g'), E'\n') AS meaning
  FROM demo_meaning AS m
 WHERE m.code IN (SELECT pg_catalog.unnest(domxfer.transfer_out_blockers(d) || domxfer.transfer_out_warnings(d))
					FROM domxfer.domains AS d)
 ORDER BY m.code;

\echo 'Transfers under way (domxfer.transfer_report); the background worker decides each at its deadline'
SELECT r.transfer_id AS id, r.unicode_name AS domain, r.state, r.gaining_registrar AS "gaining registrar",
	   pg_catalog.to_char(r.deadline, 'YYYY-MM-DD HH24:MI:SS') AS deadline
  FROM domxfer.transfer_report AS r
 ORDER BY r.transfer_id;
