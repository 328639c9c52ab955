# Shared by the scripts of make test, make demo and make bench.
# PostgreSQL refuses to run as root: as root the server, initdb and the test
# drivers that start servers run as the `postgres` system user; otherwise as
# the calling user. Privileged steps use sudo only when not root (a root
# shell often has no sudo at all: Debian's default).

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# The PostgreSQL major version to build and test with: PG_VERSION from the
# environment, else the one of the machine's Debian release (12: 15,
# 13: 17), else the one Debian's `postgresql` package depends on (testing,
# unstable and releases this list does not know yet). Prints nothing when
# none can be found (apt's package lists not fetched yet).
distribution_pg_version() {
	local id=""
	if [ -n "${PG_VERSION:-}" ]; then echo "$PG_VERSION"; return; fi
	[ -r /etc/os-release ] && id=$(. /etc/os-release && echo "${VERSION_ID:-}")
	case "$id" in
	12) echo 15; return ;;
	13) echo 17; return ;;
	esac
	{ apt-cache depends postgresql 2>/dev/null || true; } | sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | sort -n | tail -1
}

# pg_config: PG_CONFIG from the environment, else that version's (Debian
# installs every major version side by side), else the one on PATH.
if [ -z "${PG_CONFIG:-}" ]; then
	PG_CONFIG=pg_config
	v=$(distribution_pg_version)
	[ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_config" ] && PG_CONFIG=/usr/lib/postgresql/$v/bin/pg_config
	unset v
fi
PG_MAJOR=$({ "$PG_CONFIG" --version 2>/dev/null || true; } | sed -n 's/^PostgreSQL \([0-9][0-9]*\).*/\1/p')
PG_MAJOR=${PG_MAJOR:-$(distribution_pg_version)}
PGBIN=$("$PG_CONFIG" --bindir 2>/dev/null || echo "/usr/lib/postgresql/$PG_MAJOR/bin")
PGXS_DIR=$(dirname "$("$PG_CONFIG" --pgxs 2>/dev/null || echo "/usr/lib/postgresql/$PG_MAJOR/lib/pgxs/src/makefiles/pgxs.mk")")/../..

if [ "$(id -u)" = 0 ]; then
	RUN_USER=postgres
	SUDO=""
	# from a folder postgres can enter (the checkout may be under /root)
	as_run_user() {
		if runuser -u postgres -- test -x "$PWD" 2>/dev/null; then
			runuser -u postgres -- env PATH="$PGBIN:$PATH" "$@"
		else
			(cd /tmp && runuser -u postgres -- env PATH="$PGBIN:$PATH" "$@")
		fi
	}
else
	RUN_USER=$(id -un)
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		SUDO=no_sudo
	fi
	as_run_user() { env PATH="$PGBIN:$PATH" "$@"; }
fi

# $SUDO for a user who is not root on a machine without sudo: says what to do
no_sudo() {
	echo "this step needs root (it runs: $*): run it as root, which needs no sudo, or install sudo" >&2
	return 1
}

# A folder the run user can write: $1 if possible, else a fresh one in /var/tmp.
# (A checkout under /root is not reachable by the postgres user.)
writable_dir() {
	local want=$1 fallback=$2
	mkdir -p "$want" 2>/dev/null || true
	if [ "$(id -u)" = 0 ]; then
		chown "$RUN_USER" "$want" 2>/dev/null || true
		if runuser -u "$RUN_USER" -- test -w "$want" 2>/dev/null; then
			echo "$want"; return
		fi
		mkdir -p "$fallback"
		chown "$RUN_USER" "$fallback"
		echo "$fallback"
	else
		echo "$want"
	fi
}

# Start a throwaway cluster: cluster_start DATADIR PORT [extra postgresql.conf lines]
cluster_start() {
	local datadir=$1 port=$2 extra=${3:-}
	if [ ! -f "$datadir/PG_VERSION" ]; then
		as_run_user initdb -D "$datadir" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$datadir.initdb.log" 2>&1 \
			|| { cat "$datadir.initdb.log" >&2; return 1; }
		as_run_user sh -c "cat >> '$datadir/postgresql.conf'" <<CONF
listen_addresses = ''
port = $port
unix_socket_directories = '$datadir'
shared_preload_libraries = 'domxfer'
max_worker_processes = 16
log_min_messages = warning
log_line_prefix = '%m [%p] %q%a '
fsync = off
$extra
CONF
	fi
	# DOMXFER_SERVER_ENV: "VAR=value ..." for the server (make test-asan)
	# shellcheck disable=SC2086
	as_run_user env ${DOMXFER_SERVER_ENV:-} pg_ctl -D "$datadir" -l "$datadir/server.log" -w -t 60 start >/dev/null \
		|| { tail -20 "$datadir/server.log" >&2; return 1; }
}

cluster_stop() {
	local datadir=$1
	[ -f "$datadir/postmaster.pid" ] || return 0
	as_run_user pg_ctl -D "$datadir" -m fast -w stop >/dev/null || true
}

# Re-runs the calling script under /tmp/domxfer.lock, which serializes the
# system-wide `make install` of several checkouts on one machine, unless an
# ancestor (e.g. `flock -o /tmp/domxfer.lock make bench`) already holds it,
# since taking it again would deadlock. -o keeps servers started by the
# script from inheriting the lock. Usage: hold_domxfer_lock "$0" "$@"
hold_domxfer_lock() {
	local inode holders p h
	[ -z "${DOMXFER_LOCKED:-}" ] || return 0
	if [ -e /tmp/domxfer.lock ]; then
		inode=$(stat -c %i /tmp/domxfer.lock)
		holders=$(awk -v ino=":$inode\$" '$2 == "FLOCK" && $6 ~ ino {print $5}' /proc/locks)
		p=$$
		while [ -n "$holders" ] && [ "$p" -gt 1 ]; do
			for h in $holders; do [ "$h" = "$p" ] && return 0; done
			p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || break
		done
	fi
	DOMXFER_LOCKED=1 exec flock -o /tmp/domxfer.lock bash "$@"
}
