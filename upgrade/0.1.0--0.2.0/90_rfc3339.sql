-- domxfer._rfc3339 made inlinable; the same definition as install/90_reporting.sql.
--
-- Its 0.1.0 body had a CASE, which is not strict: PostgreSQL never inlines a
-- STRICT SQL function whose body is not strict, so every call planned the
-- body again (about 25 us; the payload of every notice the outbox trigger
-- writes makes up to five calls). The same text for every instant, NULL
-- for NULL, as before.
CREATE OR REPLACE FUNCTION domxfer._rfc3339(at timestamptz)
	RETURNS text
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD"T"HH24:MI:SS')
		OPERATOR(pg_catalog.||)
		pg_catalog.rtrim(pg_catalog.rtrim(pg_catalog.to_char(pg_catalog.timezone('UTC', at), '.US'), '0'), '.')
		OPERATOR(pg_catalog.||) 'Z';
