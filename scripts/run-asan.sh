#!/usr/bin/env bash
# make test-asan: builds the extension with AddressSanitizer and
# UndefinedBehaviorSanitizer, installs it, runs every make test suite against
# it, fails on any sanitizer report, and always reinstalls the normal build.
#
# The server binary is not instrumented, so the ASan runtime is preloaded
# into every server (LD_PRELOAD through DOMXFER_SERVER_ENV, which
# cluster_start and the Perl TAP drivers pass on), together with a shim that
# makes it initialize first (test/asan/asan_initfirst.c).  Reports go to files in
# .asan/ (or /var/tmp/domxfer-asan-UID when the checkout is unreachable).
# Installs system-wide: run it under flock -o /tmp/domxfer.lock.
. "$(dirname "$0")/common.sh"
set +e +o pipefail
cd "$TOP"

SAN_FLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"
CC=$("$PG_CONFIG" --cc | awk '{print $1}')
ASAN_RUNTIME=$("$CC" -print-file-name=libasan.so)
LOGS=$(writable_dir "$TOP/.asan" "/var/tmp/domxfer-asan-$(id -u)")
rm -rf "${LOGS:?}"/*

# The normal build goes back in whatever happens.
restore_normal_build() {
	echo "== reinstalling the normal build"
	make -s clean >/dev/null
	make -s >/dev/null && scripts/install-extension.sh \
		|| { echo "could not reinstall the normal build" >&2; exit 1; }
}
trap restore_normal_build EXIT

echo "== building with $SAN_FLAGS"
make -s clean >/dev/null
if ! make -s COPT="$SAN_FLAGS" >/dev/null || ! scripts/install-extension.sh; then
	echo "0 passed, 1 failed"; exit 1
fi
if ! nm -D domxfer.so | grep -q '__asan_init' || [ ! -f "$ASAN_RUNTIME" ]; then
	echo "domxfer.so is not instrumented or $ASAN_RUNTIME is missing" >&2; exit 1
fi

# ASan must initialize before the server's libraries' constructors run
# (see test/asan/asan_initfirst.c): preload a -z initfirst shim after it.
SHIM="$LOGS/asan_initfirst.so"
"$CC" -shared -fPIC -Wl,-z,initfirst -o "$SHIM" "$TOP/test/asan/asan_initfirst.c" \
	-L"$(dirname "$ASAN_RUNTIME")" -lasan || { echo "0 passed, 1 failed"; exit 1; }

SAN_COMMON="log_path=$LOGS/%s:print_stacktrace=1:abort_on_error=1"
export DOMXFER_SERVER_ENV="LD_PRELOAD=$ASAN_RUNTIME:$SHIM \
ASAN_OPTIONS=${SAN_COMMON//%s/asan}:detect_leaks=0:detect_stack_use_after_return=1 \
UBSAN_OPTIONS=${SAN_COMMON//%s/ubsan}:halt_on_error=1"

# Proof that the runtime reaches the server: a postmaster started the way
# the suites start theirs maps both the ASan runtime and the instrumented
# library (shared_preload_libraries).
probe="$LOGS/probe"
cluster_start "$probe" 54339 || { echo "0 passed, 1 failed"; exit 1; }
pid=$(head -1 "$probe/postmaster.pid")
loaded=$(grep -oE '/[^ ]*(libasan[^ /]*|domxfer\.so)$' "/proc/$pid/maps" | sort -u)
cluster_stop "$probe"
rm -rf "$probe" "$probe.initdb.log"
if ! grep -q libasan <<<"$loaded" || ! grep -q 'domxfer\.so' <<<"$loaded"; then
	echo "the ASan runtime or domxfer.so is not loaded into the server" >&2; exit 1
fi
echo "== server runs with $(basename "$ASAN_RUNTIME") preloaded and the instrumented domxfer.so"

scripts/run-tests.sh | tee "$LOGS/run-tests.out"
tests_rc=${PIPESTATUS[0]}

# Sanitizer reports: any non-empty report file, or a report that reached a
# server log (when the log file could not be opened).
WORK=$(writable_dir "$TOP/.test" "/var/tmp/domxfer-test-$(id -u)")
reports=$(find "$LOGS" -maxdepth 1 -type f \( -name 'asan.*' -o -name 'ubsan.*' \) -size +0 | sort)
in_logs=$(grep -rlE 'ERROR: AddressSanitizer|runtime error:|SUMMARY: (Address|UndefinedBehavior)Sanitizer' \
	"$WORK/data/server.log" "$WORK/test/tmp_check" 2>/dev/null)
count=$(printf '%s\n%s\n' "$reports" "$in_logs" | grep -c .)
for f in $reports; do echo "--- $f"; head -40 "$f"; done
for f in $in_logs; do echo "--- $f"; grep -E -A20 'Sanitizer|runtime error:' "$f" | head -40; done
echo "sanitizer reports: $count"
[ "$tests_rc" -eq 0 ] && [ "$count" -eq 0 ]
exit $?
