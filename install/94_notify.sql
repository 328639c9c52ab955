-- NOTIFY as a doorbell, and batch marks for the outbox (SPEC §3 and §9, 0.3.0).
--
-- domxfer.notify decides how lifecycle commits wake listeners (src/doorbell.c):
-- each state change asks domxfer._transfer_doorbell() whether to send 0.2.0's
-- NOTIFY itself (each) or to leave one payload-less NOTIFY per any number of
-- commits to the background worker (coalesced). Listeners read what happened
-- with transfer_events_since(cursor), whose cursor is a snapshot: an event is
-- new to a cursor when the transaction that wrote it is not visible in it.
--
-- This fragment is also the upgrade's (a link): it only adds objects, and
-- its columns are added without a stored value (NULL for events and claims
-- made before 0.3.0), so an upgrade rewrites no table.

CREATE FUNCTION domxfer._transfer_doorbell()
RETURNS boolean
AS 'MODULE_PATHNAME', 'domxfer_transfer_doorbell'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION domxfer._transfer_doorbell() IS 'Internal: asked once per state change. true: domxfer.notify is each here, the caller sends NOTIFY domxfer_transfer with its payload; false: coalesced, the transaction rings the worker''s doorbell when it commits (one payload-less NOTIFY for any number of commits). Raises nothing';

-- Which transaction wrote an event: the cursor of transfer_events_since.
ALTER TABLE domxfer.transfer_events ADD COLUMN xact_id xid8;
ALTER TABLE domxfer.transfer_events ALTER COLUMN xact_id SET DEFAULT pg_catalog.pg_current_xact_id();

COMMENT ON COLUMN domxfer.transfer_events.xact_id IS 'xid8: the top-level transaction that wrote the event (pg_current_xact_id()); what transfer_events_since compares with its cursor. NULL for events written before 0.3.0';

CREATE INDEX transfer_events_by_xact ON domxfer.transfer_events (xact_id);

CREATE FUNCTION domxfer.transfer_events_since(cursor pg_snapshot, OUT next_cursor pg_snapshot, OUT events jsonb)
RETURNS record
LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
	-- one statement, one snapshot: the rows read are exactly those of the
	-- transactions visible in next_cursor. A row whose transaction is not
	-- visible in that snapshot although the row is (restored from another
	-- cluster) counts as old.
	SELECT pg_catalog.pg_current_snapshot(),
		   COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
								'event_id', e.id, 'transfer_id', e.transfer_id, 'domain', t.domain_name,
								'state', e.to_state, 'from_state', e.from_state, 'at', domxfer._rfc3339(e.at),
								'actor', e.actor, 'detail', e.detail) ORDER BY e.id)
					   FROM domxfer.transfer_events e
					   JOIN domxfer.transfers t ON t.id OPERATOR(pg_catalog.=) e.transfer_id
					  WHERE $1 IS NOT NULL
						AND e.xact_id OPERATOR(pg_catalog.>=) pg_catalog.pg_snapshot_xmin($1)
						AND NOT pg_catalog.pg_visible_in_snapshot(e.xact_id, $1)
						AND pg_catalog.pg_visible_in_snapshot(e.xact_id, pg_catalog.pg_current_snapshot())),
					'[]'::jsonb)
$$;

COMMENT ON FUNCTION domxfer.transfer_events_since(pg_snapshot) IS 'The listener''s read after a NOTIFY domxfer_transfer (SPEC §3, 0.3.0): events (jsonb array, in id order, of {"event_id", "transfer_id", "domain", "state", "from_state", "at" (RFC 3339 UTC), "actor", "detail"}) of every transaction committed since cursor was returned, each exactly once over a chain of calls, also when ids commit out of id order; next_cursor (pg_snapshot) is the cursor for the next call. cursor NULL: no events, only a cursor to start from (read history from domxfer.transfer_events). Call it outside the transaction that changes transfers; events of transactions that wrote before 0.3.0 are never returned. domxfer_reader and up. Raises 22P02 for a malformed cursor (its cast)';

-- Claim fencing: which session holds a notice's lease.
CREATE FUNCTION domxfer._mailer_session_id()
RETURNS bigint
AS 'MODULE_PATHNAME', 'domxfer_mailer_session_id'
LANGUAGE C VOLATILE;

COMMENT ON FUNCTION domxfer._mailer_session_id() IS 'Internal: this session''s claim identifier (64 random bits, drawn once per session), stored by claim_notices in notices.claimed_by. Raises XX000 only if the server has no strong random source';

ALTER TABLE domxfer.notices ADD COLUMN claimed_by bigint;

COMMENT ON COLUMN domxfer.notices.claimed_by IS 'bigint: the session that took the current (or last) claim (domxfer._mailer_session_id()); while that claim''s lease runs, marks and failure reports from other sessions change nothing. NULL if never claimed since 0.3.0';

