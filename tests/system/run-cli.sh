#!/bin/bash
# The control-socket CLI end to end against a running daemon: list (table
# and --json), ban ADDR, ban ADDR/LEN --for, unban, status (and --json),
# with sysexits exit codes (0 ok, 64 usage, 65 unban of an address that is
# not banned, 69 no daemon, 77 refused by the allowlist), each checked
# against the kernel sets. Also `run -n`: 0 on a good configuration, 78
# with file:line on a bad one.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_cli
db_config <<CONF
[nft]
ports = 25
[ban]
ban_time = 1h
ban_factor = 4
[allow]
cidrs = 192.0.2.0/24 2001:db8:a11::/48
CONF
# json_ok FILE: syntax check with jq or python3, when either is there.
json_ok() {
	if command -v jq >/dev/null; then
		jq -e . "$1" >/dev/null || fail "invalid JSON: $(cat "$1")"
	elif command -v python3 >/dev/null; then
		python3 -m json.tool "$1" >/dev/null || fail "invalid JSON: $(cat "$1")"
	else
		echo "note: neither jq nor python3: JSON syntax of $1 not checked"
	fi
}

# ---- configuration check -------------------------------------------------
expect_eq "run -n on a good configuration" "$(rc_of $DB run -n)" 0
grep -q '^configuration OK' "$T/out" || fail "run -n said: $(cat "$T/out" "$T/err")"
printf '[daemon]\nlogs = %s\ncolour = blue\n' "$LOG" >"$T/badkey.conf"
expect_eq "run -n on an unknown key" \
	"$(rc_of "$DOMINOBAN" --config "$T/badkey.conf" run -n)" 78
grep -q "badkey.conf:3: .*colour" "$T/err" || fail "no file:line: $(cat "$T/err")"
printf '[daemon]\nlogs = %s\nlog = x\n[scor]\n' "$LOG" >"$T/badkey.conf"
expect_eq "run -n on a misspelt key and section" \
	"$(rc_of "$DOMINOBAN" --config "$T/badkey.conf" run -n)" 78
grep -qF "badkey.conf:3: unknown key 'log' in [daemon] (did you mean logs?)" "$T/err" ||
	fail "no suggestion for 'log': $(cat "$T/err")"
grep -qF "badkey.conf:4: unknown section [scor] (did you mean [score]?)" "$T/err" ||
	fail "no suggestion for [scor]: $(cat "$T/err")"
printf '[nft]\n\naction = explode\n' >"$T/badval.conf"
expect_eq "run -n on a bad value" \
	"$(rc_of "$DOMINOBAN" --config "$T/badval.conf" run -n)" 78
grep -qF "badval.conf:3: action: 'explode': expected drop or reject" "$T/err" ||
	fail "no file:line, value and forms: $(cat "$T/err")"
expect_eq "run -n on a missing configuration" \
	"$(rc_of "$DOMINOBAN" --config "$T/missing.conf" run -n)" 66
echo "ok: run -n"

# ---- no daemon --------------------------------------------------------------
for c in list status "ban 198.51.100.1" "unban 198.51.100.1" reload; do
	expect_eq "$c without a daemon" "$(rc_of $DB $c)" 69
	grep -q 'not running' "$T/err" || fail "$c: unclear message: $(cat "$T/err")"
done

db_start "$DB_CONF" "$T/daemon.err"

# ---- list, empty -------------------------------------------------------------
expect_eq "list (no bans)" "$(rc_of $DB list)" 0
expect_eq "list --json (no bans)" "$(rc_of $DB list --json)" 0
expect_eq "list --json body (no bans)" "$(cat "$T/out")" "[]"

# ---- ban ----------------------------------------------------------------------
expect_eq "ban 198.51.100.20" "$(rc_of $DB ban 198.51.100.20)" 0
in_set $TABLE host4 198.51.100.20 || fail "198.51.100.20 not in host4"
expect_eq "ban 10.20.30.0/24 --for 10m" "$(rc_of $DB ban 10.20.30.0/24 --for 10m)" 0
in_set $TABLE net4 10.20.30.0/24 || fail "10.20.30.0/24 not in net4: $(set_elements $TABLE net4)"
expect_eq "ban 2001:db8:bad::7" "$(rc_of $DB ban 2001:db8:bad::7 --for 90)" 0
in_set $TABLE host6 2001:db8:bad::7 || fail "2001:db8:bad::7 not in host6"
expect_eq "ban 2001:db8:dead::/48 --for 1h" "$(rc_of $DB ban 2001:db8:dead::/48 --for 1h --force)" 0
in_set $TABLE net6 2001:db8:dead::/48 || fail "2001:db8:dead::/48 not in net6: $(set_elements $TABLE net6)"
# Banning again while banned sets the time but is no new offence: still
# one entry, not escalated.
expect_eq "ban 198.51.100.20 again" "$(rc_of $DB ban 198.51.100.20)" 0
in_set $TABLE host4 198.51.100.20 || fail "198.51.100.20 left host4 on a refresh"
echo "ok: manual bans are in the kernel"

