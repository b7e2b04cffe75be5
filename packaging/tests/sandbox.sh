#!/bin/bash
# The hardened unit (packaging/systemd/dominoban.service.in) against what the
# daemon really does, without systemd as PID 1:
#  1. every system call `dominoban run` makes in a full session (start, a
#     ban in the kernel with sessions cut, the CLI verbs, reload by socket
#     and by SIGHUP, stop) is allowed by the unit's SystemCallFilter= lines,
#     expanded by systemd-analyze syscall-filter;
#  2. it opens sockets of the unit's RestrictAddressFamilies= only;
#  3. under W^X (PR_SET_MDWE, the kernel's form of MemoryDenyWriteExecute=)
#     the PCRE2 JIT is refused and the interpreter finds the same events.
# Skips (77) without strace, systemd-analyze or a network namespace.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
# DB_UNIT: check an installed unit instead (.ci/package.sh does).
UNIT=${DB_UNIT:-$TOP_SRCDIR/packaging/systemd/dominoban.service.in}
command -v strace >/dev/null || skip "strace not installed"
grep -q __asan_init "$DOMINOBAN" &&
	skip "sanitizer build: its runtime makes system calls of its own"
command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed"
enter_netns "$0" "$@"
make_tmpdir
command -v nft >/dev/null || skip "nft(8) not installed (the test oracle)"

# ---- the allowed set, from the unit ----------------------------------------
# SystemCallFilter= lines in order: a list adds (or, with ~, removes) the
# expanded groups and names.
expand() { # expand NAME...: syscall names, @groups expanded recursively
	local n
	for n in "$@"; do
		case $n in
		@*) # shellcheck disable=SC2046
			expand $(systemd-analyze syscall-filter "$n" 2>/dev/null |
				awk 'NR > 1 && /^ +@?[a-z_0-9-]+$/ { print $1 }') ;;
		*) echo "$n" ;;
		esac
	done
}
: >"$T/allowed"
sawlist=0
while IFS= read -r line; do
	val=${line#SystemCallFilter=}
	if [ "${val#\~}" != "$val" ]; then
		# shellcheck disable=SC2086
		expand ${val#\~} | sort -u >"$T/deny"
		grep -vxFf "$T/deny" "$T/allowed" >"$T/allowed.new" || true
		mv "$T/allowed.new" "$T/allowed"
	else
		sawlist=1
		# shellcheck disable=SC2086
		{ cat "$T/allowed"; expand $val; } | sort -u >"$T/allowed.new"
		mv "$T/allowed.new" "$T/allowed"
	fi
done < <(grep '^SystemCallFilter=' "$UNIT")
[ "$sawlist" = 1 ] || fail "no SystemCallFilter= allow list in $UNIT"
[ "$(wc -l <"$T/allowed")" -gt 200 ] ||
	fail "the allowed set is implausibly small: $(wc -l <"$T/allowed")"
grep -qx setrlimit "$T/allowed" && fail "@resources should be denied (setrlimit allowed)"
grep -qx chown "$T/allowed" && fail "@privileged should be denied (chown allowed)"
families=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")

# ---- a full session under strace -----------------------------------------
ip addr add 198.51.100.7/32 dev lo || skip "cannot add addresses in the namespace"
TABLE=dbtest_sandbox
LOG=$T/notes.log
: >"$LOG"
cat >"$T/dominoban.conf" <<CONF
[daemon]
logs = $LOG
patterns = $TOP_SRCDIR/patterns
control_socket = $T/control.sock
state_dir = $T/state
[nft]
table = $TABLE
ports = 25
kill_sessions = yes
[allow]
own_addresses = no
CONF
DB="$DOMINOBAN --config $T/dominoban.conf"
strace -f -qq -o "$T/trace" $DB run --foreground 2>"$T/daemon.err" &
ST_PID=$!
wait_until 20 $DB status || fail "daemon did not come up: $(cat "$T/daemon.err")"
DB_PID=$(pgrep -P "$ST_PID" -x dominoban) || fail "no daemon under strace"
DAEMON_PIDS="$DB_PID $ST_PID"
ts=$(date '+%d.%m.%Y %H:%M:%S')
for i in 1 2 3 4 5 6; do
	echo "[004711:000010-00007F3A9C5FE700] $ts   SMTP Server: Authentication failed for user u$i ; connecting host 198.51.100.7"
done >>"$LOG"
banned() { nft list set inet "$TABLE" host4 2>/dev/null | grep -q '198\.51\.100\.7 '; }
wait_until 10 banned ||
	fail "no ban in the kernel: $(cat "$T/daemon.err")"
$DB list >/dev/null 2>&1 || fail "list"
$DB status --json >/dev/null || fail "status --json"
$DB ban 203.0.113.0/24 --for 1h >/dev/null 2>&1 || fail "ban"
$DB unban 203.0.113.0/24 >/dev/null 2>&1 || fail "unban"
$DB reload >/dev/null 2>&1 || fail "reload"
kill -HUP "$DB_PID"
wait_until 10 grep -q 'reload' "$T/daemon.err" || fail "no reload on SIGHUP"
kill -TERM "$DB_PID"
wait "$ST_PID"   # strace exits with its tracee's status
rc=$?
DAEMON_PIDS=""
[ "$rc" = 0 ] || fail "daemon exited $rc under strace: $(cat "$T/daemon.err")"

# The daemon's own calls: strace's execve of it is the first line.
sed -E -n 's/^[0-9]+ +(<\.\.\. )?([a-z_0-9]+)[( ].*/\2/p' "$T/trace" |
	grep -v '^exited$\|^killed$\|^resumed$' | sort -u >"$T/used"
[ "$(wc -l <"$T/used")" -gt 20 ] || fail "strace saw too few system calls"
# Refused calls the daemon copes with (the filter answers EPERM, as
# SystemCallErrorNumber= says), each with its reason:
#  chown: ctl_open() gives the control socket to control_group when that
#    group exists; refused, the socket keeps the daemon's own group, which
#    is the control group in the shipped unit (Group=dominoban).
TOLERATED="chown"
missing=$(grep -vxFf "$T/allowed" "$T/used" | grep -vxF "$(echo $TOLERATED | tr ' ' '\n')" || true)
[ -z "$missing" ] || fail "system calls the unit's filter refuses: $missing"
refused=$(grep -vxFf "$T/allowed" "$T/used" | tr '\n' ' ' || true)
echo "ok: all $(wc -l <"$T/used") system calls used are allowed by the unit's SystemCallFilter=${refused:+, but for tolerated: $refused}"

used_af=$(grep -oE '^[0-9]+ +socket\(AF_[A-Z0-9]+' "$T/trace" | sed 's/.*(//' | sort -u | tr '\n' ' ')
for af in $used_af; do
	case " $families " in
	*" $af "*) ;;
	*) fail "socket family $af is not in RestrictAddressFamilies=$families" ;;
	esac
