#!/bin/bash
# The cluster over a real broker: mosquitto on a Unix socket in a temporary
# directory, and three daemons, each in its own network namespace with its
# own table, log, state and control socket (a Unix socket path reaches
# across namespaces). Checked against the kernel of each node:
# - a host banned on node 1 is in nodes 2 and 3's sets, a TCP connect from
#   it to node 2 fails while an unbanned host connects, `list` names the
#   origin;
# - spread evidence: 2 failed logins of one host on each node (threshold 5)
#   ban it on all three;
# - an unban on one node lifts it everywhere; a peer's ban of an address
#   node 2 allowlists is not applied on node 2;
# - broker killed for 5 s while node 1 bans: node 1 enforces at once, the
#   others get it once the broker is back; the broker restarted without
#   persistence has the bans again (each node republishes its own);
# - a node restarted without its state gets the bans from the snapshot,
#   logged as one record;
# - hostile messages on the ban and evidence topics (garbage, oversize,
#   /0, huge times, wrong version): counted, dropped, nothing banned.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root: one network namespace per node (unshare -n)"
unshare -n true 2>/dev/null || skip "cannot create a network namespace (unshare -n refused)"
grep -q '^#define HAVE_MQTT 1' "$TOP_BUILDDIR/config.h" ||
	skip "dominoban built without MQTT (configure --with-mqtt, libmosquitto-dev)"
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$MOSQUITTO" ] || skip "mosquitto not installed (the test broker; Debian: mosquitto)"
command -v mosquitto_pub >/dev/null ||
	skip "mosquitto_pub not installed (hostile messages; Debian: mosquitto-clients)"
command -v nft >/dev/null || skip "nft(8) not installed (the test oracle)"
command -v nsenter >/dev/null || skip "nsenter(1) not installed"
PROBE=$TOP_BUILDDIR/tools/tcpprobe
[ -x "$PROBE" ] || fail "$PROBE not built"

make_tmpdir
SOCK=$T/mqtt.sock
TOPIC=dominoban/v1

# ---- the broker ------------------------------------------------------------
broker_kill() {
	kill -KILL "$BROKER_PID"
	wait "$BROKER_PID" 2>/dev/null
}
pub() { # TOPIC MESSAGE: publish MESSAGE (MQTT 5) on TOPIC
	mosquitto_pub -V 5 --unix "$SOCK" -q 1 -t "$1" -m "$2"
}

# ---- the nodes ---------------------------------------------------------------
declare -A PID
node_conf() { # N [EXTRA LINES on stdin]
	local d=$T/n$1
	mkdir -p "$d"
	: >>"$d/notes.log"
	{
		printf '[daemon]\nlogs = %s\npatterns = %s\n' "$d/notes.log" "$TOP_SRCDIR/patterns"
		printf 'control_socket = %s\nstate_dir = %s\n' "$d/control.sock" "$d/state"
		printf '[nft]\ntable = dbcl%s\nports = 25\n' "$1"
		printf '[allow]\nown_addresses = no\n'
		printf '[cluster]\nbroker = unix:%s\nnode = n%s\n' "$SOCK" "$1"
		cat
	} >"$d/dominoban.conf"
}
node_start() { # N: run node N in a network namespace of its own
	local d=$T/n$1
	unshare -n bash -c "ip link set lo up; exec \"\$0\" --config \"\$1\" run --foreground" \
		"$DOMINOBAN" "$d/dominoban.conf" 2>>"$d/daemon.err" &
	PID[$1]=$!
	DAEMON_PIDS="$DAEMON_PIDS ${PID[$1]}"
	wait_until 10 node_answers "$1" || { cat "$d/daemon.err" >&2; fail "node $1 did not start"; }
}
node_stop() {
	kill "${PID[$1]}"
	wait "${PID[$1]}" 2>/dev/null
}
node_answers() { kill -0 "${PID[$1]}" 2>/dev/null && cli "$1" status; }
cli() { # N ARGS...: the CLI of node N
	local n=$1
	shift
	"$DOMINOBAN" --config "$T/n$n/dominoban.conf" "$@"
}
ns() { # N CMD...: run CMD in node N's network namespace
	local n=$1
	shift
	nsenter -t "${PID[$n]}" -n "$@"
}
node_has() { # N SET ELEMENT: is ELEMENT in node N's kernel set?
	ns "$1" nft list set inet "dbcl$1" "$2" 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n '/elements =/,$p' | awk 'NF && $1 != "elements" { print $1 }' |
		grep -qxF "$3"
}
node_lacks() { ! node_has "$@"; }
on_nodes() { # "NODES" WHAT CHECK ARGS...: wait until CHECK N ARGS holds on
	# each node N, or fail saying WHAT did not happen there
	local nodes=$1 what=$2 n
	shift 2
	for n in $nodes; do
		wait_until 30 "$1" "$n" "${@:2}" ||
			fail "$what on node $n: $(cli "$n" status | grep '^cluster')"
	done
}
connected() { cli "$1" status | grep -q "^cluster: .* connected for"; }
stat_of() { # N KEY: a number from node N's status --json cluster member
	cli "$1" status --json | python3 -c "import json,sys; print(json.load(sys.stdin)['cluster']['$2'])"
}
fail_auth() { # N ADDR COUNT: COUNT failed SMTP logins from ADDR in node N's log
	local i
	for i in $(seq 1 "$3"); do
		echo "SMTP Server: Authentication failed for user u$1-$RANDOM-$i ; connecting host $2"
	done | db_lines >>"$T/n$1/notes.log"
}