# Usage errors: 64, nothing banned.
for args in "" "not-an-address" "10.20.30.1/24" "198.51.100.21 --for xyz" \
    "198.51.100.21 --for 0" "198.51.100.21 198.51.100.22" "--frob 198.51.100.21" \
    "198.51.100.21/33"; do
	# shellcheck disable=SC2086
	expect_eq "ban $args" "$(rc_of $DB ban $args)" 64
done
in_set $TABLE host4 198.51.100.21 && fail "a refused ban reached the kernel"
# Errors in the CLI's words: the value, what is wrong, the forms.
expect_eq "ban 10.20.30.1/24" "$(rc_of $DB ban 10.20.30.1/24)" 64
grep -qF "'10.20.30.1/24' has host bits set (did you mean 10.20.30.0/24?)" "$T/err" ||
	fail "ban 10.20.30.1/24 said: $(cat "$T/err")"
expect_eq "ban not-an-address" "$(rc_of $DB ban not-an-address)" 64
grep -qF "'not-an-address' is not an address or a CIDR block" "$T/err" ||
	fail "ban not-an-address said: $(cat "$T/err")"
grep -qi 'SECONDS\|usage: ban\b' "$T/err" && fail "socket words in: $(cat "$T/err")"
# Every option a usage line shows, --help describes.
for c in list status ban unban check metrics reload run test replay report; do
	$DOMINOBAN $c --help >"$T/help" 2>&1 || fail "$c --help exited $?"
	for o in $(head -n 2 "$T/help" | grep -o -- '--[a-z-]*' | sort -u); do
		[ "$o" = --config ] && continue # global: dominoban --help
		[ "$(grep -c -- "$o" "$T/help")" -ge 2 ] ||
			fail "$c --help shows $o but does not describe it: $(cat "$T/help")"
	done
done
# A bad --for names the units and the maximum.
expect_eq "ban --for 5x" "$(rc_of $DB ban 198.51.100.21 --for 5x)" 64
grep -q "units s, m, h, d, w.* to 3650d" "$T/err" || fail "ban --for 5x said: $(cat "$T/err")"
expect_eq "ban --for 4000d" "$(rc_of $DB ban 198.51.100.21 --for 4000d)" 64
grep -q "'4000d' is out of range: from 1s to 3650d" "$T/err" ||
	fail "ban --for 4000d said: $(cat "$T/err")"

# The allowlist applies to manual bans, also to a prefix that covers it
# and to loopback: 77 (refused), nothing in the kernel.
for a in 192.0.2.9 192.0.2.0/24 192.0.0.0/16 2001:db8:a11::1 127.0.0.1 ::1; do
	expect_eq "ban $a (allowlisted)" "$(rc_of $DB ban "$a")" 77
	grep -qi 'allowlist' "$T/err" || fail "ban $a: unclear message: $(cat "$T/err")"
done
for s in host4 net4 host6 net6; do
	set_elements $TABLE $s | grep -q '^192\.0\.\|^127\.\|^::1$\|^2001:db8:a11:' &&
		fail "an allowlisted address reached $s: $(set_elements $TABLE $s)"
done
echo "ok: manual bans of allowlisted addresses are refused"

# ---- list -----------------------------------------------------------------------
expect_eq "list" "$(rc_of $DB list)" 0
cp "$T/out" "$T/list"
head -n 1 "$T/list" | grep -q '^ADDRESS  *REMAINING  *BANS  *ORIGIN  *REASON$' ||
	fail "no header: $(cat "$T/list")"
expect_eq "list rows" "$(tail -n +2 "$T/list" | wc -l)" 4
grep -Eq '^198\.51\.100\.20 +(59m[0-9]+s|1h) +1 +manual +manual$' "$T/list" ||
	fail "198.51.100.20 row (banned twice while banned: 1h, 1 offence): $(cat "$T/list")"
