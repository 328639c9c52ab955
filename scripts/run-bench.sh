#!/usr/bin/env bash
# make bench: runs every bench/*.sh in name order. Each benchmark starts the
# throwaway server it needs (see cluster_start in scripts/common.sh) and
# prints its own figures: medians of several runs, and ratios against a
# baseline measured in the same run.
. "$(dirname "$0")/common.sh"
status=0
for b in "$TOP"/bench/*.sh; do
	[ -e "$b" ] || continue
	echo "== $(basename "$b")"
	bash "$b" || status=1
done
exit $status
