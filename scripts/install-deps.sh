#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need;
# `install-deps.sh deb` adds what make deb needs (debhelper, pg_buildext),
# `install-deps.sh fuzz` adds clang and its libFuzzer runtime (make fuzz),
# `install-deps.sh asan` the compiler's sanitizer runtimes (make test-asan).
# The PostgreSQL major version is the one of the machine's Debian release
# (12: 15, 13: 17, testing: what its `postgresql` package depends on), or
# PG_VERSION from the environment (e.g. PG_VERSION=16 with apt.postgresql.org).
. "$(dirname "$0")/common.sh"

V=$(distribution_pg_version)
if [ -z "$V" ]; then
	# a fresh machine has not fetched apt's package lists yet
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	V=$(distribution_pg_version)
fi
if [ -z "$V" ]; then
	echo "cannot tell which PostgreSQL this distribution ships: set PG_VERSION (e.g. PG_VERSION=17 make test)" >&2
	exit 1
fi

PACKAGES=(
	"postgresql-$V" "postgresql-server-dev-$V" "postgresql-client-$V"
	libicu-dev libxml2-dev pkg-config
	libxml2-utils
	"postgresql-$V-pgtap" libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
	"postgresql-$V-cron"
	"postgresql-$V-auto-failover" pg-auto-failover-cli
	gnupg
)
case "${1:-}" in
deb) PACKAGES+=(debhelper dpkg-dev postgresql-server-dev-all) ;;
fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev) ;;
asan) PACKAGES+=(gcc libasan8 libubsan1) ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# Node.js 18 or later with npm, for examples/node and the META.json check.
# Debian 12's nodejs (18) and npm packages, unless a node and npm are
# already there (e.g. a newer Node.js whose package brings its own npm, and
# would conflict with Debian's npm package).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ] || ! command -v npm >/dev/null 2>&1; then
	for p in nodejs npm; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
fi
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages (PostgreSQL $V): ${missing[*]}"
# Debian's postgresql-common would create and start a "main" cluster on
# install; domxfer runs its own throwaway clusters, so skip that.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.d/domxfer-no-main.conf >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
