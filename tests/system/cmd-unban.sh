#!/bin/bash
# unban: of a netblock; of an address covered by a wider ban (refused,
# naming the ban and the way out, nothing lifted); of a prefix that is not
# banned but holds bans (named, --inside offered, nothing lifted);
# --inside PREFIX; --all (asks nothing, says how many), each checked
# against the kernel sets; usage errors (64).
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_unban
FAIL_LOGS="$T/daemon.err"
db_config <<CONF
[nft]
ports = 25
[ban]
ban_time = 1h
CONF
db_start "$DB_CONF" "$T/daemon.err"
for t in 198.51.100.0/24 198.51.100.5 10.1.2.3 10.1.2.4 10.9.9.9 2001:db8:bad::7; do
	expect_eq "ban $t" "$(rc_of $DB ban $t --for 1h)" 0
done
expect_eq "ban 2001:db8:dead::/48" "$(rc_of $DB ban 2001:db8:dead::/48 --for 1h --force)" 0
count() { $DB list --json 2>/dev/null | grep -o '"address"' | wc -l; }
expect_eq "bans held" "$(count)" 7

# ---- covered by a wider ban: refused, named, nothing lifted ------------------
expect_eq "unban 198.51.100.9 (covered)" "$(rc_of $DB unban 198.51.100.9)" 65
grep -q "198.51.100.0/24: origin manual" "$T/out" || fail "covering ban not named: $(cat "$T/out")"
grep -q "unban --covering 198.51.100.9" "$T/err" || fail "no way out: $(cat "$T/err")"
in_set $TABLE net4 198.51.100.0/24 || fail "the /24 left the kernel"
echo "ok: a covered address names its ban"

# ---- a prefix holding bans: refused, named, --inside offered -------------------
expect_eq "unban 10.1.0.0/16 (bans inside)" "$(rc_of $DB unban 10.1.0.0/16)" 65
grep -q "10.1.2.3: origin manual" "$T/out" && grep -q "10.1.2.4: origin manual" "$T/out" ||
	fail "bans inside not named: $(cat "$T/out")"
grep -q "2 bans are inside it" "$T/err" && grep -q "unban --inside 10.1.0.0/16" "$T/err" ||
	fail "no way out: $(cat "$T/err")"
expect_eq "bans held" "$(count)" 7
expect_eq "unban --inside 10.1.0.0/16" "$(rc_of $DB unban --inside 10.1.0.0/16)" 0
grep -q "unbanned 2 bans inside 10.1.0.0/16" "$T/err" || fail "$(cat "$T/err")"
in_set $TABLE host4 10.1.2.3 && fail "10.1.2.3 still in host4"
in_set $TABLE host4 10.1.2.4 && fail "10.1.2.4 still in host4"
in_set $TABLE host4 10.9.9.9 || fail "10.9.9.9 (outside) was lifted"
expect_eq "unban --inside 10.1.0.0/16 again" "$(rc_of $DB unban --inside 10.1.0.0/16)" 65
echo "ok: --inside"

# ---- a netblock ------------------------------------------------------------------
expect_eq "unban 198.51.100.0/24" "$(rc_of $DB unban 198.51.100.0/24)" 0
in_set $TABLE net4 198.51.100.0/24 && fail "the /24 is still in net4"
in_set $TABLE host4 198.51.100.5 || fail "the host inside the /24 was lifted with it"
echo "ok: a netblock"

# ---- everything -------------------------------------------------------------------
expect_eq "unban --all" "$(rc_of $DB unban --all)" 0
grep -q "^unbanned 4 bans$" "$T/err" || fail "not counted: $(cat "$T/err")"
expect_eq "bans held after --all" "$(count)" 0
for s in host4 host6 net4 net6; do
	[ -z "$(set_elements $TABLE $s)" ] || fail "$s not empty: $(set_elements $TABLE $s)"
done
expect_eq "unban --all (nothing)" "$(rc_of $DB unban --all)" 0
grep -q "^unbanned 0 bans$" "$T/err" || fail "$(cat "$T/err")"
echo "ok: --all"

# ---- usage ----------------------------------------------------------------------------
for args in "" "--all 192.0.2.1" "--inside" "--covering --all 192.0.2.1" \
    "--inside --covering 192.0.2.1" "192.0.2.0/33" "10.1.2.3/16"; do
	# shellcheck disable=SC2086
	expect_eq "unban $args" "$(rc_of $DB unban $args)" 64
done
$DB unban --help | grep -q -- "--all" || fail "--help lacks --all"
echo "ok: usage"
