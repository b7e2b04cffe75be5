#!/usr/bin/env bash
# The harvest drill across servers (make bench; issue 12): mosquitto on a
# Unix socket and three Domino-like servers, each a network namespace of
# its own with the drill's responder (tests/drill/smtpd, the address in
# the rejection line) and the real `dominoban run` on its log, shipped
# patterns and defaults (threshold 5), drop, kill_sessions = yes, and a
# [cluster] sharing bans and evidence. The harvester's addresses are on
# every namespace's loopback; it attacks server N from inside N's
# namespace, so server N's kernel sees (and drops) it.
#  move    a harvester probes server 1 (a burst of 50 RCPTs) until it is
#          cut, then moves at once to server 2, then to server 3: how many
#          probes servers 2 and 3 answer (0 when the ban came first);
#  spread  a harvester spreads its probes thinly, 2 RCPTs per session,
#          servers 1, 2, 3 in turn, each under one server's threshold,
#          until a whole round is refused at connect (banned on all):
#          the probes answered in total, and the sessions it took.
# Each scenario runs RUNS times (a new host each time), with the servers
# sharing bans and evidence, then sharing bans only (share = bans), then
# without [cluster] (each defends alone), for comparison.
#
#   bench/drill-cluster.sh [RUNS]      (default 3)
#
# Needs root (unshare -n), mosquitto and a build --with-mqtt; says SKIP
# otherwise.
set -euo pipefail

SRC=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${TOP_BUILDDIR:-$SRC/_build}
DB=${DOMINOBAN:-$BUILD/dominoban}
RUNS=${1:-3}
NODES=3
PAUSE=0.3        # seconds between two sessions of the spread harvester
SPREAD=2         # RCPTs per session of the spread harvester
skip() { echo "SKIP: drill-cluster: $*"; exit 0; }
[ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null ||
	skip "needs root (a network namespace per server: unshare -n)"
grep -q '^#define HAVE_MQTT 1' "$BUILD/config.h" || skip "built without MQTT"
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] || skip "mosquitto not installed"
SMTPD=$BUILD/tests/drill/smtpd
HARV=$BUILD/tests/drill/harvester
for p in "$DB" "$SMTPD" "$HARV"; do [ -x "$p" ] || skip "$p not built"; done

W=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-drillcl.XXXXXX")
PIDS=()    # the broker
NPIDS=()   # the servers' namespaces, responders and daemons
cleanup() {
	local p
	for p in "${NPIDS[@]}" "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
SOCK=$W/mqtt.sock
S4=192.0.2.25 S6=2001:db8::25
# The harvesters: unrelated networks (no netblock tier between runs).
mapfile -t HOSTS < <("$HARV" --plan spread $((6 * RUNS)))
declare -A HOLD

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }
# stats: "median (max)" of the numbers on stdin.
stats() {
	sort -n | awk '{v[NR] = $1} END {if (NR == 0) {print "-"; exit}
	    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
	    print m " (" v[NR] ")"}'
}
in_ns() { local n=$1; shift; nsenter -t "${HOLD[$n]}" -n "$@"; }
cli() { local n=$1; shift; "$DB" --config "$W/n$n/dominoban.conf" "$@"; }
wait_for() { # TRIES CMD...: CMD until it succeeds, 0.05 s apart
	local i
	for i in $(seq 1 "$1"); do "${@:2}" && return 0; sleep 0.05; done
	return 1
}

broker() {
	printf 'listener 0 %s\nallow_anonymous true\npersistence false\nuser root\nlog_dest none\n' \
	    "$SOCK" >"$W/mosquitto.conf"
	"$MOSQUITTO" -c "$W/mosquitto.conf" 2>/dev/null &
	PIDS+=($!)
	wait_for 200 test -S "$SOCK" || { echo "mosquitto did not start" >&2; exit 70; }
}

