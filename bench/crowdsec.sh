#!/bin/bash
# make bench: dominoban as a CrowdSec bouncer against a private LAPI
# (Debian's crowdsec, LAPI-only, in a private network namespace; see
# tests/system/crowdsec-lib.sh). Two figures for docs/PERFORMANCE.md:
#
# 1. latency from `cscli decisions add --ip` to the element in the kernel
#    set, with pull_interval = 1s: CS_SAMPLES decisions, one at a time,
#    the kernel polled every 10 ms (nft -j list set); median, p99, max.
#    The clock starts before cscli runs, so cscli's own time (about 0.1 s)
#    is included;
# 2. CS_MANY decisions (default 100,000) imported into the LAPI, then the
#    daemon started: the time from its start until all are in the kernel
#    (status: active bans), the daemon's CPU time and peak RSS (VmHWM),
#    next to the LAPI's own time for that answer (curl, when installed)
#    and the daemon's share without LAPI and kernel (bench/crowdsec-bench).
#
# Prints results only; asserts nothing about speed. Skips (77) without
# crowdsec or a namespace.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
. "$TOP_SRCDIR/tests/system/crowdsec-lib.sh"
enter_netns "$0" "$@"
db_prepare dbbench_cs
cs_need
SAMPLES=${CS_SAMPLES:-40}
MANY=${CS_MANY:-100000}

cs_setup
cs_start

ms() { date +%s%3N; }

# ---- 1. cscli decisions add -> kernel element --------------------------
db_config <<CONF
[daemon]
state_dir = $T/state1
[nft]
ports = 25
[allow]
own_addresses = no
$(cs_config <<CS
push = no
pull_interval = 1s
CS
)
CONF
db_start "$DB_CONF" "$T/daemon1.err"
wait_until 10 grep -q 'crowdsec lapi=.* up' "$T/daemon1.err" ||
	fail "the daemon did not reach the LAPI: $(cat "$T/daemon1.err")"
: >"$T/lat"
: >"$T/lat2"
for i in $(seq 1 "$SAMPLES"); do
	ip="198.18.$((i / 250)).$((i % 250 + 1))"
	t0=$(ms)
	# cscli can meet a busy SQLite under load: a second try.
	$CSCLI decisions add --ip "$ip" --duration 1h >"$T/add.log" 2>&1 ||
		$CSCLI decisions add --ip "$ip" --duration 1h >"$T/add.log" 2>&1 ||
		fail "cscli decisions add: $(cat "$T/add.log")"
	t1=$(ms)
	while ! in_set "$TABLE" host4 "$ip"; do
		sleep 0.01
		[ $(($(ms) - t0)) -lt 10000 ] || fail "$ip not in host4 after 10 s"
	done
	t2=$(ms)
	echo $((t2 - t0)) >>"$T/lat"
	echo $((t2 - t1)) >>"$T/lat2"
	# Start the next one at a random phase of the pull cycle.
	sleep "0.$((RANDOM % 10))"
done
db_stop
# stats FILE WHAT: median, p99, min and max of the numbers in FILE.
stats() {
	local n med p99
	sort -n "$1" >"$1.sorted"
	n=$(wc -l <"$1.sorted")
	med=$(sed -n "$(((n + 1) / 2))p" "$1.sorted")
	p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$1.sorted")
	printf 'crowdsec: %s, pull_interval 1s, %d samples: median %d ms, p99 %d ms, min %d ms, max %d ms\n' \
		"$2" "$n" "$med" "$p99" "$(head -1 "$1.sorted")" "$(tail -1 "$1.sorted")"
}
stats "$T/lat" "cscli decisions add started -> element in the kernel set"
stats "$T/lat2" "cscli decisions add returned -> element in the kernel set"

# ---- 2. MANY decisions at start -------------------------------------------
awk -v n="$MANY" 'BEGIN { print "duration,scope,value";
	for (i = 0; i < n; i++)
		printf "24h,ip,10.%d.%d.%d\n", int(i / 65536) % 256,
		    int(i / 256) % 256, i % 256 }' >"$T/many.csv"
t0=$(ms)
$CSCLI decisions import -i "$T/many.csv" >"$T/import.log" 2>&1 ||
	fail "cscli decisions import: $(tail -3 "$T/import.log")"
echo "crowdsec: $MANY decisions imported into the LAPI in $(($(ms) - t0)) ms"
if command -v curl >/dev/null; then
	t0=$(ms)
	curl -s -o "$T/answer.json" -H "X-Api-Key: $(cat "$CS_KEYFILE")" \
		"http://127.0.0.1:$CS_PORT/v1/decisions/stream?startup=true&scopes=ip,range" ||
		fail "curl"
	echo "crowdsec: the LAPI alone (curl, startup=true): $(($(ms) - t0)) ms for $(wc -c <"$T/answer.json") bytes"
fi
"$TOP_BUILDDIR/bench/crowdsec-bench" "$MANY" || fail "crowdsec-bench"
sed -i "s|state_dir = $T/state1|state_dir = $T/state2|" "$DB_CONF"
t0=$(ms)
db_start "$DB_CONF" "$T/daemon2.err"
full() {
	$DB status --json 2>/dev/null | jq -e ".active_bans >= $MANY" >/dev/null
}
wait_until 120 full || fail "not all $MANY decisions applied: $($DB status --json | jq .crowdsec)"
t1=$(ms)
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$DB_PID/status")
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$DB_PID/stat")
elements=$(nft -j list set inet "$TABLE" host4 | jq '[.nftables[].set.elem? // empty | length] | add')
$DB status --json | jq -c '.crowdsec.pulled | {answers, decisions, banned}'
printf 'crowdsec: %d decisions from startup=true to %d kernel elements: %d ms from the daemon start (status polled every 20 ms); the daemon used %d ms of CPU; peak RSS %d KiB\n' \
	"$MANY" "$elements" "$((t1 - t0))" "$cpu" "$rss"
grep 'crowdsec pull startup=yes' "$T/daemon2.err" | tail -1
db_stop
