-- make loadtest: the invariants, checked after the load (and after every
-- crash restart of the crash loop). One row per check: name, number of
-- breaches, and up to three examples. scripts/run-loadtest.sh fails when
-- any count is not 0.
--
-- psql variable check_overdue: 'on' adds the check that no open transfer is
-- past its due instant by more than :grace (only at the end, after giving
-- the worker a moment; right after a crash restart it is still catching up).

\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';

-- Each transfer's events in order, with the state before each one.
CREATE TEMP VIEW chain AS
SELECT e.*,
	   lag(e.to_state) OVER w AS previous_to_state,
	   row_number() OVER w AS n,
	   count(*) OVER (PARTITION BY e.transfer_id) AS events
  FROM domxfer.transfer_events e
WINDOW w AS (PARTITION BY e.transfer_id ORDER BY e.id);

-- Every change of a domain's sponsor: completed transfers and win-backs.
CREATE TEMP VIEW sponsor_changes AS
SELECT domain_name, decided_at AS at, gaining_registrar AS registrar, 'completed' AS kind
  FROM domxfer.transfers WHERE state = 'completed'
UNION ALL
SELECT domain_name, at, current_setting('domxfer.registrar_id'), 'win_back'
  FROM loadtest.win_backs;

CREATE TEMP TABLE breaches (check_name text, example text);

-- 1. at most one open transfer per domain
INSERT INTO breaches
SELECT 'at most one open transfer per domain', domain_name || ': ' || count(*) || ' open'
  FROM domxfer.transfers WHERE state < 'completed'
 GROUP BY domain_name HAVING count(*) > 1;

-- 2. domains.open_transfer_id names exactly the open transfer
INSERT INTO breaches
SELECT 'domains.open_transfer_id = the open transfer',
	   d.name || ': open_transfer_id ' || coalesce(d.open_transfer_id::text, 'NULL') || ', open ' || coalesce(o.id::text, 'none')
  FROM domxfer.domains d
  LEFT JOIN domxfer.transfers o ON o.domain_name = d.name AND o.state < 'completed'
 WHERE d.open_transfer_id IS DISTINCT FROM o.id;

-- 3. pendingTransfer status exactly while a transfer is pending
INSERT INTO breaches
SELECT 'pendingTransfer status iff a pending transfer', d.name || ': ' || d.status::text
  FROM domxfer.domains d
 WHERE (d.status OPERATOR(domxfer.@>) 'pendingTransfer'::domxfer.domain_status) <> EXISTS (SELECT FROM domxfer.transfers t
												  WHERE t.domain_name = d.name AND t.state = 'pending');

-- 4. the events replay each transfer: the first has from_state NULL, each
-- from_state is the previous to_state, the last to_state is the state
INSERT INTO breaches
SELECT 'events replay the state sequence', 'event ' || c.id || ' of transfer ' || c.transfer_id || ': '
	   || coalesce(c.from_state::text, 'NULL') || ' after ' || coalesce(c.previous_to_state::text, 'nothing')
  FROM chain c
 WHERE (c.n = 1) <> (c.from_state IS NULL)
	OR (c.n > 1 AND c.from_state IS DISTINCT FROM c.previous_to_state);
INSERT INTO breaches
SELECT 'events replay the state sequence', 'transfer ' || t.id || ' is ' || t.state || ', its last event says '
	   || coalesce(c.to_state::text, 'nothing (no events)')
  FROM domxfer.transfers t
  LEFT JOIN chain c ON c.transfer_id = t.id AND c.n = c.events
 WHERE c.to_state IS DISTINCT FROM t.state;

-- 5. every event is a legal state change (or one of the three same-state
-- events: code reissued, code revoked, documents received)
INSERT INTO breaches
SELECT 'every event is a legal state change', 'event ' || e.id || ': ' || coalesce(e.from_state::text, 'NULL')
	   || ' -> ' || e.to_state || ' ' || e.detail::text
  FROM domxfer.transfer_events e
 WHERE (coalesce(e.from_state::text, 'NULL'), e.to_state::text) NOT IN (
		('NULL', 'auth_code_issued'), ('NULL', 'awaiting_documents'),
		('awaiting_documents', 'auth_code_issued'), ('awaiting_documents', 'cancelled'),
		('auth_code_issued', 'pending'), ('auth_code_issued', 'expired'), ('auth_code_issued', 'cancelled'),
		('pending', 'completed'), ('pending', 'rejected'), ('pending', 'cancelled'),
		('auth_code_issued', 'auth_code_issued'), ('awaiting_documents', 'awaiting_documents'))
	OR (e.from_state = e.to_state
		AND (e.from_state, e.detail ->> 'action') NOT IN (
			('auth_code_issued', 'auth_code_reissued'), ('auth_code_issued', 'auth_code_revoked'),
			('awaiting_documents', 'documents_received')));

