-- 0.2.0: registrar identifiers are EPP client identifiers (SPEC §1b);
-- mirrors install/25_client_id.sql and the registrar parts of
-- 30_tables.sql, 50_transfers.sql and 60_lifecycle.sql. The new column
-- constraints check the rows already stored: an update that finds one that
-- is not a client identifier stops with 22P02 naming the column and the
-- value (fix the row, e.g. trim it, and run ALTER EXTENSION again).
CREATE FUNCTION domxfer.check_client_id(id pg_catalog.text)
	RETURNS pg_catalog.text
	AS 'MODULE_PATHNAME', 'domxfer_check_client_id'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer.check_client_id(pg_catalog.text) IS
	'Returns a registrar identifier unchanged if it is an EPP client identifier (RFC 5730 clIDType: 3 to 16 characters; no control, invisible or non-space white space characters; spaces only singly between other characters), else raises 22023 naming the failed check; NULL gives NULL. Identifiers are compared exactly, never trimmed or case-folded';

CREATE FUNCTION domxfer._client_id_column_check(id pg_catalog.text, column_name pg_catalog.text)
	RETURNS pg_catalog.bool
	AS 'MODULE_PATHNAME', 'domxfer_client_id_column_check'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION domxfer._client_id_column_check(pg_catalog.text, pg_catalog.text) IS
	'Internal (CHECK constraints of the registrar columns): true when id is an EPP client identifier, else raises 22P02 naming column_name and the failed check; NULL gives NULL';

ALTER TABLE domxfer.domains
	DROP CONSTRAINT domains_sponsoring_registrar_not_empty,
	ADD CONSTRAINT domains_sponsoring_registrar_client_id
		CHECK (domxfer._client_id_column_check(sponsoring_registrar, 'sponsoring_registrar'));
ALTER TABLE domxfer.transfers
	DROP CONSTRAINT transfers_gaining_registrar_check,
	ADD CONSTRAINT transfers_gaining_registrar_client_id
		CHECK (domxfer._client_id_column_check(gaining_registrar, 'gaining_registrar'));
COMMENT ON COLUMN domxfer.domains.sponsoring_registrar IS 'Identifier of the registrar that sponsors the domain, an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02); R1 compares it exactly with the setting domxfer.registrar_id';
COMMENT ON COLUMN domxfer.transfers.gaining_registrar IS 'The registrar the domain moves to, known once its request arrives; an EPP client identifier (RFC 5730 clIDType; anything else is refused with 22P02)';

CREATE OR REPLACE FUNCTION domxfer.receive_transfer_request(name text, auth_code text, gaining_registrar text)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text;
	v_open bigint;
	t domxfer.transfers;
	d domxfer.domains;
	v_salt bytea;
	v_own boolean;
	v_count integer;
	v_blockers text[];
