#!/usr/bin/env bash
# Background worker benchmarks (SPEC §5), on a throwaway cluster of its own:
#  1. catch-up: 100,000 pending transfers fall due at one instant T; time
#     until the worker has decided them all, against the floor (one
#     set-based UPDATE of the same rows), against the writes every decision
#     must make (that UPDATE, the domain's UPDATE and the audit event's
#     INSERT, set-based, without any rule) and against one
#     process_due_transfers() call; meanwhile an application session runs
#     request_transfer_out at 200/s (pgbench): its latency against the same
#     load without a catch-up, and every lock wait of over 5 ms it had
#     (log_lock_waits), against one batch's time;
#  2. deadline lag: 1,000 transfers with deadlines spread over a minute; lag
#     is the commit time of the transaction that decided the transfer
#     (track_commit_timestamp) minus its deadline;
#  3. idle cost: the worker's CPU time (utime + stime from /proc) over 60 s
#     with nothing due.
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

hold_domxfer_lock "$0" "$@"

CATCHUP_ROWS=${CATCHUP_ROWS:-100000}
LAG_ROWS=${LAG_ROWS:-1000}
IDLE_SECS=${IDLE_SECS:-60}
APP_RATE=${APP_RATE:-200}
BATCH_SIZE=${BATCH_SIZE:-100}
# transfers of the batched-writes floor (decided after the catch-up)
FLOOR_ROWS=${FLOOR_ROWS:-20000}

