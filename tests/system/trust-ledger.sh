#!/bin/bash
# The ban ledger keeps the daemon's view and the kernel in agreement, with
# real packets in a private namespace:
# - a wider prefix replaces the narrower elements it covers (the net sets
#   are interval sets and refuse overlaps): the /16 is in the kernel, so a
#   host of it that was never named is dropped; the /24 stays listed as
#   covered and comes back when the /16 is lifted;
# - what can never be an attacker, and a prefix wider than the widest
#   tier without --force, is refused with a clear message;
# - an allowlist grown by reload splits a ban around the allowed host,
#   in the list and in the kernel; unban of a covered host explains which
#   ban covers it, and --covering lifts it;
# - an element the daemon does not hold is removed from its table (reload
#   re-checks the kernel), and one the kernel lost is put back;
# - a restart lists exactly what the kernel holds, and caps a ban's
#   remaining time at the (lowered) ban_max.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_ledger

for a in 10.9.77.5 10.9.1.9 10.8.1.200 10.8.1.7 192.0.2.50; do
	ip addr add "$a/32" dev lo || skip "cannot add addresses in the namespace"
done
ip -6 addr add 2001:db8:99:5::1/128 dev lo nodad

db_config <<CONF
[nft]
ports = 25
action = drop
[allow]
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"
db_listen :: 25
probe() {
	"$PROBE" connect "$1" 127.0.0.1 25 "${2:-300}"
}
probe6() {
	"$PROBE" connect "$1" ::1 25 "${2:-300}"
}
elements() {
	{ set_elements $TABLE host4; set_elements $TABLE net4
	  set_elements $TABLE host6; set_elements $TABLE net6; } | sort
}
listed() {
	$DB list 2>/dev/null | awk 'NR > 1 { print $1 }' | sort
}
# held: the listed bans that are kernel elements (not inside a wider one)
held() {
	$DB list --json 2>/dev/null | tr '{' '\n' | grep '"kernel":"element"' |
		sed 's/.*"address":"\([^"]*\)".*/\1/' | sort
}

# ---- 1. a wider prefix replaces the narrower ones it covers --------------
expect_eq "ban 10.9.1.0/24" "$(rc_of $DB ban 10.9.1.0/24 --for 1h)" 0
expect_eq "ban 10.9.0.0/16 without --force" \
	"$(rc_of $DB ban 10.9.0.0/16 --for 30m)" 65
grep -q 'wider than the widest tier' "$T/err" ||
	fail "unclear refusal: $(cat "$T/err")"
expect_eq "ban 10.9.0.0/16 --force" "$(rc_of $DB ban 10.9.0.0/16 --for 30m --force)" 0
in_set $TABLE net4 10.9.0.0/16 || fail "the /16 is not in net4: $(elements)"
in_set $TABLE net4 10.9.1.0/24 && fail "the /24 is still an element beside the /16"
expect_eq "connect from 10.9.77.5 (inside the /16, never named)" \
	"$(probe 10.9.77.5)" TIMEOUT
$DB list --json >"$T/list.json" 2>/dev/null
grep -q '"address":"10.9.1.0/24"[^}]*"kernel":"covered"' "$T/list.json" ||
	fail "the /24 is not listed as covered: $(cat "$T/list.json")"
expect_eq "a narrower ban inside the /16" "$(rc_of $DB ban 10.9.2.0/24 --for 2h)" 0
in_set $TABLE net4 10.9.2.0/24 && fail "a covered /24 became an element"
# Lifting the /16 hands the /24s back to the kernel, with their own time.
expect_eq "unban 10.9.0.0/16" "$(rc_of $DB unban 10.9.0.0/16)" 0
in_set $TABLE net4 10.9.1.0/24 || fail "the /24 did not come back: $(elements)"
in_set $TABLE net4 10.9.2.0/24 || fail "the second /24 did not come back"
expect_eq "connect from 10.9.1.9 (inside the /24)" "$(probe 10.9.1.9)" TIMEOUT
expect_eq "connect from 10.9.77.5 (the /16 lifted)" "$(probe 10.9.77.5 2000)" CONNECTED
# IPv6: a /48 over /64s.
expect_eq "ban a /64" "$(rc_of $DB ban 2001:db8:99:5::/64 --for 1h)" 0
expect_eq "ban the /48 --force" "$(rc_of $DB ban 2001:db8:99::/48 --for 1h --force)" 0
in_set $TABLE net6 2001:db8:99::/48 || fail "the /48 is not in net6: $(elements)"
in_set $TABLE net6 2001:db8:99:5::/64 && fail "the /64 is still an element"
expect_eq "connect from 2001:db8:99:5::1" "$(probe6 2001:db8:99:5::1)" TIMEOUT
echo "ok: wider bans replace the narrower elements; the view and the kernel agree"

