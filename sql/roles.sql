-- What each role can and cannot do (SPEC §6).
SET TimeZone = 'UTC';

CREATE FUNCTION pg_temp.try(cmd text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	v_state text; v_msg text;
BEGIN
	EXECUTE cmd;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
	RETURN v_state || ': ' || v_msg;
END $$;
GRANT EXECUTE ON FUNCTION pg_temp.try(text) TO PUBLIC;

-- the roles exist, cannot log in, and nest admin > app > reader
SELECT rolname, rolcanlogin, rolsuper FROM pg_roles WHERE rolname LIKE 'domxfer\_%' ORDER BY rolname;
SELECT pg_has_role('domxfer_app', 'domxfer_reader', 'MEMBER') AS app_reads,
	   pg_has_role('domxfer_admin', 'domxfer_app', 'MEMBER') AS admin_applies,
	   pg_has_role('domxfer_reader', 'domxfer_app', 'MEMBER') AS reader_applies;

-- every lifecycle function is SECURITY DEFINER with a pinned search_path,
-- and no lifecycle or internal function is executable by PUBLIC
SELECT p.oid::regprocedure AS function, p.prosecdef AS security_definer, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND p.proname IN ('request_transfer_out', 'reissue_auth_code', 'receive_transfer_request',
					 'cancel_transfer_out', 'approve_transfer_out', 'process_due_transfers',
					 'open_manual_transfer', 'record_documents_received', 'approve_manual_transfer')
 ORDER BY 1::text;
SELECT p.oid::regprocedure AS executable_by_public
  FROM pg_proc p
 WHERE p.pronamespace = 'domxfer'::regnamespace
   AND (p.proname IN ('request_transfer_out', 'reissue_auth_code', 'receive_transfer_request',
					  'cancel_transfer_out', 'approve_transfer_out', 'process_due_transfers',
					  'open_manual_transfer', 'record_documents_received', 'approve_manual_transfer')
		OR p.proname IN ('_auth_code_new', '_auth_code_salt', '_auth_code_hash', '_auth_code_matches',
						 '_actor', '_outer_role', '_check_auth_code_in_side_transaction', '_check_auth_code',
						 '_written_by_this_transaction', '_decide_in_side_transaction',
						 '_decide_due_transfer', '_due_transfer_ids', '_next_due_at', '_count_failed_auth_attempt',
						 '_finish_transfer', '_issue_auth_code', '_log_transfer_event', '_settle_transfer',
						 '_lock_transfer', '_add_working_days'))
   AND (p.proacl IS NULL
		OR EXISTS (SELECT FROM aclexplode(p.proacl) a WHERE a.grantee = 0 AND a.privilege_type = 'EXECUTE'));

INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
VALUES ('lc-roles.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'holder@example.net');

-- domxfer_reader: reads everything but the auth-code hash and salt
SET ROLE domxfer_reader;
SELECT count(*) AS domains FROM domxfer.domains WHERE name = 'lc-roles.example';
SELECT pg_temp.try($$SELECT count(*) FROM domxfer.tld_policy$$) AS policy,
	   pg_temp.try($$SELECT id, state, deadline, failed_attempts FROM domxfer.transfers$$) AS transfers,
	   pg_temp.try($$SELECT count(*) FROM domxfer.transfer_events$$) AS events,
	   pg_temp.try($$SELECT count(*) FROM domxfer.holidays$$) AS holidays,
	   pg_temp.try($$SELECT count(*) FROM domxfer.overdue_manual_requests$$) AS overdue_view;
SELECT pg_temp.try($$SELECT auth_code_hash FROM domxfer.transfers$$);
SELECT pg_temp.try($$SELECT auth_code_salt FROM domxfer.transfers$$);
SELECT pg_temp.try($$SELECT * FROM domxfer.transfers$$);
SELECT domxfer.transfer_out_eligible(d) AS pure_function_allowed
  FROM domxfer.domains d WHERE name = 'lc-roles.example';
SELECT pg_temp.try($$SELECT domxfer.request_transfer_out('lc-roles.example')$$);
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers()$$);
SELECT pg_temp.try($$SELECT domxfer._auth_code_new()$$);
SELECT pg_temp.try($$UPDATE domxfer.domains SET unpaid = true WHERE name = 'lc-roles.example'$$);
RESET ROLE;

-- domxfer_app: the lifecycle functions and domains; nothing else written
SET ROLE domxfer_app;
SELECT pg_temp.try($$INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
	VALUES ('lc-roles2.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 'h@example.net')$$) AS insert_domain,
	   pg_temp.try($$UPDATE domxfer.domains SET uses_registrar_dns = true WHERE name = 'lc-roles2.example'$$) AS update_domain;
SELECT pg_temp.try($$UPDATE domxfer.domains SET open_transfer_id = NULL WHERE name = 'lc-roles2.example'$$);
SELECT pg_temp.try($$INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, open_transfer_id)
	VALUES ('lc-roles3.example', 'regress-us', now() - interval '400 days', now() + interval '300 days', 1)$$);
SELECT pg_temp.try($$DELETE FROM domxfer.domains WHERE name = 'lc-roles2.example'$$);
SELECT transfer_id AS app_id, auth_code AS app_code FROM domxfer.request_transfer_out('lc-roles.example') \gset
SELECT length(:'app_code') AS code_length;
-- a wrong code is counted by the side transaction on the app's behalf
SELECT pg_temp.try($$SELECT domxfer.receive_transfer_request('lc-roles.example', 'wrong', 'gainer')$$);
SELECT failed_attempts FROM domxfer.transfers WHERE id = :app_id;
SELECT pg_temp.try(format($$SELECT domxfer.receive_transfer_request('lc-roles.example', %L, 'gainer')$$, :'app_code'));
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers()$$);
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers(now() + interval '6 days')$$);
SELECT pg_temp.try(format($$UPDATE domxfer.transfers SET state = 'completed' WHERE id = %s$$, :app_id));
SELECT pg_temp.try($$INSERT INTO domxfer.transfers (domain_name, state) VALUES ('lc-roles2.example', 'awaiting_documents')$$);
SELECT pg_temp.try(format($$DELETE FROM domxfer.transfers WHERE id = %s$$, :app_id));
SELECT pg_temp.try(format($$INSERT INTO domxfer.transfer_events (transfer_id, to_state, actor) VALUES (%s, 'completed', 'me')$$, :app_id));
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET auto_approve_days = 7$$);
SELECT pg_temp.try($$INSERT INTO domxfer.holidays (day, name) VALUES ('2030-01-01', 'lc')$$);
SELECT pg_temp.try($$SELECT auth_code_hash FROM domxfer.transfers$$);
SELECT pg_temp.try(format($$SELECT domxfer._decide_due_transfer(%s, now())$$, :app_id));
SELECT pg_temp.try(format($$SELECT domxfer._count_failed_auth_attempt(%s, '\x00')$$, :app_id));
SELECT pg_temp.try(format($$SELECT domxfer._check_auth_code_in_side_transaction(%s, '\x00', 'x', now())$$, :app_id));
SELECT pg_temp.try(format($$SELECT domxfer._check_auth_code(%s, '\x00', 'x', now())$$, :app_id));
SELECT pg_temp.try($$SELECT domxfer._written_by_this_transaction('1'::xid)$$);
SELECT pg_temp.try($$SELECT domxfer._due_transfer_ids(now(), 10)$$);
RESET ROLE;
-- the audit log names the role the application acted as
SELECT from_state, to_state, actor FROM domxfer.transfer_events WHERE transfer_id = :app_id ORDER BY id;

