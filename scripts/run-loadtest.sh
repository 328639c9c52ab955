#!/usr/bin/env bash
# make loadtest: concurrent load with invariants, then the same load under a
# crash loop. Not part of make test (it takes minutes); CI does not run it.
#
# Each phase gets a throwaway cluster of its own, loads a data set
# (test/loadtest/setup.sql), runs pgbench with the scripts of test/loadtest
# (LOADTEST_CLIENTS application sessions as a domxfer_app member, plus one
# superuser session for the test-only time warp and win-backs) for
# LOADTEST_SECONDS, then checks test/loadtest/invariants.sql and the server
# log, and prints the figures. Any breach, unexpected error or aborted client
# fails the run (exit status 1).
#
#   steady: one uninterrupted pgbench run.
#   burst:  a portfolio burst: the holder asks for the codes of
#           LOADTEST_BURST_DOMAINS (2000) domains, then LOADTEST_BURST_CLIENTS
#           (32) clients send the right code of each, each in its own
#           transaction, with LOADTEST_BURST_WRONG (40) wrong codes from 2
#           more clients, on a server with max_worker_processes =
#           LOADTEST_BURST_MAX_WORKER_PROCESSES (8, PostgreSQL's default);
#           then invariants.sql and burst_invariants.sql (every right code
#           accepted, none refused as busy, wrong codes counted exactly),
#           and the figures against pgbench's TPC-B at the same client count
#           on the same server (LOADTEST_TPCB_SECONDS, 10).
#   crash:  pgbench rounds; every 12-18 s one process gets kill -9 (in turn:
#           the domxfer worker, a random application backend, a domxfer side
#           transaction worker or else an application backend); the postmaster
#           reinitializes, the invariants are checked after every restart,
#           and the next round starts.
#
# Settings (environment): LOADTEST_SECONDS (180, per phase),
# LOADTEST_PHASES ("steady burst crash"), LOADTEST_CLIENTS (16),
# LOADTEST_ELIGIBLE (20000), LOADTEST_INELIGIBLE (2000), LOADTEST_HK (500).
. "$(dirname "$0")/common.sh"

hold_domxfer_lock "$0" "$@"

DURATION=${LOADTEST_SECONDS:-180}
PHASES=${LOADTEST_PHASES:-steady burst crash}
BURST=${LOADTEST_BURST_DOMAINS:-2000}
BURST_CLIENTS=${LOADTEST_BURST_CLIENTS:-32}
BURST_WRONG=${LOADTEST_BURST_WRONG:-40}
TPCB_SECONDS=${LOADTEST_TPCB_SECONDS:-10}
CLIENTS=${LOADTEST_CLIENTS:-16}
ELIGIBLE=${LOADTEST_ELIGIBLE:-20000}
INELIGIBLE=${LOADTEST_INELIGIBLE:-2000}
HK=${LOADTEST_HK:-500}
REGISTRAR=loadtest-reg
PORT=54345
DB=loadtest
GRACE='3 s'

# The application mix: script and weight.
APP_SCRIPTS=(
	app_request.sql@12
	app_request_receive.sql@25
	app_wrong_code.sql@10
	app_cancel.sql@6
	app_approve.sql@8
	app_read_slice.sql@12
	app_read_history.sql@20
	app_toggle_unpaid.sql@3
	app_manual.sql@4
)
ADMIN_SCRIPTS=(admin_warp.sql@1 admin_win_back.sql@1)
ADMIN_RATE=4	# admin transactions per second (2 warps and 2 win-backs)

WORK=$(writable_dir "$TOP/.loadtest" "/var/tmp/domxfer-loadtest-$(id -u)")
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

psql_as() {	# psql_as USER [psql args...]
	local user=$1; shift
	as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U "$user" -d "$DB" "$@"
}
psql_su() { psql_as postgres "$@"; }

# Waits until the server accepts connections and the worker runs (after a
# start or a crash restart); fails after 60 s.
wait_for_worker() {
	local i
	for i in $(seq 300); do
		if [ "$(psql_su -c "SELECT state FROM domxfer.worker_status()" 2>/dev/null)" = running ]; then
			WORKER_PIDS="$WORKER_PIDS $(psql_su -c "SELECT pid FROM domxfer.worker_status()")"
			return 0
		fi
		sleep 0.2
	done
	fail "the worker is not running 60 s after (re)start"
	return 1
}

