#!/usr/bin/env bash
# What the guards of install/93_guards.sql cost (issue 13), on a throwaway
# cluster of its own. Each figure is the median of RUNS runs, each in a
# transaction rolled back, against a baseline measured in the same run: the
# same statement with the guard's trigger disabled (ALTER TABLE ... DISABLE
# TRIGGER, inside the rolled-back transaction).
#  1. UPDATE of a column other than the lifecycle's on every domain (the
#     guard's WHEN is evaluated per row and is false);
#  2. INSERT of new domains under their canonical names (the name trigger
#     runs normalize_domain per row);
#  3. the worker's set-based batch deciding pending transfers
#     (domxfer._decide_due_batch), where the guard's WHEN is evaluated per
#     decided domain and skipped;
#  4. receive_transfer_request (the guard runs: one index lookup) in the
#     transaction of its request_transfer_out.
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

DOMAINS=${DOMAINS:-200000}
PENDING=${PENDING:-10000}
RECEIVES=${RECEIVES:-2000}
RUNS=${RUNS:-5}

WORK=$(writable_dir "$TOP/.bench/guards" "/var/tmp/domxfer-bench-guards-$(id -u)")
DATA="$WORK/data"
PORT=${GUARDS_BENCH_PORT:-54371}
cluster_stop "$DATA"
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
jit = off
max_parallel_workers_per_gather = 0"
trap 'cluster_stop "$DATA"' EXIT
psql_bench() { as_run_user psql -X -q -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" --username=postgres -d postgres "$@"; }

psql_bench >/dev/null <<SQL
CREATE EXTENSION domxfer;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'g' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '300 days', 'h@example.org'
  FROM generate_series(1, $DOMAINS) AS i;
DO \$\$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT n.name, c.auth_code
			   FROM (SELECT 'g' || i || '.example' FROM generate_series(1, $PENDING) AS i) AS n(name),
					LATERAL domxfer.request_transfer_out(n.name) AS c
	LOOP
		PERFORM domxfer.receive_transfer_request(r.name, r.auth_code, 'gaining-reg');
	END LOOP;
END
\$\$;
VACUUM ANALYZE;
SQL

# timed SQL [DISABLE]: seconds the SQL took, in a transaction rolled back;
# with DISABLE, the named trigger of domains is disabled first
timed() {
	local disable=""
	[ -n "${2:-}" ] && disable="ALTER TABLE domxfer.domains DISABLE TRIGGER $2;"
	psql_bench -At <<SQL | tail -1
BEGIN;
$disable
SELECT clock_timestamp() AS t0 \gset
$1;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric * 1000, 1);
ROLLBACK;
SQL
}
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# figure NAME SQL TRIGGER: alternating runs with and without the trigger
figure() {
	local name=$1 sql=$2 trig=$3 on off i
	on=""; off=""
	for i in $(seq "$RUNS"); do
		off+="$(timed "$sql" "$trig")"$'\n'
		on+="$(timed "$sql")"$'\n'
	done
	on=$(printf '%s' "$on" | median); off=$(printf '%s' "$off" | median)
	printf '%-58s %9s ms  (without the trigger %9s ms, ratio %s)\n' "$name" "$on" "$off" \
		"$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.2f", a / b}')"
}

echo "guards: $DOMAINS domains, $PENDING pending transfers, medians of $RUNS runs"
figure "UPDATE unpaid of every domain" \
	"UPDATE domxfer.domains SET unpaid = NOT unpaid" domains_lifecycle_columns_update
figure "INSERT $DOMAINS domains (name trigger)" \
	"INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at)
	 SELECT 'h' || i || '.example', 'reg', now() - interval '1 year', now() + interval '1 year'
	   FROM generate_series(1, $DOMAINS) AS i" domains_canonical_name
figure "worker batch: decide $PENDING transfers (_decide_due_batch)" \
	"SELECT domxfer._decide_due_batch(now() + interval '6 days', $PENDING, '{}')" domains_lifecycle_columns_update
figure "$RECEIVES request + receive pairs (guard on each receive)" \
	"DO \$\$ DECLARE r record; BEGIN
	   FOR r IN SELECT n.name, c.auth_code
				  FROM (SELECT 'g' || i || '.example' FROM generate_series($PENDING + 1, $PENDING + $RECEIVES) AS i) AS n(name),
					   LATERAL domxfer.request_transfer_out(n.name) AS c
	   LOOP PERFORM domxfer.receive_transfer_request(r.name, r.auth_code, 'gaining-reg'); END LOOP;
	 END \$\$" domains_lifecycle_columns_update
