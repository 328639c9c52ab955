#!/usr/bin/env bash
# NOTIFY as a doorbell and batch marks (issue 20, SPEC §3 and §9 0.3.0), on a
# throwaway cluster of its own with fsync on, max_worker_processes = 8
# (PostgreSQL's default) and the worker serving the bench database (so
# domxfer.notify = auto is coalesced there), track_commit_timestamp on (for
# the doorbell's delay; TPC-B runs with it too). ROUNDS rounds, each with its
# own floors measured in the same round; the figures are medians over rounds:
#  0. floors: pgbench's built-in TPC-B at 1 client (median latency) and at
#     32 clients (tps);
#  1. receive_transfer_request with the right code, each call in its own
#     transaction after the code was committed, 1 client, ROWS calls:
#     median latency (target <= 3x TPC-B's single-client median);
#  2. a burst of RIGHT right codes from 32 clients (every call its own
#     transaction): refused calls (target 0), receives per second (target
#     >= 0.3 of TPC-B at 32 clients), and during it a doorbell listener
#     (bench/doorbell-listener.js, the README's listener pattern) measures
#     the delay from each commit to the first doorbell after it (p99 target
#     < 50 ms) and checks that its reads returned every event exactly once;
#     (the same listener during 1. gives the delay without contention);
#     the same burst with domxfer.notify = each (0.2.0's NOTIFY per change)
#     for comparison;
#  3. draining DRAIN_ROWS notices with one mailer, batches of 100 per
#     transaction, server-side: claim_notices(100) + mark_notices_sent(ids),
#     against (a) the floor of issue 11: single-row UPDATEs of a plain table,
#     100 per transaction (target >= 0.5), and (b) one set-based UPDATE of
#     100 rows of a plain table per transaction (stricter); 0.2.0's
#     mark_notice_sent per notice for comparison.
# Figures only, no assertions. The machine may be shared: say so with them.
. "$(dirname "$0")/../scripts/common.sh"

# a private installation (PG_CONFIG) shares nothing with other checkouts
[ -n "${DOMXFER_NO_LOCK:-}" ] || hold_domxfer_lock "$0" "$@"

ROUNDS=${ROUNDS:-3}
ROWS=${ROWS:-300}
TPCB_SECS=${TPCB_SECS:-10}
SCALE=${SCALE:-32}
RIGHT=${RIGHT:-2000}
DRAIN_ROWS=${DRAIN_ROWS:-100000}
PORT=${BENCH_PORT:-54363}

