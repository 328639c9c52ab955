#!/usr/bin/env bash
# make bench: what showing due transfers as decided costs the readers
# (SPEC §3 item 5). The same 1,000,000 domains and 200,000 finished
# transfers as 30_reporting.sh, plus open transfers; each reader is timed
# against the baseline of the same query over the stored rows, measured in
# the same run: the 0.1.0 views (taken from upgrade/domxfer--0.1.0.sql) in a
# schema of their own. Twice: with 2,000 pending transfers none of which is
# due (the usual case: the worker keeps up), and with 1,000 of them past
# their deadline and not decided (the worker stopped, or pg_cron's minute).
. "$(dirname "$0")/../scripts/common.sh"

ROWS=${BENCH_ROWS:-1000000}
TRANSFERS=${BENCH_TRANSFERS:-200000}
OPEN=${BENCH_OPEN:-2000}
RUNS=${BENCH_RUNS:-5}
PORT=${BENCH_PORT:-54342}
WORK=$(writable_dir "$TOP/.bench" "/var/tmp/domxfer-bench-$(id -u)")
DATA="$WORK/readers-data"

cluster_stop "$DATA" 2>/dev/null || true
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
shared_buffers = 1GB
work_mem = 64MB
max_wal_size = 4GB
synchronous_commit = off"
trap 'cluster_stop "$DATA"' EXIT

psql_bench() {
	as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d bench -v ON_ERROR_STOP=1 "$@"
}
as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d postgres -c 'CREATE DATABASE bench'

echo "generating $ROWS domains, $TRANSFERS finished and $OPEN pending transfers ..."
psql_bench >/dev/null <<SQL
CREATE EXTENSION domxfer;
SELECT setseed(0.4321);
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at,
	status, unpaid, registrant_email, uses_registrar_dns)
SELECT 'd' || i || '.' || (ARRAY['com','com','com','net','cn','xn--fiqs8s','org','hk','xn--j6w193g'])[1 + i % 9],
	   CASE WHEN random() < 0.1 THEN 'other-registrar' ELSE 'bench-registrar' END,
	   reg, reg + interval '365 days' * (1 + floor(random() * 5)),
	   CASE WHEN random() < 0.2 THEN reg + interval '30 days' END,
	   (CASE WHEN random() < 0.05 THEN 'clientTransferProhibited' ELSE 'ok' END)::domxfer.domain_status,
	   random() < 0.02, 'holder' || i || '@example.com', random() < 0.3
  FROM generate_series(1, $ROWS) AS i,
	   LATERAL (SELECT now() - interval '1 day' * floor(random() * 3000) - interval '1 day' * (i % 2) AS reg) AS r;
INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at, deadline,
	decided_at, outcome_reason)
SELECT 'd' || i || '.' || (ARRAY['com','com','com','net','cn','xn--fiqs8s','org','hk','xn--j6w193g'])[1 + i % 9],
	   s.state::domxfer.transfer_state, 'gaining-' || (i % 7), t0, t0 + interval '1 day', t0 + interval '6 days',
	   t0 + interval '6 days', s.reason
  FROM generate_series(1, $TRANSFERS) AS i,
	   LATERAL (SELECT now() - interval '1 hour' * floor(random() * 9600 + i * 0) - interval '7 days' AS t0) AS t,
	   LATERAL (SELECT (ARRAY['completed','cancelled','rejected','completed'])[1 + i % 4] AS state,
					   CASE i % 4 WHEN 0 THEN '{auto_approved}' WHEN 1 THEN '{holder_cancelled}'
								  WHEN 2 THEN '{unpaid}' ELSE '{holder_approved}' END::text[] AS reason) AS s;
-- pending transfers, deadline ahead, linked as the lifecycle links them
BEGIN;
WITH opened AS (
	INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at, deadline)
	SELECT d.name, 'pending', 'gaining-x', now() - interval '2 days', now() - interval '1 day', now() + interval '4 days'
	  FROM domxfer.domains d
	 WHERE d.sponsoring_registrar = 'bench-registrar' AND NOT d.status OPERATOR(domxfer.@>) 'clientTransferProhibited'::domxfer.domain_status
	 ORDER BY d.name LIMIT $OPEN
	RETURNING id, domain_name)