done
echo "ok: socket families used ($used_af) are all in RestrictAddressFamilies="

# ---- W^X: the JIT is refused, the interpreter finds the same ----------------
command -v python3 >/dev/null || skip "python3 not installed (PR_SET_MDWE wrapper)"
wx() {
	python3 -c 'import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(65, 1, 0, 0, 0) != 0:   # PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN
    sys.exit(77)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}
wx true || skip "the kernel has no PR_SET_MDWE (Linux >= 6.3)"
plain=$($DB run -n) || fail "run -n"
walled=$(wx $DB run -n) || fail "run -n under W^X"
case $plain in *"PCRE2 JIT"*) ;; *) skip "PCRE2 has no JIT here: $plain" ;; esac
case $walled in *"PCRE2 interpreter"*) ;; *) fail "JIT not refused under W^X: $walled" ;; esac
$DOMINOBAN test --events --patterns "$TOP_SRCDIR/patterns" "$LOG" >"$T/ev.jit"
wx $DOMINOBAN test --events --patterns "$TOP_SRCDIR/patterns" "$LOG" >"$T/ev.wx"
[ -s "$T/ev.jit" ] || fail "no events in the test log"
cmp -s "$T/ev.jit" "$T/ev.wx" || fail "the interpreter under W^X found other events"
echo "ok: under W^X the JIT is refused and the interpreter finds the same $(wc -l <"$T/ev.jit") events"
