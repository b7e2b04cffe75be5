#!/bin/sh
# make bench: `dominoban test` throughput on a generated 1,000,000-line
# Domino log with about 2% attack lines, next to `grep -c -P` with an
# equivalent alternation on the same file. Pinned to one core.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
LOG=${BENCH_LOG:-$B/bench/domino-1M.log}
LINES=${BENCH_LINES:-1000000}
[ -s "$LOG" ] || "$B/bench/gen-domino-log" "$LINES" 2 >"$LOG"
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""
RE='Authentication failed for user .* ; connecting host \[?[0-9A-Fa-f:.]+\]?$|: .* \[[0-9A-Fa-f:.]+\] authentication failure using internet password|POP3 Server: Authentication failure for .*, connecting host [0-9A-Fa-f:.]+:|Rejected recipient <.*> from host \[[0-9A-Fa-f:.]+\]|TLS/SSL connection [0-9A-Fa-f:.]+\([0-9]+\) -> |Connection from \[[0-9A-Fa-f:.]+\] rejected for policy reasons| [0-9A-Fa-f:.]+\)? (dis)?connected'

best() { # best of 5 wall-clock runs of "$@", in seconds
	b=""
	for _ in 1 2 3 4 5; do
		s=$(date +%s.%N)
		"$@" >"${TMPDIR:-/tmp}/dominoban-bench.out"  # not /dev/null: grep quits early there
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}

n=$(wc -l <"$LOG")
bytes=$(wc -c <"$LOG")
ev=$($B/dominoban test --events --patterns "$S/patterns" "$LOG" | wc -l)
gm=$(grep -c -P "$RE" "$LOG" || true)
td=$(best $CPU "$B/dominoban" test --events --patterns "$S/patterns" "$LOG")
tj=$(best $CPU "$B/dominoban" test --events --no-jit --patterns "$S/patterns" "$LOG")
tg=$(best $CPU grep -c -P "$RE" "$LOG")
printf 'file: %s lines, %s bytes; events: %s; grep matches: %s\n' "$n" "$bytes" "$ev" "$gm"
printf 'dominoban test --events (JIT):          %8.3f s  %10.0f lines/s\n' "$td" "$(echo "$n / $td" | bc -l)"
printf 'dominoban test --events (interpreter):  %8.3f s  %10.0f lines/s\n' "$tj" "$(echo "$n / $tj" | bc -l)"
printf 'grep -c -P (alternation):               %8.3f s  %10.0f lines/s\n' "$tg" "$(echo "$n / $tg" | bc -l)"
printf 'dominoban / grep time ratio: %.2f\n' "$(echo "$td / $tg" | bc -l)"
# The daemon's path: match_line() line by line, as the tailer hands lines
# out (best of 3).
for _ in 1 2 3; do $CPU "$B/bench/line-bench" "$LOG" "$S/patterns"; done |
	sort -t: -k3 -n | tail -1
