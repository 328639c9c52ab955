#!/usr/bin/env bash
# The Node.js example (examples/node) against the throwaway server: installs
# its pinned packages with `npm ci`, runs three transfers-out (approved early,
# cancelled, decided at the deadline) in a fresh database, and checks what it
# printed and what it left in the database. Prints TAP lines (ok / not ok).
#
# Usage: run.sh EXAMPLE_COPY WORK_DIR, with PGHOST, PGPORT and PGUSER set.
# Runs as the server's user; npm's cache and HOME are kept in WORK_DIR.
set -uo pipefail

EXAMPLE=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
DB=domxfer_node
export PGDATABASE=$DB
export npm_config_cache="$WORK/npm-cache" npm_config_update_notifier=false HOME="$WORK"
# Node trusts only its built-in CA list; also trust the system's store, so a
# registry reached through a proxy whose CA the administrator installed works.
if [ -z "${NODE_EXTRA_CA_CERTS:-}" ] && [ -r /etc/ssl/certs/ca-certificates.crt ]; then
	export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi
N=0
FAILED=0

check() {	# check DESCRIPTION COMMAND...
	local description=$1; shift
	N=$((N + 1))
	if "$@"; then
		echo "ok $N - $description"
	else
		echo "not ok $N - $description"
		FAILED=$((FAILED + 1))
	fi
}

psql_value() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

echo "# node $(node --version), npm $(npm --version)"
mkdir -p "$WORK"

check "fresh database with the extension" \
	env PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" \
		-c "\\c $DB" -c "CREATE EXTENSION domxfer"

(cd "$EXAMPLE" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1
rc=$?
check "npm ci installs the pinned packages (status $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# npm: /' "$WORK/npm.log"

# It must end by itself: a hang is a failure, not a stuck test run.
timeout 120 node "$EXAMPLE/transfer-out.js" --decide-at-deadline --gaining gaining-reg \
	'例子.com' 'Cancel-Me.example' 'deadline.example' >"$WORK/output.txt" 2>"$WORK/stderr.txt"
rc=$?
check "the program exits by itself with status 0 (got $rc)" test "$rc" -eq 0
sed 's/^/# stderr: /' "$WORK/stderr.txt"

# Auth codes are random and instants depend on when the test runs.
sed -E -e 's/ is [A-Za-z0-9]{22},/ is <auth code>,/' \
	-e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z/<time>/g' \
	"$WORK/output.txt" >"$WORK/output.normalized"
if diff -u "$HERE/expected.out" "$WORK/output.normalized" >"$WORK/output.diff"; then
	check "its output is the expected one (one mail line per notice)" true
else
	check "its output is the expected one (one mail line per notice)" false
	sed 's/^/# /' "$WORK/output.diff"
fi

check "every auth code it mailed has 22 characters of [A-Za-z0-9]" \
	test "$(grep -cE 'auth code for .* is [A-Za-z0-9]{22}, valid until ' "$WORK/output.txt")" -eq 3

check "the deadlines it mailed are 5 days after the requests" \
	test "$(psql_value "SELECT count(*) FROM domxfer.transfer_report
		WHERE deadline - requested_at = interval '5 days'")" -eq 3

check "the database agrees: completed, cancelled, completed at the deadline" \
	test "$(psql_value "SELECT string_agg(domain_name || ':' || state || ':' || outcome_reason, ' ' ORDER BY transfer_id)
		FROM domxfer.transfer_report")" = \
	"xn--fsqu00a.com:completed:holder_approved cancel-me.example:cancelled:holder_cancelled deadline.example:completed:auto_approved"

check "the domains moved to the gaining registrar, the cancelled one stayed" \
	test "$(psql_value "SELECT string_agg(name || ':' || sponsoring_registrar, ' ' ORDER BY name)
		FROM domxfer.domains")" = \
	"cancel-me.example:regress-us deadline.example:gaining-reg xn--fsqu00a.com:gaining-reg"

check "the audit log has one event per notice (9)" \
	test "$(psql_value "SELECT count(*) FROM domxfer.transfer_events")/$(grep -c '^mail to ' "$WORK/output.txt")" = 9/9

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
echo "1..$N"
[ "$FAILED" -eq 0 ]
