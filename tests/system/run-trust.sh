#!/bin/bash
# Files, sockets and values an attacker or a careless admin controls:
# - a FIFO as a pattern file or as the configuration is refused at once
#   (78, "is a FIFO"), at start and at reload; a FIFO at a followed log's
#   path does not stop the daemon either;
# - control_socket naming a regular file: the file survives, run exits 73;
# - StrictModes: a group/world-writable configuration, pattern file or
#   pattern directory is refused by run (78, naming the file and its mode)
#   and by reload (the running patterns stay), not by `test`;
# - an allowlist holding 0.0.0.0/0 is warned at start and reload and shown
#   in status (text and JSON);
# - reload with arguments is a usage error (64), in the CLI and the daemon.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_trust
STRESS=$TOP_BUILDDIR/tests/system/ctlstress
[ -x "$STRESS" ] || fail "$STRESS not built"
cp -a "$SHIPPED" "$T/pat"
DB_PATTERNS=$T/pat db_config </dev/null
chmod 644 "$DB_CONF"

# run_bounded ARGS...: `dominoban ARGS` with its output in $T/out and
# $T/err; prints its exit status. A run still waiting after 20 s is killed
# (exit 124): the hang these tests are about, not a measure of speed.
run_bounded() {
	timeout 20 $DOMINOBAN "$@" >"$T/out" 2>"$T/err"
	echo $?
}

# ---- FIFOs where files are expected --------------------------------------
mkfifo "$T/pat/fifo.pat"
expect_eq "run -n with a FIFO among the patterns" "$(run_bounded --config "$DB_CONF" run -n)" 78
grep -q "$T/pat/fifo.pat: is a FIFO, not a regular file" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
expect_eq "run with a FIFO among the patterns" "$(run_bounded --config "$DB_CONF" run)" 78
rm "$T/pat/fifo.pat"
mkfifo "$T/fifo.conf"
expect_eq "run -n with a FIFO as the configuration" "$(run_bounded --config "$T/fifo.conf" run -n)" 78
grep -q "$T/fifo.conf: is a FIFO, not a regular file" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
rm "$T/fifo.conf"
echo "ok: FIFOs refused at start, without waiting for a writer"

# ---- control_socket at a regular file ------------------------------------
echo "precious data" >"$T/control.sock"
expect_eq "run with control_socket naming a regular file" "$(run_bounded --config "$DB_CONF" run)" 73
expect_eq "the regular file at control_socket" "$(cat "$T/control.sock")" "precious data"
grep -q "control socket $T/control.sock: exists and is a regular file, not a socket; refusing to remove it" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
nft list table inet $TABLE >/dev/null 2>&1 && fail "the table was set up anyway"
rm "$T/control.sock"
echo "ok: a regular file at control_socket survives, exit 73"

# ---- StrictModes at start --------------------------------------------------
chmod 666 "$DB_CONF"
expect_eq "run -n with a world-writable configuration" "$(run_bounded --config "$DB_CONF" run -n)" 78
grep -q "$DB_CONF: mode 0666 is group/world writable; refusing (chmod go-w)" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
chmod 644 "$DB_CONF"
chmod 664 "$T/pat/domino-auth.pat"
expect_eq "run with a group-writable pattern file" "$(run_bounded --config "$DB_CONF" run)" 78
grep -q "$T/pat/domino-auth.pat: mode 0664 is group/world writable; refusing (chmod go-w)" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
expect_eq "test with the same pattern file (an admin's own run)" \
	"$(run_bounded test --patterns "$T/pat" /dev/null)" 0
chmod 644 "$T/pat/domino-auth.pat"
chmod 777 "$T/pat"
expect_eq "run -n with a world-writable pattern directory" "$(run_bounded --config "$DB_CONF" run -n)" 78
grep -q "$T/pat: mode 0777 is group/world writable; refusing (chmod go-w)" "$T/err" ||
	fail "unclear message: $(cat "$T/err")"
chmod 755 "$T/pat"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$T/pat/domino-tls.pat"
	expect_eq "run -n with a pattern file owned by uid 65534" "$(run_bounded --config "$DB_CONF" run -n)" 78
	grep -q "$T/pat/domino-tls.pat: owned by uid 65534, not root; refusing (chown root)" "$T/err" ||
		fail "unclear message: $(cat "$T/err")"
	chown 0 "$T/pat/domino-tls.pat"
