#!/bin/bash
# The daemon keeps the report's hourly rollup across log rotations and
# restarts: attack lines and bans written before a rotation, after it and
# after a restart all show in `dominoban report`, which agrees with
# `replay` over the same log files; with the daemon stopped, report reads
# state_dir/rollup; a corrupt rollup is set aside and the daemon runs on;
# the report is refused to a peer outside the control group (it holds the
# user names attackers tried).
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_report
command -v python3 >/dev/null || skip "python3 missing: the JSON report is read with it"
db_config <<CONF
[nft]
ports = 25
CONF
db_start "$DB_CONF" "$T/daemon.err"

# jget FILE EXPR: a value of the JSON report.
jget() {
	python3 -c "import json, sys; r = json.load(open(sys.argv[1])); print($2)" "$1"
}
# harvest ADDR N: N unknown-recipient lines from ADDR (no ban under 5).
harvest() {
	local i
	for i in $(seq 1 "$2"); do
		echo "SMTP Server: Rejected recipient <r$i@example.org> from host [$1]: 550 5.1.1 User unknown"
	done | db_lines >>"$LOG"
	DB_NLINES=$((DB_NLINES + $2))
	wait_until 10 db_lines_read "$DB_NLINES" || fail "the daemon did not read $DB_NLINES lines"
}

# Each address in a /24 of its own: the score table does not survive a
# restart (only the offence history does), so a netblock that replay sees
# whole would be cut in two by the restart.
db_fail_auth 198.51.100.7 5
harvest 203.0.113.8 3
wait_until 10 in_set $TABLE host4 198.51.100.7 || fail "198.51.100.7 not banned"
expect_eq "report --format json" "$(rc_of $DB report --format json)" 0
cp "$T/out" "$T/r1.json"
expect_eq "auth lines" "$(jget "$T/r1.json" 'r["kinds"]["auth"]')" 5
expect_eq "unknown_rcpt lines" "$(jget "$T/r1.json" 'r["kinds"]["unknown_rcpt"]')" 3
expect_eq "host bans" "$(jget "$T/r1.json" 'r["tiers"]["host"]')" 1
expect_eq "distinct users" "$(jget "$T/r1.json" 'r["distinct_users"]')" 5
expect_eq "distinct recipients" "$(jget "$T/r1.json" 'r["distinct_recipients"]')" 3
expect_eq "lines read" "$(jget "$T/r1.json" 'r["values"]["lines"]')" 8
expect_eq "top host" "$(jget "$T/r1.json" 'r["hosts"][0]["target"]')" 198.51.100.7

# A rotation: the rest goes to a new file.
mv "$LOG" "$LOG.1"
: >"$LOG"
db_fail_auth 192.0.2.9 5
wait_until 10 in_set $TABLE host4 192.0.2.9 || fail "192.0.2.9 not banned after the rotation"

# A restart: the rollup is saved at exit and loaded at start.
db_stop
expect_eq "exit status" "$DB_RC" 0
[ -s "$T/state/rollup" ] || fail "no state_dir/rollup after the stop"
# Stopped: report reads the saved rollup.
expect_eq "report with the daemon stopped" "$(rc_of $DB report --format json)" 0
cp "$T/out" "$T/r2.json"
expect_eq "auth lines (stopped)" "$(jget "$T/r2.json" 'r["kinds"]["auth"]')" 10
db_start "$DB_CONF" "$T/daemon.err"
DB_NLINES=0
harvest 100.64.0.10 2
expect_eq "report after the restart" "$(rc_of $DB report --format json)" 0
cp "$T/out" "$T/r3.json"
expect_eq "auth lines across rotation and restart" "$(jget "$T/r3.json" 'r["kinds"]["auth"]')" 10
expect_eq "unknown_rcpt lines across the restart" "$(jget "$T/r3.json" 'r["kinds"]["unknown_rcpt"]')" 5
expect_eq "host bans across rotation and restart" "$(jget "$T/r3.json" 'r["tiers"]["host"]')" 2
expect_eq "lines read across the restart" "$(jget "$T/r3.json" 'r["values"]["lines"]')" 15
echo "ok: the rollup survives a rotation and a restart"

# The same figures from replay over the same two files.
printf '[daemon]\nlogs = %s\n' "$LOG" >"$T/replay.conf"
expect_eq "replay --rollup" "$("$DOMINOBAN" --config "$T/replay.conf" replay \
	--patterns "$TOP_SRCDIR/patterns" --rollup "$T/replay.rollup" "$LOG.1" "$LOG" \
	>"$T/replay.out" 2>"$T/replay.err"; echo $?)" 0
expect_eq "report of replay" "$(rc_of $DB report --rollup "$T/replay.rollup" --format json)" 0
cp "$T/out" "$T/rr.json"
for e in 'r["kinds"]' 'r["tiers"]' 'r["distinct_users"]' 'r["distinct_recipients"]' \
    '[(h["target"], h["lines"], h["bans"], h["reasons"]) for h in r["hosts"]]' \
    '[(n["name"], n["count"]) for n in r["users"]]'; do
	expect_eq "daemon = replay: $e" "$(jget "$T/r3.json" "$e")" "$(jget "$T/rr.json" "$e")"
done
expect_eq "replay's verdicts" "$(wc -l <"$T/replay.out")" 2

# Refused to a peer outside the control group.
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	chmod 0755 "$T"
	chmod 0644 "$DB_CONF"
	chmod 0666 "$T/control.sock"
	expect_eq "report as uid 65534" \
		"$(rc_of setpriv --reuid=65534 --regid=65534 --clear-groups $DB report)" 77
	grep -q 'permission denied' "$T/err" || fail "unclear refusal: $(cat "$T/err")"
fi

# A corrupt rollup: set aside, the daemon runs, the report starts afresh.
db_stop
echo "dominoban-rollup 1" >"$T/state/rollup"
db_start "$DB_CONF" "$T/daemon.err"
ls "$T/state" | grep -q '^rollup\.corrupt-' || fail "the corrupt rollup was not set aside: $(ls "$T/state")"
grep -q 'report rollup .* refused' "$T/daemon.err" || fail "no log of the refused rollup"
expect_eq "report after a corrupt rollup" "$(rc_of $DB report --format json)" 0
expect_eq "auth lines after a corrupt rollup" "$(jget "$T/out" 'r["kinds"]["auth"]')" 0
db_stop
expect_eq "exit status" "$DB_RC" 0
echo "ok: a corrupt rollup is set aside"
