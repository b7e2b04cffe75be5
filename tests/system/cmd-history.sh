#!/bin/bash
# `dominoban history [ADDR|NET] [--since DUR] [--json]`: every ban and end
# of a ban (a decided ban, a manual netblock ban lifted by hand, a ban that
# expired), per address (with the netblock covering it) and per netblock,
# kept in state_dir/history across a restart; hostile lines in that file
# counted and dropped; bounded by [ban] history_records; --since; usage
# errors (64). JSON checked with jq.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_hist
command -v jq >/dev/null || skip "jq not installed (the --json checks need it)"
FAIL_LOGS="$T/daemon.err"
db_config <<CONF
[nft]
ports = 25
[score]
host_threshold = 3
[ban]
ban_time = 1h
history_records = 8
CONF
HIST=$T/state/history

expect_eq "history without a daemon" "$(rc_of $DB history)" 69
db_start "$DB_CONF" "$T/daemon.err"
expect_eq "history (empty)" "$(rc_of $DB history --json)" 0
expect_eq "history --json (empty)" "$(cat "$T/out")" "[]"

# ---- a decided ban, a lifted netblock, an expiry ---------------------------
db_fail_auth 203.0.113.7 3
wait_until 10 in_set $TABLE host4 203.0.113.7 || fail "203.0.113.7 not banned"
expect_eq "ban 198.51.100.0/24" "$(rc_of $DB ban 198.51.100.0/24 --for 1h)" 0
expect_eq "unban 198.51.100.0/24" "$(rc_of $DB unban 198.51.100.0/24)" 0
expect_eq "ban 192.0.2.77 --for 1" "$(rc_of $DB ban 192.0.2.77 --for 1)" 0
wait_until 10 eval '$DB history 192.0.2.77 2>/dev/null | grep -q expired' ||
	fail "no expiry of 192.0.2.77: $($DB history 2>&1)"

expect_eq "history" "$(rc_of $DB history)" 0
grep -Eq " ban +203.0.113.7 +for 1h +local +smtp-auth=3 \(offence 1\)" "$T/out" ||
	fail "no decided ban: $(cat "$T/out")"
grep -Eq " end +198.51.100.0/24 +[0-9dhms]+ left +manual +manual: manual" "$T/out" ||
	fail "no manual unban: $(cat "$T/out")"
grep -Eq " end +192.0.2.77 +expired +manual +expired: manual" "$T/out" ||
	fail "no expiry: $(cat "$T/out")"
grep -q "^WHEN" "$T/out" || fail "no header: $(cat "$T/out")"

# Per address: the host inside the /24 sees the netblock's records.
$DB history 198.51.100.9 --json >"$T/out" || fail "history 198.51.100.9"
jq -e 'length == 2 and .[0].event == "ban" and .[0].target == "198.51.100.0/24"
	and .[0].origin == "manual" and .[0].seconds == 3600 and
	.[1].event == "end" and .[1].how == "manual" and .[1].seconds > 3000' \
	"$T/out" >/dev/null || fail "history 198.51.100.9: $(cat "$T/out")"
$DB history 203.0.113.7 --json >"$T/out" || fail "history 203.0.113.7"
jq -e 'length == 1 and .[0].event == "ban" and .[0].origin == "local" and
	.[0].reason == "smtp-auth=3" and .[0].offences == 1 and .[0].how == ""' \
	"$T/out" >/dev/null || fail "history 203.0.113.7: $(cat "$T/out")"
# Per netblock: everything inside it.
$DB history 192.0.2.0/24 --json | jq -e 'length == 2 and
	all(.[]; .target == "192.0.2.77")' >/dev/null || fail "history 192.0.2.0/24"
echo "ok: bans and their ends, per address and netblock"

# ---- across a restart, with hostile lines in the file ---------------------
db_stop
expect_eq "daemon stopped" "$DB_RC" 0
before=$(grep -c . "$HIST")
expect_eq "records in the file" "$before" 5
{
	printf 'b1\t1\tban\tnot-an-address\t1\t1\tlocal\tr\t-\n'
	printf '\xff\xfe\x00garbage\n'
	printf 'b1\t1\tban\t192.0.2.1\t1\t1\tlocal\tr\tmanual\n'
	head -c 3000 /dev/zero | tr '\0' 'x'; echo
	printf 'b1\t2\tban\t192.0.2.9\t60\t1\tlo'   # cut by a crash
} >>"$HIST"
db_start "$DB_CONF" "$T/daemon.err"
grep -q "ban history .*: 5 malformed lines dropped (of 10)" "$T/daemon.err" ||
	fail "malformed lines not reported: $(cat "$T/daemon.err")"
$DB history --json >"$T/out" || fail "history after the restart"
jq -e 'length == 5 and .[0].target == "203.0.113.7"' "$T/out" >/dev/null ||
	fail "history after the restart: $(cat "$T/out")"
expect_eq "file rewritten clean" "$(grep -c . "$HIST")" 5
echo "ok: kept across a restart; hostile lines dropped"

# ---- --since, the bound ------------------------------------------------------
# The records before are at least 2 s older than t0; --since reaches back
# to one second before t0 however long the ban takes on a loaded machine.
sleep 2
t0=$(date +%s)
expect_eq "ban 203.0.113.50" "$(rc_of $DB ban 203.0.113.50 --for 1h)" 0
since=$(( $(date +%s) - t0 + 1 ))s
$DB history --since $since --json | jq -e 'length == 1 and .[0].target == "203.0.113.50"' \
	>/dev/null || fail "--since $since: $($DB history --since $since 2>&1)"
for i in 1 2 3 4 5 6 7 8 9 10; do
	$DB ban 203.0.113.$((100 + i)) --for 1h 2>/dev/null || fail "ban $i"
done
$DB history --json | jq -e 'length == 8 and .[7].target == "203.0.113.110"' \
	>/dev/null || fail "not bounded to 8: $($DB history 2>&1)"
[ "$(grep -c . "$HIST")" -le 16 ] || fail "file not bounded: $(wc -l <"$HIST") lines"
db_stop
db_start "$DB_CONF" "$T/daemon.err"
$DB history --json | jq -e 'length == 8 and .[7].target == "203.0.113.110"' \
	>/dev/null || fail "after restart: $($DB history 2>&1)"
echo "ok: --since and the bound"

# ---- usage -------------------------------------------------------------------
for args in "not-an-address" "--since xyz" "--since 0" "192.0.2.1 192.0.2.2" "10.1.2.3/8"; do
	# shellcheck disable=SC2086
	expect_eq "history $args" "$(rc_of $DB history $args)" 64
done
$DB history --help | grep -q -- "--since DURATION" || fail "--help lacks --since"
echo "ok: usage"
