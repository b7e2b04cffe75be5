#!/bin/bash
# The harvest drill, short form (tests/drill/README): the real daemon, the
# Domino-like responder and the harvester in a private network namespace,
# once with the address in the unknown-recipient line (drop) and once
# without it (reject). Asserts that the harvest is cut mid-session, that
# the hosts and then their /24 are banned, and that an allowlisted relay
# and a legitimate sender with two typos are served in full and stay
# unlisted. Probes are counted; nothing is timed.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
: "${TOP_BUILDDIR:?TOP_BUILDDIR must point at the build tree}"
make_tmpdir
DRILL=$TOP_SRCDIR/tests/drill/drill.sh
HOSTS=6

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }

# run NAME ARGS...: one drill into $T/NAME; sets R (its drill line).
run() {
	local name=$1 rc
	shift
	"$DRILL" --hosts $HOSTS --rcpts 50 --pause-ms 100 --out "$T/$name" \
	    "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
	[ $rc -eq 77 ] && skip "$(cat "$T/$name.err")"
	[ $rc -eq 0 ] || { cat "$T/$name.err" >&2; fail "drill $name exited $rc"; }
	cat "$T/$name.out"
	R=$(grep '^drill ' "$T/$name.out") || fail "$name: no drill line"
}

# check_common NAME: the assertions both hypotheses share.
check_common() {
	local name=$1 d=$T/$1 n c a net ev lines
	# The first host is cut mid-burst, well before 50.
	a=$(grep '^session n=1 ' "$d/harvest.out" | kv answered)
	c=$(grep '^session n=1 ' "$d/harvest.out" | kv connect)
	expect_eq "$name: first host connects" "$c" ok
	[ -n "$a" ] && [ "$a" -le 25 ] ||
	    fail "$name: the first host got $a of 50 probes answered"
	echo "ok: $name: first burst cut after $a answered probes"
	# Every host that connected is banned (alone or by its /24), the
	# first two on their own.
	n=$(kv connected <<<"$R")
	expect_eq "$name: connected hosts banned" "$(kv banned <<<"$R")" "$n/$n"
	for a in 203.0.113.10 203.0.113.11; do
		grep -q "\"address\":\"$a\"" "$d/list.json" ||
		    fail "$name: $a not in dominoban list --json"
	done
	echo "ok: $name: hosts banned"
	# The /24: banned, not before net_min_hosts (3) hosts, and the hosts
	# after the ban are refused at connect.
	expect_eq "$name: /24 banned" "$(kv net_banned <<<"$R")" yes
	grep -q '"address":"203.0.113.0/24"' "$d/list.json" ||
	    fail "$name: 203.0.113.0/24 not in dominoban list --json"
	net=$(kv net_ban_after_hosts <<<"$R")
	[ "$net" != - ] && [ "$net" -ge 3 ] && [ "$net" -lt $HOSTS ] ||
	    fail "$name: /24 ban after '$net' hosts (want 3..$((HOSTS - 1)))"
	c=$(kv refused_later <<<"$R")
	expect_eq "$name: later hosts refused at connect" "${c%/*}" "${c#*/}"
	echo "ok: $name: /24 banned after $net hosts"
	# The allowlisted relay and the legitimate sender: untouched.
	expect_eq "$name: relay" "$(kv relay <<<"$R")" ok
	expect_eq "$name: legitimate sender" "$(kv legit <<<"$R")" ok
	! grep -q -e '"address":"198.51.100' -e '"address":"192.0.2' \
	    "$d/list.json" || fail "$name: an innocent address is listed"
	# The responder's log is in the shapes the shipped patterns read:
	# every line is an event, every rejection the hypothesis' pattern.
	"$DOMINOBAN" test --events --patterns "$TOP_SRCDIR/patterns" \
	    "$d/notes.log" >"$d/events" || fail "$name: dominoban test failed"
	lines=$(wc -l <"$d/notes.log")
	ev=$(wc -l <"$d/events")
	expect_eq "$name: log lines matched" "$ev" "$lines"
}

# 1. The line carries the address; drop.
run ip --hypothesis ip --action drop
check_common ip
rej=$(grep -c 'Rejected recipient <[^>]*> from host \[203\.0\.113\.' "$T/ip/notes.log")
got=$(awk -F'\t' '$2 == "smtp-unknown-rcpt" && $3 ~ /^203\.0\.113\./' \
    "$T/ip/events" | wc -l)
expect_eq "ip: rejections matched with the harvester's address" "$got" "$rej"
sum=$(grep '^session' "$T/ip/harvest.out" | kv rejected |
    awk '{s += $1} END {print s + 0}')
[ "$rej" -ge "$sum" ] || fail "ip: $sum 550s seen but only $rej lines logged"
echo "ok: ip: every 550 the harvester saw was logged ($rej lines)"
# The second host is cut too: the line carries the address, so no
# session bookkeeping is involved.
a=$(grep '^session n=2 ' "$T/ip/harvest.out" | kv answered)
[ -n "$a" ] && [ "$a" -le 25 ] || fail "ip: second host got $a answered"

# 2. No address in the line; reject. The first host is alone on the
# server, so its rejections are attributed at once; later ones may wait
# for their session's close when an earlier, cut session is still open.
run noip --hypothesis noip --action reject
check_common noip
got=$(awk -F'\t' '$2 == "smtp-unknown-rcpt-noip"' "$T/noip/events" | wc -l)
rej=$(grep -c 'SMTP Server: Recipient <[^>]*> not found in Domino Directory' \
    "$T/noip/notes.log")
expect_eq "noip: rejections matched" "$got" "$rej"
grep -q ' connect=refused ' "$T/noip/harvest.out" ||
    fail "noip: reject should refuse banned hosts at connect"
echo "PASS: drill"
