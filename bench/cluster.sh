#!/bin/bash
# make bench: the cluster, with mosquitto on a Unix socket and each node in
# a network namespace of its own (as tests/system/cluster.sh).
#  1. propagation: a ban decided on node 1 (the fifth failed login appended
#     to its log) to the element in node 2's kernel set, over
#     CLUSTER_BANS (1,000) bans: bench/latency-bench run in node 2's
#     namespace, writing node 1's log (share = bans, so node 2 gets the
#     ban, not the evidence);
#  2. evidence: node 1 reads 20,000 counted events a second for 5 s; the
#     events node 2 counted from node 1 against those node 1 sent;
#  3. snapshot: node 1 starts with CLUSTER_SNAPSHOT (100,000) bans in its
#     state and publishes them retained; node 2 starts afresh: the time from
#     its exec to all of them held.
# DOMINOBAN runs another binary (a baseline) as the daemons;
# CLUSTER_STEPS picks the parts to run (default "1 2 3"); CLUSTER_PERF=FILE
# records node 2 taking the snapshot with perf(1) into FILE.
# Needs root, mosquitto and a build --with-mqtt; says SKIP otherwise.
set -eu
B=${TOP_BUILDDIR:?}
S=${TOP_SRCDIR:?}
DB=${DOMINOBAN:-$B/dominoban}
skip() { echo "SKIP: cluster bench: $*"; exit 0; }
[ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null || skip "needs root (unshare -n)"
grep -q '^#define HAVE_MQTT 1' "$B/config.h" || skip "built without MQTT"
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] || skip "mosquitto not installed"
command -v mosquitto_sub >/dev/null || skip "mosquitto_sub not installed"
T=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-clbench.XXXXXX")
PIDS=
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
SOCK=$T/mqtt.sock
NBANS=${CLUSTER_BANS:-1000}
NSNAP=${CLUSTER_SNAPSHOT:-100000}
STEPS=${CLUSTER_STEPS:-1 2 3}
declare -A PID
step() { case " $STEPS " in *" $1 "*) return 0 ;; esac; return 1; }
# cputime PID: user + system CPU seconds of PID so far.
cputime() {
	awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($12 + $13) / hz }' "/proc/$1/stat"
}

