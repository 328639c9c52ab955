#!/usr/bin/env bash
# make fuzz: builds the libFuzzer targets in fuzz/ with clang and
# ASan + UBSan, runs each for FUZZ_SECONDS (default 60) from its seed corpus
# in fuzz/corpus/<target>/, and fails on any finding (crash, sanitizer report,
# broken invariant, timeout, out-of-memory).  Everything it writes is under
# fuzz/out/: bin/, corpus/<target>/ (inputs found, kept between runs),
# artifacts/<target>/ (the inputs of findings) and logs/<target>.log.
#
#   FUZZ_SECONDS=600 make fuzz          longer runs
#   FUZZ_TARGETS="domain_name" make fuzz  a subset
#   fuzz/out/bin/fuzz_<target> <file>   replays one input (e.g. an artifact)
. "$(dirname "$0")/common.sh"
set +e +o pipefail

FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_CC=${FUZZ_CC:-$(command -v clang-14 || command -v clang)}
OUT="$TOP/fuzz/out"
FLAGS=(-g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare
	-I"$TOP/src" -I"$TOP/fuzz")
ICU_CFLAGS=$(pkg-config --cflags icu-uc icu-i18n)
ICU_LIBS=$(pkg-config --libs icu-uc icu-i18n)
XML2_CFLAGS=$(pkg-config --cflags libxml-2.0)
XML2_LIBS=$(pkg-config --libs libxml-2.0)

# target | sources under src/ | extra flags | longest input tried
TARGETS=(
	"domain_status|domain_status_parse.c||4200"
	"domain_name|domain_name_check.c|$ICU_CFLAGS $ICU_LIBS|1100"
	"email_syntax|email_syntax.c||300"
	"auth_code|||128"
	"client_id|client_id_check.c||80"
	"epp_notice|epp_notice.c|$XML2_CFLAGS $XML2_LIBS|8192"
)

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

mkdir -p "$OUT/bin" "$OUT/logs"
failed=0
summary=()
for spec in "${TARGETS[@]}"; do
	IFS='|' read -r name sources extra max_len <<<"$spec"
	if [ -n "${FUZZ_TARGETS:-}" ] && [[ " $FUZZ_TARGETS " != *" $name "* ]]; then
		continue
	fi
	bin="$OUT/bin/fuzz_$name"
	src=("$TOP/fuzz/fuzz_$name.c")
	for s in $sources; do src+=("$TOP/src/$s"); done
	echo "== fuzz_$name: building"
	# shellcheck disable=SC2086
	"$FUZZ_CC" "${FLAGS[@]}" "${src[@]}" $extra -o "$bin" || { failed=1; summary+=("fuzz_$name: BUILD FAILED"); continue; }

	corpus="$OUT/corpus/$name"
	artifacts="$OUT/artifacts/$name"
	log="$OUT/logs/$name.log"
	mkdir -p "$corpus" "$artifacts"
	rm -f "$artifacts"/*
	dict=()
	[ -f "$TOP/fuzz/$name.dict" ] && dict=(-dict="$TOP/fuzz/$name.dict")
	echo "== fuzz_$name: running for ${FUZZ_SECONDS}s (log: ${log#$TOP/})"
	# the first corpus folder receives new inputs; the seeds stay untouched
	"$bin" -max_total_time="$FUZZ_SECONDS" -max_len="$max_len" -timeout=25 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "${dict[@]}" \
		"$corpus" "$TOP/fuzz/corpus/$name" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)
	cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, features \2, corpus \3/p')
	found=$(ls -A "$artifacts" | wc -l)
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ] || [ -z "$execs" ]; then
		failed=1
		grep -E 'ERROR|SUMMARY|invariant broken|runtime error' "$log" | head -5
		summary+=("$(printf 'fuzz_%-14s FAILED (exit %s, %s finding(s) in %s)' "$name" "$rc" "$found" "${artifacts#$TOP/}")")
	else
		summary+=("$(printf 'fuzz_%-14s %12s executions in %ss (%s/s), %s' "$name" "$execs" "${secs:-$FUZZ_SECONDS}" \
			"$((execs / (${secs:-$FUZZ_SECONDS} > 0 ? ${secs:-$FUZZ_SECONDS} : 1)))" "$cov")")
	fi
done
echo
for s in "${summary[@]}"; do echo "$s"; done
if [ "$failed" -ne 0 ]; then
	echo "fuzzing FAILED: replay a finding with fuzz/out/bin/fuzz_<target> <artifact>"
	exit 1
fi
echo "fuzzing passed: no findings"
