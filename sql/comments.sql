-- Every object of the extension has a COMMENT (SPEC §7): psql's \d+ and BI
-- tools' metadata show them. Both queries must return no rows.

-- functions, types, casts, operators, operator classes and families,
-- tables, views, sequences, ... that are members of the extension
SELECT pg_describe_object(dep.classid, dep.objid, 0) AS member_without_comment
  FROM pg_depend dep
 WHERE dep.refclassid = 'pg_extension'::regclass
   AND dep.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'domxfer')
   AND dep.deptype = 'e'
   AND obj_description(dep.objid, dep.classid::regclass::name) IS NULL
   -- PostgreSQL 17 and later also record the types a table or view brings
   -- (its row type) and every type's array type as members: they have no
   -- comments of their own, they are described by their table or type
   AND NOT EXISTS (SELECT FROM pg_type t
					WHERE dep.classid = 'pg_type'::regclass AND t.oid = dep.objid
					  AND ((t.typrelid <> 0 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c')
						   OR (t.typelem <> 0 AND t.oid = (SELECT e.typarray FROM pg_type e WHERE e.oid = t.typelem))))
 ORDER BY 1;

-- every column of every table and view of the schema
SELECT c.oid::regclass AS relation, a.attname AS column_without_comment
  FROM pg_class c
  JOIN pg_attribute a ON a.attrelid = c.oid
 WHERE c.relnamespace = 'domxfer'::regnamespace
   AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
   AND a.attnum > 0 AND NOT a.attisdropped
   AND col_description(c.oid, a.attnum) IS NULL
 ORDER BY 1, 2;

-- the check can fail: a fresh object without a comment is found
BEGIN;
CREATE FUNCTION domxfer.uncommented_probe() RETURNS int LANGUAGE sql RETURN 1;
ALTER EXTENSION domxfer ADD FUNCTION domxfer.uncommented_probe();
SELECT pg_describe_object(dep.classid, dep.objid, 0) AS member_without_comment
  FROM pg_depend dep
 WHERE dep.refclassid = 'pg_extension'::regclass
   AND dep.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'domxfer')
   AND dep.deptype = 'e'
   AND obj_description(dep.objid, dep.classid::regclass::name) IS NULL
   -- PostgreSQL 17 and later also record the types a table or view brings
   -- (its row type) and every type's array type as members: they have no
   -- comments of their own, they are described by their table or type
   AND NOT EXISTS (SELECT FROM pg_type t
					WHERE dep.classid = 'pg_type'::regclass AND t.oid = dep.objid
					  AND ((t.typrelid <> 0 AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) <> 'c')
						   OR (t.typelem <> 0 AND t.oid = (SELECT e.typarray FROM pg_type e WHERE e.oid = t.typelem))))
 ORDER BY 1;
ROLLBACK;

-- and the reporting views' comments are what psql's \d+ shows
SELECT c.relname, obj_description(c.oid, 'pg_class') IS NOT NULL AS view_comment,
	   count(a.attnum) AS columns, count(col_description(c.oid, a.attnum)) AS commented_columns
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 WHERE c.relnamespace = 'domxfer'::regnamespace AND c.relkind = 'v'
 GROUP BY c.oid, c.relname ORDER BY c.relname;
