-- make loadtest: the figures of a run (after the invariants).
\set ON_ERROR_STOP 1
SET TimeZone = 'UTC';
\pset footer off

\echo '-- operations (committed; outcome ok or the expected SQLSTATE and its DETAIL)'
SELECT op, outcome, count(*) AS n
  FROM loadtest.op_log
 GROUP BY op, outcome
 ORDER BY op, count(*) DESC;

\echo '-- transfers by final state / outcome'
SELECT state, coalesce(array_to_string(outcome_reason, ','), '') AS outcome, count(*) AS n
  FROM domxfer.transfers
 GROUP BY 1, 2
 ORDER BY 1, 3 DESC;

\echo '-- decisions at a due instant (deadline or code expiry), by who made them'
\echo 'actor | state | n | lag p50 ms | lag p99 ms | lag max ms (lag: start of the deciding transaction - due instant)'
SELECT e.actor, e.to_state, count(*) AS n,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - t.decided_at))::numeric * 1000) AS lag_p50_ms,
	   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - t.decided_at))::numeric * 1000) AS lag_p99_ms,
	   round(max(extract(epoch FROM e.at - t.decided_at))::numeric * 1000) AS lag_max_ms
  FROM domxfer.transfers t
  JOIN domxfer.transfer_events e ON e.transfer_id = t.id AND e.to_state = t.state
 WHERE t.outcome_reason = '{auto_approved}' OR t.state IN ('rejected', 'expired')
 GROUP BY 1, 2
 ORDER BY 1, 2;

\echo '-- totals'
SELECT * FROM (VALUES
	('transfers created', (SELECT count(*) FROM domxfer.transfers)),
	('transfers decided (final state)', (SELECT count(*) FROM domxfer.transfers WHERE state >= 'completed')),
	('transfers still open', (SELECT count(*) FROM domxfer.transfers WHERE state < 'completed')),
	('audit events', (SELECT count(*) FROM domxfer.transfer_events)),
	('due instants moved by the time warp', (SELECT count(*) FROM loadtest.warps)),
	('domains won back', (SELECT count(*) FROM loadtest.win_backs)),
	('wrong codes counted', (SELECT sum(failed_attempts) FROM domxfer.transfers)),
	('codes revoked after 5 wrong codes', (SELECT count(*) FROM domxfer.transfers WHERE failed_attempts = 5))
	) AS t(figure, n);

\echo '-- worker (since its last start): state | decided | failed | last error'
SELECT state, decided_total, failed_total, coalesce(last_error, '') AS last_error
  FROM domxfer.worker_status();
