#!/bin/bash
# make bench: the cost of metrics and the report's rollup on the daemon's
# line path. The real daemon (dry run, in a private network namespace)
# reads a generated 2,000,000-line Domino log from its start; the time
# from exec to `status --json` showing every line read, best of 3. Set
# DOMINOBAN_BASE to another build's binary (main before this work) to
# compare both on the same log, alternating runs.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
BENCH_NAME=metrics
. "$S/bench/netns.sh"
N=${BENCH_LINES:-2000000}
LOG=${BENCH_LOG:-$B/bench/domino-2M.log}
[ -s "$LOG" ] || "$B/bench/gen-domino-log" "$N" 2 >"$LOG"
N=$(wc -l <"$LOG")
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""

# once BINARY: seconds from exec to every line read.
once() {
	rm -rf "$T/state" "$T/control.sock"
	cat >"$T/dominoban.conf" <<CONF
[daemon]
logs = $LOG
patterns = $S/patterns
control_socket = $T/control.sock
state_dir = $T/state
dry_run = yes
[allow]
own_addresses = no
CONF
	s=$(date +%s.%N)
	$CPU "$1" --config "$T/dominoban.conf" run --from-start 2>"$T/err" &
	DPID=$!
	while ! "$1" --config "$T/dominoban.conf" status --json 2>/dev/null |
	    grep -q "\"lines\":$N,"; do
		kill -0 $DPID 2>/dev/null || { cat "$T/err"; exit 1; }
		sleep 0.005
	done
	e=$(date +%s.%N)
	kill $DPID
	wait $DPID 2>/dev/null || true
	DPID=
	echo "$e - $s" | bc -l
}

best() { # best of the numbers on stdin
	sort -g | head -1
}

new=""
base=""
for i in 1 2 3; do
	new="$new $(once "$B/dominoban")"
	[ -n "${DOMINOBAN_BASE:-}" ] && base="$base $(once "$DOMINOBAN_BASE")"
done
tn=$(echo $new | tr ' ' '\n' | best)
printf 'daemon, %d lines read from the start (dry run), this build: best %.3f s (%.2f M lines/s); runs:%s\n' \
	"$N" "$tn" "$(echo "$N / $tn / 1000000" | bc -l)" "$new"
if [ -n "$base" ]; then
	tb=$(echo $base | tr ' ' '\n' | best)
	printf 'daemon, %d lines, DOMINOBAN_BASE: best %.3f s (%.2f M lines/s); runs:%s\n' \
		"$N" "$tb" "$(echo "$N / $tb / 1000000" | bc -l)" "$base"
	printf 'difference: %+.1f %%\n' "$(echo "($tn - $tb) / $tb * 100" | bc -l)"
fi
