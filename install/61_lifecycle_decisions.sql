-- The transfer lifecycle (SPEC §3), continued: deciding a due transfer (as of
-- its own due instant, alone or in the worker's set-based batch), and
-- reading or locking a transfer after deciding it. The conventions of the
-- lifecycle fragments are at the top of 60_lifecycle_helpers.sql.

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

REVOKE EXECUTE ON FUNCTION
	domxfer._decide_due_transfer(bigint, timestamptz),
	domxfer._due_transfer_ids(timestamptz, integer),
	domxfer._decide_due_batch(timestamptz, integer, bigint[]),
	domxfer._next_due_at(),
	domxfer._settle_transfer(bigint, timestamptz),
	domxfer._lock_transfer(bigint, timestamptz)
FROM PUBLIC;
