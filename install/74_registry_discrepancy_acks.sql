-- The registry link (SPEC §8), the table of discrepancies an operator
-- closed (0.3.0): before 75_registry.sql, whose view registry_discrepancies
-- leaves them out and whose acknowledge_registry_discrepancy writes them
-- (privileges there). A fragment of its own so that the 0.2.0 -> 0.3.0
-- upgrade links it instead of copying it.

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

SELECT pg_catalog.pg_extension_config_dump('domxfer.registry_discrepancy_acks', '');
