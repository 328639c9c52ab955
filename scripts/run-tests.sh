#!/usr/bin/env bash
# make test: every test suite against throwaway servers.
# Prints one progress line per suite as it ends, then the details of what
# failed (diffs, failing TAP assertions with their diagnostics), then one
# final line "N passed, N failed" over all suites; exits non-zero when
# anything failed. Each suite's whole output is kept in .test/logs/.
. "$(dirname "$0")/common.sh"
set +e

WORK=$(writable_dir "$TOP/.test" "/var/tmp/domxfer-test-$(id -u)")
cluster_stop "$WORK/data" 2>/dev/null
rm -rf "${WORK:?}"/*
# The suites run as the run user, which may not be able to read the checkout.
cp -r "$TOP/sql" "$TOP/expected" "$TOP/test" "$WORK/"
# test/t/400_readme_sql.pl runs the SQL of README.md and docs/*.md against the demo data;
# test/t/405_demo_script.pl checks scripts/demo.sh's messages
cp -r "$TOP/README.md" "$TOP/docs" "$TOP/demo" "$TOP/scripts" "$WORK/"
[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$WORK"

# DOMXFER_TEST_PORT: the throwaway server's port (several checkouts on one
# machine each need their own). DOMXFER_SUITES: the suites to run (default
# all: meta regress isolation pgtap tap node); DOMXFER_TESTS: a filter
# (extended regex) on the test names of the selected suites;
# DOMXFER_TAP_PORT: the first port the Perl TAP servers try.
PORT=${DOMXFER_TEST_PORT:-54329}
SUITES=${DOMXFER_SUITES:-meta regress isolation pgtap tap node}
FILTER=${DOMXFER_TESTS:-.}
DATA="$WORK/data"
PASSED=0
FAILED=0
DETAILS="$WORK/logs/failures.txt"
LOGDIR="$WORK/logs"
mkdir -p "$LOGDIR"
: >"$DETAILS"
SUITE_START=$(date +%s)

# record SUITE PASSED FAILED: the suite's progress line
record() {
	PASSED=$((PASSED + $2)); FAILED=$((FAILED + $3))
	printf '%-11s %4d passed, %d failed (%d s)\n' "$1" "$2" "$3" $(( $(date +%s) - SUITE_START ))
	SUITE_START=$(date +%s)
}

# detail SUITE TEXT: kept for the failure report at the end
detail() {
	{ echo "--- failed in $1 (whole output: $LOGDIR/$1.log)"; echo "$2"; echo; } >>"$DETAILS"
}

# failing_tap OUTPUT: the "not ok" lines of TAP output with the diagnostics
# ("# ...") that follow them, the files that died, and prove's summary
failing_tap() {
	echo "$1" | awk '
		/^[[:space:]]*not ok/ { print; block = 0; next }
		/^[[:space:]]*#[[:space:]]+Failed test/ { block = 1 }
		block && /^[[:space:]]*#/ { print; next }
		{ block = 0 }
		/^(Dubious|Bailout|Bail out!)/ { print; next }
		/^Test Summary Report/ { tail = 1 }
		/^Parse errors|No plan found|exited with/ { print; next }
		tail { print }'
}

echo "throwaway PostgreSQL $("$PGBIN/postgres" --version 2>/dev/null | sed 's/^[^0-9]*//') in $DATA"
if ! cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'regress-us'"; then
	echo "0 passed, 1 failed"; exit 1
fi
trap 'cluster_stop "$DATA"' EXIT
CONN=(--host="$DATA" --port="$PORT" --user=postgres)