broker_start
node_conf 1 </dev/null
node_conf 2 <<EOF
[allow]
cidrs = 192.0.2.77/32
EOF
node_conf 3 </dev/null
for n in 1 2 3; do node_start $n; done
on_nodes "1 2 3" "not connected" connected
echo "ok: three nodes connected to the broker on $SOCK"

# ---- a ban on node 1 reaches nodes 2 and 3 -----------------------------------
expect_eq "ban on node 1" "$(rc_of cli 1 ban 198.51.100.7 --for 3600)" 0
wait_until 2 node_has 1 host4 198.51.100.7 || fail "node 1 did not ban"
on_nodes "2 3" "node 1's ban missing" node_has host4 198.51.100.7
echo "ok: a ban made on node 1 is in the kernel sets of nodes 2 and 3"
cli 2 list >"$T/list2"
grep '198\.51\.100\.7' "$T/list2" | grep -q 'peer:n1' ||
	fail "node 2's list does not name the origin: $(cat "$T/list2")"
cli 1 list | grep '198\.51\.100\.7' | grep -q 'manual' || fail "node 1's own ban is not manual"
echo "ok: list shows the origin (peer:n1 on node 2, manual on node 1)"

ns 2 ip addr add 198.51.100.7/32 dev lo
ns 2 ip addr add 198.51.100.8/32 dev lo
ns 2 "$PROBE" listen :: 25 >"$T/listen.out" &
DAEMON_PIDS="$DAEMON_PIDS $!"
wait_until 5 grep -q LISTENING "$T/listen.out" || fail "no listener in node 2"
r=$(ns 2 "$PROBE" connect 198.51.100.7 127.0.0.1 25 1000)
[ "$r" != CONNECTED ] || fail "node 1's banned host still connects to node 2"
expect_eq "connect to node 2 from an unbanned host" \
	"$(ns 2 "$PROBE" connect 198.51.100.8 127.0.0.1 25 2000)" CONNECTED
echo "ok: the banned host cannot connect to node 2 ($r)"

# ---- spread evidence: 2 + 2 + 2 failures, threshold 5 ------------------------
for n in 1 2 3; do
	fail_auth $n 203.0.113.5 2
done
on_nodes "1 2 3" "spread evidence did not ban" node_has host4 203.0.113.5
echo "ok: 2 failures on each of 3 nodes ban the host on all three"

# ---- unban on one node lifts everywhere --------------------------------------
expect_eq "unban on node 3" "$(rc_of cli 3 unban 198.51.100.7)" 0
on_nodes "1 2 3" "unban on node 3 not applied" node_lacks host4 198.51.100.7
echo "ok: an unban on node 3 lifts the ban on nodes 1, 2 and 3"

# ---- a peer's ban of an address node 2 allowlists ----------------------------
expect_eq "ban 192.0.2.77 on node 1" "$(rc_of cli 1 ban 192.0.2.77 --for 600)" 0
wait_until 10 node_has 3 host4 192.0.2.77 || fail "node 3 lacks node 1's manual ban"
wait_until 10 eval 'test "$(stat_of 2 refused_allowlisted)" -ge 1' ||
	fail "node 2 did not refuse the allowlisted ban: $(cli 2 status)"
