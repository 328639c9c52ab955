-- Demo domains: some eligible, at least one blocked for each reason, IDN and
-- .hk names, and two transfers under way. Times are relative to now() so the
-- demo stays meaningful. Loaded by `make demo` and by the README test
-- (test/t/400_readme_sql.pl), which runs README's SQL against this data.
SET TimeZone = 'UTC';

-- .test is reserved for testing (RFC 2606, RFC 6761): no real domain can
-- have it, so its policy row may decide a transfer after 1 minute instead of
-- the 5 to 7 days every real TLD keeps.
INSERT INTO domxfer.tld_policy (tld, test_auto_approve_minutes) VALUES ('test', 1);

INSERT INTO domxfer.domains
	(name, sponsoring_registrar, registered_at, expires_at,
	 last_transferred_at, late_renewed_at, status, unpaid, legal_hold,
	 holder_disputed, contacts_complete, registrant_email,
	 real_name_verified, uses_registrar_dns)
SELECT domxfer.normalize_domain(v.name), v.registrar,
	   now() - v.age, now() + v.left_,
	   now() - v.since_transfer, now() - v.since_late_renewal,
	   v.status::domxfer.domain_status, v.unpaid, v.legal_hold,
	   v.disputed, v.contacts, v.email, v.real_name, v.our_dns
FROM (VALUES
	-- eligible
	('example-shop.com',   'demo-registrar', interval '3 years', interval '200 days', NULL::interval, NULL::interval, 'ok', false, false, false, true, 'li.wei@example.net', true,  false),
	('中文.com',           'demo-registrar', interval '2 years', interval '300 days', interval '400 days', NULL, 'ok', false, false, false, true, 'holder@example.cn',  false, false),
	('bücher.de',          'demo-registrar', interval '5 years', interval '90 days',  NULL, NULL, 'clientHold', false, false, false, true, 'buch@example.de', true, true),
	('leaving-soon.test',  'demo-registrar', interval '2 years', interval '250 days', NULL, NULL, 'ok', false, false, false, true, 'holder@example.org', true, false),
	('renew-soon.net',     'demo-registrar', interval '4 years', interval '20 days',  NULL, interval '100 days', 'ok', false, false, false, true, 'ops@example.org', false, false),
	-- blocked, one reason each
	('elsewhere.com',      'other-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, false, true, 'a@example.com', true, false),
	('brand-new.com',      'demo-registrar', interval '10 days', interval '355 days', NULL, NULL, 'addPeriod', false, false, false, true, 'b@example.com', true, false),
	('expiring.org',       'demo-registrar', interval '3 years', interval '10 days',  NULL, NULL, 'ok', false, false, false, true, 'c@example.com', true, false),
	('just-moved.net',     'demo-registrar', interval '3 years', interval '200 days', interval '30 days', NULL, 'ok', false, false, false, true, 'd@example.com', true, false),
	('locked.com',         'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'clientTransferProhibited', false, false, false, true, 'e@example.com', true, false),
	('moving.com',         'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, false, true, 'f@example.com', true, false),
	('redeeming.com',      'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'redemptionPeriod', false, false, false, true, 'g@example.com', true, false),
	('owes-money.com',     'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', true,  false, false, true, 'h@example.com', true, false),
	('in-court.com',       'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, true,  false, true, 'i@example.com', true, false),
	('whose-is-it.com',    'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, true,  true, 'j@example.com', true, false),
	('late-renewal.com',   'demo-registrar', interval '3 years', interval '200 days', NULL, interval '20 days', 'ok', false, false, false, true, 'k@example.com', true, false),
	('old-contacts.com',   'demo-registrar', interval '12 years', interval '200 days', NULL, NULL, 'ok', false, false, false, false, 'l@example.com', true, false),
	('no-mail.com',        'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, false, true, 'not-an-address', true, false),
	('例子.香港',          'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, false, true, 'm@example.hk', true, false),
	('shop.hk',            'demo-registrar', interval '3 years', interval '200 days', NULL, NULL, 'ok', false, false, false, true, 'n@example.hk', true, false),
	-- blocked for several reasons
	('trouble.info',       'demo-registrar', interval '20 days', interval '5 days', NULL, NULL, 'serverTransferProhibited,clientHold', true, true, false, false, NULL, false, true)
) AS v(name, registrar, age, left_, since_transfer, since_late_renewal, status, unpaid, legal_hold, disputed, contacts, email, real_name, our_dns);

-- Two transfers started as an application starts them: the holder's request
-- (request_transfer_out returns the auth code once) and the gaining
-- registrar's request with that code, in one transaction. moving.com is then
-- pending for 5 days; leaving-soon.test for 1 minute, after which the
-- background worker completes it (watch it with worker_status() and
-- domxfer.transfer_report).
DO $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT n.name, c.auth_code
			   FROM unnest(ARRAY['moving.com', 'leaving-soon.test']) AS n(name),
					LATERAL domxfer.request_transfer_out(n.name) AS c
	LOOP
		PERFORM domxfer.receive_transfer_request(r.name, r.auth_code, 'new-registrar');
	END LOOP;
END
$$;
