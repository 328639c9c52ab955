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
timeout 120 node "$EXAMPLE/transfer-out.js" --decide-at-deadline --gaining gaining-registrar.example \
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
	"cancel-me.example:regress-registrar deadline.example:gaining-registrar.example xn--fsqu00a.com:gaining-registrar.example"

check "the audit log has one event per notice (9)" \
	test "$(psql_value "SELECT count(*) FROM domxfer.transfer_events")/$(grep -c '^mail to ' "$WORK/output.txt")" = 9/9

# Registry mode (SPEC §8): examples/node/registry-client.js links domxfer
# with a registry (the fake of test/node/fake-registry.js, which sends poll
# messages made from a real one): the registry's transfer requests come in,
# the holder approves one and cancels the other, the client sends approve
# and reject, and the registry's outcomes come back.
psql_value "INSERT INTO domxfer.tld_policy (tld, registry_transfers) VALUES ('net', true);
	INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
	SELECT n, current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days',
		   'holder@example.net' FROM unnest(ARRAY['reg-approve.net', 'reg-cancel.net']) AS n" >/dev/null
rm -f "$WORK/registry.port" "$WORK/registry.log"
coproc FAKE_REGISTRY { node "$HERE/fake-registry.js" "$WORK/registry.port" "$WORK/registry.log" \
	"$(psql_value "SHOW domxfer.registrar_id")" reg-approve.net reg-cancel.net; }
for _ in $(seq 100); do [ -s "$WORK/registry.port" ] && break; sleep 0.1; done
REGISTRY_PORT=$(cat "$WORK/registry.port" 2>/dev/null)
check "the fake registry listens" test -n "$REGISTRY_PORT"
timeout 60 node "$EXAMPLE/registry-client.js" 127.0.0.1 "$REGISTRY_PORT" >"$WORK/registry1.txt" 2>&1
check "registry-client applies the registry's two transfer requests" \
	test "$(grep -c ': applied (pending reg-' "$WORK/registry1.txt")" -eq 2
check "both transfers are pending, deadline = acDate, the registry decides" \
	test "$(psql_value "SELECT string_agg(domain_name || ':' || state || ':' || registry_managed, ' ' ORDER BY domain_name)
		FROM domxfer.transfers WHERE domain_name LIKE 'reg-%'")" = "reg-approve.net:pending:true reg-cancel.net:pending:true"
psql_value "SELECT domxfer.approve_transfer_out(id) FROM domxfer.transfers WHERE domain_name = 'reg-approve.net';
	SELECT domxfer.cancel_transfer_out(id, 'holder objects') FROM domxfer.transfers WHERE domain_name = 'reg-cancel.net'" >/dev/null
timeout 60 node "$EXAMPLE/registry-client.js" 127.0.0.1 "$REGISTRY_PORT" >"$WORK/registry2.txt" 2>&1
sed 's/^/# registry-client: /' "$WORK/registry1.txt" "$WORK/registry2.txt"
check "the registry received approve and reject, with clTRID domxfer-<id> and no auth code" \
	test "$(grep '^transfer ' "$WORK/registry.log" | sed -E 's/domxfer-[0-9]+/domxfer-N/' | sort | tr '\n' ' ')" = \
	"transfer approve reg-approve.net domxfer-N authInfo=false transfer reject reg-cancel.net domxfer-N authInfo=false "
check "domxfer recorded the registry's answers (1000 and its svTRID)" \
	test "$(psql_value "SELECT string_agg(op || ':' || state || ':' || result_code || ':' || (sv_trid LIKE 'fake-%'), ' ' ORDER BY op)
		FROM domxfer.registry_commands")" = "approve:done:1000:true reject:done:1000:true"
check "the registry's outcomes ended the transfers: approved, rejected" \
	test "$(psql_value "SELECT string_agg(t.domain_name || ':' || t.state || ':' || t.outcome_reason[1] || ':' || d.sponsoring_registrar, ' ' ORDER BY t.domain_name)
		FROM domxfer.transfers t JOIN domxfer.domains d ON d.name = t.domain_name WHERE t.domain_name LIKE 'reg-%'")" = \
	"reg-approve.net:completed:registry_client_approved:gaining-reg reg-cancel.net:rejected:registry_client_rejected:$(psql_value "SHOW domxfer.registrar_id")"
check "four registry messages, all applied and acknowledged (the registry's queue is empty)" \
	test "$(psql_value "SELECT string_agg(result || ':' || n, ' ') FROM (SELECT result, count(*) AS n FROM domxfer.registry_messages GROUP BY result) r"):$(grep -c '^poll ack' "$WORK/registry.log")" = "applied:4:4"
check "no discrepancy between domxfer and the registry" \
	test "$(psql_value "SELECT count(*) FROM domxfer.registry_discrepancies")" -eq 0
exec {FAKE_REGISTRY[1]}>&-
wait "$FAKE_REGISTRY_PID" 2>/dev/null

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
echo "1..$N"
[ "$FAILED" -eq 0 ]