-- domxfer_admin: policy, holidays, hashes, deciding ahead of time
SET ROLE domxfer_admin;
BEGIN;
SELECT pg_temp.try($$UPDATE domxfer.tld_policy SET auto_approve_days = 7 WHERE tld = 'hk'$$) AS policy,
	   pg_temp.try($$INSERT INTO domxfer.holidays (day, name) VALUES ('2030-01-01', 'lc')$$) AS holidays,
	   pg_temp.try($$SELECT auth_code_hash FROM domxfer.transfers$$) AS hashes;
ROLLBACK;
SELECT pg_temp.try($$SELECT domxfer.process_due_transfers(now() + interval '6 days')$$);
SELECT state, outcome_reason FROM domxfer.transfers WHERE id = :app_id;
SELECT pg_temp.try(format($$DELETE FROM domxfer.transfers WHERE id = %s$$, :app_id));
SELECT pg_temp.try($$UPDATE domxfer.transfer_events SET actor = 'x'$$);
RESET ROLE;

-- rule sets and R10 (SPEC §1a): readers read the codes and the sets, the
-- application keeps R10's columns, only the administrator changes rule sets
SET ROLE domxfer_reader;
SELECT pg_temp.try($$SELECT count(*) FROM domxfer.reason_codes$$) AS reason_codes,
	   pg_temp.try($$SELECT count(*) FROM domxfer.rule_sets$$) AS rule_sets,
	   pg_temp.try($$UPDATE domxfer.rule_sets SET effect = 'warn' WHERE code = 'unpaid'$$) AS write_rule_sets;
SET ROLE domxfer_app;
BEGIN;
SELECT pg_temp.try($$UPDATE domxfer.domains SET registrant_changed_at = registered_at, registrant_change_lock_opt_out = true
					 WHERE name LIKE 'lc-%'$$) AS r10_columns,
	   pg_temp.try($$UPDATE domxfer.rule_sets SET effect = 'warn' WHERE code = 'unpaid'$$) AS write_rule_sets,
	   pg_temp.try($$SELECT domxfer.restore_shipped_rule_sets()$$) AS restore;
ROLLBACK;
SET ROLE domxfer_admin;
BEGIN;
SELECT pg_temp.try($$UPDATE domxfer.rule_sets SET effect = 'warn' WHERE rule_set = 'registrar_policy' AND code = 'unpaid'$$) AS write_rule_sets,
	   pg_temp.try($$SELECT domxfer.restore_shipped_rule_sets()$$) AS restore,
	   pg_temp.try($$UPDATE domxfer.reason_codes SET meaning_en = 'x'$$) AS write_reason_codes;
ROLLBACK;
RESET ROLE;

-- clean up
SET session_replication_role = replica;
DELETE FROM domxfer.transfer_events e USING domxfer.transfers t
 WHERE e.transfer_id = t.id AND t.domain_name LIKE 'lc-%';
DELETE FROM domxfer.transfers WHERE domain_name LIKE 'lc-%';
DELETE FROM domxfer.domains WHERE name LIKE 'lc-%';
RESET session_replication_role;
