#!/usr/bin/env bash
# make test-versions: the test suites on every PostgreSQL a Debian release
# ships, each from Debian's own packages in a Debian root of its own.
#   scripts/test-versions.sh                 # trixie (17) and testing (18)
#   scripts/test-versions.sh bookworm trixie testing
#   DOMXFER_SUITES="meta regress isolation pgtap" scripts/test-versions.sh   # the quick suites
# Each suite's root is made once (scripts/roots.sh, cached under
# /var/cache/domxfer-roots); each run builds the checkout as it is now
# (uncommitted changes included) with -Werror in a throwaway overlay and
# runs scripts/run-tests.sh there. Ends with one line per version and exits
# non-zero when any version failed. Needs root.
. "$(dirname "$0")/common.sh"
. "$(dirname "$0")/roots.sh"
set +e
roots_check || exit 2

SUITES_DEBIAN=("$@")
[ ${#SUITES_DEBIAN[@]} -gt 0 ] || SUITES_DEBIAN=(trixie testing)
RESULTS=()
status=0
trap 'overlay_down' EXIT

for suite in "${SUITES_DEBIAN[@]}"; do
	echo "== $suite: root and packages"
	if ! root_deps "$suite"; then
		RESULTS+=("$(printf '%-9s could not make the root or install its packages' "$suite")")
		status=1; continue
	fi
	overlay_up "$suite" || { RESULTS+=("$suite: overlay failed"); status=1; continue; }
	copy_tree "$OVL_ROOT/root/p"
	rm -rf "$OVL_ROOT/root/p/.test"
	ver=$(inside 'pg_config --version' | sed -n 's/^PostgreSQL \([0-9]*\).*/\1/p')
	echo "== $suite: PostgreSQL $ver: build (-Werror) and test"
	log=$ROOTS/$suite/last-run.log
	start=$(date +%s)
	inside 'make -s 2>&1 && scripts/install-extension.sh && scripts/run-tests.sh' 2>&1 | tee "$log" | grep -E '^(== |[a-zA-Z_]+ +[0-9]+ passed|[0-9]+ passed)'
	rc=${PIPESTATUS[0]}
	secs=$(( $(date +%s) - start ))
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	[ -n "$line" ] || line="build failed (see $log)"
	RESULTS+=("$(printf '%-9s PostgreSQL %-3s %s (%d s)' "$suite" "$ver" "$line" "$secs")")
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "-- $suite failed; the failures' details (whole log: $log):"
		sed -n '/^--- failed/,$p' "$log" | head -200
		grep -E 'error:|Error [0-9]' "$log" | head -40
	fi
	overlay_down
done

echo "== versions"
for r in "${RESULTS[@]}"; do echo "$r"; done
exit $status
