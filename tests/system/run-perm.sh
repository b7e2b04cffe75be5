#!/bin/bash
# Control-socket permissions with real peer credentials: an unprivileged uid
# (65534, through setpriv) may list and see status, but ban, unban and
# reload get "permission denied" (exit 77); membership of control_group
# grants them; a uid that cannot open the socket at all gets a clear
# "permission denied" (77) too.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_perm
command -v setpriv >/dev/null ||
	skip "setpriv(1) missing: cannot run the client as an unprivileged uid"
[ "$(id -u)" = 0 ] || skip "not root: cannot switch to uid 65534"
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
$AS_NOBODY true 2>/dev/null || skip "setpriv cannot switch to uid 65534 here"
GROUP=users
GID=$(getent group "$GROUP" | cut -d: -f3)
[ -n "$GID" ] || skip "no group '$GROUP' to use as control_group"
[ "$GID" != 65534 ] || skip "group '$GROUP' is uid 65534's own group"
AS_MEMBER="setpriv --reuid=65534 --regid=65534 --groups=$GID"

# uid 65534 must reach the configuration (the CLI reads it for the socket
# path) and the socket's directory.
chmod 0755 "$T"
db_config <<CONF
[daemon]
control_group = $GROUP
CONF
chmod 0644 "$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"
expect_eq "socket mode" "$(stat -c %a "$T/control.sock")" 660
expect_eq "socket group" "$(stat -c %g "$T/control.sock")" "$GID"

# Mode 0660: uid 65534 outside the group cannot even connect.
expect_eq "list as uid 65534 (socket closed to it)" "$(rc_of $AS_NOBODY $DB list)" 77
grep -q 'permission denied' "$T/err" || fail "unclear message: $(cat "$T/err")"

# A member of control_group may do everything.
expect_eq "ban as a control_group member" "$(rc_of $AS_MEMBER $DB ban 198.51.100.30)" 0
in_set $TABLE host4 198.51.100.30 || fail "the member's ban is not in host4"
expect_eq "unban as a control_group member" "$(rc_of $AS_MEMBER $DB unban 198.51.100.30)" 0
in_set $TABLE host4 198.51.100.30 && fail "the member's unban left host4 alone"
expect_eq "reload as a control_group member" "$(rc_of $AS_MEMBER $DB reload)" 0
echo "ok: control_group members are privileged"

# Socket opened to everyone: read-only verbs work, the rest is refused.
chmod 0666 "$T/control.sock"
expect_eq "ban as root" "$(rc_of $DB ban 198.51.100.31)" 0
expect_eq "list as uid 65534" "$(rc_of $AS_NOBODY $DB list)" 0
grep -q '^198\.51\.100\.31 ' "$T/out" || fail "list as uid 65534: $(cat "$T/out")"
expect_eq "list --json as uid 65534" "$(rc_of $AS_NOBODY $DB list --json)" 0
grep -q '"address":"198.51.100.31"' "$T/out" || fail "list --json: $(cat "$T/out")"
expect_eq "status as uid 65534" "$(rc_of $AS_NOBODY $DB status)" 0
grep -q '^active bans: *1 ' "$T/out" || fail "status as uid 65534: $(cat "$T/out")"
expect_eq "status --json as uid 65534" "$(rc_of $AS_NOBODY $DB status --json)" 0
for c in "ban 198.51.100.32" "ban 198.51.100.0/24 --for 10m" \
    "unban 198.51.100.31" reload; do
	expect_eq "$c as uid 65534" "$(rc_of $AS_NOBODY $DB $c)" 77
	grep -q 'permission denied' "$T/err" ||
		fail "$c as uid 65534: unclear message: $(cat "$T/err")"
done
in_set $TABLE host4 198.51.100.32 && fail "uid 65534's ban reached the kernel"
in_set $TABLE net4 198.51.100.0/24 && fail "uid 65534's prefix ban reached the kernel"
in_set $TABLE host4 198.51.100.31 || fail "uid 65534's unban reached the kernel"
$DB list >"$T/out" 2>/dev/null
expect_eq "bans after the refused requests" "$(tail -n +2 "$T/out" | wc -l)" 1
echo "ok: an unprivileged uid is refused ban, unban and reload"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-perm"