# pg_regress: sql/*.sql against expected/*.out, one database for all.
suite_regress() {
	local tests out total failed
	tests=$(cd "$WORK/sql" && ls *.sql 2>/dev/null | sed 's/\.sql$//' | sort | grep -E "$FILTER")
	[ -n "$tests" ] || return 0
	out=$(cd "$WORK" && as_run_user "$PGXS_DIR/src/test/regress/pg_regress" \
		--inputdir=. --outputdir=regress --bindir="$PGBIN" "${CONN[@]}" \
		--dbname=domxfer_regress --load-extension=domxfer \
		$tests 2>&1)
	echo "$out" >"$LOGDIR/pg_regress.log"
	total=$(echo "$tests" | wc -w)
	failed=$(echo "$out" | grep -cE '^(not ok|test .* \.\.\. FAILED| *[a-z0-9_]+ +\.\.\. FAILED)')
	if echo "$out" | grep -qE 'tests? passed|All [0-9]+ tests passed'; then :; elif [ "$failed" -eq 0 ]; then failed=$total; fi
	if [ "$failed" -gt 0 ]; then
		detail pg_regress "$(echo "$out" | grep -E 'FAILED|^not ok|failed|error' ; cat "$WORK/regress/regression.diffs" 2>/dev/null)"
	fi
	record pg_regress $((total - failed)) "$failed"
}

# pg_isolation_regress: test/isolation/specs/*.spec.
suite_isolation() {
	local specs out total failed
	specs=$(cd "$WORK/test/isolation/specs" 2>/dev/null && ls *.spec 2>/dev/null | sed 's/\.spec$//' | sort | grep -E "$FILTER")
	[ -n "$specs" ] || return 0
	out=$(cd "$WORK/test/isolation" && as_run_user "$PGXS_DIR/src/test/isolation/pg_isolation_regress" \
		--inputdir=. --outputdir=results --bindir="$PGBIN" "${CONN[@]}" \
		--dbname=domxfer_isolation --load-extension=domxfer \
		$specs 2>&1)
	echo "$out" >"$LOGDIR/isolation.log"
	total=$(echo "$specs" | wc -w)
	failed=$(echo "$out" | grep -cE '(\.\.\. FAILED|^not ok)')
	if ! echo "$out" | grep -qE 'All [0-9]+ tests passed|tests? passed'; then [ "$failed" -eq 0 ] && failed=$total; fi
	if [ "$failed" -gt 0 ]; then
		detail isolation "$(echo "$out" | grep -E 'FAILED|^not ok|failed|error'; cat "$WORK/test/isolation/results/regression.diffs" 2>/dev/null)"
	fi
	record isolation $((total - failed)) "$failed"
}