CREATE FUNCTION domxfer._warn_held_by_another_mailer(ids bigint[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_first domxfer.notices;
BEGIN
	SELECT n.* INTO v_first FROM domxfer.notices n WHERE n.id OPERATOR(pg_catalog.=) ids[1];
	RAISE WARNING 'this report changed nothing: % claimed by another mailer', CASE pg_catalog.cardinality(ids)
			WHEN 1 THEN pg_catalog.format('notice %s is', ids[1])
			ELSE pg_catalog.format('%s notices are', pg_catalog.cardinality(ids)) END
		USING DETAIL = pg_catalog.format('Another session holds the claim on %s and its lease runs (attempt %s of notice %s); until it ends, only that session''s reports count. Notices: %s.',
										 CASE pg_catalog.cardinality(ids) WHEN 1 THEN 'it' ELSE 'them' END,
										 v_first.attempts, v_first.id,
										 pg_catalog.array_to_string(ids[1:20], ', ')
										 OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.cardinality(ids) OPERATOR(pg_catalog.>) 20
																	 THEN ', ...' ELSE '' END),
			  HINT = 'The other mailer sends and marks them. Use a lease longer than sending a batch takes.';
END
$$;

COMMENT ON FUNCTION domxfer._warn_held_by_another_mailer(bigint[]) IS 'Internal: the WARNING (SQLSTATE 01000) of a mark or failure report that changed nothing because other mailers hold the notices';

CREATE FUNCTION domxfer.mark_notices_sent(ids bigint[])
RETURNS integer
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
	v_now timestamptz := pg_catalog.clock_timestamp();
	v_me bigint := domxfer._mailer_session_id();
	v_marked integer;
	v_unknown bigint;
	v_held bigint[];
BEGIN
	IF pg_catalog.array_ndims(ids) OPERATOR(pg_catalog.>) 1 THEN
		RAISE EXCEPTION 'notice ids must be a one-dimensional array'
			USING ERRCODE = 'invalid_parameter_value',
				  DETAIL = pg_catalog.format('The array has %s dimensions.', pg_catalog.array_ndims(ids)),
				  HINT = 'Pass the ids claim_notices returned, e.g. ARRAY[1, 2, 3].';
	END IF;
	IF ids IS NULL OR pg_catalog.array_position(ids, NULL) IS NOT NULL THEN
		RAISE EXCEPTION 'notice ids must not be NULL' USING ERRCODE = 'null_value_not_allowed';
	END IF;
	UPDATE domxfer.notices n
	   SET sent_at = v_now,
		   claimed_until = NULL,
		   code_ciphertext = NULL
	 WHERE n.id OPERATOR(pg_catalog.=) ANY (ids)
	   AND n.sent_at IS NULL
	   -- not while another session's claim runs
	   AND (n.claimed_until IS NULL OR n.claimed_until OPERATOR(pg_catalog.<=) v_now
			OR n.claimed_by IS NULL OR n.claimed_by OPERATOR(pg_catalog.=) v_me);
	GET DIAGNOSTICS v_marked = ROW_COUNT;
	IF v_marked OPERATOR(pg_catalog.<) pg_catalog.cardinality(ids) THEN
		SELECT i.id INTO v_unknown
		  FROM pg_catalog.unnest(ids) AS i(id)
		 WHERE NOT EXISTS (SELECT FROM domxfer.notices n WHERE n.id OPERATOR(pg_catalog.=) i.id)
		 LIMIT 1;
		IF FOUND THEN
			RAISE EXCEPTION 'notice % does not exist', v_unknown
				USING ERRCODE = 'no_data_found',
					  DETAIL = 'No notice was marked sent.';
		END IF;
		SELECT pg_catalog.array_agg(n.id ORDER BY n.id) INTO v_held
		  FROM domxfer.notices n
		 WHERE n.id OPERATOR(pg_catalog.=) ANY (ids)
		   AND n.sent_at IS NULL
		   AND n.claimed_until OPERATOR(pg_catalog.>) v_now
		   AND n.claimed_by OPERATOR(pg_catalog.<>) v_me;
		IF v_held IS NOT NULL THEN
			PERFORM domxfer._warn_held_by_another_mailer(v_held);
		END IF;
	END IF;
	RETURN v_marked;
END
$$;

COMMENT ON FUNCTION domxfer.mark_notices_sent(bigint[]) IS 'The mailer reports a batch of notices sent in one statement (SPEC §9, 0.3.0): as mark_notice_sent for each id; returns how many it closed (integer). Not counted: notices already sent, and notices another mailer holds now (claimed again after this session''s lease ended; their ids in a WARNING, SQLSTATE 01000): a stale mailer never voids a live claim. 22004 for a NULL array or element, 22023 for an array of more than one dimension, P0002 for an unknown id (then nothing is marked); an empty array marks nothing. domxfer_app';

REVOKE EXECUTE ON FUNCTION
	domxfer._transfer_doorbell(),
	domxfer.transfer_events_since(pg_snapshot),
	domxfer._mailer_session_id(),
	domxfer._warn_held_by_another_mailer(bigint[]),
	domxfer.mark_notices_sent(bigint[])
FROM PUBLIC;

-- listeners read events (the reader may read transfer_events already); the
-- mailer (domxfer_app) marks
GRANT EXECUTE ON FUNCTION domxfer.transfer_events_since(pg_snapshot) TO domxfer_reader;
GRANT EXECUTE ON FUNCTION domxfer.mark_notices_sent(bigint[]) TO domxfer_app;
