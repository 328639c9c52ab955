-- Rule sets, R10 and R11 in the lifecycle (SPEC §1, §1a, §3):
--  * R11: a domain with pendingCreate, pendingRenew or pendingUpdate is not
--    eligible, and request_transfer_out refuses it with 55000;
--  * the kind behind issue 9's fault 1: whatever status the domain gets
--    after its code was issued that RFC 5731 forbids beside pendingTransfer,
--    the gaining registrar's right code is refused with the rule's 55000,
--    never with the status type's 22023, under every shipped rule set;
--  * the decision at the deadline uses only blocking rules: a gTLD
--    (icann_2024) transfer whose expiry passes before its deadline
--    completes, under registrar_policy it is rejected with
--    too_close_to_expiry; both through the set-based batch
--    (process_due_transfers, as the worker decides) and row by row
--    (_decide_due_transfer), and through early approval;
--  * R10 in the lifecycle, and its constraints.
BEGIN;
SELECT plan(58);

INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES
	('com', 'registrar_policy'), ('org', 'icann_2024'), ('net', 'icann_tpr');

CREATE TEMP TABLE lc_set ON COMMIT DROP AS
SELECT * FROM (VALUES ('com'), ('org'), ('net')) AS v(tld);

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, status, registrant_email)
SELECT s.label || '.lc.' || t.tld, current_setting('domxfer.registrar_id'),
	   now() - interval '400 days', now() + interval '400 days', s.status::domxfer.domain_status,
	   'holder@example.com'
  FROM lc_set t
 CROSS JOIN (VALUES ('create', 'pendingCreate'), ('renew', 'pendingRenew'), ('update', 'pendingUpdate'),
					('late-create', 'ok'), ('late-renew', 'ok'), ('late-update', 'ok'),
					('late-delete', 'ok'), ('late-ctp', 'ok'), ('late-stp', 'ok'),
					('expiring', 'ok'), ('expiring-rows', 'ok'), ('expiring-approve', 'ok'),
					('changed', 'ok'), ('changed-optout', 'ok')) AS s(label, status);

-- R11 at request: 55000 naming operation_pending (9 assertions)
SELECT throws_ok(format('SELECT * FROM domxfer.request_transfer_out(%L)', d.name), '55000',
				 format('domain "%s" cannot be transferred out now', d.name),
				 format('%s (%s): request refused with 55000', d.name, d.status))
  FROM domxfer.domains d WHERE d.name ~ '^(create|renew|update)\.lc\.' ORDER BY d.name;
SELECT is((SELECT array_agg(DISTINCT b ORDER BY b) FROM domxfer.domains d,
				  unnest(domxfer.transfer_out_blockers(d)) AS b WHERE d.name ~ '^(create|renew|update)\.lc\.'),
		  ARRAY['operation_pending'], 'the only blocker of those domains is operation_pending, under every rule set');

-- A status RFC 5731 forbids beside pendingTransfer, set after the code was
-- issued: the right code is refused with 55000, not the status type's 22023
-- (18 assertions). Request and receive in this transaction: the code is
-- compared here (it was issued here).
CREATE TEMP TABLE late ON COMMIT DROP AS
SELECT d.name, r.auth_code,
	   CASE split_part(d.name, '.', 1)
		   WHEN 'late-create' THEN 'pendingCreate' WHEN 'late-renew' THEN 'pendingRenew'
		   WHEN 'late-update' THEN 'pendingUpdate' WHEN 'late-delete' THEN 'pendingDelete'
		   WHEN 'late-ctp' THEN 'clientTransferProhibited' ELSE 'serverTransferProhibited' END AS late_status
  FROM domxfer.domains d CROSS JOIN LATERAL domxfer.request_transfer_out(d.name) AS r
 WHERE d.name LIKE 'late-%';
UPDATE domxfer.domains d SET status = l.late_status::domxfer.domain_status FROM late l WHERE d.name = l.name;
SELECT throws_ok(format('SELECT domxfer.receive_transfer_request(%L, %L, %L)', l.name, l.auth_code, 'gaining-reg'),
				 '55000', format('domain "%s" cannot be transferred out now', l.name),
				 format('%s: %s after the code was issued: the right code is refused with 55000', l.name, l.late_status))
  FROM late l ORDER BY l.name;

-- The decision at the deadline: the domain's expiry passes before it.
CREATE TEMP TABLE pend ON COMMIT DROP AS
SELECT d.name,
	   domxfer.receive_transfer_request(d.name, r.auth_code, 'gaining-reg') AS id
  FROM domxfer.domains d CROSS JOIN LATERAL domxfer.request_transfer_out(d.name) AS r
 WHERE d.name LIKE 'expiring%';
