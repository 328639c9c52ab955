-- The registrar's own domains table (SPEC §10): attach_domains,
-- detach_domains, attached_domains, and the one place the lifecycle reads
-- and writes a domain (src/domain_source.c).
--
-- The lifecycle, the worker, the registry link, the notices and the readers
-- reach a domain only through:
--   domxfer._domain_row(name)             one domain, as a domxfer.domains row
--   domxfer._domain_row_for_update(name)  the same, its row locked
--   domxfer.domain_rows                   every domain (a view), for reports
--   domxfer._domain_transfer_opened/_pending/_ended   domxfer's own state,
--                                          and the write of a completed transfer
-- With nothing attached they read and write domxfer.domains. Attached, the
-- view and the row functions over the source's row type are generated from
-- the map; the map's expressions run with the privileges of the role that
-- attached them (src/domain_source.c runs them as that role), never as the
-- extension's owner.

-- 1. The C functions ----------------------------------------------------------

CREATE FUNCTION domxfer._map_expression(source pg_catalog.regclass, expression text, search_path text,
	OUT expression text, OUT type pg_catalog.regtype, OUT columns name[], OUT bare text)
	AS 'MODULE_PATHNAME', 'domxfer_map_expression'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION domxfer._map_expression(pg_catalog.regclass, text, text) IS
	'Internal (attach_domains): one map value parsed as PostgreSQL parses SELECT <expression> FROM source with that search_path; returns it printed with every name fixed and the source''s columns as d.<column>, its type, the source columns it reads (NULL: the whole row) and the form without d. (to compare with an index); 42601, 42703, 42883, 42803 as the parser raises them';

CREATE FUNCTION domxfer._domain_row(name text)
	RETURNS domxfer.domains
	AS 'MODULE_PATHNAME', 'domxfer_domain_row'
	LANGUAGE C STABLE STRICT;
COMMENT ON FUNCTION domxfer._domain_row(text) IS
	'Internal: the domain of a canonical name as domxfer sees it (a domxfer.domains row; NULL when none), from domxfer.domains or from the attached source, read with the privileges of the role that attached it; 21000 when two rows of the source have the name';

CREATE FUNCTION domxfer._domain_row_for_update(name text)
	RETURNS domxfer.domains
	AS 'MODULE_PATHNAME', 'domxfer_domain_row_for_update'
	LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION domxfer._domain_row_for_update(text) IS
	'Internal: _domain_row, with the domain''s row locked FOR NO KEY UPDATE (domxfer.domains or a table source; a view source is not locked)';

CREATE FUNCTION domxfer._source_exec(kind text, name text, gaining_registrar text, at timestamptz, pending boolean)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_source_exec'
	LANGUAGE C VOLATILE;
COMMENT ON FUNCTION domxfer._source_exec(text, text, text, timestamptz, boolean) IS
	'Internal: runs the attached source''s generated statement of this kind (''transferred'': new sponsor and last transfer; ''state'': the registrar''s on_transfer_state) as the role that attached it; false when nothing is attached';

CREATE FUNCTION domxfer._source_guard()
	RETURNS trigger
	AS 'MODULE_PATHNAME', 'domxfer_source_guard'
	LANGUAGE C;
COMMENT ON FUNCTION domxfer._source_guard() IS
	'Trigger that attach_domains puts on a table source: while a domain''s transfer is open, its sponsor (or the key it is read through) and its name do not change and its row is not deleted, for every role (55000); the lifecycle''s own write passes';

CREATE FUNCTION domxfer._source_truncate_guard()
	RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_open bigint;
	v_first bigint;
BEGIN
	SELECT pg_catalog.count(*), pg_catalog.min(t.id) INTO v_open, v_first
	  FROM domxfer.transfers t
	 WHERE t.state OPERATOR(pg_catalog.=) ANY ('{awaiting_documents,auth_code_issued,pending}'::domxfer.transfer_state[]);
	IF v_open OPERATOR(pg_catalog.>) 0 THEN
		RAISE EXCEPTION 'cannot truncate %.% while its domains have open transfers', TG_TABLE_SCHEMA, TG_TABLE_NAME
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('%s transfer(s) are open, the first is transfer %s.', v_open, v_first),
				  HINT = 'End them first (cancel_transfer_out, or let them be decided), or detach the table with domxfer.detach_domains() once none is open.';
	END IF;
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION domxfer._source_truncate_guard() IS
	'Trigger that attach_domains puts on a table source (BEFORE TRUNCATE, each statement): refuses TRUNCATE while any transfer is open (55000), as the row guard refuses deleting a domain with an open transfer; SPEC §10';

CREATE FUNCTION domxfer._source_drop_guards(source pg_catalog.regclass)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_name name;
BEGIN
	FOR v_name IN
		SELECT t.tgname FROM pg_catalog.pg_trigger t
		 WHERE t.tgrelid OPERATOR(pg_catalog.=) source
		   AND t.tgname OPERATOR(pg_catalog.=) ANY ('{domxfer_source_guard,domxfer_source_truncate_guard,domxfer_source_decide_due}'::name[])
	LOOP
		EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', v_name, source);
	END LOOP;
END
$$;
COMMENT ON FUNCTION domxfer._source_drop_guards(pg_catalog.regclass) IS
	'Internal: drops the triggers attach_domains put on a source (domxfer_source_guard, domxfer_source_truncate_guard, domxfer_source_decide_due), those that exist';

CREATE FUNCTION domxfer._drop_guard()
	RETURNS event_trigger
	AS 'MODULE_PATHNAME', 'domxfer_drop_guard'
	LANGUAGE C;
COMMENT ON FUNCTION domxfer._drop_guard() IS
	'Event trigger: refuses a plain DROP EXTENSION domxfer while a domains source is attached (2BP01, HINT: detach_domains() first, or CASCADE)';

CREATE FUNCTION domxfer._canonical_name(name text)
	RETURNS text
	AS 'MODULE_PATHNAME', 'domxfer_canonical_name'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._canonical_name(text) IS
	'Internal: a registrar''s spelling of a domain name (upper case, U-labels, trailing dot) in canonical lower-case A-label form (text); plain ASCII without ICU; the input unchanged when it is no name';

CREATE FUNCTION domxfer._open_transfer_id(name text)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'domxfer_open_transfer_id'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._open_transfer_id(text) IS
	'Internal: the open transfer (bigint id) of the domain of this name in any spelling, or NULL; the open transfers are read once per snapshot into memory, so a report over a registrar''s table pays no lookup per row (SPEC §1 R5b)';

CREATE FUNCTION domxfer._status_with_open(status domxfer.domain_status, name text)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domxfer_status_with_open'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._status_with_open(domxfer.domain_status, text) IS
	'Internal: a registrar''s status plus pendingTransfer while domxfer has the domain''s transfer pending (domxfer never writes the registrar''s status column)';

CREATE FUNCTION domxfer._status_with_pending(status domxfer.domain_status, pending boolean)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domxfer_status_with_pending'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._status_with_pending(domxfer.domain_status, boolean) IS
	'Internal: a registrar''s status plus pendingTransfer when pending is true (the status of one domain read by the lifecycle)';

CREATE FUNCTION domxfer._status_lenient(status text)
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domxfer_status_lenient_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._status_lenient(text) IS
	'Internal: the status a registrar''s text column spells (any spelling domain_status reads), or a mark the rules report as status_unreadable instead of an error';

