-- The transfer-out rules (SPEC §1, §3), in C (src/transfer_rules.c).
--
-- The C functions take the columns of domxfer.domains one by one. The public
-- functions over a row are LANGUAGE sql wrappers whose body is one
-- expression (not STRICT, no SET clause, not SECURITY DEFINER), so the
-- planner inlines them and turns d.col back into plain column references:
-- no whole-row value is formed per row. NULL at, or a NULL in a NOT NULL
-- column (the all-NULL row of an outer join), gives NULL.
--
-- Rule sets (SPEC §1a): the C functions take the effects of the TLD's rule
-- set from the policy cache (a blocking and a warning mask per TLD). R8
-- reads the stored column registrant_email_usable, never the address.
-- The C symbols of 0.1.0's column-wise functions (14 columns, the e-mail as
-- text) stay in the library for 0.1.0 databases; these are new symbols.

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

CREATE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_eligible(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_eligible(domxfer.domains, timestamptz) IS
	'True (boolean) when the domain may be transferred out at the instant at: every rule R1-R11 that its TLD''s rule set makes a blocker holds (exactly when transfer_out_blockers is empty); 22008 for an infinite at, 55000 when domxfer.registrar_id is unset';

CREATE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(domxfer.domains, timestamptz) IS
	'The reason codes (text[]) of the blocking rules (per the TLD''s rule set, SPEC §1a) that fail at the instant at, in the order of the rules table; empty when the domain may be transferred out';

CREATE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_warnings(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, d.uses_registrar_dns, at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(domxfer.domains, timestamptz) IS
	'Advice that never blocks a transfer (text[]): the failing rules the TLD''s rule set demotes to warn, under their own reason codes in table order, then uses_registrar_dns (move DNS first) and expires_within_30_days (fewer days than the policy recommends remain)';

CREATE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_window(d.name, d.registered_at, d.expires_at,
		d.last_transferred_at, d.late_renewed_at, d.registrant_changed_at,
		d.registrant_change_lock_opt_out);
COMMENT ON FUNCTION domxfer.transfer_window(domxfer.domains) IS
	'The span of instants (tstzrange) at which the blocking time rules among R2, R3, R4, R6 and R10 all hold: t <@ transfer_window(d) exactly when they hold at t; empty when never, unbounded on a side no blocking rule limits';

CREATE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blocker_mask(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at,
		d.registrant_change_lock_opt_out, at);
COMMENT ON FUNCTION domxfer.transfer_out_blocker_mask(domxfer.domains, timestamptz) IS
	'The failing blocking rules as a bit mask (integer): bit i (value 2^i) for the i-th reason code of domxfer.transfer_out_reason_codes() (reason_codes.bit)';

CREATE FUNCTION domxfer.transfer_out_reason_codes()
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY['not_sponsored', 'too_soon_after_registration',
		'too_close_to_expiry', 'too_soon_after_transfer', 'transfer_prohibited',
		'transfer_pending', 'deletion_pending', 'unpaid', 'legal_proceedings',
		'holder_disputed', 'too_soon_after_late_renewal', 'contacts_incomplete',
		'registrant_email_invalid', 'manual_process_required',
		'too_soon_after_registrant_change', 'operation_pending',
		'status_unreadable']::text[];
COMMENT ON FUNCTION domxfer.transfer_out_reason_codes() IS
	'Every transfer-out rule reason code (text[]), in the order of the rules table (R1 to R11; R10 and R11 after R9 so the bits of 0.1.0 keep their meaning; then status_unreadable, SPEC §10); domxfer.reason_codes has their meanings';

CREATE FUNCTION domxfer.transfer_out_eligible(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
	SET search_path = pg_catalog, pg_temp AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(transfer_out_eligible.name);
	d domxfer.domains := domxfer._domain_row(canonical);
BEGIN
	IF d.name IS NULL THEN
		PERFORM domxfer._raise_unknown_domain(transfer_out_eligible.name, canonical);
	END IF;
	-- as every reader shows the domain: a transfer past its deadline is
	-- decided even before its decision is written (issue 18, fault 7)
	RETURN domxfer.transfer_out_eligible(domxfer._domain_as_decided(d, pg_catalog.now()), transfer_out_eligible.at);
END
$$;
COMMENT ON FUNCTION domxfer.transfer_out_eligible(text, timestamptz) IS
	'True when the domain of this name (any spelling: Unicode, upper case, trailing dot) may be transferred out at the instant at; an unknown name raises SQLSTATE P0002; NULL for a NULL argument (STRICT, as every function that answers a question; the lifecycle functions, which act, raise 22004)';