broker() {
	# A snapshot of 100,000 retained messages must not be cut at the
	# broker's default queue of 1,000 per client (docs/CLUSTER.md).
	printf 'listener 0 %s\nallow_anonymous true\npersistence false\nuser root\nmax_queued_messages 0\nlog_dest none\n' \
		"$SOCK" >"$T/mosquitto.conf"
	"$MOSQUITTO" -c "$T/mosquitto.conf" 2>/dev/null &
	BROKER=$!
	PIDS="$PIDS $!"
	until [ -S "$SOCK" ]; do sleep 0.01; done
}
conf() { # N SHARE [EXTRA]
	local d=$T/n$1
	mkdir -p "$d/state"
	: >>"$d/notes.log"
	cat >"$d/dominoban.conf" <<EOF
[daemon]
logs = $d/notes.log
patterns = $S/patterns
control_socket = $d/control.sock
state_dir = $d/state
[score]
${3:-}
[nft]
table = dbclb$1
[allow]
own_addresses = no
[cluster]
broker = unix:$SOCK
node = n$1
share = $2
EOF
}
start() { # N: start node N, wait until it answers; ELAPSED from exec
	local t0
	t0=$(date +%s.%N)
	unshare -n bash -c 'ip link set lo up; exec "$0" --config "$1" run' \
		"$DB" "$T/n$1/dominoban.conf" 2>>"$T/n$1/daemon.log" &
	PID[$1]=$!
	PIDS="$PIDS ${PID[$1]}"
	until cli "$1" status >/dev/null 2>&1; do
		kill -0 "${PID[$1]}" 2>/dev/null || { cat "$T/n$1/daemon.log"; exit 1; }
		sleep 0.005
	done
	T0=$t0
}
stop() { kill "${PID[$1]}"; wait "${PID[$1]}" 2>/dev/null || true; }
cli() { local n=$1; shift; "$DB" --config "$T/n$n/dominoban.conf" "$@"; }
js() { cli "$1" status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"; }
connected() { until [ "$(js "$1" "d['cluster']['state']")" = connected ]; do sleep 0.05; done; }
# A counter of the cluster's status without a python per poll (timed loops).
num() { cli "$1" status --json 2>/dev/null | grep -o "\"$2\":[0-9]*" | tail -1 | cut -d: -f2; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
broker

# ---- 1. propagation ------------------------------------------------------------
if step 1; then
conf 1 bans
conf 2 bans
start 1
start 2
connected 1
connected 2
echo "1. ban on node 1 -> element in node 2's set (Unix-socket broker):"
nsenter -t "${PID[2]}" -n "$B/bench/latency-bench" "$T/n1/notes.log" "$NBANS" | head -1
stop 1
stop 2
rm -rf "$T/n1" "$T/n2"
fi

# ---- 2. evidence at 20,000 events a second ----------------------------------------
if step 2; then
# Distinct hosts, no netblock tier, a threshold nobody reaches: counting only.
conf 1 bans+evidence "host_threshold = 1000
net4_prefix = 0"
conf 2 bans+evidence "host_threshold = 1000
net4_prefix = 0"
start 1
start 2
connected 1
connected 2
RATE=${CLUSTER_EV_RATE:-20000}
SECS=${CLUSTER_EV_SECS:-5}
python3 - "$T/n1/notes.log" "$RATE" "$SECS" <<'EOF'
import sys, time
log, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ts = time.strftime('%d.%m.%Y %H:%M:%S')
chunk = rate // 20
with open(log, 'a') as f:
    t0 = time.monotonic()
    for k in range(secs * 20):
        lines = []
        for j in range(chunk):
            i = k * chunk + j
            lines.append('[004711:000010-00007F3A9C5FE700] %s   SMTP Server: '
                         'Authentication failed for user u%d ; connecting host '
                         '10.%d.%d.%d\n' % (ts, i, i >> 16 & 255, i >> 8 & 255, i & 255))
        f.write(''.join(lines))
        f.flush()
        late = t0 + (k + 1) / 20 - time.monotonic()
        if late > 0:
            time.sleep(late)
    print('   wrote %d lines in %.2f s' % (secs * rate, time.monotonic() - t0))
EOF
want=$((RATE * SECS))
for i in $(seq 1 200); do
	[ "$(num 2 events_in)" -ge "$want" ] 2>/dev/null && break
	sleep 0.1
done
echo "2. evidence: node 1 sent $(js 1 "d['cluster']['events_out']") events in" \
	"$(js 1 "d['cluster']['evidence_messages_out']") messages ($(js 1 "d['cluster']['events_unsent']") unsent);" \
	"node 2 counted $(js 2 "d['cluster']['events_in']") of $want"
stop 1
stop 2
rm -rf "$T/n1" "$T/n2"
fi

# ---- 3. a snapshot of 100,000 retained bans at start -------------------------------
step 3 || exit 0
conf 1 bans
conf 2 bans
"$B/bench/gen-state" "$T/n1/state" "$NSNAP"
start 1
connected 1
# Node 1 publishes its bans again on connect; wait until the broker holds them.
for i in $(seq 1 600); do
	# -C: stop at the count; -W: at most 30 s (on a loaded machine a
	# subscriber takes seconds to read 100,000 messages).
	n=$(timeout -s KILL 60 mosquitto_sub -V 5 --unix "$SOCK" -t 'dominoban/v1/ban/#' \
		--retained-only -C "$NSNAP" -W 30 -F '%t' 2>/dev/null | wc -l)
	[ "$n" -ge "$NSNAP" ] && break
	sleep 1
done
echo "   broker holds $n retained bans"
bcpu0=$(cputime "$BROKER")
start 2
PERFPID=
if [ -n "${CLUSTER_PERF:-}" ]; then
	perf record -g -o "$CLUSTER_PERF" -p "${PID[2]}" 2>/dev/null &
	PERFPID=$!
fi
if [ -n "${CLUSTER_STRACE:-}" ]; then
	strace -c -w -o "$CLUSTER_STRACE" -p "${PID[2]}" 2>/dev/null &
	PERFPID=$!
fi
until [ "$(num 2 bans_in)" -ge "$NSNAP" ] 2>/dev/null; do
	kill -0 "${PID[2]}" || exit 1
	sleep 0.02
done
t1=$(date +%s.%N)
cpu=$(cputime "${PID[2]}")
# The time node 2 was ready to run but waited for a CPU (schedstat, ns).
rq=$(awk '{ printf "%.2f", $2 / 1e9 }' "/proc/${PID[2]}/schedstat")
bcpu=$(echo "$bcpu0 $(cputime "$BROKER")" | awk '{ printf "%.2f", $2 - $1 }')
[ -z "$PERFPID" ] || { kill -INT "$PERFPID"; wait "$PERFPID" 2>/dev/null || true; }
echo "3. snapshot of $NSNAP retained bans applied at node start:" \
	"$(echo "$T0 $t1" | awk '{ printf "%.2f", $2 - $1 }') s (exec to all taken by the ledger;" \
	"$(js 2 "d['active_bans']") active); CPU: node 2 $cpu s (and $rq s waiting for a CPU), broker $bcpu s; load $(cut -d' ' -f1-3 /proc/loadavg)"
