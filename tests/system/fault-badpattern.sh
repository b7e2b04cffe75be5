#!/bin/bash
# Reload with a broken pattern file (and with a broken configuration): the
# reload fails with the error at file:line, the daemon keeps running on the
# old patterns and keeps banning; SIGHUP with the same broken file does not
# stop it either. Once the file is fixed, reload succeeds.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_badpat
mkdir "$T/patterns.d"
# A local pattern of our own, next to the shipped ones.
cat >"$T/patterns.d/local.pat" <<'PAT'
[local-probe]
service = smtp
kind = auth
weight = 1
regex = ^%{prefix}LOCALTEST probe for (?<user>[a-z0-9.-]+) from %{ip} *$
PAT
DB_PATTERNS="$SHIPPED $T/patterns.d" db_config </dev/null
cp "$DB_CONF" "$T/good.conf"
# Raw requests: the CLI refuses to run while the configuration is broken.
STRESS=$TOP_BUILDDIR/tests/system/ctlstress
[ -x "$STRESS" ] || fail "$STRESS not built"
banned() {
	in_set $TABLE host4 "$1" &&
		"$STRESS" call "$T/control.sock" list | grep -q "^$1 "
}
# attack SMTP_AUTH_ADDR LOCAL_ADDR (in different /24s, so that no
# netblock is banned instead of a host)
attack() {
	local i
	for i in 1 2 3 4 5 6; do
		echo "SMTP Server: Authentication failed for user $1-$i ; connecting host $1"
		echo "LOCALTEST probe for $2-$i from $2"
	done | db_lines >>"$LOG"
	wait_until 10 banned "$1" || fail "$1 not banned (shipped smtp-auth pattern)"
	wait_until 10 banned "$2" || fail "$2 not banned (local-probe pattern)"
}

db_start "$DB_CONF" "$T/daemon.err"
attack 10.0.1.1 10.0.2.1
echo "ok: shipped and local patterns ban"

# A broken replacement for a shipped file (by name: the regex on line 5
# lacks a parenthesis), and a broken section added to our own file.
cat >"$T/patterns.d/domino-auth.pat" <<'PAT'
# a broken copy
[smtp-auth]
service = smtp
kind = auth
regex = ^%{prefix}SMTP Server: Authentication failed for user (?<user>.* ; connecting host %{ip}$
PAT
cp "$T/patterns.d/local.pat" "$T/local.pat.good"
printf '[local-bad]\nservice = smtp\nkind = auth\nregex = (%%{ip}\n' \
	>>"$T/patterns.d/local.pat"
$DB reload >"$T/out" 2>"$T/err"
expect_eq "reload with broken pattern files" "$?" 78
grep -q 'patterns refused' "$T/err" || fail "reload said: $(cat "$T/err")"
grep -q 'patterns\.d/domino-auth\.pat:5: ' "$T/out" "$T/err" ||
	fail "no domino-auth.pat:5 in: $(cat "$T/out" "$T/err")"
grep -q 'patterns\.d/local\.pat:9: ' "$T/out" "$T/err" ||
	fail "no local.pat:9 in: $(cat "$T/out" "$T/err")"
echo "ok: reload refused with every error:"
cat "$T/out"
kill -0 "$DB_PID" || fail "the daemon died on a broken reload"
$DB status >/dev/null || fail "status after the refused reload exited $?"
attack 10.1.1.1 10.1.2.1
echo "ok: still banning on the old patterns after a refused reload"

kill -HUP "$DB_PID"
wait_until 10 grep -q 'reload refused' "$T/daemon.err" ||
	fail "SIGHUP: no 'reload refused' record: $(cat "$T/daemon.err")"
kill -0 "$DB_PID" || fail "the daemon died on SIGHUP with a broken pattern"
attack 10.2.1.1 10.2.2.1
echo "ok: still banning after SIGHUP with the broken file"

# A broken configuration is refused the same way. The CLI reads the file
# too (for the socket path) and refuses it first, with the same file:line;
# the raw request shows that the daemon refuses it as well.
printf '[score]\nhost_threshold = many\n' >>"$DB_CONF"
n=$(grep -c '' "$DB_CONF")
$DB reload >"$T/out" 2>"$T/err"
expect_eq "dominoban reload with a bad configuration value" "$?" 78
grep -q "dominoban.conf:$n: " "$T/err" || fail "no file:line in: $(cat "$T/err")"
"$STRESS" call "$T/control.sock" reload >"$T/out" || fail "no reply to reload"
expect_eq "daemon's reply to reload with a bad configuration value" \
	"$(head -n 1 "$T/out")" "78 configuration refused; the running one stays"
grep -q "dominoban.conf:$n: " "$T/out" || fail "no file:line in: $(cat "$T/out")"
kill -0 "$DB_PID" || fail "the daemon died on a bad configuration"
attack 10.3.1.1 10.3.2.1
echo "ok: a bad configuration is refused and the old one runs on"

# Fixed: reload succeeds and counts the patterns again.
cp "$T/good.conf" "$DB_CONF"
rm "$T/patterns.d/domino-auth.pat"
cp "$T/local.pat.good" "$T/patterns.d/local.pat"
$DB reload >"$T/out" 2>&1
expect_eq "reload once fixed" "$?" 0
grep -q 'reloaded' "$T/out" || fail "reload said: $(cat "$T/out")"
attack 10.4.1.1 10.4.2.1

kill -0 "$DB_PID" || fail "the daemon died"
db_stop
expect_eq "daemon exit on SIGTERM" "$DB_RC" 0
echo "PASS: fault-badpattern"
