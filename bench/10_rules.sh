#!/usr/bin/env bash
# make bench: the transfer-out rules over 1,000,000 generated domains.
#
# Prints the median time of each query over several runs in one session,
# with JIT and parallel query turned off for stable numbers, the ratios
# against the bare scan and against the column floor (the same columns
# read and passed to one built-in call, num_nonnulls: what any per-row
# function over them must pay), whether the targets are met, and domain_status's
# size and @> time against text[]. Fails when the three eligibility
# answers differ. Run it under `flock /tmp/domxfer.lock` (make bench
# installs the extension system-wide).
. "$(dirname "$0")/../scripts/common.sh"

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-7}
PLPGSQL_RUNS=${BENCH_PLPGSQL_RUNS:-3}
NOW="timestamptz '2025-06-01 00:00:00+00'"
PORT=54339
WORK=$(writable_dir "$TOP/.bench" "/var/tmp/domxfer-bench-$(id -u)")
DATA="$WORK/rules-data"

cluster_stop "$DATA" 2>/dev/null || true
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
shared_buffers = 1GB
work_mem = 64MB
max_wal_size = 4GB
synchronous_commit = off"
trap 'cluster_stop "$DATA"' EXIT

psql_bench() {
	as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d bench -v ON_ERROR_STOP=1 "$@"
}
as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d postgres -c 'CREATE DATABASE bench'

echo "generating $ROWS domains ..."
psql_bench >/dev/null <<SQL
CREATE EXTENSION domxfer;
SELECT setseed(0.1234);
-- (some rows carry pendingTransfer or open_transfer_id without a transfer,
-- for rule R5b; the lifecycle guard would refuse them: row triggers off)
SET session_replication_role = replica;
-- A realistic mix: most domains eligible, each blocker present in some,
-- several TLDs including .hk and the IDN TLDs .中国 and .香港.
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at,
	last_transferred_at, late_renewed_at, status, unpaid, legal_hold, holder_disputed,
	contacts_complete, registrant_email, real_name_verified, uses_registrar_dns, open_transfer_id,
	registrant_changed_at, registrant_change_lock_opt_out)
SELECT 'd' || i || '.' || tld,
	   CASE WHEN b = 1 THEN 'other-registrar' ELSE 'bench-registrar' END,
	   reg, exp,
	   CASE WHEN b = 4 THEN $NOW - interval '20 days' WHEN r1 < 0.3 THEN reg + (exp - reg) * r1 / 2 END,
	   CASE WHEN b = 11 THEN $NOW - interval '10 days' WHEN r1 > 0.9 THEN reg + interval '1 day' END,
	   (CASE b WHEN 5 THEN 'clientTransferProhibited' WHEN 6 THEN 'pendingTransfer'
			   WHEN 7 THEN 'redemptionPeriod' WHEN 15 THEN 'serverTransferProhibited,clientDeleteProhibited'
			   WHEN 16 THEN 'clientHold' WHEN 17 THEN 'pendingDelete' WHEN 20 THEN 'pendingRenew'
			   ELSE 'ok' END)::domxfer.domain_status,
	   b = 8, b = 9, b = 10, b <> 12,
	   CASE WHEN b = 13 THEN NULL WHEN b = 14 THEN 'holder' || i || '@localhost' ELSE 'holder' || i || '@example.com' END,
	   r1 < 0.6, r1 < 0.4, CASE WHEN b = 18 THEN i END,
	   -- R10: a recent change of registrant (some opted out), an old one elsewhere
	   CASE WHEN b = 19 THEN $NOW - interval '10 days' WHEN r2 < 0.2 THEN reg + interval '2 days' END,
	   b = 19 AND r2 < 0.3
  FROM (SELECT i,
			   (ARRAY['com','com','com','com','com','net','net','cn','cn','cn','xn--fiqs8s','xn--fiqs8s','org','hk','xn--j6w193g'])[1 + floor(random() * 15)::int] AS tld,
			   -- blocker: 0 (none) for most rows, else one of 1..20
			   CASE WHEN random() < 0.7 THEN 0 ELSE 1 + floor(random() * 20)::int END AS b,
			   random() AS r1, random() AS r2
		  FROM generate_series(1, $ROWS) AS i) AS g,
	   LATERAL (SELECT CASE WHEN g.b = 2 THEN $NOW - interval '30 days' ELSE $NOW - interval '3000 days' * (0.05 + 0.95 * g.r2) END AS reg) AS r,
	   LATERAL (SELECT CASE WHEN g.b = 3 THEN $NOW + interval '10 days' ELSE $NOW + interval '20 days' + interval '700 days' * g.r1 END AS exp) AS e;
