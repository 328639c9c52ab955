#!/usr/bin/env bash
# What the decision before a change costs on a registrar's own table
# (issue 18, fault 4; install/66_decide_before_change_source.sql), on a
# throwaway cluster of its own. Each figure is the median of RUNS runs,
# each in a transaction rolled back, against a baseline measured in the
# same run: the same statement with the trigger domxfer_source_decide_due
# disabled (ALTER TABLE ... DISABLE TRIGGER, inside the rolled-back
# transaction).
#  1. UPDATE of every row while no transfer is due (the trigger's WHEN,
#     one index probe per row, is false);
#  2. the same while one transfer of another domain is due (the WHEN is
#     true: each row is read through the map once more and its domain's
#     transfer looked up);
#  3. due transfers decided by an UPDATE of their rows (the trigger decides
#     each from the row as it was and writes the sponsor columns) against
#     process_due_transfers() deciding the same transfers.
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

DOMAINS=${DOMAINS:-50000}
PENDING=${PENDING:-1000}
RUNS=${RUNS:-5}
TRIGGER=domxfer_source_decide_due

WORK=$(writable_dir "$TOP/.bench/ops-attached" "/var/tmp/domxfer-bench-ops-attached-$(id -u)")
DATA="$WORK/data"
PORT=${OPS_ATTACHED_BENCH_PORT:-56381}
cluster_stop "$DATA"
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
jit = off
max_parallel_workers_per_gather = 0"
trap 'cluster_stop "$DATA"' EXIT
psql_bench() { as_run_user psql -X -q -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" --username=postgres -d postgres "$@"; }

# no worker serves this database: due transfers stay undecided, as in a gap
psql_bench >/dev/null <<SQL
CREATE EXTENSION domxfer;
CREATE SCHEMA reg;
CREATE TABLE reg.domain (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	domain_name text NOT NULL UNIQUE,
	sponsor text NOT NULL,
	created timestamptz NOT NULL,
	expires timestamptz NOT NULL,
	last_transfer timestamptz,
	email text,
	note text
);
INSERT INTO reg.domain (domain_name, sponsor, created, expires, email)
SELECT 'a' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '300 days', 'h@example.org'
  FROM generate_series(1, $DOMAINS) AS i;
SELECT domxfer.attach_domains('reg.domain', '{"name": "domain_name", "sponsoring_registrar": "sponsor",
  "registered_at": "created", "expires_at": "expires", "last_transferred_at": "last_transfer",
  "registrant_email": "email"}');
DO \$\$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT n.name, c.auth_code
			   FROM (SELECT 'a' || i || '.example' FROM generate_series(1, $PENDING + 1) AS i) AS n(name),
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
	printf '%-66s %9s ms  (baseline %9s ms, ratio %s)\n' "$name" "$on" "$off" \
		"$(awk -v a="$on" -v b="$off" 'BEGIN {printf "%.2f", a / b}')"
}
without() { echo "ALTER TABLE reg.domain DISABLE TRIGGER $TRIGGER;"; }

echo "decision before a change of an attached table: $DOMAINS rows, $PENDING + 1 pending transfers, medians of $RUNS runs"
echo "(baseline: the same statement with $TRIGGER disabled, unless named)"
q1="UPDATE reg.domain SET note = 'x'"
figure "1. UPDATE of every row ($DOMAINS), no transfer due" "$q1" "$(without) $q1"
# one transfer past its deadline (a domain the statements below do not touch)
one_due="UPDATE domxfer.transfers SET requested_at = requested_at - interval '6 days',
	 deadline = now() - interval '1 hour' WHERE domain_name = 'a$((PENDING + 1)).example';"
q2="UPDATE reg.domain SET note = 'x' WHERE domain_name <> 'a$((PENDING + 1)).example'"
figure "2. UPDATE of every other row, one transfer due" "$q2" "$(without) $q2" "$one_due"
# the PENDING transfers past their deadlines
all_due="UPDATE domxfer.transfers SET requested_at = requested_at - interval '6 days',
	 deadline = now() - interval '1 hour' WHERE state = 'pending' AND domain_name <> 'a$((PENDING + 1)).example';"
q3="UPDATE reg.domain SET note = 'x' WHERE id <= $PENDING"
figure "3. decide $PENDING due transfers by updating their rows" \
	"$q3" "SELECT domxfer.process_due_transfers(now(), $PENDING)" "$all_due"
echo "    (3: baseline is process_due_transfers deciding the same transfers row by row)"
