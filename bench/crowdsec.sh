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
#    (status: active bans), and the daemon's peak RSS (VmHWM).
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
for i in $(seq 1 "$SAMPLES"); do
	ip="198.18.$((i / 250)).$((i % 250 + 1))"
	t0=$(ms)
	$CSCLI decisions add --ip "$ip" --duration 1h >/dev/null 2>&1 ||
		fail "cscli decisions add"
	while ! in_set "$TABLE" host4 "$ip"; do
		sleep 0.01
		[ $(($(ms) - t0)) -lt 10000 ] || fail "$ip not in host4 after 10 s"
	done
	echo $(($(ms) - t0)) >>"$T/lat"
	# Start the next one at a random phase of the pull cycle.
	sleep "0.$((RANDOM % 10))"
done
db_stop
sort -n "$T/lat" >"$T/lat.sorted"
n=$(wc -l <"$T/lat.sorted")
med=$(sed -n "$(((n + 1) / 2))p" "$T/lat.sorted")
p99=$(sed -n "$(((n * 99 + 99) / 100))p" "$T/lat.sorted")
max=$(tail -1 "$T/lat.sorted")
min=$(head -1 "$T/lat.sorted")
printf 'crowdsec: cscli decisions add -> kernel set, pull_interval 1s, %d samples: median %d ms, p99 %d ms, min %d ms, max %d ms\n' \
	"$n" "$med" "$p99" "$min" "$max"

# ---- 2. MANY decisions at start -------------------------------------------
awk -v n="$MANY" 'BEGIN { print "duration,scope,value";
	for (i = 0; i < n; i++)
		printf "24h,ip,10.%d.%d.%d\n", int(i / 65536) % 256,
		    int(i / 256) % 256, i % 256 }' >"$T/many.csv"
t0=$(ms)
$CSCLI decisions import -i "$T/many.csv" >"$T/import.log" 2>&1 ||
	fail "cscli decisions import: $(tail -3 "$T/import.log")"
echo "crowdsec: $MANY decisions imported into the LAPI in $(($(ms) - t0)) ms"
sed -i "s|state_dir = $T/state1|state_dir = $T/state2|" "$DB_CONF"
t0=$(ms)
db_start "$DB_CONF" "$T/daemon2.err"
full() {
	$DB status --json 2>/dev/null | jq -e ".active_bans >= $MANY" >/dev/null
}
wait_until 120 full || fail "not all $MANY decisions applied: $($DB status --json | jq .crowdsec)"
t1=$(ms)
rss=$(awk '/VmHWM/ { print $2 }' "/proc/$DB_PID/status")
elements=$(nft -j list set inet "$TABLE" host4 | jq '[.nftables[].set.elem? // empty | length] | add')
$DB status --json | jq -c '.crowdsec.pulled | {answers, decisions, banned}'
printf 'crowdsec: %d decisions from startup=true to %d kernel elements: %d ms from the daemon start (status polled every 20 ms); peak RSS %d KiB\n' \
	"$MANY" "$elements" "$((t1 - t0))" "$rss"
db_stop