# ---- 13. what can never be an attacker ---------------------------------------
for a in 224.0.0.1 239.1.2.0/24 255.255.255.255 0.0.0.0 :: ff02::1; do
	expect_eq "ban $a" "$(rc_of $DB ban "$a")" 65
	grep -q 'never be the source' "$T/err" || fail "ban $a: $(cat "$T/err")"
done
expect_eq "ban 128.0.0.0/1" "$(rc_of $DB ban 128.0.0.0/1)" 65
echo "ok: multicast, broadcast, unspecified and /1 refused"

# ---- 3. the allowlist grows: the ban splits around the allowed host -----
expect_eq "ban 10.8.1.0/24" "$(rc_of $DB ban 10.8.1.0/24 --for 1h)" 0
expect_eq "connect from 10.8.1.200 before" "$(probe 10.8.1.200)" TIMEOUT
printf '[allow]\ncidrs = 10.8.1.200\n' >>"$DB_CONF"
expect_eq "reload" "$(rc_of $DB reload)" 0
in_set $TABLE net4 10.8.1.0/24 && fail "the /24 stays in the kernel after the reload"
listed | grep -qx 10.8.1.0/24 && fail "the /24 stays listed"
expect_eq "connect from 10.8.1.200 (allowlisted now)" "$(probe 10.8.1.200 2000)" CONNECTED
expect_eq "connect from 10.8.1.7 (still banned)" "$(probe 10.8.1.7)" TIMEOUT
in_set $TABLE net4 10.8.1.0/25 || fail "no 10.8.1.0/25 piece: $(elements)"
grep -q 'unban addr=10.8.1.0/24 .*reason="allowlisted (split)"' "$T/daemon.err" ||
	fail "no record of the split: $(cat "$T/daemon.err")"
# A host inside a banned netblock: unban explains and offers the way out.
expect_eq "unban 10.8.1.7 (covered)" "$(rc_of $DB unban 10.8.1.7)" 65
grep -q '10.8.1.0/25' "$T/out" || fail "unban does not name the covering ban: $(cat "$T/out")"
grep -q 'unban --covering 10.8.1.7' "$T/err" || fail "no way out offered: $(cat "$T/err")"
expect_eq "unban --covering 10.8.1.7" "$(rc_of $DB unban --covering 10.8.1.7)" 0
expect_eq "connect from 10.8.1.7 (lifted)" "$(probe 10.8.1.7 2000)" CONNECTED
echo "ok: the allowlist lifts and splits bans; unban explains covering bans"

# ---- reconcile both ways -------------------------------------------------
nft add element inet $TABLE host4 "{ 192.0.2.50 timeout 1h }"
nft delete element inet $TABLE net4 "{ 10.9.1.0/24 }"
expect_eq "reload (re-checks the kernel)" "$(rc_of $DB reload)" 0
in_set $TABLE host4 192.0.2.50 && fail "an element the daemon does not hold stays"
in_set $TABLE net4 10.9.1.0/24 || fail "a lost element was not put back"
expect_eq "kernel elements = listed bans" "$(elements | tr '\n' ' ')" \
	"$(held | tr '\n' ' ')"
echo "ok: reconcile deletes what the daemon does not hold and puts back what is missing"

# ---- restart: the list is what the kernel holds; ban_max caps ---------------
for u in a b c d e; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 192.0.2.77"
done | db_lines >>"$LOG"
wait_until 10 in_set $TABLE host4 192.0.2.77 || fail "192.0.2.77 not banned from the log"
db_stop
expect_eq "exit on SIGTERM" "$DB_RC" 0
nft add element inet $TABLE host4 "{ 192.0.2.51 timeout 2h }"
sed -i 's/^\[allow\]$/[ban]\nban_time = 10m\nban_max = 20m\n[allow]/' "$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"
$DB list --json >"$T/list2.json" 2>/dev/null
grep -q '"address":"192.0.2.51"[^}]*"origin":"kernel"' "$T/list2.json" ||
	fail "an element found at start is not listed with origin kernel: $(cat "$T/list2.json")"
over=$(tr '{' '\n' <"$T/list2.json" | grep '"origin":"\(local\|kernel\)"' |
	grep -o '"remaining":[0-9]*' | sed 's/.*://' | awk '$1 > 1200' | wc -l)
expect_eq "decided and found bans over the lowered ban_max after the restart" "$over" 0
grep -q '"address":"192.0.2.77"' "$T/list2.json" || fail "the decided ban was not restored"
expect_eq "after the restart: kernel elements = listed bans (but covered ones)" \
	"$(elements | tr '\n' ' ')" "$(held | tr '\n' ' ')"
echo "ok: a restart lists what the kernel holds; remaining times capped at ban_max"
db_stop
echo "PASS: trust-ledger"
