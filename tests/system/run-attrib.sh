#!/bin/bash
# dominoban run, rejections that carry no address (directory harvest with
# Domino's line of hypothesis B): real log lines appended to the followed
# file, the bans read back with nft. A harvester alone on the server is
# banned mid-session; nobody else is charged unless the log proves it:
# not a partner that closes first with 0 messages beside the attacker, not
# a partner connecting while the banned attacker's session is still open,
# not a partner alone just after the log was truncated (lines may have
# been lost), not a partner alone just after a restart (the attacker's
# session opened before it). `status` counts the ambiguous rejections.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_attrib

db_config <<CONF
[score]
smtp_session_max = 3s
[allow]
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"

EV=0      # events the daemon must have read
# say N: the lines in $T/in (N of them) go to the log, with a Domino
# prefix; returns once the daemon has read them.
say() {
	db_lines <"$T/in" >>"$LOG"
	EV=$((EV + $1))
	wait_until 10 json_is events $EV ||
		fail "the daemon read $(json events) events, want $EV"
}
json() {
	$DB status --json | grep -o "\"$1\":-\?[0-9]*" | cut -d: -f2
}
json_is() { [ "$(json "$1")" = "$2" ]; }
probes() {
	local i
	for i in $(seq 1 "$1"); do
		echo "SMTP Server: Recipient <p$i.$RANDOM@example.com> not found in Domino Directory"
	done
}
banned() { in_set $TABLE host4 "$1"; }
not_banned() {
	! banned "$1" && ! $DB list 2>/dev/null | grep -q "$1" ||
		fail "$2: $1 banned: $($DB list)"
	echo "ok: $2: $1 not banned"
}
# The start: sessions opened before it are unknown, so nothing is
# attributed for smtp_session_max after the first event read.
{
	echo "SMTP Server: 192.0.2.200 connected"
	echo "SMTP Server: 192.0.2.200 disconnected. 1 message[s] received"
} >"$T/in"; say 2
# (The spell itself is timed in check_session.c: here, where a slow build
# may outlast its 3 s, only its end is awaited.)
wait_until 10 json_is sessions_blind_s 0 || fail "still blind after 10 s"

# 1. The legitimate case: a harvester alone, banned at its 5th probe.
{ echo "SMTP Server: 203.0.113.60 connected"; probes 5; } >"$T/in"; say 6
wait_until 10 banned 203.0.113.60 || fail "the lone harvester is not banned"
echo "ok: a harvester alone is banned mid-session"

# 2. Its session is still open (no close line: its packets are dropped);
#    its rejections still in the log are not the partner's who connects.
{
	echo "SMTP Server: 198.51.100.121 connected"
	probes 7
	echo "SMTP Server: 198.51.100.121 disconnected. 0 message[s] received"
} >"$T/in"; say 9
not_banned 198.51.100.121 "beside the banned harvester's open session"
expect_eq "ambiguous rejections" "$(json rejections_ambiguous)" 7

# 3. The attacker beside a partner that closes first with 0 messages (a
#    sender callout): the rejections are nobody's.
{
	echo "SMTP Server: 203.0.113.60 disconnected. 0 message[s] received"
	echo "SMTP Server: 203.0.113.51 connected"
	echo "SMTP Server: 198.51.100.122 connected"
	probes 12
	echo "SMTP Server: 198.51.100.122 disconnected. 0 message[s] received"
	echo "SMTP Server: 203.0.113.51 disconnected. 0 message[s] received"
} >"$T/in"; say 17
not_banned 198.51.100.122 "partner closing first with 0 messages"
not_banned 203.0.113.51 "attacker beside a partner"
expect_eq "ambiguous rejections" "$(json rejections_ambiguous)" 19

# 4. The log is truncated (archivelog, copytruncate: lines may be lost):
#    a partner alone just after is not proven alone.
: >"$LOG"
wait_until 10 json_is truncations 1 || fail "truncation not seen"
{
	echo "SMTP Server: 198.51.100.123 connected"
	probes 6
	echo "SMTP Server: 198.51.100.123 disconnected. 0 message[s] received"
} >"$T/in"; say 8
not_banned 198.51.100.123 "partner alone after a truncation"
expect_eq "ambiguous rejections" "$(json rejections_ambiguous)" 25
$DB status | grep -q '^attribution: *5 attributed (25 ambiguous, 0 without a session' ||
	fail "status: $($DB status | grep attribution)"
echo "ok: status counts them"

# 5. A restart mid-session: the attacker's session opened before it (the
#    new daemon resumes after its connect line, and the state file keeps
#    the session); a partner that connects after the start is not alone. (A longer spell, so the test cannot be
#    outrun by a slow machine.)
echo "SMTP Server: 203.0.113.52 connected" >"$T/in"; say 1
open_before=$(json smtp_sessions_open)
db_stop
sed -i 's/^smtp_session_max = .*/smtp_session_max = 10m/' "$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"
# The state file carries the tracker: the attacker's session, opened
# before the restart, is still known after it.
expect_eq "SMTP sessions known after the restart" \
	"$(json smtp_sessions_open)" "$open_before"
EV=0
{
	echo "SMTP Server: 198.51.100.124 connected"
	probes 6
	echo "SMTP Server: 198.51.100.124 disconnected. 0 message[s] received"
} >"$T/in"; say 8
not_banned 198.51.100.124 "partner alone after a restart"
expect_eq "ambiguous rejections after the restart" \
	"$(json rejections_ambiguous)" 6
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-attrib"
