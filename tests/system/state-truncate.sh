#!/bin/bash
# A state file cut short never stops the daemon. A real daemon in a private
# network namespace saves its state (manual bans in both families, a ban
# decided from log lines, the offence history and the tail position) at
# SIGTERM; then, for a spread of byte offsets (every offset next to a line
# break and every third one elsewhere, the empty file included), a copy cut
# there is put in place and `dominoban run` started on it. Each time the
# daemon must come up and answer `status`, say on stderr that the state was
# refused and where it was kept, keep the cut file aside byte for byte as
# state.corrupt-*, and stop cleanly on SIGTERM (never a crash by signal,
# never a refusal to start). The whole file, as a control, is loaded and
# its bans are back.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbstatecut
db_config <<CONF
[allow]
own_addresses = no
CONF
S=$T/state
db_start "$DB_CONF" "$T/first.err"
for target in 198.51.100.7 203.0.113.0/24 2001:db8:1::/64; do
	$DB ban "$target" >/dev/null || fail "ban $target exited $?"
done
$DB ban 2001:db8:bad::5 --for 10m >/dev/null || fail "ban --for exited $?"
for u in admin root info sales test; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 192.0.2.9"
done | db_lines >>"$LOG"
wait_until 10 in_set "$TABLE" host4 192.0.2.9 ||
	fail "192.0.2.9 not banned from the log: $(cat "$T/first.err")"
db_stop TERM
expect_eq "first daemon exit status" "$DB_RC" 0
[ -s "$S/state" ] || fail "no state file saved in $S"
cp "$S/state" "$T/good"
size=$(wc -c <"$T/good")
for word in "ban 198.51.100.7 " "ban 2001:db8:bad::5 " "ban 192.0.2.9 " \
    "offence 203.0.113.0/24 " "tail "; do
	grep -q "^$word" "$T/good" || fail "saved state lacks '$word': $(cat "$T/good")"
done
echo "ok: a real state of $size bytes saved"

# The control: the whole file loads and its bans come back.
db_start "$DB_CONF" "$T/whole.err"
grep -q "state loaded" "$T/whole.err" || fail "whole state not loaded: $(cat "$T/whole.err")"
$DB list >"$T/list" || fail "list exited $?"
grep -q "^198.51.100.7 " "$T/list" || fail "ban not restored: $(cat "$T/list")"
ls "$S"/state.corrupt-* >/dev/null 2>&1 && fail "the whole file was put aside"
db_stop TERM
expect_eq "exit status after the whole state" "$DB_RC" 0

# Offsets: every one next to a line break, every third one elsewhere.
offsets() {
	awk -v size="$size" 'BEGIN { RS = "\n"; off = 0 }
		{ off += length($0) + 1; for (d = -1; d <= 1; d++) mark[off + d] = 1 }
		END { for (o = 0; o < size; o++)
			if (o % 3 == 0 || mark[o]) print o }' "$T/good"
}
n=0
for o in $(offsets); do
	rm -f "$S"/state.corrupt-*
	head -c "$o" "$T/good" >"$T/cut"
	cp "$T/cut" "$S/state"
	: >"$T/run.err"
	db_start "$DB_CONF" "$T/run.err"
	grep -q "state refused, starting clean: .*kept as $S/state.corrupt-" \
		"$T/run.err" || fail "offset $o: no clear report: $(cat "$T/run.err")"
	set -- "$S"/state.corrupt-*
	[ $# = 1 ] && [ -f "$1" ] || fail "offset $o: corrupt file not kept aside: $(ls "$S")"
	cmp -s "$1" "$T/cut" || fail "offset $o: the kept file differs from the cut one"
	$DB status >/dev/null || fail "offset $o: status exited $?"
	kill -0 "$DB_PID" 2>/dev/null || fail "offset $o: the daemon died"
	db_stop TERM
	[ "$DB_RC" = 0 ] || fail "offset $o: exit status $DB_RC after SIGTERM: $(cat "$T/run.err")"
	n=$((n + 1))
done
[ "$n" -ge $((size / 3)) ] || fail "only $n offsets tried"
echo "ok: $n cut copies of $size bytes: each reported, kept aside, daemon up and stopped cleanly"
echo "PASS: state-truncate"
