-- Issue 17, the registry loop (SPEC §8, 0.3.0): the columns and the table
-- that install/75_registry.sql creates for sequencing, discrepancies an
-- operator can close and zone-less dates, added to a 0.2.0 database (at the
-- end of each table, as in the install script). The functions and the view
-- it changes follow in 76_registry_loop.replace (with their comments),
-- privileges in 77_registry_loop_grants.sql.

-- Their OUT parameters change (note, duplicate_of; epp_namespace), which
-- CREATE OR REPLACE cannot do; and a function with an SQL body that uses
-- registry_commands' row type would forbid adding its columns. All three
-- come back from 76_registry_loop.replace.
DROP FUNCTION domxfer._apply_transfer_notice(domxfer.registry_messages, timestamptz);
DROP FUNCTION domxfer._read_registry_message(text);
DROP FUNCTION domxfer._registry_command_xml(domxfer.registry_commands);

ALTER TABLE domxfer.registry_messages
	ADD COLUMN time_zone_assumed text,
	ADD COLUMN note text,
	ADD COLUMN epp_namespace text;

ALTER TABLE domxfer.registry_commands
	ADD COLUMN superseded_from text
		CONSTRAINT registry_commands_superseded_from_valid
		CHECK (superseded_from OPERATOR(pg_catalog.=) ANY (ARRAY['queued', 'claimed'])),
	ADD COLUMN epp_namespace text NOT NULL DEFAULT 'urn:ietf:params:xml:ns:epp-1.0',
	ADD CONSTRAINT registry_commands_superseded_from_only_superseded
		CHECK (superseded_from IS NULL OR state OPERATOR(pg_catalog.=) 'superseded');

COMMENT ON COLUMN domxfer.registry_messages.time_zone_assumed IS 'text; SPEC §8 (0.3.0): the time zone its dates were read in because they had none (the TLD''s tld_policy.registry_time_zone, default UTC); NULL when every date had a zone';
COMMENT ON COLUMN domxfer.registry_messages.note IS 'text; SPEC §8 (0.3.0): what an applied notice did beyond its trStatus, in words (English): a notice for an older transfer than the open one, a transfer that had already ended, a reject queued again after the holder''s cancellation; NULL otherwise';
COMMENT ON COLUMN domxfer.registry_messages.epp_namespace IS 'text; SPEC §8 (0.3.0): namespace URI of the message''s root <epp> (urn:ietf:params:xml:ns:epp-1.0 or a registry''s own EPP schema); commands of its transfer are written in it';
COMMENT ON COLUMN domxfer.registry_commands.xml_namespace IS 'text; the domain namespace the command is written in: the TLD''s tld_policy.registry_domain_namespace (0.3.0), else the one the registry''s latest notice for the transfer used, else urn:ietf:params:xml:ns:domain-1.0';
COMMENT ON COLUMN domxfer.registry_commands.epp_namespace IS 'text; SPEC §8 (0.3.0): the EPP namespace of the command''s root <epp>: the TLD''s tld_policy.registry_epp_namespace, else the one of the registry''s latest message for the transfer, else urn:ietf:params:xml:ns:epp-1.0';
COMMENT ON COLUMN domxfer.registry_commands.superseded_from IS 'text; SPEC §8 (0.3.0): queued or claimed, the state the command was in when the registry''s outcome (or a notice for a newer request) superseded it: a reject still unsent when the domain left is a discrepancy (left_while_reject_unsent); NULL otherwise';

-- SPEC §8 (0.3.0): discrepancies an operator has closed, with who, when and why.
CREATE TABLE domxfer.registry_discrepancy_acks (
	kind text NOT NULL
		CONSTRAINT registry_discrepancy_acks_kind_valid
		CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['outcome_differs', 'left_while_reject_unsent', 'no_outcome_past_ac_date',
													   'command_unanswered_past_ac_date', 'invalid_message', 'auth_info_not_set'])),
	discrepancy_id bigint NOT NULL,
	acknowledged_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	acknowledged_by text NOT NULL,
	note text NOT NULL
		CONSTRAINT registry_discrepancy_acks_note_length
		CHECK (note OPERATOR(pg_catalog.~) '[^[:space:]]' AND pg_catalog.char_length(note) OPERATOR(pg_catalog.<=) 1000),
	detail text,
	CONSTRAINT registry_discrepancy_acks_pkey PRIMARY KEY (kind, discrepancy_id)
);

COMMENT ON TABLE domxfer.registry_discrepancy_acks IS 'SPEC §8 (0.3.0): registry discrepancies an operator closed with acknowledge_registry_discrepancy (who, when, why); an acknowledged discrepancy no longer shows in registry_discrepancies; written only by acknowledge_registry_discrepancy';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.kind IS 'text; the discrepancy''s kind (registry_discrepancies.kind)';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.discrepancy_id IS 'bigint; registry_discrepancies.discrepancy_id: the command (outcome_differs, left_while_reject_unsent, command_unanswered_past_ac_date, auth_info_not_set), the transfer (no_outcome_past_ac_date) or the message (invalid_message)';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.acknowledged_at IS 'timestamptz; when it was acknowledged (transaction time)';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.acknowledged_by IS 'text; the role that acknowledged it (as the caller acts: SET ROLE counts, SECURITY DEFINER does not)';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.note IS 'text; why (1 to 1000 characters), as the operator wrote it';
COMMENT ON COLUMN domxfer.registry_discrepancy_acks.detail IS 'text; the discrepancy''s detail as registry_discrepancies showed it when it was acknowledged';

INSERT INTO domxfer.reason_codes (code, kind, rule, bit, meaning_en, meaning_zh) VALUES
	('registry_superseded', 'outcome', NULL, NULL,
	 'the registry sent a notice for a newer transfer request of the domain; its outcome for this one was not seen', '注册局已通知该域名有更新的转移申请，本次申请的结果未收到');

SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_discrepancy_acks', '');
