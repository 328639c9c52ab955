-- Rule sets: what 0.1.0 created and 0.2.0 changes, after the rule sets' own
-- objects (35_rule_sets.sql, a link to the install fragment).


-- install/30_tables.sql: the shipped-row trigger of tld_policy copies every column
CREATE OR REPLACE FUNCTION domxfer._tld_policy_before_insert() RETURNS trigger
	LANGUAGE plpgsql
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	v_columns text;
	v_values text;
	v_rows bigint;
BEGIN
	IF NEW.shipped THEN
		SELECT pg_catalog.string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum),
			   pg_catalog.string_agg('($1).' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(a.attname), ', '
									 ORDER BY a.attnum)
		  INTO v_columns, v_values
		  FROM pg_catalog.pg_attribute a
		 WHERE a.attrelid OPERATOR(pg_catalog.=) 'domxfer.tld_policy'::pg_catalog.regclass
		   AND a.attnum OPERATOR(pg_catalog.>) 0
		   AND NOT a.attisdropped
		   AND a.attgenerated OPERATOR(pg_catalog.=) ''
		   AND a.attname OPERATOR(pg_catalog.<>) ALL (ARRAY['tld', 'shipped']::name[]);
		EXECUTE pg_catalog.format('UPDATE domxfer.tld_policy AS p SET (%s) = ROW(%s) '
								  'WHERE p.tld OPERATOR(pg_catalog.=) ($1).tld AND p.shipped',
								  v_columns, v_values)
			USING NEW;
		GET DIAGNOSTICS v_rows = ROW_COUNT;
		IF v_rows OPERATOR(pg_catalog.>) 0 THEN
			RETURN NULL;
		END IF;
	END IF;
	RETURN NEW;
END
$$;