RESET session_replication_role;
-- A mix of rule sets (SPEC §1a): the gTLDs under ICANN's, .cn, .中国 and
-- .hk under the registrar's own (the default).
INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES ('com', 'icann_2024'), ('net', 'icann_2024'), ('org', 'icann_tpr');
VACUUM (FREEZE, ANALYZE) domxfer.domains;

-- What a registrar writes by hand: PL/pgSQL reading the TLD's policy row.
CREATE FUNCTION public.plpgsql_eligible(d domxfer.domains, at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE AS \$\$
DECLARE
	p domxfer.tld_policy;
	icann boolean;
BEGIN
	SELECT * INTO p FROM domxfer.tld_policy WHERE tld = split_part(d.name, '.', -1);
	IF NOT FOUND THEN
		SELECT * INTO p FROM domxfer.tld_policy WHERE tld = '*';
	END IF;
	-- the rule set of the TLD, as the SPEC's table says (icann_*: R3, R6, R7, R8 warn, R9 off; icann_tpr: R10 off)
	icann := p.rule_set IN ('icann_2024', 'icann_tpr');
	RETURN d.sponsoring_registrar = current_setting('domxfer.registrar_id')
		AND at >= d.registered_at + make_interval(secs => 86400 * p.min_days_after_registration)
		AND (icann OR at < d.expires_at - make_interval(secs => 86400 * p.min_days_before_expiry))
		AND (d.last_transferred_at IS NULL OR at > d.last_transferred_at + make_interval(secs => 86400 * p.min_days_after_transfer))
		AND NOT d.status && 'clientTransferProhibited,serverTransferProhibited'
		AND NOT d.status @> 'pendingTransfer' AND d.open_transfer_id IS NULL
		AND NOT d.status && 'pendingDelete,redemptionPeriod'
		AND NOT d.status @> 'pendingRestore'
		AND NOT d.unpaid AND NOT d.legal_hold AND NOT d.holder_disputed
		AND (icann OR d.late_renewed_at IS NULL OR at > d.late_renewed_at + make_interval(secs => 86400 * p.min_days_after_late_renewal))
		AND (icann OR d.contacts_complete)
		AND (icann OR d.registrant_email ~ '^[A-Za-z0-9!#$%&''*+/=?^_\`{|}~-]+(\.[A-Za-z0-9!#$%&''*+/=?^_\`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+$')
		AND (icann OR NOT p.manual_process)
		AND (p.rule_set = 'icann_tpr' OR d.registrant_changed_at IS NULL OR d.registrant_change_lock_opt_out
			 OR at > d.registrant_changed_at + make_interval(secs => 86400 * p.min_days_after_registrant_change))
		AND NOT d.status @> 'pendingCreate' AND NOT d.status @> 'pendingRenew' AND NOT d.status @> 'pendingUpdate';
END
\$\$;

-- domain_status against the same statuses as text[]
CREATE TABLE public.status_bits AS SELECT status FROM domxfer.domains;
CREATE TABLE public.status_text AS SELECT status::text[] AS status FROM domxfer.domains;
VACUUM (FREEZE, ANALYZE) public.status_bits, public.status_text;
SQL

# The rules as one plain SQL expression, the default numbers and the rule
# sets of the TLDs (com, net: icann_2024; org: icann_tpr) as constants.
SQL_EXPR="d.sponsoring_registrar = 'bench-registrar'
	AND $NOW >= d.registered_at + interval '5184000 seconds'
	AND (split_part(d.name, '.', -1) IN ('com', 'net', 'org') OR $NOW < d.expires_at - interval '1296000 seconds')
	AND (d.last_transferred_at IS NULL OR $NOW > d.last_transferred_at + interval '5184000 seconds')
	AND NOT d.status && 'clientTransferProhibited,serverTransferProhibited'
	AND NOT d.status @> 'pendingTransfer' AND d.open_transfer_id IS NULL
	AND NOT d.status && 'pendingDelete,redemptionPeriod'
	AND NOT d.status @> 'pendingRestore'
	AND NOT d.unpaid AND NOT d.legal_hold AND NOT d.holder_disputed
	AND (split_part(d.name, '.', -1) IN ('com', 'net', 'org')
		 OR ((d.late_renewed_at IS NULL OR $NOW > d.late_renewed_at + interval '3888000 seconds')
			 AND d.contacts_complete
			 AND d.registrant_email ~ '^[A-Za-z0-9!#\$%&''*+/=?^_\`{|}~-]+(\.[A-Za-z0-9!#\$%&''*+/=?^_\`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\$'
			 AND split_part(d.name, '.', -1) NOT IN ('hk', 'xn--j6w193g')))
	AND (split_part(d.name, '.', -1) = 'org' OR d.registrant_changed_at IS NULL OR d.registrant_change_lock_opt_out
		 OR $NOW > d.registrant_changed_at + interval '5184000 seconds')
	AND NOT d.status @> 'pendingCreate' AND NOT d.status @> 'pendingRenew' AND NOT d.status @> 'pendingUpdate'"

# The column floors: the columns read and passed to one built-in call.
# 13: the columns of 0.1.0's rules (the e-mail as text), as issue 9 states
# the floor; 15: the columns transfer_out_eligible reads now (R8's stored
# boolean instead of the address, and R10's two columns).
FLOOR13="num_nonnulls(d.name, d.sponsoring_registrar, d.registered_at, d.expires_at, d.last_transferred_at,
	d.late_renewed_at, d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
	d.registrant_email, d.open_transfer_id) > 0"
