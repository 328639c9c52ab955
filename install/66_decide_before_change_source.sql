-- A decision never depends on when it is written, on the registrar's own
-- table too (issue 18, fault 4; SPEC §5 and §10). 64_decide_before_change.sql
-- does it for domxfer.domains with a BEFORE UPDATE trigger that writes the
-- decision into the row being updated. On an attached table that is not
-- possible in general: a completion is written through the map (the
-- sponsor's plain columns, or the registrar's on_transferred function,
-- which may update that very row), and PostgreSQL refuses an UPDATE of the
-- row a BEFORE trigger is firing for.
--
-- So attach_domains gives a table source an AFTER UPDATE row trigger
-- (domxfer_source_decide_due). When some transfer is due (a cheap test in
-- its WHEN clause: the earliest due instant, looked up once per statement,
-- against the clock), it reads the name of the row as it was before the
-- change (OLD, through the map) and, if that domain's transfer is due, the
-- whole row (exactly as domxfer reads the table), and decides it as of
-- its deadline from that row (domxfer._decide_before_domain_change(name, as_was)), then
-- writes the decision's effects on the domain through the map as the
-- worker would (_domain_transfer_ended: the sponsor columns or
-- on_transferred, on_transfer_state), all in the transaction of the
-- change. The change itself stays as the application wrote it; a
-- completion's sponsor write comes after it, as the worker's would.
--
-- What an AFTER trigger cannot do, the guard already does: a DELETE, a
-- rename or a sponsor change of a row whose transfer is open (due or not)
-- is refused (55000) before it happens, so no change that the trigger could
-- not repair reaches a row with an undecided transfer.
--
-- A view source has no rows of its own to put a trigger on: the registrar's
-- tables under it are theirs (docs/own-domains-table.md says what holds).

CREATE FUNCTION domxfer._transfer_due_exists()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_transfer_due_exists'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION domxfer._transfer_due_exists() IS 'Internal (the WHEN clause of the trigger domxfer_source_decide_due on an attached table; C, src/decide_before_change_source.c): true (boolean) when some open transfer that is not registry-managed is due now (its deadline or code expiry passed, clock time) and not yet decided. The earliest due instant is read once per statement and command (one probe of the index transfers_due, as the bootstrap superuser) and compared with the clock for each row. Reveals nothing but that boolean; no SQLSTATE of its own';

CREATE FUNCTION domxfer._source_decide_due_transfer() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	s domxfer.domain_source;
	v_source regclass;
	v_tail text;
	v_name text;
	d domxfer.domains;
	t domxfer.transfers;
BEGIN
	IF TG_WHEN OPERATOR(pg_catalog.<>) 'AFTER' OR TG_LEVEL OPERATOR(pg_catalog.<>) 'ROW'
	   OR TG_OP OPERATOR(pg_catalog.<>) 'UPDATE' THEN
		RAISE EXCEPTION 'domxfer._source_decide_due_transfer() must be an AFTER UPDATE row trigger'
			USING ERRCODE = 'triggered_action_exception';
	END IF;
	SELECT * INTO s FROM domxfer.domain_source;
	v_source := pg_catalog.to_regclass(s.source_name);
	-- a trigger left on a table that is no longer the source does nothing
	IF v_source IS NULL OR v_source OPERATOR(pg_catalog.<>) TG_RELID THEN
		RETURN NULL;
	END IF;
	-- the domain the row was, and whether its transfer is due: the map's
	-- name over the OLD row (most rows updated in a gap are not the due ones)
	EXECUTE 'SELECT domxfer._canonical_name(' OPERATOR(pg_catalog.||) (s.expressions OPERATOR(pg_catalog.->>) 'name')
			OPERATOR(pg_catalog.||) ') FROM (SELECT ($1).*) AS d'
	   INTO v_name USING OLD;
	IF NOT EXISTS (SELECT FROM domxfer.transfers tr
					WHERE tr.domain_name OPERATOR(pg_catalog.=) v_name
					  AND tr.due_at OPERATOR(pg_catalog.<=) pg_catalog.clock_timestamp()
					  AND NOT tr.registry_managed) THEN
		RETURN NULL;
	END IF;
	-- the row as it was, read through the map as domxfer reads the table:
	-- domain_rows' query over the OLD row instead of the table
	v_tail := pg_catalog.format(' FROM %s AS d', v_source);
	IF pg_catalog.right(s.rows_query, pg_catalog.length(v_tail)) OPERATOR(pg_catalog.<>) v_tail THEN
		RAISE EXCEPTION 'the generated query of the domains source % has an unexpected form', v_source
			USING ERRCODE = 'internal_error',
				  HINT = 'Attach the source again: SELECT domxfer.attach_domains(source, columns) FROM domxfer.attached_domains;';
	END IF;
	EXECUTE pg_catalog.left(s.rows_query, - pg_catalog.length(v_tail))
			OPERATOR(pg_catalog.||) ' FROM (SELECT ($1).*) AS d'
	   INTO d USING OLD;
	t := domxfer._decide_before_domain_change(d.name, d);
	IF t.id IS NOT NULL THEN
		-- the domain's side of the decision, written through the map as the worker writes it
		PERFORM domxfer._domain_transfer_ended(t.domain_name, t.id,
			t.state OPERATOR(pg_catalog.<>) 'expired', t.gaining_registrar,
			CASE WHEN t.state OPERATOR(pg_catalog.=) 'completed' THEN t.decided_at END);
	END IF;
	RETURN NULL;
END
$$;

COMMENT ON FUNCTION domxfer._source_decide_due_transfer() IS 'Trigger of an attached table source (AFTER UPDATE, per row, when some transfer is due; created by attach_domains as domxfer_source_decide_due): if the updated domain''s transfer is due and undecided, decides it as of its deadline from the row as it was before the update (OLD read through the map; issue 18 fault 4, SPEC §5), with its event and notice, and writes the decision to the domain through the map (sponsor and last-transfer columns or on_transferred; on_transfer_state) in the same transaction. Nothing when no source is attached or the table is no longer the source. 09000 when not fired as an AFTER UPDATE row trigger, XX000 when the generated query is not of the expected form';

-- Puts the trigger on a table source (attach_domains calls it).
CREATE FUNCTION domxfer._source_decide_trigger(source pg_catalog.regclass)
RETURNS void
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- attach_domains dropped an earlier one with the other guards (_source_drop_guards)
	EXECUTE pg_catalog.format(
		'CREATE TRIGGER domxfer_source_decide_due AFTER UPDATE ON %s FOR EACH ROW '
		'WHEN (domxfer._transfer_due_exists()) EXECUTE FUNCTION domxfer._source_decide_due_transfer()',
		source);
END
$$;

COMMENT ON FUNCTION domxfer._source_decide_trigger(pg_catalog.regclass) IS 'Internal (attach_domains): creates the trigger domxfer_source_decide_due on a table source (regclass), which decides a due transfer from the row as it was before an UPDATE of it; void; nothing for NULL (STRICT); 42501 for a role that does not own the table';

REVOKE EXECUTE ON FUNCTION domxfer._source_decide_due_transfer(),
	domxfer._source_decide_trigger(pg_catalog.regclass) FROM PUBLIC;
