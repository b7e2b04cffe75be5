#!/bin/bash
# Own addresses are followed as they change ([allow] own_addresses = yes):
# an address added to an interface after start is allowlisted at once, the
# bans that cover it are lifted (from `list` and from the kernel set) and
# attacks from it ban nothing; IPv4 and IPv6. Deleted again, it is no
# longer allowlisted: its attacks are banned. An address added while the
# daemon was stopped lifts the saved ban that covers it at restart, and a
# reload that allowlists a CIDR lifts the bans inside it. A bystander's
# ban stays throughout.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_own
command -v ip >/dev/null || skip "ip(8) not installed (the test changes addresses with it)"
conf() {
	printf '[score]\nhost_threshold = 3\n[allow]\nown_addresses = yes\n%s\n' \
		"${1:-}" | db_config
}
# listed ADDR: in `dominoban list`; banned SET ADDR: listed and in the
# kernel set too.
listed() {
	$DB list 2>/dev/null | grep -q "^$1 "
}
banned() {
	listed "$2" && in_set $TABLE "$1" "$2"
}
# gone SET ADDR: neither listed nor in the kernel set.
gone() {
	! listed "$2" && ! in_set $TABLE "$1" "$2"
}
# Each change of the own addresses is one log record: wait for the next.
changes() {
	grep -c 'own addresses changed' "$T/daemon.err"
}
more_changes() {
	[ "$(changes)" -gt "$CHANGES" ]
}
# own CMD...: change an address with ip(8), then wait until the daemon has
# read the notice.
own() {
	CHANGES=$(changes)
	ip "$@" || fail "ip $*"
	wait_until 10 more_changes ||
		fail "the daemon did not see 'ip $*': $(cat "$T/daemon.err")"
}

command -v python3 >/dev/null || skip "python3 is needed to compare prefixes"

# covering ADDR SET...: does an element of one of the sets contain ADDR?
# (a ban the allowlist grew into is split around the allowed address:
# the rest of the netblock stays banned)
covering() {
	local a=$1 s
	shift
	for s in "$@"; do
		set_elements $TABLE "$s"
	done | python3 -c '
import ipaddress, sys
a = ipaddress.ip_address(sys.argv[1])
sys.exit(0 if any(a in ipaddress.ip_network(l.strip())
		   for l in sys.stdin if l.strip()) else 1)' "$a"
}

conf
db_start "$DB_CONF" "$T/daemon.err"
for b in 10.77.0.0/24 10.88.0.0/24 2001:db8:77::/64; do
	expect_eq "ban $b" "$(rc_of $DB ban $b --for 1h)" 0
done
banned net4 10.77.0.0/24 || fail "10.77.0.0/24 not banned: $(set_elements $TABLE net4)"
banned net6 2001:db8:77::/64 || fail "2001:db8:77::/64 not banned: $(set_elements $TABLE net6)"

# ---- IPv4: added -----------------------------------------------------------
ip addr add 10.77.0.5/24 dev lo || fail "ip addr add 10.77.0.5/24"
wait_until 10 gone net4 10.77.0.0/24 ||
	fail "10.77.0.0/24 still banned with 10.77.0.5 ours: list: $($DB list) kernel: $(set_elements $TABLE net4)"
grep -q 'unban addr=10.77.0.0/24 .*reason="allowlisted' "$T/daemon.err" ||
	fail "no unban record: $(cat "$T/daemon.err")"
banned net4 10.88.0.0/24 || fail "the bystander's ban 10.88.0.0/24 went too"
echo "ok: the ban covering a new own IPv4 address is lifted (list and kernel)"
db_fail_auth 10.77.0.5 4
listed 10.77.0.5 && fail "an attack from our own 10.77.0.5 was banned"
covering 10.77.0.5 host4 net4 &&
	fail "something covers our own 10.77.0.5 after its attacks: $(set_elements $TABLE host4) $(set_elements $TABLE net4)"
expect_eq "manual ban of our own 10.77.0.5" "$(rc_of $DB ban 10.77.0.5)" 77
echo "ok: attacks from the new own IPv4 address ban nothing"

# ---- IPv6: added -------------------------------------------------------------
ip -6 addr add 2001:db8:77::5/64 dev lo || fail "ip -6 addr add 2001:db8:77::5/64"
wait_until 10 gone net6 2001:db8:77::/64 ||
	fail "2001:db8:77::/64 still banned with 2001:db8:77::5 ours: list: $($DB list) kernel: $(set_elements $TABLE net6)"
db_fail_auth 2001:db8:77::5 4
listed 2001:db8:77::5 && fail "an attack from our own 2001:db8:77::5 was banned"
covering 2001:db8:77::5 host6 net6 &&
	fail "something covers our own 2001:db8:77::5 after its attacks: $(set_elements $TABLE host6) $(set_elements $TABLE net6)"
echo "ok: IPv6: the covering ban is lifted, attacks from the address ban nothing"

# ---- deleted again ---------------------------------------------------------------
own addr del 10.77.0.5/24 dev lo
db_fail_auth 10.77.0.5 3
banned host4 10.77.0.5 ||
	fail "10.77.0.5 not banned once no longer ours: list: $($DB list) kernel: $(set_elements $TABLE host4)"
own -6 addr del 2001:db8:77::5/64 dev lo
db_fail_auth 2001:db8:77::5 3
banned host6 2001:db8:77::5 ||
	fail "2001:db8:77::5 not banned once no longer ours: list: $($DB list) kernel: $(set_elements $TABLE host6)"
echo "ok: a deleted address is no longer allowlisted"

# ---- added while stopped ---------------------------------------------------------
expect_eq "ban 10.99.0.0/24" "$(rc_of $DB ban 10.99.0.0/24 --for 1h)" 0
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
in_set $TABLE net4 10.99.0.0/24 || fail "10.99.0.0/24 left the kernel at stop"
ip addr add 10.99.0.7/24 dev lo || fail "ip addr add 10.99.0.7/24"
db_start "$DB_CONF" "$T/daemon.err"
wait_until 10 gone net4 10.99.0.0/24 ||
	fail "10.99.0.0/24 still banned after a restart with 10.99.0.7 ours: list: $($DB list) kernel: $(set_elements $TABLE net4)"
banned net4 10.88.0.0/24 || fail "the bystander's ban 10.88.0.0/24 was not restored"
echo "ok: an address added while stopped lifts the saved ban at restart"

# ---- reload with a new allowed CIDR -------------------------------------------
expect_eq "ban 10.66.0.0/24" "$(rc_of $DB ban 10.66.0.0/24 --for 1h)" 0
conf "cidrs = 10.66.0.0/16"
expect_eq "reload" "$(rc_of $DB reload)" 0
wait_until 10 gone net4 10.66.0.0/24 ||
	fail "10.66.0.0/24 still banned after a reload allowlisting 10.66.0.0/16: $(set_elements $TABLE net4)"
banned net4 10.88.0.0/24 || fail "the bystander's ban 10.88.0.0/24 went at reload"
echo "ok: a reload that allowlists a CIDR lifts the bans inside it"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-ownaddr"
