-- The transfer-out rules (SPEC §1, §3), in C (src/transfer_rules.c).
--
-- The C functions take the columns of domxfer.domains one by one. The public
-- functions over a row are LANGUAGE sql wrappers whose body is one
-- expression (not STRICT, no SET clause, not SECURITY DEFINER), so the
-- planner inlines them and turns d.col back into plain column references:
-- no whole-row value is formed per row. NULL at, or a NULL in a NOT NULL
-- column (the all-NULL row of an outer join), gives NULL.

CREATE FUNCTION domxfer._transfer_out_blocker_mask(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS integer
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_blocker_mask'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blocker_mask(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'The failing transfer-out rules of a domain''s columns as a bit mask, bit i for the i-th reason code of transfer_out_blockers';

CREATE FUNCTION domxfer._transfer_out_eligible(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_eligible_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_eligible(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'True when every transfer-out rule holds for a domain''s columns at the instant at (the body of transfer_out_eligible)';

CREATE FUNCTION domxfer._transfer_out_blockers(
	name text, sponsoring_registrar text, registered_at timestamptz,
	expires_at timestamptz, last_transferred_at timestamptz,
	late_renewed_at timestamptz, status domxfer.domain_status, unpaid boolean,
	legal_hold boolean, holder_disputed boolean, contacts_complete boolean,
	registrant_email text, open_transfer_id bigint, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_blockers_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_blockers(text, text, timestamptz, timestamptz, timestamptz, timestamptz, domxfer.domain_status, boolean, boolean, boolean, boolean, text, bigint, timestamptz) IS
	'The reason codes of the failing transfer-out rules for a domain''s columns (the body of transfer_out_blockers)';

CREATE FUNCTION domxfer._transfer_out_warnings(
	name text, expires_at timestamptz, uses_registrar_dns boolean, at timestamptz)
	RETURNS text[]
	AS 'MODULE_PATHNAME', 'domxfer_transfer_out_warnings_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_out_warnings(text, timestamptz, boolean, timestamptz) IS
	'The transfer-out warning codes for a domain''s columns (the body of transfer_out_warnings)';

CREATE FUNCTION domxfer._transfer_window(
	name text, registered_at timestamptz, expires_at timestamptz,
	last_transferred_at timestamptz, late_renewed_at timestamptz)
	RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'domxfer_transfer_window_columns'
	LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._transfer_window(text, timestamptz, timestamptz, timestamptz, timestamptz) IS
	'The instants at which the time rules R2, R3, R4 and R6 hold for a domain''s columns (the body of transfer_window)';

CREATE FUNCTION domxfer.transfer_out_eligible(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_eligible(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_eligible(domxfer.domains, timestamptz) IS
	'True when the domain may be transferred out at the instant at: every rule R1-R9 holds (exactly when transfer_out_blockers is empty)';

CREATE FUNCTION domxfer.transfer_out_blockers(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blockers(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_blockers(domxfer.domains, timestamptz) IS
	'The reason codes of the rules that fail at the instant at, in the order of the rules table; empty when the domain may be transferred out';

CREATE FUNCTION domxfer.transfer_out_warnings(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS text[]
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_warnings(d.name, d.expires_at, d.uses_registrar_dns, at);
COMMENT ON FUNCTION domxfer.transfer_out_warnings(domxfer.domains, timestamptz) IS
	'Advice that never blocks a transfer: uses_registrar_dns (move DNS first), expires_within_30_days (fewer days than the policy recommends remain)';

CREATE FUNCTION domxfer.transfer_window(d domxfer.domains)
	RETURNS tstzrange
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_window(d.name, d.registered_at, d.expires_at,
		d.last_transferred_at, d.late_renewed_at);
COMMENT ON FUNCTION domxfer.transfer_window(domxfer.domains) IS
	'The span of instants at which the time rules R2, R3, R4 and R6 all hold: t <@ transfer_window(d) exactly when they hold at t; empty when never';

CREATE FUNCTION domxfer.transfer_out_blocker_mask(d domxfer.domains, at timestamptz DEFAULT pg_catalog.now())
	RETURNS integer
	LANGUAGE sql STABLE PARALLEL SAFE
	RETURN domxfer._transfer_out_blocker_mask(d.name, d.sponsoring_registrar,
		d.registered_at, d.expires_at, d.last_transferred_at, d.late_renewed_at,
		d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
		d.registrant_email, d.open_transfer_id, at);
COMMENT ON FUNCTION domxfer.transfer_out_blocker_mask(domxfer.domains, timestamptz) IS
	'The failing rules as a bit mask: bit i (value 2^i) for the i-th reason code of domxfer.transfer_out_reason_codes()';

CREATE FUNCTION domxfer.transfer_out_reason_codes()
	RETURNS text[]
	LANGUAGE sql IMMUTABLE PARALLEL SAFE
	RETURN ARRAY['not_sponsored', 'too_soon_after_registration',
		'too_close_to_expiry', 'too_soon_after_transfer', 'transfer_prohibited',
		'transfer_pending', 'deletion_pending', 'unpaid', 'legal_proceedings',
		'holder_disputed', 'too_soon_after_late_renewal', 'contacts_incomplete',
		'registrant_email_invalid', 'manual_process_required']::text[];
COMMENT ON FUNCTION domxfer.transfer_out_reason_codes() IS
	'Every transfer-out reason code, in the order of the rules table (R1 to R9)';

CREATE FUNCTION domxfer.transfer_out_eligible(name text, at timestamptz DEFAULT pg_catalog.now())
	RETURNS boolean
	LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE AS
$$
DECLARE
	canonical text := domxfer.normalize_domain(transfer_out_eligible.name);
	eligible boolean;
BEGIN
	SELECT domxfer.transfer_out_eligible(d, transfer_out_eligible.at) INTO eligible
	  FROM domxfer.domains AS d
	 WHERE d.name OPERATOR(pg_catalog.=) canonical;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'domain "%" not found', transfer_out_eligible.name
			USING ERRCODE = 'no_data_found',
				  DETAIL = pg_catalog.format('No row of domxfer.domains has the name %s.',
											  pg_catalog.quote_literal(canonical));
	END IF;
	RETURN eligible;
END
$$;
COMMENT ON FUNCTION domxfer.transfer_out_eligible(text, timestamptz) IS
	'True when the domain of this name (any spelling: Unicode, upper case, trailing dot) may be transferred out at the instant at; an unknown name raises SQLSTATE P0002';
