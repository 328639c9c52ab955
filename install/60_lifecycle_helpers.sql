-- The transfer lifecycle (SPEC §3): the only way transfers change.
--
-- Conventions of the lifecycle fragments (60 to 65: helpers, decisions,
-- auth codes, the public functions, the manual process):
--  * Every public function is SECURITY DEFINER with a pinned search_path and
--    takes "now" once, as clock_timestamp(), so a long transaction does not
--    act as of its start.
--  * Lock order: a transfer row before its domain row (the worker's batch
--    locks transfers first too), except request_transfer_out and
--    open_manual_transfer, which lock only the domain before inserting.
--  * "The deadline is the truth": before reading or changing a transfer, a
--    function decides it if it is due, as of its due instant. It does so in a
--    committed side transaction (a short-lived background worker), so the
--    decision stands even if the function then refuses with an error; if the
--    side transaction cannot run, it decides in its own transaction (then an
--    error rolls the decision back and the worker redoes it, as of the same
--    due instant).

-- n days of exactly 86,400 seconds (never calendar days in the session's time zone);
-- interval * float8 raises 22008 where make_interval(secs => ...) would wrap around
CREATE FUNCTION domxfer._days(n integer)
RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.make_interval(secs => 86400) OPERATOR(pg_catalog.*) n::pg_catalog.float8;

COMMENT ON FUNCTION domxfer._days(integer) IS 'Internal: n days of exactly 86,400 seconds each';

CREATE FUNCTION domxfer._utc_text(at timestamptz)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN pg_catalog.to_char(pg_catalog.timezone('UTC', at), 'YYYY-MM-DD HH24:MI:SS') OPERATOR(pg_catalog.||) ' UTC';

COMMENT ON FUNCTION domxfer._utc_text(timestamptz) IS 'Internal: an instant as text in UTC, for messages that must not depend on the session''s TimeZone';

-- From the per-backend policy cache (src/tld_policy.c), as the rules read
-- it: an SQL function with a subquery is never inlined and was planned
-- again by every caller's transaction (0.1 ms, once to three times per
-- lifecycle call); this one is inlined into its caller
CREATE FUNCTION domxfer._policy_for_tld(tld text)
RETURNS domxfer.tld_policy
AS 'MODULE_PATHNAME', 'domxfer_policy_for_tld'
LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION domxfer._policy_for_tld(text) IS 'Internal: the tld_policy row (domxfer.tld_policy) of a TLD given as its canonical A-label, or the default row ''*'', from this backend''s cache of the table (re-read after any change of tld_policy or rule_sets, also this transaction''s own); 55000 when the table has no row ''*''';

CREATE FUNCTION domxfer._policy_for(domain_name text)
RETURNS domxfer.tld_policy
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN domxfer._policy_for_tld(domxfer.domain_tld(domain_name));

COMMENT ON FUNCTION domxfer._policy_for(text) IS 'Internal: the tld_policy row (domxfer.tld_policy) of a domain''s TLD, or the default row ''*'', as the rules read it (domxfer._policy_for_tld); 22023 for a name domxfer.domain_tld refuses, 55000 when the table has no row ''*''';

CREATE FUNCTION domxfer._blockers_ignoring_own(d domxfer.domains, at timestamptz, manual boolean)
RETURNS text[]
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_blockers text[];
BEGIN
	-- the transfer being decided must not block itself (R5b) ...
	d.open_transfer_id := NULL;
	d.status := d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status;
	v_blockers := domxfer.transfer_out_blockers(d, at);
	-- ... nor R9 once the document-based process has been chosen
	IF manual THEN
		v_blockers := pg_catalog.array_remove(v_blockers, 'manual_process_required');
	END IF;
	-- a registrar's row the rules cannot read (a NULL in a column they
	-- need) is never eligible: the rule functions answer NULL for it
	RETURN COALESCE(v_blockers, ARRAY['status_unreadable']::text[]);
END
$$;

COMMENT ON FUNCTION domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean) IS 'Internal: the failing reason codes at an instant, ignoring the domain''s own open transfer (and R9 for a manual transfer)';

CREATE FUNCTION domxfer._known_domain(name text)
RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_name text;
BEGIN
	IF name IS NULL THEN
		RAISE EXCEPTION 'domain name must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	v_name := domxfer.normalize_domain(name);
	IF (domxfer._domain_row(v_name)).name IS NULL THEN
		PERFORM domxfer._raise_unknown_domain(name, v_name);
	END IF;
	RETURN v_name;
END
$$;

COMMENT ON FUNCTION domxfer._known_domain(text) IS 'Internal: the canonical name of a domain in domxfer.domains or the attached source (any spelling accepted); P0002 if unknown';

