#!/bin/bash
# The hour repeated when daylight saving time ends, live and in replay, in
# Europe/Berlin: on 26.10.2025 the local clock runs 01:00 .. 02:59 CEST,
# then 02:00 .. 02:59 again (CET). A log through it, a line every 5
# minutes from 00:00 CEST to 05:00 CET, moves forward: a slow guesser
# (one failure every 5 minutes, never 5 within a few minutes) is not
# banned, and a burst inside the second pass (five failures in 10 s at
# 02:30 CET) is. Read as if the clock stood still through the second
# pass, the slow guesser's twelve failures there would ban it.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
export TZ=Europe/Berlin
[ "$(date -d '2025-07-01 12:00 UTC' +%z)" = +0200 ] &&
	[ "$(date -d '2025-01-01 12:00 UTC' +%z)" = +0100 ] ||
	skip "tzdata has no Europe/Berlin (the test's zone)"
enter_netns "$0" "$@"
db_prepare dbtest_logdst
printf '[nft]\nports = 25\n[allow]\nown_addresses = no\n' | db_config

# 2025-10-25 22:00 UTC is 00:00 CEST; 04:00 UTC is 05:00 CET.
START=$(date -d '2025-10-25 22:00 UTC' +%s)
END=$(date -d '2025-10-26 04:00 UTC' +%s)
BURST=$(date -d '2025-10-26 01:30 UTC' +%s)   # 02:30 CET
at() {
	printf '[004711:000010-00007F3A9C5FE700] %s   %s\n' \
		"$(date -d "@$1" '+%d.%m.%Y %H:%M:%S')" "$2"
}
{
	i=0
	for t in $(seq "$START" 300 "$END"); do
		at "$t" "SMTP Server: Authentication failed for user u$i ; connecting host 198.51.100.60"
		if [ "$t" = "$BURST" ]; then
			for k in 1 2 3 4 5; do
				at $((t + 2 * k)) "SMTP Server: Authentication failed for user b$k ; connecting host 198.51.100.61"
			done
		fi
		i=$((i + 1))
	done
} >"$T/dst.log"
grep -c ' 26.10.2025 02:30:00 ' "$T/dst.log" | grep -qx 2 ||
	fail "the log does not repeat 02:30: $(grep ' 02:30:' "$T/dst.log")"

# replay.
$DOMINOBAN --config "$DB_CONF" replay "$T/dst.log" >"$T/replay.out" \
	2>"$T/replay.err" || fail "replay exited $?: $(cat "$T/replay.err")"
cat "$T/replay.out" "$T/replay.err"
expect_eq "replay bans" "$(cut -f2 "$T/replay.out" | tr '\n' ' ')" "198.51.100.61 "
grep -q "(0 without a timestamp, 0 dated over" "$T/replay.err" ||
	fail "replay's clock was bounded: $(cat "$T/replay.err")"

# The daemon, the same lines appended at once (catching up on them).
db_start "$DB_CONF" "$T/daemon.err"
cat "$T/dst.log" >>"$LOG"
wait_until 10 in_set $TABLE host4 198.51.100.61 ||
	fail "the burst in the repeated hour was not banned"
echo "ok: the burst in the repeated hour: banned"
all_read() {
	[ "$($DB status --json | sed -n 's/.*"offset":\([0-9]*\).*/\1/p')" = \
		"$(stat -c %s "$LOG")" ]
}
wait_until 10 all_read || fail "the log was not read to its end"
! in_set $TABLE host4 198.51.100.60 ||
	fail "the slow guesser was banned: $(grep 'ban addr' "$T/daemon.err")"
echo "ok: the slow guesser through the repeated hour: not banned"
$DB status --json | grep -q '"times_untimed":0,"times_ahead":0,"times_jumps":0,' ||
	fail "the daemon's clock was bounded: $($DB status --json)"
db_stop
expect_eq "stop" "$DB_RC" 0
echo "PASS: logtime-dst"
