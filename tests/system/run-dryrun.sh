#!/bin/bash
# dry_run = yes: the daemon decides as usual and `list` shows what it would
# have banned, but it touches no firewall: its table does not even exist,
# and the attacker still connects.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_dry
ip addr add 198.51.100.9/32 dev lo || skip "cannot add addresses in the namespace"

db_config <<CONF
[daemon]
dry_run = yes
[nft]
ports = 25
[allow]
own_addresses = no
CONF
listed() {
	$DB list 2>/dev/null | grep -q "^$1 "
}
db_start "$DB_CONF" "$T/daemon.err"
db_listen 0.0.0.0 25

for u in a b c d e f; do
	echo "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.9"
done | db_lines >>"$LOG"
wait_until 10 listed 198.51.100.9 || fail "the would-be ban is not listed: $($DB list 2>&1)"
echo "ok: list shows the would-be ban"
grep -q 'info: ban addr=198\.51\.100\.9 .* dry_run=yes' "$T/daemon.err" ||
	fail "no dry-run ban record: $(cat "$T/daemon.err")"
$DB list 2>&1 >/dev/null | grep -q 'dry run' || fail "list does not say dry run"
$DB status | grep -q 'DRY RUN' || fail "status does not say dry run"
$DB status | grep -q "^nftables table: *none (dry run: inet $TABLE is not created" ||
	fail "status does not say that no table exists: $($DB status | head -3)"
$DB status --json | grep -q '"dry_run":true' || fail "status --json: no dry_run"
expect_eq "manual ban in dry run" "$($DB ban 198.51.100.40 >/dev/null 2>&1; echo $?)" 0
wait_until 5 listed 198.51.100.40 || fail "the manual dry-run ban is not listed"

nft list table inet $TABLE >/dev/null 2>&1 &&
	fail "dry run created table inet $TABLE: $(nft list table inet $TABLE)"
[ -z "$(nft list ruleset)" ] || fail "dry run touched the ruleset: $(nft list ruleset)"
echo "ok: no nftables table"
expect_eq "connect from the would-be banned 198.51.100.9" \
	"$("$PROBE" connect 198.51.100.9 127.0.0.1 25 2000)" CONNECTED
expect_eq "unban in dry run" "$($DB unban 198.51.100.40 >/dev/null 2>&1; echo $?)" 0
listed 198.51.100.40 && fail "unbanned address still listed"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
[ -z "$(nft list ruleset)" ] || fail "dry run touched the ruleset at exit"
echo "PASS: run-dryrun"