fi
expect_eq "run -n once the modes are fixed" "$(run_bounded --config "$DB_CONF" run -n)" 0
echo "ok: StrictModes at start"

# ---- a running daemon: reloads, FIFOs, modes, allowlist, reload arguments --
mkfifo "$T/fifo.log"
DB_LOGS="$LOG $T/fifo.log" DB_PATTERNS=$T/pat db_config <<'CONF'
[allow]
cidrs = 192.0.2.0/24 0.0.0.0/0
CONF
chmod 644 "$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"
grep -q "allowlist: \[allow\] cidrs has 0.0.0.0/0: every address of that family is allowlisted" "$T/daemon.err" ||
	fail "no allowlist warning at start: $(cat "$T/daemon.err")"
$DB status >"$T/out" || fail "status exited $?"
grep -q "^allowlist: *0.0.0.0/0: every address allowlisted, none banned$" "$T/out" ||
	fail "no allowlist line in status: $(cat "$T/out")"
$DB status --json >"$T/out" || fail "status --json exited $?"
grep -q '"allow_all":true,' "$T/out" || fail "status --json: $(cat "$T/out")"
echo "ok: an allowlist of everything is warned and shown (the FIFO log did not stop the daemon)"

expect_eq "dominoban reload foo" "$(rc_of $DB reload foo)" 64
expect_eq "raw request 'reload foo'" "$("$STRESS" call "$T/control.sock" "reload foo" | head -n 1)" \
	"64 usage: reload (no arguments)"
echo "ok: reload with arguments is a usage error"

mkfifo "$T/pat/fifo.pat"
expect_eq "reload with a FIFO among the patterns" "$(run_bounded --config "$DB_CONF" reload)" 78
grep -q "fifo.pat: is a FIFO, not a regular file" "$T/out" "$T/err" ||
	fail "unclear reload error: $(cat "$T/out" "$T/err")"
rm "$T/pat/fifo.pat"
kill -0 "$DB_PID" || fail "the daemon died"
chmod 666 "$T/pat/domino-smtp.pat"
expect_eq "reload with a world-writable pattern file" "$(run_bounded --config "$DB_CONF" reload)" 78
grep -q "domino-smtp.pat: mode 0666 is group/world writable" "$T/out" "$T/err" ||
	fail "unclear reload error: $(cat "$T/out" "$T/err")"
kill -HUP "$DB_PID"
wait_until 10 grep -q "reload refused: pattern errors.*domino-smtp.pat: mode 0666" "$T/daemon.err" ||
	fail "SIGHUP: no refusal logged: $(cat "$T/daemon.err")"
chmod 644 "$T/pat/domino-smtp.pat"
chmod 620 "$DB_CONF"
"$STRESS" call "$T/control.sock" reload >"$T/out" || fail "no reply to reload"
expect_eq "daemon's reply to reload of a group-writable configuration" \
	"$(head -n 1 "$T/out")" "78 configuration refused; the running one stays"
grep -q "mode 0620 is group/world writable" "$T/out" || fail "reload said: $(cat "$T/out")"
chmod 644 "$DB_CONF"
# The old patterns still ban.
echo "SMTP Server: Authentication failed for user a ; connecting host 198.51.100.7" |
	db_lines >>"$LOG"
smtp_auth_hit() {
	$DB status --json | grep -q '"smtp-auth":1,'
}
wait_until 10 smtp_auth_hit ||
	fail "the running patterns stopped matching: $($DB status --json)"
# Fixed: reload succeeds and warns about the allowlist again.
n=$(grep -c "allowlist: \[allow\]" "$T/daemon.err")
expect_eq "reload once fixed" "$(run_bounded --config "$DB_CONF" reload)" 0
expect_eq "allowlist warnings after the reload" \
	"$(grep -c "allowlist: \[allow\]" "$T/daemon.err")" $((n + 1))
echo "ok: reload refuses FIFOs and writable files, the running ones stay"

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: run-trust"