WORK=$(writable_dir "$TOP/.bench/worker" "/var/tmp/domxfer-bench-worker-$(id -u)")
DATA="$WORK/data"
PORT=54339
cluster_stop "$DATA" 2>/dev/null
rm -rf "${WORK:?}"/*
trap 'cluster_stop "$DATA"' EXIT

psql_bench() { as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U postgres -d bench "$@"; }

echo "starting a cluster in $DATA"
cluster_start "$DATA" "$PORT" "domxfer.database = 'bench'
domxfer.registrar_id = 'bench-registrar'
track_commit_timestamp = on
shared_buffers = 256MB
max_wal_size = 4GB
domxfer.batch_size = $BATCH_SIZE
log_min_messages = warning
log_lock_waits = on
deadlock_timeout = '5ms'"
as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c 'CREATE DATABASE bench'
psql_bench -c 'CREATE EXTENSION domxfer'
# restart so the worker finds its database at once
cluster_stop "$DATA"; cluster_start "$DATA" "$PORT"
psql_bench -c "SELECT state FROM domxfer.worker_status()" | grep -q . || exit 1
for _ in $(seq 50); do
	[ "$(psql_bench -c "SELECT state FROM domxfer.worker_status()")" = running ] && break
	sleep 0.2
done
read -r NAPTIME BATCH < <(psql_bench -F ' ' -c "SELECT naptime_ms, batch_size FROM domxfer.worker_status()")
echo "worker: $(psql_bench -c "SELECT state || ', pid ' || pid FROM domxfer.worker_status()"), naptime ${NAPTIME} ms, batch_size $BATCH"

# Domains <prefix><n>.example; with_transfer opens a pending transfer each,
# through the lifecycle functions, committing every 5,000.
make_domains() {	# make_domains PREFIX COUNT with_transfer|bare
	psql_bench -c "
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$1' || i || '.example', 'bench-registrar', now() - interval '400 days',
       now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, $2) AS i"
	[ "$3" = with_transfer ] || return 0
	psql_bench -c "
DO \$\$
DECLARE
	d record;
	issued record;
	n integer := 0;
BEGIN
	FOR d IN SELECT name FROM domxfer.domains WHERE name LIKE '$1%' ORDER BY name LOOP
		SELECT * INTO issued FROM domxfer.request_transfer_out(d.name);
		PERFORM domxfer.receive_transfer_request(d.name, issued.auth_code, 'gaining-reg');
		n := n + 1;
		IF n % 5000 = 0 THEN COMMIT; END IF;
	END LOOP;
END
\$\$"
}

# Seconds (3 decimals) between two timestamptz expressions.
secs() { psql_bench -c "SELECT round(extract(epoch FROM ($2) - ($1))::numeric, 3)"; }

# Wall time of one SQL text in its own transaction that is rolled back.
timed_rollback() {	# timed_rollback SQL
	timed_rollback_cpu "$1" | cut -d' ' -f1
}

# The same, "wall cpu": also the backend's own on-CPU seconds (schedstat),
# which other load on the machine changes much less than the wall time.
timed_rollback_cpu() {	# timed_rollback_cpu SQL
	psql_bench <<SQL | tail -1
BEGIN;
SELECT clock_timestamp() AS t0, split_part(pg_read_file('/proc/self/schedstat'), ' ', 1) AS c0 \gset
$1;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric, 3) || ' '
    || round((split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::numeric - :c0) / 1e9, 3);
ROLLBACK;
SQL
}

echo
echo "== catch-up: $CATCHUP_ROWS pending transfers past their deadline"
t0=$(date +%s)
make_domains cu "$CATCHUP_ROWS" with_transfer
make_domains app 100000 bare
make_domains fl "$FLOOR_ROWS" with_transfer
psql_bench -c "CREATE SEQUENCE public.app_seq" -c "VACUUM ANALYZE"
echo "setup: $(( $(date +%s) - t0 )) s"

# The same rows, decided set-based, rolled back (the worker then decides them).
FLOOR=$(timed_rollback "UPDATE domxfer.transfers SET state = 'completed', decided_at = deadline, outcome_reason = '{auto_approved}'
 WHERE state = 'pending' AND domain_name LIKE 'cu%'")
# The writes every decision must make (issue 12's floor), set-based, without
# any rule: median of three runs. (Notices, once they exist, belong here too.)
writes_once() {
	# (as in the worker's batch, the domains trigger that guards
	# pendingTransfer is skipped: the batch checks its rows itself)
	timed_rollback_cpu "SET LOCAL domxfer.batch_checks_links = on; WITH t AS (
	UPDATE domxfer.transfers SET state = 'completed', decided_at = deadline, outcome_reason = '{auto_approved}'
	 WHERE state = 'pending' AND domain_name LIKE 'cu%' RETURNING id, domain_name, gaining_registrar, decided_at
), d AS (
	UPDATE domxfer.domains d SET sponsoring_registrar = t.gaining_registrar, last_transferred_at = t.decided_at,
	       status = d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status, open_transfer_id = NULL
	  FROM t WHERE d.name = t.domain_name
)
INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
SELECT t.id, 'pending', 'completed', 'worker', '{}' FROM t"
}
read -r WRITES WRITES_CPU < <(for _ in 1 2 3; do writes_once; done | sort -n | sed -n 2p)
SQLFN=$(timed_rollback "UPDATE domxfer.transfers SET deadline = now() WHERE state = 'pending' AND domain_name LIKE 'cu%';
SELECT domxfer.process_due_transfers(now(), $CATCHUP_ROWS + 1)")

DUE=$(psql_bench -c "
UPDATE domxfer.transfers SET deadline = date_trunc('second', clock_timestamp()) + interval '3 s'
 WHERE state = 'pending' AND domain_name LIKE 'cu%';
SELECT max(deadline) FROM domxfer.transfers WHERE domain_name LIKE 'cu%'")
# the worker's on-CPU time from before T to its last commit
WORKER_PID=$(psql_bench -c "SELECT pid FROM domxfer.worker_status()")
WORKER_NS0=$(awk '{print $1}' "/proc/$WORKER_PID/schedstat")
# The application: request_transfer_out at $APP_RATE/s in 5-second pgbench
# runs (each with its own latency log) until the worker is done.
cat > "$WORK/app.sql" <<'SQL'
SELECT * FROM domxfer.request_transfer_out('app' || nextval('public.app_seq') || '.example');
SQL
[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$WORK"
# the same application load with nothing to catch up, before T
(cd "$WORK" && as_run_user pgbench -n -c 1 -T 2 -R "$APP_RATE" -f app.sql --log --log-prefix=quiet \
	--host="$DATA" --port="$PORT" -U postgres bench >>"$WORK/pgbench.out" 2>&1)
LOG_FROM=$(stat -c %s "$DATA/server.log")
chunk=0
while [ "$(psql_bench -c "SELECT count(*) FROM domxfer.transfers WHERE state = 'pending' AND domain_name LIKE 'cu%'")" != 0 ]; do
	chunk=$((chunk + 1))
	(cd "$WORK" && as_run_user pgbench -n -c 1 -T 5 -R "$APP_RATE" -f app.sql --log --log-prefix="app$chunk" \
		--host="$DATA" --port="$PORT" -U postgres bench >>"$WORK/pgbench.out" 2>&1)
done
WORKER_CPU=$(awk -v a="$WORKER_NS0" '{printf "%.3f", ($1 - a) / 1e9}' "/proc/$WORKER_PID/schedstat")
CATCHUP=$(secs "'$DUE'" "(SELECT max(pg_xact_commit_timestamp(xmin)) FROM domxfer.transfers WHERE domain_name LIKE 'cu%')")
DECIDED=$(psql_bench -c "SELECT count(*) FROM domxfer.transfers WHERE domain_name LIKE 'cu%' AND state <> 'pending' AND decided_at = deadline")
# The right floor at batch_size: the same writes, batch_size transfers per
# statement and transaction (committed, as the worker's), picked in due
# order, on FLOOR_ROWS other pending transfers; the per-row link check is
# skipped as for the worker's batches.
read -r BWRITES BWRITES_CPU < <(psql_bench <<SQL | tail -1
SELECT split_part(pg_read_file('/proc/self/schedstat'), ' ', 1) AS c0, clock_timestamp() AS t0 \gset
DO \$\$
DECLARE
	n integer;
BEGIN
	PERFORM set_config('domxfer.batch_checks_links', 'on', false);
	LOOP
		WITH t AS (
			UPDATE domxfer.transfers SET state = 'completed', decided_at = deadline, outcome_reason = '{auto_approved}'
			 WHERE id IN (SELECT id FROM domxfer.transfers WHERE due_at IS NOT NULL AND domain_name LIKE 'fl%'
						   ORDER BY due_at, id LIMIT $BATCH)
			RETURNING id, domain_name, gaining_registrar, decided_at
		), d AS (
			UPDATE domxfer.domains d SET sponsoring_registrar = t.gaining_registrar, last_transferred_at = t.decided_at,
				   status = d.status OPERATOR(domxfer.-) 'pendingTransfer'::domxfer.domain_status, open_transfer_id = NULL
			  FROM t WHERE d.name = t.domain_name
		), e AS (
			INSERT INTO domxfer.transfer_events (transfer_id, from_state, to_state, actor, detail)
			SELECT t.id, 'pending', 'completed', 'worker', '{}' FROM t
		)
		SELECT count(*) INTO n FROM t;
		COMMIT;
		EXIT WHEN n < $BATCH;
	END LOOP;
END
\$\$;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0')::numeric, 3) || ' '
    || round((split_part(pg_read_file('/proc/self/schedstat'), ' ', 1)::numeric - :c0) / 1e9, 3);
SQL
)
latency() {	# latency LOGFILES...: calls, max ms, p99 ms of pgbench latency logs
	cat "$@" 2>/dev/null | awk '{print $3}' | sort -n |
		awk '{v[NR] = $1} END {i = int(NR * 0.99); if (i < 1) i = 1; if (NR) printf "%d %.1f %.1f\n", NR, v[NR] / 1000, v[i] / 1000}'
}
read -r APP_N APP_MAX APP_P99 < <(latency "$WORK"/app[0-9]*.[0-9]*) || true
read -r QUIET_N QUIET_MAX QUIET_P99 < <(latency "$WORK"/quiet.[0-9]*) || true
# lock waits of the application over deadlock_timeout (5 ms), from log_lock_waits
read -r WAITS WAIT_MAX < <(tail -c +"$((LOG_FROM + 1))" "$DATA/server.log" |
	awk '/ pgbench .*acquired .* after [0-9.]+ ms/ {for (i = 1; i < NF; i++) if ($i == "after") {n++; if ($(i+1) > m) m = $(i+1)}}
	     END {printf "%d %.1f\n", n, m}')
awk -v n="$CATCHUP_ROWS" -v fn="$FLOOR_ROWS" -v bw="$BWRITES" -v bwcpu="$BWRITES_CPU" -v floor="$FLOOR" -v writes="$WRITES" -v wcpu="$WRITES_CPU" -v kcpu="$WORKER_CPU" -v sqlfn="$SQLFN" -v w="$CATCHUP" -v b="$BATCH" -v decided="$DECIDED" \
	-v an="$APP_N" -v amax="$APP_MAX" -v ap99="$APP_P99" -v qn="$QUIET_N" -v qmax="$QUIET_MAX" -v qp99="$QUIET_P99" \
	-v waits="$WAITS" -v wmax="$WAIT_MAX" 'BEGIN {
	printf "floor, one set-based UPDATE:        %8.3f s  %9.0f rows/s\n", floor, n / floor
	printf "the writes of a decision, no rules: %8.3f s  %9.0f rows/s  (%.2f of the floor)\n", writes, n / writes, floor / writes
	printf "process_due_transfers(), one call:  %8.3f s  %9.0f rows/s\n", sqlfn, n / sqlfn
	printf "worker, deadline to last commit:    %8.3f s  %9.0f rows/s  (%d decided as of their deadline)\n", w, n / w, decided
	printf "worker throughput / floor:          %8.2f   (target >= 0.50)\n", floor / w
	printf "one batch of %d takes on average:  %8.1f ms\n", b, w * 1000 * b / n
	printf "worker throughput / the writes alone: %6.2f   (issue 12 target >= 0.80; the writes: median of 3 runs)\n", writes / w
	printf "on-CPU time (schedstat): the writes %.3f s in their backend, the worker %.3f s from T to its last commit: %.2f\n", wcpu, kcpu, (kcpu ? wcpu / kcpu : 0)
	printf "the writes in batches of %d, committed: %6.0f rows/s, %.1f us CPU per row (%d rows)\n", b, fn / bw, bwcpu * 1e6 / fn, fn
	printf "worker / the writes in batches of %d:  %6.2f by rows/s, %.2f by CPU per row (the floor at batch_size; issue 12 target >= 0.80)\n", b, (n / w) / (fn / bw), (bwcpu / fn) / (kcpu / n)
	printf "application request_transfer_out:   %d calls, p99 %.1f ms, max %.1f ms; without a catch-up: %d calls, p99 %.1f ms, max %.1f ms\n", an, ap99, amax, qn, qp99, qmax
	printf "application lock waits over 5 ms:    %d, longest %.1f ms (target: none longer than one batch)\n", waits, wmax
}'

[ "$LAG_ROWS" -gt 0 ] || exit 0
echo
echo "== deadline lag: $LAG_ROWS transfers, deadlines spread over 60 s"
make_domains lag "$LAG_ROWS" with_transfer
LAST=$(psql_bench -c "
WITH numbered AS (
	SELECT id, row_number() OVER (ORDER BY id) AS n FROM domxfer.transfers
	 WHERE state = 'pending' AND domain_name LIKE 'lag%')
UPDATE domxfer.transfers t
   SET deadline = clock_timestamp() + interval '5 s' + (n * 60000 / $LAG_ROWS) * interval '1 ms'
  FROM numbered WHERE numbered.id = t.id;
SELECT max(deadline) FROM domxfer.transfers WHERE domain_name LIKE 'lag%'")
until [ "$(psql_bench -c "SELECT count(*) FROM domxfer.transfers WHERE state = 'pending' AND domain_name LIKE 'lag%'")" = 0 ]; do
	sleep 1
done
psql_bench -F ' ' -c "
SELECT 'lag of commit after deadline (ms): p50 ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY lag)::numeric, 1)
    || ', p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY lag)::numeric, 1)
    || ', max ' || round(max(lag)::numeric, 1) || ', min ' || round(min(lag)::numeric, 1)
    || ' (target p99 <= 1000); decided as of deadline: '
    || count(*) FILTER (WHERE decided_at = deadline) || '/' || count(*)
  FROM (SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin) - deadline) * 1000 AS lag,
               decided_at, deadline
          FROM domxfer.transfers WHERE domain_name LIKE 'lag%') AS l"

[ "$IDLE_SECS" -gt 0 ] || exit 0
echo
echo "== idle cost: worker CPU over $IDLE_SECS s with nothing due"
PID=$(psql_bench -c "SELECT pid FROM domxfer.worker_status()")
TICKS=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
# on-CPU time in ns (scheduler accounting, finer than the clock ticks of stat)
cpu_ns() { awk '{print $1}' "/proc/$PID/schedstat"; }
idle_cpu() {	# idle_cpu LABEL
	local c0 c1 n0 n1 w0 w1
	c0=$(cpu); n0=$(cpu_ns); w0=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$PID/status")
	sleep "$IDLE_SECS"
	c1=$(cpu); n1=$(cpu_ns); w1=$(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$PID/status")
	awk -v t="$((c1 - c0))" -v hz="$TICKS" -v ns="$((n1 - n0))" -v w="$((w1 - w0))" -v s="$IDLE_SECS" -v label="$1" 'BEGIN {
		printf "worker CPU %s: %.3f s over %d s by schedstat, %.2f s by utime+stime ticks; %d sleeps, %.2f ms per wake-up (target < 0.10 s)\n",
			label, ns / 1e9, s, t / hz, w, w ? ns / 1e6 / w : 0 }'
}
# Right after the runs above the transfers index still holds ~100,000 dead
# entries that every look at the next deadline steps over, until (auto)vacuum.
idle_cpu "right after the catch-up"
psql_bench -c "VACUUM domxfer.transfers"
idle_cpu "after VACUUM"
psql_bench -c "SELECT 'worker_status: ' || state || ', decided_total ' || decided_total || ', failed_total ' || failed_total FROM domxfer.worker_status()"
