#!/bin/bash
# Property: the live daemon and `dominoban replay` ban the same targets,
# for the same times, with the same reasons, in the same order, whatever
# the pace the log is written at. A random Domino log (seeded: the seed is
# printed, LOGTIME_SEED=N runs it again) of episodes of attacks with their
# own addresses, quiet gaps of 20-40 minutes between them:
#   lockout lines ("IP Address", the same user every time) at 1-10 s, one
#   attacker going on after its first ban (an escalated second ban);
#   SMTP AUTH failures in both wordings in the same second, in either
#   order, now and then in one wording only, users repeating;
#   a slow guesser; a netblock rotation; directory harvest sessions
#   without the address in the rejections, with an innocent session
#   beside them; chatter; now and then an event line without a time.
# The log is appended to the followed file in random chunks (some cut in
# the middle of a line) at random pacing, and the daemon is stopped and
# started again at one or two episode boundaries, with more of the log
# written while it is down (read at its start). Scores live in memory
# only (a restart forgets them; docs/RELIABILITY.md), so the daemon is
# stopped only once it has read everything before the boundary.
# The daemon's `ban addr=... seconds=... reason=...` records must equal
# replay's `ban ADDRESS SECONDS REASON` lines over the whole log.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
export TZ=UTC
enter_netns "$0" "$@"
db_prepare dbtest_logprop
db_config <<CONF
[score]
half_life = 2m
[ban]
ban_time = 1m
ban_factor = 2
ban_max = 16m
[nft]
ports = 25
[allow]
own_addresses = no
CONF

SEED=${LOGTIME_SEED:-$(( $(date +%s%N) / 1000 % 1000000007 ))}
echo "seed: $SEED (LOGTIME_SEED=$SEED runs this case again)"
RANDOM=$SEED
EPISODES=10
NOW=$(date +%s)
BASE=$((NOW - 14 * 3600))

