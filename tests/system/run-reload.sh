#!/bin/bash
# Reload picks up a changed configuration: a lower host_threshold applies to
# the next attacker, both after `dominoban reload` and after SIGHUP.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_reload
conf() {
	printf '[score]\nhost_threshold = %s\n' "$1" | db_config
}
banned() {
	$DB list 2>/dev/null | grep -q "^$1 " && in_set $TABLE host4 "$1"
}

conf 5
db_start "$DB_CONF" "$T/daemon.err"
db_fail_auth 198.51.100.50 3
banned 198.51.100.50 && fail "banned after 3 failures with host_threshold = 5"
echo "ok: 3 failures do not reach host_threshold = 5"

conf 3
expect_eq "reload" "$($DB reload >"$T/out" 2>&1; echo $?)" 0
grep -q 'reloaded' "$T/out" || fail "reload said: $(cat "$T/out")"
db_fail_auth 198.51.100.51 3
banned 198.51.100.51 ||
	fail "not banned after 3 failures with host_threshold = 3 (dominoban reload)"
echo "ok: dominoban reload applied host_threshold = 3"

conf 2
reloads() {
	grep -c 'info: reload ' "$T/daemon.err"
}
more_reloads() {
	[ "$(reloads)" -gt "$RELOADS_BEFORE" ]
}
RELOADS_BEFORE=$(reloads)
kill -HUP "$DB_PID"
wait_until 10 more_reloads ||
	fail "no reload record after SIGHUP: $(cat "$T/daemon.err")"
db_fail_auth 198.51.100.52 2
banned 198.51.100.52 ||
	fail "not banned after 2 failures with host_threshold = 2 (SIGHUP)"
echo "ok: SIGHUP applied host_threshold = 2"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-reload"
