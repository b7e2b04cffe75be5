#!/bin/bash
# A log of 100,000 hostile lines (fuzz/gen-hostile-log: over-long lines, NUL
# bytes, invalid UTF-8, CRLF, injection attempts in user names, address-like
# strings that are no address, catastrophic-backtracking shapes, mixed with
# a known set of real attackers) fed to the real daemon in a private network
# namespace. The oracle is the generator's manifest, written from what it
# generated: the daemon stays up and answers, bans exactly the attackers
# that crossed the threshold (never an innocent address, never one under
# it), and counts every over-long line. `dominoban test --events` over the
# same file never yields an innocent address either, and no line reaches
# the PCRE2 limits (an attacker who could make a line hit them would go
# uncounted).
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbhostile

GEN=$TOP_BUILDDIR/fuzz/gen-hostile-log
[ -x "$GEN" ] || fail "$GEN not built"
THRESHOLD=5
"$GEN" -n 100000 -m "$T/manifest" >"$T/hostile.log" || fail "generator exited $?"
field() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$T/manifest"; }
TOTAL=$(field lines)
LONG=$(field long)
field innocent >"$T/innocent"
awk -F'\t' '$1 == "attacker" { print $2 }' "$T/manifest" | sort >"$T/attackers"
awk -F'\t' -v t=$THRESHOLD '$1 == "attacker" && $3 >= t { print $2 }' \
	"$T/manifest" | sort >"$T/strong"
awk -F'\t' -v t=$THRESHOLD '$1 == "attacker" && $4 < t { print $2 }' \
	"$T/manifest" | sort >"$T/weak"
expect_eq "lines generated" "$(wc -l <"$T/hostile.log")" "$TOTAL"
[ "$(wc -l <"$T/strong")" -ge 20 ] && [ "$(wc -l <"$T/weak")" -ge 20 ] &&
	[ "$LONG" -ge 100 ] ||
	fail "the generator made too few cases: $(wc -l <"$T/strong") strong, $(wc -l <"$T/weak") weak, $LONG long"

db_config <<CONF
[score]
host_threshold = $THRESHOLD
[allow]
# The attackers are documentation and shared ranges, none of them ours.
own_addresses = no
CONF
db_start "$DB_CONF" "$T/daemon.err"
cat "$T/hostile.log" >>"$LOG"

# Wait until every line is read: the daemon reports lines it matched and
# over-long lines it dropped, and together they are all the lines.
json_num() { grep -o "\"$1\":[0-9]*" | head -n 1 | cut -d: -f2; }
read_counts() {
	$DB status --json >"$T/status.json" 2>/dev/null || return 0
	echo "$(json_num lines <"$T/status.json") $(json_num long_lines <"$T/status.json")"
}
all_read() {
	set -- $(read_counts)
	[ $# = 2 ] && [ $(($1 + $2)) -ge "$TOTAL" ]
}
wait_until 60 all_read || fail "not all lines read: $(read_counts) of $TOTAL"
set -- $(read_counts)
expect_eq "over-long lines counted" "$2" "$LONG"
expect_eq "lines matched" "$1" $((TOTAL - LONG))
kill -0 "$DB_PID" 2>/dev/null || fail "the daemon died: $(tail -n 5 "$T/daemon.err")"
$DB status >/dev/null || fail "status after the hostile log exited $?"
echo "ok: alive and answering after $TOTAL hostile lines"

# Bans settle within one loop iteration of the last line: wait for the
# strong set (the test never asserts how fast).
bans() {
	$DB list --json 2>/dev/null | grep -o '"address":"[^"]*"' |
		cut -d'"' -f4 | sort
}
all_strong_banned() {
	bans >"$T/bans"
	[ -z "$(comm -23 "$T/strong" "$T/bans")" ]
}
wait_until 10 all_strong_banned ||
	fail "attackers over the threshold not banned: $(comm -23 "$T/strong" "$T/bans" | tr '\n' ' ')"
echo "ok: all $(wc -l <"$T/strong") attackers over the threshold banned"
bad=$(comm -23 "$T/bans" "$T/attackers")
[ -z "$bad" ] || fail "banned addresses that attacked nobody: $bad"
bad=$(comm -12 "$T/bans" "$T/weak")
[ -z "$bad" ] || fail "banned attackers under the threshold: $bad"
bad=$(sort "$T/innocent" | comm -12 "$T/bans" -)
[ -z "$bad" ] || fail "banned innocent addresses: $bad"
expect_eq "bans are exactly the strong attackers" "$(cat "$T/bans")" "$(cat "$T/strong")"
nft list table inet "$TABLE" >"$T/ruleset" || fail "nft list table failed"
while read -r a; do
	grep -qwF "$a" "$T/ruleset" && fail "innocent $a in the kernel table"
done <"$T/innocent"
while read -r a; do
	grep -qwF "$a" "$T/ruleset" || fail "banned $a not in the kernel table"
done <"$T/strong"
echo "ok: the kernel table holds the strong attackers and no innocent address"

# The offline tool over the same file.
$DOMINOBAN test --events --patterns "$TOP_SRCDIR/patterns" "$T/hostile.log" \
	>"$T/events" || fail "test --events exited $?"
[ -s "$T/events" ] || fail "test --events found nothing"
cut -f3 "$T/events" | grep -vx -- - | sort -u >"$T/event-addrs"
bad=$(comm -23 "$T/event-addrs" "$T/attackers")
[ -z "$bad" ] || fail "test --events yields addresses that attacked nobody: $bad"
expect_eq "events from the innocent addresses" \
	"$(sort "$T/innocent" | comm -12 "$T/event-addrs" - | wc -l)" 0
$DOMINOBAN test --patterns "$TOP_SRCDIR/patterns" "$T/hostile.log" >"$T/summary" ||
	fail "test exited $?"
grep -q "limit hits: 0$" "$T/summary" ||
	fail "lines hit the PCRE2 limits: $(grep 'limit hits' "$T/summary")"
grep -q "^over-long lines skipped: *$LONG$" "$T/summary" ||
	fail "test skipped $(grep 'over-long' "$T/summary"), want $LONG"
echo "ok: test --events: $(wc -l <"$T/events") events, none innocent, no limit hit"

db_stop TERM
expect_eq "exit status after SIGTERM" "$DB_RC" 0
echo "PASS: hostile"
