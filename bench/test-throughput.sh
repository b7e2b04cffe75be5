#!/bin/sh
# make bench: `dominoban test` throughput on two generated 1,000,000-line
# Domino logs, next to `grep -c -P` with an alternation matching exactly
# the lines dominoban reports (the counts are checked), pinned to one core:
#  1. about 2% attack lines among router, replication and HTTP chatter;
#  2. a busy server with log_sessions on (gen-domino-log -b): 20% SMTP
#     session lines, 200 sessions open at once, 2% attack lines.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
LOG=${BENCH_LOG:-$B/bench/domino-1M.log}
BUSY=${BENCH_BUSY_LOG:-$B/bench/domino-busy-1M.log}
LINES=${BENCH_LINES:-1000000}
[ -s "$LOG" ] || "$B/bench/gen-domino-log" "$LINES" 2 >"$LOG"
[ -s "$BUSY" ] || "$B/bench/gen-domino-log" -b "$LINES" 2 >"$BUSY"
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""
# One branch per shipped pattern the generator writes; the last one is the
# session tracker's (connected, disconnected. N messages received).
RE='Authentication failed for user .* ; connecting host \[?[0-9A-Fa-f:.]+\]?$|: .* \[[0-9A-Fa-f:.]+\] authentication failure using internet password|POP3 Server: Authentication failure for .*, connecting host [0-9A-Fa-f:.]+:|Rejected recipient <.*> from host \[[0-9A-Fa-f:.]+\]|TLS/SSL connection [0-9A-Fa-f:.]+\([0-9]+\) -> |Connection from \[[0-9A-Fa-f:.]+\] rejected for policy reasons|Server: (?:[^ ()\[\]]+ \()?[0-9A-Fa-f:.]+\)? (?:connected *$|disconnected\. [0-9]+ messages?(?:\[s\])? received)'

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

# run LABEL FILE: the three timings of one log, and the counts compared.
run() {
	n=$(wc -l <"$2")
	bytes=$(wc -c <"$2")
	ev=$($B/dominoban test --events --patterns "$S/patterns" "$2" | wc -l)
	gm=$(grep -c -P "$RE" "$2" || true)
	td=$(best $CPU "$B/dominoban" test --events --patterns "$S/patterns" "$2")
	tj=$(best $CPU "$B/dominoban" test --events --no-jit --patterns "$S/patterns" "$2")
	tg=$(best $CPU grep -c -P "$RE" "$2")
	printf '%s: %s lines, %s bytes; events: %s; grep matches: %s%s\n' \
	    "$1" "$n" "$bytes" "$ev" "$gm" \
	    "$([ "$ev" = "$gm" ] || echo ' (COUNTS DIFFER)')"
	printf 'dominoban test --events (JIT):          %8.3f s  %10.0f lines/s\n' "$td" "$(echo "$n / $td" | bc -l)"
	printf 'dominoban test --events (interpreter):  %8.3f s  %10.0f lines/s\n' "$tj" "$(echo "$n / $tj" | bc -l)"
	printf 'grep -c -P (alternation):               %8.3f s  %10.0f lines/s\n' "$tg" "$(echo "$n / $tg" | bc -l)"
	printf 'dominoban / grep time ratio: %.2f\n' "$(echo "$td / $tg" | bc -l)"
}

run "2% attack lines" "$LOG"
run "busy server (log_sessions, 20% session lines, 2% attack lines)" "$BUSY"
# The daemon's path: match_line() line by line, as the tailer hands lines
# out (best of 3).
for _ in 1 2 3; do $CPU "$B/bench/line-bench" "$LOG" "$S/patterns"; done |
	sort -t: -k3 -n | tail -1
