-- A text snapshot of everything the domxfer extension defines, one line per
-- object property, for comparing two installations (upgrade vs. fresh
-- install, install under a hostile search_path vs. a clean one).
--
-- Used by test/t/210_extension_upgrade.pl and test/t/220_security.pl:
-- run it with psql in each database and compare the outputs line by line.
-- Lines are "kind|object|detail", sorted; nothing depends on OIDs, so two
-- databases (or clusters) give equal text for equal objects. Role names
-- appear in owners and privileges (roles are cluster-wide).
--
-- Covered: extension row, membership and extconfig; functions (the whole
-- CREATE FUNCTION text: signature, volatility, strictness, parallel safety,
-- leakproof, security, SET clauses, cost/rows, body), owners and EXECUTE
-- privileges; types (I/O functions, storage, enum labels, domain
-- constraints); operators; operator classes and families with their members;
-- casts; tables, views and sequences (columns, defaults, identity, generated
-- columns, constraints, indexes, triggers, rules, policies, options,
-- sequence parameters), table and column privileges; comments on every
-- object and column; and every recorded dependency of an extension object
-- on an object outside pg_catalog and the extension's schema (a planted
-- public.* function or operator captured by an SQL body, default, check
-- constraint or view would show up there).

-- (a comment on this file's first line would be echoed by some runners)
SET search_path = pg_catalog, pg_temp;

WITH ext AS (
	SELECT e.oid, e.extname, e.extversion, e.extrelocatable, e.extnamespace,
		   e.extowner, e.extconfig, e.extcondition
	  FROM pg_extension e
	 WHERE e.extname = 'domxfer'
),
members AS (
	SELECT d.classid, d.objid, d.objsubid
	  FROM pg_depend d, ext
	 WHERE d.refclassid = 'pg_extension'::regclass
	   AND d.refobjid = ext.oid
	   AND d.deptype::text = 'e'
),
nsp AS (
	SELECT n.oid FROM pg_namespace n, ext WHERE n.oid = ext.extnamespace
),
procs AS (
	SELECT p.* FROM pg_proc p JOIN nsp ON p.pronamespace = nsp.oid
),
rels AS (
	SELECT c.* FROM pg_class c JOIN nsp ON c.relnamespace = nsp.oid
),
-- the extension's objects and the parts of its relations and types
owned(classid, objid) AS (
	SELECT m.classid, m.objid FROM members m
	UNION SELECT 'pg_proc'::regclass, p.oid FROM procs p
	UNION SELECT 'pg_class'::regclass, c.oid FROM rels c
	UNION SELECT 'pg_attrdef'::regclass, a.oid FROM pg_attrdef a JOIN rels c ON c.oid = a.adrelid
	UNION SELECT 'pg_constraint'::regclass, k.oid FROM pg_constraint k
		   WHERE k.conrelid IN (SELECT oid FROM rels)
			  OR k.contypid IN (SELECT t.oid FROM pg_type t JOIN nsp ON t.typnamespace = nsp.oid)
	UNION SELECT 'pg_trigger'::regclass, t.oid FROM pg_trigger t JOIN rels c ON c.oid = t.tgrelid
	UNION SELECT 'pg_rewrite'::regclass, r.oid FROM pg_rewrite r JOIN rels c ON c.oid = r.ev_class
	UNION SELECT 'pg_policy'::regclass, p.oid FROM pg_policy p JOIN rels c ON c.oid = p.polrelid
),
lines(kind, object, detail) AS (
	-- the extension itself
	SELECT 'extension', ext.extname,
		   concat_ws(' ', 'version=' || ext.extversion, 'relocatable=' || ext.extrelocatable,
					 'schema=' || ext.extnamespace::regnamespace::text,
					 'owner=' || pg_get_userbyid(ext.extowner))
	  FROM ext
	UNION ALL
	-- extension configuration tables (dumped with their data) and filters
	SELECT 'extconfig', c.cfg::regclass::text, coalesce(ext.extcondition[c.ord], '<null>')
	  FROM ext, unnest(ext.extconfig) WITH ORDINALITY AS c(cfg, ord)
	UNION ALL
	-- extension membership
	SELECT 'member', (pg_identify_object(m.classid, m.objid, m.objsubid)).type,
		   (pg_identify_object(m.classid, m.objid, m.objsubid)).identity
	  FROM members m
	UNION ALL
	-- objects in the extension's schema that are not members (should be none)
	SELECT 'non-member', (pg_identify_object(o.classid, o.objid, 0)).type,
		   (pg_identify_object(o.classid, o.objid, 0)).identity
	  FROM (SELECT 'pg_proc'::regclass AS classid, p.oid AS objid FROM procs p
			UNION ALL SELECT 'pg_class'::regclass, c.oid FROM rels c WHERE c.relkind::text IN ('r', 'v', 'm', 'S', 'f', 'p')
			UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t JOIN nsp ON t.typnamespace = nsp.oid
					   WHERE t.typtype::text <> 'c' AND t.typelem = 0
			UNION ALL SELECT 'pg_operator'::regclass, o.oid FROM pg_operator o JOIN nsp ON o.oprnamespace = nsp.oid
			UNION ALL SELECT 'pg_opclass'::regclass, o.oid FROM pg_opclass o JOIN nsp ON o.opcnamespace = nsp.oid
			UNION ALL SELECT 'pg_opfamily'::regclass, o.oid FROM pg_opfamily o JOIN nsp ON o.opfnamespace = nsp.oid) o
	 WHERE NOT EXISTS (SELECT FROM members m WHERE m.classid = o.classid AND m.objid = o.objid)
	UNION ALL
	-- the schema
	SELECT 'schema', n.nspname,
		   concat_ws(' ', 'owner=' || pg_get_userbyid(n.nspowner),
					 'acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(n.nspacl) a), '<default>'))
	  FROM pg_namespace n JOIN nsp ON n.oid = nsp.oid
	UNION ALL
	-- functions: the full definition (aggregates have none)
	SELECT 'function', p.oid::regprocedure::text,
		   CASE WHEN p.prokind = 'a' THEN 'aggregate' ELSE pg_get_functiondef(p.oid) END
	  FROM procs p
	UNION ALL
	SELECT 'function-owner', p.oid::regprocedure::text,
		   concat_ws(' ', 'owner=' || pg_get_userbyid(p.proowner),
					 'acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a), '<default>'))
	  FROM procs p
	UNION ALL
	-- types (row types of tables are described with the tables; array
	-- types by their element type)
	SELECT 'type', format_type(t.oid, NULL),
		   concat_ws(' ', 'typtype=' || t.typtype::text, 'len=' || t.typlen, 'byval=' || t.typbyval,
					 'align=' || t.typalign::text, 'storage=' || t.typstorage::text, 'category=' || t.typcategory::text,
					 'preferred=' || t.typispreferred, 'delim=' || t.typdelim::text,
					 'input=' || t.typinput::regprocedure, 'output=' || t.typoutput::regprocedure,
					 'receive=' || t.typreceive::regprocedure, 'send=' || t.typsend::regprocedure,
					 'modin=' || t.typmodin::regprocedure, 'modout=' || t.typmodout::regprocedure,
					 'analyze=' || t.typanalyze::regprocedure, 'subscript=' || t.typsubscript::regprocedure,
					 'elem=' || format_type(nullif(t.typelem, 0), NULL),
					 'array=' || format_type(nullif(t.typarray, 0), NULL),
					 'base=' || format_type(nullif(t.typbasetype, 0), NULL),
					 'notnull=' || t.typnotnull, 'default=' || t.typdefault,
					 'collation=' || nullif(t.typcollation, 0)::regcollation,
					 'owner=' || pg_get_userbyid(t.typowner),
					 'acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(t.typacl) a), '<default>'),
					 'labels=' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
									 FROM pg_enum e WHERE e.enumtypid = t.oid),
					 'constraints=' || (SELECT string_agg(c.conname || ':' || pg_get_constraintdef(c.oid), ';' ORDER BY c.conname)
										  FROM pg_constraint c WHERE c.contypid = t.oid))
	  FROM pg_type t JOIN nsp ON t.typnamespace = nsp.oid
	 WHERE t.typtype::text <> 'c' AND NOT (t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc)
	UNION ALL
	-- operators
	SELECT 'operator', o.oid::regoperator::text,
		   concat_ws(' ', 'kind=' || o.oprkind::text, 'result=' || format_type(o.oprresult, NULL),
					 'code=' || o.oprcode::regprocedure, 'commutator=' || nullif(o.oprcom, 0)::regoperator,
					 'negator=' || nullif(o.oprnegate, 0)::regoperator,
					 'restrict=' || nullif(o.oprrest, 0)::regprocedure, 'join=' || nullif(o.oprjoin, 0)::regprocedure,
					 'merges=' || o.oprcanmerge, 'hashes=' || o.oprcanhash,
					 'owner=' || pg_get_userbyid(o.oprowner))
	  FROM pg_operator o JOIN nsp ON o.oprnamespace = nsp.oid
	UNION ALL
	-- operator classes and families with their operators and support functions
	SELECT 'opclass', am.amname || ':' || oc.opcname,
		   concat_ws(' ', 'type=' || format_type(oc.opcintype, NULL), 'default=' || oc.opcdefault,
					 'family=' || f.opfname, 'keytype=' || format_type(nullif(oc.opckeytype, 0), NULL),
					 'owner=' || pg_get_userbyid(oc.opcowner))
	  FROM pg_opclass oc JOIN nsp ON oc.opcnamespace = nsp.oid
	  JOIN pg_am am ON am.oid = oc.opcmethod JOIN pg_opfamily f ON f.oid = oc.opcfamily
	UNION ALL
	SELECT 'opfamily', am.amname || ':' || f.opfname,
		   concat_ws(' ', 'owner=' || pg_get_userbyid(f.opfowner),
					 'operators=' || (SELECT string_agg(ao.amopstrategy || ':' || ao.amopopr::regoperator
													   || ':' || ao.amoppurpose::text
													   || coalesce(':' || nullif(ao.amopsortfamily, 0)::text, ''),
													   ',' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text)
										FROM pg_amop ao WHERE ao.amopfamily = f.oid),
					 'functions=' || (SELECT string_agg(ap.amprocnum || ':' || format_type(ap.amproclefttype, NULL)
													   || ',' || format_type(ap.amprocrighttype, NULL)
													   || ':' || ap.amproc::regprocedure,
													   ';' ORDER BY ap.amprocnum, ap.amproc::regprocedure::text)
										FROM pg_amproc ap WHERE ap.amprocfamily = f.oid))
	  FROM pg_opfamily f JOIN nsp ON f.opfnamespace = nsp.oid JOIN pg_am am ON am.oid = f.opfmethod
	UNION ALL
	-- casts of the extension
	SELECT 'cast', format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL),
		   concat_ws(' ', 'function=' || nullif(c.castfunc, 0)::regprocedure, 'context=' || c.castcontext::text,
					 'method=' || c.castmethod::text)
	  FROM pg_cast c JOIN members m ON m.classid = 'pg_cast'::regclass AND m.objid = c.oid
	UNION ALL
	-- relations
	SELECT 'relation', c.oid::regclass::text,
		   concat_ws(' ', 'kind=' || c.relkind::text, 'persistence=' || c.relpersistence::text,
					 'options=' || array_to_string(c.reloptions, ','),
					 'rowsecurity=' || c.relrowsecurity, 'forcerowsecurity=' || c.relforcerowsecurity,
					 'replident=' || c.relreplident::text, 'owner=' || pg_get_userbyid(c.relowner),
					 'acl=' || coalesce((SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a), '<default>'),
					 'rowtype=' || format_type(nullif(c.reltype, 0), NULL),
					 'am=' || (SELECT amname FROM pg_am WHERE oid = c.relam))
	  FROM rels c
	UNION ALL
	SELECT 'column', c.oid::regclass::text || '.' || a.attname,
		   concat_ws(' ', 'num=' || a.attnum, 'type=' || format_type(a.atttypid, a.atttypmod),
					 'notnull=' || a.attnotnull, 'identity=' || nullif(a.attidentity::text, ''),
					 'generated=' || nullif(a.attgenerated::text, ''),
					 'default=' || pg_get_expr(ad.adbin, ad.adrelid),
					 'collation=' || nullif(a.attcollation, 0)::regcollation,
					 'storage=' || a.attstorage::text, 'compression=' || nullif(a.attcompression::text, ''),
					 'statistics=' || a.attstattarget, 'options=' || nullif(array_to_string(ARRAY(SELECT o FROM unnest(a.attoptions) o
																	  WHERE o NOT LIKE 'pg\_attver=%'), ','), ''),
					 'acl=' || (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM unnest(a.attacl) x))
	  FROM rels c
	  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
	  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
	UNION ALL
	SELECT 'constraint', c.oid::regclass::text || ':' || k.conname,
		   concat_ws(' ', pg_get_constraintdef(k.oid), 'deferrable=' || k.condeferrable,
					 'deferred=' || k.condeferred, 'validated=' || k.convalidated,
					 'local=' || k.conislocal, 'noinherit=' || k.connoinherit)
	  FROM rels c JOIN pg_constraint k ON k.conrelid = c.oid
	UNION ALL
	SELECT 'index', i.indexrelid::regclass::text,
		   concat_ws(' ', pg_get_indexdef(i.indexrelid), 'unique=' || i.indisunique,
					 'primary=' || i.indisprimary, 'clustered=' || i.indisclustered,
					 'replident=' || i.indisreplident, 'valid=' || i.indisvalid)
	  FROM rels c JOIN pg_index i ON i.indrelid = c.oid
	UNION ALL
	SELECT 'trigger', c.oid::regclass::text || ':' || t.tgname,
		   concat_ws(' ', pg_get_triggerdef(t.oid), 'enabled=' || t.tgenabled::text)
	  FROM rels c JOIN pg_trigger t ON t.tgrelid = c.oid AND NOT t.tgisinternal
	UNION ALL
	SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
	  FROM rels c WHERE c.relkind::text IN ('v', 'm')
	UNION ALL
	SELECT 'rule', c.oid::regclass::text || ':' || r.rulename, pg_get_ruledef(r.oid)
	  FROM rels c JOIN pg_rewrite r ON r.ev_class = c.oid
	 WHERE r.rulename <> '_RETURN'
	UNION ALL
	SELECT 'policy', c.oid::regclass::text || ':' || p.polname,
		   concat_ws(' ', 'cmd=' || p.polcmd::text, 'permissive=' || p.polpermissive,
					 'roles=' || (SELECT string_agg(CASE r WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(r)::text END, ',' ORDER BY 1)
									FROM unnest(p.polroles) r),
					 'using=' || pg_get_expr(p.polqual, p.polrelid),
					 'check=' || pg_get_expr(p.polwithcheck, p.polrelid))
	  FROM rels c JOIN pg_policy p ON p.polrelid = c.oid
	UNION ALL
	SELECT 'sequence', c.oid::regclass::text,
		   concat_ws(' ', 'type=' || format_type(s.seqtypid, NULL), 'start=' || s.seqstart,
					 'increment=' || s.seqincrement, 'max=' || s.seqmax, 'min=' || s.seqmin,
					 'cache=' || s.seqcache, 'cycle=' || s.seqcycle,
					 'owned_by=' || (SELECT d.refobjid::regclass::text || '.' || a.attname
									   FROM pg_depend d
									   JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
									  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
										AND d.refclassid = 'pg_class'::regclass AND d.deptype::text IN ('a', 'i')))
	  FROM rels c JOIN pg_sequence s ON s.seqrelid = c.oid
	UNION ALL
	-- comments on the extension's objects (and their columns), the schema
	-- and the extension
	SELECT 'comment', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description
	  FROM pg_description d
	 WHERE EXISTS (SELECT FROM members m WHERE m.classid = d.classoid AND m.objid = d.objoid)
		OR (d.classoid = 'pg_namespace'::regclass AND d.objoid IN (SELECT oid FROM nsp))
		OR (d.classoid = 'pg_extension'::regclass AND d.objoid IN (SELECT oid FROM ext))
		OR (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rels))
		OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT oid FROM procs))
		OR (d.classoid = 'pg_constraint'::regclass
			AND d.objoid IN (SELECT k.oid FROM pg_constraint k JOIN rels c ON c.oid = k.conrelid))
		OR (d.classoid = 'pg_trigger'::regclass
			AND d.objoid IN (SELECT t.oid FROM pg_trigger t JOIN rels c ON c.oid = t.tgrelid))
	UNION ALL
	-- dependencies of the extension's objects (and of their defaults,
	-- constraints, indexes, triggers, rules) on anything outside pg_catalog
	-- and the extension's schema
	SELECT 'outside-dependency', pg_describe_object(d.classid, d.objid, d.objsubid),
		   d.deptype::text || ' ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid)
	  FROM pg_depend d
	  JOIN owned o ON o.classid = d.classid AND o.objid = d.objid
	  CROSS JOIN LATERAL pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid) AS ref
	 WHERE ref.schema IS NOT NULL
	   AND ref.schema NOT IN ('pg_catalog', (SELECT extnamespace::regnamespace::text FROM ext))
)
SELECT kind || '|' || object || '|' || replace(coalesce(detail, '<null>'), E'\n', '\n')
  FROM lines
 ORDER BY kind, object, detail;