FLOOR15="num_nonnulls(d.name, d.sponsoring_registrar, d.registered_at, d.expires_at, d.last_transferred_at,
	d.late_renewed_at, d.status, d.unpaid, d.legal_hold, d.holder_disputed, d.contacts_complete,
	d.registrant_email_usable, d.open_transfer_id, d.registrant_changed_at, d.registrant_change_lock_opt_out) > 0"

# time_query LABEL RUNS SQL: one warm-up run, then RUNS timed runs in one
# session; sets ANSWER (the first run's result) and MEDIAN (ms).
declare -A ANSWERS MEDIANS
time_query() {
	local label=$1 runs=$2 sql=$3 out answers times
	out=$({
		echo "SET jit = off;"
		echo "SET max_parallel_workers_per_gather = 0;"
		echo "SET search_path = public, domxfer;"	# the status operators
		echo "$sql;"
		echo '\timing on'
		for _ in $(seq "$runs"); do echo "$sql;"; done
	} | psql_bench -At)
	answers=$(echo "$out" | grep -v '^Time:' | sort -u)
	if [ "$(echo "$answers" | wc -l)" -ne 1 ]; then
		echo "FAIL: $label gave different answers across runs: $answers" >&2
		exit 1
	fi
	times=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n)
	ANSWERS[$label]=$answers
	MEDIANS[$label]=$(echo "$times" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
	printf '  %-34s %10.1f ms   (median of %d; answer %s)\n' "$label" "${MEDIANS[$label]}" "$runs" "$answers"
}

