#!/usr/bin/env bash
# Auth-code checks through the resident check service (issue 12), on a
# throwaway cluster of its own with fsync on and max_worker_processes = 8
# (PostgreSQL's default), against PostgreSQL itself in the same run:
#  0. floor: pgbench's built-in TPC-B-like script at 1, 16 and 32 clients
#     (TPCB_SECS each): tps, and the median latency at 1 client;
#  1. receive_transfer_request with the right code, each call in its own
#     transaction after the code was committed, 1 client, ROWS calls: median
#     and p90, through the service and (domxfer.auth_check_workers = 0) the
#     old path, a short-lived background worker per check;
#  2. a portfolio burst at 32 clients, then at 16: RIGHT domains receive the
#     right code and WRONG_DOMAINS domains get 5 wrong codes each, the calls
#     interleaved, every call in its own transaction: right codes refused,
#     receives per second against TPC-B tps at the same client count, and
#     whether the wrong codes were counted exactly (every one of those
#     domains at 5 failed attempts, its code revoked, one revocation event);
#  3. request + receive in one transaction (no side transaction at all),
#     with the service on and off.
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

hold_domxfer_lock "$0" "$@"

ROWS=${ROWS:-300}
TPCB_SECS=${TPCB_SECS:-10}
SCALE=${SCALE:-32}
RIGHT=${RIGHT:-1980}
WRONG_DOMAINS=${WRONG_DOMAINS:-20}

