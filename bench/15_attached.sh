#!/usr/bin/env bash
# make bench: the rules and the lifecycle over a registrar's own table
# (SPEC §10, docs/own-domains-table.md).
#
# 1. transfer_out_eligible over 1,000,000 rows of an attached 40-column
#    registrar table (statuses as text[] of Java enum names, timestamps
#    without time zone, the e-mail a plain column) against the floor
#    measured in the same run: a query reading the same mapped expressions
#    (the expressions attached_domains shows) into one built-in call,
#    num_nonnulls. Target: at most 1.5x the floor.
# 2. request_transfer_out + receive_transfer_request (one transaction each)
#    on the attached table against the same on domxfer.domains holding the
#    same domains, one client, pgbench. Target: within 1.2x.
# Medians of several runs; JIT and parallel query off for stable numbers.
. "$(dirname "$0")/../scripts/common.sh"

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-7}
TX=${BENCH_LIFECYCLE_TX:-1000}
NOW="timestamptz '2025-06-01 00:00:00+00'"
PORT=54341
WORK=$(writable_dir "$TOP/.bench" "/var/tmp/domxfer-bench-$(id -u)")
DATA="$WORK/attached-data"

cluster_stop "$DATA" 2>/dev/null || true
rm -rf "$DATA" "$DATA.initdb.log"
cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'bench-registrar'
shared_buffers = 1GB
work_mem = 64MB
max_wal_size = 4GB"
trap 'cluster_stop "$DATA"' EXIT

psql_db() {
	local db=$1
	shift
	as_run_user psql -X -q --host="$DATA" --port="$PORT" --username=postgres -d "$db" -v ON_ERROR_STOP=1 "$@"
}
psql_db postgres -c 'CREATE DATABASE attached' -c 'CREATE DATABASE builtin'

echo "generating $ROWS registrar rows (40 columns) ..."
psql_db attached >/dev/null <<SQL
CREATE EXTENSION domxfer;
SELECT setseed(0.4242);
CREATE SCHEMA registrar;
-- 40 columns, as a registrar's domain table has: what domxfer reads and
-- much that it does not (billing, DNS, privacy, EPP bookkeeping)
CREATE TABLE registrar.domain (
	id bigint PRIMARY KEY, domain_name text NOT NULL, sponsor_client_id text NOT NULL,
	creation_time timestamp NOT NULL, expiration_time timestamp NOT NULL,
	last_transfer_time timestamp, late_renewal_time timestamp, statuses text[] NOT NULL,
	balance numeric(12,2) NOT NULL, udrp_case text, identity_disputed boolean NOT NULL,
	whois_complete boolean NOT NULL, registrant_email text, hosted_dns boolean NOT NULL,
	owner_changed timestamp, owner_change_opt_out boolean NOT NULL,
	repo_id text, roid text, customer_id bigint, plan text, auto_renew boolean, privacy boolean,
	nameserver1 text, nameserver2 text, nameserver3 text, nameserver4 text, ds_records text,
	admin_contact bigint, tech_contact bigint, billing_contact bigint, created_by text,
	updated_by text, updated_time timestamp, renew_price numeric(10,2), currency char(3),
	notes text, idn_table text, launch_phase text, reseller_id bigint, deleted_time timestamp
);
INSERT INTO registrar.domain
SELECT i, 'd' || i || '.' || tld,
	   CASE WHEN b = 1 THEN 'other-registrar' ELSE 'bench-registrar' END,
	   reg, exp,
	   CASE WHEN b = 4 THEN ($NOW - interval '20 days') AT TIME ZONE 'UTC' WHEN r1 < 0.3 THEN reg + (exp - reg) * r1 / 2 END,
	   CASE WHEN b = 11 THEN ($NOW - interval '10 days') AT TIME ZONE 'UTC' END,
	   CASE b WHEN 5 THEN '{CLIENT_TRANSFER_PROHIBITED}' WHEN 7 THEN '{REDEMPTION_PERIOD}'
			  WHEN 15 THEN '{SERVER_TRANSFER_PROHIBITED,CLIENT_DELETE_PROHIBITED}' WHEN 16 THEN '{CLIENT_HOLD}'
			  WHEN 17 THEN '{PENDING_DELETE}' WHEN 20 THEN '{PENDING_RENEW}' ELSE '{}' END::text[],
	   CASE WHEN b = 8 THEN 10 ELSE 0 END, CASE WHEN b = 9 THEN 'UDRP-1' END, b = 10, b <> 12,
	   CASE WHEN b = 13 THEN NULL WHEN b = 14 THEN 'holder' || i || '@localhost' ELSE 'holder' || i || '@example.com' END,
	   r1 < 0.4, CASE WHEN b = 19 THEN ($NOW - interval '10 days') AT TIME ZONE 'UTC' END, r2 < 0.3,
	   'R' || i, 'ROID' || i, i % 50000, 'standard', true, r1 < 0.5,
	   'ns1.example.net', 'ns2.example.net', NULL, NULL, NULL, i, i, i, 'epp', 'billing', reg,
	   12.50, 'USD', NULL, NULL, NULL, NULL, NULL
  FROM (SELECT i,
			   CASE WHEN i <= 20000 THEN 'com' ELSE
			   (ARRAY['com','com','com','com','com','net','net','cn','cn','cn','xn--fiqs8s','org','hk'])[1 + floor(random() * 13)::int] END AS tld,
			   CASE WHEN i <= 20000 OR random() < 0.7 THEN 0 ELSE 1 + floor(random() * 20)::int END AS b,
			   random() AS r1, random() AS r2
		  FROM generate_series(1, $ROWS) AS i) AS g,
	   LATERAL (SELECT (CASE WHEN g.b = 2 THEN $NOW - interval '30 days' ELSE $NOW - interval '3000 days' * (0.05 + 0.95 * g.r2) END) AT TIME ZONE 'UTC' AS reg) AS r,
	   LATERAL (SELECT (CASE WHEN g.b = 3 THEN $NOW + interval '10 days' ELSE $NOW + interval '400 days' + interval '700 days' * g.r1 END) AT TIME ZONE 'UTC' AS exp) AS e;
