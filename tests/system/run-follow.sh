#!/bin/bash
# Logs that cannot be followed are said, with the reason, everywhere an
# admin looks: `run -n` (a warning, exit 0), the daemon's log at start,
# `status` ("NOT following: PATH: why") and `status --json` ("followed":
# false, "problem"). Three causes: a directory of mode 0700 owned by
# another user (the daemon runs as root without CAP_DAC_OVERRIDE and
# CAP_DAC_READ_SEARCH, as a daemon user without the group would), a missing
# file, and a directory given as a log. A log made readable is followed and
# said so.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_follow
[ "$(id -u)" = 0 ] || skip "not root: cannot give a directory to uid 65534"
command -v setpriv >/dev/null || skip "setpriv(1) missing: cannot drop CAP_DAC_OVERRIDE"
setpriv --bounding-set=-dac_override,-dac_read_search true 2>/dev/null ||
	skip "setpriv cannot drop capabilities from the bounding set here"
# The daemon and the CLI without the capabilities that bypass permissions.
REAL=$DOMINOBAN
DOMINOBAN=$T/dominoban-nodac
printf '#!/bin/sh\nexec setpriv --bounding-set=-dac_override,-dac_read_search %s "$@"\n' \
	"$REAL" >"$DOMINOBAN"
chmod 755 "$DOMINOBAN"
DB="$DOMINOBAN --config $DB_CONF"
FAIL_LOGS="$T/daemon.err"

LOCKED=$T/locked
mkdir "$LOCKED" && : >"$LOCKED/notes.log" && chmod 0644 "$LOCKED/notes.log" &&
	chown -R 65534 "$LOCKED" && chmod 0700 "$LOCKED" || fail "cannot make $LOCKED"
MISSING=$T/missing.log
ADIR=$T/adir
mkdir "$ADIR"
DB_LOGS="$LOG $LOCKED/notes.log $MISSING $ADIR" db_config <<CONF
CONF

# run -n: configuration OK, and one warning per log that cannot be read.
expect_eq "run -n" "$(rc_of $DB run -n)" 0
grep -q '^configuration OK' "$T/out" || fail "run -n: $(cat "$T/out" "$T/err")"
grep -qF "NOT following: $LOCKED/notes.log: permission denied on directory $LOCKED (the daemon runs as user root)" "$T/err" ||
	fail "run -n did not name the locked directory: $(cat "$T/err")"
grep -qF "NOT following: $MISSING: missing" "$T/err" ||
	fail "run -n did not say the file is missing: $(cat "$T/err")"
grep -qF "NOT following: $ADIR: not a regular file: a directory" "$T/err" ||
	fail "run -n did not say the log is a directory: $(cat "$T/err")"
grep -qF "$LOG:" "$T/err" && fail "run -n warned about the readable log: $(cat "$T/err")"
echo "ok: run -n names each log it cannot follow, and why"

db_start "$DB_CONF" "$T/daemon.err"
for want in "NOT following path=$LOCKED/notes.log: permission denied on directory $LOCKED" \
    "NOT following path=$MISSING: missing" \
    "NOT following path=$ADIR: not a regular file"; do
	grep -qF "$want" "$T/daemon.err" || fail "start-up did not warn: $want"
done
echo "ok: the daemon warns at start"

expect_eq "status" "$(rc_of $DB status)" 0
grep -q "^following: *$LOG (inode [1-9]" "$T/out" || fail "status: $(cat "$T/out")"
grep -qF "NOT following:   $LOCKED/notes.log: permission denied on directory $LOCKED (the daemon runs as user root)" "$T/out" ||
	fail "status: $(cat "$T/out")"
grep -qF "NOT following:   $MISSING: missing" "$T/out" || fail "status: $(cat "$T/out")"
grep -qF "NOT following:   $ADIR: not a regular file: a directory" "$T/out" ||
	fail "status: $(cat "$T/out")"

expect_eq "status --json" "$(rc_of $DB status --json)" 0
python3 - "$T/out" "$LOG" "$LOCKED/notes.log" "$MISSING" "$ADIR" <<'PY' || fail "status --json: $(cat "$T/out")"
import json, sys
files = {f["path"]: f for f in json.load(open(sys.argv[1]))["files"]}
log, locked, missing, adir = sys.argv[2:]
assert files[log]["followed"] is True and files[log]["problem"] == "", files[log]
assert files[locked]["followed"] is False, files[locked]
assert files[locked]["problem"].startswith("permission denied on directory "), files[locked]
assert files[missing]["problem"] == "missing", files[missing]
assert files[adir]["problem"] == "not a regular file: a directory", files[adir]
PY
echo "ok: status and status --json say which logs are not followed, and why"

# Fixed while running: the daemon says so and reads the file.
chmod 0755 "$LOCKED"
echo "SMTP Server: Authentication failed for user x ; connecting host 198.51.100.9" |
	db_lines >>"$LOCKED/notes.log"
: >"$MISSING"
wait_until 10 grep -qF "follow path=$LOCKED/notes.log readable now" "$T/daemon.err" ||
	fail "no word that the locked log became readable"
wait_until 10 grep -qF "follow path=$MISSING readable now" "$T/daemon.err" ||
	fail "no word that the missing log appeared"
wait_until 10 eval '$DB status | grep -q "^following: *$LOCKED/notes.log (inode [1-9]"' ||
	fail "status after the fix: $($DB status)"
$DB status | grep -q "NOT following: *$ADIR: " || fail "the directory log is followed?"
echo "ok: a log made readable is followed and said so"

db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-follow"