# Waits (at most 20 s) until no open transfer is past its due instant by
# more than $GRACE, so the invariant with check_overdue can hold.
wait_for_due_decisions() {
	local i
	for i in $(seq 100); do
		[ "$(psql_su -c "SELECT count(*) FROM domxfer.transfers WHERE due_at < clock_timestamp() - interval '$GRACE'")" = 0 ] && return 0
		sleep 0.2
	done
}

# Runs the invariants; prints them; counts a failure for each breached one.
check_invariants() {	# check_invariants LABEL on|off
	local out breached
	out=$(psql_su -F ' | ' -v check_overdue="$2" -v grace="$GRACE" -f "$WORK/scripts/invariants.sql") \
		|| { fail "$1: the invariant queries failed"; return; }
	breached=$(awk -F ' [|] ' '$2 != 0' <<<"$out")
	INVARIANTS_RUN=$((INVARIANTS_RUN + 1))
	CHECKS_RUN=$((CHECKS_RUN + $(wc -l <<<"$out")))
	if [ -n "$breached" ]; then
		echo "$out"
		fail "$1: invariants breached:"
		echo "$breached"
	else
		echo "$1: $(wc -l <<<"$out") invariants hold"
	fi
}

# The server log from the start of the load: every ERROR, FATAL, PANIC and
# WARNING, deadlock, assertion failure or process death is unexpected unless
# the crash loop caused it. Lock waits (log_lock_waits) are only counted.
check_server_log() {	# check_server_log KILLS
	local log="$DATA/server.log" tail_log unexpected signals
	tail_log=$(tail -c +"$((LOG_OFFSET + 1))" "$log")
	# messages the crash loop itself causes (kill -9 and the reinitialization)
	local crash_re='terminating connection because of crash of another server process|the database system is in recovery mode|the database system is not yet accepting connections|the database system is starting up|connection to client lost'
	unexpected=$(grep -E '(ERROR|FATAL|PANIC|WARNING):|deadlock|TRAP:' <<<"$tail_log" || true)
	if [ "$1" -gt 0 ]; then
		unexpected=$(grep -Ev "$crash_re" <<<"$unexpected" || true)
	fi
	if [ -n "$unexpected" ]; then
		fail "unexpected messages in the server log ($(wc -l <<<"$unexpected") lines):"
		head -20 <<<"$unexpected"
	fi
	signals=$(grep -c 'terminated by signal' <<<"$tail_log" || true)
	if [ "$signals" != "$1" ]; then
		fail "server log shows $signals processes terminated by a signal, the crash loop sent $1 kills"
		grep 'terminated by signal' <<<"$tail_log" | head -20
	fi
	local waits max_wait behind_worker
	waits=$(grep -c 'still waiting for' <<<"$tail_log" || true)
	max_wait=$(grep -oE 'acquired [A-Za-z]+ on .* after [0-9.]+ ms' <<<"$tail_log" |
		awk '{v = $(NF - 1) + 0; if (v > m) m = v} END {printf "%.0f", m}' || true)
	behind_worker=$(grep -A1 'still waiting for' <<<"$tail_log" | grep -oE 'Process holding the lock: [0-9]+' |
		awk -v workers="$WORKER_PIDS" 'BEGIN {split(workers, w, " "); for (i in w) is_worker[w[i]] = 1}
			is_worker[$NF] {n++} END {print n + 0}' || true)
	[ -z "$unexpected" ] && echo "server log: no unexpected ERROR/FATAL/PANIC/WARNING, no deadlock"
	echo "server log: $1 kills, $signals signal deaths logged; lock waits over deadlock_timeout: $waits" \
		"($behind_worker behind a batch of the worker), longest $max_wait ms"
}

# Sums pgbench's per-script figures over the rounds of a phase.
pgbench_summary() {	# pgbench_summary SECONDS FILE...
	local secs=$1; shift
	awk -v secs="$secs" '
		/^SQL script [0-9]+:/ { name = $4; sub(/.*\//, "", name); sub(/\.sql$/, "", name) }
		/^ - [0-9]+ transactions/ { n = $2; tx[name] += n }
		/^ - latency average = / { lat[name] += $5 * n }
		END {
			printf "%-22s %10s %9s %14s\n", "pgbench script", "committed", "tps", "latency avg ms"
			for (s in tx) printf "%-22s %10d %9.1f %14.1f\n", s, tx[s], tx[s] / secs, (tx[s] ? lat[s] / tx[s] : 0)
		}' "$@" | { read -r header; echo "$header"; sort; }
}

# Unexpected pgbench errors: anything but a lost connection (in the crash loop).
check_pgbench() {	# check_pgbench STDERR_FILE crash|steady
	local bad
	bad=$(grep -E 'aborted|error' "$1" || true)
	if [ "$2" = crash ]; then
		bad=$(grep -Ev 'terminating connection because of crash|server closed the connection unexpectedly|could not receive data from server|no connection to the server|connection to server .* failed|perhaps the backend died|the database system is in recovery mode|Run was aborted|pgbench: error: .*client [0-9]+ aborted in command [0-9]+ \(SQL\) of script [0-9]+; perhaps' <<<"$bad" || true)
	fi
	if [ -n "$bad" ]; then
		fail "pgbench reported unexpected errors ($1):"
		head -20 <<<"$bad"
	fi
}

# Starts both pgbench runs in the background for $1 seconds.
start_load() {	# start_load SECONDS ROUND
	local secs=$1 round=$2 app_args=() admin_args=() s
	for s in "${APP_SCRIPTS[@]}"; do app_args+=(-f "$WORK/scripts/$s"); done
	for s in "${ADMIN_SCRIPTS[@]}"; do admin_args+=(-f "$WORK/scripts/$s"); done
	as_run_user pgbench -n -c "$CLIENTS" -j 2 -T "$secs" -r \
		-D domains=$((ELIGIBLE + INELIGIBLE)) -D eligible="$ELIGIBLE" -D hk="$HK" \
		"${app_args[@]}" --host="$DATA" --port="$PORT" -U loadtest_app "$DB" \
		>"$RUN/app.$round.out" 2>"$RUN/app.$round.err" &
	APP_PID=$!
	as_run_user pgbench -n -c 1 -T "$secs" -R "$ADMIN_RATE" -r \
		"${admin_args[@]}" --host="$DATA" --port="$PORT" -U postgres "$DB" \
		>"$RUN/admin.$round.out" 2>"$RUN/admin.$round.err" &
	ADMIN_PID=$!
}

# A fresh cluster with the extension and the data set.
setup_phase() {	# setup_phase NAME
	RUN="$WORK/$1"
	DATA="$RUN/data"
	cluster_stop "$DATA" 2>/dev/null || true
	rm -rf "$RUN"
	mkdir -p "$RUN" "$WORK/scripts"
	cp "$TOP"/test/loadtest/*.sql "$WORK/scripts/"
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$WORK"
	cluster_start "$DATA" "$PORT" "domxfer.database = '$DB'
domxfer.registrar_id = '$REGISTRAR'
domxfer.naptime = 1000
max_connections = 100
max_worker_processes = ${LOADTEST_MAX_WORKER_PROCESSES:-40}
shared_buffers = 256MB
log_lock_waits = on
deadlock_timeout = 200ms
restart_after_crash = on
log_line_prefix = '%m [%p] %q%a %e '"
	as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c "CREATE DATABASE $DB"
	psql_su -c 'CREATE EXTENSION domxfer'
	# restart so the worker finds its database at once
	cluster_stop "$DATA"
	cluster_start "$DATA" "$PORT"
	local t0=$SECONDS
	psql_su -v eligible="$ELIGIBLE" -v ineligible="$INELIGIBLE" -v hk="$HK" -v registrar="$REGISTRAR" \
		-f "$WORK/scripts/setup.sql"
	echo "data set: $ELIGIBLE eligible + $INELIGIBLE ineligible .loadtest domains, $HK .hk domains ($((SECONDS - t0)) s)"
	WORKER_PIDS=""
	wait_for_worker
	LOG_OFFSET=$(stat -c %s "$DATA/server.log")
	INVARIANTS_RUN=0
	CHECKS_RUN=0
}

# Invariants at the end, log, figures; stops the cluster.
finish_phase() {	# finish_phase NAME KILLS LOAD_SECONDS
	wait_for_due_decisions
	check_invariants "$1, end" on
	check_server_log "$2"
	echo
	pgbench_summary "$3" "$RUN"/app.*.out "$RUN"/admin.*.out
	echo
	psql_su -F ' | ' -P footer=off -f "$WORK/scripts/report.sql" | sed 's/^-- /\n/'
	echo
	echo "$1: $INVARIANTS_RUN invariant runs, $CHECKS_RUN checks, $failures failures so far"
	cluster_stop "$DATA"
}

phase_steady() {
	echo "== steady load: $CLIENTS clients for $DURATION s"
	setup_phase steady
	local t0=$SECONDS
	start_load "$DURATION" 1
	wait "$APP_PID" || fail "pgbench (application) exited with status $?"
	wait "$ADMIN_PID" || fail "pgbench (admin) exited with status $?"
	local secs=$((SECONDS - t0))
	check_pgbench "$RUN/app.1.err" steady
	check_pgbench "$RUN/admin.1.err" steady
	finish_phase steady 0 "$secs"
}

# Latency percentiles (ms) of pgbench --log files: "n p50 p99 max".
latency_ms() {	# latency_ms FILES...
	cat "$@" 2>/dev/null | awk '{print $3}' | sort -n |
		awk '{v[NR] = $1} END {if (!NR) {print "0 0 0 0"; exit}
			p50 = v[int((NR + 1) / 2)]; i = int(NR * 0.99); if (i < 1) i = 1
			printf "%d %.1f %.1f %.1f\n", NR, p50 / 1000, v[i] / 1000, v[NR] / 1000}'
}

phase_burst() {
	echo "== portfolio burst: $BURST domains, right codes from $BURST_CLIENTS clients, $BURST_WRONG wrong codes," \
		"max_worker_processes = ${LOADTEST_BURST_MAX_WORKER_PROCESSES:-8}"
	LOADTEST_MAX_WORKER_PROCESSES=${LOADTEST_BURST_MAX_WORKER_PROCESSES:-8} setup_phase burst
	# the holder asks for every code of the portfolio, each in its own transaction
	psql_su -c "
DO \$\$
BEGIN
	FOR n IN 1 .. $BURST LOOP
		INSERT INTO loadtest.portfolio SELECT n, r.transfer_id, r.auth_code
		  FROM loadtest.request_for_receive(n) AS r WHERE r.transfer_id > 0;
		COMMIT;
	END LOOP;
END
\$\$"
	local n_portfolio per_client t0 secs
	n_portfolio=$(psql_su -c "SELECT count(*) FROM loadtest.portfolio")
	per_client=$(( (n_portfolio + BURST_CLIENTS - 1) / BURST_CLIENTS ))
	(cd "$RUN" && as_run_user pgbench -n -c 2 -t $(( (BURST_WRONG + 1) / 2 )) -f "$WORK/scripts/burst_wrong_code.sql" \
		--host="$DATA" --port="$PORT" -U loadtest_app "$DB" >"$RUN/wrong.out" 2>"$RUN/wrong.err") &
	local wrong_pid=$!
	: >"$RUN/admin.1.out"
	t0=$(date +%s.%N)
	(cd "$RUN" && as_run_user pgbench -n -c "$BURST_CLIENTS" -j 2 -t "$per_client" -f "$WORK/scripts/burst_receive.sql" \
		--log --log-prefix=burst --host="$DATA" --port="$PORT" -U loadtest_app "$DB" \
		>"$RUN/app.1.out" 2>"$RUN/app.1.err") || fail "pgbench (burst) exited with status $?"
	secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b - a}')
	wait "$wrong_pid" || fail "pgbench (wrong codes) exited with status $?"
	check_pgbench "$RUN/app.1.err" steady
	check_pgbench "$RUN/wrong.err" steady
	local out
	out=$(psql_su -F ' | ' -f "$WORK/scripts/burst_invariants.sql") || fail "burst: the invariant queries failed"
	echo "$out"
	[ -z "$(awk -F ' [|] ' '$2 != 0' <<<"$out")" ] || fail "burst: portfolio invariants breached"
	local n p50 p99 max accepted busy wrong counted tps
	read -r n p50 p99 max < <(latency_ms "$RUN"/burst.*)
	read -r accepted busy < <(psql_su -F ' ' -c "SELECT count(*) FILTER (WHERE outcome = 'ok'), count(*) FILTER (WHERE outcome LIKE 'busy%')
	  FROM loadtest.op_log WHERE op = 'receive_right_code'")
	read -r wrong counted < <(psql_su -F ' ' -c "SELECT count(*) FILTER (WHERE op = 'receive_wrong_code'),
	  (SELECT sum(t.failed_attempts) FROM loadtest.portfolio p JOIN domxfer.transfers t ON t.id = p.transfer_id)
	  FROM loadtest.op_log")
	# the floor: pgbench's TPC-B at the same client count, same server, same run
	as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c "CREATE DATABASE tpcb"
	as_run_user pgbench -i -q -s "$BURST_CLIENTS" --host="$DATA" --port="$PORT" -U postgres tpcb >/dev/null 2>&1
	tps=$(as_run_user pgbench -n -c "$BURST_CLIENTS" -j 2 -T "$TPCB_SECONDS" --host="$DATA" --port="$PORT" -U postgres tpcb 2>/dev/null |
		awk '/^tps = / {printf "%.0f", $3}')
	awk -v n="$n_portfolio" -v c="$BURST_CLIENTS" -v s="$secs" -v acc="$accepted" -v busy="$busy" -v p50="$p50" -v p99="$p99" \
		-v max="$max" -v wrong="$wrong" -v counted="$counted" -v tps="$tps" 'BEGIN {
		printf "burst: %d right codes from %d clients in %.2f s: %d accepted, %d refused as busy; %.0f receives/s\n", n, c, s, acc, busy, n / s
		printf "burst: receive latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; wrong codes sent %d, counted %d\n", p50, p99, max, wrong, counted
		printf "burst: pgbench TPC-B at %d clients on the same server: %d tps; receives/s against it: %.3f (issue 12 target >= 0.3)\n", c, tps, (tps ? n / s / tps : 0)
	}'
	finish_phase burst 0 "$secs"
}

# The pid to kill -9 in round n: the worker, an application backend, a side
# transaction worker (or an application backend when none is running).
pick_victim() {	# pick_victim ROUND -> "kind pid"
	local sql
	case $(($1 % 3)) in
		1) sql="SELECT 'worker', pid FROM pg_stat_activity WHERE backend_type = 'domxfer worker'" ;;
		2) sql="SELECT 'client', pid FROM pg_stat_activity WHERE usename = 'loadtest_app'
				 AND backend_type = 'client backend' ORDER BY random() LIMIT 1" ;;
		0) sql="(SELECT 'side_transaction', pid FROM pg_stat_activity
				  WHERE backend_type = 'domxfer side transaction' LIMIT 1)
				UNION ALL
				(SELECT 'client', pid FROM pg_stat_activity WHERE usename = 'loadtest_app'
				  AND backend_type = 'client backend' ORDER BY random() LIMIT 1)
				LIMIT 1" ;;
	esac
	psql_su -F ' ' -c "$sql"
}

phase_crash() {
	echo "== crash loop: $CLIENTS clients for $DURATION s, kill -9 every 12-18 s"
	setup_phase crash
	local t0=$SECONDS end=$((SECONDS + DURATION)) round=0 kills=0 remaining delay victim kind pid
	local killed_kinds=""
	while [ $((remaining = end - SECONDS)) -gt 2 ]; do
		round=$((round + 1))
		start_load "$remaining" "$round"
		delay=$((12 + RANDOM % 7))
		if [ "$remaining" -le $((delay + 2)) ]; then
			# the last round runs to the end undisturbed
			wait "$APP_PID" || fail "pgbench (application) exited with status $? in the last round"
			wait "$ADMIN_PID" || fail "pgbench (admin) exited with status $? in the last round"
			check_pgbench "$RUN/app.$round.err" steady
			check_pgbench "$RUN/admin.$round.err" steady
			break
		fi
		sleep "$delay"
		read -r kind pid < <(pick_victim "$round") || true
		if [ -z "${pid:-}" ]; then
			fail "round $round: no process to kill"
			kill "$APP_PID" "$ADMIN_PID" 2>/dev/null || true
		else
			kill -9 "$pid"
			kills=$((kills + 1))
			killed_kinds="$killed_kinds $kind"
			echo "round $round: kill -9 $kind $pid after $delay s"
		fi
		wait "$APP_PID" || true
		wait "$ADMIN_PID" || true
		check_pgbench "$RUN/app.$round.err" crash
		check_pgbench "$RUN/admin.$round.err" crash
		wait_for_worker || break
		wait_for_due_decisions
		check_invariants "round $round, after the restart" on
	done
	local secs=$((SECONDS - t0))
	echo "crashes survived: $kills ($(tr ' ' '\n' <<<"$killed_kinds" | grep . | sort | uniq -c | awk '{printf "%s%s %s", sep, $1, $2; sep = ", "}'))"
	finish_phase crash "$kills" "$secs"
}

for phase in $PHASES; do
	"phase_$phase"
	echo
done
if [ "$failures" -gt 0 ]; then
	echo "make loadtest: FAILED ($failures failures)"
	exit 1
fi
echo "make loadtest: passed ($PHASES)"
