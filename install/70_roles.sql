-- Roles and privileges (SPEC §6).
--
-- Roles are cluster-wide, so they are created only if missing and are not
-- members of the extension (DROP EXTENSION leaves them). Membership:
-- domxfer_admin ⊃ domxfer_app ⊃ domxfer_reader.

DO $$
DECLARE
	v_role text;
BEGIN
	FOREACH v_role IN ARRAY ARRAY['domxfer_reader', 'domxfer_app', 'domxfer_admin'] LOOP
		IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) v_role) THEN
			EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', v_role);
		END IF;
	END LOOP;
	IF NOT pg_catalog.pg_has_role('domxfer_app', 'domxfer_reader', 'MEMBER') THEN
		GRANT domxfer_reader TO domxfer_app;
	END IF;
	IF NOT pg_catalog.pg_has_role('domxfer_admin', 'domxfer_app', 'MEMBER') THEN
		GRANT domxfer_app TO domxfer_admin;
	END IF;
END
$$;

GRANT USAGE ON SCHEMA domxfer TO domxfer_reader;

-- domxfer_reader: reporting. Everything but the auth-code hash and salt.
GRANT SELECT ON domxfer.domains, domxfer.tld_policy, domxfer.transfer_events, domxfer.holidays,
	domxfer.overdue_manual_requests
	TO domxfer_reader;
GRANT SELECT ON domxfer.reason_codes, domxfer.rule_sets TO domxfer_reader;
GRANT SELECT (id, domain_name, state, manual, gaining_registrar, created_at, requested_at, deadline,
			  decided_at, outcome_reason, cancel_note, auth_code_issued_at, auth_code_expires_at,
			  failed_attempts, documents_received_at, answer_deadline, due_at)
	ON domxfer.transfers TO domxfer_reader;

-- every reporting view the earlier fragments created
DO $$
DECLARE
	v_view regclass;
BEGIN
	FOR v_view IN
		SELECT c.oid::pg_catalog.regclass
		  FROM pg_catalog.pg_class c
		 WHERE c.relnamespace OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace
		   AND c.relkind OPERATOR(pg_catalog.=) ANY (ARRAY['v', 'm']::"char"[])
	LOOP
		EXECUTE pg_catalog.format('GRANT SELECT ON %s TO domxfer_reader', v_view);
	END LOOP;
END
$$;

-- domxfer_app: the registrar application. Domains yes (but not
-- open_transfer_id, which the lifecycle keeps), no DELETE; transfers only
-- through the lifecycle functions.
GRANT INSERT (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at,
			  status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
			  real_name_verified, uses_registrar_dns),
	  UPDATE (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at, late_renewed_at,
			  status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
			  real_name_verified, uses_registrar_dns)
	ON domxfer.domains TO domxfer_app;
GRANT EXECUTE ON FUNCTION
	domxfer.request_transfer_out(text),
	domxfer.reissue_auth_code(bigint),
	domxfer.receive_transfer_request(text, text, text),
	domxfer.cancel_transfer_out(bigint, text),
	domxfer.approve_transfer_out(bigint),
	domxfer.process_due_transfers(timestamptz, integer),
	domxfer.open_manual_transfer(text),
	domxfer.record_documents_received(bigint),
	domxfer.approve_manual_transfer(bigint)
	TO domxfer_app;

-- domxfer_admin: everything, including policy, holidays and the hashes;
-- transfers and events still change only through the lifecycle functions.
GRANT SELECT, INSERT, UPDATE, DELETE ON domxfer.tld_policy, domxfer.holidays, domxfer.domains TO domxfer_admin;
GRANT SELECT ON domxfer.transfers, domxfer.transfer_events TO domxfer_admin;

-- Rule sets and R10 (SPEC §1, §1a; install/35_rule_sets.sql)
GRANT INSERT (registrant_changed_at, registrant_change_lock_opt_out),
	  UPDATE (registrant_changed_at, registrant_change_lock_opt_out)
	ON domxfer.domains TO domxfer_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON domxfer.rule_sets TO domxfer_admin;
REVOKE EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() TO domxfer_admin;
