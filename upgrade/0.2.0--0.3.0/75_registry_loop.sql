-- Issue 17, the registry loop (SPEC §8, 0.3.0): the columns that
-- install/75_registry.sql creates for sequencing, discrepancies an operator
-- can close and zone-less dates, added to a 0.2.0 database (at the end of
-- each table, as in the install script). What is new comes from install/
-- by links: the table of closed discrepancies (74_registry_discrepancy_acks.sql,
-- before this fragment) and the outcome code registry_superseded
-- (76_registry_outcome_codes.sql). The functions and the view it changes,
-- and the comments of the new columns, follow in 76_registry_loop.replace;
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
