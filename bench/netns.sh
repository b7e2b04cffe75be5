# Sourced by the benches that run the daemon (daemon.sh, latency-load.sh,
# metrics.sh) after setting BENCH_NAME: re-runs the bench in a private
# network namespace (as root, or in a user namespace), then gives it a
# temporary directory T, removed at exit with the daemon DPID if set.
if [ "${DB_BENCH_NETNS:-}" != 1 ]; then
	export DB_BENCH_NETNS=1
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n bash "$0" "$@"
	elif unshare -rn true 2>/dev/null; then
		exec unshare -rn bash "$0" "$@"
	fi
	echo "SKIP: the $BENCH_NAME bench needs a network namespace"
	exit 0
fi
ip link set lo up
T=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-bench.XXXXXX")
DPID=
trap '[ -n "$DPID" ] && kill $DPID 2>/dev/null; [ -n "${KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