# node_up N SHARE(bans+evidence|bans|none): server N in a new namespace: its addresses,
# the responder, the daemon; returns once they answer (and, with the
# cluster, once it is connected).
node_up() {
	local n=$1 cl=$2 d=$W/n$1 a
	rm -rf "$d"
	mkdir -p "$d"
	: >"$d/notes.log"
	unshare -n sleep 100000 &
	HOLD[$n]=$!
	NPIDS+=($!)
	wait_for 200 eval '[ "$(readlink /proc/${HOLD[$n]}/ns/net)" != "$(readlink /proc/self/ns/net)" ]'
	in_ns "$n" ip link set lo up
	for a in $S4 $S6 "${HOSTS[@]}"; do
		case $a in
		*:*) in_ns "$n" ip -6 addr add "$a/128" dev lo nodad ;;
		*) in_ns "$n" ip addr add "$a/32" dev lo ;;
		esac
	done
	# nsenter, not the in_ns function, in the background: $! is then the
	# program itself (nsenter execs it), which nodes_down can stop.
	nsenter -t "${HOLD[$n]}" -n "$SMTPD" --log "$d/notes.log" --rcpt-line ip \
	    --rcpt-delay-ms 20 --valid john@example.com >"$d/smtpd.out" 2>&1 &
	NPIDS+=($!)
	{
		printf '[daemon]\nlogs = %s\npatterns = %s\n' "$d/notes.log" "$SRC/patterns"
		printf 'control_socket = %s\nstate_dir = %s\n' "$d/control.sock" "$d/state"
		printf '[nft]\nports = 25\naction = drop\nkill_sessions = yes\n'
		printf '[score]\nsmtp_session_max = 1s\n[allow]\nown_addresses = no\n'
		[ "$cl" = none ] || printf '[cluster]\nbroker = unix:%s\nnode = n%s\nshare = %s\n' \
		    "$SOCK" "$n" "$cl"
	} >"$d/dominoban.conf"
	nsenter -t "${HOLD[$n]}" -n "$DB" --config "$d/dominoban.conf" run --foreground \
	    2>"$d/daemon.log" &
	NPIDS+=($!)
	wait_for 200 grep -q LISTENING "$d/smtpd.out" &&
	    wait_for 200 eval 'cli $n status >/dev/null 2>&1' || {
		cat "$d/daemon.log" "$d/smtpd.out" >&2
		echo "server $n did not start" >&2
		exit 70
	}
	[ "$cl" = none ] || wait_for 200 eval 'cli $n status | grep -q "^cluster: .* connected for"' ||
	    { cli "$n" status >&2; exit 70; }
}
nodes_down() {
	local p
	for p in "${NPIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait "${NPIDS[@]}" 2>/dev/null || true
	NPIDS=()
}
# session N SRC RCPTS: one harvester session from SRC to server N; its
# session line.
session() {
	in_ns "$1" "$HARV" --server $S4 --server $S6 --rcpts "$3" \
	    --timeout-ms 400 "$2" | grep '^session'
}

# move SRC: the burst on server 1, then at once on 2 and 3. Appends
# "answered1 connect2 answered2 connect3 answered3" to $W/move.
move() {
	local l n row=""
	for n in $(seq 1 $NODES); do
		l=$(session "$n" "$1" 50)
		echo "move src=$1 server=$n $l" >>"$W/move.log"
		if [ "$n" = 1 ]; then
			row=$(kv answered <<<"$l")
		else
			row="$row $(kv connect <<<"$l") $(kv answered <<<"$l")"
		fi
	done
	echo "$row" >>"$W/move"
}

# spread SRC: SPREAD RCPTs a session, servers in turn, PAUSE apart, until
# a whole round is refused at connect (at most 12 rounds). Appends
# "answered_total sessions_connected" to $W/spread.
spread() {
	local r n l c total=0 sessions=0 refused
	for r in $(seq 1 12); do
		refused=0
		for n in $(seq 1 $NODES); do
			l=$(session "$n" "$1" $SPREAD)
			echo "spread src=$1 round=$r server=$n $l" >>"$W/spread.log"
			c=$(kv connect <<<"$l")
			if [ "$c" = ok ]; then
				sessions=$((sessions + 1))
				total=$((total + $(kv answered <<<"$l")))
			else
				refused=$((refused + 1))
			fi
			sleep $PAUSE
		done
		[ $refused -lt $NODES ] || break
	done
	[ $refused -eq $NODES ] || total="$total+"
	echo "$total $sessions" >>"$W/spread"
}

echo "harvest drill across $NODES servers: $RUNS run(s) per scenario," \
    "$(nproc) CPU(s), $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')," \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
broker
h=0
: >"$W/move.rows"
: >"$W/spread.rows"
for cl in bans+evidence bans none; do
	for n in $(seq 1 $NODES); do node_up "$n" $cl; done
	: >"$W/move"
	: >"$W/spread"
	for r in $(seq 1 "$RUNS"); do
		move "${HOSTS[$h]}"
		h=$((h + 1))
		spread "${HOSTS[$h]}"
		h=$((h + 1))
		sleep 0.5
	done
	label="share = $cl"
	[ $cl != none ] || label="alone (no [cluster])"
	echo "| $label | $RUNS | $(awk '{print $1}' "$W/move" | stats) |" \
	    "$(awk '{print $3}' "$W/move" | stats) |" \
	    "$(awk '$2 != "ok"' "$W/move" | wc -l)/$RUNS |" \
	    "$(awk '{print $5}' "$W/move" | stats) |" \
	    "$(awk '$4 != "ok"' "$W/move" | wc -l)/$RUNS |" >>"$W/move.rows"
	echo "| $label | $RUNS | $(awk '{print $1}' "$W/spread" | tr -d + | stats)" \
	    "$(grep -q + "$W/spread" && echo "(not banned on all within 12 rounds)") |" \
	    "$(awk '{print $2}' "$W/spread" | stats) |" >>"$W/spread.rows"
	nodes_down
done
echo
echo "move: a burst of 50 RCPTs on server 1 until cut, then at once on 2 and 3;"
echo "probes answered, median (max)"
echo
echo "| servers | runs | answered on server 1 | answered on server 2 | refused at connect on 2 | answered on server 3 | refused at connect on 3 |"
echo "|---|---|---|---|---|---|---|"
cat "$W/move.rows"
echo
echo "spread: $SPREAD RCPTs a session, servers 1, 2, 3 in turn, ${PAUSE} s apart, until"
echo "a whole round is refused at connect; median (max)"
echo
echo "| servers | runs | probes answered until banned on all | sessions served |"
echo "|---|---|---|---|"
cat "$W/spread.rows"
