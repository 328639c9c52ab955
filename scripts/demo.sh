#!/usr/bin/env bash
# make demo / make demo-stop: a throwaway server with demo data.
. "$(dirname "$0")/common.sh"

DEMO=$(writable_dir "$TOP/.demo" "/var/tmp/domxfer-demo-$(id -u)")
DATA="$DEMO/data"
PORT=54330
DB=domxfer_demo
PSQL=(psql -X -v ON_ERROR_STOP=1 --host="$DATA" --port="$PORT" --username=postgres)

case "${1:-start}" in
stop)
	cluster_stop "$DATA"
	echo "demo server stopped (its files stay in $DEMO; remove them with rm -rf)"
	;;
start)
	cluster_stop "$DATA"
	rm -rf "$DATA" "$DATA.initdb.log"
	cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'demo-registrar'
domxfer.database = '$DB'"
	as_run_user "${PSQL[@]}" -q -d postgres -c "CREATE DATABASE $DB" >/dev/null
	as_run_user "${PSQL[@]}" -q -d "$DB" -c 'CREATE EXTENSION domxfer' >/dev/null
	as_run_user "${PSQL[@]}" -q -d "$DB" -f - <"$TOP/demo/demo_data.sql" >/dev/null
	echo
	echo "Transfer-out eligibility of the demo domains, now (registrar: demo-registrar):"
	as_run_user "${PSQL[@]}" -q -d "$DB" -f - <"$TOP/demo/report.sql"
	cat <<MSG

The demo server is running. Connect with:
    psql -h $DATA -p $PORT -U postgres $DB
Stop it with:
    make demo-stop
MSG
	;;
*)
	echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