CREATE FUNCTION domxfer._raise_not_eligible(domain_name text, blockers text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_id bigint;
	v_state domxfer.transfer_state;
BEGIN
	IF 'manual_process_required' OPERATOR(pg_catalog.=) ANY (blockers) THEN
		RAISE EXCEPTION 'domain "%" cannot be transferred out now', domxfer._shown_name(domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', ')),
				  HINT = 'This TLD needs the document-based process: use domxfer.open_manual_transfer().';
	END IF;
	IF 'transfer_pending' OPERATOR(pg_catalog.=) ANY (blockers) THEN
		SELECT t.id, t.state INTO v_id, v_state FROM domxfer.transfers t
		 WHERE t.domain_name OPERATOR(pg_catalog.=) _raise_not_eligible.domain_name
		   AND t.state OPERATOR(pg_catalog.<) 'completed';
		IF v_id IS NOT NULL THEN
			RAISE EXCEPTION 'domain "%" cannot be transferred out now', domxfer._shown_name(domain_name)
				USING ERRCODE = 'object_not_in_prerequisite_state',
					  DETAIL = pg_catalog.format('Failing rules: %s. Transfer %s is open (%s).',
												 pg_catalog.array_to_string(blockers, ', '), v_id, v_state),
					  HINT = CASE WHEN v_state OPERATOR(pg_catalog.=) 'auth_code_issued'
								 THEN pg_catalog.format('To give the holder a new code, use domxfer.reissue_auth_code(%s); to end it, domxfer.cancel_transfer_out(%s).', v_id, v_id)
								 ELSE pg_catalog.format('It must end first: domxfer.cancel_transfer_out(%s) or, when pending, domxfer.approve_transfer_out(%s).', v_id, v_id) END;
		END IF;
	END IF;
	RAISE EXCEPTION 'domain "%" cannot be transferred out now', domxfer._shown_name(domain_name)
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Failing rules: %s.', pg_catalog.array_to_string(blockers, ', '));
END
$$;

COMMENT ON FUNCTION domxfer._raise_not_eligible(text, text[]) IS 'Internal: raises SQLSTATE 55000 listing every failing reason code; a transfer_pending refusal names the open transfer and HINTs reissue_auth_code or how to end it';

CREATE FUNCTION domxfer._raise_wrong_state(t domxfer.transfers, action text)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
		RAISE EXCEPTION 'cannot %: the transfer has already ended', action
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s was %s at %s (%s).', t.id, t.state, domxfer._utc_text(t.decided_at),
											 pg_catalog.array_to_string(t.outcome_reason, ', '));
	END IF;
	RAISE EXCEPTION 'cannot %: the transfer is %', action, t.state
		USING ERRCODE = 'object_not_in_prerequisite_state',
			  DETAIL = pg_catalog.format('Transfer %s is %s.', t.id, t.state);
END
$$;

COMMENT ON FUNCTION domxfer._raise_wrong_state(domxfer.transfers, text) IS 'Internal: raises SQLSTATE 55000 for an action the transfer''s state does not allow';

CREATE FUNCTION domxfer._log_transfer_event(t domxfer.transfers, from_state domxfer.transfer_state, detail jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
	VALUES (t.id, from_state, t.state, domxfer._actor(), detail);
	IF domxfer._transfer_doorbell() THEN
		PERFORM pg_catalog.pg_notify('domxfer_transfer',
			pg_catalog.jsonb_build_object('transfer_id', t.id, 'domain', t.domain_name, 'state', t.state)::text);
	END IF;
END
$$;

COMMENT ON FUNCTION domxfer._log_transfer_event(domxfer.transfers, domxfer.transfer_state, jsonb) IS 'Internal: writes the audit event of a change and wakes listeners: NOTIFY domxfer_transfer with {"transfer_id", "domain", "state"} when domxfer.notify is each, else the coalesced doorbell at commit (domxfer._transfer_doorbell)';

CREATE FUNCTION domxfer._finish_transfer(t domxfer.transfers, new_state domxfer.transfer_state,
										 decided_at timestamptz, outcome_reason text[], note text)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_done domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET state = new_state,
		   decided_at = _finish_transfer.decided_at,
		   outcome_reason = _finish_transfer.outcome_reason,
		   cancel_note = note,
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO v_done;

	PERFORM domxfer._domain_transfer_ended(v_done.domain_name, v_done.id,
		t.state OPERATOR(pg_catalog.=) 'pending', v_done.gaining_registrar,
		CASE WHEN new_state OPERATOR(pg_catalog.=) 'completed' THEN v_done.decided_at END);

	PERFORM domxfer._log_transfer_event(v_done, t.state,
		pg_catalog.jsonb_build_object('outcome_reason', v_done.outcome_reason,
									  'decided_at', v_done.decided_at)
		OPERATOR(pg_catalog.||) CASE WHEN note IS NULL THEN '{}'::jsonb
									 ELSE pg_catalog.jsonb_build_object('note', note) END);
	RETURN v_done;
END
$$;

COMMENT ON FUNCTION domxfer._finish_transfer(domxfer.transfers, domxfer.transfer_state, timestamptz, text[], text) IS 'Internal: moves a locked open transfer to a final state, updates its domain (sponsor, last transfer, pendingTransfer, open_transfer_id) and logs it';

REVOKE EXECUTE ON FUNCTION
	domxfer._days(integer),
	domxfer._utc_text(timestamptz),
	domxfer._policy_for_tld(text),
	domxfer._policy_for(text),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean),
	domxfer._known_domain(text),
	domxfer._raise_not_eligible(text, text[]),
	domxfer._raise_wrong_state(domxfer.transfers, text),
	domxfer._log_transfer_event(domxfer.transfers, domxfer.transfer_state, jsonb),
	domxfer._finish_transfer(domxfer.transfers, domxfer.transfer_state, timestamptz, text[], text)
FROM PUBLIC;
