-- The transfer lifecycle (SPEC §3), continued: the public functions of
-- steps 1 to 6 (request, receive, cancel, approve, decide what is due).
-- Step 7, the manual .hk process, is in 65_manual_transfer.sql. The
-- conventions of the lifecycle fragments are at the top of
-- 60_lifecycle_helpers.sql.

-- Lifecycle step 1

CREATE FUNCTION domxfer.request_transfer_out(name text)
RETURNS TABLE (transfer_id bigint, auth_code text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_name text := domxfer._known_domain(name);
	v_open bigint;
	d domxfer.domains;
	v_blockers text[];
	t domxfer.transfers;
	v_code text;
	v_salt bytea;
BEGIN
	v_open := (domxfer._domain_row(v_name)).open_transfer_id;
	IF v_open IS NOT NULL THEN
		PERFORM domxfer._settle_transfer(v_open, v_now);
	END IF;

	-- a concurrent request waits here and then sees this one's open transfer
	d := domxfer._domain_locked(v_name);
	v_blockers := COALESCE(domxfer.transfer_out_blockers(d, v_now), ARRAY['status_unreadable']::text[]);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	v_code := domxfer._auth_code_new();
	v_salt := domxfer._auth_code_salt();
	INSERT INTO domxfer.transfers (domain_name, state, created_at, auth_code_hash, auth_code_salt,
								   auth_code_issued_at, auth_code_expires_at)
	VALUES (v_name, 'auth_code_issued', v_now, domxfer._auth_code_hash(v_code, v_salt), v_salt, v_now,
			v_now OPERATOR(pg_catalog.+) domxfer._days((domxfer._policy_for(v_name)).auth_code_lifetime_days))
	RETURNING * INTO t;
	PERFORM domxfer._domain_transfer_opened(v_name, t.id);
	PERFORM domxfer._log_transfer_event(t, NULL,
		pg_catalog.jsonb_build_object('action', 'requested', 'auth_code_expires_at', t.auth_code_expires_at));

	transfer_id := t.id;
	auth_code := v_code;
	RETURN NEXT;
END
$$;

COMMENT ON FUNCTION domxfer.request_transfer_out(text) IS 'Lifecycle step 1: checks every rule (55000 listing the failing reason codes), opens a transfer in state auth_code_issued and returns its auth code, the only time the code is ever shown';

-- Lifecycle step 2

CREATE FUNCTION domxfer.receive_transfer_request(name text, auth_code text, gaining_registrar text)
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
	IF (domxfer._policy_for(v_name)).registry_transfers THEN
		RAISE EXCEPTION 'the registry of .% handles transfer requests', domxfer.domain_tld(v_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The gaining registrar sends its request and the auth code to the registry, which checks the code.',
				  HINT = 'Feed the registry''s message to domxfer.apply_registry_message().';
	END IF;

	v_open := (domxfer._domain_row(v_name)).open_transfer_id;
	IF v_open IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
			USING ERRCODE = 'invalid_password', DETAIL = 'No auth code has been issued for this domain.';
	END IF;

	t := domxfer._settle_transfer(v_open, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued' THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
			USING ERRCODE = 'invalid_password',
				  DETAIL = CASE t.state
					WHEN 'expired' THEN pg_catalog.format('The auth code expired at %s.', domxfer._utc_text(t.decided_at))
					WHEN 'pending' THEN 'The auth code has already been used.'
					WHEN 'awaiting_documents' THEN 'No auth code has been issued for this domain yet.'
					ELSE pg_catalog.format('The transfer was %s.', t.state) END;
	END IF;
	IF t.auth_code_hash IS NULL THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
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
			RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
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
			RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used, replaced or revoked, or its transfer has just ended.';
		END IF;

		-- Compared (and a wrong one counted) only in the committed side
		-- transaction; when that cannot run (53000) or cannot lock the
		-- transfer (55P03, e.g. this transaction holds it) it raises without
		-- comparing, so the right and a wrong code get the same error.
		v_count := domxfer._check_auth_code_in_side_transaction(t.id, v_salt, auth_code, v_now);
		IF v_count IS NULL THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code has just been used or replaced.';
		END IF;
		IF v_count OPERATOR(pg_catalog.>=) 5 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
				USING ERRCODE = 'invalid_password',
					  DETAIL = 'The auth code is wrong. After 5 failed attempts the code has been revoked.',
					  HINT = pg_catalog.format('Issue a new code with domxfer.reissue_auth_code(%s).', t.id);
		END IF;
		IF v_count OPERATOR(pg_catalog.>) 0 THEN
			RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
				USING ERRCODE = 'invalid_password', DETAIL = 'The auth code is wrong.';
		END IF;
	END IF;

	-- the right code: lock, and make sure it is still the current code
	t := domxfer._lock_transfer(t.id, v_now);
	IF t.state OPERATOR(pg_catalog.<>) 'auth_code_issued'
	   OR t.auth_code_salt IS DISTINCT FROM v_salt THEN
		RAISE EXCEPTION 'invalid auth code for domain "%"', domxfer._shown_name(v_name)
			USING ERRCODE = 'invalid_password',
				  DETAIL = 'The auth code has just been used or replaced.';
	END IF;
	d := domxfer._domain_locked(v_name);
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
	PERFORM domxfer._domain_transfer_pending(v_name, t.id);
	PERFORM domxfer._log_transfer_event(t, 'auth_code_issued',
		pg_catalog.jsonb_build_object('action', 'request_received',
									  'gaining_registrar', t.gaining_registrar,
									  'deadline', t.deadline));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.receive_transfer_request(text, text, text) IS 'Lifecycle step 2: the gaining registrar''s request (gaining_registrar: an EPP client identifier other than ours, else 22023). White space and zero-width characters pasted with the code are removed before it is compared (SPEC §1c). The right code makes the transfer pending until now + auto_approve_days; a wrong, expired or revoked code fails with 28P01 (a wrong one is counted; the 5th revokes the code). The code is compared only in a committed side transaction (a short-lived background worker) that counts a wrong one; when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03), nothing is compared or counted and the right and a wrong code get the same error: retry. A code issued in the calling transaction itself is compared in that transaction, without a worker and without counting. Refused (55000) for a TLD whose policy has registry_transfers: the registry checks codes there (SPEC §8)';

-- Lifecycle steps 3 and 4

CREATE FUNCTION domxfer.cancel_transfer_out(transfer_id bigint, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	-- checked before the transfer is touched (install/58_free_text.sql)
	v_reason text := domxfer._check_free_text('cancel reason', reason, 500);
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_back_days integer;
BEGIN
	IF t.state OPERATOR(pg_catalog.=) 'completed' THEN
		v_back_days := (domxfer._policy_for(t.domain_name)).min_days_after_transfer;
		RAISE EXCEPTION 'domain "%" has already been transferred out', domxfer._shown_name(t.domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s to %s completed at %s; it can no longer be cancelled.',
											 t.id, t.gaining_registrar, domxfer._utc_text(t.decided_at)),
				  HINT = pg_catalog.format('The domain can be transferred back after %s (%s days after the transfer).',
										   domxfer._utc_text(t.decided_at OPERATOR(pg_catalog.+) domxfer._days(v_back_days)),
										   v_back_days);
	END IF;
	IF t.state OPERATOR(pg_catalog.>=) 'completed' THEN
		PERFORM domxfer._raise_wrong_state(t, 'cancel the transfer');
	END IF;
	-- the registry decides: the holder's objection becomes a reject command;
	-- the request is in the audit log, and the reason stays with the
	-- transfer for the registry's outcome (its notice carries it)
	IF t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
		PERFORM domxfer._registry_answer(t, 'reject', '{holder_cancelled}');
		IF v_reason IS NOT NULL THEN
			UPDATE domxfer.transfers tr SET cancel_note = v_reason
			 WHERE tr.id OPERATOR(pg_catalog.=) t.id
			RETURNING * INTO t;
		END IF;
		PERFORM domxfer._log_transfer_event(t, t.state,
			pg_catalog.jsonb_build_object('action', 'holder_cancel_requested', 'registry_command', 'reject')
			OPERATOR(pg_catalog.||) CASE WHEN v_reason IS NULL THEN '{}'::jsonb
										 ELSE pg_catalog.jsonb_build_object('note', v_reason) END);
		RETURN;
	END IF;
	PERFORM domxfer._finish_transfer(t, 'cancelled', v_now, '{holder_cancelled}', v_reason);
END
$$;

COMMENT ON FUNCTION domxfer.cancel_transfer_out(bigint, text) IS 'Lifecycle step 3: the holder cancels an open transfer; refused (55000) once it is decided, e.g. after its deadline, with the date from which the domain can be transferred back. reason (optional, kept in the audit log and the holder''s notice): at most 500 characters (22001), no control characters but tab and line breaks (22023), checked before the transfer is looked at. A registry-managed pending transfer stays pending: the cancellation becomes a reject command for the registry (SPEC §8)';

CREATE FUNCTION domxfer.approve_transfer_out(transfer_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	d domxfer.domains;
	v_blockers text[];
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'pending' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the transfer');
	END IF;
	IF NOT (domxfer._policy_for(t.domain_name)).early_approval THEN
		RAISE EXCEPTION 'early approval is not allowed for .% domains', domxfer.domain_tld(t.domain_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s completes or is rejected at its deadline, %s.',
											 t.id, domxfer._utc_text(t.deadline));
	END IF;
	d := domxfer._domain_locked(t.domain_name);
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	-- the registry decides: the holder's approval becomes an approve command
	IF t.registry_managed THEN
		PERFORM domxfer._registry_answer(t, 'approve', '{holder_approved}');
		RETURN;
	END IF;
	PERFORM domxfer._finish_transfer(t, 'completed', v_now, '{holder_approved}', NULL);
END
$$;

COMMENT ON FUNCTION domxfer.approve_transfer_out(bigint) IS 'Lifecycle step 4: the holder approves a pending transfer early; it completes now if the TLD''s policy allows early approval and the domain is still eligible. A registry-managed transfer stays pending: the approval becomes an approve command for the registry (SPEC §8); refused (55000) after a reject command';

-- Lifecycle steps 5 and 6

CREATE FUNCTION domxfer.process_due_transfers(at timestamptz DEFAULT pg_catalog.now(), max_rows integer DEFAULT 1000)
RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_ids bigint[];
	v_id bigint;
	v_decided integer := 0;
	v_message text;
	v_state text;
BEGIN
	IF at IS NULL OR max_rows IS NULL THEN
		RAISE EXCEPTION 'at and max_rows must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	IF max_rows OPERATOR(pg_catalog.<) 1 THEN
		RAISE EXCEPTION 'max_rows must be at least 1' USING ERRCODE = 'invalid_parameter_value';
	END IF;
	IF at OPERATOR(pg_catalog.>) pg_catalog.clock_timestamp()
	   AND NOT pg_catalog.pg_has_role(domxfer._outer_role(), 'domxfer_admin', 'MEMBER') THEN
		RAISE EXCEPTION 'permission denied to decide transfers as of a future instant'
			USING ERRCODE = 'insufficient_privilege',
				  DETAIL = 'Only members of domxfer_admin may decide transfers before their deadline.';
	END IF;

	-- blocking rules as of acDate of registry-managed transfers (SPEC §8)
	PERFORM domxfer._queue_registry_commands(at);

	-- all at once; if any transfer fails, one by one so that the others proceed
	BEGIN
		RETURN domxfer._decide_due_batch(at, max_rows, '{}');
	EXCEPTION WHEN OTHERS THEN
		NULL;
	END;
	v_ids := ARRAY(SELECT domxfer._due_transfer_ids(at, max_rows));
	FOREACH v_id IN ARRAY v_ids LOOP
		BEGIN
			IF domxfer._decide_due_transfer(v_id, at) THEN
				v_decided := v_decided OPERATOR(pg_catalog.+) 1;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS v_message = MESSAGE_TEXT, v_state = RETURNED_SQLSTATE;
			RAISE WARNING 'could not decide transfer %: %', v_id, v_message
				USING DETAIL = pg_catalog.format('SQLSTATE %s; the other transfers were decided.', v_state);
		END;
	END LOOP;
	RETURN v_decided;
END
$$;

COMMENT ON FUNCTION domxfer.process_due_transfers(timestamptz, integer) IS 'Lifecycle steps 5 and 6: decides up to max_rows transfers due at "at", each as of its own deadline or code expiry (the background worker''s work, for pg_cron and tests); returns how many it decided. A future "at" needs domxfer_admin. Also queues reject commands for registry-managed pending transfers failing a blocking rule as of their acDate (SPEC §8); those transfers are never decided here';

REVOKE EXECUTE ON FUNCTION
	domxfer.request_transfer_out(text),
	domxfer.receive_transfer_request(text, text, text),
	domxfer.cancel_transfer_out(bigint, text),
	domxfer.approve_transfer_out(bigint),
	domxfer.process_due_transfers(timestamptz, integer)
FROM PUBLIC;
