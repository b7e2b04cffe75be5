#!/bin/bash
# Switching without restarting or copying files:
# - a shipped pattern switched off by "enabled = no" in a later pattern
#   directory: its lines ban nothing, status names it and where; a typo in
#   the override is refused by reload with file:line, the running
#   patterns stay;
# - dry_run switched by reload: dry run to live creates the table with
#   the bans held; live to dry run deletes it and says so (the bans stay
#   listed); status says plainly that no table exists; the kernel checked
#   each time.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_switch
FAIL_LOGS="$T/daemon.err"
LOCAL=$T/local
mkdir "$LOCAL" && chmod 755 "$LOCAL"
printf '# switched off here, not in the shipped file\n[smtp-auth]\nenabled = no\n' \
	>"$LOCAL/local.pat"
conf() {
	DB_PATTERNS="$SHIPPED $LOCAL" db_config <<CONF
[daemon]
dry_run = $1
[nft]
ports = 25
[score]
host_threshold = 3
[allow]
own_addresses = no
CONF
}
table_exists() { nft list table inet $TABLE >/dev/null 2>&1; }
conf yes
db_start "$DB_CONF" "$T/daemon.err"

# ---- a shipped pattern off -------------------------------------------------
$DB status >"$T/out" || fail "status"
grep -q "^pattern off: *smtp-auth (enabled = no at $LOCAL/local.pat:2)" "$T/out" ||
	fail "status does not name the pattern off: $(cat "$T/out")"
$DB status --json | grep -q '"patterns_off":\[{"id":"smtp-auth"' || fail "status --json"
grep -q "^nftables table: *none (dry run: inet $TABLE is not created, nothing is dropped" "$T/out" ||
	fail "status does not say no table exists: $(cat "$T/out")"
$DB status --json | grep -q '"table_exists":false' || fail "status --json: table_exists"
# Five failures over host_threshold 3, in the switched-off pattern's
# wording: nothing is banned.
db_fail_auth 203.0.113.7 5
$DB list 2>/dev/null | grep -q "^203.0.113.7 " && fail "a switched-off pattern banned"
echo "ok: enabled = no switches a shipped pattern off"

printf '[smtp-uath]\nenabled = no\n' >"$LOCAL/local.pat"
expect_eq "reload with a typo in the override" "$(rc_of $DB reload)" 78
grep -q "local.pat:1: \[smtp-uath\] enabled = no: no pattern file defines" "$T/out" ||
	fail "typo not named: $(cat "$T/out" "$T/err")"
printf '[smtp-auth]\nenabled = no\n' >"$LOCAL/local.pat"
echo "ok: a typo is refused with file:line"

# ---- dry run -> live ------------------------------------------------------------
expect_eq "ban in dry run" "$(rc_of $DB ban 198.51.100.40 --for 1h)" 0
table_exists && fail "dry run created the table"
conf no
expect_eq "reload to live" "$(rc_of $DB reload)" 0
grep -q "dry run off: table inet $TABLE created with the 1 bans held" "$T/err" ||
	fail "reload does not say the table was made: $(cat "$T/err")"
table_exists || fail "no table after dry run ended"
in_set $TABLE host4 198.51.100.40 || fail "the ban held in dry run is not in the kernel"
$DB status | grep -q "^nftables table: *inet $TABLE$" || fail "status after going live"
expect_eq "ban live" "$(rc_of $DB ban 198.51.100.41 --for 1h)" 0
in_set $TABLE host4 198.51.100.41 || fail "a live ban is not in the kernel"
echo "ok: dry run to live creates the table with the bans"

# ---- live -> dry run ------------------------------------------------------------
conf yes
expect_eq "reload to dry run" "$(rc_of $DB reload)" 0
grep -q "dry run on: table inet $TABLE deleted, so nothing is dropped; its 2 bans stay in the list" "$T/err" ||
	fail "reload does not say the table was deleted: $(cat "$T/err")"
table_exists && fail "the table is still there in dry run: $(nft list table inet $TABLE)"
expect_eq "bans still listed" "$($DB list --json 2>/dev/null | grep -o '"address"' | wc -l)" 2
$DB status | grep -q "is not created, nothing is dropped" || fail "status in dry run"
grep -q "reload: dry run on: table inet $TABLE deleted" "$T/daemon.err" || fail "not logged"
# And back: everything returns.
conf no
expect_eq "reload to live again" "$(rc_of $DB reload)" 0
in_set $TABLE host4 198.51.100.40 && in_set $TABLE host4 198.51.100.41 ||
	fail "the bans did not come back: $(set_elements $TABLE host4)"
echo "ok: live to dry run deletes the table and says so"
kill -0 "$DB_PID" || fail "the daemon died"
