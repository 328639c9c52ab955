-- make loadtest, burst phase: the portfolio's own invariants (after
-- invariants.sql). One row per check: name, number of breaches, examples.
\set ON_ERROR_STOP 1
\pset footer off
WITH p AS (
	SELECT p.i, t.* FROM loadtest.portfolio p JOIN domxfer.transfers t ON t.id = p.transfer_id
), checks(ord, check_name, breaches, examples) AS (
	SELECT 1, 'every right code accepted unless 5 wrong codes revoked it first',
		   count(*), left(coalesce(string_agg('transfer ' || id || ' ' || state, '; '), ''), 200)
	  FROM p WHERE state <> 'pending' AND failed_attempts < 5
	UNION ALL
	SELECT 2, 'no right code refused because the server was busy (53000/55P03)',
		   count(*), coalesce(min(outcome), '')
	  FROM loadtest.op_log WHERE op = 'receive_right_code' AND outcome LIKE 'busy%'
	UNION ALL
	SELECT 3, 'one right code sent per portfolio domain',
		   abs((SELECT count(*) FROM loadtest.op_log WHERE op = 'receive_right_code')
			   - (SELECT count(*) FROM loadtest.portfolio)), ''
	UNION ALL
	-- a wrong code is counted exactly when its error says so (the code was current)
	SELECT 4, 'wrong codes counted exactly (the 5th revokes)',
		   abs((SELECT coalesce(sum(failed_attempts), 0) FROM p)
			   - (SELECT count(*) FROM loadtest.op_log
				   WHERE op = 'receive_wrong_code' AND outcome LIKE '28P01 The auth code is wrong.%')),
		   (SELECT coalesce(sum(failed_attempts), 0) FROM p) || ' counted, '
		   || (SELECT count(*) FROM loadtest.op_log
				WHERE op = 'receive_wrong_code' AND outcome LIKE '28P01 The auth code is wrong.%') || ' told so'
	UNION ALL
	SELECT 5, 'a revoked code was revoked by exactly its 5th wrong code',
		   count(*), coalesce(string_agg('transfer ' || id, '; '), '')
	  FROM p WHERE failed_attempts > 5 OR (failed_attempts = 5 AND auth_code_hash IS NOT NULL)
)
SELECT check_name, breaches, examples FROM checks ORDER BY ord;
