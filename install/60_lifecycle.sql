-- The transfer lifecycle (SPEC §3): the only way transfers change.
--
-- Conventions of this fragment:
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

CREATE FUNCTION domxfer._policy_for(domain_name text)
RETURNS domxfer.tld_policy
LANGUAGE sql STABLE STRICT PARALLEL SAFE
RETURN (SELECT p FROM domxfer.tld_policy p
		 WHERE p.tld OPERATOR(pg_catalog.=) ANY (ARRAY[domxfer.domain_tld(domain_name), '*'])
		 ORDER BY p.tld OPERATOR(pg_catalog.=) '*'
		 LIMIT 1);

COMMENT ON FUNCTION domxfer._policy_for(text) IS 'Internal: the tld_policy row of a domain''s TLD, or the default row ''*''';

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

-- Decides one due transfer as of its own due instant; false if it is not due.
CREATE FUNCTION domxfer._decide_due_transfer(transfer_id bigint, at timestamptz)
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
	-- (NO KEY UPDATE, as the update below takes: an application's KEY SHARE,
	-- e.g. from a row that references the domain, does not stop it)
	d := domxfer._domain_locked(t.domain_name);
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

CREATE FUNCTION domxfer._due_transfer_ids(at timestamptz, max_rows integer)
RETURNS SETOF bigint
LANGUAGE plpgsql VOLATILE STRICT
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
	IF domxfer._source_attached() THEN
		-- a registrar's own table: its row is locked by the decision itself
		-- (_decide_due_batch skips one an application holds)
		RETURN QUERY
		SELECT t.id
		  FROM domxfer.transfers t
		 WHERE t.due_at OPERATOR(pg_catalog.<=) _due_transfer_ids.at
		   AND NOT t.registry_managed
		   AND NOT domxfer._restore_in_progress()
		 ORDER BY t.due_at, t.id
		 LIMIT max_rows
		   FOR UPDATE OF t SKIP LOCKED;
		RETURN;
	END IF;
	-- the domain is locked too, skipping it if an application holds it: the
	-- decision updates it, and waiting there would stall every other transfer
	RETURN QUERY
	SELECT t.id
	  FROM domxfer.transfers t
	  JOIN domxfer.domains d ON d.name OPERATOR(pg_catalog.=) t.domain_name
	 WHERE t.due_at OPERATOR(pg_catalog.<=) _due_transfer_ids.at
	   AND NOT t.registry_managed
	   AND NOT domxfer._restore_in_progress()
	 ORDER BY t.due_at, t.id
	 LIMIT max_rows
	   FOR UPDATE OF t SKIP LOCKED
	   FOR NO KEY UPDATE OF d SKIP LOCKED;
END
$$;

COMMENT ON FUNCTION domxfer._due_transfer_ids(timestamptz, integer) IS 'Internal (worker contract): locks and returns up to max_rows open transfers due at "at", earliest due first, with their domains, skipping transfers whose transfer or domain row another session holds (they are retried by a later pass) and returning none while a dump is being restored into the database';

-- The set-based form of _decide_due_transfer for a whole batch: the same
-- outcomes, events and notifications, but one statement per table instead
-- of a PL/pgSQL call per transfer (the catch-up after downtime was bound by
-- those calls). Locking order as everywhere: transfers, then their domains.
-- Any error fails the whole batch; callers then fall back to
-- _decide_due_transfer row by row to find and set aside the failing row.
CREATE FUNCTION domxfer._decide_due_batch(at timestamptz, max_rows integer, skip_ids bigint[])
RETURNS integer
LANGUAGE plpgsql STRICT
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_decided integer;
	v_ids bigint[];
	v_names text[];
	v_lock_timeout text := pg_catalog.current_setting('lock_timeout');
