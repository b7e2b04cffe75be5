#!/bin/bash
# `dominoban check ADDR [--json]`: is ADDR dropped, and why, from the
# daemon and from the kernel: a host under its threshold (its score
# against it), a host banned by its score, a host inside a banned /24 (the
# covering netblock named, net4 holding it), an IPv6 host, an allowlisted
# address (the CIDR named), an own address, an element the kernel holds
# that the daemon does not (DISAGREE), usage errors (64), and --json
# checked with jq.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_check
command -v jq >/dev/null || skip "jq not installed (the --json checks need it)"
command -v ip >/dev/null || skip "ip(8) not installed (the own address is added with it)"
FAIL_LOGS="$T/daemon.err"
ip addr add 198.18.0.1/32 dev lo || fail "cannot add an own address"
db_config <<CONF
[nft]
ports = 25
[score]
host_threshold = 3
[ban]
ban_time = 1h
[allow]
cidrs = 192.0.2.0/24
own_addresses = yes
CONF

expect_eq "check without a daemon" "$(rc_of $DB check 203.0.113.7)" 69
db_start "$DB_CONF" "$T/daemon.err"

# ---- under the threshold: not dropped, its score shown ------------------
db_fail_auth 203.0.113.7 2
expect_eq "check 203.0.113.7 (2 failures)" "$(rc_of $DB check 203.0.113.7)" 0
grep -q "not dropped" "$T/err" || fail "status line: $(cat "$T/err")"
grep -q "^dropped by: *nothing" "$T/out" || fail "$(cat "$T/out")"
grep -Eq "^score host: *203.0.113.7 [12]\.[0-9]+ of 3" "$T/out" ||
	fail "no host score against the threshold: $(cat "$T/out")"
grep -Eq "^score /24: *203.0.113.0/24 [12]\.[0-9]+ of .*1 of [0-9]+ hosts" "$T/out" ||
	fail "no /24 score: $(cat "$T/out")"
grep -q "^kernel: *agrees: no element" "$T/out" || fail "$(cat "$T/out")"

# ---- banned by its score --------------------------------------------------
db_fail_auth 203.0.113.7 2
wait_until 10 in_set $TABLE host4 203.0.113.7 || fail "203.0.113.7 not banned"
expect_eq "check 203.0.113.7 (banned)" "$(rc_of $DB check 203.0.113.7)" 0
grep -q "203.0.113.7 is dropped" "$T/err" || fail "status line: $(cat "$T/err")"
grep -Eq "^dropped by: *203.0.113.7 \(host\), origin local, .* left, banned 1 time, reason smtp-auth" "$T/out" ||
	fail "no ban: $(cat "$T/out")"
grep -q "^kernel: *agrees: host4 holds it" "$T/out" || fail "$(cat "$T/out")"
expect_eq "check --json" "$(rc_of $DB check 203.0.113.7 --json)" 0
jq -e '.address == "203.0.113.7" and .dropped == true and
	.by.target == "203.0.113.7" and .by.kind == "host" and
	.by.origin == "local" and .by.remaining > 3000 and
	.kernel.checked and .kernel.agree and .kernel.host.remaining_ms > 3000000 and
	.kernel.net == null and .allowlisted == false and .own_address == false and
	.scores[0].tier == "host" and .scores[0].threshold == 3 and
	.scores[1].target == "203.0.113.0/24" and .scores[1].tier == "net"' \
	"$T/out" >/dev/null || fail "check --json: $(cat "$T/out")"
echo "ok: a banned host, text and JSON"

# ---- a host inside a banned netblock ----------------------------------------
expect_eq "ban 198.51.100.0/24" "$(rc_of $DB ban 198.51.100.0/24 --for 2h)" 0
expect_eq "check 198.51.100.9" "$(rc_of $DB check 198.51.100.9)" 0
grep -Eq "^dropped by: *198.51.100.0/24 \(netblock\), origin manual, (1h59m|2h) left" "$T/out" ||
	fail "no covering netblock: $(cat "$T/out")"
grep -q "^kernel: *agrees: net4 holds 198.51.100.0/24" "$T/out" || fail "$(cat "$T/out")"
$DB check 198.51.100.9 --json >"$T/out" || fail "check --json"
jq -e '.dropped and .by.target == "198.51.100.0/24" and .by.kind == "netblock" and
	.kernel.agree and .kernel.net.target == "198.51.100.0/24" and
	.kernel.host == null' "$T/out" >/dev/null || fail "$(cat "$T/out")"
echo "ok: a host inside a banned /24"

# ---- IPv6 --------------------------------------------------------------------
expect_eq "ban 2001:db8:bad::7" "$(rc_of $DB ban 2001:db8:bad::7 --for 1h)" 0
$DB check 2001:db8:bad::7 --json >"$T/out" || fail "check v6"
jq -e '.dropped and .by.target == "2001:db8:bad::7" and .kernel.agree and
	.kernel.host != null and .scores[1].target == "2001:db8:bad::/64"' "$T/out" \
	>/dev/null || fail "$(cat "$T/out")"
echo "ok: IPv6"

# ---- allowlisted, own address ---------------------------------------------------
expect_eq "check 192.0.2.5" "$(rc_of $DB check 192.0.2.5)" 0
grep -q "^allowlisted: *yes, \[allow\] cidrs 192.0.2.0/24" "$T/out" ||
	fail "allowlist not named: $(cat "$T/out")"
$DB check 192.0.2.5 --json | jq -e '.allowlisted and .dropped == false and
	.allowlist_entry == "[allow] cidrs 192.0.2.0/24"' >/dev/null ||
	fail "allowlisted JSON"
expect_eq "check 198.18.0.1" "$(rc_of $DB check 198.18.0.1)" 0
grep -q "^own address: *yes" "$T/out" || fail "own address: $(cat "$T/out")"
grep -q "^allowlisted: *yes, own address" "$T/out" || fail "own address: $(cat "$T/out")"
$DB check 127.0.0.2 --json | jq -e '.allowlisted and .allowlist_entry == "loopback"' \
	>/dev/null || fail "loopback"
echo "ok: allowlisted and own addresses"

# ---- the kernel holds what the daemon does not: DISAGREE ---------------------
nft add element inet $TABLE host4 "{ 203.0.113.99 timeout 1h }" || fail "nft add element"
expect_eq "check 203.0.113.99" "$(rc_of $DB check 203.0.113.99)" 0
grep -q "DISAGREE" "$T/err" || fail "status line: $(cat "$T/err")"
grep -q "^kernel: *DISAGREE: host4 holds it" "$T/out" || fail "$(cat "$T/out")"
$DB check 203.0.113.99 --json | jq -e '.dropped == false and .kernel.agree == false
	and .kernel.host != null' >/dev/null || fail "DISAGREE JSON"
echo "ok: DISAGREE"

# ---- usage ---------------------------------------------------------------------
for args in "" "not-an-address" "10.0.0.0/8" "203.0.113.7 203.0.113.8" "--frob 203.0.113.7"; do
	# shellcheck disable=SC2086
	expect_eq "check $args" "$(rc_of $DB check $args)" 64
done
$DB check nonsense 2>&1 | grep -q "not an address" || fail "no clear usage message"
$DB check --help | grep -q -- "--json" || fail "--help does not describe --json"
echo "ok: usage"
