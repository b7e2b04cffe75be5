#!/bin/bash
# dominoban replay: the policy scenarios from the decision issue, each
# written as a small Domino log and run through the real binary, with the
# clock taken from the log's timestamps.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
make_tmpdir
PAT=$TOP_SRCDIR/patterns
BASE=$(date -u -d '2025-03-14 10:00:00' +%s)

# line OFFSET TEXT: one console line OFFSET seconds after BASE.
line() {
	printf '[001984:000017-00007F3A9C5FE700] %s   %s\n' \
		"$(date -u -d "@$((BASE + $1))" '+%d.%m.%Y %H:%M:%S')" "$2"
}
replay() {
	: >"$T/empty.conf"
	$DOMINOBAN --config "$T/empty.conf" replay --patterns "$PAT" "$@" \
		2>"$T/stderr"
}

# 1. The mission's attack: 50 unknown recipients from a new host every
#    5 minutes, all in one /24 (the line carries the address).
for h in 1 2 3 4 5 6; do
	t=$(((h - 1) * 300))
	line $t "SMTP Server: 203.0.113.$h connected"
	for i in $(seq 1 50); do
		line $t "SMTP Server: Rejected recipient <u$h$i@example.com> from host [203.0.113.$h]: not listed in Domino Directory"
	done
	line $((t + 1)) "SMTP Server: 203.0.113.$h disconnected. 0 message[s] received"
done >"$T/harvest.log"
replay "$T/harvest.log" >"$T/out" || fail "replay exited $?"
cat "$T/out"
net=$(grep -n $'^ban\t203.0.113.0/24\t' "$T/out" | cut -d: -f1)
[ -n "$net" ] || fail "the /24 was not banned"
hosts_before=$(head -n "$net" "$T/out" | grep -c $'^ban\t203.0.113.[0-9]*\t')
[ "$hosts_before" -le 3 ] || fail "/24 banned only after $hosts_before hosts"
for h in 1 2; do
	grep -q $'^ban\t203.0.113.'$h$'\t3600\tsmtp-unknown-rcpt=' "$T/out" ||
		fail "host 203.0.113.$h not banned for 1 h"
done
echo "ok: rotating harvest ends in a /24 ban after $hosts_before hosts"

# noip_log BESIDE MSGS: the same attack when the rejection line carries
# no address, 4 hosts of 198.51.100.0/24 with 20 rejections each. The
# legitimate sender 192.0.2.77 (MSGS messages) has a session before each
# harvester's (BESIDE=no), or one open beside it that closes first
# (yes). The log starts an hour earlier: for smtp_session_max (1 h) after
# the first line, sessions opened before it may be open unseen, and
# nothing is attributed.
noip_log() {
	local h t i
	line -3600 "SMTP Server: 192.0.2.77 connected"
	line -3599 "SMTP Server: 192.0.2.77 disconnected. 1 message[s] received"
	for h in 1 2 3 4; do
		t=$(((h - 1) * 300))
		line $t "SMTP Server: 192.0.2.77 connected"
		[ "$1" = yes ] ||
			line $t "SMTP Server: 192.0.2.77 disconnected. $2 message[s] received"
		line $t "SMTP Server: 198.51.100.$h connected"
		for i in $(seq 1 20); do
			line $t "SMTP Server: Recipient <u$h$i@example.com> not found in Domino Directory"
		done
		[ "$1" = no ] ||
			line $((t + 1)) "SMTP Server: 192.0.2.77 disconnected. $2 message[s] received"
		line $((t + 1)) "SMTP Server: 198.51.100.$h disconnected. 0 message[s] received"
	done
}

# 1b. Each harvester alone on the server: the log proves the rejections
#     are its own.
noip_log no 1 >"$T/harvest-noip.log"
replay "$T/harvest-noip.log" >"$T/out" || fail "replay exited $?"
cat "$T/out"
grep -q $'^ban\t198.51.100.1\t' "$T/out" || fail "first harvester not banned"
grep -q $'^ban\t198.51.100.0/24\t' "$T/out" || fail "no /24 ban without addresses"
! grep -q '192.0.2.77' "$T/out" || fail "the legitimate sender was banned"
grep -q ' 80 attributed to SMTP sessions, 0 ambiguous' "$T/stderr" ||
	fail "attribution summary: $(cat "$T/stderr")"
echo "ok: harvest without addresses is attributed to the sessions"

# 1c. The legitimate session open beside each harvester's, closing first
#     with a message or with none (a sender callout): the log does not say
#     whose the rejections are, so nobody is charged; they are ambiguous.
for msgs in 1 0; do
	noip_log yes $msgs >"$T/busy-noip.log"
	replay "$T/busy-noip.log" >"$T/out" || fail "replay exited $?"
	expect_eq "bans, overlapping sessions ($msgs message)" "$(wc -l <"$T/out")" 0
	grep -q ' 0 attributed to SMTP sessions, 80 ambiguous' "$T/stderr" ||
		fail "attribution summary: $(cat "$T/stderr")"