CREATE UNIQUE INDEX ON registrar.domain (domain_name);
INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES ('com', 'icann_2024'), ('net', 'icann_2024'), ('org', 'icann_tpr');
VACUUM (FREEZE, ANALYZE) registrar.domain;
SELECT domxfer.attach_domains('registrar.domain', '{
	"name": "domain_name", "sponsoring_registrar": "sponsor_client_id",
	"registered_at": "creation_time", "expires_at": "expiration_time",
	"last_transferred_at": "last_transfer_time", "late_renewed_at": "late_renewal_time",
	"status": "statuses", "unpaid": "balance > 0", "legal_hold": "udrp_case IS NOT NULL",
	"holder_disputed": "identity_disputed", "contacts_complete": "whois_complete",
	"registrant_email": "registrant_email", "uses_registrar_dns": "hosted_dns",
	"registrant_changed_at": "owner_changed", "registrant_change_lock_opt_out": "owner_change_opt_out"}');
SQL

# the same domains in domxfer.domains of another database, for the lifecycle
psql_db builtin >/dev/null <<SQL
CREATE EXTENSION domxfer;
CREATE EXTENSION dblink;
INSERT INTO domxfer.tld_policy (tld, rule_set) VALUES ('com', 'icann_2024'), ('net', 'icann_2024'), ('org', 'icann_tpr');
INSERT INTO domxfer.domains (name, sponsoring_registrar, registered_at, expires_at, last_transferred_at,
	late_renewed_at, status, unpaid, legal_hold, holder_disputed, contacts_complete, registrant_email,
	uses_registrar_dns, registrant_changed_at, registrant_change_lock_opt_out)
SELECT x.name, x.s, x.r, x.e, NULL, NULL, 'ok', false, false, false, true, x.em, x.dns, NULL, false
  FROM dblink('dbname=attached host=$DATA port=$PORT user=postgres',
	\$\$SELECT domain_name, sponsor_client_id, creation_time AT TIME ZONE 'UTC', expiration_time AT TIME ZONE 'UTC',
			 registrant_email, hosted_dns FROM registrar.domain WHERE id <= 20000\$\$)
	AS x(name text, s text, r timestamptz, e timestamptz, em text, dns boolean);
SQL

