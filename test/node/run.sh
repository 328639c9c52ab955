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

check "no database $DB from an earlier run (the example creates its own)" \
	env PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB"

(cd "$EXAMPLE" && npm ci --no-audit --no-fund --loglevel=error) >"$WORK/npm.log" 2>&1
rc=$?
check "npm ci installs the pinned packages (status $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# npm: /' "$WORK/npm.log"

# It must end by itself: a hang is a failure, not a stuck test run.
timeout 120 env PGDATABASE=postgres node "$EXAMPLE/transfer-out.js" --create-database $DB --decide-at-deadline --gaining gaining-reg \
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

# The example writes only to a database it created (--create-database): a
# transfer-out cannot be undone. Against any other database it describes
# what it would do and writes nothing; --write-to-existing-database lets it
# write there, but never to a domain that existed before it ran.
OTHER=domxfer_node_other
check "a registrar's database the example did not create, with a domain of its own" \
	env PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $OTHER" -c "CREATE DATABASE $OTHER" \
		-c "\\c $OTHER" -c "CREATE EXTENSION domxfer" \
		-c "INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
			VALUES ('customer.example', current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days', 'holder@example.net')"
opsql() { psql -X -q -A -t -d $OTHER -v ON_ERROR_STOP=1 -c "$1"; }
timeout 60 env PGDATABASE=$OTHER node "$EXAMPLE/transfer-out.js" customer.example fresh-demo.example >"$WORK/dry.txt" 2>&1
rc=$?
check "without a flag it is a dry run: exits 0 (got $rc) and says nothing was written" \
	sh -c "test $rc -eq 0 && grep -q '^dry run: database $OTHER was not created by this example, so nothing is written to it.' '$WORK/dry.txt'"
check "the dry run names what it would do and how to run it" \
	sh -c "grep -q '^dry run: would create the demo domain customer.example and transfer it out' '$WORK/dry.txt' && grep -q -- '--create-database NAME' '$WORK/dry.txt'"
check "nothing was written: one domain, no transfer, no audit event" \
	test "$(opsql "SELECT (SELECT count(*) FROM domxfer.domains) || '/' || (SELECT count(*) FROM domxfer.transfers) || '/' || (SELECT count(*) FROM domxfer.transfer_events)")" = 1/0/0
timeout 60 env PGDATABASE=$OTHER node "$EXAMPLE/transfer-out.js" --write-to-existing-database customer.example >"$WORK/existing.txt" 2>&1
rc=$?
check "--write-to-existing-database still refuses a domain that was there before (status $rc)" \
	sh -c "test $rc -eq 1 && grep -q 'domain customer.example exists in $OTHER: the example transfers out only demo domains it creates' '$WORK/existing.txt'"
check "customer.example is untouched: still ours, no transfer" \
	test "$(opsql "SELECT sponsoring_registrar = current_setting('domxfer.registrar_id') AND open_transfer_id IS NULL AND (SELECT count(*) FROM domxfer.transfers) = 0 FROM domxfer.domains WHERE name = 'customer.example'")" = t
timeout 60 env PGDATABASE=postgres node "$EXAMPLE/transfer-out.js" --create-database $OTHER x.example >"$WORK/create-other.txt" 2>&1
rc=$?
check "--create-database refuses a database of that name it did not create (status $rc)" \
	sh -c "test $rc -eq 1 && grep -q 'database \"$OTHER\" exists and was not created by this example' '$WORK/create-other.txt'"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $OTHER" >/dev/null 2>&1

# Registry mode (SPEC §8): the EPP client against a fake registry over TLS.
. "$HERE/registry.sh"

# The mailer (examples/node/mailer.js) against a local SMTP sink
# (test/node/smtp-sink.js, npm smtp-server): killed with SIGKILL mid-batch
# and restarted, it delivers every notice at least once, and a notice at
# most once per lease expiry (once per claim).
MDB=domxfer_mailer
SMTP_PORT=$(( (PGPORT % 1000) + 42000 ))
SINK="$WORK/sink.jsonl"
rm -f "$SINK"
check "fresh mailer database with 40 transfers (80 notices owed)" \
	env PGOPTIONS="-c client_min_messages=warning" psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $MDB" -c "CREATE DATABASE $MDB" \
		-c "\\c $MDB" -c "CREATE EXTENSION domxfer" \
		-c "INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
			SELECT CASE WHEN i = 1 THEN 'xn--fsqu00a.example' ELSE 'mail-' || i || '.example' END,
				   current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days',
				   'holder' || i || '@example.net' FROM generate_series(1, 40) i" \
		-c "SELECT count(domxfer.receive_transfer_request(d.name, r.auth_code, 'gaining-reg'))
			  FROM domxfer.domains d, domxfer.request_transfer_out(d.name) r"
mpsql() { psql -X -q -A -t -d $MDB -v ON_ERROR_STOP=1 -c "$1"; }
NODE_PATH="$EXAMPLE/node_modules" node "$HERE/smtp-sink.js" "$SMTP_PORT" "$SINK" >"$WORK/sink.log" 2>&1 &
SINK_PID=$!
wait_for() {	# wait_for SECONDS COMMAND...: poll until COMMAND succeeds
	local until=$(( $(date +%s) + $1 )); shift
	until "$@"; do [ "$(date +%s)" -ge "$until" ] && return 1; sleep 0.2; done
}
check "the SMTP sink listens" wait_for 30 grep -q listening "$WORK/sink.log"
sent_lines() { [ -f "$SINK" ] && wc -l <"$SINK" || echo 0; }
PGDATABASE=$MDB node "$EXAMPLE/mailer.js" --smtp-host 127.0.0.1 --smtp-port "$SMTP_PORT" --batch 10 \
	--lease-seconds 3 --send-delay-ms 100 --poll-ms 200 >"$WORK/mailer1.log" 2>&1 &
MAILER_PID=$!
sink_has() { test "$(sent_lines)" -ge "$1"; }
check "the mailer sends (15 mails reach the sink)" wait_for 60 sink_has 15
# Kill it mid-batch, not between two batches: freeze it (SIGSTOP), look
# whether a batch is in flight (claimed, not marked), else let it run a
# moment and look again; then kill -9 the frozen process.
in_flight() { test "$(mpsql "SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL AND claimed_until IS NOT NULL")" -gt 0; }
freeze_mid_batch() {
	local tries=0
	while [ "$tries" -lt 200 ]; do
		tries=$((tries + 1))
		kill -STOP "$MAILER_PID" || return 1
		in_flight && return 0
		kill -CONT "$MAILER_PID"; sleep 0.05
	done
	return 1
}
check "the mailer is frozen with a batch in flight" freeze_mid_batch
kill -9 "$MAILER_PID"; wait "$MAILER_PID" 2>/dev/null
check "killed mid-batch: notices claimed by the dead mailer are neither sent nor free" \
	test "$(mpsql "SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL AND claimed_until IS NOT NULL")" -gt 0
check "some of them already reached the sink unmarked, or none did (at most one batch in flight)" \
	test "$(mpsql "SELECT count(*) FROM domxfer.notices WHERE sent_at IS NOT NULL")" -le "$(sent_lines)"
timeout 120 env PGDATABASE=$MDB node "$EXAMPLE/mailer.js" --smtp-host 127.0.0.1 --smtp-port "$SMTP_PORT" --batch 10 \
	--lease-seconds 3 --poll-ms 200 --exit-when-done >"$WORK/mailer2.log" 2>&1
rc=$?
check "restarted, the mailer drains the outbox and exits (status $rc)" test "$rc" -eq 0
sed 's/^/# mailer: /' "$WORK/mailer2.log" | grep -v '^# mailer: sent ' | head -20
check "every notice is marked sent" test "$(mpsql "SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL")" -eq 0
check "80 notices owed: one per state change" \
	test "$(mpsql "SELECT count(*) || '/' || count(DISTINCT event_id) FROM domxfer.notices")" = 80/80
ids=$(mpsql "SELECT string_agg(id::text, ' ' ORDER BY id) FROM domxfer.notices")
delivered=$(node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const ids = process.argv[2].split(" ");
	const seen = new Set(lines.map((l) => l.notice));
	console.log(ids.filter((i) => !seen.has(i)).length);' "$SINK" "$ids")
check "every notice reached the SMTP sink at least once (missing: $delivered)" test "$delivered" = 0
over=$(mpsql "SELECT id || ':' || attempts FROM domxfer.notices" | node -e '
	const attempts = Object.fromEntries(require("fs").readFileSync(0, "utf8").trim().split("\n").map((l) => l.split(":")));
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const count = {};
	for (const l of lines) count[l.notice] = (count[l.notice] || 0) + 1;
	console.log(Object.keys(count).filter((id) => count[id] > Number(attempts[id])).length);' "$SINK")
check "no notice reached the sink more often than it was claimed (over: $over)" test "$over" = 0
dups=$(node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	console.log(lines.length - new Set(lines.map((l) => l.notice)).size);' "$SINK")
check "duplicates only from the batch in flight at the kill (at most 10, got $dups)" test "$dups" -le 10
check "the mails are in English and Chinese, with the Unicode name" \
	node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const idn = lines.find((l) => l.kind === "transfer_requested" && l.to[0] === "holder1@example.net");
	const text = idn.raw.replace(/=\r?\n/g, "");
	process.exit(/asked to transfer/.test(text) && /Subject: =\?UTF-8\?/i.test(text) ? 0 : 1);' "$SINK"
check "no mail shows the holder SQL or a database call (domxfer., cancel_transfer_out, SELECT)" \
	node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const text = (raw) => {
		const body = raw.split(/\r?\n\r?\n/).slice(1).join("\n\n");
		return /quoted-printable/i.test(raw)
			? Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8")
			: /base64/i.test(raw) ? Buffer.from(body, "base64").toString("utf8") : body;
	};
	const bad = lines.filter((l) => /domxfer\.|_transfer_out\(|reissue_auth_code|\bSELECT\b/.test(text(l.raw)));
	if (bad.length) console.log("# e.g. notice " + bad[0].notice + " (" + bad[0].kind + ")");
	process.exit(bad.length === 0 && lines.length > 0 ? 0 : 1);' "$SINK"
check "the Chinese text decodes (申请转移域名 例子.example)" \
	node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const idn = lines.find((l) => l.kind === "transfer_requested" && l.to[0] === "holder1@example.net");
	const body = idn.raw.split(/\r?\n\r?\n/).slice(1).join("\n\n");
	const decoded = /quoted-printable/i.test(idn.raw)
		? Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (m, h) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8")
		: /base64/i.test(idn.raw) ? Buffer.from(body, "base64").toString("utf8") : body;
	process.exit(decoded.includes("申请转移域名 例子.example") ? 0 : 1);' "$SINK"
# A notice without a usable recipient (the TLD's rule set only warns on R8):
# --exit-when-done still ends, says which notice is left and why, in words
# that tell a missing address from one that exists but is unusable.
check "two transfers whose holders have no usable address (.org warns on R8)" \
	mpsql "INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES ('org', 'icann_2024');
		INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
		VALUES ('no-address.org', current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days', NULL),
			   ('bad-address.org', current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days', 'holder@bad..example');
		SELECT count(*) FROM domxfer.request_transfer_out('no-address.org') a, domxfer.request_transfer_out('bad-address.org') b"
# A notice no longer true when claimed (issue 19, finding 6): a code the holder
# voided by cancelling before the mailer ran is superseded, never mailed, and
# does not keep --exit-when-done waiting.
check "a transfer cancelled before the mailer runs (its code notice no longer true)" \
	mpsql "INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
		VALUES ('voided.example', current_setting('domxfer.registrar_id'), now() - interval '400 days', now() + interval '300 days', 'holder@voided.example');
		SELECT count(domxfer.cancel_transfer_out(r.transfer_id)) FROM domxfer.request_transfer_out('voided.example') r"
voided=$(mpsql "SELECT n.id FROM domxfer.notices n JOIN domxfer.transfers t ON t.id = n.transfer_id
	WHERE t.domain_name = 'voided.example' AND n.kind = 'auth_code_issued'")
timeout 60 env PGDATABASE=$MDB node "$EXAMPLE/mailer.js" --smtp-host 127.0.0.1 --smtp-port "$SMTP_PORT" --batch 10 \
	--lease-seconds 3 --poll-ms 200 --exit-when-done >"$WORK/mailer3.log" 2>"$WORK/mailer3.err"
rc=$?
check "--exit-when-done ends with notices that cannot be sent: status 3 (got $rc; 124 = still running)" test "$rc" -eq 3
sed 's/^/# mailer: /' "$WORK/mailer3.err" | head -5
check "it names the notice of the domain without an address" \
	grep -q "no-address.org): no recipient: the domain has no registrant e-mail address" "$WORK/mailer3.err"
check "and says the other address exists but is unusable" \
	grep -q 'bad-address.org): no recipient: the domain.s registrant e-mail address "holder@bad..example" exists but is unusable' "$WORK/mailer3.err"
check "both notices stay owed, with the reason as their last error" \
	test "$(mpsql "SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL AND last_error LIKE 'no recipient: %'")" -eq 2
check "the voided code's notice is superseded and never reached the sink; its cancellation did" \
	node -e '
	const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
	const voided = lines.filter((l) => String(l.notice) === process.argv[2]);
	const cancelled = lines.filter((l) => l.kind === "transfer_cancelled" && l.to[0] === "holder@voided.example");
	process.exit(process.argv[2] !== "" && voided.length === 0 && cancelled.length === 1 ? 0 : 1);' "$SINK" "$voided"
check "superseded in the notices table: superseded_at set, sent_at NULL, not overdue" \
	test "$(mpsql "SELECT (superseded_at IS NOT NULL AND sent_at IS NULL AND id NOT IN (SELECT id FROM domxfer.overdue_notices))::text
		FROM domxfer.notices WHERE id = '$voided'")" = true
kill "$SINK_PID" 2>/dev/null; wait "$SINK_PID" 2>/dev/null
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $MDB" >/dev/null 2>&1

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
echo "1..$N"
[ "$FAILED" -eq 0 ]