# ---- the log ------------------------------------------------------------
# gen: "TIME<TAB>SEQ<TAB>EPISODE<TAB>EVENT<TAB>TEXT", episodes one after
# the other (EVENT 1: a line a pattern matches).
gen() {
	awk -v seed="$SEED" -v base="$BASE" -v episodes="$EPISODES" '
	function r(n) { return int(rand() * n) }
	function out(t, ev, text) {
		printf "%d\t%d\t%d\t%d\t%s\n", t, ++seq, e, ev, text
		if (t > last) last = t
	}
	function lockout(ip, t, n, step,   i) {
		for (i = 0; i < n; i++)
			out(t + i * step, 1, "http: IP Address [" ip "] authentication " \
			    "failure using internet password: User is locked out")
	}
	function smtp(ip, u) {
		return "SMTP Server: Authentication failed for user " u \
		    " ; connecting host " ip
	}
	function inet(ip, u) {
		return "smtp: " u " [" ip "] authentication failure using " \
		    "internet password"
	}
	BEGIN {
		srand(seed)
		split("admin info test", users, " ")
		split("1 1 2 3 5 10", steps, " ")
		t0 = base
		for (e = 1; e <= episodes; e++) {
			last = t0
			# Lockouts: one that goes on after its first ban.
			lockout("10." e ".1.1", t0 + r(60), 14, 10)
			for (k = 2; k <= 1 + r(3); k++)
				lockout("10." e ".1." k, t0 + r(300), 3 + r(12),
				    steps[1 + r(6)])
			# SMTP AUTH in both wordings.
			for (k = 1; k <= 1 + r(2); k++) {
				ip = "10." e ".2." k
				t = t0 + r(300)
				for (i = 0; i < 2 + r(7); i++) {
					t += r(5)
					u = users[1 + r(3)]
					o = r(10)
					if (o < 5 || o == 9)
						out(t, 1, smtp(ip, u))
					if (o != 9)
						out(t, 1, inet(ip, u))
					if (o >= 5 && o < 9)
						out(t, 1, smtp(ip, u))
				}
			}
			# A slow guesser.
			t = t0 + r(300)
			for (i = 0; i < 4 + r(6); i++) {
				out(t, 1, "http: s" i " [10." e ".3.1] authentication " \
				    "failure using internet password")
				t += 40 + r(160)
			}
			# A netblock rotation: a few failures from each of 3-6 hosts.
			for (k = 1; k <= 3 + r(4); k++)
				for (i = 0; i < 2 + r(3); i++)
					out(t0 + r(300), 1, smtp("10." e ".4." k, "n" k "x" i))
			# Harvest sessions, an innocent one beside them now and then.
			for (k = 1; k <= 1 + r(2); k++) {
				t = t0 + r(300)
				if (r(2)) {
					out(t, 1, "SMTP Server: 10." e ".6." k " connected")
					out(t + 4 + r(6), 1, "SMTP Server: 10." e ".6." k \
					    " disconnected. 1 message[s] received")
				}
				out(t, 1, "SMTP Server: 10." e ".5." k " connected")
				for (i = 0; i < 3 + r(7); i++) {
					t += r(3)
					out(t, 1, "SMTP Server: Recipient <h" k "x" i \
					    "@example.com> not found in Domino Directory")
				}
				out(t + 1, 1, "SMTP Server: 10." e ".5." k \
				    " disconnected. 0 message[s] received")
			}
			for (i = 0; i < 5 + r(15); i++)
				out(t0 + r(600), 0, "Router: Transferred " i \
				    " messages to mail.example.com via SMTP")
			t0 = last + 1200 + r(1200)
		}
	}'
}
gen | sort -t "$(printf '\t')" -k1,1n -k2,2n >"$T/gen.tsv"
# Now and then an event line without a time: never an episode's first
# event, whose time the clock needs after a restart.
awk -F '\t' -v seed="$SEED" 'BEGIN { srand(seed + 1) }
	{ untimed = $4 == 1 && seen[$3] && rand() < 0.03; if ($4 == 1) seen[$3] = 1
	  print (untimed ? "-" : $1) "\t" $3 "\t" $5 }' "$T/gen.tsv" >"$T/lines.tsv"
cut -f1 "$T/lines.tsv" | sed 's/^-$/0/; s/^/@/' |
	date -f - '+%d.%m.%Y %H:%M:%S' >"$T/dates"
paste "$T/dates" "$T/lines.tsv" | awk -F '\t' '
	{ if ($2 == "-") print $4
	  else print "[004711:000010-00007F3A9C5FE700] " $1 "   " $4 }' >"$T/full.log"
# The byte offset of each episode's first line (a restart point).
paste "$T/lines.tsv" "$T/full.log" | awk -F '\t' '
	{ if ($2 != ep) { print $2 "\t" off; ep = $2 }
	  off += length($4) + 1 }' >"$T/episodes"
SIZE=$(stat -c %s "$T/full.log")
[ "$(tail -n 1 "$T/episodes" | cut -f2)" -lt "$SIZE" ] || fail "episode offsets"
[ "$(tail -n 1 "$T/gen.tsv" | cut -f1)" -lt "$((NOW - 600))" ] ||
	fail "the log runs into the present"
echo "log: $(wc -l <"$T/full.log") lines, $SIZE bytes, $EPISODES episodes"

# ---- live ---------------------------------------------------------------
# One or two restarts, at the start of episodes 2..EPISODES.
R1=$(sed -n "$((2 + RANDOM % (EPISODES - 1)))p" "$T/episodes" | cut -f2)
R2=$(sed -n "$((2 + RANDOM % (EPISODES - 1)))p" "$T/episodes" | cut -f2)
[ $((RANDOM % 3)) = 0 ] && R2=$R1
RESTARTS=$(printf '%s\n%s\n' "$R1" "$R2" | sort -nu | tr '\n' ' ')
echo "restarts at bytes: $RESTARTS"

