#!/bin/bash
# The control socket under a flood: 1,000 concurrent hostile clients
# (ctlstress: random bytes, half-written requests, requests without a
# newline, oversized requests, and "list" with a 300 KB reply that is never
# read), each replaced as soon as the daemon drops it. Meanwhile a normal
# client still gets `status` at the first try, and new attack lines are
# still banned. Afterwards the daemon is alive, its counters show the bad
# requests, and it holds no more descriptors than before.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_ctl
STRESS=$TOP_BUILDDIR/tests/system/ctlstress
[ -x "$STRESS" ] || fail "$STRESS not built"
NCLIENTS=1000
# The storm goes on until the checks are done (SIGUSR1), at most this long.
HOLD_MS=300000
NBANS=4000
db_config </dev/null
db_start "$DB_CONF" "$T/daemon.err"
json() {
	$DB status --json | sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"
}
nfds() {
	ls "/proc/$DB_PID/fd" | wc -l
}

# Enough bans for a list reply bigger than a socket buffer: one host in
# each of NBANS /24s (no netblock reaches net_min_hosts).
awk -v n=$NBANS 'BEGIN { for (i = 0; i < n; i++) for (k = 1; k <= 5; k++)
	printf "SMTP Server: Authentication failed for user u%d-%d ; connecting host 10.%d.%d.1\n",
		i, k, int(i / 250), i % 250 }' | db_lines >>"$LOG"
active_is() {
	[ "$(json active_bans)" = "$1" ]
}
wait_until 20 active_is $NBANS || fail "$(json active_bans) bans of $NBANS"
list_bytes=$($DB list 2>/dev/null | wc -c)
echo "ok: $NBANS bans; a list reply is $list_bytes bytes"
fds0=$(nfds)
bad0=$(json ctl_bad)

"$STRESS" storm "$T/control.sock" $NCLIENTS $HOLD_MS refill >"$T/storm.out" 2>&1 &
storm=$!
DAEMON_PIDS="$DAEMON_PIDS $storm"
wait_until 30 grep -q '^connected ' "$T/storm.out" ||
	fail "ctlstress did not connect: $(cat "$T/storm.out")"
echo "ok: ctlstress: $(head -n 1 "$T/storm.out") concurrent clients"

# While the flood goes on: status at the first try, and banning.
tban=$(date +%s%N)
for u in a b c d e f; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.100"
done | db_lines >>"$LOG"
for i in 1 2 3 4 5; do
	kill -0 $storm 2>/dev/null || fail "the storm ended before status try $i"
	t0=$(date +%s%N)
	$DB status >"$T/status" 2>"$T/status.err" ||
		fail "status during the flood (try $i) exited $?: $(cat "$T/status.err")"
	grep -q '^active bans:' "$T/status" || fail "status during the flood: $(cat "$T/status")"
	echo "ok: status during the flood answered in $((($(date +%s%N) - t0) / 1000000)) ms"
	in_set $TABLE host4 198.51.100.100 && break
done
wait_until 10 in_set $TABLE host4 198.51.100.100 ||
	fail "no ban from new log lines during the flood"
kill -0 $storm 2>/dev/null || fail "the storm ended before the ban was checked"
echo "ok: banned from new log lines during the flood (seen after $((($(date +%s%N) - tban) / 1000000)) ms)"

kill -USR1 $storm
wait $storm || fail "ctlstress exited $?: $(cat "$T/storm.out")"
tail -n 2 "$T/storm.out"
summary=$(grep '^connected=' "$T/storm.out")
usage=$(echo "$summary" | sed 's/.*replied_usage=\([0-9]*\).*/\1/')
[ "$usage" -gt 0 ] || fail "no hostile client was answered 64: $summary"

kill -0 "$DB_PID" || fail "the daemon died under the flood"
echo "note: the daemon's peak memory: $(grep VmHWM "/proc/$DB_PID/status")"
$DB status >/dev/null || fail "status after the flood exited $?"
bad=$(json ctl_bad)
[ $((bad - bad0)) -ge "$usage" ] ||
	fail "the daemon counts $((bad - bad0)) bad requests; $usage were answered as bad"
echo "ok: $((bad - bad0)) bad requests counted ($usage answered 64 to ctlstress)"
fds_back() {
	[ "$(nfds)" -le "$fds0" ]
}
wait_until 10 fds_back || fail "the daemon holds $(nfds) descriptors, $fds0 before"
echo "ok: descriptors back to $fds0"
for u in a b c d e f; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.101"
done | db_lines >>"$LOG"
wait_until 10 in_set $TABLE host4 198.51.100.101 || fail "no ban after the flood"
echo "ok: still banning after the flood"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: fault-ctl"
