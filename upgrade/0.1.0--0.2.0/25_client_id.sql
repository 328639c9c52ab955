-- 0.2.0: registrar identifiers are EPP client identifiers (SPEC §1b);
-- mirrors install/25_client_id.sql and the registrar parts of
-- 30_tables.sql, 50_transfers.sql and 60_lifecycle.sql. The new column
-- constraints check the rows already stored: an update that finds one that
-- is not a client identifier stops with 22P02 naming the column and the
-- value (fix the row, e.g. trim it, and run ALTER EXTENSION again).
CREATE FUNCTION domxfer.check_client_id(id pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_check_client_id'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.check_client_id(pg_catalog.text) IS
	'Returns a registrar identifier unchanged if it is an EPP client identifier (RFC 5730 clIDType: 3 to 16 characters; no control, invisible or non-space white space characters; spaces only singly between other characters), else raises 22023 naming the failed check; NULL gives NULL. Identifiers are compared exactly, never trimmed or case-folded';

CREATE FUNCTION domxfer._client_id_column_check(id pg_catalog.text, column_name pg_catalog.text)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domxfer_client_id_column_check'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._client_id_column_check(pg_catalog.text, pg_catalog.text) IS
	'Internal (CHECK constraints of the registrar columns): true when id is an EPP client identifier, else raises 22P02 naming column_name and the failed check; NULL gives NULL';

ALTER TABLE domxfer.domains
	DROP CONSTRAINT domains_sponsoring_registrar_not_empty,
	ADD CONSTRAINT domains_sponsoring_registrar_client_id
		CHECK (domxfer._client_id_column_check(sponsoring_registrar, 'sponsoring_registrar'));
ALTER TABLE domxfer.transfers
	DROP CONSTRAINT transfers_gaining_registrar_check,
	ADD CONSTRAINT transfers_gaining_registrar_client_id
		CHECK (domxfer._client_id_column_check(gaining_registrar, 'gaining_registrar'));
COMMENT ON COLUMN domxfer.domains.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain, an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02); R1 compares it exactly with the setting domxfer.registrar_id';
COMMENT ON COLUMN domxfer.transfers.gaining_registrar IS 'The registrar the domain moves to, known once its request arrives; an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02)';

-- receive_transfer_request, which now checks the gaining registrar with
-- check_client_id, gets its 0.2.0 definition in 74_registry_lifecycle.sql.
