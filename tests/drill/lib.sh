# The harvest drill's common part, sourced (not run) by tests/drill/drill.sh
# and tools/demo.sh: the private network namespace, the addresses on its
# loopback, the Domino-like responder and the real daemon. See
# tests/drill/README.
#
# Set before sourcing: SRC (the source tree), BUILD (the build tree) and
# DB (the dominoban binary).

DRILL_SERVER4=192.0.2.25
DRILL_SERVER6=2001:db8::25
SMTPD=$BUILD/tests/drill/smtpd
HARV=$BUILD/tests/drill/harvester
PROBE=$BUILD/tools/tcpprobe
DRILL_PIDS=()

# drill_built: exit 69 unless the daemon and the drill's programs are built.
drill_built() {
	local p
	for p in "$DB" "$SMTPD" "$HARV" "$PROBE"; do
		[ -x "$p" ] || { echo "drill: $p not built" >&2; exit 69; }
	done
}

# drill_netns SCRIPT ARGS...: unless already inside one, re-run SCRIPT in a
# new network namespace (unshare -n as root, unshare -rn otherwise); exit
# 77 when neither can be made. Inside, brings lo up and returns.
drill_netns() {
	if [ "${DB_DRILL_NETNS:-}" = 1 ]; then
		ip link set lo up
		return 0
	fi
	export DB_DRILL_NETNS=1
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n "$BASH" "$@"
	elif unshare -rn true 2>/dev/null; then
		exec unshare -rn "$BASH" "$@"
	fi
	echo "SKIP: cannot create a network namespace (unshare -n, -rn)" >&2
	exit 77
}

# drill_addrs ADDR...: each address on lo, with the server's two.
drill_addrs() {
	local a
	for a in $DRILL_SERVER4 $DRILL_SERVER6 "$@"; do
		case $a in
		*:*) ip -6 addr add "$a/128" dev lo nodad ;;
		*) ip addr add "$a/32" dev lo ;;
		esac
	done
}

# drill_stop: stop what drill_start started (and anything added to
# DRILL_PIDS), and wait for it.
drill_stop() {
	local p
	for p in "${DRILL_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	DRILL_PIDS=()
}

# drill_start DIR HYPOTHESIS ACTION KILL: the responder on :: port 25,
# logging to DIR/notes.log with the HYPOTHESIS (ip|noip) rejection line,
# and `dominoban run` on that log with the shipped patterns and the
# defaults, except the paths, ports = 25, action = ACTION, kill_sessions =
# KILL, the relay network 198.51.100.0/24 allowlisted and own_addresses =
# no. Optional environment: DRILL_DELAY (ms per RCPT, 20), DRILL_IDLE
# (responder idle timeout, ms, 60000) and DRILL_ERROR_LIMIT (Domino's
# SMTPErrorLimit, 0: none). Returns once both answer; exits 70
# when one does not start. Sets DRILL_LOG and DRILL_CONF.
drill_start() {
	local dir=$1 hyp=$2 action=$3 kill=$4 i
	DRILL_LOG=$dir/notes.log
	DRILL_CONF=$dir/dominoban.conf
	: >"$DRILL_LOG"
	"$SMTPD" --log "$DRILL_LOG" --rcpt-line "$hyp" \
	    --rcpt-delay-ms "${DRILL_DELAY:-20}" \
	    --idle-timeout-ms "${DRILL_IDLE:-60000}" \
	    --error-limit "${DRILL_ERROR_LIMIT:-0}" \
	    --valid john@example.com --valid postmaster@example.com \
	    >"$dir/smtpd.out" 2>&1 &
	DRILL_PIDS+=($!)
	cat >"$DRILL_CONF" <<CONF
[daemon]
logs = $DRILL_LOG
patterns = $SRC/patterns
control_socket = $dir/control.sock
state_dir = $dir
[nft]
ports = 25
action = $action
kill_sessions = $kill
[score]
# The responder has no session open when the daemon starts, and the daemon
# reads every line after: the SMTP session tracker's blind spell at start
# (sessions opened before it are unknown) need not last long.
smtp_session_max = 1s
[allow]
# The perimeter relay forwards whatever the internet sends it.
cidrs = 198.51.100.0/24
# The drill's attackers are addresses of this namespace itself; a real
# server keeps own_addresses = yes.
own_addresses = no
CONF
	"$DB" --config "$DRILL_CONF" run --foreground 2>"$dir/daemon.log" &
	DRILL_PIDS+=($!)
	for i in $(seq 1 250); do
		if [ -S "$dir/control.sock" ] &&
		    grep -q LISTENING "$dir/smtpd.out"; then
			return 0
		fi
		sleep 0.02
	done
	cat "$dir/daemon.log" "$dir/smtpd.out" >&2
	echo "drill: the daemon or the responder did not start" >&2
	exit 70
}
