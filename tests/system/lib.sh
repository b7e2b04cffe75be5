# Shared helpers for the system tests: sourced, not run.
#
# System tests run the real binary against real files and the real kernel.
# Those that need nftables re-execute themselves in a throwaway network
# namespace (unshare -n as root, unshare -rn otherwise) and exit 77, which
# automake reports as SKIP, when no namespace can be made. They never pass
# silently.

# `dominoban run` refuses group/world-writable configuration and pattern
# files (StrictModes): what a test writes is not, whatever the caller's umask.
umask 022

: "${DOMINOBAN:?DOMINOBAN must point at the dominoban binary}"
: "${TOP_SRCDIR:?TOP_SRCDIR must point at the source tree}"

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
	# The logs a test named in FAIL_LOGS, to tell why.
	for _f in ${FAIL_LOGS:-}; do
		[ -r "$_f" ] || continue
		echo "--- last lines of $_f" >&2
		tail -n 40 "$_f" >&2
	done
	exit 1
}

# enter_netns "$0" "$@": re-run this script inside a private network
# namespace with lo up, or skip.
enter_netns() {
	if [ "${DB_IN_NETNS:-}" = 1 ]; then
		ip link set lo up 2>/dev/null || true
		return 0
	fi
	export DB_IN_NETNS=1
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n "$BASH" "$@"
	fi
	if unshare -rn true 2>/dev/null; then
		exec unshare -rn "$BASH" "$@"
	fi
	skip "cannot create a network namespace (unshare -n / unshare -rn refused)"
}

# make_tmpdir: a private directory removed when the test exits; sets T.
make_tmpdir() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-test.XXXXXX") || fail "mktemp"
	trap 'cleanup_tmp' EXIT
}

DAEMON_PIDS=""
cleanup_tmp() {
	local p
	for p in $DAEMON_PIDS; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "${T:-}" ] && [ -z "${KEEP_TMP:-}" ] && rm -rf "$T"
	return 0
}

# wait_until SECONDS CMD...: run CMD every 20 ms until it succeeds; fail
# after SECONDS. Used only to wait for a condition, never to assert speed.
wait_until() {
	local _wu_limit=$1 _wu_i=0 _wu_n
	shift
	_wu_n=$((_wu_limit * 50))
	while ! "$@" >/dev/null 2>&1; do
		_wu_i=$((_wu_i + 1))
		[ "$_wu_i" -ge "$_wu_n" ] && return 1
		sleep 0.02
	done
	return 0
}

# use_browser: set BROWSER to a headless browser (Debian
# chromium-headless-shell or chromium), or skip loudly.
use_browser() {
	local b
	for b in chromium-headless-shell chromium chromium-browser; do
		if command -v "$b" >/dev/null; then
			BROWSER=$(command -v "$b")
			return 0
		fi
	done
	skip "no headless browser (Debian: chromium-headless-shell or chromium)"
}

# browser ARGS...: the headless browser of use_browser, no network of its
# own, a private profile in T, bounded in time; its stderr in
# $T/browser.err.
browser() {
	timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu \
		--disable-background-networking --disable-component-update \
		--no-first-run --user-data-dir="$T/profile" "$@" 2>>"$T/browser.err"
}

# metric NAME{LABELS} FILE: the value of one sample in a Prometheus
# exposition, or nothing.
metric() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# promtool_check FILE: promtool check metrics accepts FILE; without
# promtool (Debian: prometheus) a note, and on.
promtool_check() {
	if ! command -v promtool >/dev/null; then
		echo "note: promtool not installed (Debian: prometheus): $1 not checked"
		return 0
	fi
	promtool check metrics <"$1" >"$T/promtool.out" 2>&1 ||
		fail "promtool: $(cat "$T/promtool.out")"
}

# dashboard_has_metrics PREFIX FILE: every metric of the Grafana dashboard
# whose name starts with PREFIX is in the exposition FILE.
dashboard_has_metrics() {
	local m
	for m in $(grep -o "\\b$1[a-z_]*" "$TOP_SRCDIR/packaging/grafana/dominoban.json" | sort -u); do
		grep -q "^# TYPE $m " "$2" || fail "the dashboard's $m is not in the exposition"
	done
}

# broker_start: a mosquitto broker (MOSQUITTO) on the UNIX socket SOCK,
# without persistence, its log in $T/mosquitto.log; sets BROKER_PID.
BROKER_PID=
broker_start() {
	cat >"$T/mosquitto.conf" <<EOF
listener 0 $SOCK
allow_anonymous true
persistence false
user root
log_dest file $T/mosquitto.log
EOF
	rm -f "$SOCK"
	"$MOSQUITTO" -c "$T/mosquitto.conf" &
	BROKER_PID=$!
	DAEMON_PIDS="$DAEMON_PIDS $BROKER_PID"
	wait_until 10 test -S "$SOCK" || fail "mosquitto did not start: $(cat "$T/mosquitto.log")"
}

# bans_agree LIVE REPLAY: the daemon's ban records (ADDRESS, SECONDS,
# REASON per line) match replay's, in order. A live record states the time
# left when the kernel took the ban, in whole seconds of wall time: on a
# loaded machine the second can turn between the decision and that record,
# so live may say up to 2 s less than replay.
bans_agree() {
	[ "$(wc -l <"$1")" = "$(wc -l <"$2")" ] &&
		paste "$1" "$2" | awk -F'\t' '
		NF != 6 || $1 != $4 || $3 != $6 || $2 > $5 || $2 < $5 - 2 { bad = 1 }
		END { exit bad }'
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "ok: $1"
}

