-- Runs the bad-input catalogue (test/bad_input/catalogue.sql) against the
-- fixtures (fixtures.sql): each call in a subtransaction of its own, as its
-- role, with deferred constraints made immediate so that every check fires
-- inside the call's own subtransaction; the SQLSTATE it gives goes to
-- bad_input.result. Then it prints
--   * every row whose SQLSTATE differs from the expected one,
--   * every function of the extension the catalogue does not attack,
--   * the counts.
-- test/t/230_bad_input.pl runs it and checks that nothing changed.
SET search_path = pg_catalog, pg_temp;

CREATE TABLE bad_input.result (
	n integer PRIMARY KEY REFERENCES bad_input.catalogue,
	actual_sqlstate char(5) NOT NULL,
	message text
);

DO $run$
DECLARE
	r bad_input.catalogue;
	f bad_input.fixture;
	v_call text;
	v_state text;
	v_message text;
BEGIN
	SET CONSTRAINTS ALL IMMEDIATE;
	FOR r IN SELECT * FROM bad_input.catalogue ORDER BY n LOOP
		v_call := r.call;
		FOR f IN SELECT * FROM bad_input.fixture LOOP
			v_call := replace(v_call, '{' || f.name || '}', f.id::text);
		END LOOP;
		BEGIN
			IF r.run_as IS NOT NULL THEN
				EXECUTE format('SET LOCAL ROLE %I', r.run_as);
			END IF;
			EXECUTE v_call;
			RESET ROLE;
			v_state := '00000';
			v_message := NULL;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT;
		END;
		INSERT INTO bad_input.result VALUES (r.n, v_state, left(v_message, 200));
	END LOOP;
END
$run$;

\echo mismatches (n | function or relation | expected | actual | note | message):
SELECT c.n, coalesce(c.function::text, c.relation::text), c.expected_sqlstate, r.actual_sqlstate, c.note, r.message
  FROM bad_input.catalogue c JOIN bad_input.result r USING (n)
 WHERE r.actual_sqlstate <> c.expected_sqlstate
 ORDER BY c.n;

\echo functions of the extension not in the catalogue:
SELECT p.oid::regprocedure
  FROM pg_proc p
  JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'domxfer'
 WHERE NOT EXISTS (SELECT FROM bad_input.catalogue c
					WHERE c.function = p.oid
					  AND strpos(c.call, 'domxfer.' || p.proname || '(') > 0)
 ORDER BY 1::text;

\echo counts:
SELECT count(*) AS inputs,
	   count(*) FILTER (WHERE r.actual_sqlstate = c.expected_sqlstate) AS as_expected,
	   count(*) FILTER (WHERE c.expected_sqlstate <> '00000') AS refused,
	   count(DISTINCT c.function) AS functions,
	   (SELECT count(*) FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
		 WHERE e.extname = 'domxfer' AND d.classid = 'pg_proc'::regclass AND d.deptype = 'e') AS extension_functions,
	   count(DISTINCT c.relation) AS tables
  FROM bad_input.catalogue c JOIN bad_input.result r USING (n);
