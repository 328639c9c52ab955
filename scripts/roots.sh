# Debian roots for make test-versions and make test-deb (sourced).
# A base root per Debian suite is made once with mmdebstrap from Debian's
# archive and cached in $ROOTS/<suite>/root; every run works on a throwaway
# overlay of it, so the cache stays as made. Needs root (mount, chroot).
#   bookworm: Debian 12, PostgreSQL 15
#   trixie:   Debian 13, PostgreSQL 17
#   testing:  Debian testing, PostgreSQL 18 (at the time of writing)

ROOTS=${DOMXFER_ROOTS:-/var/cache/domxfer-roots}
# the Debian mirror this machine's apt already uses, else Debian's own
MIRROR=${DOMXFER_MIRROR:-$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)}
[ -n "$MIRROR" ] || MIRROR=$(awk '$1 == "deb" && $2 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

roots_check() {
	[ "$(id -u)" = 0 ] || { echo "run as root (it uses mmdebstrap, mount and chroot)" >&2; return 2; }
	command -v mmdebstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null \
		|| { echo "mmdebstrap is needed: apt-get install mmdebstrap" >&2; return 2; }
}

# root_base SUITE: makes $ROOTS/SUITE/root unless it is there; prints its path.
# Check-Valid-Until is off in these test roots only: a mirror that serves a
# dated snapshot of testing has an expired Release file.
root_base() {
	local suite=$1 dir=$ROOTS/$1
	if [ ! -x "$dir/root/usr/bin/make" ]; then
		echo "making the $suite root in $dir (once, a few minutes)..." >&2
		mkdir -p "$dir"
		rm -rf "$dir/root.tmp"
		mmdebstrap --variant=buildd --aptopt='Acquire::Check-Valid-Until "false"' \
			--include=git,ca-certificates,procps,pkg-config \
			"$suite" "$dir/root.tmp" "$MIRROR" >"$dir/mmdebstrap.log" 2>&1 \
			|| { tail -5 "$dir/mmdebstrap.log" >&2; return 1; }
		mv "$dir/root.tmp" "$dir/root"
	fi
	[ -f "$dir/root/etc/apt/apt.conf.d/99domxfer-test-root" ] \
		|| echo 'Acquire::Check-Valid-Until "false";' >"$dir/root/etc/apt/apt.conf.d/99domxfer-test-root"
	echo "$dir/root"
}

# root_plain SUITE: a root with nothing but apt (no PostgreSQL, no compiler),
# as a server that gets the package has; cached in $ROOTS/SUITE/plain.
root_plain() {
	local suite=$1 dir=$ROOTS/$1
	if [ ! -x "$dir/plain/usr/bin/apt-get" ]; then
		echo "making the plain $suite root in $dir/plain (once)..." >&2
		mkdir -p "$dir"
		rm -rf "$dir/plain.tmp"
		mmdebstrap --variant=apt --aptopt='Acquire::Check-Valid-Until "false"' --include=ca-certificates,procps \
			"$suite" "$dir/plain.tmp" "$MIRROR" >"$dir/mmdebstrap-plain.log" 2>&1 \
			|| { tail -5 "$dir/mmdebstrap-plain.log" >&2; return 1; }
		echo 'Acquire::Check-Valid-Until "false";' >"$dir/plain.tmp/etc/apt/apt.conf.d/99domxfer-test-root"
		mv "$dir/plain.tmp" "$dir/plain"
	fi
	echo "$dir/plain"
}

# root_deps SUITE: installs the project's make deps packages into the cached
# base root (scripts/install-deps.sh picks the suite's PostgreSQL), so a run
# does not fetch them again; extra Debian packages may follow.
root_deps() {
	local suite=$1 base
	shift
	base=$(root_base "$suite") || return 1
	rm -rf "$base/tmp/domxfer-deps"
	mkdir -p "$base/tmp/domxfer-deps"
	cp -r "$TOP/scripts" "$base/tmp/domxfer-deps/"
	cp /etc/resolv.conf "$base/etc/resolv.conf" 2>/dev/null
	root_ca "$base"
	# package scripts need /proc and /dev (postgresql-common runs systemd-tmpfiles)
	mount --bind /proc "$base/proc" && mount --bind /dev "$base/dev" && mount --bind /dev/pts "$base/dev/pts"
	local rc=0
	chroot "$base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		bash /tmp/domxfer-deps/scripts/install-deps.sh >&2 || rc=1
	if [ $rc -eq 0 ] && [ $# -gt 0 ]; then
		chroot "$base" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "$@" >"$ROOTS/$suite/apt.log" 2>&1 \
			|| { tail -20 "$ROOTS/$suite/apt.log" >&2; rc=1; }
	fi
	umount "$base/dev/pts" "$base/dev" "$base/proc"
	rm -rf "$base/tmp/domxfer-deps"
	return $rc
}

# Trust what this machine trusts (a network that intercepts TLS, e.g. for
# npm, has its CA here).
root_ca() {
	local r=$1
	if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
		mkdir -p "$r/usr/local/share/ca-certificates"
		cp /usr/local/share/ca-certificates/*.crt "$r/usr/local/share/ca-certificates/"
		chroot "$r" /usr/sbin/update-ca-certificates >/dev/null 2>&1
	fi
	return 0
}

# overlay_up SUITE [plain]: a throwaway overlay of the base root (or of the
# plain one); sets OVL (the overlay's folder) and OVL_ROOT (its root).
# overlay_down removes it.
overlay_up() {
	local base
	if [ "${2:-}" = plain ]; then
		base=$(root_plain "$1") || return 1
	else
		base=$(root_base "$1") || return 1
	fi
	OVL=$(mktemp -d /var/tmp/domxfer-root.XXXXXX)
	mkdir -p "$OVL"/{upper,work,m}
	mount -t overlay overlay -o "lowerdir=$base,upperdir=$OVL/upper,workdir=$OVL/work" "$OVL/m" || return 1
	OVL_ROOT=$OVL/m
	mount --bind /proc "$OVL_ROOT/proc"
	mount --bind /dev "$OVL_ROOT/dev"
	mount --bind /dev/shm "$OVL_ROOT/dev/shm"
	mount --bind /dev/pts "$OVL_ROOT/dev/pts" 2>/dev/null || true
	cp /etc/resolv.conf "$OVL_ROOT/etc/resolv.conf" 2>/dev/null
	return 0
}

overlay_down() {
	local p
	[ -n "${OVL:-}" ] && [ -d "$OVL/m" ] || return 0
	# stop what is still running inside (servers of a failed test), by pid
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$OVL_ROOT" ] && kill -9 "${p#/proc/}" 2>/dev/null
	done
	sleep 1
	umount "$OVL_ROOT/dev/pts" "$OVL_ROOT/dev/shm" "$OVL_ROOT/dev" "$OVL_ROOT/proc" 2>/dev/null
	umount "$OVL_ROOT" 2>/dev/null
	rm -rf "$OVL"
	OVL=""
}

# inside CMD: runs CMD with bash as root in the overlay, in /root/p.
inside() {
	chroot "$OVL_ROOT" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		DOMXFER_TEST_PORT="${DOMXFER_TEST_PORT:-}" DOMXFER_TAP_PORT="${DOMXFER_TAP_PORT:-}" \
		DOMXFER_SUITES="${DOMXFER_SUITES:-}" DOMXFER_TESTS="${DOMXFER_TESTS:-}" \
		bash -c "cd /root/p 2>/dev/null; $1"
}

# copy_tree DEST: the checkout as it is now (tracked and new files, not
# ignored ones, uncommitted changes included) into DEST.
copy_tree() {
	mkdir -p "$1"
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard \
		| tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$1"
}