echo "timing (JIT off, no parallel workers; median of the runs after one warm-up run):"
time_query "bare scan" "$RUNS" "SELECT count(*) FROM domxfer.domains WHERE expires_at > $NOW"
time_query "13-column floor" "$RUNS" "SELECT count(*) FROM domxfer.domains d WHERE $FLOOR13"
time_query "15-column floor" "$RUNS" "SELECT count(*) FROM domxfer.domains d WHERE $FLOOR15"
time_query "plain SQL expression" "$RUNS" "SELECT count(*) FROM domxfer.domains d WHERE $SQL_EXPR"
time_query "transfer_out_eligible(d, now)" "$RUNS" "SELECT count(*) FROM domxfer.domains d WHERE domxfer.transfer_out_eligible(d, $NOW)"
time_query "PL/pgSQL reading tld_policy" "$PLPGSQL_RUNS" "SELECT count(*) FROM domxfer.domains d WHERE public.plpgsql_eligible(d, $NOW)"

status=0
if [ "${ANSWERS[plain SQL expression]}" != "${ANSWERS[transfer_out_eligible(d, now)]}" ] ||
   [ "${ANSWERS[PL/pgSQL reading tld_policy]}" != "${ANSWERS[transfer_out_eligible(d, now)]}" ]; then
	echo "FAIL: the eligibility answers differ" >&2
	status=1
else
	echo "  the three eligibility answers are identical: ${ANSWERS[transfer_out_eligible(d, now)]} of $ROWS domains"
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
bare=${MEDIANS[bare scan]}
expr=${MEDIANS[plain SQL expression]}
c=${MEDIANS[transfer_out_eligible(d, now)]}
plpgsql=${MEDIANS[PL/pgSQL reading tld_policy]}
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {ok = (op == "<=") ? v <= t : v >= t; print ok ? "met" : "MISSED"}'; }
echo "ratios:"
echo "  transfer_out_eligible / bare scan      = $(ratio "$c" "$bare")  (target <= 2: $(verdict "$(ratio "$c" "$bare")" "<=" 2))"
echo "  transfer_out_eligible / 15-column floor = $(ratio "$c" "${MEDIANS[15-column floor]}")  (target <= 1.5: $(verdict "$(ratio "$c" "${MEDIANS[15-column floor]}")" "<=" 1.5))"
echo "  transfer_out_eligible / 13-column floor = $(ratio "$c" "${MEDIANS[13-column floor]}")"
echo "  15-column floor / bare scan             = $(ratio "${MEDIANS[15-column floor]}" "$bare")"
echo "  transfer_out_eligible / SQL expression = $(ratio "$c" "$expr")  (target <= 1: $(verdict "$(ratio "$c" "$expr")" "<=" 1))"
echo "  PL/pgSQL / transfer_out_eligible       = $(ratio "$plpgsql" "$c")  (target >= 10: $(verdict "$(ratio "$plpgsql" "$c")" ">=" 10))"
echo "  SQL expression / bare scan             = $(ratio "$expr" "$bare")"

echo "domain_status against text[] ($ROWS statuses):"
psql_bench -At -F ' ' <<'SQL' | while read -r kind avg total; do printf '  %-22s %5s bytes per value, table %s\n' "$kind" "$avg" "$total"; done
SELECT 'domain_status', round(avg(pg_column_size(status)), 1), pg_size_pretty(pg_total_relation_size('public.status_bits')) FROM public.status_bits
UNION ALL
SELECT 'text[]', round(avg(pg_column_size(status)), 1), pg_size_pretty(pg_total_relation_size('public.status_text')) FROM public.status_text;
SQL
time_query "@> on domain_status" "$RUNS" "SELECT count(*) FROM public.status_bits WHERE status @> 'clientTransferProhibited'"
time_query "@> on text[]" "$RUNS" "SELECT count(*) FROM public.status_text WHERE status @> ARRAY['clientTransferProhibited']"
if [ "${ANSWERS[@> on domain_status]}" != "${ANSWERS[@> on text[]]}" ]; then
	echo "FAIL: the @> answers differ" >&2
	status=1
fi
echo "  text[] @> / domain_status @>           = $(ratio "${MEDIANS[@> on text[]]}" "${MEDIANS[@> on domain_status]}")"
exit $status
