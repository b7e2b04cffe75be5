#!/bin/bash
# Restarts and reboots. After SIGTERM the kernel keeps the bans while the
# daemon is down; started again, it lists every ban with its remaining time
# (not a fresh one), reads on from where it stopped (no line read twice,
# the lines written meanwhile read once). A simulated reboot (our table
# deleted while the daemon is stopped) restores every unexpired ban with
# its remaining time, and leaves the expired one out.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_restart
db_config <<CONF
[nft]
ports = 25
CONF

# seconds_of DURATION: nft's 1h2m3s450ms notation in whole seconds.
seconds_of() {
	echo "$1" | awk '{ s = 0; n = ""; t = $0
		while (t != "") {
			c = substr(t, 1, 1)
			if (c ~ /[0-9]/) { n = n c; t = substr(t, 2); continue }
			if (substr(t, 1, 2) == "ms") { t = substr(t, 3); n = ""; continue }
			s += n * (c == "d" ? 86400 : c == "h" ? 3600 : c == "m" ? 60 : 1)
			n = ""; t = substr(t, 2)
		}
		print s }'
}
# kernel_left SET ELEMENT: the element's remaining time in the kernel
# (nft's "expires"), seconds: compared with the daemon's remaining time
# at about the same moment, so a slow machine does not skew it.
kernel_left() {
	nft list set inet $TABLE "$1" | tr ',{}' '\n\n\n' |
		awk -v e="$2" '$1 == e { for (i = 2; i < NF; i++)
			if ($i == "expires") print $(i + 1) }' | head -n 1
}
# remaining ADDRESS: seconds left, from list --json.
remaining() {
	$DB list --json 2>/dev/null | grep -o "{\"address\":\"$1\",\"remaining\":[0-9]*" |
		sed 's/.*://'
}
lines_read() {
	$DB status --json | sed -n 's/.*"lines":\([0-9]*\),.*/\1/p'
}
attack() {
	local i
	for i in 1 2 3 4 5 6; do
		echo "SMTP Server: Authentication failed for user $1-$i ; connecting host $1"
	done | db_lines >>"$LOG"
}
BANS="198.51.100.90 2001:db8:bad::9 10.90.0.0/16"
set_of() {
	case $1 in
	*:*/*) echo net6 ;; */*) echo net4 ;; *:*) echo host6 ;; *) echo host4 ;;
	esac
}
all_in_kernel() {
	local b
	for b in $BANS "$@"; do
		in_set $TABLE "$(set_of "$b")" "$b" || return 1
	done
}

past() {
	[ "$(date +%s)" -gt "$1" ]
}
# check_remaining ADDRESS BEFORE ELAPSED: the ban's remaining time went down
# by the time that passed, no more, no less (two seconds of slack each
# way: list's answer and the clock are read at slightly different times).
check_remaining() {
	local r
	r=$(remaining "$1")
	[ -n "$r" ] && [ "$r" -le $(($2 - $3 + 2)) ] && [ "$r" -ge $(($2 - $3 - 2)) ] ||
		fail "$1: ${r:-no} s left, $2 s left $3 s ago"
	echo "ok: $1 kept its remaining time ($2 s -> $r s in $3 s)"
}

db_start "$DB_CONF" "$T/daemon.err"
attack 198.51.100.90
wait_until 10 in_set $TABLE host4 198.51.100.90 || fail "198.51.100.90 not banned"
$DB ban 2001:db8:bad::9 --for 10m >/dev/null 2>&1 || fail "ban 2001:db8:bad::9"
$DB ban 10.90.0.0/16 --for 2h --force >/dev/null 2>&1 || fail "ban 10.90.0.0/16"
$DB ban 198.51.100.99 --for 2 >/dev/null 2>&1 || fail "ban 198.51.100.99 --for 2"
t_ban=$(date +%s)
r_net=$(remaining 10.90.0.0/16)
r_v6=$(remaining 2001:db8:bad::9)
expect_eq "lines read before the stop" "$(lines_read)" 6
db_stop
expect_eq "exit on SIGTERM" "$DB_RC" 0
[ -s "$T/state/state" ] || fail "no state file after SIGTERM"
all_in_kernel || fail "bans left the kernel when the daemon stopped"
echo "ok: stopped; the kernel keeps the bans"

# Written while the daemon is down: read once after the restart. The
# restart waits until the 2 s ban has expired, so that a remaining time
# reset to the full ban time would show.
attack 198.51.100.91
wait_until 10 past $((t_ban + 3)) || fail "clock"
db_start "$DB_CONF" "$T/daemon.err"
grep -q 'info: state loaded bans=[1-9]' "$T/daemon.err" || fail "no state loaded"
wait_until 10 in_set $TABLE host4 198.51.100.91 ||
	fail "lines written while stopped were not read after the restart"
expect_eq "lines read after the restart (only the new ones)" "$(lines_read)" 6
all_in_kernel 198.51.100.91 || fail "a ban is missing after the restart"
$DB list >"$T/list" 2>/dev/null
grep -q '^198\.51\.100\.90  *[0-9dhms]*  *1  *local  *smtp-auth=5$' "$T/list" ||
	fail "198.51.100.90 lost its reason or count: $(cat "$T/list")"
grep -q '^198\.51\.100\.99 ' "$T/list" && fail "the expired ban is listed"
check_remaining 10.90.0.0/16 "$r_net" $(($(date +%s) - t_ban))
check_remaining 2001:db8:bad::9 "$r_v6" $(($(date +%s) - t_ban))
echo "ok: restart: bans listed with their remaining time, reading resumed"

# Reboot: our table is gone while the daemon is down.
db_stop
expect_eq "exit on SIGTERM" "$DB_RC" 0
nft delete table inet $TABLE || fail "nft delete table"
db_start "$DB_CONF" "$T/daemon.err"
all_in_kernel 198.51.100.91 || fail "not every ban restored: $(nft list table inet $TABLE)"
for b in "10.90.0.0/16 net4 $r_net" "2001:db8:bad::9 host6 $r_v6"; do
	set -- $b
	check_remaining "$1" "$3" $(($(date +%s) - t_ban))
	k=$(seconds_of "$(kernel_left "$2" "$1")")
	r=$(remaining "$1")
	[ -n "$k" ] && [ "$k" -ge $((r - 2)) ] && [ "$k" -le $((r + 2)) ] ||
		fail "$1: the kernel has ${k:-none} s left, the daemon lists ${r} s"
	echo "ok: $1 restored in the kernel with its remaining time (${k} s)"
done
in_set $TABLE host4 198.51.100.99 && fail "the expired ban was restored"
$DB list 2>/dev/null | grep -q '^198\.51\.100\.99 ' && fail "the expired ban is listed"
grep -q 'info: restored bans=[1-9][0-9]* into the kernel' "$T/daemon.err" ||
	fail "no restore record: $(cat "$T/daemon.err")"
# A restore is no repair: status says restored, and no disagreement.
$DB status >"$T/status" 2>&1 || fail "status: $(cat "$T/status")"
grep -q '^kernel checks: *0 disagreements (0 put back, 0 removed, 0 adopted at start, [1-9][0-9]* restored at start' "$T/status" ||
	fail "the restore is not said plainly: $(grep 'kernel checks' "$T/status")"
expect_eq "lines read after the reboot" "$(lines_read)" 0
echo "ok: reboot: every unexpired ban restored, the expired one not"

db_stop
expect_eq "exit on SIGTERM" "$DB_RC" 0
echo "PASS: fault-restart"