-- 6. no transfer decided twice: exactly one event into a final state for a
-- final transfer, none for an open one; decided_at set exactly when final
INSERT INTO breaches
SELECT 'decided exactly once', 'transfer ' || t.id || ' (' || t.state || '): ' || count(e.id) || ' final events'
  FROM domxfer.transfers t
  LEFT JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state >= 'completed'
 GROUP BY t.id, t.state
HAVING count(e.id) <> CASE WHEN t.state >= 'completed' THEN 1 ELSE 0 END;
INSERT INTO breaches
SELECT 'decided_at set exactly for final states', 'transfer ' || id || ' (' || state || ') decided_at '
	   || coalesce(decided_at::text, 'NULL')
  FROM domxfer.transfers
 WHERE (state >= 'completed') <> (decided_at IS NOT NULL);

-- 7. each outcome took effect at the right instant, and the final event says so
INSERT INTO breaches
SELECT 'outcome at the right instant', 'transfer ' || t.id || ' ' || t.state || ' ' || t.outcome_reason::text
	   || ' decided_at ' || t.decided_at || ' deadline ' || coalesce(t.deadline::text, 'NULL')
	   || ' code expiry ' || coalesce(t.auth_code_expires_at::text, 'NULL') || ' from ' || e.from_state
  FROM domxfer.transfers t
  JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = t.state
 WHERE t.state >= 'completed'
   AND NOT (CASE
		WHEN t.state = 'completed' AND t.outcome_reason = '{auto_approved}'
			THEN t.decided_at = t.deadline
		WHEN t.state = 'completed' AND t.outcome_reason = '{holder_approved}'
			THEN t.decided_at >= t.requested_at AND t.decided_at < t.deadline
		WHEN t.state = 'rejected'
			THEN t.decided_at = t.deadline AND e.from_state = 'pending'
				 AND NOT t.outcome_reason && '{auto_approved,holder_approved,holder_cancelled,auth_code_expired}'
		WHEN t.state = 'expired'
			THEN t.outcome_reason = '{auth_code_expired}' AND t.decided_at = t.auth_code_expires_at
		WHEN t.state = 'cancelled'
			THEN t.outcome_reason = '{holder_cancelled}'
				 -- "the deadline is the truth": never cancelled at or after its due instant
				 AND CASE e.from_state WHEN 'pending' THEN t.decided_at < t.deadline
									   WHEN 'auth_code_issued' THEN t.decided_at < t.auth_code_expires_at
									   ELSE true END
		ELSE false END
		AND (e.detail ->> 'decided_at')::timestamptz = t.decided_at);

-- 8. a transfer decided at its due instant had that instant set by the
-- time warp (natural deadlines lie days after the run)
INSERT INTO breaches
SELECT 'decided at a warped due instant', 'transfer ' || t.id || ' ' || t.state || ' at ' || t.decided_at
  FROM domxfer.transfers t
 WHERE (t.outcome_reason = '{auto_approved}' OR t.state IN ('rejected', 'expired'))
   AND NOT EXISTS (SELECT FROM loadtest.warps w WHERE w.transfer_id = t.id AND w.new_due = t.decided_at);

-- 9. every completed transfer moved its domain, exactly: replaying the
-- sponsor changes (completions and win-backs, in time order) on the
-- initial rows gives each domain's sponsor and last_transferred_at, and the
-- changes alternate (no completion without the domain being ours)
INSERT INTO breaches
SELECT 'completed transfers moved their domains', d.name || ': sponsor ' || d.sponsoring_registrar
	   || ' last_transferred_at ' || coalesce(d.last_transferred_at::text, 'NULL') || ', expected '
	   || coalesce(l.registrar, i.sponsoring_registrar) || ' '
	   || coalesce(l.at::text, i.last_transferred_at::text, 'NULL')
  FROM domxfer.domains d
  JOIN loadtest.initial_domains i ON i.name = d.name
  LEFT JOIN (SELECT DISTINCT ON (domain_name) * FROM sponsor_changes
			  ORDER BY domain_name, at DESC) AS l ON l.domain_name = d.name
 WHERE d.sponsoring_registrar IS DISTINCT FROM coalesce(l.registrar, i.sponsoring_registrar)
	OR d.last_transferred_at IS DISTINCT FROM coalesce(l.at, i.last_transferred_at);
INSERT INTO breaches
SELECT 'completed transfers moved their domains', domain_name || ': ' || kind || ' at ' || at || ' after ' || coalesce(previous, 'nothing')
  FROM (SELECT s.*, lag(kind) OVER (PARTITION BY domain_name ORDER BY at) AS previous
		  FROM sponsor_changes s) AS c
 WHERE kind = coalesce(previous, 'win_back');

-- 10. no auth-code hash outside auth_code_issued (never on a final transfer)
INSERT INTO breaches
SELECT 'no auth-code hash unless auth_code_issued', 'transfer ' || id || ' (' || state || ')'
  FROM domxfer.transfers
 WHERE (auth_code_hash IS NOT NULL OR auth_code_salt IS NOT NULL) AND state <> 'auth_code_issued';

