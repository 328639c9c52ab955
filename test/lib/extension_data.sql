-- One line per table and sequence of the domxfer extension that pg_dump
-- dumps with its data (pg_extension.extconfig): "relation|rows|md5".
-- A table's md5 covers all its rows (the jsonb of their non-NULL columns, in
-- a stable order, so every value including auth-code hashes and salts); a sequence's covers
-- last_value and is_called, i.e. what nextval() returns next.
--
-- Used by test/t/200_dump_restore.pl, 210_extension_upgrade.pl and
-- 230_bad_input.pl to show that data is identical (after a dump and
-- restore, an extension update, a catalogue of bad calls). Run it in a
-- session of its own (it creates a pg_temp function).
SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION pg_temp.domxfer_extension_data(OUT relation text, OUT row_count bigint, OUT md5 text)
RETURNS SETOF record
LANGUAGE plpgsql AS
$$
DECLARE
	v_rel regclass;
	v_kind "char";
BEGIN
	FOR v_rel, v_kind IN
		SELECT c.oid::regclass, c.relkind
		  FROM pg_extension e
		 CROSS JOIN LATERAL unnest(e.extconfig) AS x(oid)
		  JOIN pg_class c ON c.oid = x.oid
		 WHERE e.extname = 'domxfer'
		 ORDER BY c.oid::regclass::text
	LOOP
		relation := v_rel::text;
		IF v_kind = 'S' THEN
			EXECUTE format('SELECT 1, md5(last_value::text || '','' || is_called::text) FROM %s', v_rel)
				INTO row_count, md5;
		ELSE
			-- each row as the jsonb of its non-NULL columns: every value counts,
			-- and a column an update adds (NULL in the rows it finds) does not
			EXECUTE format('SELECT count(*), md5(coalesce(string_agg(r.j, ''|'' ORDER BY r.j COLLATE "C"), ''''))
							  FROM %s AS t, LATERAL (SELECT jsonb_strip_nulls(to_jsonb(t))::text) AS r(j)', v_rel)
				INTO row_count, md5;
		END IF;
		RETURN NEXT;
	END LOOP;
END
$$;

SELECT relation || '|' || row_count || '|' || md5 FROM pg_temp.domxfer_extension_data();
