#!/usr/bin/env bash
# Installs the Debian packages that building, testing and the demo need;
# `install-deps.sh fuzz` adds clang and its libFuzzer runtime (make fuzz),
# `install-deps.sh asan` the compiler's sanitizer runtimes (make test-asan).
. "$(dirname "$0")/common.sh"

PACKAGES=(
	postgresql-15 postgresql-server-dev-15 postgresql-client-15
	libicu-dev libxml2-dev pkg-config
	libxml2-utils
	postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
	libipc-run-perl
	postgresql-15-cron
	gnupg
)
case "${1:-}" in
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

echo "installing Debian packages: ${missing[*]}"
# Debian's postgresql-common would create and start a "main" cluster on
# install; domxfer runs its own throwaway clusters, so skip that.
$SUDO mkdir -p /etc/postgresql-common/createcluster.d
echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.d/domxfer-no-main.conf >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
