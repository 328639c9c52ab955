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


-- the reader: every column but the encrypted code
REVOKE SELECT ON domxfer.registry_commands FROM domxfer_reader;
GRANT SELECT (id, transfer_id, domain_name, op, reason_codes, xml_namespace, ac_date, state, created_at,
			  claimed_at, lease_until, attempts, result_code, sv_trid, answered_at, error, superseded_from,
			  epp_namespace)
	ON domxfer.registry_commands TO domxfer_reader;