# Counts a prove run's assertions: "Tests=N" and "Failed X/Y subtests";
# a file that died or planned wrong counts one failure more.
count_prove() {	# count_prove SUITE OUTPUT EXIT
	local out=$2 rc=$3 total failed
	total=$(echo "$out" | sed -n 's/.*Tests=\([0-9]*\).*/\1/p' | tail -1)
	failed=$(echo "$out" | sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' | awk '{s += $1} END {print s + 0}')
	total=${total:-0}; failed=${failed:-0}
	if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; total=$((total + 1)); fi
	record "$1" $((total - failed)) "$failed"
}

# pgTAP through pg_prove: test/pgtap/*.sql, each file in a transaction.
suite_pgtap() {
	local files out rc
	files=$(cd "$WORK" && ls test/pgtap/*.sql 2>/dev/null | grep -E "$FILTER")
	[ -n "$files" ] || return 0
	as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d postgres -v ON_ERROR_STOP=1 -c 'DROP DATABASE IF EXISTS domxfer_pgtap' -c 'CREATE DATABASE domxfer_pgtap' >/dev/null 2>&1
	as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d domxfer_pgtap -v ON_ERROR_STOP=1 \
		-c 'CREATE EXTENSION pgtap' -c 'CREATE EXTENSION domxfer' >"$LOGDIR/pgTAP-setup.log" 2>&1
	out=$(cd "$WORK" && as_run_user pg_prove --host "$DATA" --port "$PORT" --username postgres --dbname domxfer_pgtap \
		--set ON_ERROR_STOP=1 $files 2>&1); rc=$?
	echo "$out" >"$LOGDIR/pgTAP.log"
	[ "$rc" -ne 0 ] && detail pgTAP "$(failing_tap "$out")"
	count_prove pgTAP "$out" $rc
}

# Perl TAP with PostgreSQL::Test::Cluster: test/t/*.pl (servers of their own).
suite_tap() {
	local files out rc
	files=$(cd "$WORK/test" 2>/dev/null && ls t/*.pl 2>/dev/null | grep -E "$FILTER")
	[ -n "$files" ] || return 0
	# the drivers start their servers themselves: they get DOMXFER_SERVER_ENV
	# shellcheck disable=SC2086
	out=$(cd "$WORK/test" && as_run_user env ${DOMXFER_SERVER_ENV:-} PERL5LIB="$PGXS_DIR/src/test/perl" \
		PG_REGRESS="$PGXS_DIR/src/test/regress/pg_regress" TESTDIR="$WORK/test" \
		PGPORT="${DOMXFER_TAP_PORT:-55432}" prove -v $files 2>&1); rc=$?
	echo "$out" >"$LOGDIR/tap.log"
	[ "$rc" -ne 0 ] && detail tap "$(failing_tap "$out")
(the servers' logs: $WORK/test/tmp_check/log/)"
	count_prove tap "$out" $rc
}

# The Node.js application example (examples/node) against this server:
# npm ci in a copy (node_modules never comes from the checkout), then
# test/node/run.sh runs it and checks its output (TAP lines).
suite_node() {
	local out
	[ -f "$TOP/examples/node/package.json" ] || return 0
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		detail node "node or npm not found (scripts/install-deps.sh installs them)"
		record node 0 1
		return
	fi
	mkdir -p "$WORK/node/example"
	(cd "$TOP/examples/node" && cp package.json package-lock.json *.js "$WORK/node/example/")
	[ "$(id -u)" = 0 ] && chown -R "$RUN_USER" "$WORK/node"
	out=$(cd "$WORK/node" && as_run_user env PGHOST="$DATA" PGPORT="$PORT" PGUSER=postgres \
		bash "$WORK/test/node/run.sh" "$WORK/node/example" "$WORK/node/work" 2>&1)
	echo "$out" >"$LOGDIR/node.log"
	if echo "$out" | grep -q '^not ok ' || ! echo "$out" | grep -q '^1\.\.[0-9]'; then
		detail node "$(failing_tap "$out"; echo "$out" | grep -q '^1\.\.[0-9]' || { echo "(no plan: the run stopped early; its last lines:)"; echo "$out" | tail -20; })"
	fi
	if ! echo "$out" | grep -q '^1\.\.[0-9]'; then
		record node "$(echo "$out" | grep -c '^ok ')" $(( $(echo "$out" | grep -c '^not ok ') + 1 ))
	else
		record node "$(echo "$out" | grep -c '^ok ')" "$(echo "$out" | grep -c '^not ok ')"
	fi
}

# META.json against the PGXN meta spec and the control file's version.
suite_meta() {
	local out rc
	[ -f "$TOP/META.json" ] || return 0
	if ! command -v node >/dev/null; then
		detail meta "node not found (scripts/install-deps.sh installs it)"
		record meta 0 1
		return
	fi
	out=$(node "$TOP/scripts/check-meta.js" "$TOP" 2>&1); rc=$?
	echo "$out" >"$LOGDIR/meta.log"
	[ "$rc" -ne 0 ] && detail meta "$(echo "$out" | grep -v '^ok ')"
	if [ "$rc" -ne 0 ] && ! echo "$out" | grep -q '^not ok '; then
		record meta "$(echo "$out" | grep -c '^ok ')" 1
	else
		record meta "$(echo "$out" | grep -c '^ok ')" "$(echo "$out" | grep -c '^not ok ')"
	fi
}

for s in $SUITES; do "suite_$s"; done
[ -s "$DETAILS" ] && cat "$DETAILS"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ] && [ "$PASSED" -gt 0 ]
