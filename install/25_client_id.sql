-- Registrar identifiers from outside (SPEC §1b): EPP client identifiers
-- (RFC 5730 clIDType), checked by one C function (src/client_id.c) wherever
-- one enters: the setting domxfer.registrar_id (its check hook), the gaining
-- registrar of receive_transfer_request, and the registrar columns of
-- domains and transfers (CHECK constraints, 22P02).

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