node_lacks 2 host4 192.0.2.77 || fail "node 2 banned an address it allowlists"
echo "ok: node 2 refuses a peer's ban of an address it allowlists"

# ---- the cluster in the metrics --------------------------------------------
cli 1 metrics >"$T/m1" || fail "metrics on node 1"
cli 2 metrics >"$T/m2" || fail "metrics on node 2"
expect_eq "node 1 connected (metric)" "$(metric dominoban_cluster_connected "$T/m1")" 1
expect_eq "node 1's peers (metric)" "$(metric dominoban_cluster_peers "$T/m1")" 2
# Node 1 published its manual bans (3 so far), node 2 took them but the
# allowlisted one, and counted node 1's and 3's evidence (2 + 2 events).
[ "$(metric 'dominoban_cluster_bans_total{direction="out"}' "$T/m1")" -ge 2 ] ||
	fail "node 1's published bans: $(grep cluster_bans "$T/m1")"
[ "$(metric 'dominoban_cluster_bans_total{direction="in"}' "$T/m2")" -ge 1 ] ||
	fail "node 2's peer bans: $(grep cluster_bans "$T/m2")"
expect_eq "node 2's allowlisted refusals (metric)" \
	"$(metric 'dominoban_cluster_bans_refused_total{reason="allowlisted"}' "$T/m2")" \
	"$(stat_of 2 refused_allowlisted)"
[ "$(metric 'dominoban_cluster_events_total{direction="in"}' "$T/m2")" -ge 4 ] ||
	fail "node 2's peer evidence: $(grep cluster_events "$T/m2")"
# Node 3 holds node 1's ban of 192.0.2.77 (node 2 refused it).
cli 3 metrics >"$T/m3" || fail "metrics on node 3"
expect_eq "node 3's active peer bans (metric)" \
	"$(metric 'dominoban_bans_active{origin="peer",family="ipv4",tier="host"}' "$T/m3")" 1
promtool_check "$T/m1"
dashboard_has_metrics dominoban_cluster_ "$T/m1"
promtool_check "$T/m2"
echo "ok: the cluster's counters are in the metrics"

# ---- the broker down for 5 s while node 1 bans -------------------------------
broker_kill
wait_until 10 sh -c "! cli 1 status | grep -q '^cluster: .* connected for'" ||
	fail "node 1 did not notice the broker was gone"
expect_eq "ban on node 1, broker down" "$(rc_of cli 1 ban 198.51.100.20 --for 600)" 0
wait_until 2 node_has 1 host4 198.51.100.20 || fail "node 1 does not enforce its ban at once"
echo "ok: with the broker down node 1 enforces its own ban at once"
sleep 5
node_lacks 2 host4 198.51.100.20 || fail "node 2 has the ban without a broker?"
broker_start
on_nodes "2 3" "the ban made while the broker was down is missing" \
	node_has host4 198.51.100.20
echo "ok: nodes 2 and 3 get it once the broker is back"
# The new broker had no persistence: its retained set is what the nodes
# published again on reconnect.
retained() {
	mosquitto_sub -V 5 --unix "$SOCK" -t "$TOPIC/ban/#" --retained-only -W 2 -F '%t' 2>/dev/null
}
wait_until 15 sh -c "$(declare -f retained); SOCK=$SOCK TOPIC=$TOPIC; retained | grep -qx '$TOPIC/ban/203.0.113.5_32'" ||
	fail "the restarted broker lacks the spread-evidence ban: $(retained)"
retained >"$T/retained"
for t in 192.0.2.77_32 198.51.100.20_32 203.0.113.5_32; do
	grep -qx "$TOPIC/ban/$t" "$T/retained" || fail "retained set lacks $t: $(cat "$T/retained")"
done
grep -q "198.51.100.7_32" "$T/retained" && fail "an unbanned host came back: $(cat "$T/retained")"
echo "ok: the broker restarted without persistence holds the bans again"