-- install/40_rules.sql: the column-wise rule functions take R10's columns and
-- R8's stored boolean (new C symbols; the 0.1.0 ones stay in the library)
CREATE FUNCTION domxfer._transfer_out_blocker_mask(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'domxfer_rules_blocker_mask'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'The failing blocking transfer-out rules of a domain''s columns as a bit mask (integer), bit i for the i-th reason code of transfer_out_reason_codes() (the body of transfer_out_blocker_mask)';

CREATE FUNCTION domxfer._transfer_out_eligible(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_rules_eligible'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'True (boolean) when every blocking transfer-out rule holds for a domain''s columns at the instant at (the body of transfer_out_eligible)';

CREATE FUNCTION domxfer._transfer_out_blockers(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_rules_blockers'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, timestamptz) IS
	'The reason codes (text[]) of the failing blocking transfer-out rules for a domain''s columns (the body of transfer_out_blockers)';

CREATE FUNCTION domxfer._transfer_out_warnings(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email_usable boolean, open_transfer_id bigint,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean,
	uses_registrar_dns boolean, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_rules_warnings'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_warnings(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, boolean, bigint, timestamptz, boolean, boolean, timestamptz) IS
	'The transfer-out warnings (text[]) for a domain''s columns: failing rules the TLD''s rule set demotes to warn, then uses_registrar_dns and expires_within_30_days (the body of transfer_out_warnings)';

CREATE FUNCTION domxfer._transfer_window(
	name text, registered_at timestamptz, expires_at timestamptz,
	last_transferred_at timestamptz, late_renewed_at timestamptz,
	registrant_changed_at timestamptz, registrant_change_lock_opt_out boolean)
	RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'domxfer_rules_window'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz, timestamptz, boolean) IS
	'The instants (tstzrange) at which the blocking time rules among R2, R3, R4, R6 and R10 hold for a domain''s columns (the body of transfer_window)';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_eligible(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_eligible(domxfer.domains, timestamptz) IS
	'True (boolean) when the domain may be transferred out at the instant at: every rule R1-R11 that its TLD''s rule set makes a blocker holds (exactly when transfer_out_blockers is empty); 22008 for an infinite at, 55000 when domxfer.registrar_id is unset';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(domxfer.domains, timestamptz) IS
	'The reason codes (text[]) of the blocking rules (per the TLD''s rule set, SPEC §1a) that fail at the instant at, in the order of the rules table; empty when the domain may be transferred out';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_warnings(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, d.uses_registrar_dns, at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(domxfer.domains, timestamptz) IS
	'Advice that never blocks a transfer (text[]): the failing rules the TLD''s rule set demotes to warn, under their own reason codes in table order, then uses_registrar_dns (move DNS first) and expires_within_30_days (fewer days than the policy recommends remain)';

CREATE OR REPLACE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_window(d.name, d.registered_at, d.expires_at,
		d.last_transferred_at, d.late_renewed_at, d.registrant_changed_at,
		d.registrant_change_lock_opt_out);
COMMENT ON FUNCTION domxfer.transfer_window(domxfer.domains) IS
	'The span of instants (tstzrange) at which the blocking time rules among R2, R3, R4, R6 and R10 all hold: t <@ transfer_window(d) exactly when they hold at t; empty when never, unbounded on a side no blocking rule limits';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blocker_mask(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blocker_mask(domxfer.domains, timestamptz) IS
	'The failing blocking rules as a bit mask (integer): bit i (value 2^i) for the i-th reason code of domxfer.transfer_out_reason_codes() (reason_codes.bit)';

CREATE OR REPLACE FUNCTION domxfer.transfer_out_reason_codes()
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY['not_sponsored', 'too_soon_after_registration',
		'too_close_to_expiry', 'too_soon_after_transfer', 'transfer_prohibited',
		'transfer_pending', 'deletion_pending', 'unpaid', 'legal_proceedings',
		'holder_disputed', 'too_soon_after_late_renewal', 'contacts_incomplete',
		'registrant_email_invalid', 'manual_process_required',
		'too_soon_after_registrant_change', 'operation_pending']::text[];
COMMENT ON FUNCTION domxfer.transfer_out_reason_codes() IS
	'Every transfer-out rule reason code (text[]), in the order of the rules table (R1 to R11; R10 and R11 after R9 so the bits of 0.1.0 keep their meaning); domxfer.reason_codes has their meanings';

DROP FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz);
DROP FUNCTION domxfer._transfer_out_warnings(text, timestamptz, boolean, timestamptz);
DROP FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz);

-- install/60_lifecycle.sql: the batch decision passes the new columns
CREATE OR REPLACE FUNCTION domxfer._decide_due_batch(at timestamptz, max_rows integer, skip_ids bigint[])
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_decided integer;
	v_ids bigint[];
	v_names text[];
BEGIN
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'on', true);
	WITH due AS (
		-- a pending transfer's domain is judged as it is at the deadline,
		-- without the transfer itself (R5b) and, for the manual process,
		-- without R9; the domain is locked for the update below
		SELECT t.id, t.state AS from_state,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN t.auth_code_expires_at
					ELSE t.deadline END AS decided_at,
			   CASE WHEN t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN NULL
					WHEN t.manual THEN pg_catalog.array_remove(b.blockers, 'manual_process_required')
					ELSE b.blockers END AS blockers
		  FROM domxfer.transfers t
		  JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) t.domain_name
		 CROSS JOIN LATERAL domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
				d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
				d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status,
				d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
				d.registrant_email_usable, NULL, d.registrant_changed_at,
				d.registrant_change_lock_opt_out, t.deadline) AS b(blockers)
		 WHERE t.due_at OPERATOR(pg_catalog.<=) _decide_due_batch.at
		   AND t.id OPERATOR(pg_catalog.<>) ALL (skip_ids)
		 ORDER BY t.due_at, t.id
		 LIMIT max_rows
		   FOR UPDATE OF t SKIP LOCKED
		   FOR UPDATE OF d
	), decided AS (
		UPDATE domxfer.transfers tr
		   SET state = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN 'expired'
							WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN 'completed'
							ELSE 'rejected' END::domxfer.transfer_state,
			   decided_at = due.decided_at,
			   outcome_reason = CASE WHEN due.from_state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN '{auth_code_expired}'
									 WHEN pg_catalog.cardinality(due.blockers) OPERATOR(pg_catalog.=) 0 THEN '{auto_approved}'
									 ELSE due.blockers END::text[],
			   cancel_note = NULL,
			   auth_code_hash = NULL,
			   auth_code_salt = NULL
		  FROM due
		 WHERE tr.id OPERATOR(pg_catalog.=) due.id
		RETURNING tr.id, tr.domain_name, tr.state, tr.gaining_registrar, tr.decided_at,
				  tr.outcome_reason, due.from_state
	), domains_changed AS (
		UPDATE domxfer.domains d
		   SET sponsoring_registrar = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										   THEN x.gaining_registrar ELSE d.sponsoring_registrar END,
			   last_transferred_at = CASE WHEN x.state OPERATOR(pg_catalog.=) 'completed'
										  THEN x.decided_at ELSE d.last_transferred_at END,
			   status = CASE WHEN x.from_state OPERATOR(pg_catalog.=) 'pending'
							 THEN d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status
							 ELSE d.status END,
			   open_transfer_id = NULL
		  FROM decided x
		 WHERE d.name OPERATOR(pg_catalog.=) x.domain_name
		   AND (x.state OPERATOR(pg_catalog.=) 'completed'
				OR d.open_transfer_id OPERATOR(pg_catalog.=) x.id)
	), logged AS (
		INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
		SELECT x.id, x.from_state, x.state, domxfer._actor(),
			   pg_catalog.jsonb_build_object('outcome_reason', x.outcome_reason, 'decided_at', x.decided_at)
		  FROM decided x
	)
	SELECT pg_catalog.count(pg_catalog.pg_notify('domxfer_transfer',
			   pg_catalog.jsonb_build_object('transfer_id', x.id, 'domain', x.domain_name,
											 'state', x.state)::text) IS NULL),
		   pg_catalog.array_agg(x.id), pg_catalog.array_agg(x.domain_name)
	  INTO v_decided, v_ids, v_names
	  FROM decided x;
	PERFORM pg_catalog.set_config('domxfer.batch_checks_links', 'off', true);

	-- what transfers_open_transfer_link checks per row: no domain names a
	-- transfer that is no longer open
	IF EXISTS (SELECT FROM ROWS FROM (pg_catalog.unnest(v_names), pg_catalog.unnest(v_ids)) AS x(name, id)
				 JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) x.name
				WHERE d.open_transfer_id OPERATOR(pg_catalog.=) x.id) THEN
		RAISE EXCEPTION 'a domain and its decided transfer disagree about whether the transfer is open'
			USING ERRCODE = 'integrity_constraint_violation',
				  HINT = 'Change transfers only through the domxfer lifecycle functions.';
	END IF;
	RETURN v_decided;