CREATE FUNCTION domxfer._status_lenient(status text[])
	RETURNS domxfer.domain_status
	AS 'MODULE_PATHNAME', 'domxfer_status_lenient_array'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._status_lenient(text[]) IS
	'Internal: the status a registrar''s text[] column spells (one value per element, e.g. CLIENT_TRANSFER_PROHIBITED), or a mark the rules report as status_unreadable';

-- A status the type cannot read (SPEC §10): a blocker under every rule set,
-- after R11's code.
INSERT INTO domxfer.reason_codes (code, kind, rule, bit, meaning_en, meaning_zh) VALUES
	('status_unreadable', 'rule', '§10', 16,
	 'the domain''s row in the registrar''s table cannot be read: its status is not a set of EPP status values domxfer reads, or a column the rules need is NULL',
	 '注册商数据表中的域名状态无法识别');
-- a blocker in every shipped rule set (the trigger of rule_sets adds it as shipped)
INSERT INTO domxfer.rule_sets (rule_set, code, effect, shipped)
SELECT s.rule_set, s.code, s.effect, true FROM domxfer._shipped_rule_sets() s
 WHERE s.code OPERATOR(pg_catalog.=) 'status_unreadable';

-- 2. The attachment -----------------------------------------------------------

CREATE TABLE domxfer.domain_source (
	one boolean PRIMARY KEY DEFAULT true
		CONSTRAINT domain_source_one_row CHECK (one),
	source_name text NOT NULL,
	columns jsonb NOT NULL DEFAULT '{}'
		CONSTRAINT domain_source_columns_object
		CHECK (pg_catalog.jsonb_typeof(columns) OPERATOR(pg_catalog.=) 'object'),
	search_path text NOT NULL,
	attached_by name NOT NULL,
	attached_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
	-- computed from the columns above by the trigger domain_source_prepare
	expressions jsonb,
	rows_query text,
	row_query text,
	row_lock_query text,
	transferred_query text,
	state_query text,
	guard_query text,
	guard_columns name[]
);
COMMENT ON TABLE domxfer.domain_source IS
	'The attached domains source (SPEC §10): at most one row; none while domxfer works on domxfer.domains. Written only by attach_domains and detach_domains (and by a restore, which regenerates everything from source_name, columns, search_path and attached_by)';
COMMENT ON COLUMN domxfer.domain_source.one IS 'Always true: the table has at most one row';
COMMENT ON COLUMN domxfer.domain_source.source_name IS 'The source table or view (text: its schema-qualified, quoted name)';
COMMENT ON COLUMN domxfer.domain_source.columns IS 'The map as attach_domains was given it (jsonb object: domxfer column name -> SQL expression over the source)';
COMMENT ON COLUMN domxfer.domain_source.search_path IS 'The attaching session''s search_path, with which the map was parsed (text)';
COMMENT ON COLUMN domxfer.domain_source.attached_by IS 'The role that attached the source (name); the map runs with its privileges';
COMMENT ON COLUMN domxfer.domain_source.attached_at IS 'When the source was attached (timestamptz)';
COMMENT ON COLUMN domxfer.domain_source.expressions IS 'Every domxfer column as domxfer reads it from the source (jsonb: column -> SQL over the source''s row d, names fixed at attach time)';
COMMENT ON COLUMN domxfer.domain_source.rows_query IS 'Generated: every domain of the source as domxfer.domain_rows shows it';
COMMENT ON COLUMN domxfer.domain_source.row_query IS 'Generated: reads one domain ($1: the spellings of its name) as a domxfer.domains row';
COMMENT ON COLUMN domxfer.domain_source.row_lock_query IS 'Generated: row_query with FOR UPDATE of the source''s row (a table source)';
COMMENT ON COLUMN domxfer.domain_source.transferred_query IS 'Generated: writes a completed transfer ($1 names, $2 gaining registrar, $3 instant) to the source''s columns or through on_transferred; NULL when there is nothing to write';
COMMENT ON COLUMN domxfer.domain_source.state_query IS 'Generated: calls the registrar''s on_transfer_state ($1 names, $4 pending); NULL without one';
COMMENT ON COLUMN domxfer.domain_source.guard_query IS 'Generated: the name, sponsor and open transfer of a source row before ($1) and after ($2) a change, for the guard trigger; NULL for a view';
COMMENT ON COLUMN domxfer.domain_source.guard_columns IS 'Generated: the source columns the name and sponsor are read from (the guard trigger''s UPDATE OF list; NULL: every column)';

SELECT pg_catalog.pg_extension_config_dump('domxfer.domain_source', '');

CREATE FUNCTION domxfer._source_attached()
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_source_attached'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._source_attached() IS
	'Internal: true (boolean) while a registrar''s own domains source is attached (a row in domxfer.domain_source, read through this backend''s cache of it)';

-- Every domain as domxfer sees it, in the columns (and column order) of
-- domxfer.domains. attach_domains replaces the query; detach_domains
-- brings this one back (the one text of it: _domain_rows_builtin).
CREATE FUNCTION domxfer._domain_rows_builtin()
	RETURNS text
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN 'SELECT d.name, d.sponsoring_registrar, d.registered_at, d.expires_at, '
		   'd.last_transferred_at, d.late_renewed_at, d.status, d.unpaid, d.legal_hold, '
		   'd.holder_disputed, d.contacts_complete, d.registrant_email, '
		   'd.real_name_verified, d.uses_registrar_dns, d.open_transfer_id, '
		   'd.registrant_changed_at, d.registrant_change_lock_opt_out, '
		   'd.registrant_email_usable FROM domxfer.domains AS d';
COMMENT ON FUNCTION domxfer._domain_rows_builtin() IS
	'Internal: the query (text) of domxfer.domain_rows while nothing is attached: domxfer.domains itself';

DO $$
BEGIN
	EXECUTE 'CREATE VIEW domxfer.domain_rows AS ' OPERATOR(pg_catalog.||) domxfer._domain_rows_builtin();
END
$$;
COMMENT ON VIEW domxfer.domain_rows IS
	'Every domain domxfer works on, in the columns of domxfer.domains: domxfer.domains itself, or the attached source read through its map (names canonical, status with pendingTransfer while a transfer is pending, open_transfer_id from domxfer''s own record); the reports read it';

-- 3. Reading a map ------------------------------------------------------------