-- 11. nothing lost, nothing doubled: the operations the clients saw succeed
-- (logged in the same transaction) are exactly the rows and events
INSERT INTO breaches
SELECT 'operations match rows and events', what || ': ' || logged || ' logged, ' || found || ' found'
  FROM (SELECT 'transfers opened' AS what,
			   (SELECT count(*) FROM loadtest.op_log
				 WHERE op IN ('request', 'request_for_receive', 'manual') AND outcome = 'ok') AS logged,
			   (SELECT count(*) FROM domxfer.transfers) AS found
		UNION ALL
		SELECT 'requests received with the right code',
			   (SELECT count(*) FROM loadtest.op_log WHERE op IN ('receive_right_code', 'manual') AND outcome = 'ok'),
			   (SELECT count(*) FROM domxfer.transfer_events WHERE to_state = 'pending')
		UNION ALL
		SELECT 'cancellations',
			   (SELECT count(*) FROM loadtest.op_log WHERE op = 'cancel' AND outcome = 'ok'),
			   (SELECT count(*) FROM domxfer.transfers WHERE state = 'cancelled')
		UNION ALL
		SELECT 'early approvals',
			   (SELECT count(*) FROM loadtest.op_log WHERE op = 'approve' AND outcome = 'ok'),
			   (SELECT count(*) FROM domxfer.transfers WHERE outcome_reason = '{holder_approved}')
		UNION ALL
		SELECT 'auth codes revoked after 5 wrong codes',
			   (SELECT count(*) FROM domxfer.transfers WHERE failed_attempts = 5),
			   (SELECT count(*) FROM domxfer.transfer_events WHERE detail ->> 'action' = 'auth_code_revoked')) AS c
 WHERE logged <> found;

-- 12a. notices to the holder (SPEC §9): every event that owes a notice has
-- exactly one, of the right kind, for the right transfer; no notice without
-- its event (both are written in one transaction, so a crash loses neither
-- alone)
INSERT INTO breaches
SELECT 'every state change owing a notice has exactly one',
	   'event ' || e.id || ' (' || coalesce(e.from_state::text, 'NULL') || ' -> ' || e.to_state || ') owes '
	   || coalesce(domxfer._notice_kind(e.from_state, e.to_state, e.detail)::text, 'none') || ', has '
	   || coalesce(string_agg(n.kind::text, ',' ORDER BY n.id), 'none')
  FROM domxfer.transfer_events e
  LEFT JOIN domxfer.notices n ON n.event_id = e.id
 GROUP BY e.id, e.from_state, e.to_state, e.detail, e.transfer_id
HAVING count(n.id) <> (domxfer._notice_kind(e.from_state, e.to_state, e.detail) IS NOT NULL)::int
	OR bool_or(n.kind IS DISTINCT FROM domxfer._notice_kind(e.from_state, e.to_state, e.detail))
	OR bool_or(n.transfer_id <> e.transfer_id);
INSERT INTO breaches
SELECT 'every state change owing a notice has exactly one', 'notice ' || n.id || ' has no event ' || n.event_id
  FROM domxfer.notices n
 WHERE NOT EXISTS (SELECT FROM domxfer.transfer_events e WHERE e.id = n.event_id);

-- 12. (at the end) no open transfer left past its due instant
\if :{?check_overdue}
\else
\set check_overdue off
\endif
\if :check_overdue
INSERT INTO breaches
SELECT 'no open transfer past its due instant', 'transfer ' || id || ' (' || state || ') due ' || due_at
  FROM domxfer.transfers
 WHERE due_at < clock_timestamp() - :'grace'::interval;
\endif

\pset footer off
SELECT c.check_name, count(b.check_name) AS breaches,
	   coalesce(string_agg(b.example, '; ') FILTER (WHERE b.rn <= 3), '') AS examples
  FROM (VALUES (1, 'at most one open transfer per domain'), (2, 'domains.open_transfer_id = the open transfer'),
			   (3, 'pendingTransfer status iff a pending transfer'), (4, 'events replay the state sequence'),
			   (5, 'every event is a legal state change'), (6, 'decided exactly once'),
			   (7, 'decided_at set exactly for final states'), (8, 'outcome at the right instant'),
			   (9, 'decided at a warped due instant'), (10, 'completed transfers moved their domains'),
			   (11, 'no auth-code hash unless auth_code_issued'), (12, 'operations match rows and events'),
			   (13, 'no open transfer past its due instant'),
			   (14, 'every state change owing a notice has exactly one')) AS c(ord, check_name)
  LEFT JOIN (SELECT *, row_number() OVER (PARTITION BY check_name) AS rn FROM breaches) AS b
		 ON b.check_name = c.check_name
 WHERE c.ord <> 13 OR :'check_overdue'::boolean
 GROUP BY c.ord, c.check_name
 ORDER BY c.ord;
