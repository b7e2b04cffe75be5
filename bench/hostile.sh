#!/bin/sh
# make bench: `dominoban test --events` over 100,000 hostile lines
# (fuzz/gen-hostile-log: over-long lines, NULs, invalid UTF-8, injection,
# backtracking shapes, real attackers making 38% of the lines, and again
# with them at 2%) next to 100,000 benign ones (bench/gen-domino-log, 2%
# attack lines), pinned to one core; best of 5 wall-clock runs each.
# Prints lines/s and MB/s and the time per line relative to benign; the
# target (issue 5) is hostile within 2x of benign.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
N=${BENCH_HOSTILE_LINES:-100000}
D=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-bench-hostile.XXXXXX")
trap 'rm -rf "$D"' EXIT
"$B/fuzz/gen-hostile-log" -n "$N" >"$D/hostile.log"
"$B/fuzz/gen-hostile-log" -n "$N" -a 2 >"$D/hostile-2pct.log"
"$B/bench/gen-domino-log" "$N" 2 >"$D/benign.log"
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""

# Best of 5 runs of test --events on FILE, in nanoseconds.
best_ns() {
	b=0
	for _ in 1 2 3 4 5; do
		s=$(date +%s%N)
		$CPU "$B/dominoban" test --events --patterns "$S/patterns" "$1" \
			>"$D/events"
		t=$(($(date +%s%N) - s))
		if [ "$b" = 0 ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

for f in benign hostile hostile-2pct; do
	ns=$(best_ns "$D/$f.log")
	lines=$(wc -l <"$D/$f.log")
	bytes=$(wc -c <"$D/$f.log")
	events=$(wc -l <"$D/events")
	per_line=$(echo "$ns / $lines" | bc -l)
	[ "$f" = benign ] && benign_per_line=$per_line
	printf '%-12s %7s lines %9s bytes %6s events: %6.3f s %8.0f lines/s %6.1f MB/s  x%.2f\n' \
		"$f" "$lines" "$bytes" "$events" "$(echo "$ns / 1000000000" | bc -l)" \
		"$(echo "$lines * 1000000000 / $ns" | bc -l)" \
		"$(echo "$bytes * 1000 / $ns" | bc -l)" \
		"$(echo "$per_line / $benign_per_line" | bc -l)"
done
echo "x: time per line relative to benign (target: at most 2); hostile has 38% attack"
echo "lines, hostile-2pct the same hostile shapes at the benign log's 2%"
