#!/bin/bash
# Rotations while the daemon is stopped. The state names the file and the
# position the daemon had read to; started again, it must read the rest of
# that file (renamed, still in its directory), then the current file: each
# line once. When the old file is gone (compressed), the current file is
# read from its start and the loss is logged. (Two rotations while stopped
# leave a generation in between that is not read: docs/RELIABILITY.md.)
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_rotdown
db_config </dev/null
# write TAG FROM TO: lines with users TAG<n>, each from its own /24.
write() {
	local i
	for i in $(seq "$2" "$3"); do
		echo "SMTP Server: Authentication failed for user $1$i ; connecting host 10.$i.1.1"
	done | db_lines >>"$LOG"
}
users() {
	cat "$T"/run-*.err | sed -n 's/.* event .*user="\([a-z0-9]*\)".*/\1/p'
}
seen() {
	users | grep -qx "$1"
}
# check_once "USER...": the users seen, in order, each exactly once.
check_once() {
	local want=$1 got
	got=$(users | sort | uniq -c | awk '{ printf "%s%s", sep, $2 ($1 > 1 ? "x" $1 : ""); sep = " " }')
	[ "$got" = "$want" ] || fail "users seen: '$got', want '$want'"
}

db_start "$DB_CONF" "$T/run-1.err" --debug
write a 1 3
wait_until 10 seen a3 || fail "a3 not seen"
db_stop
write a 4 5
mv "$LOG" "$LOG.1"
write b 1 3
db_start "$DB_CONF" "$T/run-2.err" --debug
wait_until 10 seen b3 || fail "b3 not seen after the restart"
db_stop
check_once "a1 a2 a3 a4 a5 b1 b2 b3"
echo "ok: one rename while stopped: the rest of the old file, then the new one"

# Rotated and compressed while stopped (the start script gzips the old
# notes.log): the saved file is gone, so the new file is read from its
# start and the daemon says that lines may have been missed.
write b 4 5
mv "$LOG" "$LOG.1"
gzip "$LOG.1"
write c 1 3
db_start "$DB_CONF" "$T/run-3.err" --debug
wait_until 10 seen c3 || fail "c3 not seen after the restart"
db_stop
check_once "a1 a2 a3 a4 a5 b1 b2 b3 c1 c2 c3"
grep -q "saved position is gone" "$T/run-3.err" ||
	fail "no warning about the lost position: $(cat "$T/run-3.err")"
echo "ok: rotated and compressed while stopped: the new file from its start, with a warning"
echo "PASS: fault-rotate-down"
