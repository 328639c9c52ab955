-- Guards against easy mistakes of a DBA's first hour (issue 13): names in any
-- spelling, the lifecycle's own columns, the shipped policy rows, by-name
-- forms of the rule functions, a reserved test TLD with a short delay, a
-- dry run of the deadline decision. The same text is the upgrade fragment
-- upgrade/0.1.0--0.2.0/93_guards.sql.

-- 1. Names in any spelling ------------------------------------------------

-- A domain inserted or renamed under its Unicode or upper-case name is
-- stored under its canonical A-label (normalize_domain's 22023 stays).
CREATE FUNCTION domxfer._domains_canonical_name() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
	IF NEW.name IS NOT NULL THEN
		NEW.name := domxfer.normalize_domain(NEW.name);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._domains_canonical_name() IS
	'Trigger of domains: stores name as its canonical A-label (normalize_domain), so any spelling can be inserted; invalid names raise 22023 (RFC 5890/5891, UTS #46)';

-- Only for names that cannot be canonical as written (a character outside
-- lower-case LDH, or a trailing dot): the CHECK domains_name_canonical
-- validates the others anyway, with normalize_domain's own 22023.
CREATE TRIGGER domains_canonical_name BEFORE INSERT OR UPDATE OF name ON domxfer.domains
	FOR EACH ROW
	WHEN (NEW.name OPERATOR(pg_catalog.~) '[^a-z0-9.-]|[.]$')
	EXECUTE FUNCTION domxfer._domains_canonical_name();

-- A TLD in any spelling (HK, 香港, .hk) is stored as its A-label; '*' stays.
CREATE FUNCTION domxfer._tld_policy_canonical_tld() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_label text;
	v_detail text;
BEGIN
	IF NEW.tld IS NULL OR NEW.tld OPERATOR(pg_catalog.=) '*' THEN
		RETURN NEW;
	END IF;
	-- one label; a leading or trailing dot (".hk", "hk.") is tolerated
	v_label := pg_catalog.regexp_replace(NEW.tld, '^[.。．｡]|[.。．｡]$', '', 'g');
	IF v_label OPERATOR(pg_catalog.~) '[.。．｡]' THEN
		RAISE EXCEPTION 'invalid TLD "%"', NEW.tld
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A TLD is a single label.',
				  HINT = 'Write the last label only, e.g. hk or 香港; ''*'' is the default row.';
	END IF;
	BEGIN
		NEW.tld := domxfer.domain_tld('x.' OPERATOR(pg_catalog.||) v_label);
	EXCEPTION WHEN invalid_parameter_value THEN
		GET STACKED DIAGNOSTICS v_detail = PG_EXCEPTION_DETAIL;
		RAISE EXCEPTION 'invalid TLD "%"', NEW.tld
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = v_detail,
				  HINT = 'A TLD is checked as the last label of a domain name, as domxfer.normalize_domain() does.';
	END;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._tld_policy_canonical_tld() IS
	'Trigger of tld_policy: stores tld as the A-label of its one label (HK, 香港 and xn--j6w193g all become the A-label); ''*'' is kept; an invalid label raises 22023 with normalize_domain''s message';

-- fires before tld_policy_before_insert (names in order), which must see the canonical key
CREATE TRIGGER tld_policy_a_canonical_tld BEFORE INSERT OR UPDATE OF tld ON domxfer.tld_policy
	FOR EACH ROW EXECUTE FUNCTION domxfer._tld_policy_canonical_tld();

-- 2. pendingTransfer and open_transfer_id belong to the lifecycle ---------

-- The lifecycle functions change the transfer first and the domain second,
-- so a legitimate change leaves the domain agreeing with its open transfer:
-- open_transfer_id names it, and pendingTransfer is set exactly while it is
-- pending. Anything else is refused, for every role. The worker's
-- set-based batch changes both in one statement (a trigger could not see
-- its transfers' new state) and checks its rows itself; a restore loads
-- domains before transfers, so an INSERT naming a transfer is accepted
-- while domxfer.transfers is empty.
CREATE FUNCTION domxfer._guard_lifecycle_columns() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
	v_pending boolean := NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status;
BEGIN
	SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
	 WHERE t.domain_name OPERATOR(pg_catalog.=) NEW.name
	   AND t.state OPERATOR(pg_catalog.<) 'completed';
	IF NEW.open_transfer_id IS NOT DISTINCT FROM v_id
	   AND v_pending OPERATOR(pg_catalog.=) (v_state IS NOT DISTINCT FROM 'pending') THEN
		RETURN NEW;
	END IF;
	IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.open_transfer_id IS NOT NULL
	   AND NOT EXISTS (SELECT FROM domxfer.transfers) THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'pendingTransfer and open_transfer_id of domain "%" are kept by the transfer lifecycle', NEW.name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = CASE WHEN v_id IS NULL
						   THEN 'The domain has no open transfer: its status cannot include pendingTransfer and open_transfer_id must be NULL.'
						   ELSE pg_catalog.format('Transfer %s is open (%s): open_transfer_id must be %s%s.',
												  v_id, v_state, v_id,
												  CASE WHEN v_state OPERATOR(pg_catalog.=) 'pending'
													   THEN ' and its status must include pendingTransfer'
													   ELSE ' and its status cannot include pendingTransfer' END) END,
			  HINT = CASE WHEN v_id IS NULL
						 THEN 'Start a transfer with domxfer.request_transfer_out() and domxfer.receive_transfer_request(); change the other statuses only.'
						 ELSE pg_catalog.format('End the transfer with domxfer.cancel_transfer_out(%s) or domxfer.approve_transfer_out(%s); change the other statuses only.', v_id, v_id) END;
END
$$;
COMMENT ON FUNCTION domxfer._guard_lifecycle_columns() IS
	'Trigger of domains: refuses (55000) any change of pendingTransfer or open_transfer_id that leaves the domain disagreeing with its open transfer (docs/contract.md section 3: only the lifecycle functions change them)';

CREATE TRIGGER domains_lifecycle_columns_insert BEFORE INSERT ON domxfer.domains
	FOR EACH ROW
	WHEN (NEW.open_transfer_id IS NOT NULL
		  OR NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status)
	EXECUTE FUNCTION domxfer._guard_lifecycle_columns();
CREATE TRIGGER domains_lifecycle_columns_update BEFORE UPDATE ON domxfer.domains
	FOR EACH ROW
	WHEN ((OLD.open_transfer_id IS DISTINCT FROM NEW.open_transfer_id
		   OR (OLD.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status)
			  OPERATOR(pg_catalog.<>) (NEW.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status))
		  AND NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._guard_lifecycle_columns();

-- While a transfer is open, the sponsoring registrar changes only when the
-- lifecycle ends it: it marks the transfer completed first, then moves the
-- domain, so the trigger finds no open transfer then. The worker's batch
-- checks its rows itself; a restore only inserts.
CREATE FUNCTION domxfer._guard_sponsor_while_open() RETURNS trigger
	LANGUAGE plpgsql
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
BEGIN
	SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
	 WHERE t.domain_name OPERATOR(pg_catalog.=) ANY (ARRAY[OLD.name, NEW.name])
	   AND t.state OPERATOR(pg_catalog.<) 'completed'
	 ORDER BY t.id LIMIT 1;
	IF v_id IS NULL THEN
		RETURN NEW;
	END IF;
	RAISE EXCEPTION 'sponsoring_registrar of domain "%" is kept by the transfer lifecycle while a transfer is open', OLD.name
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Transfer %s is open (%s): the sponsoring registrar changes only when it completes.', v_id, v_state),
			  HINT = pg_catalog.format('End the transfer with domxfer.cancel_transfer_out(%s) first.', v_id);
END
$$;
COMMENT ON FUNCTION domxfer._guard_sponsor_while_open() IS
	'Trigger of domains: refuses (55000) a change of sponsoring_registrar while the domain has an open transfer (state before completed): only the lifecycle moves the domain, when the transfer completes (docs/contract.md section 3)';

CREATE TRIGGER domains_sponsor_while_open BEFORE UPDATE OF sponsoring_registrar ON domxfer.domains
	FOR EACH ROW
	WHEN (OLD.sponsoring_registrar IS DISTINCT FROM NEW.sponsoring_registrar
		  AND NOT domxfer._batch_checks_links())
	EXECUTE FUNCTION domxfer._guard_sponsor_while_open();
REVOKE EXECUTE ON FUNCTION domxfer._guard_sponsor_while_open() FROM PUBLIC;

-- 3. By-name forms of the rule functions ----------------------------------

CREATE FUNCTION domxfer._domain_by_name(name text) RETURNS domxfer.domains
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_canonical text := domxfer.normalize_domain(_domain_by_name.name);
	v_row domxfer.domains := domxfer._domain_row(v_canonical);
BEGIN
	IF v_row.name IS NULL THEN
		PERFORM domxfer._raise_unknown_domain(_domain_by_name.name, v_canonical);
	END IF;
	-- as every reader shows it: a transfer past its deadline is decided
	-- even before its decision is written (issue 18, fault 7)
	RETURN domxfer._domain_as_decided(v_row, pg_catalog.now());
END
$$;
COMMENT ON FUNCTION domxfer._domain_by_name(text) IS
	'Internal: the domains row of a name in any spelling, as the readers show it (_domains_as_decided at now(): a transfer past its deadline is decided, written or not); 22023 for an invalid name, P0002 (naming it) for an unknown one';

CREATE FUNCTION domxfer.transfer_out_blockers(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_out_blockers(domxfer._domain_by_name(name), at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(text, timestamptz) IS
	'text[]: the failing reason codes (section "The rules") of the domain of this name (any spelling) at the instant at; P0002 for an unknown name, 22023 for an invalid one';

CREATE FUNCTION domxfer.transfer_out_warnings(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_out_warnings(domxfer._domain_by_name(name), at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(text, timestamptz) IS
	'text[]: the warnings (never blocking) of the domain of this name (any spelling) at the instant at; P0002 for an unknown name, 22023 for an invalid one';

CREATE FUNCTION domxfer.transfer_window(name text)
	RETURNS tstzrange
	LANGUAGE sql STABLE STRICT PARALLEL SAFE
	RETURN domxfer.transfer_window(domxfer._domain_by_name(name));
COMMENT ON FUNCTION domxfer.transfer_window(text) IS
	'tstzrange: the instants at which the time rules R2, R3, R4, R6 hold for the domain of this name (any spelling), empty when none; P0002 for an unknown name, 22023 for an invalid one';

-- 4. The shipped policy rows ----------------------------------------------

CREATE FUNCTION domxfer.restore_shipped_policy()
	RETURNS integer
	LANGUAGE plpgsql VOLATILE
	SECURITY DEFINER
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_restored integer := 0;
	v_marked integer := 0;
	v_shipped CONSTANT text[] := ARRAY['*', 'hk', 'xn--j6w193g'];
	v_srr text := pg_catalog.current_setting('session_replication_role');
BEGIN
	-- a row a DBA re-created by hand (shipped = false) becomes the shipped
	-- row, numbers kept; the mark cannot change through a trigger-checked UPDATE
	PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
	UPDATE domxfer.tld_policy p SET shipped = true
	 WHERE p.tld OPERATOR(pg_catalog.=) ANY (v_shipped) AND NOT p.shipped;
	GET DIAGNOSTICS v_marked = ROW_COUNT;
	PERFORM pg_catalog.set_config('session_replication_role', v_srr, true);

	INSERT INTO domxfer.tld_policy (tld, manual_process, business_time_zone, shipped)
	SELECT v.tld, v.manual, v.zone, true
	  FROM (VALUES ('*', false, 'UTC'), ('hk', true, 'Asia/Hong_Kong'),
				   ('xn--j6w193g', true, 'Asia/Hong_Kong')) AS v(tld, manual, zone)
	 WHERE NOT EXISTS (SELECT FROM domxfer.tld_policy p WHERE p.tld OPERATOR(pg_catalog.=) v.tld);
	GET DIAGNOSTICS v_restored = ROW_COUNT;
	-- tell every session's policy cache (the statement trigger did not fire
	-- for the replica-mode UPDATE)
	UPDATE domxfer.tld_policy p SET tld = p.tld WHERE p.tld OPERATOR(pg_catalog.=) ANY (v_shipped);
	RETURN v_restored OPERATOR(pg_catalog.+) v_marked;
END
$$;
COMMENT ON FUNCTION domxfer.restore_shipped_policy() IS
	'integer: puts back the shipped tld_policy rows (''*'', hk, xn--j6w193g) after a TRUNCATE or DELETE, with their shipped numbers; a row re-created by hand for one of them is kept and marked shipped; returns the rows restored or marked; domxfer_admin only';

-- 5. A reserved test TLD with a short auto-approval delay -----------------

-- The policy's 5-7 days hold for every real TLD. The TLDs RFC 2606 and
-- RFC 6761 reserve for testing and examples can never be registered, so a
-- demo or a staging system may give them a delay in minutes.
ALTER TABLE domxfer.tld_policy
	ADD COLUMN test_auto_approve_minutes integer
		CONSTRAINT tld_policy_test_auto_approve_minutes_reserved
		CHECK (test_auto_approve_minutes IS NULL
			   OR (tld OPERATOR(pg_catalog.=) ANY (ARRAY['test', 'example', 'invalid', 'localhost'])
				   AND test_auto_approve_minutes OPERATOR(pg_catalog.>=) 1
				   AND test_auto_approve_minutes OPERATOR(pg_catalog.<=) 10080));
COMMENT ON COLUMN domxfer.tld_policy.test_auto_approve_minutes IS
	'integer, minutes: for the reserved test TLDs only (test, example, invalid, localhost: RFC 2606, RFC 6761), replaces auto_approve_days (1 to 10080); NULL for every other TLD';

CREATE FUNCTION domxfer._test_tld_deadline() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	p domxfer.tld_policy := domxfer._policy_for(NEW.domain_name);
BEGIN
	-- only the deadline receive_transfer_request computed from the policy
	IF p.test_auto_approve_minutes IS NOT NULL
	   AND NEW.deadline OPERATOR(pg_catalog.=) (NEW.requested_at OPERATOR(pg_catalog.+) domxfer._days(p.auto_approve_days)) THEN
		NEW.deadline := NEW.requested_at
			OPERATOR(pg_catalog.+) pg_catalog.make_interval(mins => p.test_auto_approve_minutes);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION domxfer._test_tld_deadline() IS
	'Trigger of transfers: a transfer of a reserved test TLD whose policy row sets test_auto_approve_minutes gets that deadline instead of auto_approve_days (RFC 2606, RFC 6761)';

CREATE TRIGGER transfers_test_tld_deadline BEFORE UPDATE ON domxfer.transfers
	FOR EACH ROW
	WHEN (NEW.state OPERATOR(pg_catalog.=) 'pending' AND OLD.state OPERATOR(pg_catalog.<>) 'pending')
	EXECUTE FUNCTION domxfer._test_tld_deadline();

-- 7. A dry run of the deadline decision -----------------------------------

-- Read-only (issue 18, fault 8: it ran the batch and rolled it back, so it
-- failed with 25006 on a standby and in BEGIN READ ONLY): the transfers the
-- batch would take (due by "at", not registry-managed, in due order, at
-- most max_rows), each with the decision _due_decision computes, which is
-- the one the readers show and the batch records (the same rule check,
-- _blockers_ignoring_own at the deadline). Nothing is locked or written.
CREATE FUNCTION domxfer.process_due_transfers_dry_run(at timestamptz DEFAULT pg_catalog.now(),
													  max_rows integer DEFAULT 1000)
RETURNS TABLE (transfer_id bigint, domain_name text, from_state domxfer.transfer_state,
			   to_state domxfer.transfer_state, decided_at timestamptz, outcome_reason text[])
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF at IS NULL OR max_rows IS NULL THEN
		RAISE EXCEPTION 'at and max_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_rows OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	RETURN QUERY
	SELECT due.id, due.domain_name, due.state, o.state, o.decided_at, o.outcome_reason
	  FROM (SELECT t.id, t.domain_name, t.state
			  FROM domxfer.transfers t
			 WHERE t.due_at OPERATOR(pg_catalog.<=) process_due_transfers_dry_run.at
			   AND NOT t.registry_managed
			 ORDER BY t.due_at, t.id
			 LIMIT max_rows) AS due
	 CROSS JOIN LATERAL domxfer._due_decision(due.id, process_due_transfers_dry_run.at) AS o
	 ORDER BY 5, 1;
END
$$;
COMMENT ON FUNCTION domxfer.process_due_transfers_dry_run(timestamptz, integer) IS
	'What process_due_transfers(at, max_rows) would decide: one row per transfer due by "at" (at most max_rows, in due order) with its outcome (to_state, decided_at, outcome_reason text[]) as the readers show it and the decision records it (_due_decision, the same rule check); read-only, so it runs on a standby and in a read-only transaction; locks and writes nothing; 22004 for NULL, 22023 for max_rows < 1; domxfer_admin only';

COMMENT ON TABLE domxfer.transfers IS 'One row per transfer-out attempt; changed only by the lifecycle functions. domxfer_reader reads every column but auth_code_hash and auth_code_salt, so its SELECT * is refused (42501): name the columns or use domxfer.transfer_report';

-- 8. Roles -----------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION domxfer._domains_canonical_name(), domxfer._tld_policy_canonical_tld(),
	domxfer._guard_lifecycle_columns(), domxfer._domain_by_name(text), domxfer._test_tld_deadline(),
	domxfer.restore_shipped_policy(), domxfer.process_due_transfers_dry_run(timestamptz, integer)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer._domain_by_name(text) TO domxfer_reader;
-- the WHEN clause of domains_lifecycle_columns_update runs as the updating role
GRANT EXECUTE ON FUNCTION domxfer._batch_checks_links() TO domxfer_reader;
GRANT EXECUTE ON FUNCTION domxfer.restore_shipped_policy(),
	domxfer.process_due_transfers_dry_run(timestamptz, integer) TO domxfer_admin;

-- 9. Tell the installer when the worker will not serve this database ------
-- (A WARNING: PostgreSQL runs extension scripts with client_min_messages
-- raised to warning, so a NOTICE would never reach the installer.)

DO $$
BEGIN
	IF pg_catalog.current_setting('shared_preload_libraries') OPERATOR(pg_catalog.!~) '(^|[ ,])"?domxfer"?($|[ ,])' THEN
		RAISE WARNING 'the domxfer background worker is not running: domxfer is not in shared_preload_libraries'
			USING HINT = 'Decide due transfers with SELECT domxfer.process_due_transfers(), e.g. every minute from pg_cron.';
	ELSIF pg_catalog.current_setting('domxfer.database', true) IS DISTINCT FROM pg_catalog.current_database() THEN
		RAISE WARNING 'the domxfer background worker serves database "%", not "%"',
			pg_catalog.current_setting('domxfer.database', true), pg_catalog.current_database()
			USING HINT = 'Set domxfer.database to this database (server restart), or schedule SELECT domxfer.process_due_transfers() here.';
	END IF;
END
$$;