BEGIN
	-- a registrar's own table: one decision at a time, each reading its
	-- domain through the map as the role that attached it
	IF domxfer._source_attached() THEN
		v_decided := 0;
		FOR v_ids IN
			SELECT ARRAY[t.id] FROM domxfer.transfers t
			 WHERE t.due_at OPERATOR(pg_catalog.<=) _decide_due_batch.at
			   AND NOT t.registry_managed
			   AND t.id OPERATOR(pg_catalog.<>) ALL (skip_ids)
			   AND NOT domxfer._restore_in_progress()
			 ORDER BY t.due_at, t.id
			 LIMIT max_rows
			   FOR UPDATE OF t SKIP LOCKED
		LOOP
			BEGIN
				-- a registrar row an application holds is skipped, never
				-- waited for: a later pass decides it (as of its deadline)
				PERFORM pg_catalog.set_config('lock_timeout', '1ms', true);
				IF domxfer._decide_due_transfer(v_ids[1], at) THEN
					v_decided := v_decided OPERATOR(pg_catalog.+) 1;
				END IF;
				PERFORM pg_catalog.set_config('lock_timeout', v_lock_timeout, true);
			EXCEPTION WHEN lock_not_available THEN
				NULL;
			END;
		END LOOP;
		RETURN v_decided;
	END IF;
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
		   AND NOT domxfer._restore_in_progress()
		 ORDER BY t.due_at, t.id
		 LIMIT max_rows
		   FOR UPDATE OF t SKIP LOCKED
		   -- a domain an application holds is skipped, never waited for
		   FOR NO KEY UPDATE OF d SKIP LOCKED
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
	-- every row counted; NOTIFY per row only when domxfer.notify is each
	SELECT pg_catalog.count(CASE WHEN domxfer._transfer_doorbell() THEN pg_catalog.pg_notify('domxfer_transfer',
			   pg_catalog.jsonb_build_object('transfer_id', x.id, 'domain', x.domain_name,
											 'state', x.state)::text) END IS NULL),
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

COMMENT ON FUNCTION domxfer._decide_due_batch(timestamptz, integer, bigint[]) IS 'Internal (worker contract): locks up to max_rows open transfers due at "at" with their domains (skipping transfers whose transfer or domain row another session holds, the ids in skip_ids, and all of them while a dump is being restored into the database) and decides them all set-based, each as of its own due instant, with the same outcomes, events and notifications as _decide_due_transfer; returns how many it decided';

-- PL/pgSQL rather than SQL: an SQL function whose body is a sub-select is
-- not inlined and is planned again on every call, which was most of the
-- worker's idle cost; PL/pgSQL keeps the plan.
CREATE FUNCTION domxfer._next_due_at()
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

CREATE FUNCTION domxfer._settle_transfer(transfer_id bigint, at timestamptz)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	IF transfer_id IS NULL THEN
		RAISE EXCEPTION 'transfer id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	SELECT * INTO t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _settle_transfer.transfer_id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'transfer % does not exist', transfer_id USING ERRCODE = 'no_data_found';
	END IF;
	IF t.due_at OPERATOR(pg_catalog.<=) at THEN
		IF NOT domxfer._decide_in_side_transaction(t.id, at) THEN
			PERFORM domxfer._decide_due_transfer(t.id, at);
		END IF;
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _settle_transfer.transfer_id;
	END IF;
	RETURN t;
END
$$;

COMMENT ON FUNCTION domxfer._settle_transfer(bigint, timestamptz) IS 'Internal: reads a transfer without locking it, after deciding it (committed, in a side transaction) if it is due at "at"; P0002 if unknown';

CREATE FUNCTION domxfer._lock_transfer(transfer_id bigint, at timestamptz)
RETURNS domxfer.transfers
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	t domxfer.transfers;
BEGIN
	PERFORM domxfer._settle_transfer(transfer_id, at);
	SELECT * INTO STRICT t FROM domxfer.transfers tr
	 WHERE tr.id OPERATOR(pg_catalog.=) _lock_transfer.transfer_id
	   FOR UPDATE;
	-- it may have fallen due while we waited for the lock
	IF t.due_at OPERATOR(pg_catalog.<=) at AND domxfer._decide_due_transfer(t.id, at) THEN
		SELECT * INTO STRICT t FROM domxfer.transfers tr WHERE tr.id OPERATOR(pg_catalog.=) _lock_transfer.transfer_id;
	END IF;
	RETURN t;
END
$$;

COMMENT ON FUNCTION domxfer._lock_transfer(bigint, timestamptz) IS 'Internal: locks a transfer FOR UPDATE after deciding it if it is due at "at"; P0002 if unknown';

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

CREATE FUNCTION domxfer._add_working_days(start timestamptz, n integer, time_zone text, tld text)
RETURNS timestamptz
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_day date := pg_catalog.timezone(time_zone, start)::date;
	v_counted integer := 0;
	v_steps integer := 0;
