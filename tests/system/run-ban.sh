#!/bin/bash
# dominoban run, end to end: attack lines appended to a followed log end up
# in the kernel sets (host4, host6, and net4 for a netblock rotating through
# a /24), and the drop rule stops TCP connects from the banned addresses to
# a configured port while an innocent address still connects. The daemon
# starts before its log files exist (normal, not an error) and follows
# them once they appear. An allowlisted address is never banned.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_ban

for a in 198.51.100.7 192.0.2.50 192.0.2.60 203.0.113.10 203.0.113.11 \
    203.0.113.12 203.0.113.13 203.0.113.99; do
	ip addr add "$a/32" dev lo || skip "cannot add addresses in the namespace"
done
ip -6 addr add 2001:db8:bad::5/128 dev lo nodad
ip -6 addr add 2001:db8::1/128 dev lo nodad
ip -6 addr add 2001:db8::2/128 dev lo nodad

# Neither log exists yet; the second one's directory does not either.
rm "$LOG"
LOG2=$T/IBM_TECHNICAL_SUPPORT/console.log
DB_LOGS="$LOG $LOG2" db_config <<CONF
[nft]
ports = 25
action = drop
[allow]
cidrs = 192.0.2.60/32
# The attackers are addresses of this namespace itself.
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"
grep -qi 'error\|fatal' "$T/daemon.err" &&
	fail "start-up without log files logged an error: $(cat "$T/daemon.err")"
$DB status >"$T/status" || fail "status exited $?"
grep -q "NOT following: *$LOG: missing" "$T/status" || fail "missing log not said: $(cat "$T/status")"
echo "ok: start-up with no log file is normal"

db_listen :: 25   # dual stack: v4 and v6
db_listen :: 2525

# Before any ban, every source connects.
for src in 198.51.100.7 203.0.113.99; do
	r=$("$PROBE" connect "$src" 127.0.0.1 25 2000)
	expect_eq "connect from $src before the ban" "$r" CONNECTED
done

# Password guessing over SMTP (IPv4) and HTTP (IPv6); the log file
# appears only now.
for u in admin root info sales test; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.7"
	echo "http: $u [2001:db8:bad::5] authentication failure using internet password"
	# The allowlisted host does the same, and more.
	echo "SMTP Server: Authentication failed for user $u ; connecting host 192.0.2.60"
	echo "SMTP Server: Authentication failed for user x$u ; connecting host 192.0.2.60"
done | db_lines >>"$LOG"
wait_until 10 in_set $TABLE host4 198.51.100.7 ||
	fail "198.51.100.7 not in host4: $(set_elements $TABLE host4)"
echo "ok: IPv4 attacker in host4 (log file appeared after start-up)"
grep -q 'info: ban addr=198\.51\.100\.7 seconds=[0-9]* offences=1 reason="smtp-auth=5"' \
	"$T/daemon.err" || fail "no ban record in the log: $(cat "$T/daemon.err")"
echo "ok: one key=value log record for the ban"
wait_until 10 in_set $TABLE host6 2001:db8:bad::5 ||
	fail "2001:db8:bad::5 not in host6: $(set_elements $TABLE host6)"
echo "ok: IPv6 attacker in host6"

# Directory harvest rotating through 203.0.113.0/24, written to the log
# whose directory did not exist at start-up.
mkdir -p "$(dirname "$LOG2")"
for h in 10 11 12 13; do
	echo "SMTP Server: 203.0.113.$h connected"
	for i in $(seq 1 12); do
		echo "SMTP Server: Rejected recipient <u$h$i@example.com> from host [203.0.113.$h]: not listed in Domino Directory"
	done
	echo "SMTP Server: 203.0.113.$h disconnected. 0 message[s] received"
done | db_lines >>"$LOG2"
wait_until 10 in_set $TABLE net4 203.0.113.0/24 ||
	fail "203.0.113.0/24 not in net4: $(set_elements $TABLE net4)"
echo "ok: netblock scenario ends in net4 (log in a directory made later)"
$DB list >"$T/list" || fail "list exited $?"
grep -q '^203\.0\.113\.0/24 .*smtp-unknown-rcpt=' "$T/list" ||
	fail "the /24 is not listed with its reason: $(cat "$T/list")"

# The allowlisted host wrote twice the attacker's lines and stays out.
in_set $TABLE host4 192.0.2.60 && fail "allowlisted 192.0.2.60 is in host4"
grep -q '^192\.0\.2\.60 ' "$T/list" && fail "allowlisted 192.0.2.60 is listed"
grep -q 'addr=192\.0\.2\.60 ' "$T/daemon.err" &&
	fail "allowlisted 192.0.2.60 was banned: $(grep 192.0.2.60 "$T/daemon.err")"
echo "ok: an allowlisted address is not banned by its log lines"

# Enforcement: the banned sources time out on the configured port (drop),
# the innocent ones connect; other ports are not affected.
probe() {
	"$PROBE" connect "$1" "$2" "$3" "$4"
}
expect_eq "connect 198.51.100.7 -> :25 (host4)" \
	"$(probe 198.51.100.7 127.0.0.1 25 300)" TIMEOUT
expect_eq "connect 203.0.113.99 -> :25 (net4, never named in a log)" \
	"$(probe 203.0.113.99 127.0.0.1 25 300)" TIMEOUT
expect_eq "connect 2001:db8:bad::5 -> :25 (host6)" \
	"$(probe 2001:db8:bad::5 2001:db8::1 25 300)" TIMEOUT
expect_eq "connect 192.0.2.50 -> :25 (innocent)" \
	"$(probe 192.0.2.50 127.0.0.1 25 2000)" CONNECTED
expect_eq "connect 192.0.2.60 -> :25 (allowlisted)" \
	"$(probe 192.0.2.60 127.0.0.1 25 2000)" CONNECTED
expect_eq "connect 2001:db8::2 -> :25 (innocent, IPv6)" \
	"$(probe 2001:db8::2 2001:db8::1 25 2000)" CONNECTED
expect_eq "connect 198.51.100.7 -> :2525 (not a configured port)" \
	"$(probe 198.51.100.7 127.0.0.1 2525 2000)" CONNECTED

# The rule counters saw the dropped packets.
$DB status --json >"$T/status.json" || fail "status --json exited $?"
dropped=$(sed -n 's/.*"packets_dropped":\([0-9]*\).*/\1/p' "$T/status.json")
[ "${dropped:-0}" -ge 3 ] || fail "packets_dropped is '$dropped' after 3 dropped connects"
echo "ok: packets_dropped=$dropped"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-ban"
