#!/usr/bin/env bash
# make demo / make demo-stop: a throwaway server with demo data.
. "$(dirname "$0")/common.sh"

DEMO=$(writable_dir "$TOP/.demo" "/var/tmp/domxfer-demo-$(id -u)")
DATA="$DEMO/data"
# DEMO_PORT: the demo server's port (TCP on 127.0.0.1 and the socket's name)
PORT=${DEMO_PORT:-54330}
DB=domxfer_demo

# port_taken PORT: something listens on 127.0.0.1:PORT already
port_taken() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

port_taken_message() {
	cat >&2 <<MSG
make demo: port $PORT on 127.0.0.1 is already in use (another PostgreSQL, or an
earlier demo from another checkout?). Pick a free port for the demo with DEMO_PORT:
    DEMO_PORT=$((PORT + 1)) make demo
MSG
}

# The socket's folder must be reachable by every local user (the data
# folder is not: PostgreSQL keeps it 0700). $DEMO/socket when its parents
# let others in, else a folder of its own in /tmp.
socket_dir() {
	local want="$DEMO/socket" fallback="/tmp/domxfer-demo-socket-$(id -u)" dir
	for dir in "$want" "$fallback"; do
		mkdir -p "$dir" 2>/dev/null || continue
		[ "$(id -u)" = 0 ] && chown "$RUN_USER" "$dir"
		chmod 755 "$dir"
		if [ "$(id -u)" = 0 ]; then
			runuser -u nobody -- test -x "$dir" 2>/dev/null && { echo "$dir"; return; }
		else
			# the parents must be world-searchable too
			local p=$dir ok=1
			while [ "$p" != / ]; do
				[ -n "$(find "$p" -maxdepth 0 -perm -o+x 2>/dev/null)" ] || { ok=0; break; }
				p=$(dirname "$p")
			done
			[ "$ok" = 1 ] && { echo "$dir"; return; }
		fi
	done
	echo "$fallback"
}

case "${1:-start}" in
stop)
	if [ -f "$DATA/postmaster.pid" ]; then
		cluster_stop "$DATA"
		echo "demo server stopped (its files stay in $DEMO; remove them with rm -rf)"
	else
		echo "no demo server running (its files stay in $DEMO; remove them with rm -rf)"
	fi
	;;
start)
	if ! [[ "$PORT" =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1024 ] || [ "$PORT" -gt 65535 ]; then
		echo "make demo: DEMO_PORT must be a port number from 1024 to 65535, not \"$PORT\"" >&2
		exit 2
	fi
	cluster_stop "$DATA"
	if port_taken "$PORT"; then
		port_taken_message
		exit 1
	fi
	rm -rf "$DATA" "$DATA.initdb.log"
	SOCK=$(socket_dir)
	PSQL=(psql -X -q -v ON_ERROR_STOP=1 --host="$SOCK" --port="$PORT" --username=postgres)
	# First with the worker pointed at "postgres" (no extension there: it
	# idles), so it never looks for a database that does not exist yet.
	startlog=$(mktemp)
	if ! cluster_start "$DATA" "$PORT" "domxfer.registrar_id = 'demo-registrar'
unix_socket_directories = '$SOCK'
listen_addresses = '127.0.0.1'
unix_socket_permissions = 0777" 2>"$startlog"; then
		# taken between the check and the start, or only its socket file is
		if grep -qE 'could not bind|already in use|lock file .* already exists' "$startlog" "$DATA/server.log" 2>/dev/null; then
			port_taken_message
		else
			cat "$startlog" >&2
		fi
		rm -f "$startlog"
		exit 1
	fi
	rm -f "$startlog"
	as_run_user "${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" >/dev/null
	as_run_user "${PSQL[@]}" -d "$DB" -c 'CREATE EXTENSION domxfer' >/dev/null 2>&1
	as_run_user "${PSQL[@]}" -d "$DB" -f - <"$TOP/demo/demo_data.sql" >/dev/null
	# now the worker serves the demo database (a restart-time setting)
	as_run_user "${PSQL[@]}" -d postgres -c "ALTER SYSTEM SET domxfer.database = '$DB'" >/dev/null
	as_run_user pg_ctl -D "$DATA" -l "$DATA/server.log" -w -t 60 restart >/dev/null \
		|| { tail -20 "$DATA/server.log" >&2; exit 1; }
	as_run_user "${PSQL[@]}" -d "$DB" -f - <"$TOP/demo/report.sql"
	due=$(as_run_user "${PSQL[@]}" -At -d "$DB" -c "SELECT to_char(deadline AT TIME ZONE 'UTC', 'HH24:MI:SS') FROM domxfer.transfers WHERE domain_name = 'leaving-soon.test'")
	cat <<MSG

The background worker completes the transfer of leaving-soon.test at $due UTC,
one minute after it was requested: .test is reserved for testing (RFC 2606,
RFC 6761), so its policy row may say 1 minute; every real TLD keeps the
policy's 5 to 7 days. Watch it (state, decided_total, last_run_at):
    psql -h $SOCK -p $PORT -U postgres $DB \\
      -c 'SELECT state, decided_total, last_run_at, last_error FROM domxfer.worker_status()' \\
      -c 'SELECT transfer_id, domain_name, state, outcome_reason, decided_at
          FROM domxfer.transfer_report'

The demo server is running. Connect through its Unix socket (any local user):
    psql -h $SOCK -p $PORT -U postgres $DB
or over TCP (e.g. a BI tool; host 127.0.0.1, port $PORT, user postgres, no password):
    psql -h 127.0.0.1 -p $PORT -U postgres $DB
Both trust every local connection without a password (trust authentication;
the server listens on 127.0.0.1 only): a demo for a test machine, not a server.
Stop it with:
    make demo-stop
MSG
	;;
*)
	echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
