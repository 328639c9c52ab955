-- The transfer lifecycle (SPEC §3), continued: the auth code (SPEC §1c, §3):
-- issuing one, comparing a presented code and counting a wrong one (in the
-- side transaction), and the holder's reissue. The conventions of the
-- lifecycle fragments are at the top of 60_lifecycle_helpers.sql.

CREATE FUNCTION domxfer._issue_auth_code(t domxfer.transfers, at timestamptz, action text)
RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_code text := domxfer._auth_code_new();
	v_salt bytea := domxfer._auth_code_salt();
	v_policy domxfer.tld_policy := domxfer._policy_for(t.domain_name);
	v_issued domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET state = 'auth_code_issued',
		   auth_code_hash = domxfer._auth_code_hash(v_code, v_salt),
		   auth_code_salt = v_salt,
		   auth_code_issued_at = at,
		   auth_code_expires_at = at OPERATOR(pg_catalog.+) domxfer._days(v_policy.auth_code_lifetime_days),
		   failed_attempts = 0
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO v_issued;
	PERFORM domxfer._log_transfer_event(v_issued, t.state,
		pg_catalog.jsonb_build_object('action', action,
									  'auth_code_expires_at', v_issued.auth_code_expires_at));
	RETURN v_code;
END
$$;

COMMENT ON FUNCTION domxfer._issue_auth_code(domxfer.transfers, timestamptz, text) IS 'Internal: gives a locked transfer a fresh auth code (stored as salt and hash only) and returns the code';

-- The gaining registrar's wrong code, counted by the side-transaction worker.
CREATE FUNCTION domxfer._count_failed_auth_attempt(transfer_id bigint, salt bytea)
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	UPDATE domxfer.transfers tr
	   SET failed_attempts = tr.failed_attempts OPERATOR(pg_catalog.+) 1,
		   auth_code_hash = CASE WHEN tr.failed_attempts OPERATOR(pg_catalog.>=) 4 THEN NULL ELSE tr.auth_code_hash END,
		   auth_code_salt = CASE WHEN tr.failed_attempts OPERATOR(pg_catalog.>=) 4 THEN NULL ELSE tr.auth_code_salt END
	 WHERE tr.id OPERATOR(pg_catalog.=) _count_failed_auth_attempt.transfer_id
	   AND tr.state OPERATOR(pg_catalog.=) 'auth_code_issued'
	   AND tr.auth_code_salt OPERATOR(pg_catalog.=) _count_failed_auth_attempt.salt
	RETURNING * INTO t;
	IF NOT FOUND THEN
		RETURN NULL;			-- the code changed meanwhile: not an attempt on it
	END IF;
	IF t.auth_code_hash IS NULL THEN
		PERFORM domxfer._log_transfer_event(t, t.state,
			pg_catalog.jsonb_build_object('action', 'auth_code_revoked', 'failed_attempts', t.failed_attempts));
	END IF;
	RETURN t.failed_attempts;
END
$$;

COMMENT ON FUNCTION domxfer._count_failed_auth_attempt(bigint, bytea) IS 'Internal: counts a wrong code against the transfer''s current code (identified by its salt); the 5th revokes it; returns the new count, NULL if the code changed';

-- A presented code, compared by the side-transaction worker (after it has
-- locked the transfer) and counted there if wrong, in one transaction: the
-- only place where a code from outside the transaction that issued it is
-- ever compared.
CREATE FUNCTION domxfer._check_auth_code(transfer_id bigint, salt bytea, code text, at timestamptz)
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _check_auth_code.transfer_id
	   FOR NO KEY UPDATE;
	IF NOT FOUND
	   OR t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_hash IS NULL
	   OR t.auth_code_salt IS DISTINCT FROM _check_auth_code.salt
	   OR t.auth_code_expires_at OPERATOR(pg_catalog.<=) _check_auth_code.at THEN
		RETURN NULL;			-- used, replaced, revoked or expired meanwhile: nothing to compare
	END IF;
	IF domxfer._auth_code_matches(code, t.auth_code_salt, t.auth_code_hash) THEN
		RETURN 0;
	END IF;
	RETURN domxfer._count_failed_auth_attempt(t.id, t.auth_code_salt);
END
$$;

COMMENT ON FUNCTION domxfer._check_auth_code(bigint, bytea, text, timestamptz) IS 'Internal (run by the side-transaction worker): locks the transfer and, if the code identified by salt is still current, unrevoked and unexpired at "at", compares the presented code in constant time; 0 if right, else counts it (the 5th revokes the code) and returns the new count; NULL if there was nothing to compare';

CREATE FUNCTION domxfer.reissue_auth_code(transfer_id bigint)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		PERFORM domxfer._raise_wrong_state(t, 'reissue the auth code');
	END IF;
	RETURN domxfer._issue_auth_code(t, v_now, 'auth_code_reissued');
END
$$;

COMMENT ON FUNCTION domxfer.reissue_auth_code(bigint) IS 'Replaces the auth code of a transfer in state auth_code_issued ("resend the code"): the old code stops working at once, the lifetime and the failed-attempt count start again';

REVOKE EXECUTE ON FUNCTION
	domxfer._issue_auth_code(domxfer.transfers, timestamptz, text),
	domxfer._count_failed_auth_attempt(bigint, bytea),
	domxfer._check_auth_code(bigint, bytea, text, timestamptz),
	domxfer.reissue_auth_code(bigint)
FROM PUBLIC;
