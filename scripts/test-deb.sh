#!/usr/bin/env bash
# make test-deb: for each Debian release, builds the postgresql-NN-domxfer
# package (make deb, pg_buildext) in that release's build root, installs it
# with `apt install ./postgresql-NN-domxfer_*.deb` on a fresh root that has
# nothing but apt (PostgreSQL comes from Debian's archive as its
# dependency), and runs the regression suite against the installed package
# there (installcheck: a throwaway server with domxfer preloaded, CREATE
# EXTENSION, pg_regress). The packages stay in debs/<release>/.
#   scripts/test-deb.sh                      # bookworm (15), trixie (17), testing (18)
#   scripts/test-deb.sh trixie
# Needs root (scripts/roots.sh).
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/roots.sh"
set +e
roots_check || exit 2

RELEASES=("$@")
[ ${#RELEASES[@]} -gt 0 ] || RELEASES=(bookworm trixie testing)
RESULTS=()
status=0
trap 'overlay_down' EXIT

for suite in "${RELEASES[@]}"; do
	out="$TOP/debs/$suite"
	rm -rf "$out"; mkdir -p "$out"
	echo "== $suite: make deb"
	if ! root_deps "$suite" debhelper dpkg-dev postgresql-server-dev-all; then
		RESULTS+=("$suite: could not install the build dependencies"); status=1; continue
	fi
	overlay_up "$suite" || { RESULTS+=("$suite: overlay failed"); status=1; continue; }
	copy_tree "$OVL_ROOT/root/p"
	if ! inside 'DEB_OUT=/root/debs scripts/make-deb.sh'; then
		RESULTS+=("$suite: make deb failed"); status=1; overlay_down; continue
	fi
	cp "$OVL_ROOT"/root/debs/*.deb "$out/"
	overlay_down
	debs=$(cd "$out" && ls postgresql-*-domxfer_*.deb)

	echo "== $suite: apt install on a fresh root, then the regression suite"
	overlay_up "$suite" plain || { RESULTS+=("$suite: overlay failed"); status=1; continue; }
	mkdir -p "$OVL_ROOT/root/p" "$OVL_ROOT/root/debs"
	cp "$out"/*.deb "$OVL_ROOT/root/debs/"
	# the tests only: nothing of the build reaches this root but the package
	(cd "$TOP" && tar -cf - sql expected test scripts README.md docs demo) | tar -xf - -C "$OVL_ROOT/root/p"
	log="$out/installcheck.log"
	# shellcheck disable=SC2086
	inside "mkdir -p /etc/postgresql-common/createcluster.d
		echo 'create_main_cluster = false' >/etc/postgresql-common/createcluster.d/domxfer.conf
		export DEBIAN_FRONTEND=noninteractive
		# gnupg: a tool of the notices test (it makes an OpenPGP key), not of the package
		apt-get update -qq && apt-get install -y -qq --no-install-recommends gnupg $(for d in $debs; do printf '/root/debs/%s ' "$d"; done) >/dev/null \
			|| { echo 'apt install failed'; exit 1; }
		dpkg-query -W -f='installed \${Package} \${Version}\n' 'postgresql-*-domxfer'
		for tool in make gcc cc; do command -v \$tool >/dev/null && echo \"unexpected: \$tool in the fresh root\"; done
		DOMXFER_SUITES=regress scripts/run-tests.sh" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	RESULTS+=("$(printf '%-9s %s: %s' "$suite" "$(echo $debs)" "${line:-failed (see $log)}")")
	[ "$rc" -eq 0 ] || status=1
	overlay_down
done

echo "== packages"
for r in "${RESULTS[@]}"; do echo "$r"; done
exit $status
