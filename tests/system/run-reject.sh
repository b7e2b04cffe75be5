#!/bin/bash
# dominoban run with action = reject: a banned source gets a TCP reset at
# once (the connect is refused) on a configured port, for IPv4 and IPv6,
# while an unbanned source still connects. Reload (dominoban reload, then
# SIGHUP) applies a changed action and port list to the live rules.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_reject

for a in 198.51.100.8 192.0.2.51; do
	ip addr add "$a/32" dev lo || skip "cannot add addresses in the namespace"
done
ip -6 addr add 2001:db8:bad::6/128 dev lo nodad
ip -6 addr add 2001:db8::1/128 dev lo nodad
ip -6 addr add 2001:db8::3/128 dev lo nodad

db_config <<CONF
[nft]
ports = 25 587
action = reject
[allow]
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"
db_listen :: 587

for u in a b c d e; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.8"
	echo "smtp: $u [2001:db8:bad::6] authentication failure using internet password"
done | db_lines >>"$LOG"
wait_until 10 in_set $TABLE host4 198.51.100.8 || fail "198.51.100.8 not in host4"
wait_until 10 in_set $TABLE host6 2001:db8:bad::6 || fail "2001:db8:bad::6 not in host6"
echo "ok: both attackers in the kernel sets"
nft list chain inet $TABLE input | grep -q 'reject with tcp reset' ||
	fail "no reject rule: $(nft list chain inet $TABLE input)"
echo "ok: the chain rejects with a TCP reset"

# REFUSED is what connect(2) reports for a reset answering the SYN; a
# reset after the handshake would show as RESET. Both mean rejected.
refused() {
	local r
	r=$("$PROBE" connect "$1" "$2" 587 2000)
	case $r in
	REFUSED | RESET) echo "ok: connect $1 -> $2:587 $r" ;;
	*) fail "connect $1 -> $2:587: got '$r', want REFUSED or RESET" ;;
	esac
}
refused 198.51.100.8 127.0.0.1
refused 2001:db8:bad::6 2001:db8::1
expect_eq "connect 192.0.2.51 -> :587 (unbanned)" \
	"$("$PROBE" connect 192.0.2.51 127.0.0.1 587 2000)" CONNECTED
expect_eq "connect 2001:db8::3 -> :587 (unbanned, IPv6)" \
	"$("$PROBE" connect 2001:db8::3 2001:db8::1 587 2000)" CONNECTED

# Reload to drop on port 587 only, then (SIGHUP) back to reject on 2525.
db_listen :: 2525
sed -i -e 's/^ports = .*/ports = 587/' -e 's/^action = .*/action = drop/' "$DB_CONF"
expect_eq "reload to action = drop" "$($DB reload >/dev/null 2>&1; echo $?)" 0
expect_eq "connect 198.51.100.8 -> :587 after reload (drop)" \
	"$("$PROBE" connect 198.51.100.8 127.0.0.1 587 300)" TIMEOUT
expect_eq "connect 198.51.100.8 -> :2525 (not a configured port)" \
	"$("$PROBE" connect 198.51.100.8 127.0.0.1 2525 2000)" CONNECTED
sed -i -e 's/^ports = .*/ports = 2525/' -e 's/^action = .*/action = reject/' "$DB_CONF"
kill -HUP "$DB_PID"
reject_2525() {
	nft list chain inet $TABLE input | grep -q 'reject with tcp reset' &&
		[ "$(set_elements $TABLE ports)" = 2525 ]
}
wait_until 10 reject_2525 || fail "SIGHUP: rules not changed: $(nft list table inet $TABLE)"
refused_2525() {
	case $("$PROBE" connect 198.51.100.8 127.0.0.1 2525 2000) in
	REFUSED | RESET) return 0 ;;
	esac
	return 1
}
refused_2525 || fail "connect 198.51.100.8 -> :2525 after SIGHUP not refused"
echo "ok: connect 198.51.100.8 -> :2525 refused after SIGHUP"
expect_eq "connect 198.51.100.8 -> :587 after SIGHUP (no longer a configured port)" \
	"$("$PROBE" connect 198.51.100.8 127.0.0.1 587 2000)" CONNECTED
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-reject"