# The floor: the mapped expressions, exactly as attach_domains reads them
# (attached_domains.expressions), passed to one built-in call.
FLOOR=$(psql_db attached -At -c "SELECT 'num_nonnulls(' || string_agg(value, ', ' ORDER BY key) || ') > 0'
	FROM domxfer.attached_domains, jsonb_each_text(expressions)")

declare -A ANSWERS MEDIANS
# time_query LABEL DB SQL: one warm-up run, then RUNS timed runs in one session
time_query() {
	local label=$1 db=$2 sql=$3 out answers times
	out=$({
		echo "SET jit = off;"
		echo "SET max_parallel_workers_per_gather = 0;"
		echo "$sql;"
		echo '\timing on'
		for _ in $(seq "$RUNS"); do echo "$sql;"; done
	} | psql_db "$db" -At)
	answers=$(echo "$out" | grep -v '^Time:' | sort -u)
	times=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | sort -n)
	ANSWERS[$label]=$answers
	MEDIANS[$label]=$(echo "$times" | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
	printf '  %-44s %10.1f ms   (median of %d; answer %s)\n' "$label" "${MEDIANS[$label]}" "$RUNS" "$answers"
}

echo "the rules over the attached table (JIT off, no parallel workers; medians after one warm-up run):"
time_query "bare scan" attached "SELECT count(*) FROM registrar.domain d WHERE d.expiration_time > '2025-06-01'"
time_query "floor: the mapped expressions" attached "SELECT count(*) FROM registrar.domain d WHERE $FLOOR"
time_query "transfer_out_eligible(d, now) attached" attached "SELECT count(*) FROM registrar.domain d WHERE domxfer.transfer_out_eligible(d, $NOW)"
time_query "eligibility view, attached" attached "SELECT count(*) FROM domxfer.eligibility WHERE eligible_now"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
verdict() { awk -v v="$1" -v t="$2" 'BEGIN {print (v <= t) ? "met" : "MISSED"}'; }
r=$(ratio "${MEDIANS[transfer_out_eligible(d, now) attached]}" "${MEDIANS[floor: the mapped expressions]}")
echo "  transfer_out_eligible / floor = $r  (target <= 1.5: $(verdict "$r" 1.5))"
echo "  floor / bare scan             = $(ratio "${MEDIANS[floor: the mapped expressions]}" "${MEDIANS[bare scan]}")"

# request + receive in one transaction per domain, one client: the first
# 20,000 domains are eligible on both sides; each transaction takes the next
latency() {	# latency DB: median over 3 pgbench runs of TX transactions (ms)
	local db=$1 i out
	psql_db "$db" -c "DROP SEQUENCE IF EXISTS public.bench_next; CREATE SEQUENCE public.bench_next"
	for i in 1 2 3; do
		out=$(as_run_user pgbench -n -h "$DATA" -p "$PORT" -U postgres -c 1 -t "$TX" -f "$WORK/attached-lifecycle.sql" "$db" 2>&1)
		echo "$out" | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p'
	done | sort -n | sed -n 2p
}
cat > "$WORK/attached-lifecycle.sql" <<'PGB'
SELECT nextval('public.bench_next') AS n \gset
SELECT domxfer.receive_transfer_request(n.domain_name, r.auth_code, 'bench-gainer')
  FROM public.registrar_names n, LATERAL domxfer.request_transfer_out(n.domain_name) r WHERE n.id = :n;
PGB
[ "$(id -u)" = 0 ] && chown "$RUN_USER" "$WORK/attached-lifecycle.sql"
psql_db attached -c "CREATE VIEW public.registrar_names AS SELECT id, domain_name FROM registrar.domain"
psql_db builtin -c "CREATE TABLE public.registrar_names AS SELECT (regexp_match(name, '^d([0-9]+)[.]'))[1]::bigint AS id, name AS domain_name FROM domxfer.domains; CREATE UNIQUE INDEX ON public.registrar_names (id)"
echo "request + receive, one transaction, one client ($TX transactions, median of 3 runs):"
la=$(latency attached)
lb=$(latency builtin)
echo "  attached registrar table  $la ms"
echo "  domxfer.domains           $lb ms"
r=$(ratio "$la" "$lb")
echo "  attached / domxfer.domains = $r  (target <= 1.2: $(verdict "$r" 1.2))"
