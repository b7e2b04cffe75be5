#!/bin/sh
# make bench: netlink figures in a private network namespace.
set -eu
B=${TOP_BUILDDIR:?}
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	exec unshare -n "$B/bench/nft-bench"
elif unshare -rn true 2>/dev/null; then
	exec unshare -rn "$B/bench/nft-bench"
fi
echo "SKIP: nft bench needs a network namespace"