done

# 2. A legitimate sender that mistypes two recipients, every day.
for d in $(seq 0 29); do
	t=$((d * 86400))
	line $t "SMTP Server: 192.0.2.50 connected"
	line $((t + 1)) "SMTP Server: Rejected recipient <jhon@example.com> from host [192.0.2.50]: not listed in Domino Directory"
	line $((t + 2)) "SMTP Server: Rejected recipient <mary@exmaple.com> from host [192.0.2.50]: not listed in Domino Directory"
	line $((t + 3)) "SMTP Server: 192.0.2.50 disconnected. 1 message[s] received"
done >"$T/typos.log"
replay "$T/typos.log" >"$T/out" || fail "replay exited $?"
expect_eq "bans for a sender with typos" "$(wc -l <"$T/out")" 0

# 3. One host guessing passwords over SMTP and HTTP: a host ban.
{
	for u in admin root; do
		line 0 "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.7"
	done
	for u in info sales test; do
		line 5 "http: $u [198.51.100.7] authentication failure using internet password"
	done
} >"$T/guess.log"
replay "$T/guess.log" >"$T/out" || fail "replay exited $?"
cat "$T/out"
expect_eq "password guesser" "$(cut -f1-3 "$T/out")" $'ban\t198.51.100.7\t3600'
grep -q 'http-auth=3' "$T/out" || fail "reason lacks http-auth=3"
grep -q 'smtp-auth=2' "$T/out" || fail "reason lacks smtp-auth=2"

# 4. A host that comes back after its ban expired gets a longer one; the
#    same failure logged in both styles in one second counts once.
{
	for round in 0 1 2; do
		t=$((round * 90000))
		for i in 1 2 3 4 5; do
			line $((t + i)) "smtp: guess$i [203.0.113.200] authentication failure using internet password"
			line $((t + i)) "SMTP Server: Authentication failed for user guess$i ; connecting host 203.0.113.200"
		done
	done
} >"$T/comeback.log"
replay "$T/comeback.log" >"$T/out" || fail "replay exited $?"
cat "$T/out"
expect_eq "escalating bans" "$(cut -f3 "$T/out" | tr '\n' ' ')" "3600 14400 57600 "
grep -q "5 duplicates ignored\|15 duplicates ignored" "$T/stderr" ||
	fail "duplicates not ignored: $(cat "$T/stderr")"

# The same log as Domino archives it: the same bans.
if command -v gzip >/dev/null; then
	gzip -c "$T/guess.log" >"$T/notes_261205_063015.log.gz"
	replay "$T/guess.log" >"$T/plain.out" || fail "replay exited $?"
	replay "$T/notes_261205_063015.log.gz" >"$T/gz.out" || fail "replay of .gz exited $?"
	cmp -s "$T/plain.out" "$T/gz.out" || fail "the .gz log gives other bans: $(cat "$T/gz.out")"
	[ -s "$T/gz.out" ] || fail "no ban from the .gz log"
	echo "ok: replay reads a gzipped log"
else
	echo "SKIP: gzip(1) missing: replay of a .gz log not tested" >&2
fi
head -c 4096 /dev/urandom >"$T/random.bin"
$DOMINOBAN --config "$T/empty.conf" replay --patterns "$PAT" "$T/random.bin" >"$T/out" 2>"$T/err"
expect_eq "replay of binary data" "$?" 65
grep -q "random.bin: .*not a" "$T/err" || fail "binary data said: $(cat "$T/err")"

# An allowlisted relay never appears, whatever it does.
printf '[allow]\ncidrs = 198.51.100.0/24\n' >"$T/allow.conf"
$DOMINOBAN --config "$T/allow.conf" replay --patterns "$PAT" "$T/guess.log" \
	>"$T/out" 2>"$T/err"
expect_eq "allowlisted bans" "$(wc -l <"$T/out")" 0
# ... and is named, with what it did.
grep -q "^replay: the allowlist saved 1 address (their events were not counted): 198.51.100.7 (5 events)$" "$T/err" ||
	fail "the saved address is not named: $(cat "$T/err")"

# Usage errors.
$DOMINOBAN --config "$T/empty.conf" replay >/dev/null 2>&1
expect_eq "no file exit" "$?" 64
printf '[score]\nhalf_life = soon\n' >"$T/bad.conf"
$DOMINOBAN --config "$T/bad.conf" replay "$T/guess.log" >/dev/null 2>"$T/err"
expect_eq "bad config exit" "$?" 78
grep -q "bad.conf:2: half_life" "$T/err" || fail "no file:line: $(cat "$T/err")"
echo "PASS: replay"