SELECT is((SELECT count(*) FROM domxfer.transfers t JOIN pend p USING (id) WHERE t.state = 'pending'),
		  9::bigint, 'nine pending transfers');
UPDATE domxfer.domains SET expires_at = now() + interval '2 days' WHERE name LIKE 'expiring%';

-- early approval uses only blocking rules (3 assertions)
SELECT throws_ok(format('SELECT domxfer.approve_transfer_out(%s)', (SELECT id FROM pend WHERE name = 'expiring-approve.lc.com')),
				 '55000', 'domain "expiring-approve.lc.com" cannot be transferred out now',
				 'registrar_policy: early approval refused, R3 blocks');
SELECT lives_ok(format('SELECT domxfer.approve_transfer_out(%s)', (SELECT id FROM pend WHERE name = 'expiring-approve.lc.org')),
				'icann_2024: early approval completes, R3 only warns');
SELECT lives_ok(format('SELECT domxfer.approve_transfer_out(%s)', (SELECT id FROM pend WHERE name = 'expiring-approve.lc.net')),
				'icann_tpr: early approval completes');

-- row by row, as of each deadline (the reference path)
SELECT ok(domxfer._decide_due_transfer(p.id, now() + interval '6 days'), format('%s decided row by row', p.name))
  FROM pend p WHERE p.name LIKE 'expiring-rows.%' ORDER BY p.name;
-- the set-based batch as the worker calls it (skipping one transfer), then
-- process_due_transfers for the last one
SELECT is(domxfer._decide_due_batch(now() + interval '6 days', 100,
									ARRAY(SELECT id FROM pend WHERE name = 'expiring-approve.lc.com')),
		  3, 'the worker''s set-based batch decides the three expiring.* transfers');
SELECT is(domxfer.process_due_transfers(now() + interval '6 days'), 1,
		  'process_due_transfers decides the remaining one');

SELECT is((SELECT t.state || ' ' || array_to_string(t.outcome_reason, ',') FROM domxfer.transfers t
			WHERE t.id = p.id),
		  CASE WHEN p.name LIKE 'expiring-approve.%' AND p.name NOT LIKE '%.com' THEN 'completed holder_approved'
			   WHEN p.name LIKE '%.com' THEN 'rejected too_close_to_expiry'
			   ELSE 'completed auto_approved' END,
		  format('%s: %s', p.name, CASE WHEN p.name LIKE '%.com' THEN 'registrar_policy rejects (R3 blocks at the deadline)'
										ELSE 'the gTLD rule set lets it complete (R3 warns)' END))
  FROM pend p ORDER BY p.name;
SELECT is((SELECT sponsoring_registrar FROM domxfer.domains WHERE name = 'expiring.lc.org'), 'gaining-reg',
		  'the completed gTLD transfer moved the domain to the gaining registrar');
SELECT is((SELECT sponsoring_registrar FROM domxfer.domains WHERE name = 'expiring.lc.com'),
		  current_setting('domxfer.registrar_id'), 'the rejected transfer left the domain with us');

-- R10: a change of registrant 10 days ago blocks under registrar_policy and
-- icann_2024, not under icann_tpr, and never after an opt-out (6 assertions)
UPDATE domxfer.domains SET registrant_changed_at = now() - interval '10 days',
						   registrant_change_lock_opt_out = name LIKE 'changed-optout.%'
 WHERE name LIKE 'changed%';
SELECT is(domxfer.transfer_out_blockers(d),
		  CASE WHEN d.name LIKE 'changed.%' AND d.name NOT LIKE '%.net'
			   THEN '{too_soon_after_registrant_change}' ELSE '{}' END::text[],
		  format('%s: R10 %s', d.name, CASE WHEN d.name LIKE 'changed-optout.%' THEN 'opted out'
											 WHEN d.name LIKE '%.net' THEN 'off in icann_tpr' ELSE 'blocks' END))
  FROM domxfer.domains d WHERE d.name LIKE 'changed%' ORDER BY d.name;
SELECT throws_ok($$SELECT * FROM domxfer.request_transfer_out('changed.lc.org')$$, '55000',
				 'domain "changed.lc.org" cannot be transferred out now', 'R10 refuses the request with 55000');
SELECT lives_ok($$SELECT * FROM domxfer.request_transfer_out('changed.lc.net')$$, 'icann_tpr: no R10, the code is issued');
SELECT throws_ok($$UPDATE domxfer.domains SET registrant_changed_at = registered_at - interval '1 microsecond'
					WHERE name = 'changed.lc.com'$$, '23514', NULL, 'a registrant change before registration is refused');
SELECT throws_ok($$UPDATE domxfer.domains SET registrant_changed_at = '-infinity' WHERE name = 'changed.lc.com'$$,
				 '23514', NULL, 'an infinite registrant change is refused');

SELECT * FROM finish();
ROLLBACK;