WORK=$(writable_dir "$TOP/.bench/auth_check" "/var/tmp/domxfer-bench-auth-check-$(id -u)")
DATA="$WORK/data"
PORT=54359
cluster_stop "$DATA" 2>/dev/null
rm -rf "${WORK:?}"/*
trap 'cluster_stop "$DATA"' EXIT

psql_b() { as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U postgres -d bench "$@"; }
pgb() { (cd "$WORK" && as_run_user pgbench --host="$DATA" --port="$PORT" -U postgres "$@" bench); }

echo "starting a cluster in $DATA"
cluster_start "$DATA" "$PORT" "fsync = on
max_worker_processes = 8
shared_buffers = 256MB
max_connections = 100
domxfer.database = 'bench'
domxfer.registrar_id = 'bench-registrar'"
as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c 'CREATE DATABASE bench'
psql_b -c 'CREATE EXTENSION domxfer'
# restart so that the workers find their database at once
cluster_stop "$DATA"; cluster_start "$DATA" "$PORT"
for _ in $(seq 100); do
	[ "$(psql_b -c "SELECT state FROM domxfer.auth_check_service")" = running ] && break
	sleep 0.2
done
echo "check service: $(psql_b -c "SELECT state || ', ' || pool_size || ' workers, max_worker_processes ' || current_setting('max_worker_processes') || ', fsync ' || current_setting('fsync') FROM domxfer.auth_check_service")"
nproc_count=$(nproc)
echo "machine: $nproc_count cores; pgbench TPC-B scale $SCALE"

median_ms() {	# median_ms LOGPREFIX: median and p90 (ms) of pgbench per-transaction logs
	sort -n -k3,3 "$WORK"/"$1".* | awk '
		{ l[NR] = $3 }
		END { printf "%.2f %.2f %d\n", l[int((NR + 1) / 2)] / 1000, l[int(NR * 0.9)] / 1000, NR }'
}

# --- 0. floor: TPC-B ---------------------------------------------------------
pgb -i -q -s "$SCALE" >/dev/null 2>&1
declare -A TPCB TPCBN
for c in 1 16 32; do
	rm -f "$WORK"/tpcb"$c".*
	out=$(pgb -n -c "$c" -j 2 -T "$TPCB_SECS" -l --log-prefix="tpcb$c" 2>&1)
	TPCB[$c]=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	read -r med p90 n < <(median_ms "tpcb$c")
	echo "TPC-B $c client(s): ${TPCB[$c]} tps, median ${med} ms, p90 ${p90} ms"
	[ "$c" = 1 ] && TPCB_MED=$med
done

# Every lifecycle call writes an audit event and sends NOTIFY domxfer_transfer.
# PostgreSQL serializes the commits of notifying transactions (a global lock
# taken before the commit record and held until the transaction ends, WAL
# flush included), so this is the ceiling of any such call, whatever checks
# its code: TPC-B with one pg_notify added, at 32 clients.
cat >"$WORK/tpcb_notify.sql" <<'SQL'
\set aid random(1, 100000 * :scale)
\set bid random(1, 1 * :scale)
\set tid random(1, 10 * :scale)
\set delta random(-5000, 5000)
BEGIN;
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SELECT abalance FROM pgbench_accounts WHERE aid = :aid;
UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;
UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;
INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, :delta, CURRENT_TIMESTAMP);
SELECT pg_notify('bench', 'x');
END;
SQL
chmod a+r "$WORK/tpcb_notify.sql"
for c in 1 16 32; do
	rm -f "$WORK"/tpcbn"$c".*
	out=$(pgb -n -c "$c" -j 2 -T "$TPCB_SECS" -f "$WORK/tpcb_notify.sql" -l --log-prefix="tpcbn$c" 2>&1)
	TPCBN[$c]=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	read -r med p90 n < <(median_ms "tpcbn$c")
	echo "TPC-B + one NOTIFY, $c client(s): ${TPCBN[$c]} tps = $(awk -v a="${TPCBN[$c]}" -v b="${TPCB[$c]}" 'BEGIN { printf "%.2f", a / b }') of TPC-B, median ${med} ms, p90 ${p90} ms"
	[ "$c" = 1 ] && TPCBN_MED=$med
done

# --- fixtures ------------------------------------------------------------------
psql_b <<SQL
CREATE SCHEMA lat;
-- what each call was told; a right code refused is a lost customer request
CREATE TABLE lat.outcome (run text, kind text, sqlstate text);
CREATE FUNCTION lat.receive(run text, kind text, name text, code text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE v_state text;
BEGIN
	PERFORM domxfer.receive_transfer_request(name, code, 'gaining-reg');
	INSERT INTO lat.outcome VALUES (run, kind, '00000');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE;
	INSERT INTO lat.outcome VALUES (run, kind, v_state);
	RETURN v_state;
END \$\$;
-- calls: n (the order they are made in), domain, code, kind
CREATE TABLE lat.jobs (run text, n integer, name text, code text, kind text, PRIMARY KEY (run, n));
SQL

# make_run RUN RIGHT WRONG_DOMAINS: domains with committed codes, and the calls
make_run() {
	psql_b <<SQL
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$1-' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '400 days',
       'holder@example.org'
  FROM generate_series(1, $2 + $3) AS i;
CREATE TEMP TABLE codes AS
SELECT i, (domxfer.request_transfer_out('$1-' || i || '.example')).auth_code AS code
  FROM generate_series(1, $2 + $3) AS i;
-- the right codes, and five wrong codes per wrong domain, interleaved
INSERT INTO lat.jobs
SELECT '$1', row_number() OVER (ORDER BY x.slot), x.name, x.code, x.kind
  FROM (SELECT '$1-' || c.i || '.example' AS name, c.code, 'right' AS kind, c.i::float8 / $2 AS slot
		  FROM codes c WHERE c.i <= $2
		UNION ALL
		SELECT '$1-' || c.i || '.example', 'wrong-' || k, 'wrong', (k - 1 + (c.i - $2)::float8 / $3) / 5
		  FROM codes c, generate_series(1, 5) AS k WHERE c.i > $2) x;
CREATE SEQUENCE lat."$1_n";
SQL
	cat >"$WORK/$1.sql" <<SQL
SELECT lat.receive(j.run, j.kind, j.name, j.code) FROM lat.jobs j WHERE j.run = '$1' AND j.n = (SELECT nextval('lat."$1_n"'));
SQL
	chmod a+r "$WORK/$1.sql"
}

set_pool() {	# set_pool N: domxfer.auth_check_workers, reloaded, waited for
	psql_b -c "ALTER SYSTEM SET domxfer.auth_check_workers = $1" -c 'SELECT pg_reload_conf()' >/dev/null
	for _ in $(seq 100); do
		[ "$(psql_b -c "SELECT pool_size = $1 AND (pool_size = 0 OR cardinality(worker_pids) = pool_size) FROM domxfer.auth_check_service")" = t ] && return
		sleep 0.1
	done
}

counters() { psql_b -c "SELECT service_checks || ' ' || dynamic_checks || ' ' || fallback_busy || ' ' || group_commits FROM domxfer.auth_check_service"; }

# --- 1. one client, right code, separate transaction --------------------------
single() {	# single RUN: ROWS right-code calls, one client
	make_run "$1" "$ROWS" 0
	rm -f "$WORK"/log_"$1".*
	pgb -n -c 1 -t "$ROWS" -f "$WORK/$1.sql" -l --log-prefix="log_$1" >/dev/null
	read -r med p90 n < <(median_ms "log_$1")
	echo "$med $p90 $n"
}
before=$(counters)
read -r S_MED S_P90 S_N < <(single singleservice)
after=$(counters)
echo "receive, right code, separate transaction, 1 client, service: $S_N calls, median $S_MED ms, p90 $S_P90 ms" \
	"= $(awk -v a="$S_MED" -v b="$TPCB_MED" 'BEGIN { printf "%.1f", a / b }')x TPC-B's single-client median (target <= 4x)," \
	"$(awk -v a="$S_MED" -v b="$TPCBN_MED" 'BEGIN { printf "%.1f", a / b }')x TPC-B + NOTIFY's ($TPCBN_MED ms)" \
	"[service/dynamic checks, fallbacks, commits before: $before; after: $after]"
set_pool 0
read -r D_MED D_P90 D_N < <(single singledynamic)
echo "receive, right code, separate transaction, 1 client, old path (service off, a worker per call): $D_N calls, median $D_MED ms, p90 $D_P90 ms" \
	"= $(awk -v a="$D_MED" -v b="$TPCB_MED" 'BEGIN { printf "%.1f", a / b }')x TPC-B"
set_pool 2

# The service's round trip alone: the check function itself (what
# receive_transfer_request calls), right codes (which change nothing, so the
# same calls run again through the old path).
make_run rtt "$ROWS" 0
cat >"$WORK/rtt.sql" <<'SQL'
SELECT domxfer._check_auth_code_in_side_transaction(t.id, t.auth_code_salt, j.code, now())
  FROM lat.jobs j JOIN domxfer.transfers t ON t.domain_name = j.name AND t.state = 'auth_code_issued'
 WHERE j.run = 'rtt' AND j.n = (SELECT nextval('lat."rtt_n"'));
SQL
rtt() {	# rtt LABEL
	psql_b -c "SELECT setval('lat.\"rtt_n\"', 1, false)" >/dev/null
	rm -f "$WORK"/log_rtt.*
	pgb -n -c 1 -t "$ROWS" -f "$WORK/rtt.sql" -l --log-prefix=log_rtt >/dev/null
	read -r med p90 n < <(median_ms log_rtt)
	echo "check round trip alone (_check_auth_code_in_side_transaction, right code), 1 client, $1: $n calls, median $med ms, p90 $p90 ms"
}
rtt "service"
set_pool 0
rtt "old path (a worker per call)"
set_pool 2

# The lifecycle's own ceiling at 32 and 16 clients: request_transfer_out
# alone (one audit event, one NOTIFY, no side transaction).
reqfloor() {	# reqfloor RUN CLIENTS
	local total=$((RIGHT + WRONG_DOMAINS)) out
	psql_b -c "
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$1-' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, $total) AS i;
CREATE SEQUENCE lat.\"$1_n\";"
	cat >"$WORK/$1.sql" <<SQL
SELECT (domxfer.request_transfer_out('$1-' || nextval('lat."$1_n"') || '.example')).transfer_id;
SQL
	chmod a+r "$WORK/$1.sql"
	out=$(pgb -n -c "$2" -j 2 -t $((total / $2)) -f "$WORK/$1.sql" 2>&1)
	REQF[$2]=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	echo "request_transfer_out alone, $2 clients (no side transaction): ${REQF[$2]} calls/s = $(awk -v a="${REQF[$2]}" -v b="${TPCB[$2]}" 'BEGIN { printf "%.2f", a / b }') of TPC-B"
}
declare -A REQF
reqfloor reqfloora 32
reqfloor reqfloorb 16

# --- 2. portfolio bursts --------------------------------------------------------
burst() {	# burst RUN CLIENTS
	local run=$1 c=$2 total t0 t1 out
	make_run "$run" "$RIGHT" "$WRONG_DOMAINS"
	total=$((RIGHT + 5 * WRONG_DOMAINS))
	before=$(counters)
	rm -f "$WORK"/log_"$run".*
	t0=$(date +%s.%N)
	out=$(pgb -n -c "$c" -j 2 -t $(((total + c - 1) / c)) -f "$WORK/$run.sql" -l --log-prefix="log_$run" 2>&1)
	t1=$(date +%s.%N)
	read -r med p90 n < <(median_ms "log_$run")
	local tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1)
	echo "burst $c clients: $total calls ($RIGHT right codes, $WRONG_DOMAINS domains x 5 wrong codes) in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') s:" \
		"$tps receives/s = $(awk -v a="$tps" -v b="${TPCB[$c]}" 'BEGIN { printf "%.2f", a / b }') of TPC-B at $c clients (${TPCB[$c]} tps; target >= 0.3);" \
		"median $med ms, p90 $p90 ms"
	echo "  = $(awk -v a="$tps" -v b="${TPCBN[$c]}" 'BEGIN { printf "%.2f", a / b }') of TPC-B + NOTIFY at $c clients (${TPCBN[$c]} tps)," \
		"$(awk -v a="$tps" -v b="${REQF[$c]}" 'BEGIN { printf "%.2f", a / b }') of request_transfer_out alone at $c clients (${REQF[$c]}/s)"
	echo "  outcomes: $(psql_b -c "SELECT string_agg(kind || ' ' || sqlstate || ': ' || n, ', ' ORDER BY kind, sqlstate) FROM (SELECT kind, sqlstate, count(*) AS n FROM lat.outcome WHERE run = '$run' GROUP BY 1, 2) x")"
	echo "  right codes refused: $(psql_b -c "SELECT count(*) FROM lat.outcome WHERE run = '$run' AND kind = 'right' AND sqlstate <> '00000'") (target 0)"
	echo "  wrong-code domains: $(psql_b -c "
SELECT count(*) FILTER (WHERE t.failed_attempts = 5 AND t.auth_code_hash IS NULL AND t.state = 'auth_code_issued'
						AND (SELECT count(*) FROM domxfer.transfer_events e WHERE e.transfer_id = t.id
							  AND e.detail ->> 'action' = 'auth_code_revoked') = 1)
       || ' of ' || count(*) || ' at exactly 5 failed attempts, revoked once'
  FROM domxfer.transfers t WHERE t.domain_name LIKE '$run-%' AND t.domain_name IN (SELECT name FROM lat.jobs WHERE run = '$run' AND kind = 'wrong')")"
	echo "  service/dynamic checks, fallbacks, commits before: $before; after: $(counters); largest group: $(psql_b -c 'SELECT largest_group FROM domxfer.auth_check_service')"
}
burst burst32 32
burst burst16 16

# --- 3. request + receive in one transaction -----------------------------------
same() {	# same RUN LABEL [CLIENTS [CALLS]]: request + receive pairs, one statement each
	local c=${3:-1} calls=${4:-$ROWS}
	psql_b -c "
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT '$1-' || i || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '400 days', 'holder@example.org'
  FROM generate_series(1, $calls) AS i;
CREATE SEQUENCE lat.\"$1_n\";"
	cat >"$WORK/$1.sql" <<SQL
SELECT lat.receive('$1', 'same', s.name, (domxfer.request_transfer_out(s.name)).auth_code)
  FROM (SELECT '$1-' || nextval('lat."$1_n"') || '.example' AS name) s;
SQL
	chmod a+r "$WORK/$1.sql"
	rm -f "$WORK"/log_"$1".*
	out=$(pgb -n -c "$c" -j 2 -t $((calls / c)) -f "$WORK/$1.sql" -l --log-prefix="log_$1" 2>&1)
	read -r med p90 n < <(median_ms "log_$1")
	echo "request + receive in one transaction, $c client(s), $2: $n calls, median $med ms, p90 $p90 ms," \
		"$(echo "$out" | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -1) tps" \
		"($(psql_b -c "SELECT count(*) FILTER (WHERE sqlstate = '00000') || ' accepted' FROM lat.outcome WHERE run = '$1'"))"
}
same sameservice "service on"
set_pool 0
same samedynamic "service off (old path)"
set_pool 2
# the lifecycle's own ceiling at 32 clients: no side transaction at all
same samefloor "32 clients, no side transaction (the lifecycle's own ceiling)" 32 $((RIGHT + 5 * WRONG_DOMAINS))
