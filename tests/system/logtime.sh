#!/bin/bash
# Decisions run on the log's time, live and in replay, within bounds
# (daemon/logclock.h). One log, written in parts to a followed file and
# replayed whole at the end; each part has its own addresses:
#  1. ten "User is locked out" lines 3 s apart, appended at once: banned
#     (the lockout line's user is always "IP Address": it never pairs
#     with itself), and no event is deduplicated;
#  2. five of them 1.1 s apart (whole seconds in the log): banned;
#  3. written while the daemon is stopped and read at its restart: a
#     lockout burst (banned) and a slow guesser, one failure every 15 min
#     for two hours (not banned: its failures decay between them);
#  4. a line dated 3 hours after the wall clock, then a slow guesser: the
#     line is counted and bounded, and decay goes on (not banned);
#  5. a line dated an hour and a half after the line before it (within the
#     wall clock's bound), then a slow guesser: counted, nothing frozen;
#  6. a line dated in 2107 (past the score table's 32-bit times), then a
#     lockout burst: the line is counted and dropped to the previous time,
#     the burst is banned.
# replay of the whole log bans exactly what the daemon banned.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_logtime
printf '[nft]\nports = 25\n[allow]\nown_addresses = no\n' | db_config

# The log starts six hours ago: every line is in the past but those of
# parts 4 and 5 that must not be.
NOW=$(date +%s)
T0=$((NOW - 6 * 3600))
# at EPOCH TEXT: a console line dated EPOCH (local time, as Domino writes).
at() {
	printf '[004711:000010-00007F3A9C5FE700] %s   %s\n' \
		"$(date -d "@$1" '+%d.%m.%Y %H:%M:%S')" "$2"
}
lockout() {
	echo "http: IP Address [$1] authentication failure using internet password: User is locked out"
}
guess() {
	echo "SMTP Server: Authentication failed for user u$2 ; connecting host $1"
}
# slow ADDRESS START STEP N: N failures STEP seconds apart.
slow() {
	local i
	for i in $(seq 0 $(($4 - 1))); do
		at $(($2 + i * $3)) "$(guess "$1" "$i")"
	done
}
# burst ADDRESS START STEP_TENTHS N: N lockout lines STEP_TENTHS/10 s apart.
burst() {
	local i
	for i in $(seq 0 $(($4 - 1))); do
		at $(($2 + i * $3 / 10)) "$(lockout "$1")"
	done
}
field() {
	$DB status --json | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
# all_read: the daemon has read the log to its end.
all_read() {
	[ "$($DB status --json | sed -n 's/.*"offset":\([0-9]*\).*/\1/p')" = \
		"$(stat -c %s "$LOG")" ]
}
banned() {
	in_set $TABLE host4 "$1"
}
not_banned() {
	! banned "$1" || fail "$1 banned: $(grep "addr=$1 " "$T/daemon.err")"
	echo "ok: $1 not banned"
}

db_start "$DB_CONF" "$T/daemon.err"

# 1 and 2.
{
	burst 80.94.95.90 $T0 30 10
	burst 80.94.95.91 $((T0 + 60)) 11 5
} >>"$LOG"
wait_until 10 banned 80.94.95.90 || fail "10 lockout lines 3 s apart: no ban"
echo "ok: ten lockout lines 3 s apart appended at once: banned"
wait_until 10 banned 80.94.95.91 || fail "5 lockout lines 1.1 s apart: no ban"
echo "ok: five lockout lines 1.1 s apart: banned"
expect_eq "events counted" "$(field events)" 15
expect_eq "events deduplicated" "$(field deduped)" 0

# 3. Written while the daemon is stopped.
db_stop
expect_eq "stop" "$DB_RC" 0
{
	slow 198.51.100.41 $((T0 + 600)) 900 9
	burst 80.94.95.92 $((T0 + 8400)) 30 10
} >>"$LOG"
db_start "$DB_CONF" "$T/daemon.err"
wait_until 10 banned 80.94.95.92 || fail "burst read at the restart: no ban"
echo "ok: a burst read at the restart: banned"
wait_until 10 all_read || fail "the log was not read to its end"
not_banned 198.51.100.41

# 4. A line three hours after the wall clock.
{
	at $((NOW + 3 * 3600)) "$(guess 198.51.100.40 0)"
	slow 198.51.100.43 $((T0 + 8700)) 900 9
} >>"$LOG"
wait_until 10 all_read || fail "the log was not read to its end"
not_banned 198.51.100.43
expect_eq "events dated after the wall clock" "$(field times_ahead)" 1

# 5. A jump of an hour and a half within the wall clock's bound.
{
	at $((T0 + 21300)) "$(guess 198.51.100.44 0)"
	slow 198.51.100.45 $((T0 + 16000)) 300 8
} >>"$LOG"
wait_until 10 all_read || fail "the log was not read to its end"
not_banned 198.51.100.45
expect_eq "jumps" "$(field times_jumps)" 1

# 6. A line in 2107.
{
	echo "[004711:000010-00007F3A9C5FE700] 07.02.2107 06:28:16   $(guess 198.51.100.46 0)"
	burst 80.94.95.93 $((T0 + 19500)) 30 10
} >>"$LOG"
wait_until 10 banned 80.94.95.93 || fail "burst after a line in 2107: no ban"
echo "ok: a burst after a line dated 2107: banned"
expect_eq "events dated after 2095" "$(field times_out_of_range)" 1
$DB status >"$T/status"
grep -q "^event times: .* 1 after 2095" "$T/status" ||
	fail "status: $(cat "$T/status")"
grep -q "^not counted: *0 second wordings" "$T/status" ||
	fail "status: $(cat "$T/status")"
db_stop
expect_eq "stop" "$DB_RC" 0

# The daemon's bans, in order, against replay's.
sed -n 's/.* ban addr=\([^ ]*\) seconds=\([0-9]*\) .*reason="\([^"]*\)".*/\1\t\2\t\3/p' \
	"$T/daemon.err" >"$T/live"
$DOMINOBAN --config "$DB_CONF" replay "$LOG" >"$T/replay.out" 2>"$T/replay.err" ||
	fail "replay exited $?: $(cat "$T/replay.err")"
cut -f2- "$T/replay.out" >"$T/replay"
cat "$T/replay.err"
bans_agree "$T/live" "$T/replay" ||
	fail "live and replay bans differ: $(diff "$T/live" "$T/replay")"
expect_eq "bans" "$(cut -f1 "$T/replay" | tr '\n' ' ')" \
	"80.94.95.90 80.94.95.91 80.94.95.92 80.94.95.93 "
grep -q "2 dated over 3600 s after the previous one, 1 after 2095" \
	"$T/replay.err" || fail "replay's counters: $(cat "$T/replay.err")"
echo "PASS: logtime"
