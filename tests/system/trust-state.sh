#!/bin/bash
# A failed state save is never forgotten: with state_dir on a full tmpfs
# the save fails, `status` says so, and once space returns the state is
# saved without any new activity; a removed state_dir is recreated; a
# final save that fails at SIGTERM makes the daemon exit non-zero.
# Needs root for the tmpfs (in a private mount namespace); skips otherwise.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
if [ "${DB_IN_MNTNS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip "needs root to mount a small tmpfs"
	unshare -m --propagation private true 2>/dev/null ||
		skip "cannot make a private mount namespace"
	export DB_IN_MNTNS=1
	exec unshare -m --propagation private "$BASH" "$0" "$@"
fi
enter_netns "$0" "$@"
# Every save but the final one in the forked child, as with a large state.
export DOMINOBAN_BGSAVE_MIN=0
db_prepare dbtest_state
mkdir "$T/mnt"
mount -t tmpfs -o size=256k tmpfs "$T/mnt" || skip "cannot mount a tmpfs"
S=$T/mnt/state
db_config </dev/null
sed -i "s|^state_dir = .*|state_dir = $S|" "$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"

saved() {
	grep -q "^ban $1 " "$S/state" 2>/dev/null
}
failing() {
	$DB status --json 2>/dev/null | grep -q '"state_save_failing_since":[1-9]'
}
fill() {
	dd if=/dev/zero of="$T/mnt/fill" bs=4k 2>/dev/null
	true
}

$DB ban 192.0.2.7 --for 1h >/dev/null 2>&1 || fail "ban 192.0.2.7"
wait_until 10 saved 192.0.2.7 || fail "the first ban was not saved"
echo "ok: saved while there is room"

fill
$DB ban 192.0.2.8 --for 1h >/dev/null 2>&1 || fail "ban 192.0.2.8"
wait_until 10 failing || fail "status does not show the failing save: $($DB status)"
$DB status | grep -q 'SAVE FAILING' || fail "status text: $($DB status)"
grep -q 'save failed; retrying' "$T/daemon.err" || fail "no log record of the failure"
saved 192.0.2.8 && fail "saved on a full disk?"
echo "ok: a failed save shows in status and the log"

rm -f "$T/mnt/fill"
wait_until 10 saved 192.0.2.8 || fail "not saved after space returned (no new activity)"
failing && fail "status still says failing"
echo "ok: saved again once space returned, without new activity"

rm -rf "$S"
$DB ban 192.0.2.9 --for 1h >/dev/null 2>&1 || fail "ban 192.0.2.9"
wait_until 10 saved 192.0.2.9 || fail "the removed state_dir was not recreated"
saved 192.0.2.7 || fail "the recreated state lacks the older bans"
echo "ok: a removed state_dir is recreated and the whole state saved"

rm -f "$S/state"
fill
db_stop TERM
[ "$DB_RC" != 0 ] || fail "the final save failed but the daemon exited 0"
grep -q 'final state save failed' "$T/daemon.err" || fail "no message for the failed final save"
echo "ok: a failed final save exits $DB_RC"
umount "$T/mnt"
echo "PASS: trust-state"
