-- Issue 17, the code at the registry (SPEC §8 0.3.0, RFC 9154 §4): the
-- changes of registry_commands that install/75_registry.sql makes in its
-- CREATE TABLE, for a 0.2.0 database: the ops set_auth_info and
-- unset_auth_info, no acDate for them, the encrypted code (auth_info, the
-- last column, as in the install script), one approve and one reject per
-- transfer as an exclusion constraint of the same name (the
-- arbiter of _queue_registry_command's ON CONFLICT) limited to those ops. After 75_registry_loop.sql (which
-- dropped the functions with SQL bodies that use the table's row type) and
-- before 76_registry_auth_info.replace, which re-creates
-- claim_registry_commands (its result gains auth_info, which CREATE OR
-- REPLACE cannot do); 78_registry_auth_info_grants.sql grants it again.

DROP FUNCTION domxfer.claim_registry_commands(integer, interval);

ALTER TABLE domxfer.registry_commands
	DROP CONSTRAINT registry_commands_op_valid,
	ADD CONSTRAINT registry_commands_op_valid
		CHECK (op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject', 'set_auth_info', 'unset_auth_info'])),
	ALTER COLUMN ac_date DROP NOT NULL,
	ADD COLUMN auth_info bytea,
	DROP CONSTRAINT registry_commands_one_per_op,
	ADD CONSTRAINT registry_commands_one_per_op
		EXCLUDE USING btree (transfer_id WITH OPERATOR(pg_catalog.=), op WITH OPERATOR(pg_catalog.=))
		WHERE (op OPERATOR(pg_catalog.=) ANY (ARRAY['approve', 'reject'])),
	ADD CONSTRAINT registry_commands_answer_has_ac_date
		CHECK (ac_date IS NOT NULL OR op OPERATOR(pg_catalog.=) ANY (ARRAY['set_auth_info', 'unset_auth_info'])),
	ADD CONSTRAINT registry_commands_auth_info_only_set
		CHECK (auth_info IS NULL OR (op OPERATOR(pg_catalog.=) 'set_auth_info'
									 AND state OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed', 'failed'])));

COMMENT ON TABLE domxfer.registry_commands IS 'SPEC §8: domxfer''s commands to the registry (EPP <transfer op="approve"|"reject">, RFC 5731 §3.2.4; 0.3.0: <update> setting or unsetting the auth code, RFC 9154 §4), for the EPP client: claim_registry_commands, registry_command_xml, record_registry_response; never holds a plain auth code (set_auth_info: only its ciphertext, auth_info)';
COMMENT ON COLUMN domxfer.registry_commands.op IS 'text; approve (the holder''s approve_transfer_out) or reject (the holder''s cancel_transfer_out, or blocking rules failing as of acDate); 0.3.0 (RFC 9154 §4): set_auth_info (a code issued or reissued: <domain:update><domain:chg><domain:authInfo><domain:pw>) or unset_auth_info (the code expired or was revoked, or the transfer ended other than by the registry''s completion: <domain:null/>)';
COMMENT ON COLUMN domxfer.registry_commands.reason_codes IS 'text[]; why: {holder_approved}, {holder_cancelled} or the failing blocking reason codes (SPEC §1); set_auth_info: {auth_code_issued} or {auth_code_reissued}; unset_auth_info: the transfer''s outcome_reason, or {auth_code_revoked}';
COMMENT ON COLUMN domxfer.registry_commands.ac_date IS 'timestamptz; the transfer''s acDate when the command was queued: an answer after it is too late; NULL for set_auth_info and unset_auth_info (no acDate concerns them)';
COMMENT ON COLUMN domxfer.registry_commands.state IS 'text; queued, claimed (by an EPP client, until lease_until), done (1000/1001), failed (another 2xxx: an operator decides), superseded (the registry''s outcome arrived first, a reject replaced an unsent approve, or 0.3.0 a newer set_auth_info or unset_auth_info of the domain replaced an unsent set_auth_info). A domain''s commands are handed out in the order they were queued: none while an earlier one of the domain is queued or claimed';
COMMENT ON COLUMN domxfer.registry_commands.auth_info IS 'bytea; SPEC §8 (0.3.0, RFC 9154 §4): set_auth_info only: the auth code encrypted with pgcrypto''s pgp_pub_encrypt_bytea to the EPP client''s OpenPGP key (set_registry_client_public_key), a binary OpenPGP message the database cannot decrypt; claim_registry_commands hands it out beside the XML, whose <domain:pw> holds the placeholder @domxfer.auth_info@. Wiped (NULL) when the registry accepts (1000/1001) and when the command is superseded or its failure is overtaken by a newer set_auth_info or unset_auth_info of the domain; NULL otherwise';

-- the reader: every column but the encrypted code
REVOKE SELECT ON domxfer.registry_commands FROM domxfer_reader;
GRANT SELECT (id, transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date, state, created_at,
			  claimed_at, lease_until, attempts, result_code, sv_trid, answered_at, error, superseded_from,
			  epp_namespace)
	ON domxfer.registry_commands TO domxfer_reader;