OFF=0
# append N: the next N bytes of the log (at most up to its end).
append() {
	local n=$1
	[ $((OFF + n)) -gt "$SIZE" ] && n=$((SIZE - OFF))
	[ "$n" -gt 0 ] || return 0
	tail -c +$((OFF + 1)) "$T/full.log" | head -c "$n" >>"$LOG"
	OFF=$((OFF + n))
}
chunk() {
	if [ $((RANDOM % 4)) = 0 ]; then
		echo $((1 + RANDOM % 120))
	else
		echo $((1 + RANDOM % 6000))
	fi
}
pace() {
	case $((RANDOM % 6)) in
	0 | 1 | 2) ;;
	3) sleep 0.01 ;;
	4) sleep 0.05 ;;
	5) sleep 0.2 ;;
	esac
}
read_to() {
	[ "$($DB status --json | sed -n 's/.*"offset":\([0-9]*\).*/\1/p')" = "$1" ]
}

db_start "$DB_CONF" "$T/daemon.err"
stops=0
while [ "$OFF" -lt "$SIZE" ]; do
	n=$(chunk)
	stop=
	for r in $RESTARTS; do
		if [ "$r" -gt "$OFF" ] && [ "$r" -le $((OFF + n)) ]; then
			n=$((r - OFF))
			stop=1
			break
		fi
	done
	append "$n"
	pace
	[ -n "$stop" ] || continue
	wait_until 20 read_to "$OFF" || fail "the daemon did not read to byte $OFF"
	db_stop
	[ "$DB_RC" = 0 ] || fail "the daemon exited $DB_RC at a stop"
	stops=$((stops + 1))
	for i in $(seq 1 $((1 + RANDOM % 3))); do
		append "$(chunk)"
	done
	db_start "$DB_CONF" "$T/daemon.err"
done
wait_until 20 read_to "$SIZE" || fail "the daemon did not read the whole log"
db_stop
[ "$DB_RC" = 0 ] || fail "the daemon exited $DB_RC"
cmp -s "$LOG" "$T/full.log" || fail "the followed log is not the generated one"
[ "$stops" -ge 1 ] || fail "the daemon was never restarted"
echo "ok: the log read across $stops restart(s)"

# ---- compare ------------------------------------------------------------
sed -n 's/.* ban addr=\([^ ]*\) seconds=\([0-9]*\) .*reason="\([^"]*\)".*/\1\t\2\t\3/p' \
	"$T/daemon.err" >"$T/live"
$DOMINOBAN --config "$DB_CONF" replay "$T/full.log" >"$T/replay.out" \
	2>"$T/replay.err" || fail "replay exited $?: $(cat "$T/replay.err")"
cut -f2- "$T/replay.out" >"$T/replay"
cat "$T/replay.err"
if ! bans_agree "$T/live" "$T/replay"; then
	diff "$T/live" "$T/replay" >"$T/diff"
	cat "$T/diff"
	KEEP_TMP=1
	fail "seed $SEED: live and replay bans differ (< live, > replay; kept in $T)"
fi
echo "ok: live and replay: the same $(wc -l <"$T/live") bans"
# The case exercised what it claims to.
[ "$(wc -l <"$T/replay")" -ge 20 ] || fail "only $(wc -l <"$T/replay") bans"
awk -F '\t' '$2 > 60 { found = 1 } END { exit !found }' "$T/replay" ||
	fail "no escalated ban"
grep -q '; [1-9][0-9]* duplicates ignored' "$T/replay.err" ||
	fail "no second wording ignored"
grep -q '[1-9][0-9]* attributed to SMTP sessions' "$T/replay.err" ||
	fail "no rejection attributed to a session"
grep -q '([1-9][0-9]* without a timestamp, 0 dated over' "$T/replay.err" ||
	fail "no line without a time, or a jump"
echo "PASS: logtime-prop (seed $SEED)"