# ---- daemon helpers (dominoban run in a test's private directory) ---------

# db_lines: prefix each message line on stdin with a Domino console prefix
# and the current time, as the console writes them.
db_lines() {
	awk -v ts="$(date '+%d.%m.%Y %H:%M:%S')" \
		'{ printf "[004711:000010-00007F3A9C5FE700] %s   %s\n", ts, $0 }'
}

# db_start CONF ERRFILE [RUN_ARGS...]: start `dominoban run` in the
# background with stderr appended to ERRFILE and wait until it answers
# `status`; sets DB_PID. Fails with the daemon's stderr if it does not come
# up within 10 s.
db_start() {
	local conf=$1 err=$2
	shift 2
	"$DOMINOBAN" --config "$conf" run --foreground "$@" 2>>"$err" &
	DB_PID=$!
	DAEMON_PIDS="$DAEMON_PIDS $DB_PID"
	if ! wait_until 10 db_alive_answers "$conf" "$DB_PID"; then
		cat "$err" >&2
		fail "the daemon did not come up (config $conf)"
	fi
}
db_alive_answers() {
	kill -0 "$2" 2>/dev/null && "$DOMINOBAN" --config "$1" status
}

# db_stop [SIGNAL]: stop the daemon started last (SIGTERM by default) and
# wait for it; sets DB_RC to its exit status.
db_stop() {
	kill "-${1:-TERM}" "$DB_PID" 2>/dev/null
	wait "$DB_PID" 2>/dev/null
	DB_RC=$?
	DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\\b$DB_PID\\b//")
}

# set_elements TABLE SET: the elements of an nftables set, one a line,
# without their timeouts (the test oracle; empty when the set is missing).
set_elements() {
	nft list set inet "$1" "$2" 2>/dev/null | tr ',{}' '\n\n\n' |
		sed -n '/elements =/,$p' | awk 'NF && $1 != "elements" { print $1 }'
}

# in_set TABLE SET ELEMENT: is ELEMENT in the kernel set?
in_set() {
	set_elements "$1" "$2" | grep -qxF "$3"
}

# db_prepare TABLE: the common start of a daemon test, after enter_netns:
# a private directory (T), an empty log (LOG), the probe (PROBE), the
# table name (TABLE), the config path (DB_CONF) and the CLI (DB). Skips
# without nft(8), the test oracle.
db_prepare() {
	make_tmpdir
	command -v nft >/dev/null || skip "nft(8) not installed (the test oracle)"
	TABLE=$1
	PROBE=$TOP_BUILDDIR/tools/tcpprobe
	[ -x "$PROBE" ] || fail "$PROBE not built"
	LOG=$T/notes.log
	: >"$LOG"
	DB_CONF=$T/dominoban.conf
	DB="$DOMINOBAN --config $DB_CONF"
	# The shipped patterns as run will accept them (a checkout made under
	# umask 002 has them group-writable).
	SHIPPED=$T/shipped
	mkdir "$SHIPPED" && cp "$TOP_SRCDIR"/patterns/*.pat "$SHIPPED"/ &&
		chmod 755 "$SHIPPED" && chmod 644 "$SHIPPED"/*.pat ||
		fail "cannot copy the shipped patterns"
}

# db_config: write DB_CONF for a daemon of this test alone: it follows
# DB_LOGS (default LOG) with the shipped patterns (DB_PATTERNS, default
# SHIPPED), keeps its socket and state
# in T and owns TABLE. Lines on stdin follow (sections may repeat).
db_config() {
	{
		printf '[daemon]\nlogs = %s\npatterns = %s\n' "${DB_LOGS:-$LOG}" \
			"${DB_PATTERNS:-$SHIPPED}"
		printf 'control_socket = %s\nstate_dir = %s\n[nft]\ntable = %s\n' \
			"$T/control.sock" "$T/state" "$TABLE"
		cat
	} >"$DB_CONF"
}

# db_listen ADDR PORT: a TCP listener (killed at exit), ready on return.
db_listen() {
	"$PROBE" listen "$1" "$2" >"$T/listen-$2.out" &
	DAEMON_PIDS="$DAEMON_PIDS $!"
	wait_until 5 grep -q LISTENING "$T/listen-$2.out" ||
		fail "no listener on $1 port $2"
}

# db_fail_auth ADDR N: append N failed SMTP logins from ADDR to LOG, then
# wait until the daemon has read them (it decides as it reads). DB_NLINES
# counts the lines appended since the daemon started.
DB_NLINES=0
db_fail_auth() {
	local i
	for i in $(seq 1 "$2"); do
		echo "SMTP Server: Authentication failed for user u$DB_NLINES-$i ; connecting host $1"
	done | db_lines >>"$LOG"
	DB_NLINES=$((DB_NLINES + $2))
	wait_until 10 db_lines_read "$DB_NLINES" ||
		fail "the daemon did not read $DB_NLINES lines"
}
# db_lines_read N: the daemon has read N lines since it started.
db_lines_read() {
	$DB status --json 2>/dev/null | grep -q "\"lines\":$1,"
}

# rc_of CMD...: run CMD with stdout in $T/out and stderr in $T/err; print
# its exit status.
rc_of() {
	"$@" >"$T/out" 2>"$T/err"
	echo $?
}
