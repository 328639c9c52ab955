#!/usr/bin/env bash
# make bench: the reporting views and rdap_domain over 1,000,000 generated
# domains and 200,000 finished transfers (the figures of docs/scaling.md).
#
# Prints the median time of each report over several runs in one session
# (JIT and parallel query off, for stable numbers). The names in brackets
# are the FIGURE placeholders of docs/scaling.md. Run it under
# `flock /tmp/domxfer.lock` (make bench installs the extension system-wide).
. "$(dirname "$0")/../scripts/common.sh"

ROWS=${BENCH_ROWS:-1000000}
TRANSFERS=${BENCH_TRANSFERS:-200000}
RUNS=${BENCH_RUNS:-5}
PORT=57581
WORK=$(writable_dir "$TOP/.bench" "/var/tmp/domxfer-bench-$(id -u)")
DATA="$WORK/reporting-data"

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

echo "generating $ROWS domains and $TRANSFERS finished transfers ..."
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
-- finished transfers over the last 400 days, in every final state
INSERT INTO domxfer.transfers (domain_name, state, gaining_registrar, created_at, requested_at, deadline,
	decided_at, outcome_reason)
SELECT 'd' || i || '.' || (ARRAY['com','com','com','net','cn','xn--fiqs8s','org','hk','xn--j6w193g'])[1 + i % 9],
	   s.state::domxfer.transfer_state, 'gaining-' || (i % 7), t0, t0 + interval '1 day', t0 + interval '6 days',
	   t0 + interval '6 days', s.reason
  FROM generate_series(1, $TRANSFERS) AS i,
	   -- (i in the subquery makes it run per row: a fresh random() each time)
	   LATERAL (SELECT now() - interval '1 hour' * floor(random() * 9600 + i * 0) - interval '7 days' AS t0) AS t,
	   LATERAL (SELECT (ARRAY['completed','cancelled','rejected','completed'])[1 + i % 4] AS state,
					   CASE i % 4 WHEN 0 THEN '{auto_approved}' WHEN 1 THEN '{holder_cancelled}'
								  WHEN 2 THEN '{unpaid}' ELSE '{holder_approved}' END::text[] AS reason) AS s;
VACUUM (FREEZE, ANALYZE) domxfer.domains, domxfer.transfers;
SQL

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
	printf '  %-58s %10.1f ms   (median of %d%s)\n' "$label" "$median" "$RUNS" "${answer:+; answer $answer}"
}

echo "timing (JIT off, no parallel workers; median of the runs after one warm-up run):"
time_query "bare scan: count(*) of all domains (no rule) [baseline]" \
	"SELECT count(*) FROM domxfer.domains WHERE registrant_email IS NOT NULL"
time_query "eligibility: count WHERE eligible_now [eligibility_count_ms]" \
	"SELECT count(*) FROM domxfer.eligibility WHERE eligible_now"
time_query "eligibility: eligible and all per TLD [eligibility_by_tld_ms]" \
	"SELECT count(*) FROM (SELECT tld, count(*) FILTER (WHERE eligible_now), count(*) FROM domxfer.eligibility GROUP BY tld) s"
time_query "eligibility: domains per blocker combination" \
	"SELECT count(*) FROM (SELECT blockers_text, count(*) FROM domxfer.eligibility GROUP BY 1) s"
time_query "eligibility: every column, COPY to /dev/null [eligibility_export_ms]" \
	"COPY (SELECT * FROM domxfer.eligibility) TO '/dev/null'"
time_query "eligibility: one domain by name [eligibility_lookup_ms]" \
	"SELECT eligible_now FROM domxfer.eligibility WHERE name = domxfer.normalize_domain('D4242.NET')"
time_query "eligibility: domains expiring within 30 days (index)" \
	"SELECT count(blockers_text) FROM domxfer.eligibility WHERE expires_at BETWEEN now() AND now() + interval '30 days'"
time_query "transfer_report: every column, COPY to /dev/null" \
	"COPY (SELECT * FROM domxfer.transfer_report) TO '/dev/null'"
time_query "daily_transfer_outcomes: all days" \
	"SELECT count(*) FROM domxfer.daily_transfer_outcomes"
time_query "daily_transfer_outcomes: last 7 days (index)" \
	"SELECT sum(transfers) FROM domxfer.daily_transfer_outcomes WHERE day >= current_date - 7"
time_query "rdap_domain: one domain" \
	"SELECT domxfer.rdap_domain('d4242.net') ->> 'ldhName'"
