-- The registry link (SPEC §8): the lifecycle functions it changes, as they
-- are in install/60_lifecycle.sql (registry-managed transfers are never
-- decided at their deadline; holder answers become registry commands). The
-- registry's own objects follow in 75_registry.sql, a link to the install
-- fragment.

CREATE OR REPLACE FUNCTION domxfer._decide_due_transfer(transfer_id bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
	d domxfer.domains;
	v_blockers text[];
BEGIN
	SELECT * INTO t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _decide_due_transfer.transfer_id
	   FOR UPDATE;
	-- a registry-managed transfer is decided by the registry (SPEC §8), never here
	IF NOT FOUND OR t.due_at IS NULL OR t.due_at OPERATOR(pg_catalog.>) at OR t.registry_managed THEN
		RETURN false;
	END IF;

	IF t.state OPERATOR(pg_catalog.=) 'auth_code_issued' THEN
		PERFORM domxfer._finish_transfer(t, 'expired', t.auth_code_expires_at, '{auth_code_expired}', NULL);
		RETURN true;
	END IF;

	-- pending: eligible at the deadline (not now) completes, else it is rejected
	SELECT * INTO STRICT d FROM domxfer.domains dm
	 WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name
	   FOR UPDATE;
	v_blockers := domxfer._blockers_ignoring_own(d, t.deadline, t.manual);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.=) 0 THEN
		PERFORM domxfer._finish_transfer(t, 'completed', t.deadline, '{auto_approved}', NULL);
	ELSE
		PERFORM domxfer._finish_transfer(t, 'rejected', t.deadline, v_blockers, NULL);
	END IF;
	RETURN true;
END
$$;

COMMENT ON FUNCTION domxfer._decide_due_transfer(bigint, timestamptz) IS 'Internal (worker contract): locks a transfer and, if it is due at "at", decides it as of its own due instant (pending: completed or rejected at the deadline; auth_code_issued: expired at the code''s expiry); false if it was not due or already decided';

CREATE OR REPLACE FUNCTION domxfer._due_transfer_ids(at timestamptz, max_rows integer)
RETURNS SETOF bigint
LANGUAGE sql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
	SELECT t.id
	  FROM domxfer.transfers t
	 WHERE t.due_at OPERATOR(pg_catalog.<=) at
	   AND NOT t.registry_managed
	 ORDER BY t.due_at, t.id
	 LIMIT max_rows
	   FOR UPDATE SKIP LOCKED
$$;

COMMENT ON FUNCTION domxfer._due_transfer_ids(timestamptz, integer) IS 'Internal (worker contract): locks and returns up to max_rows open transfers due at "at", earliest due first, skipping rows other sessions hold';

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
		   AND NOT t.registry_managed
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

COMMENT ON FUNCTION domxfer._decide_due_batch(timestamptz, integer, bigint[]) IS 'Internal (worker contract): locks up to max_rows open transfers due at "at" (skipping rows other sessions hold and the ids in skip_ids) and decides them all set-based, each as of its own due instant, with the same outcomes, events and notifications as _decide_due_transfer; returns how many it decided';

CREATE OR REPLACE FUNCTION domxfer._next_due_at()
RETURNS timestamptz
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	-- registry-managed transfers are not due at their deadline; the worker
	-- looks at them at the latest registry_answer_lead before it (SPEC §8)
	RETURN LEAST(
		(SELECT pg_catalog.min(t.due_at) FROM domxfer.transfers t WHERE NOT t.registry_managed),
		domxfer._next_registry_check_at(pg_catalog.now()));
END
$$;

COMMENT ON FUNCTION domxfer._next_due_at() IS 'Internal (worker contract): the earliest due instant of any open transfer that is not registry-managed, or the earliest acDate minus registry_answer_lead still to come of a registry-managed one, NULL if none';

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
	IF (domxfer._policy_for(v_name)).registry_transfers THEN
		RAISE EXCEPTION 'the registry of .% handles transfer requests', domxfer.domain_tld(v_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = 'The gaining registrar sends its request and the auth code to the registry, which checks the code.',
				  HINT = 'Feed the registry''s message to domxfer.apply_registry_message().';
	END IF;

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

COMMENT ON FUNCTION domxfer.receive_transfer_request(text, text, text) IS 'Lifecycle step 2: the gaining registrar''s request (gaining_registrar: an EPP client identifier other than ours, else 22023). White space and zero-width characters pasted with the code are removed before it is compared (SPEC §1c). The right code makes the transfer pending until now + auto_approve_days; a wrong, expired or revoked code fails with 28P01 (a wrong one is counted; the 5th revokes the code). The code is compared only in a committed side transaction (a short-lived background worker) that counts a wrong one; when no worker slot frees up within 1 s (53000) or the worker cannot lock the transfer within 1 s (55P03), nothing is compared or counted and the right and a wrong code get the same error: retry. A code issued in the calling transaction itself is compared in that transaction, without a worker and without counting. Refused (55000) for a TLD whose policy has registry_transfers: the registry checks codes there (SPEC §8)';

CREATE OR REPLACE FUNCTION domxfer.cancel_transfer_out(transfer_id bigint, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_back_days integer;
BEGIN
	IF t.state OPERATOR(pg_catalog.=) 'completed' THEN
		v_back_days := (domxfer._policy_for(t.domain_name)).min_days_after_transfer;
		RAISE EXCEPTION 'domain "%" has already been transferred out', t.domain_name
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
	-- the registry decides: the holder's objection becomes a reject command
	IF t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
		PERFORM domxfer._registry_answer(t, 'reject', '{holder_cancelled}');
		RETURN;
	END IF;
	PERFORM domxfer._finish_transfer(t, 'cancelled', v_now, '{holder_cancelled}', reason);
END
$$;

COMMENT ON FUNCTION domxfer.cancel_transfer_out(bigint, text) IS 'Lifecycle step 3: the holder cancels an open transfer; refused (55000) once it is decided, e.g. after its deadline, with the date from which the domain can be transferred back. A registry-managed pending transfer stays pending: the cancellation becomes a reject command for the registry (SPEC §8)';

CREATE OR REPLACE FUNCTION domxfer.approve_transfer_out(transfer_id bigint)
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
	SELECT * INTO STRICT d FROM domxfer.domains dm WHERE dm.name OPERATOR(pg_catalog.=) t.domain_name FOR UPDATE;
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

CREATE OR REPLACE FUNCTION domxfer.process_due_transfers(at timestamptz DEFAULT pg_catalog.now(), max_rows integer DEFAULT 1000)
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