BEGIN
	WHILE v_counted OPERATOR(pg_catalog.<) n LOOP
		v_day := v_day OPERATOR(pg_catalog.+) 1;
		v_steps := v_steps OPERATOR(pg_catalog.+) 1;
		IF v_steps OPERATOR(pg_catalog.>) 3660 THEN
			RAISE EXCEPTION 'no % working days within ten years after %', n, start
				USING ERRCODE = 'data_exception',
					  HINT = 'Check domxfer.holidays.';
		END IF;
		IF pg_catalog.date_part('isodow', v_day) OPERATOR(pg_catalog.<) 6
		   AND NOT EXISTS (SELECT FROM domxfer.holidays h
							WHERE h.day OPERATOR(pg_catalog.=) v_day
							  AND h.tld OPERATOR(pg_catalog.=) ANY (ARRAY[_add_working_days.tld, '*'])) THEN
			v_counted := v_counted OPERATOR(pg_catalog.+) 1;
		END IF;
	END LOOP;
	-- the end of the last working day: midnight at its end, local time
	RETURN pg_catalog.timezone(time_zone, (v_day OPERATOR(pg_catalog.+) 1)::timestamp);
END
$$;

COMMENT ON FUNCTION domxfer._add_working_days(timestamptz, integer, text, text) IS 'Internal: the end (local midnight) of the n-th working day (Monday to Friday, not in domxfer.holidays for the TLD or ''*'') after the local calendar day of "start", in time zone time_zone';

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
	-- the registry decides: the holder's objection becomes a reject command
	IF t.registry_managed AND t.state OPERATOR(pg_catalog.=) 'pending' THEN
		PERFORM domxfer._registry_answer(t, 'reject', '{holder_cancelled}');
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

-- Lifecycle step 7: the document-based process of .hk and .香港

CREATE FUNCTION domxfer.open_manual_transfer(name text)
RETURNS bigint
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
BEGIN
	IF NOT (domxfer._policy_for(v_name)).manual_process THEN
		RAISE EXCEPTION 'domain "%" does not use the manual transfer process', domxfer._shown_name(v_name)
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  HINT = 'Use domxfer.request_transfer_out().';
	END IF;
	v_open := (domxfer._domain_row(v_name)).open_transfer_id;
	IF v_open IS NOT NULL THEN
		PERFORM domxfer._settle_transfer(v_open, v_now);
	END IF;

	d := domxfer._domain_locked(v_name);
	v_blockers := pg_catalog.array_remove(COALESCE(domxfer.transfer_out_blockers(d, v_now), ARRAY['status_unreadable']::text[]),
										  'manual_process_required');
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(v_name, v_blockers);
	END IF;

	INSERT INTO domxfer.transfers (domain_name, state, manual, created_at)
	VALUES (v_name, 'awaiting_documents', true, v_now)
	RETURNING * INTO t;
	PERFORM domxfer._domain_transfer_opened(v_name, t.id);
	PERFORM domxfer._log_transfer_event(t, NULL, pg_catalog.jsonb_build_object('action', 'manual_requested'));
	RETURN t.id;
END
$$;

COMMENT ON FUNCTION domxfer.open_manual_transfer(text) IS 'Lifecycle step 7 (.hk, .香港): opens a transfer in state awaiting_documents; the domain must pass every rule but R9';

CREATE FUNCTION domxfer.record_documents_received(transfer_id bigint)
RETURNS timestamptz
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	t domxfer.transfers := domxfer._lock_transfer(transfer_id, v_now);
	v_policy domxfer.tld_policy;
BEGIN
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'record documents');
	END IF;
	IF t.documents_received_at IS NOT NULL THEN
		RAISE EXCEPTION 'documents were already recorded for this transfer'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('The documents of transfer %s arrived at %s; the answer is due by %s.',
											 t.id, domxfer._utc_text(t.documents_received_at),
											 domxfer._utc_text(t.answer_deadline));
	END IF;
	v_policy := domxfer._policy_for(t.domain_name);
	UPDATE domxfer.transfers tr
	   SET documents_received_at = v_now,
		   answer_deadline = domxfer._add_working_days(v_now, v_policy.manual_answer_working_days,
													   v_policy.business_time_zone,
													   domxfer.domain_tld(t.domain_name))
	 WHERE tr.id OPERATOR(pg_catalog.=) t.id
	RETURNING * INTO t;
	PERFORM domxfer._log_transfer_event(t, t.state,
		pg_catalog.jsonb_build_object('action', 'documents_received', 'answer_deadline', t.answer_deadline));
	RETURN t.answer_deadline;
END
$$;

COMMENT ON FUNCTION domxfer.record_documents_received(bigint) IS 'Lifecycle step 7: records that the holder''s documents arrived and returns the answer deadline: the end of the policy''s manual_answer_working_days-th working day after the arrival day, in the TLD''s business_time_zone';

