-- R8's one strict check (SPEC §1 R8; issue 9 fault 2): the holder's e-mail
-- is one kind of outside text, checked once, when it is written
-- (domains.registrant_email_usable, a stored generated column of
-- domxfer._email_usable), and R8 reads that answer. No white space,
-- no-break or zero-width space or control character anywhere; the domain
-- part must pass normalize_domain's checks, written as U-labels or A-labels.
BEGIN;

CREATE TEMP TABLE email_case ON COMMIT DROP AS
SELECT * FROM (VALUES
	('holder@example.com', true, 'plain address'),
	('Holder.Name+tag@Example.COM', true, 'ASCII upper case and a sub-address'),
	('hölder@example.com', true, 'UTF-8 local part (RFC 6532)'),
	('holder@中文.com', true, 'U-label domain (RFC 6531)'),
	('holder@xn--fiq228c.com', true, 'A-label domain'),
	('holder@bücher.de', true, 'U-label with a Latin letter'),
	(U&'holder@example.com\00A0', false, 'a no-break space pasted after the address'),
	(U&'\00A0holder@example.com', false, 'a no-break space before it'),
	(U&'hol\00A0der@example.com', false, 'a no-break space in the local part'),
	(U&'holder@example.com\200B', false, 'a zero-width space after it'),
	(U&'holder@exa\200Dmple.com', false, 'a zero-width joiner in the domain'),
	(U&'holder@example.com\FEFF', false, 'a byte-order mark after it'),
	(U&'holder@example.com\3000', false, 'an ideographic space after it'),
	(U&'holder@example.com\2028', false, 'a line separator after it'),
	(E'holder@example.com\n', false, 'a trailing newline'),
	(' holder@example.com', false, 'a leading space'),
	(U&'holder\0085@example.com', false, 'a C1 control (NEL)'),
	('holder@ex--ample.com', false, 'hyphens in the 3rd and 4th position: normalize_domain refuses'),
	('holder@xn--zz.com', false, 'an invalid A-label: normalize_domain refuses'),
	('holder@xn--a.com', false, 'a broken Punycode label'),
	(U&'holder@\2603.com', false, 'a snowman (IDNA2008 disallowed) in the domain'),
	('holder@a÷b.com', false, 'a division sign (UTS #46 valid, IDNA2008 disallowed)'),
	(U&'holder@\FF45xample.com', false, 'a full-width letter that UTS #46 would map: not a U-label'),
	(U&'holder@example\3002com', false, 'an ideographic full stop that UTS #46 maps to a dot'),
	('holder@bÜcher.de', false, 'upper-case non-ASCII: not a U-label as written'),
	('holder@Bücher.de', true, 'upper-case ASCII in a U-label: DNS case is ASCII-only'),
	('holder@' || repeat('a', 64) || '.com', false, 'a 64-octet label'),
	('holder@example', false, 'a single label'),
	(NULL, false, 'no address')
) AS v(email, usable, note);

SELECT plan((SELECT count(*)::int * 2 FROM email_case) + 3);

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'mail-' || row_number() OVER () || '.r8.example', current_setting('domxfer.registrar_id'),
	   now() - interval '400 days', now() + interval '400 days', email
  FROM email_case;

CREATE TEMP TABLE email_answer ON COMMIT DROP AS
SELECT e.*, d.name, d.registrant_email_usable, domxfer.transfer_out_blockers(d) AS blockers
  FROM email_case e JOIN domxfer.domains d ON d.registrant_email IS NOT DISTINCT FROM e.email
 WHERE d.name LIKE '%.r8.example';

SELECT is(a.registrant_email_usable, a.usable,
		  format('%s: %s', a.note, CASE WHEN a.usable THEN 'usable' ELSE 'not usable' END))
  FROM email_answer a ORDER BY a.name;
SELECT is(a.blockers, CASE WHEN a.usable THEN '{}' ELSE '{registrant_email_invalid}' END::text[],
		  format('%s: R8 %s', a.note, CASE WHEN a.usable THEN 'holds' ELSE 'fails' END))
  FROM email_answer a ORDER BY a.name;

-- the stored answer follows every write of the address
UPDATE domxfer.domains SET registrant_email = U&'holder@example.com\00A0' WHERE name = 'mail-1.r8.example';
SELECT is((SELECT domxfer.transfer_out_blockers(d) FROM domxfer.domains d WHERE name = 'mail-1.r8.example'),
		  '{registrant_email_invalid}', 'an update that pastes a no-break space makes R8 fail');
SELECT throws_ok($$UPDATE domxfer.domains SET registrant_email_usable = true WHERE name = 'mail-1.r8.example'$$,
				 '428C9', NULL, 'the stored answer cannot be written directly');
-- and the rule functions never run ICU per row: they are passed the stored boolean
SELECT ok(bool_and(pg_get_functiondef(f) LIKE '%(d).registrant_email_usable%'
				   AND pg_get_functiondef(f) NOT LIKE '%(d).registrant_email,%'),
		  'the rule functions over a row pass registrant_email_usable, never the address')
  FROM unnest(ARRAY['domxfer.transfer_out_eligible(domxfer.domains,timestamptz)',
					'domxfer.transfer_out_blockers(domxfer.domains,timestamptz)',
					'domxfer.transfer_out_warnings(domxfer.domains,timestamptz)',
					'domxfer.transfer_out_blocker_mask(domxfer.domains,timestamptz)']::regprocedure[]) AS f;

SELECT * FROM finish();
ROLLBACK;