WORK=$(writable_dir "$TOP/.bench/notify" "/var/tmp/domxfer-bench-notify-$(id -u)")
DATA="$WORK/data"
cluster_stop "$DATA" 2>/dev/null
rm -rf "${WORK:?}"/data "${WORK:?}"/*.sql "${WORK:?}"/log_* "${WORK:?}"/tpcb*
LISTENER_PID=
trap '[ -n "$LISTENER_PID" ] && kill "$LISTENER_PID" 2>/dev/null; cluster_stop "$DATA"' EXIT

psql_b() { as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U postgres -d bench "$@"; }
pgb() { (cd "$WORK" && as_run_user pgbench --host="$DATA" --port="$PORT" -U postgres "$@" bench); }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
median_ms() {	# median_ms LOGPREFIX: median latency (ms) of pgbench per-transaction logs
	sort -n -k3,3 "$WORK"/"$1".* | awk '{ l[NR] = $3 } END { printf "%.3f\n", l[int((NR + 1) / 2)] / 1000 }'
}

# the listener's packages (pg), as test/node/run.sh installs them
NODE_DIR="$WORK/node"
if [ ! -d "$NODE_DIR/node_modules/pg" ]; then
	rm -rf "$NODE_DIR"; mkdir -p "$NODE_DIR"
	cp "$TOP/examples/node/package.json" "$TOP/examples/node/package-lock.json" "$NODE_DIR/"
	(cd "$NODE_DIR" && npm_config_cache="$WORK/npm-cache" npm ci --omit=dev --no-audit --no-fund --loglevel=error) >/dev/null \
		|| { echo "npm ci failed: the doorbell listener needs the pg package" >&2; exit 1; }
fi
cp "$TOP/bench/doorbell-listener.js" "$NODE_DIR/"
[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$WORK"

echo "starting a cluster in $DATA"
cluster_start "$DATA" "$PORT" "fsync = on
max_worker_processes = 8
shared_buffers = 256MB
max_wal_size = 4GB
max_connections = 100
track_commit_timestamp = on
domxfer.database = 'bench'
domxfer.registrar_id = 'bench-registrar'"
as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c 'CREATE DATABASE bench'
psql_b -c 'CREATE EXTENSION domxfer'
# restart so that the workers find their database at once
cluster_stop "$DATA"; cluster_start "$DATA" "$PORT"
for _ in $(seq 150); do
	[ "$(psql_b -c "SELECT (SELECT state FROM domxfer.worker_status()) = 'running' AND (SELECT state FROM domxfer.auth_check_service) = 'running'")" = t ] && break
	sleep 0.2
done
echo "worker: $(psql_b -c "SELECT state || ' in ' || database FROM domxfer.worker_status()"); check service: $(psql_b -c "SELECT state || ', ' || pool_size || ' workers' FROM domxfer.auth_check_service")"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds); fsync $(psql_b -c 'SHOW fsync'), max_worker_processes $(psql_b -c 'SHOW max_worker_processes'), domxfer.notify $(psql_b -c 'SHOW domxfer.notify')"
pgb -i -q -s "$SCALE" >/dev/null 2>&1

psql_b <<'SQL'
CREATE SCHEMA lat;
CREATE TABLE lat.outcome (run text, sqlstate text);
CREATE FUNCTION lat.receive(run text, name text, code text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v_state text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, code, 'gaining-reg');
	INSERT INTO lat.outcome VALUES (run, '00000');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE;
	INSERT INTO lat.outcome VALUES (run, v_state);
	RETURN v_state;
END $$;
CREATE TABLE lat.jobs (run text, n integer, name text, code text, PRIMARY KEY (run, n));
CREATE TABLE public.plain (id bigint PRIMARY KEY, sent_at timestamptz);
CREATE PROCEDURE public.fill_notices(n integer) LANGUAGE plpgsql AS $$
DECLARE
	v_transfer bigint := (SELECT min(id) FROM domxfer.transfers);
BEGIN
	SET LOCAL session_replication_role = replica;
	DELETE FROM domxfer.notices;
	INSERT INTO domxfer.notices (transfer_id, event_id, kind, recipient, payload, due_by, created_at, next_attempt_at)
	-- an outcome's notice: always true, so every one is sent (claim_notices
	-- still asks domxfer._notice_still_true of each)
	SELECT v_transfer, -i, 'transfer_completed', 'holder@example.org',
		   '{"kind": "transfer_completed", "domain": "c1-1.example", "gaining_registrar": "gaining-registrar"}',
		   now() + interval '1 day', now(), now() - interval '1 second'
	  FROM generate_series(1, n) i;
	TRUNCATE public.plain;
	INSERT INTO public.plain SELECT i, NULL FROM generate_series(1, n) i;
END $$;
-- 0.3.0: a batch claimed, sent, marked with one statement
CREATE PROCEDURE public.drain_batch() LANGUAGE plpgsql AS $$
DECLARE
	v_ids bigint[];
BEGIN
	LOOP
		v_ids := ARRAY(SELECT c.id FROM domxfer.claim_notices(100) c);
		EXIT WHEN cardinality(v_ids) = 0;
		PERFORM domxfer.mark_notices_sent(v_ids);
		COMMIT;
	END LOOP;
END $$;
-- 0.2.0: one mark per notice
CREATE PROCEDURE public.drain_single() LANGUAGE plpgsql AS $$
DECLARE
	r record;
	n integer;
BEGIN
	LOOP
		n := 0;
		FOR r IN SELECT c.id FROM domxfer.claim_notices(100) c LOOP
			PERFORM domxfer.mark_notice_sent(r.id);
			n := n + 1;
		END LOOP;
		COMMIT;
		EXIT WHEN n = 0;
	END LOOP;
END $$;
-- floor (a), issue 11's: single-row UPDATEs, 100 per transaction
CREATE PROCEDURE public.drain_plain(n integer) LANGUAGE plpgsql AS $$
BEGIN
	FOR b IN 0 .. (n - 1) / 100 LOOP
		FOR i IN b * 100 + 1 .. LEAST(n, b * 100 + 100) LOOP
			UPDATE public.plain SET sent_at = now() WHERE id = i;
		END LOOP;
		COMMIT;
	END LOOP;
END $$;
-- floor (b): one UPDATE of 100 rows per transaction
CREATE PROCEDURE public.drain_plain_set(n integer) LANGUAGE plpgsql AS $$
BEGIN
	FOR b IN 0 .. (n - 1) / 100 LOOP
		UPDATE public.plain SET sent_at = now()
		 WHERE id = ANY (ARRAY(SELECT generate_series(b * 100 + 1, LEAST(n, b * 100 + 100))::bigint));
		COMMIT;
	END LOOP;
END $$;
SQL

# make_run RUN N: N domains with committed codes, and the calls that present them
make_run() {
	psql_b <<SQL >/dev/null
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$1-' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, $2) AS i;
INSERT INTO lat.jobs
SELECT '$1', i, '$1-' || i || '.example', (domxfer.request_transfer_out('$1-' || i || '.example')).auth_code
  FROM generate_series(1, $2) AS i;
CREATE SEQUENCE lat."$1_n";
SQL
	cat >"$WORK/$1.sql" <<SQL
SELECT lat.receive(j.run, j.name, j.code) FROM lat.jobs j WHERE j.run = '$1' AND j.n = (SELECT nextval('lat."$1_n"'));
SQL
	chmod a+r "$WORK/$1.sql"
}
# start_listener N / stop_listener N: bench/doorbell-listener.js around a run;
# its JSON line in $WORK/listenerN.json
start_listener() {
	rm -f "$WORK/listener.ready"
	# (not through as_run_user: the signal must reach node itself)
	env PGHOST="$DATA" PGPORT="$PORT" PGUSER=postgres PGDATABASE=bench \
		node "$NODE_DIR/doorbell-listener.js" "$WORK/listener.ready" >"$WORK/listener$1.json" 2>"$WORK/listener$1.err" &
	LISTENER_PID=$!
	for _ in $(seq 100); do [ -s "$WORK/listener.ready" ] && break; sleep 0.1; done
}
stop_listener() {
	kill -TERM "$LISTENER_PID" || true
	wait "$LISTENER_PID" || echo "  (the listener failed: status $?)"
	LISTENER_PID=
}
json_ms() { node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; console.log(v === null ? "nan" : v.toFixed(2))' "$(cat "$WORK/listener$1.json")" "$2"; }
# settle: a checkpoint, then no autovacuum worker running (at most 60 s), so
# that neither the measured run nor its floor pays for the previous step's
# dirty pages or for autovacuum of the tables it wrote (TPC-B's, after a
# burst); the drain measured the same with and without it (0.49, 8 Dec 2026)
settle() {
	psql_b -c 'CHECKPOINT' >/dev/null
	for _ in $(seq 300); do
		[ "$(psql_b -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && return
		sleep 0.2
	done
}
tps_of() { sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1; }
ms_of() {	# ms_of SQL: wall-clock milliseconds of one statement
	local t0 t1
	t0=$(date +%s%N)
	psql_b -c "$1" >/dev/null || echo "failed: $1" >&2
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

declare -a S_P50 S_P99 TPCB1 TPCB32 RECV1 BURST BURST_EACH REFUSED P50 P99 PMAX DB_BATCH DB_SINGLE DB_PLAIN DB_SET
for r in $(seq "$ROUNDS"); do
	echo "--- round $r (load average $(cut -d' ' -f1-3 /proc/loadavg))"
	# 0. floors
	rm -f "$WORK"/tpcb1.*
	settle
	pgb -n -c 1 -T "$TPCB_SECS" -l --log-prefix=tpcb1 >/dev/null 2>&1
	TPCB1+=("$(median_ms tpcb1)")
	settle
	TPCB32+=("$(pgb -n -c 32 -j 2 -T "$TPCB_SECS" 2>&1 | tps_of)")
	echo "  TPC-B: 1 client median ${TPCB1[-1]} ms; 32 clients ${TPCB32[-1]} tps"

	# 1. receive, 1 client
	make_run "single$r" "$ROWS"
	rm -f "$WORK"/log_single"$r".*
	start_listener "single$r"
	settle
	pgb -n -c 1 -t "$ROWS" -f "$WORK/single$r.sql" -l --log-prefix="log_single$r" >/dev/null 2>&1
	stop_listener
	RECV1+=("$(median_ms "log_single$r")")
	S_P50+=("$(json_ms "single$r" p50_ms)"); S_P99+=("$(json_ms "single$r" p99_ms)")
	echo "  receive, 1 client: median ${RECV1[-1]} ms = $(ratio "${RECV1[-1]}" "${TPCB1[-1]}")x TPC-B ($(psql_b -c "SELECT count(*) FILTER (WHERE sqlstate <> '00000') FROM lat.outcome WHERE run = 'single$r'") refused)"
	echo "    listener: $(cat "$WORK/listenersingle$r.json") $(cat "$WORK/listenersingle$r.err")"

	# 2. the burst, coalesced, with a listener
	make_run "burst$r" "$RIGHT"
	start_listener "burst$r"
	settle
	BURST+=("$(pgb -n -c 32 -j 2 -t $(((RIGHT + 31) / 32)) -f "$WORK/burst$r.sql" 2>&1 | tps_of)")
	stop_listener
	REFUSED+=("$(psql_b -c "SELECT count(*) FILTER (WHERE sqlstate <> '00000') FROM lat.outcome WHERE run = 'burst$r'")")
	P50+=("$(json_ms "burst$r" p50_ms)"); P99+=("$(json_ms "burst$r" p99_ms)"); PMAX+=("$(json_ms "burst$r" max_ms)")
	echo "  burst, $RIGHT right codes from 32 clients, coalesced: ${BURST[-1]} receives/s = $(ratio "${BURST[-1]}" "${TPCB32[-1]}") of TPC-B; refused ${REFUSED[-1]}"
	echo "    listener: $(cat "$WORK/listenerburst$r.json") $(cat "$WORK/listenerburst$r.err")"

	# the same burst, each (0.2.0's NOTIFY per change), for comparison
	make_run "each$r" "$RIGHT"
	settle
	BURST_EACH+=("$(cd "$WORK" && as_run_user env PGOPTIONS='-c domxfer.notify=each' pgbench --host="$DATA" --port="$PORT" -U postgres \
		-n -c 32 -j 2 -t $(((RIGHT + 31) / 32)) -f "$WORK/each$r.sql" bench 2>&1 | tps_of)")
	echo "  the same burst, domxfer.notify = each: ${BURST_EACH[-1]} receives/s = $(ratio "${BURST_EACH[-1]}" "${TPCB32[-1]}") of TPC-B" \
		"($(psql_b -c "SELECT count(*) FILTER (WHERE sqlstate <> '00000') FROM lat.outcome WHERE run = 'each$r'") refused)"

	# 3. the drain
	psql_b -c "CALL public.fill_notices($DRAIN_ROWS)" -c 'VACUUM ANALYZE domxfer.notices' -c 'VACUUM ANALYZE public.plain'
	settle
	DB_BATCH+=("$(ms_of 'CALL public.drain_batch()')")
	left=$(psql_b -c 'SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL')
	settle
	DB_PLAIN+=("$(ms_of "CALL public.drain_plain($DRAIN_ROWS)")")
	psql_b -c 'UPDATE public.plain SET sent_at = NULL' -c 'VACUUM ANALYZE public.plain'
	settle
	DB_SET+=("$(ms_of "CALL public.drain_plain_set($DRAIN_ROWS)")")
	psql_b -c "CALL public.fill_notices($DRAIN_ROWS)" -c 'VACUUM ANALYZE domxfer.notices'
	settle
	DB_SINGLE+=("$(ms_of 'CALL public.drain_single()')")
	echo "  drain of $DRAIN_ROWS: batch marks ${DB_BATCH[-1]} ms (unsent left: $left), 0.2.0 single marks ${DB_SINGLE[-1]} ms;" \
		"floors: single-row UPDATEs ${DB_PLAIN[-1]} ms, set-based UPDATEs ${DB_SET[-1]} ms"
done

m() { printf '%s\n' "$@" | median; }
# per-round ratios (each against the floor of its own round), then their median and range
ratios() {	# ratios "A1 A2 .." "B1 B2 ..": A/B per round
	local -a a=($1) b=($2); local i
	for i in "${!a[@]}"; do ratio "${a[$i]}" "${b[$i]}"; echo; done
}
summ() {	# summ RATIOS...: "median (min-max)"
	local sorted; sorted=$(printf '%s\n' "$@" | sort -g | tr '\n' ' ')
	echo "$(m "$@") (rounds: $sorted)"
}
R_RECV=($(ratios "${RECV1[*]}" "${TPCB1[*]}"))
R_BURST=($(ratios "${BURST[*]}" "${TPCB32[*]}"))
R_EACH=($(ratios "${BURST_EACH[*]}" "${TPCB32[*]}"))
R_DRAIN=($(ratios "${DB_PLAIN[*]}" "${DB_BATCH[*]}"))
R_DRAIN_SET=($(ratios "${DB_SET[*]}" "${DB_BATCH[*]}"))
R_SINGLE=($(ratios "${DB_PLAIN[*]}" "${DB_SINGLE[*]}"))
echo "=== $ROUNDS rounds; ratios against the floor of the same round: median (every round)"
echo "floors: TPC-B 1 client median $(m "${TPCB1[@]}") ms; TPC-B 32 clients $(m "${TPCB32[@]}") tps"
echo "receive, 1 client: median $(m "${RECV1[@]}") ms = $(summ "${R_RECV[@]}")x TPC-B's single-client median (target <= 3x)"
echo "burst of $RIGHT right codes, 32 clients: $(m "${BURST[@]}") receives/s = $(summ "${R_BURST[@]}") of TPC-B at 32 clients (target >= 0.3); refused per round: ${REFUSED[*]} (target 0)"
echo "  domxfer.notify = each (0.2.0's NOTIFY per change): $(m "${BURST_EACH[@]}") receives/s = $(summ "${R_EACH[@]}") of TPC-B"
echo "doorbell delay, one client's receives (commit to the first doorbell after it): p50 $(m "${S_P50[@]}") ms, p99 $(m "${S_P99[@]}") ms"
echo "doorbell delay during the burst: p50 $(m "${P50[@]}") ms, p99 $(summ "${P99[@]}") ms (target < 50 ms), max $(m "${PMAX[@]}") ms"
echo "drain of $DRAIN_ROWS notices, batches of 100: claim_notices + mark_notices_sent $(m "${DB_BATCH[@]}") ms"
echo "  = $(summ "${R_DRAIN[@]}") of single-row UPDATEs of a plain table, 100 per transaction ($(m "${DB_PLAIN[@]}") ms; issue 11's floor, target >= 0.5)"
echo "  = $(summ "${R_DRAIN_SET[@]}") of one set-based UPDATE of 100 plain rows per transaction ($(m "${DB_SET[@]}") ms)"
echo "  0.2.0's mark_notice_sent per notice: $(m "${DB_SINGLE[@]}") ms = $(summ "${R_SINGLE[@]}") of single-row UPDATEs"
