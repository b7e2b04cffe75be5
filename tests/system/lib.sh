# Shared helpers for the system tests: sourced, not run.
#
# System tests run the real binary against real files and the real kernel.
# Those that need nftables re-execute themselves in a throwaway network
# namespace (unshare -n as root, unshare -rn otherwise) and exit 77, which
# automake reports as SKIP, when no namespace can be made. They never pass
# silently.

: "${DOMINOBAN:?DOMINOBAN must point at the dominoban binary}"
: "${TOP_SRCDIR:?TOP_SRCDIR must point at the source tree}"

skip() {
	echo "SKIP: $*" >&2
	exit 77
}

fail() {
	echo "FAIL: $*" >&2
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
	local limit=$1 i=0 n
	shift
	n=$((limit * 50))
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -ge "$n" ] && return 1
		sleep 0.02
	done
	return 0
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
	echo "ok: $1"
}
