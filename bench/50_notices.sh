#!/usr/bin/env bash
# Notices to the holder (SPEC §9, the transactional outbox), on a throwaway
# cluster of its own:
#  1. the lifecycle mix (request, the gaining registrar's request, the
#     holder's decision: three transactions per transfer, 16 pgbench
#     clients) with the outbox, against the same mix with the notice writes
#     taken out (the trigger transfer_events_owe_notices disabled by the
#     superuser), alternating, ROUNDS rounds of MIX_SECS seconds each;
#     median transfers per second, and the ratio (target >= 0.9);
#  2. draining DRAIN_ROWS notices with one mailer: claim_notices(100) and
#     mark_notice_sent() per notice, one batch per transaction, against the
#     same number of single-row UPDATEs of a plain table in batches of 100
#     per transaction; both server-side (no network round trips, which would
#     only add the same cost to both); median of ROUNDS runs, and the ratio
#     of rates (target >= 0.3).
# Figures only, no assertions.
. "$(dirname "$0")/../scripts/common.sh"

hold_domxfer_lock "$0" "$@"

CLIENTS=${CLIENTS:-16}
MIX_SECS=${MIX_SECS:-15}
ROUNDS=${ROUNDS:-3}
DRAIN_ROWS=${DRAIN_ROWS:-100000}
DOMAINS_PER_CLIENT=${DOMAINS_PER_CLIENT:-50}