UPDATE domxfer.domains d
   SET open_transfer_id = o.id,
	   status = d.status OPERATOR(domxfer.+) 'pendingTransfer'::domxfer.domain_status
  FROM opened o WHERE d.name = o.domain_name;
COMMIT;
-- the baseline: the 0.1.0 views, reading the stored rows only
CREATE SCHEMA stored;
VACUUM (FREEZE, ANALYZE) domxfer.domains, domxfer.transfers;
SQL
sed -n '/^CREATE VIEW domxfer.eligibility AS/,/;$/p; /^CREATE VIEW domxfer.transfer_report AS/,/;$/p; /^CREATE VIEW domxfer.daily_transfer_outcomes AS/,/;$/p' \
	"$TOP/upgrade/domxfer--0.1.0.sql" | sed 's/^CREATE VIEW domxfer\./CREATE VIEW stored./' | psql_bench >/dev/null

# time_query LABEL SQL: one warm-up run, then RUNS timed runs in one session.
time_query() {
	local label=$1 sql=$2 out answer median
	out=$({
		echo "SET jit = off;"
		echo "SET max_parallel_workers_per_gather = 0;"
		echo "$sql;"
		echo '\timing on'
		for _ in $(seq "$RUNS"); do echo "$sql;"; done
	} | psql_bench -At)
	answer=$(echo "$out" | { grep -v '^Time:' || true; } | head -1)
	median=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n |
		awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
	LAST=$median
	printf '  %-62s %10.1f ms   (median of %d%s)\n' "$label" "$median" "$RUNS" "${answer:+; answer $answer}"
}

# pair LABEL SQL-with-SCHEMA: the 0.1.0 view (baseline), then the current one, and their ratio
pair() {
	local label=$1 sql=$2 base
	time_query "$label, 0.1.0 view [baseline]" "${sql//SCHEMA/stored}"
	base=$LAST
	time_query "$label, as decided" "${sql//SCHEMA/domxfer}"
	printf '  %-62s %10.2f\n' "  ratio" "$(echo "$LAST / $base" | bc -l)"
}

readers() {
	pair "eligibility: count WHERE eligible_now" \
		"SELECT count(*) FROM SCHEMA.eligibility WHERE eligible_now"
	pair "eligibility: every column, COPY to /dev/null" \
		"COPY (SELECT * FROM SCHEMA.eligibility) TO '/dev/null'"
	pair "eligibility: one domain by name" \
		"SELECT eligible_now FROM SCHEMA.eligibility WHERE name = 'd4242.net'"
	pair "transfer_report: every column, COPY to /dev/null" \
		"COPY (SELECT * FROM SCHEMA.transfer_report) TO '/dev/null'"
	pair "transfer_report: one domain's transfers" \
		"SELECT count(*) FROM SCHEMA.transfer_report WHERE domain_name = 'd4242.net'"
	pair "daily_transfer_outcomes: all days" \
		"SELECT count(*) FROM SCHEMA.daily_transfer_outcomes"
	pair "daily_transfer_outcomes: last 7 days (index)" \
		"SELECT sum(transfers) FROM SCHEMA.daily_transfer_outcomes WHERE day >= current_date - 7"
}

echo "timing (JIT off, no parallel workers; median of the runs after one warm-up run):"
echo "$OPEN pending transfers, none due:"
readers
psql_bench -c "UPDATE domxfer.transfers SET requested_at = now() - interval '6 days', deadline = now() - interval '1 hour'
 WHERE id IN (SELECT id FROM domxfer.transfers WHERE state = 'pending' ORDER BY id LIMIT $OPEN / 2)" >/dev/null
psql_bench -c "VACUUM ANALYZE domxfer.transfers" >/dev/null
echo "the same, $((OPEN / 2)) of them past their deadline and not decided (each shown as decided):"
readers
time_query "rdap_domain: a domain without an open transfer [baseline]" \
	"SELECT domxfer.rdap_domain('d4242.net') ->> 'ldhName'"
base=$LAST
time_query "rdap_domain: a domain whose transfer is due, undecided" \
	"SELECT domxfer.rdap_domain((SELECT t.domain_name FROM domxfer.transfers t WHERE t.due_at <= now() ORDER BY t.due_at, t.id LIMIT 1)) ->> 'ldhName'"
printf '  %-62s %10.2f\n' "  ratio" "$(echo "$LAST / $base" | bc -l)"
