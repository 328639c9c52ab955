#!/usr/bin/env bash
# Latency of receive_transfer_request, for the README: on a throwaway server
# with the installed build of domxfer, ROWS calls with the right code and
# ROWS with a wrong one (each on a transfer of its own), every call in a
# transaction of its own after the code was issued and committed; plus, for
# comparison, ROWS request + receive (right code) pairs in one transaction
# (one statement, so "same" includes the request). pgbench runs
# the calls one after the other (one client) and logs each; the script prints
# the median and the 90th percentile.
#
#   scripts/measure-receive-latency.sh            (ROWS=200 by default)
#
# It installs nothing: it measures whatever `make install` installed last,
# so run it under the same lock as the install.
. "$(dirname "$0")/common.sh"

hold_domxfer_lock "$0" "$@"

ROWS=${ROWS:-200}
WORK=$(writable_dir "$TOP/.bench/receive" "/var/tmp/domxfer-bench-receive-$(id -u)")
DATA="$WORK/data"
PORT=54349
cluster_stop "$DATA" 2>/dev/null
rm -rf "${WORK:?}"/*
trap 'cluster_stop "$DATA"' EXIT

psql_lat() { as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U postgres -d lat "$@"; }

cluster_start "$DATA" "$PORT" "domxfer.database = 'lat'
domxfer.registrar_id = 'lat-registrar'"
as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c 'CREATE DATABASE lat'
psql_lat <<SQL
CREATE EXTENSION domxfer;
CREATE SCHEMA lat;
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT k || i || '.example', 'lat-registrar', now() - interval '400 days', now() + interval '400 days',
       'holder@example.org'
  FROM generate_series(1, $ROWS) AS i, unnest(ARRAY['right', 'wrong', 'same']) AS k;
-- the codes of the right and wrong rows, issued and committed beforehand
CREATE TABLE lat.codes (kind text, n integer, name text, code text, PRIMARY KEY (kind, n));
INSERT INTO lat.codes
SELECT k, i, k || i || '.example', (domxfer.request_transfer_out(k || i || '.example')).auth_code
  FROM generate_series(1, $ROWS) AS i, unnest(ARRAY['right', 'wrong']) AS k;
CREATE SEQUENCE lat.right_n;
CREATE SEQUENCE lat.wrong_n;
CREATE SEQUENCE lat.same_n;
-- a wrong code raises 28P01, which would end pgbench's client: catch it
CREATE FUNCTION lat.receive(name text, code text) RETURNS text LANGUAGE plpgsql AS \$\$
BEGIN
	PERFORM domxfer.receive_transfer_request(name, code, 'gaining-reg');
	RETURN 'ok';
EXCEPTION WHEN invalid_password THEN
	RETURN '28P01';
END \$\$;
SQL

cat >"$WORK/right.sql" <<'SQL'
SELECT lat.receive(c.name, c.code) FROM lat.codes c WHERE c.kind = 'right' AND c.n = (SELECT nextval('lat.right_n'));
SQL
cat >"$WORK/wrong.sql" <<'SQL'
SELECT lat.receive(c.name, 'wrong-' || c.n) FROM lat.codes c WHERE c.kind = 'wrong' AND c.n = (SELECT nextval('lat.wrong_n'));
SQL
cat >"$WORK/same.sql" <<'SQL'
SELECT lat.receive(s.name, (domxfer.request_transfer_out(s.name)).auth_code)
  FROM (SELECT 'same' || nextval('lat.same_n') || '.example' AS name) s;
SQL
chmod a+r "$WORK"/*.sql

run() {	# run NAME: pgbench ROWS transactions of NAME.sql, prints median and p90 in ms
	rm -f "$WORK"/log_"$1"*
	(cd "$WORK" && as_run_user pgbench -n -c 1 -t "$ROWS" -f "$WORK/$1.sql" -l --log-prefix="log_$1" \
		--host="$DATA" --port="$PORT" -U postgres lat >/dev/null)
	# pgbench log: client, transaction, latency (µs), script, epoch, µs
	sort -n -k3,3 "$WORK"/log_"$1"* | awk -v name="$1" '
		{ l[NR] = $3 }
		END { printf "%-6s %d calls: median %.1f ms, p90 %.1f ms\n", name, NR, l[int((NR + 1) / 2)] / 1000, l[int(NR * 0.9)] / 1000 }'
}

run right
run wrong
run same
echo "checks: $(psql_lat -c "
SELECT string_agg(k || ' ' || state || ' ' || failed_attempts || ' ' || count, ', ' ORDER BY k, state, failed_attempts)
  FROM (SELECT left(domain_name, 4) AS k, state, failed_attempts, count(*)
		  FROM domxfer.transfers GROUP BY 1, 2, 3) x")"
echo "server log: $(grep -c ERROR "$DATA/server.log") ERROR lines"