WORK=$(writable_dir "$TOP/.bench/notices" "/var/tmp/domxfer-bench-notices-$(id -u)")
DATA="$WORK/data"
PORT=54341
cluster_stop "$DATA" 2>/dev/null
rm -rf "${WORK:?}"/*
trap 'cluster_stop "$DATA"' EXIT

psql_bench() { as_run_user psql -X -q -At -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" -U postgres -d bench "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "starting a cluster in $DATA"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
shared_buffers = 256MB
max_wal_size = 4GB
max_worker_processes = 40
log_min_messages = warning" || exit 1
as_run_user psql -X -q --host="$DATA" --port="$PORT" -U postgres -d postgres -c 'CREATE DATABASE bench'
psql_bench -c 'CREATE EXTENSION domxfer'

# 1. the lifecycle mix. Each client has its own domains, so a transfer it
# opens is its own to decide; a receive that finds no free side-transaction
# worker (53000) or a busy row (55P03) is retried, as an application would.
psql_bench <<SQL
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'c' || c || '-' || k || '.example', 'bench-registrar', now() - interval '400 days',
	   now() + interval '400 days', 'holder' || c || '@example.org'
  FROM generate_series(1, $CLIENTS) c, generate_series(1, $DOMAINS_PER_CLIENT) k;
CREATE FUNCTION public.bench_receive(name text, code text) RETURNS bigint LANGUAGE plpgsql AS \$\$
BEGIN
	FOR i IN 1..20 LOOP
		BEGIN
			RETURN domxfer.receive_transfer_request(name, code, 'gaining-reg');
		EXCEPTION WHEN SQLSTATE '53000' OR SQLSTATE '55P03' THEN
			PERFORM pg_sleep(0.01);
		END;
	END LOOP;
	RAISE EXCEPTION 'no side transaction for %', name;
END \$\$;
SQL
cat >"$WORK/mix.sql" <<'SQL'
\set k random(1, :domains)
SELECT transfer_id, auth_code FROM domxfer.request_transfer_out('c' || :client_id || '-' || :k || '.example') \gset
SELECT public.bench_receive('c' || :client_id || '-' || :k || '.example', ':auth_code');
SELECT domxfer.cancel_transfer_out(:transfer_id);
SQL
chmod 644 "$WORK/mix.sql"
# pgbench's client_id counts from 0
psql_bench -c "INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, registrant_email)
SELECT 'c0-' || k || '.example', 'bench-registrar', now() - interval '400 days', now() + interval '400 days', 'holder0@example.org'
  FROM generate_series(1, $DOMAINS_PER_CLIENT) k"

run_mix() {	# run_mix LABEL: prints transfers per second
	local out tps
	out=$(cd "$WORK" && as_run_user pgbench -n -c "$CLIENTS" -j 2 -T "$MIX_SECS" -D domains="$DOMAINS_PER_CLIENT" \
		-f mix.sql --host="$DATA" --port="$PORT" -U postgres bench 2>&1)
	tps=$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
	if [ -z "$tps" ] || echo "$out" | grep -q 'aborted'; then
		echo "$out" | grep -iE 'error|abort' | head -3 >&2
	fi
	echo "${tps:-0}"
}
with=(); without=()
for r in $(seq "$ROUNDS"); do
	psql_bench -c 'ALTER TABLE domxfer.transfer_events ENABLE TRIGGER transfer_events_owe_notices'
	with+=("$(run_mix with)")
	psql_bench -c 'ALTER TABLE domxfer.transfer_events DISABLE TRIGGER transfer_events_owe_notices'
	without+=("$(run_mix without)")
	echo "  round $r: with the outbox ${with[-1]} transfers/s, without ${without[-1]} transfers/s"
done
psql_bench -c 'ALTER TABLE domxfer.transfer_events ENABLE TRIGGER transfer_events_owe_notices'
m_with=$(printf '%s\n' "${with[@]}" | median)
m_without=$(printf '%s\n' "${without[@]}" | median)
echo "lifecycle mix ($CLIENTS clients, request + receive + cancel, median of $ROUNDS x ${MIX_SECS} s):"
printf '  with the outbox      %10.1f transfers/s\n' "$m_with"
printf '  without notices      %10.1f transfers/s\n' "$m_without"
printf '  ratio                %10.2f (target >= 0.9)\n' "$(echo "$m_with / $m_without" | bc -l)"
echo "  (notices written: $(psql_bench -c 'SELECT count(*) FROM domxfer.notices'); events: $(psql_bench -c 'SELECT count(*) FROM domxfer.transfer_events'))"

# 2. draining the outbox
psql_bench <<SQL
CREATE TABLE public.plain (id bigint PRIMARY KEY, sent_at timestamptz);
CREATE PROCEDURE public.fill_notices(n integer) LANGUAGE plpgsql AS \$\$
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
END \$\$;
CREATE PROCEDURE public.drain_outbox() LANGUAGE plpgsql AS \$\$
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
END \$\$;
CREATE PROCEDURE public.drain_plain(n integer) LANGUAGE plpgsql AS \$\$
BEGIN
	FOR b IN 0 .. (n - 1) / 100 LOOP
		FOR i IN b * 100 + 1 .. LEAST(n, b * 100 + 100) LOOP
			UPDATE public.plain SET sent_at = now() WHERE id = i;
		END LOOP;
		COMMIT;
	END LOOP;
END \$\$;
SQL
ms_of() {	# ms_of SQL: wall-clock milliseconds of one statement
	local t0 t1
	t0=$(date +%s%N)
	psql_bench -c "$1" >/dev/null || echo "failed: $1" >&2
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
outbox=(); plain=()
for r in $(seq "$ROUNDS"); do
	psql_bench -c "CALL public.fill_notices($DRAIN_ROWS)"
	psql_bench -c 'VACUUM ANALYZE domxfer.notices' -c 'VACUUM ANALYZE public.plain'
	outbox+=("$(ms_of 'CALL public.drain_outbox()')")
	left=$(psql_bench -c 'SELECT count(*) FROM domxfer.notices WHERE sent_at IS NULL')
	plain+=("$(ms_of "CALL public.drain_plain($DRAIN_ROWS)")")
	echo "  round $r: outbox ${outbox[-1]} ms (unsent left: $left), plain UPDATEs ${plain[-1]} ms"
done
m_outbox=$(printf '%s\n' "${outbox[@]}" | median)
m_plain=$(printf '%s\n' "${plain[@]}" | median)
echo "draining $DRAIN_ROWS notices, batches of 100 per transaction (median of $ROUNDS):"
printf '  claim_notices + mark_notice_sent  %8.0f ms  (%8.0f notices/s)\n' "$m_outbox" "$(echo "$DRAIN_ROWS * 1000 / $m_outbox" | bc -l)"
printf '  plain single-row UPDATEs          %8.0f ms  (%8.0f rows/s)\n' "$m_plain" "$(echo "$DRAIN_ROWS * 1000 / $m_plain" | bc -l)"
printf '  ratio of rates                    %8.2f (target >= 0.3)\n' "$(echo "$m_plain / $m_outbox" | bc -l)"