END
$$;

-- install/90_reporting.sql: the eligibility view's comments name the rule sets
COMMENT ON COLUMN domxfer.eligibility.blockers IS 'Reason codes of the blocking rules (per the TLD''s rule set) that fail now, in the order of the rules table; empty when eligible; meanings in domxfer.reason_codes';
COMMENT ON COLUMN domxfer.eligibility.warnings IS 'Codes that never block a transfer: failing rules the TLD''s rule set demotes to warn, then uses_registrar_dns, expires_within_30_days';
COMMENT ON COLUMN domxfer.eligibility.transfer_window IS 'The span of instants in which the blocking time rules among R2, R3, R4, R6 and R10 all hold (tstzrange; empty when none, unbounded on a side no blocking rule limits); see window_start and window_end for tools without range support';

-- install/70_roles.sql
GRANT SELECT ON domxfer.reason_codes, domxfer.rule_sets TO domxfer_reader;
GRANT INSERT (registrant_changed_at, registrant_change_lock_opt_out),
	  UPDATE (registrant_changed_at, registrant_change_lock_opt_out)
	ON domxfer.domains TO domxfer_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON domxfer.rule_sets TO domxfer_admin;
REVOKE EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION domxfer.restore_shipped_rule_sets() TO domxfer_admin;
