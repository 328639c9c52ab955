-- The columns of domxfer.domain_rows (install/45_domain_source.sql) mean
-- what the columns of domxfer.domains mean: their comments, copied after
-- every fragment that sets those (a later fragment may reword one).
DO $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT a.attname, pg_catalog.col_description(a.attrelid, a.attnum) AS comment
			   FROM pg_catalog.pg_attribute a
			  WHERE a.attrelid OPERATOR(pg_catalog.=) 'domxfer.domains'::pg_catalog.regclass
				AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
	LOOP
		EXECUTE pg_catalog.format('COMMENT ON COLUMN domxfer.domain_rows.%I IS %L', c.attname,
			COALESCE(c.comment, 'as in domxfer.domains'));
	END LOOP;
END
$$;

