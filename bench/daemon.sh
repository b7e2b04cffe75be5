#!/bin/bash
# make bench: the real daemon in a private network namespace.
#  1. latency from a log line appended to its element in the kernel set,
#     over 200 bans (bench/latency-bench);
#  2. restoring 100,000 live bans at start into an empty table (a reboot),
#     and again when the kernel still holds them (a restart): the time from
#     exec to the control socket answering, which the daemon opens only
#     after the restore batch is committed.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
BENCH_NAME=daemon
. "$S/bench/netns.sh"
N=${RESTORE_BANS:-100000}

conf() {
	cat >"$T/dominoban.conf" <<CONF
[daemon]
logs = $T/notes.log
patterns = $S/patterns
control_socket = $T/control.sock
state_dir = $T/state
[allow]
own_addresses = no
CONF
}

# start: launch the daemon and wait for its socket to answer; sets DPID
# and ELAPSED (seconds from exec to the first answer).
start() {
	local t0 t1
	t0=$(date +%s.%N)
	"$B/dominoban" --config "$T/dominoban.conf" run 2>>"$T/daemon.log" &
	DPID=$!
	until "$B/dominoban" --config "$T/dominoban.conf" status >/dev/null 2>&1; do
		kill -0 $DPID 2>/dev/null || { cat "$T/daemon.log"; exit 1; }
		sleep 0.005
	done
	t1=$(date +%s.%N)
	ELAPSED=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
}

stop() {
	kill $DPID
	wait $DPID || true
	DPID=
}

# in_kernel: elements of our four sets, counted with nft (not timed).
in_kernel() {
	local s n=0
	for s in host4 net4; do
		n=$((n + $(nft list set inet dominoban $s | tr ',{}' '\n\n\n' |
		    grep -c '[0-9]\.[0-9]')))
	done
	echo $n
}

conf
: >"$T/notes.log"
mkdir -p "$T/state"
start
"$B/bench/latency-bench" "$T/notes.log" "${LATENCY_BANS:-200}"
stop

rm -rf "$T/state"
mkdir -p "$T/state"
"$B/bench/gen-state" "$T/state" "$N"
nft delete table inet dominoban 2>/dev/null || true
start
echo "restore $N live bans into an empty table (reboot): $ELAPSED s from exec to ready; $(in_kernel) elements in the kernel"
stop
start
echo "restore $N live bans, the kernel still holding them (restart): $ELAPSED s from exec to ready"
stop
grep 'repair reason=restore' "$T/daemon.log" | sed 's/^/  daemon: /'
