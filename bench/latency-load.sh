#!/bin/bash
# make bench: ban latency on a busy daemon (issue 15, section 3). The real
# `dominoban run` in a private network namespace starts with BANS active
# bans (bench/gen-state, 100,000 by default) and follows a log that gets
# LOAD lines a second (half SMTP session lines, half failed logins of
# hosts that each get banned: a sustained attack). Meanwhile
# bench/latency-bench times COUNT fresh bans (300), each from the write(2)
# of its fifth failure to the element announced by the kernel, GAP ms
# apart so that the run spans the daemon's periodic jobs (the kernel
# recheck every 30 s, state saves). Beside it the floor: a process woken
# by the same kind of write, under the same load, that commits one element
# per fifth failure and does nothing else.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
BENCH_NAME=latency
. "$S/bench/netns.sh"
BANS=${LATENCY_ACTIVE:-100000}
COUNT=${LATENCY_BANS:-300}
LOAD=${LATENCY_LOAD:-1000}
GAP=${LATENCY_GAP:-150}

cat >"$T/dominoban.conf" <<CONF
[daemon]
logs = $T/notes.log
patterns = $S/patterns
control_socket = $T/control.sock
state_dir = $T/state
[allow]
own_addresses = no
CONF
: >"$T/notes.log"
: >"$T/floor.log"
mkdir -p "$T/state"
"$B/bench/gen-state" "$T/state" "$BANS"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/bench/latency-bench" -f -l "$LOAD" -g "$GAP" "$T/floor.log" "$COUNT"
nft delete table inet floor 2>/dev/null || true

"$B/dominoban" --config "$T/dominoban.conf" run 2>>"$T/daemon.log" &
DPID=$!
until "$B/dominoban" --config "$T/dominoban.conf" status >/dev/null 2>&1; do
	kill -0 $DPID 2>/dev/null || { cat "$T/daemon.log"; exit 1; }
	sleep 0.05
done
"$B/bench/latency-bench" -l "$LOAD" -g "$GAP" "$T/notes.log" "$COUNT"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$B/dominoban" --config "$T/dominoban.conf" status | grep -i -E 'bans|active' | head -5 | sed 's/^/  status: /'
grep -E 'reconcile|recheck|save' "$T/daemon.log" | tail -5 | sed 's/^/  daemon: /'
kill $DPID
wait $DPID || true
DPID=