# ---- a node restarted without its state gets the bans ------------------------
node_stop 3
rm -rf "$T/n3/state"
snaps=$(grep -c 'cluster snapshot bans=' "$T/n3/daemon.err")
expect_eq "ban on node 1, node 3 down" "$(rc_of cli 1 ban 198.51.100.30 --for 600)" 0
node_start 3
for a in 198.51.100.30 198.51.100.20 203.0.113.5 192.0.2.77; do
	on_nodes 3 "restarted, $a is missing" node_has host4 $a
done
echo "ok: a restarted node (new namespace, no state) has the cluster's bans"
# The snapshot is logged as one record, not one per ban.
wait_until 10 eval 'test "$(grep -c "cluster snapshot bans=[1-9][0-9]* taken=" "$T/n3/daemon.err")" -gt "$snaps"' ||
	fail "node 3 did not log its snapshot: $(grep cluster "$T/n3/daemon.err")"
! grep -q 'ban addr=198\.51\.100\.30 ' "$T/n3/daemon.err" ||
	fail "node 3 logged a snapshot's ban one by one"
echo "ok: the snapshot is one log record: $(grep -o 'cluster snapshot .*' "$T/n3/daemon.err" | tail -1)"

# ---- hostile messages ----------------------------------------------------------
before=$(stat_of 2 dropped)
wide_before=$(stat_of 2 refused_wide)
n_before=$(cli 2 list | grep -c peer)
big=$(head -c 70000 /dev/zero | tr '\0' 'A')
pub "$TOPIC/ban/198.51.100.66_32" "garbage"
pub "$TOPIC/ban/198.51.100.66_32" "$big"
pub "$TOPIC/ban/198.51.100.66_32" "dominoban-ban 2 evil 198.51.100.66_32 600 1 x"
pub "$TOPIC/ban/198.51.100.66_32" "dominoban-ban 1 evil 198.51.100.66_32 99999999999 1 x"
pub "$TOPIC/ban/198.51.100.66_32" "dominoban-ban 1 evil 198.51.100.67_32 600 1 x"
pub "$TOPIC/ban/198.51.100.066_32" "dominoban-ban 1 evil 198.51.100.66_32 600 1 x"
pub "$TOPIC/evidence/evil" "$big"
pub "$TOPIC/evidence/evil" "dominoban-evidence 1 evil 1 1 1
198.51.100.66 smtp-auth inf 1700000000"
pub "$TOPIC/evidence/evil" "dominoban-evidence 1 other 1 1 1
198.51.100.66 smtp-auth 100 $(date +%s)"
pub "$TOPIC/ban/0.0.0.0_0" "dominoban-ban 1 evil 0.0.0.0_0 600 1 x"
pub "$TOPIC/ban/198.0.0.0_8" "dominoban-ban 1 evil 198.0.0.0_8 600 1 x"
wait_until 10 eval 'test "$(stat_of 2 dropped)" -ge $((before + 9))' ||
	fail "node 2 counted $(($(stat_of 2 dropped) - before)) of 9 malformed messages"
# The /0 covers loopback (allowlisted); the /8 is wider than the /24 tier.
wait_until 10 eval 'test "$(stat_of 2 refused_wide)" -gt "$wide_before"' ||
	fail "node 2 did not refuse the /8"
wait_until 10 eval 'test "$(stat_of 2 refused_allowlisted)" -ge 2' ||
	fail "node 2 did not refuse the /0"
for n in 1 2 3; do
	kill -0 "${PID[$n]}" || fail "node $n died on hostile messages"
	node_lacks $n host4 198.51.100.66 || fail "node $n banned from a hostile message"
	node_lacks $n net4 0.0.0.0/0 || fail "node $n banned 0.0.0.0/0"
	node_lacks $n net4 198.0.0.0/8 || fail "node $n banned 198.0.0.0/8"
done
expect_eq "node 2's peer bans after hostile messages" "$(cli 2 list | grep -c peer)" "$n_before"
grep -q 'cluster message dropped' "$T/n2/daemon.err" || fail "no log record of a dropped message"
echo "ok: hostile messages counted and dropped, nothing banned, no crash"

cli 2 status | grep '^cluster\|^peer' >"$T/st2"
grep -q '^peer n1 ' "$T/st2" && grep -q '^cluster lag:' "$T/st2" ||
	fail "status lacks peers or lag: $(cat "$T/st2")"
cat "$T/st2"
echo "ok: status shows the broker, the peers and the lag"
