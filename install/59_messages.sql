-- How errors name a domain (first-day finding 7): one wording per kind.
--   * A name the caller gave that is not in the domains (domxfer.domains or
--     the registrar's attached table): P0002, 'domain "<as given>" is not
--     registered here', the source and the canonical name in the DETAIL (domxfer._raise_unknown_domain, used by every lookup by name).
--   * A known domain: its display form (U-labels, domxfer.domain_to_unicode),
--     as a holder or registrar writes it, never its A-label
--     (domxfer._shown_name); normalize_domain of it finds the row.

CREATE FUNCTION domxfer._shown_name(canonical text)
RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RETURN domxfer.domain_to_unicode(canonical);
EXCEPTION WHEN invalid_parameter_value THEN
	-- not a domain name (an internal caller's mistake): shown as it is, so
	-- the error being raised is not replaced by this one
	RETURN canonical;
END
$$;

COMMENT ON FUNCTION domxfer._shown_name(text) IS 'Internal: text, how an error message names a domain of canonical (A-label) name: its Unicode display form (xn--fsqu00a.com: 例子.com), as holders and registrars write it; text that is no domain name as it is; NULL for NULL';

CREATE FUNCTION domxfer._raise_unknown_domain(given text, canonical text)
RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	RAISE EXCEPTION 'domain "%" is not registered here', given
		USING ERRCODE = 'no_data_found',
			  DETAIL = pg_catalog.format('No row of %s has the name %L.', domxfer._domains_label(), canonical);
END
$$;

COMMENT ON FUNCTION domxfer._raise_unknown_domain(text, text) IS 'Internal: raises P0002 for a domain name (given: as the caller spelled it) that is not among the domains (domxfer.domains or the attached table), with the source and its canonical form in the DETAIL: the one wording of every lookup by name';