CREATE FUNCTION domxfer.approve_manual_transfer(transfer_id bigint)
RETURNS text
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
	IF t.state OPERATOR(pg_catalog.<>) 'awaiting_documents' THEN
		PERFORM domxfer._raise_wrong_state(t, 'approve the manual transfer');
	END IF;
	IF t.documents_received_at IS NULL THEN
		RAISE EXCEPTION 'cannot approve the manual transfer: no documents have been recorded'
			USING ERRCODE = 'object_not_in_prerequisite_state',
				  DETAIL = pg_catalog.format('Transfer %s is awaiting documents.', t.id),
				  HINT = 'Call domxfer.record_documents_received() when the holder''s documents arrive.';
	END IF;
	d := domxfer._domain_locked(t.domain_name);
	v_blockers := domxfer._blockers_ignoring_own(d, v_now, true);
	IF pg_catalog.cardinality(v_blockers) OPERATOR(pg_catalog.>) 0 THEN
		PERFORM domxfer._raise_not_eligible(t.domain_name, v_blockers);
	END IF;
	RETURN domxfer._issue_auth_code(t, v_now, 'documents_approved');
END
$$;

COMMENT ON FUNCTION domxfer.approve_manual_transfer(bigint) IS 'Lifecycle step 7: approves the documents of a manual transfer, issues its auth code (returned once) and continues at step 2';

CREATE VIEW domxfer.overdue_manual_requests AS
SELECT t.id AS transfer_id,
	   t.domain_name,
	   domxfer.domain_to_unicode(t.domain_name) AS unicode_name,
	   t.created_at,
	   t.documents_received_at,
	   t.answer_deadline,
	   pg_catalog.now() OPERATOR(pg_catalog.-) t.answer_deadline AS overdue_by
  FROM domxfer.transfers t
 WHERE t.state OPERATOR(pg_catalog.=) 'awaiting_documents'
   AND t.answer_deadline OPERATOR(pg_catalog.<) pg_catalog.now();

COMMENT ON VIEW domxfer.overdue_manual_requests IS 'Manual (.hk, .香港) transfer requests whose documents arrived but were not answered by the answer deadline';
COMMENT ON COLUMN domxfer.overdue_manual_requests.transfer_id IS 'The transfer';
COMMENT ON COLUMN domxfer.overdue_manual_requests.domain_name IS 'The domain (A-label)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.unicode_name IS 'The domain for display (Unicode)';
COMMENT ON COLUMN domxfer.overdue_manual_requests.created_at IS 'When the holder asked to transfer out';
COMMENT ON COLUMN domxfer.overdue_manual_requests.documents_received_at IS 'When the documents arrived';
COMMENT ON COLUMN domxfer.overdue_manual_requests.answer_deadline IS 'When the answer was due';
COMMENT ON COLUMN domxfer.overdue_manual_requests.overdue_by IS 'How long past the answer deadline it is now';

REVOKE EXECUTE ON FUNCTION
	domxfer._days(integer),
	domxfer._utc_text(timestamptz),
	domxfer._policy_for(text),
	domxfer._blockers_ignoring_own(domxfer.domains, timestamptz, boolean),
	domxfer._known_domain(text),
	domxfer._raise_not_eligible(text, text[]),
	domxfer._raise_wrong_state(domxfer.transfers, text),
	domxfer._log_transfer_event(domxfer.transfers, domxfer.transfer_state, jsonb),
	domxfer._finish_transfer(domxfer.transfers, domxfer.transfer_state, timestamptz, text[], text),
	domxfer._issue_auth_code(domxfer.transfers, timestamptz, text),
	domxfer._decide_due_transfer(bigint, timestamptz),
	domxfer._due_transfer_ids(timestamptz, integer),
	domxfer._decide_due_batch(timestamptz, integer, bigint[]),
	domxfer._next_due_at(),
	domxfer._settle_transfer(bigint, timestamptz),
	domxfer._lock_transfer(bigint, timestamptz),
	domxfer._count_failed_auth_attempt(bigint, bytea),
	domxfer._check_auth_code(bigint, bytea, text, timestamptz),
	domxfer._add_working_days(timestamptz, integer, text, text),
	domxfer.request_transfer_out(text),
	domxfer.reissue_auth_code(bigint),
	domxfer.receive_transfer_request(text, text, text),
	domxfer.cancel_transfer_out(bigint, text),
	domxfer.approve_transfer_out(bigint),
	domxfer.process_due_transfers(timestamptz, integer),
	domxfer.open_manual_transfer(text),
	domxfer.record_documents_received(bigint),
	domxfer.approve_manual_transfer(bigint)
FROM PUBLIC;
