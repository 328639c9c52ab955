
-- Domain names: UTS #46 processing with ICU (non-transitional, STD3 rules,
-- bidi, CONTEXTJ, CONTEXTO), DNS length checks and the IDNA2008 derived
-- property of RFC 5892.  Every rejection is SQLSTATE 22023 with a DETAIL
-- naming the failed check.  IMMUTABLE for a given ICU version (they back
-- CHECK constraints and indexes).

CREATE FUNCTION domxfer.normalize_domain(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_normalize_domain'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.normalize_domain(pg_catalog.text) IS
	'Registrable lower-case A-label form of a domain name in any spelling (U-labels, A-labels, any case, full-width or ideographic dots, trailing dot dropped); raises 22023 naming the failed check';

CREATE FUNCTION domxfer.domain_to_unicode(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_domain_to_unicode'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_to_unicode(pg_catalog.text) IS
	'Display (U-label) form of a domain name in any spelling that normalize_domain accepts; raises 22023 otherwise';

CREATE FUNCTION domxfer.domain_tld(pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_domain_tld'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.domain_tld(pg_catalog.text) IS
	'A-label of the last label of the normalized name (the key of domxfer.tld_policy); raises 22023 like normalize_domain';