-- The keys a map may have: domxfer's column, its kind and the neutral value
-- used when the source has no such column (NULL: the key must resolve).
CREATE FUNCTION domxfer._map_keys()
	RETURNS TABLE (key text, kind text, neutral text)
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
	VALUES
		('name', 'text', NULL),
		('sponsoring_registrar', 'text', NULL),
		('registered_at', 'instant', NULL),
		('expires_at', 'instant', NULL),
		('last_transferred_at', 'instant', 'NULL::timestamptz'),
		('late_renewed_at', 'instant', 'NULL::timestamptz'),
		('status', 'status', '''ok''::domxfer.domain_status'),
		('unpaid', 'flag', 'false'),
		('legal_hold', 'flag', 'false'),
		('holder_disputed', 'flag', 'false'),
		('contacts_complete', 'flag', 'true'),
		('registrant_email', 'text', NULL),
		('uses_registrar_dns', 'flag', 'false'),
		('registrant_changed_at', 'instant', 'NULL::timestamptz'),
		('registrant_change_lock_opt_out', 'flag', 'false');
END;
COMMENT ON FUNCTION domxfer._map_keys() IS
	'Internal: the domxfer columns a map of attach_domains may set (SPEC §10), each with its kind (text, instant, status, flag) and the neutral value used when the source lacks it (NULL: required)';

CREATE FUNCTION domxfer._finite_instant(at timestamptz)
	RETURNS timestamptz
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN CASE WHEN pg_catalog.isfinite(at) THEN at END;
COMMENT ON FUNCTION domxfer._finite_instant(timestamptz) IS
	'Internal: an instant of a registrar''s row, NULL when infinite (the rules count days from it; such a row is unreadable, not an error)';

-- One key's expression, read and typed; errors name the key.
CREATE FUNCTION domxfer._map_value(source pg_catalog.regclass, key text, kind text, value text, search_path text,
	OUT expression text, OUT columns name[], OUT bare text)
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	m record;
	v_state text;
	v_message text;
	v_detail text;
	v_hint text;
	v_type regtype;
	v_category "char";
	v_elem_category "char";
BEGIN
	BEGIN
		m := domxfer._map_expression(source, value, search_path);
	EXCEPTION WHEN OTHERS THEN
		GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_message = MESSAGE_TEXT,
								v_detail = PG_EXCEPTION_DETAIL, v_hint = PG_EXCEPTION_HINT;
		RAISE EXCEPTION 'map key "%": %', key, v_message
			USING ERRCODE = v_state,
				  DETAIL = pg_catalog.concat_ws(' ', NULLIF(v_detail, ''),
						   pg_catalog.format('The value was %s, read as an expression over %s.',
											 pg_catalog.quote_literal(value), source)),
				  HINT = COALESCE(NULLIF(v_hint, ''),
								  'Write the value as a column of SELECT <value> FROM the source would be written.');
	END;
	v_type := m.type;
	SELECT t.typcategory INTO v_category FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) v_type;
	SELECT e.typcategory INTO v_elem_category FROM pg_catalog.pg_type t
	  JOIN pg_catalog.pg_type e ON e.oid OPERATOR(pg_catalog.=) t.typelem
	 WHERE t.oid OPERATOR(pg_catalog.=) v_type AND t.typcategory OPERATOR(pg_catalog.=) 'A';
	columns := m.columns;
	bare := m.bare;
	expression := CASE
		WHEN kind OPERATOR(pg_catalog.=) 'text' AND v_category OPERATOR(pg_catalog.=) 'S'
			THEN pg_catalog.format('CAST(%s AS pg_catalog.text)', m.expression)
		WHEN kind OPERATOR(pg_catalog.=) 'flag' AND v_type OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype
			THEN m.expression
		-- an infinite instant reads as NULL: a row the rules cannot read,
		-- never an error that stops a report
		WHEN kind OPERATOR(pg_catalog.=) 'instant' AND v_type OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype
			THEN pg_catalog.format('domxfer._finite_instant(%s)', m.expression)
		-- timestamp without time zone is read as UTC (SPEC §10)
		WHEN kind OPERATOR(pg_catalog.=) 'instant' AND v_type OPERATOR(pg_catalog.=) 'pg_catalog.timestamp'::pg_catalog.regtype
			THEN pg_catalog.format('domxfer._finite_instant(pg_catalog.timezone(''UTC'', %s))', m.expression)
		WHEN kind OPERATOR(pg_catalog.=) 'instant' AND v_type OPERATOR(pg_catalog.=) 'pg_catalog.date'::pg_catalog.regtype
			THEN pg_catalog.format('domxfer._finite_instant(pg_catalog.timezone(''UTC'', CAST(%s AS pg_catalog.timestamp)))', m.expression)
		WHEN kind OPERATOR(pg_catalog.=) 'status' AND v_type OPERATOR(pg_catalog.=) 'domxfer.domain_status'::pg_catalog.regtype
			THEN m.expression
		WHEN kind OPERATOR(pg_catalog.=) 'status' AND v_category OPERATOR(pg_catalog.=) 'S'
			THEN pg_catalog.format('domxfer._status_lenient(CAST(%s AS pg_catalog.text))', m.expression)
		WHEN kind OPERATOR(pg_catalog.=) 'status' AND v_elem_category OPERATOR(pg_catalog.=) 'S'
			THEN pg_catalog.format('domxfer._status_lenient(CAST(%s AS pg_catalog.text[]))', m.expression)
		END;
	IF expression IS NULL THEN
		RAISE EXCEPTION 'map key "%" must be %, not %', key,
			CASE kind WHEN 'text' THEN 'text (or another string type)'
					  WHEN 'flag' THEN 'boolean'
					  WHEN 'instant' THEN 'timestamptz, timestamp (read as UTC) or date'
					  ELSE 'domain_status, text or text[]' END,
			pg_catalog.format_type(v_type, NULL)
			USING ERRCODE = 'datatype_mismatch',
				  DETAIL = pg_catalog.format('The value %s over %s is of type %s.',
											 pg_catalog.quote_literal(value), source,
											 pg_catalog.format_type(v_type, NULL)),
				  HINT = CASE kind WHEN 'flag' THEN 'Map it to a comparison, e.g. "unpaid": "balance > 0".'
								   WHEN 'status' THEN 'A status column holds EPP status values, e.g. text[] of CLIENT_TRANSFER_PROHIBITED.'
								   WHEN 'instant' THEN 'Map it to the column that holds the instant, or cast it.'
								   ELSE 'Map it to the text it is read from, e.g. through a scalar subquery over the table that holds it.' END;
	END IF;
	-- NULL flags read as their neutral value: the rule they feed holds
	IF kind OPERATOR(pg_catalog.=) 'flag' THEN
		expression := pg_catalog.format('COALESCE(%s, %s)', expression,
			CASE WHEN key OPERATOR(pg_catalog.=) 'contacts_complete' THEN 'true' ELSE 'false' END);
	END IF;
END
$$;
COMMENT ON FUNCTION domxfer._map_value(pg_catalog.regclass, text, text, text, text) IS
	'Internal (attach_domains): one map key''s value read over the source and typed for domxfer (timestamp read as UTC, a text or text[] status read leniently, NULL flags neutral); errors name the key: 42703 unknown column, 42804 wrong type, the parser''s SQLSTATE otherwise';

-- The generated queries of an attachment, from its source, map, search_path
-- and role. The one code path for attach_domains and for a restored row.
CREATE FUNCTION domxfer._domain_source_prepare()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_source regclass;
	v_kind "char";
	v_key text;
	k record;
	v_value text;
	v record;
	e jsonb := '{}';
	v_guard_cols name[] := '{}';
	v_guard_all boolean := false;
	v_name text;
	v_cols text;
	v_where text;
	v_sponsor_col name;
	v_last_col name;
	v_last_type regtype;
	v_sponsor_type regtype;
	v_fn regprocedure;
	v_state_fn regprocedure;
	v_set text[] := '{}';
BEGIN
	v_source := pg_catalog.to_regclass(NEW.source_name);
	IF v_source IS NULL THEN
		RAISE EXCEPTION 'relation % does not exist', NEW.source_name USING ERRCODE = 'undefined_table';
	END IF;
	SELECT c.relkind INTO v_kind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) v_source;

	FOR v_key IN SELECT pg_catalog.jsonb_object_keys(NEW.columns) LOOP
		IF v_key OPERATOR(pg_catalog.<>) ALL (ARRAY['on_transferred', 'on_transfer_state'])
		   AND NOT EXISTS (SELECT FROM domxfer._map_keys() m WHERE m.key OPERATOR(pg_catalog.=) v_key) THEN
			RAISE EXCEPTION 'unknown map key "%"', v_key
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = 'A map key is a column of domxfer.domains that the rules read, or on_transferred, on_transfer_state.',
					  HINT = (SELECT 'The keys are: ' OPERATOR(pg_catalog.||) pg_catalog.string_agg(m.key, ', ')
							  OPERATOR(pg_catalog.||) ', on_transferred, on_transfer_state.' FROM domxfer._map_keys() m);
		END IF;
		IF pg_catalog.jsonb_typeof(NEW.columns OPERATOR(pg_catalog.->) v_key) OPERATOR(pg_catalog.<>) 'string' THEN
			RAISE EXCEPTION 'map key "%" must be a string (an SQL expression or a function signature)', v_key
				USING ERRCODE = 'invalid_parameter_value',
					  DETAIL = pg_catalog.format('It is %s.', NEW.columns OPERATOR(pg_catalog.->) v_key);
		END IF;
	END LOOP;

	FOR k IN SELECT * FROM domxfer._map_keys() LOOP
		v_value := NEW.columns OPERATOR(pg_catalog.->>) k.key;
		IF v_value IS NULL AND EXISTS (SELECT FROM pg_catalog.pg_attribute a
										WHERE a.attrelid OPERATOR(pg_catalog.=) v_source
										  AND a.attname OPERATOR(pg_catalog.=) k.key
										  AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped) THEN
			v_value := pg_catalog.quote_ident(k.key);
		END IF;
		IF v_value IS NULL THEN
			IF k.neutral IS NULL THEN
				RAISE EXCEPTION 'map key "%" is missing and % has no column "%"', k.key, v_source, k.key
					USING ERRCODE = 'undefined_column',
						  DETAIL = 'domxfer needs the name, sponsoring_registrar, registered_at, expires_at and registrant_email of every domain.',
						  HINT = pg_catalog.format('Add "%s": "<expression over %s>" to the map.', k.key, v_source);
			END IF;
			e := e OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(k.key, k.neutral);
			CONTINUE;
		END IF;
		v := domxfer._map_value(v_source, k.key, k.kind, v_value, NEW.search_path);
		e := e OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(k.key, v.expression);
		IF k.key OPERATOR(pg_catalog.=) ANY (ARRAY['name', 'sponsoring_registrar']) THEN
			IF v.columns IS NULL THEN
				v_guard_all := true;
			ELSE
				v_guard_cols := v_guard_cols OPERATOR(pg_catalog.||) v.columns;
			END IF;
		END IF;
		-- a plain column, for writing back and for the name's lookup
		IF v.bare OPERATOR(pg_catalog.=) pg_catalog.quote_ident(v.columns[1]) AND pg_catalog.cardinality(v.columns) OPERATOR(pg_catalog.=) 1 THEN
			IF k.key OPERATOR(pg_catalog.=) 'sponsoring_registrar' THEN
				v_sponsor_col := v.columns[1];
			ELSIF k.key OPERATOR(pg_catalog.=) 'last_transferred_at' THEN
				v_last_col := v.columns[1];
			ELSIF k.key OPERATOR(pg_catalog.=) 'name' THEN
				v_name := 'plain';
			END IF;
		END IF;
		IF k.key OPERATOR(pg_catalog.=) 'name' AND v_name IS NULL THEN
			v_name := v.bare;
		END IF;
	END LOOP;

	-- the registrar's hooks, resolved with the attaching session's search_path
	PERFORM pg_catalog.set_config('search_path', NEW.search_path, true);
	v_fn := pg_catalog.to_regprocedure(NEW.columns OPERATOR(pg_catalog.->>) 'on_transferred');
	v_state_fn := pg_catalog.to_regprocedure(NEW.columns OPERATOR(pg_catalog.->>) 'on_transfer_state');
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	IF NEW.columns ? 'on_transferred' AND v_fn IS NULL THEN
		RAISE EXCEPTION 'map key "on_transferred": function % does not exist',
			NEW.columns OPERATOR(pg_catalog.->>) 'on_transferred'
			USING ERRCODE = 'undefined_function',
				  HINT = 'Name a function (name text, gaining_registrar text, at timestamptz) with its argument types, e.g. "public.move_domain(text,text,timestamptz)".';
	END IF;
	IF NEW.columns ? 'on_transfer_state' AND v_state_fn IS NULL THEN
		RAISE EXCEPTION 'map key "on_transfer_state": function % does not exist',
			NEW.columns OPERATOR(pg_catalog.->>) 'on_transfer_state'
			USING ERRCODE = 'undefined_function',
				  HINT = 'Name a function (name text, pending boolean) with its argument types, e.g. "public.set_pending(text,boolean)".';
	END IF;

	IF v_fn IS NOT NULL AND NOT EXISTS (
			SELECT FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) v_fn
			   AND p.pronargs OPERATOR(pg_catalog.=) 3
			   AND p.proargtypes[0] OPERATOR(pg_catalog.=) 'pg_catalog.text'::pg_catalog.regtype
			   AND p.proargtypes[1] OPERATOR(pg_catalog.=) 'pg_catalog.text'::pg_catalog.regtype
			   AND p.proargtypes[2] OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype) THEN
		RAISE EXCEPTION 'map key "on_transferred": % must take (text, text, timestamptz)', v_fn
			USING ERRCODE = 'datatype_mismatch',
				  HINT = 'The lifecycle calls it with the domain''s name, the gaining registrar and the instant the transfer took effect.';
	END IF;
	IF v_state_fn IS NOT NULL AND NOT EXISTS (
			SELECT FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) v_state_fn
			   AND p.pronargs OPERATOR(pg_catalog.=) 2
			   AND p.proargtypes[0] OPERATOR(pg_catalog.=) 'pg_catalog.text'::pg_catalog.regtype
			   AND p.proargtypes[1] OPERATOR(pg_catalog.=) 'pg_catalog.bool'::pg_catalog.regtype) THEN
		RAISE EXCEPTION 'map key "on_transfer_state": % must take (text, boolean)', v_state_fn
			USING ERRCODE = 'datatype_mismatch',
				  HINT = 'The lifecycle calls it with the domain''s name and whether its transfer is pending.';
	END IF;
	NEW.expressions := e;
	v_cols := pg_catalog.format(
		'domxfer._canonical_name(%1$s) AS name, %2$s AS sponsoring_registrar, '
		'%3$s AS registered_at, %4$s AS expires_at, %5$s AS last_transferred_at, '
		'%6$s AS late_renewed_at, domxfer._status_with_open(%7$s, %1$s) AS status, '
		'%8$s AS unpaid, %9$s AS legal_hold, %10$s AS holder_disputed, '
		'%11$s AS contacts_complete, %12$s AS registrant_email, false AS real_name_verified, '
		'%13$s AS uses_registrar_dns, domxfer._open_transfer_id(%1$s) AS open_transfer_id, '
		'%14$s AS registrant_changed_at, %15$s AS registrant_change_lock_opt_out, '
		'domxfer._email_usable(%12$s) AS registrant_email_usable',
		e->>'name', e->>'sponsoring_registrar', e->>'registered_at', e->>'expires_at',
		e->>'last_transferred_at', e->>'late_renewed_at', e->>'status', e->>'unpaid',
		e->>'legal_hold', e->>'holder_disputed', e->>'contacts_complete',
		e->>'registrant_email', e->>'uses_registrar_dns', e->>'registrant_changed_at',
		e->>'registrant_change_lock_opt_out');
	v_where := pg_catalog.format('%s OPERATOR(pg_catalog.=) ANY ($1)', e->>'name');
	NEW.rows_query := pg_catalog.format('SELECT %s FROM %s AS d', v_cols, v_source);
	-- one domain ($1[1] its canonical name): its open transfer by the index
	-- on open transfers, not through the per-snapshot set the reports use
	NEW.row_query := pg_catalog.format('SELECT %s FROM %s AS d CROSS JOIN LATERAL ('
		'SELECT t.id, t.state OPERATOR(pg_catalog.=) ''pending'' AS pending FROM domxfer.transfers t '
		'WHERE t.domain_name OPERATOR(pg_catalog.=) $1[1] AND t.state OPERATOR(pg_catalog.<) ''completed'' '
		'UNION ALL SELECT NULL, false LIMIT 1) AS o WHERE %s LIMIT 2',
		pg_catalog.replace(pg_catalog.replace(v_cols,
			pg_catalog.format('domxfer._status_with_open(%s, %s)', e->>'status', e->>'name'),
			pg_catalog.format('domxfer._status_with_pending(%s, o.pending)', e->>'status')),
			pg_catalog.format('domxfer._open_transfer_id(%s)', e->>'name'), 'o.id'),
		v_source, v_where);
	NEW.row_lock_query := NEW.row_query OPERATOR(pg_catalog.||)
		CASE WHEN v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[]) THEN ' FOR NO KEY UPDATE OF d' ELSE '' END;

	-- a completed transfer: the registrar's function, or the plain columns of a table
	IF v_fn IS NOT NULL THEN
		NEW.transferred_query := pg_catalog.format('SELECT %s.%s($1[1], $2, $3)',
			(SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace WHERE p.oid OPERATOR(pg_catalog.=) v_fn),
			(SELECT pg_catalog.quote_ident(p.proname) FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) v_fn));
	ELSIF v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[]) AND v_sponsor_col IS NOT NULL
		  AND (v_last_col IS NOT NULL OR (e->>'last_transferred_at') OPERATOR(pg_catalog.=) 'NULL::timestamptz') THEN
		SELECT a.atttypid::pg_catalog.regtype INTO v_sponsor_type FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) v_source AND a.attname OPERATOR(pg_catalog.=) v_sponsor_col;
		v_set := ARRAY[pg_catalog.format('%I = CAST($2 AS %s)', v_sponsor_col, v_sponsor_type)];
		IF v_last_col IS NOT NULL THEN
			SELECT a.atttypid::pg_catalog.regtype INTO v_last_type FROM pg_catalog.pg_attribute a
			 WHERE a.attrelid OPERATOR(pg_catalog.=) v_source AND a.attname OPERATOR(pg_catalog.=) v_last_col;
			v_set := v_set OPERATOR(pg_catalog.||) pg_catalog.format('%I = %s', v_last_col,
				CASE WHEN v_last_type OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype THEN '$3'
					 WHEN v_last_type OPERATOR(pg_catalog.=) 'pg_catalog.date'::pg_catalog.regtype
					 THEN 'CAST(pg_catalog.timezone(''UTC'', $3) AS pg_catalog.date)'
					 ELSE 'pg_catalog.timezone(''UTC'', $3)' END);
		END IF;
		NEW.transferred_query := pg_catalog.format('UPDATE %s AS d SET %s WHERE %s',
			v_source, pg_catalog.array_to_string(v_set, ', '), v_where);
	ELSE
		RAISE EXCEPTION 'map key "on_transferred" is required for %', v_source
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = CASE WHEN v_kind OPERATOR(pg_catalog.<>) ALL (ARRAY['r', 'p']::"char"[])
								THEN pg_catalog.format('%s is a view: domxfer cannot write the sponsor and last transfer of a completed transfer through it.', v_source)
								ELSE 'sponsoring_registrar and last_transferred_at are not both plain columns of the table, so domxfer cannot write a completed transfer to them.' END,
				  HINT = 'Name a function (name text, gaining_registrar text, at timestamptz) that records a completed transfer, e.g. "on_transferred": "public.move_domain(text,text,timestamptz)".';
	END IF;
	NEW.state_query := CASE WHEN v_state_fn IS NOT NULL THEN
		pg_catalog.format('SELECT %s.%s($1[1], $4)',
			(SELECT pg_catalog.quote_ident(n.nspname) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) p.pronamespace WHERE p.oid OPERATOR(pg_catalog.=) v_state_fn),
			(SELECT pg_catalog.quote_ident(p.proname) FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) v_state_fn))
		END;

	-- the guard of a table source
	IF v_kind OPERATOR(pg_catalog.=) ANY (ARRAY['r', 'p']::"char"[]) THEN
		NEW.guard_query := pg_catalog.format(
			'SELECT domxfer._canonical_name(o.n), o.s, domxfer._canonical_name(w.n), w.s, '
			'(SELECT t.id FROM domxfer.transfers t WHERE t.domain_name OPERATOR(pg_catalog.=) domxfer._canonical_name(o.n) '
			'AND t.state OPERATOR(pg_catalog.<) ''completed'') '
			'FROM (SELECT %1$s AS n, %2$s AS s FROM (SELECT ($1).*) AS d) AS o '
			'CROSS JOIN (SELECT %1$s AS n, %2$s AS s FROM (SELECT ($2).*) AS d) AS w',
			e->>'name', e->>'sponsoring_registrar');
		NEW.guard_columns := CASE WHEN v_guard_all THEN NULL
								  ELSE (SELECT pg_catalog.array_agg(DISTINCT c ORDER BY c) FROM pg_catalog.unnest(v_guard_cols) c) END;
	ELSE
		NEW.guard_query := NULL;
		NEW.guard_columns := NULL;
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._domain_source_prepare() IS
	'Trigger of domain_source (BEFORE INSERT OR UPDATE): reads the map with the stored search_path and computes the generated queries; the one code path for attach_domains and for a restored dump';

-- The objects generated from an attachment: domain_rows over the source and
-- the row functions over its row type (members of the extension, so a dump
-- leaves them out and a restore regenerates them from the restored row).
CREATE FUNCTION domxfer._domain_source_generate()
	RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	e jsonb := NEW.expressions;
	v_source regclass := pg_catalog.to_regclass(NEW.source_name);
	v_type regtype;
	v_args text;
	v_fn text;
	v_sig text;
BEGIN
	SELECT c.reltype::pg_catalog.regtype INTO v_type FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) v_source;
	EXECUTE pg_catalog.format('CREATE OR REPLACE VIEW domxfer.domain_rows AS %s', NEW.rows_query);
	EXECUTE pg_catalog.format('ALTER VIEW domxfer.domain_rows OWNER TO %I', NEW.attached_by);

	-- the 16 columns of the rule functions, from the source's row d (the
	-- status as the registrar stores it: R5b comes from the open transfer)
	v_args := pg_catalog.format(
		'%1$s, %2$s, %3$s, %4$s, %5$s, %6$s, %7$s, %8$s, %9$s, '
		'%10$s, %11$s, domxfer._email_usable(%12$s), domxfer._open_transfer_id(%1$s), %13$s, %14$s',
		e->>'name', e->>'sponsoring_registrar', e->>'registered_at', e->>'expires_at',
		e->>'last_transferred_at', e->>'late_renewed_at', e->>'status', e->>'unpaid',
		e->>'legal_hold', e->>'holder_disputed', e->>'contacts_complete',
		e->>'registrant_email', e->>'registrant_changed_at', e->>'registrant_change_lock_opt_out');
	FOR v_fn, v_sig IN VALUES
		('transfer_out_eligible', 'boolean'), ('transfer_out_blockers', 'text[]'),
		('transfer_out_blocker_mask', 'integer'), ('transfer_out_warnings', 'text[]')
	LOOP
		EXECUTE pg_catalog.format(
			'CREATE OR REPLACE FUNCTION domxfer.%I(d %s, at timestamptz DEFAULT pg_catalog.now()) '
			'RETURNS %s LANGUAGE sql STABLE PARALLEL SAFE RETURN domxfer.%I(%s, %sat)',
			v_fn, v_type, v_sig, '_' OPERATOR(pg_catalog.||) v_fn, v_args,
			CASE WHEN v_fn OPERATOR(pg_catalog.=) 'transfer_out_warnings'
				 THEN (e->>'uses_registrar_dns') OPERATOR(pg_catalog.||) ', ' ELSE '' END);
		PERFORM domxfer._domain_source_member(pg_catalog.format('FUNCTION domxfer.%I(%s, timestamptz)', v_fn, v_type));
		EXECUTE pg_catalog.format('COMMENT ON FUNCTION domxfer.%I(%s, timestamptz) IS %L', v_fn, v_type,
			pg_catalog.format('%s over a row of the attached domains source %s (generated by attach_domains; see the same function over domxfer.domains)',
							  v_fn, v_source));
	END LOOP;
	EXECUTE pg_catalog.format(
		'CREATE OR REPLACE FUNCTION domxfer.transfer_window(d %s) RETURNS tstzrange '
		'LANGUAGE sql STABLE PARALLEL SAFE RETURN domxfer._transfer_window(%s, %s, %s, %s, %s, %s, %s)',
		v_type, e->>'name', e->>'registered_at', e->>'expires_at', e->>'last_transferred_at',
		e->>'late_renewed_at', e->>'registrant_changed_at', e->>'registrant_change_lock_opt_out');
	PERFORM domxfer._domain_source_member(pg_catalog.format('FUNCTION domxfer.transfer_window(%s)', v_type));
	EXECUTE pg_catalog.format('COMMENT ON FUNCTION domxfer.transfer_window(%s) IS %L', v_type,
		pg_catalog.format('transfer_window over a row of the attached domains source %s (generated by attach_domains)', v_source));
	RETURN NULL;
END
$$;
COMMENT ON FUNCTION domxfer._domain_source_generate() IS
	'Trigger of domain_source (AFTER INSERT OR UPDATE): generates domain_rows over the source and transfer_out_eligible/blockers/blocker_mask/warnings/window over its row type (inlinable SQL over the C rule functions)';

-- Makes a generated object a member of the extension (not dumped; dropped
-- with it), unless it already is.
CREATE FUNCTION domxfer._domain_source_member(object text)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	EXECUTE pg_catalog.format('ALTER EXTENSION domxfer ADD %s', object);
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	NULL;	-- already a member
END
$$;
COMMENT ON FUNCTION domxfer._domain_source_member(text) IS
	'Internal: makes a generated object (text: its kind and signature) a member of the extension, unless it is one already';

-- Drops the objects generated for a source (its row functions and guard).
CREATE FUNCTION domxfer._domain_source_drop_generated(source_name text)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_source regclass := pg_catalog.to_regclass(source_name);
	v_proc regprocedure;
BEGIN
	IF v_source IS NULL THEN
		RETURN;
	END IF;
	FOR v_proc IN
		SELECT p.oid::pg_catalog.regprocedure FROM pg_catalog.pg_proc p
		  JOIN pg_catalog.pg_class c ON c.reltype OPERATOR(pg_catalog.=) p.proargtypes[0]
		 WHERE c.oid OPERATOR(pg_catalog.=) v_source
		   AND p.pronamespace OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace
	LOOP
		EXECUTE pg_catalog.format('ALTER EXTENSION domxfer DROP FUNCTION %s', v_proc);
		EXECUTE pg_catalog.format('DROP FUNCTION %s', v_proc);
	END LOOP;
	PERFORM domxfer._source_drop_guards(v_source);
END
$$;
COMMENT ON FUNCTION domxfer._domain_source_drop_generated(text) IS
	'Internal: drops what attach_domains generated for a source (the row functions over its row type, its guard trigger and its decide-before-change trigger); never the source, its rows or its own objects';

CREATE TRIGGER domain_source_prepare BEFORE INSERT OR UPDATE ON domxfer.domain_source
	FOR EACH ROW EXECUTE FUNCTION domxfer._domain_source_prepare();
CREATE TRIGGER domain_source_generate AFTER INSERT OR UPDATE ON domxfer.domain_source
	FOR EACH ROW EXECUTE FUNCTION domxfer._domain_source_generate();

CREATE FUNCTION domxfer._domain_source_changed() RETURNS trigger
	AS 'MODULE_PATHNAME', 'domxfer_domain_source_changed'
	LANGUAGE C;
COMMENT ON FUNCTION domxfer._domain_source_changed() IS
	'Trigger of domain_source (AFTER each statement, ALWAYS, also under session_replication_role = replica): queues a relcache invalidation of the table, so every backend re-reads its cached attachment (this one at its next command, the others when the change commits)';
CREATE TRIGGER domain_source_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domxfer.domain_source
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._domain_source_changed();
ALTER TABLE domxfer.domain_source ENABLE ALWAYS TRIGGER domain_source_changed;

-- 4. attach_domains, detach_domains, attached_domains -------------------------

CREATE FUNCTION domxfer._attach_domains(source pg_catalog.regclass, columns jsonb, search_path text)
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_caller oid := domxfer._outer_role();
	v_kind "char";
	v_owner oid;
	v_name text;
	v_old text;
	v_open bigint;
	r domxfer.domain_source;
	v_bare text;
BEGIN
	IF source IS NULL OR columns IS NULL OR search_path IS NULL THEN
		RAISE EXCEPTION 'attach_domains needs a source and a map'
			USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT c.relkind, c.relowner INTO v_kind, v_owner FROM pg_catalog.pg_class c
	 WHERE c.oid OPERATOR(pg_catalog.=) source;
	IF v_kind OPERATOR(pg_catalog.<>) ALL (ARRAY['r', 'p', 'v']::"char"[]) THEN
		RAISE EXCEPTION '% is not a table or a view', source
			USING ERRCODE = 'wrong_object_type',
				  HINT = 'Attach a table, a partitioned table or a view over your tables.';
	END IF;
	IF (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) source)
	   OPERATOR(pg_catalog.=) 'domxfer'::pg_catalog.regnamespace THEN
		RAISE EXCEPTION '% belongs to domxfer', source
			USING ERRCODE = 'invalid_parameter_value',
				  HINT = 'To return to domxfer.domains, use SELECT domxfer.detach_domains();.';
	END IF;
	IF pg_catalog.jsonb_typeof(columns) OPERATOR(pg_catalog.<>) 'object' THEN
		RAISE EXCEPTION 'the map must be a JSON object'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('It is a %s.', pg_catalog.jsonb_typeof(columns)),
				  HINT = 'Map domxfer column names to SQL expressions over the source, e.g. ''{"name": "domain_name"}''.';
	END IF;
	-- attaching grants nobody more than they had (SPEC §10)
	IF NOT pg_catalog.pg_has_role(v_caller, v_owner, 'USAGE') THEN
		RAISE EXCEPTION 'must be the owner of % to attach it', source
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'domxfer runs the map with the privileges of the role that attached it, and guards the table it reads.';
	END IF;
	IF NOT pg_catalog.pg_has_role(v_caller, 'domxfer_admin', 'USAGE') THEN
		RAISE EXCEPTION 'permission denied to attach a domains source'
			USING ERRCODE = 'insufficient_privilege', HINT = 'attach_domains is for members of domxfer_admin.';
	END IF;

	SELECT s.source_name INTO v_old FROM domxfer.domain_source s;
	SELECT t.id INTO v_open FROM domxfer.transfers t WHERE t.state OPERATOR(pg_catalog.<) 'completed' LIMIT 1;
	IF v_open IS NOT NULL AND (v_old IS NULL OR pg_catalog.to_regclass(v_old) OPERATOR(pg_catalog.<>) source) THEN
		RAISE EXCEPTION 'cannot attach % while transfers are open', source
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s (and maybe others) is open on the domains of %s.', v_open,
											 COALESCE(v_old, 'domxfer.domains')),
				  HINT = 'Let the open transfers end (domxfer.transfer_report WHERE is_open lists them), then attach.';
	END IF;
	IF v_old IS NOT NULL AND pg_catalog.to_regclass(v_old) OPERATOR(pg_catalog.<>) source THEN
		PERFORM domxfer._domain_source_drop_generated(v_old);
	END IF;

	PERFORM pg_catalog.set_config('search_path', '', true);
	v_name := source::text;
	PERFORM pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);
	DELETE FROM domxfer.domain_source;
	INSERT INTO domxfer.domain_source (source_name, columns, search_path, attached_by)
	VALUES (v_name, columns, search_path, (SELECT r2.rolname FROM pg_catalog.pg_roles r2 WHERE r2.oid OPERATOR(pg_catalog.=) v_caller))
	RETURNING * INTO r;

	-- name: a plain column, or an expression a lookup can use an index for
	v_bare := (domxfer._map_expression(source, COALESCE(columns OPERATOR(pg_catalog.->>) 'name', 'name'), search_path)).bare;
	IF v_kind OPERATOR(pg_catalog.<>) 'v'
	   AND NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a
					    WHERE a.attrelid OPERATOR(pg_catalog.=) source AND NOT a.attisdropped AND a.attnum OPERATOR(pg_catalog.>) 0
						  AND pg_catalog.quote_ident(a.attname) OPERATOR(pg_catalog.=) v_bare)
	   AND NOT EXISTS (SELECT FROM pg_catalog.pg_index i
					    WHERE i.indrelid OPERATOR(pg_catalog.=) source
						  AND i.indkey[0] OPERATOR(pg_catalog.=) 0
						  AND pg_catalog.btrim(pg_catalog.pg_get_indexdef(i.indexrelid, 1, false), '()')
							  OPERATOR(pg_catalog.=) pg_catalog.btrim(v_bare, '()')) THEN
		RAISE EXCEPTION 'map key "name": % needs an index on %', source, v_bare
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'domxfer looks domains up by name; without an index every lookup reads the whole table.',
				  HINT = pg_catalog.format('CREATE INDEX ON %s ((%s));', source, v_bare);
	END IF;

	-- the map runs as the attaching role: try it now (42501 when it may not)
	PERFORM domxfer._domain_row('attach-check.invalid');

	IF r.guard_query IS NOT NULL THEN
		PERFORM domxfer._source_drop_guards(source);
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER domxfer_source_guard BEFORE UPDATE %s OR DELETE ON %s '
			'FOR EACH ROW EXECUTE FUNCTION domxfer._source_guard()',
			CASE WHEN r.guard_columns IS NULL THEN ''
				 ELSE 'OF ' OPERATOR(pg_catalog.||) (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(c), ', ')
													  FROM pg_catalog.unnest(r.guard_columns) c) END,
			source);
		-- a change after a deadline decides the due transfer first (66_decide_before_change_source.sql)
		PERFORM domxfer._source_decide_trigger(source);
		EXECUTE pg_catalog.format(
			'CREATE TRIGGER domxfer_source_truncate_guard BEFORE TRUNCATE ON %s '
			'FOR EACH STATEMENT EXECUTE FUNCTION domxfer._source_truncate_guard()',
			source);
	END IF;
END
$$;
COMMENT ON FUNCTION domxfer._attach_domains(pg_catalog.regclass, jsonb, text) IS
	'Internal: the body of attach_domains, with the caller''s search_path';

CREATE FUNCTION domxfer.attach_domains(source pg_catalog.regclass, columns jsonb DEFAULT '{}')
	RETURNS void
	LANGUAGE sql
	RETURN domxfer._attach_domains(source, columns, pg_catalog.current_setting('search_path'));
COMMENT ON FUNCTION domxfer.attach_domains(pg_catalog.regclass, jsonb) IS
	'Makes the rows of source (a table or a view over the registrar''s tables) the domains domxfer works on (void; SPEC §10). columns maps domxfer column names to SQL expressions over the source, parsed with the caller''s search_path; a key left out is the source''s column of that name, else its neutral value. Requires domxfer_admin and owning the source. 22023 unknown key, 42703 unknown column, 42804 wrong type, 42P01 unknown source, 55000 another source while transfers are open or a name without an index, 42501 a map the caller may not run';

CREATE FUNCTION domxfer.detach_domains()
	RETURNS void
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_old text;
	v_open bigint;
BEGIN
	SELECT s.source_name INTO v_old FROM domxfer.domain_source s;
	IF v_old IS NULL THEN
		RETURN;
	END IF;
	SELECT t.id INTO v_open FROM domxfer.transfers t WHERE t.state OPERATOR(pg_catalog.<) 'completed' LIMIT 1;
	IF v_open IS NOT NULL THEN
		RAISE EXCEPTION 'cannot detach % while transfers are open', v_old
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s (and maybe others) is open.', v_open),
				  HINT = 'Let the open transfers end (domxfer.transfer_report WHERE is_open lists them), then detach.';
	END IF;
	PERFORM domxfer._domain_source_drop_generated(v_old);
	DELETE FROM domxfer.domain_source;
	EXECUTE 'CREATE OR REPLACE VIEW domxfer.domain_rows AS ' OPERATOR(pg_catalog.||) domxfer._domain_rows_builtin();
	EXECUTE pg_catalog.format('ALTER VIEW domxfer.domain_rows OWNER TO %I',
		(SELECT r.rolname FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.extowner
		  WHERE x.extname OPERATOR(pg_catalog.=) 'domxfer'));
END
$$;
COMMENT ON FUNCTION domxfer.detach_domains() IS
	'Returns domxfer to its own table domxfer.domains (void; SPEC §10): drops what attach_domains generated, never the registrar''s table, rows or own objects; nothing to do when nothing is attached; 55000 while transfers are open';

CREATE VIEW domxfer.attached_domains AS
SELECT pg_catalog.to_regclass(s.source_name) AS source,
	   s.columns,
	   s.expressions,
	   s.attached_by,
	   s.attached_at,
	   s.search_path,
	   s.transferred_query IS NOT NULL AND NOT (s.columns OPERATOR(pg_catalog.?) 'on_transferred') AS writes_columns,
	   s.guard_query IS NOT NULL AS guarded
  FROM domxfer.domain_source s;
COMMENT ON VIEW domxfer.attached_domains IS
	'The attached domains source (SPEC §10): no row while domxfer works on domxfer.domains';
COMMENT ON COLUMN domxfer.attached_domains.source IS 'The attached table or view (regclass)';
COMMENT ON COLUMN domxfer.attached_domains.columns IS 'The map as given to attach_domains (jsonb)';
COMMENT ON COLUMN domxfer.attached_domains.expressions IS 'Every domxfer column as domxfer reads it (jsonb: column -> SQL over the source row d, names fixed at attach time, neutral values for what the source lacks)';
COMMENT ON COLUMN domxfer.attached_domains.attached_by IS 'The role that attached it (name); the map runs with its privileges';
COMMENT ON COLUMN domxfer.attached_domains.attached_at IS 'When it was attached (timestamptz)';
COMMENT ON COLUMN domxfer.attached_domains.search_path IS 'The search_path the map was read with (text)';
COMMENT ON COLUMN domxfer.attached_domains.writes_columns IS 'True (boolean) when a completed transfer is written to the source''s sponsor and last-transfer columns; false when the map''s on_transferred function records it';
COMMENT ON COLUMN domxfer.attached_domains.guarded IS 'True (boolean) for a table source: its guard triggers refuse sponsor changes, renames, deletes and TRUNCATE while a transfer is open (55000)';

-- 5. domxfer's own state, and the write of a completed transfer --------------

CREATE FUNCTION domxfer._domain_transfer_opened(name text, transfer_id bigint)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NOT domxfer._source_attached() THEN
		UPDATE domxfer.domains dm SET open_transfer_id = transfer_id
		 WHERE dm.name OPERATOR(pg_catalog.=) _domain_transfer_opened.name;
	END IF;
	-- attached: the open transfer is domxfer's own record (domxfer.transfers)
END
$$;
COMMENT ON FUNCTION domxfer._domain_transfer_opened(text, bigint) IS
	'Internal: a transfer opened for the domain: domxfer.domains.open_transfer_id names it (an attached source keeps nothing: the open transfer is read from domxfer.transfers)';

CREATE FUNCTION domxfer._domain_transfer_pending(name text, transfer_id bigint)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NOT domxfer._source_exec('state', name, NULL, NULL, true) THEN
		UPDATE domxfer.domains dm
		   SET status = dm.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status,
			   open_transfer_id = transfer_id
		 WHERE dm.name OPERATOR(pg_catalog.=) _domain_transfer_pending.name;
	END IF;
END
$$;
COMMENT ON FUNCTION domxfer._domain_transfer_pending(text, bigint) IS
	'Internal: the domain''s transfer became pending: pendingTransfer in domxfer.domains.status, or the attached source''s on_transfer_state(name, true)';

CREATE FUNCTION domxfer._domain_transfer_ended(name text, transfer_id bigint, was_pending boolean,
											   gaining_registrar text, completed_at timestamptz)
	RETURNS void
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF domxfer._source_attached() THEN
		IF completed_at IS NOT NULL THEN
			PERFORM domxfer._source_exec('transferred', name, gaining_registrar, completed_at, NULL);
		END IF;
		IF was_pending THEN
			PERFORM domxfer._source_exec('state', name, NULL, NULL, false);
		END IF;
	ELSIF completed_at IS NOT NULL THEN
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = gaining_registrar,
			   last_transferred_at = completed_at,
			   status = d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status,
			   open_transfer_id = NULL
		 WHERE d.name OPERATOR(pg_catalog.=) _domain_transfer_ended.name;
	ELSE
		UPDATE domxfer.domains d
		   SET status = CASE WHEN was_pending
							 THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
							 ELSE d.status END,
			   open_transfer_id = NULL
		 WHERE d.name OPERATOR(pg_catalog.=) _domain_transfer_ended.name
		   AND d.open_transfer_id OPERATOR(pg_catalog.=) transfer_id;
	END IF;
END
$$;
COMMENT ON FUNCTION domxfer._domain_transfer_ended(text, bigint, boolean, text, timestamptz) IS
	'Internal: the domain''s transfer ended; completed_at set: it completed, so the gaining registrar sponsors the domain and it was last transferred then (domxfer.domains, the attached table''s columns or its on_transferred); pendingTransfer and the open transfer are cleared (on_transfer_state(name, false))';

CREATE FUNCTION domxfer._domain_locked(name text)
	RETURNS domxfer.domains
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	d domxfer.domains := domxfer._domain_row_for_update(name);
BEGIN
	IF d.name IS NULL THEN
		PERFORM domxfer._raise_unknown_domain(name, name);
	END IF;
	RETURN d;
END
$$;
COMMENT ON FUNCTION domxfer._domain_locked(text) IS
	'Internal: the domain of a canonical name (domxfer.domains row), its source row locked FOR UPDATE; P0002 when there is none';

CREATE FUNCTION domxfer._domains_label()
	RETURNS text
	LANGUAGE sql STABLE
	RETURN COALESCE((SELECT s.source_name FROM domxfer.domain_source s), 'domxfer.domains');
COMMENT ON FUNCTION domxfer._domains_label() IS
	'Internal: the name of the table or view domxfer reads domains from (text), for messages';

-- transfers.domain_name has no foreign key (a domain may live in the
-- registrar's table): domxfer.domains keeps what the key kept, the name and
-- the row of a domain with transfers (23503), and refuses TRUNCATE while
-- transfers exist (0A000), as the key did.
CREATE FUNCTION domxfer._domains_keep_transfers() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_id bigint;
BEGIN
	IF TG_OP OPERATOR(pg_catalog.=) 'TRUNCATE' THEN
		IF EXISTS (SELECT FROM domxfer.transfers) THEN
			RAISE EXCEPTION 'cannot truncate domxfer.domains while transfers refer to its domains'
				USING ERRCODE = 'feature_not_supported',
					  DETAIL = 'domxfer.transfers and its audit log keep every transfer of these domains.';
		END IF;
		RETURN NULL;
	END IF;
	SELECT t.id INTO v_id FROM domxfer.transfers t
	 WHERE t.domain_name OPERATOR(pg_catalog.=) OLD.name ORDER BY t.id LIMIT 1;
	IF v_id IS NOT NULL THEN
		RAISE EXCEPTION '% of domain "%" refused: transfers refer to it', CASE TG_OP WHEN 'DELETE' THEN 'delete' ELSE 'rename' END, OLD.name
			USING ERRCODE = 'foreign_key_violation',
				  DETAIL = pg_catalog.format('Transfer %s (and maybe others) of "%s" is recorded in domxfer.transfers and its audit log.', v_id, OLD.name);
	END IF;
	RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION domxfer._domains_keep_transfers() IS
	'Trigger of domains: a domain with transfers keeps its name and row (23503), and domains is not truncated while transfers exist (0A000): what the foreign key from transfers kept before 0.3.0';
CREATE TRIGGER domains_keep_transfers_rename BEFORE UPDATE OF name ON domxfer.domains
	FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
	EXECUTE FUNCTION domxfer._domains_keep_transfers();
CREATE TRIGGER domains_keep_transfers_delete BEFORE DELETE ON domxfer.domains
	FOR EACH ROW EXECUTE FUNCTION domxfer._domains_keep_transfers();
CREATE TRIGGER domains_keep_transfers_truncate BEFORE TRUNCATE ON domxfer.domains
	FOR EACH STATEMENT EXECUTE FUNCTION domxfer._domains_keep_transfers();

-- 6. A plain DROP EXTENSION while a source is attached ------------------------

CREATE EVENT TRIGGER domxfer_drop_guard ON ddl_command_start
	WHEN TAG IN ('DROP EXTENSION')
	EXECUTE FUNCTION domxfer._drop_guard();
COMMENT ON EVENT TRIGGER domxfer_drop_guard IS
	'Refuses a plain DROP EXTENSION domxfer while a domains source is attached (2BP01): detach_domains() first, or CASCADE, which removes only what domxfer generated';