grep -Eq '^10\.20\.30\.0/24 +(9m[0-9]+s|10m) +1 +manual +manual$' "$T/list" ||
	fail "10.20.30.0/24 row (10 min): $(cat "$T/list")"
grep -Eq '^2001:db8:dead::/48 +(59m[0-9]+s|1h) +1 +manual +manual$' "$T/list" ||
	fail "2001:db8:dead::/48 row: $(cat "$T/list")"
grep -q '4 active bans' "$T/err" || fail "list summary: $(cat "$T/err")"
expect_eq "list --json" "$(rc_of $DB list --json)" 0
cp "$T/out" "$T/list.json"
json_ok "$T/list.json"
rem=$(grep -o '{"address":"10.20.30.0/24","remaining":[0-9]*' "$T/list.json" |
	sed 's/.*://')
[ -n "$rem" ] && [ "$rem" -le 600 ] && [ "$rem" -gt 540 ] ||
	fail "remaining of the 10 min ban is '$rem': $(cat "$T/list.json")"
expect_eq "list --json entries" "$(grep -o '"address":' "$T/list.json" | wc -l)" 4
# What list prints, --for accepts: a time left shown as 1h30m or 59m58s.
expect_eq "ban --for 1h30m" "$(rc_of $DB ban 198.51.100.23 --for 1h30m)" 0
grep -q "banned 198.51.100.23 for 1h30m" "$T/err" || fail "ban --for 1h30m said: $(cat "$T/err")"
left=$($DB list | awk '$1 == "198.51.100.20" { print $2 }')
expect_eq "ban --for $left (as list printed it)" "$(rc_of $DB ban 198.51.100.24 --for "$left")" 0
expect_eq "unban 198.51.100.23" "$(rc_of $DB unban 198.51.100.23)" 0
expect_eq "unban 198.51.100.24" "$(rc_of $DB unban 198.51.100.24)" 0
echo "ok: list and list --json show the bans with their remaining time"

# ---- status -------------------------------------------------------------------------
expect_eq "status" "$(rc_of $DB status)" 0
for k in "nftables table: *inet $TABLE" "regex engine: *PCRE2" \
    "following: *$LOG (inode [0-9]*, offset 0)" "active bans: *4 " \
    "packets dropped: " "control socket: "; do
	grep -q "^$k" "$T/out" || fail "status lacks '$k': $(cat "$T/out")"
done
expect_eq "status --json" "$(rc_of $DB status --json)" 0
json_ok "$T/out"
grep -q '"active_bans":4,' "$T/out" || fail "status --json: $(cat "$T/out")"
grep -q "\"table\":\"$TABLE\"" "$T/out" || fail "status --json table: $(cat "$T/out")"
expect_eq "status --frob" "$(rc_of $DB status --frob)" 64
expect_eq "list extra" "$(rc_of $DB list extra)" 64
echo "ok: status and status --json"

# ---- unban -------------------------------------------------------------------------
expect_eq "unban 198.51.100.20" "$(rc_of $DB unban 198.51.100.20)" 0
in_set $TABLE host4 198.51.100.20 && fail "198.51.100.20 still in host4"
expect_eq "unban 10.20.30.0/24" "$(rc_of $DB unban 10.20.30.0/24)" 0
in_set $TABLE net4 10.20.30.0/24 && fail "10.20.30.0/24 still in net4"
expect_eq "unban 198.51.100.20 again" "$(rc_of $DB unban 198.51.100.20)" 65
grep -q 'not banned' "$T/err" || fail "unclear message: $(cat "$T/err")"
expect_eq "unban 198.51.100.99 (never banned)" "$(rc_of $DB unban 198.51.100.99)" 65
expect_eq "unban (no address)" "$(rc_of $DB unban)" 64
expect_eq "unban bad address" "$(rc_of $DB unban 300.1.1.1)" 64
expect_eq "list after unban" "$(rc_of $DB list)" 0
grep -q '198\.51\.100\.20\|10\.20\.30\.0' "$T/out" && fail "unbanned still listed: $(cat "$T/out")"
expect_eq "list rows after unban" "$(tail -n +2 "$T/out" | wc -l)" 2
echo "ok: unban"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
expect_eq "list after the daemon stopped" "$(rc_of $DB list)" 69
echo "PASS: run-cli"