BEGIN
	IF auth_code IS NULL OR gaining_registrar IS NULL THEN
		RAISE EXCEPTION 'auth code and gaining registrar must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	-- an EPP client identifier (22023 otherwise), compared exactly with ours
	PERFORM domxfer.check_client_id(gaining_registrar);
	IF gaining_registrar OPERATOR(pg_catalog.=) pg_catalog.current_setting('domxfer.registrar_id') THEN
		RAISE EXCEPTION 'gaining registrar "%" is this registrar', gaining_registrar
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = 'A domain cannot be transferred to the registrar that already sponsors it.';
	END IF;
	v_name := domxfer._known_domain(name);

	SELECT dm.open_transfer_id INTO v_open FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	IF v_open IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password', DETAIL = 'No auth code has been issued for this domain.';
	END IF;

	t := domxfer._settle_transfer(v_open, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = CASE t.state
					WHEN 'expired' THEN pg_catalog.format('The auth code expired at %s.', domxfer._utc_text(t.decided_at))
					WHEN 'pending' THEN 'The auth code has already been used.'
					WHEN 'awaiting_documents' THEN 'No auth code has been issued for this domain yet.'
					ELSE pg_catalog.format('The transfer was %s.', t.state) END;
	END IF;
	IF t.auth_code_hash IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code was revoked after 5 failed attempts.',
				  HINT = pg_catalog.format('Issue a new code with domxfer.reissue_auth_code(%s).', t.id);
	END IF;
	v_salt := t.auth_code_salt;

	-- Where the presented code may be compared. A guess that is compared must
	-- be counted, and the count must survive the 28P01 error, which rolls
	-- back this transaction's writes: so the code is compared only in a
	-- committed side transaction that counts a wrong one (below), and when
	-- that cannot run, not at all.
	--
	-- The one exception: the row version carrying the code was written by
	-- this very transaction (its xmin is ours, see _written_by_this_transaction).
	-- Applications cannot write transfers. Of the functions that can, those
	-- that leave a row in state auth_code_issued with a code in it issue
	-- that code and return it in plain text to the transaction that called
	-- them (request_transfer_out, reissue_auth_code, approve_manual_transfer);
	-- _count_failed_auth_attempt only ever runs in a side transaction. Only
	-- the table's owner or a superuser could write the row otherwise, and
	-- they can read the hash anyway. So a code compared here was handed to
	-- this transaction a moment ago, and nothing can be learnt by guessing
	-- it. No other transaction can use it yet (a side transaction could not
	-- see it, or would wait for our lock), and a wrong code raises 28P01,
	-- which rolls the code itself back; a caller that catches the error
	-- still holds the very code it guessed at. Once committed, the row's
	-- xmin is not current in any transaction, and every later attempt takes
	-- the counted path. This keeps request and receive in one transaction
	-- working, without a worker.
	SELECT domxfer._written_by_this_transaction(tr.xmin) INTO v_own
	  FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	   AND tr.auth_code_salt OPERATOR(pg_catalog.=) v_salt;
	IF v_own THEN
		IF NOT domxfer._auth_code_matches(auth_code, v_salt, t.auth_code_hash) THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. It was issued in this same transaction, so the attempt is not counted.';
		END IF;
	ELSE
		-- A transaction that holds the transfer (a concurrent request with
		-- the right code, a reissue, a cancellation) is waited for here,
		-- like any writer would, rather than by the side transaction, which
		-- gives up after 1 s. The lock is taken in a subtransaction and
		-- released at once, so that the side transaction can take it.
		BEGIN
			PERFORM FROM domxfer.transfers tr
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id
			   FOR NO KEY UPDATE;
			RAISE SQLSTATE 'DXW01';
		EXCEPTION WHEN SQLSTATE 'DXW01' THEN
			NULL;
		END;
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) t.id;
		IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
		   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
			-- nothing compared: the code presented is not current any more
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used, replaced or revoked, or its transfer has just ended.';
		END IF;

		-- Compared (and a wrong one counted) only in the committed side
		-- transaction; when that cannot run (53000) or cannot lock the
		-- transfer (55P03, e.g. this transaction holds it) it raises without
		-- comparing, so the right and a wrong code get the same error.
		v_count := domxfer._check_auth_code_in_side_transaction(t.id, v_salt, auth_code, v_now);
		IF v_count IS NULL THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used or replaced.';
		END IF;
		IF v_count OPERATOR(pg_catalog.>=) 5 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. After 5 failed attempts the code has been revoked.',
					  HINT = pg_catalog.format('Issue a new code with domxfer.reissue_auth_code(%s).', t.id);
		END IF;
		IF v_count OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
				USING ERRCODE = 'invalid_password', DETAIL = 'The auth code is wrong.';
		END IF;
	END IF;

	-- the right code: lock, and make sure it is still the current code
	t := domxfer._lock_transfer(t.id, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', v_name
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code has just been used or replaced.';
	END IF;
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) v_name FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	UPDATE domxfer.transfers tr
	   SET state = 'pending',
		   gaining_registrar = receive_transfer_request.gaining_registrar,
		   requested_at = v_now,
		   deadline = v_now OPERATOR(pg_catalog.+) domxfer._days((domxfer._policy_for(v_name)).auto_approve_days),
		   auth_code_hash = NULL,
		   auth_code_salt = NULL
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	UPDATE domxfer.domains dm
	   SET status = dm.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status
	 WHERE dm.name OPERATOR(pg_catalog.=) v_name;
	PERFORM domxfer._log_transfer_event(t, 'auth_code_issued',
		pg_catalog.jsonb_build_object('action', 'request_received',
									  'gaining_registrar', t.gaining_registrar,
									  'deadline', t.deadline));
	RETURN t.id;
END
$$;


COMMENT ON FUNCTION domxfer.receive_transfer_request(text, text, text) IS 'Lifecycle step 2: the gaining registrar''s request (gaining_registrar: an EPP client identifier other than ours, else 22023). White space and zero-width characters pasted with the code are removed before it is compared (SPEC §1c). The right code makes the transfer pending until now + auto_approve_days; a wrong, expired or revoked code fails with 28P01 (a wrong one is counted; the 5th revokes the code). The code is compared only in a committed side transaction (a short-lived background worker) that counts a wrong one; when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03), nothing is compared or counted and the right and a wrong code get the same error: retry. A code issued in the calling transaction itself is compared in that transaction, without a worker and without counting';
