#!/usr/bin/env bash
# What the decision before a domain change costs (issue 18, fault 4), on a
# throwaway cluster of its own. Each figure is the median of RUNS runs, each
# in a transaction rolled back, against a baseline measured in the same run:
# the same statement with the trigger domains_0_decide_due_transfer
# disabled (ALTER TABLE ... DISABLE TRIGGER, inside the rolled-back
# transaction).
#  1. UPDATE of a column of every domain (the trigger's WHEN is evaluated
#     per row; true only for the domains with an open transfer);
#  2. UPDATE of every domain with an open transfer that is not due (the
#     trigger runs: one index lookup, nothing to decide);
#  3. request + receive pairs (receive updates a domain whose transfer is
#     open: the trigger runs);
#  4. due transfers decided by an UPDATE of their domains (the trigger
#     decides each, row by row, as of its deadline) against the worker's
#     set-based batch deciding the same transfers (_decide_due_batch).
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

DOMAINS=${DOMAINS:-200000}
PENDING=${PENDING:-10000}
RECEIVES=${RECEIVES:-2000}
RUNS=${RUNS:-5}
TRIGGER=domains_0_decide_due_transfer

WORK=$(writable_dir "$TOP/.bench/ops" "/var/tmp/domxfer-bench-ops-$(id -u)")
DATA="$WORK/data"
PORT=${OPS_BENCH_PORT:-56380}
cluster_stop "$DATA"
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
jit = off
max_parallel_workers_per_gather = 0"
trap 'cluster_stop "$DATA"' EXIT
psql_bench() { as_run_user psql -X -q -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" --username=postgres -d postgres "$@"; }

# no worker serves this database (domxfer.database is not set to it): the
# pending transfers stay undecided past their deadlines, as in a gap
psql_bench >/dev/null <<SQL
CREATE EXTENSION domxfer;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'o' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '300 days', 'h@example.org'
  FROM generate_series(1, $DOMAINS) AS i;
DO \$\$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT n.name, c.auth_code
			   FROM (SELECT 'o' || i || '.example' FROM generate_series(1, $PENDING) AS i) AS n(name),
					LATERAL domxfer.request_transfer_out(n.name) AS c
	LOOP
		PERFORM domxfer.receive_transfer_request(r.name, r.auth_code, 'gaining-reg');
	END LOOP;
END
\$\$;
VACUUM ANALYZE;
SQL

# timed SQL [PREFIX]: milliseconds the SQL took, in a transaction rolled
# back; PREFIX runs first (untimed)
timed() {
	psql_bench -At <<SQL | tail -1
BEGIN;
${2:-}
SELECT clock_timestamp() AS t0 \gset
$1;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric * 1000, 1);
ROLLBACK;
SQL
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# figure NAME SQL BASELINE_SQL [PREFIX]: alternating runs of the SQL (with
# the trigger) and the baseline
figure() {
	local name=$1 sql=$2 base=$3 prefix=${4:-} on off i
	on=""; off=""
	for i in $(seq "$RUNS"); do
		off+="$(timed "$base" "$prefix")"$'\n'
		on+="$(timed "$sql" "$prefix")"$'\n'
	done
	on=$(printf '%s' "$on" | median); off=$(printf '%s' "$off" | median)
	printf '%-62s %9s ms  (baseline %9s ms, ratio %s)\n' "$name" "$on" "$off" \
		"$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.2f", a / b}')"
}
without() { echo "ALTER TABLE domxfer.domains DISABLE TRIGGER $TRIGGER;"; }

echo "decision before a domain change: $DOMAINS domains, $PENDING pending transfers, medians of $RUNS runs"
echo "(baseline: the same statement with $TRIGGER disabled, unless named)"
q1="UPDATE domxfer.domains SET uses_registrar_dns = NOT uses_registrar_dns"
figure "1. UPDATE of every domain ($DOMAINS)" "$q1" "$(without) $q1"
q2="UPDATE domxfer.domains SET uses_registrar_dns = NOT uses_registrar_dns WHERE open_transfer_id IS NOT NULL"
figure "2. UPDATE of the $PENDING domains with an open transfer, none due" "$q2" "$(without) $q2"
q3="DO \$\$ DECLARE r record; BEGIN
	   FOR r IN SELECT n.name, c.auth_code
				  FROM (SELECT 'o' || i || '.example' FROM generate_series($PENDING + 1, $PENDING + $RECEIVES) AS i) AS n(name),
					   LATERAL domxfer.request_transfer_out(n.name) AS c
	   LOOP PERFORM domxfer.receive_transfer_request(r.name, r.auth_code, 'gaining-reg'); END LOOP;
	 END \$\$"
figure "3. $RECEIVES request + receive pairs" "$q3" "$(without) $q3"
# the deadlines passed (moved into the past in the rolled-back transaction)
due="UPDATE domxfer.transfers SET requested_at = requested_at - interval '6 days',
	 deadline = now() - interval '1 hour' WHERE state = 'pending';"
figure "4. decide $PENDING due transfers by updating their domains" \
	"$q2" "SELECT domxfer._decide_due_batch(now(), $PENDING, '{}')" "$due"
echo "    (4: baseline is the worker's set-based batch deciding the same transfers)"
