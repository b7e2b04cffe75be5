#!/bin/sh
# dominoban quick start for a fresh Debian 12 or EL9 (RHEL 9, CentOS Stream 9)
# machine: install the build dependencies, build into _build/, and run the
# demo (the daemon in a private network namespace, against a generated
# Domino log under attack). Nothing on the host firewall is touched: the
# demo's nftables table lives and dies with its namespace.
#
#   ./quickstart.sh             deps + build + demo
#   ./quickstart.sh --no-deps   build + demo (dependencies already installed)
#   ./quickstart.sh --no-demo   deps + build only
set -eu
cd "$(dirname "$0")"

deps=yes
demo=yes
for a in "$@"; do
	case $a in
	--no-deps) deps=no ;;
	--no-demo) demo=no ;;
	-h|--help) sed -n '2,12p' "$0"; exit 0 ;;
	*) echo "quickstart: unknown option $a" >&2; exit 64 ;;
	esac
done

SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo

if [ $deps = yes ]; then
	if command -v apt-get >/dev/null 2>&1; then
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		    --no-install-recommends build-essential autoconf automake \
		    pkg-config libpcre2-dev libmnl-dev libnftnl-dev check zlib1g-dev \
		    libmosquitto-dev mosquitto mosquitto-clients \
		    libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev \
		    nftables iproute2 util-linux >/dev/null
	elif command -v dnf >/dev/null 2>&1; then
		# libnftnl-devel, libmnl-devel and check-devel live in CRB.
		$SUDO dnf install -y -q dnf-plugins-core
		$SUDO dnf config-manager --set-enabled crb 2>/dev/null || \
		    $SUDO subscription-manager repos --enable \
		    "codeready-builder-for-rhel-9-$(uname -m)-rpms" || true
		$SUDO dnf install -y -q gcc make autoconf automake \
		    pkgconf-pkg-config pcre2-devel libmnl-devel libnftnl-devel zlib-devel \
		    libcurl-devel jansson-devel libmicrohttpd-devel \
		    check-devel nftables iproute util-linux
		# The cluster (optional): libmosquitto and the test broker are
		# in EPEL; without them dominoban builds without [cluster].
		$SUDO dnf install -y -q epel-release 2>/dev/null || true
		$SUDO dnf install -y -q mosquitto-devel mosquitto ||
		    echo "quickstart: mosquitto-devel (EPEL) not installed:" \
		    "building without the cluster" >&2
	else
		echo "quickstart: neither apt-get nor dnf found; install the" \
		    "dependencies listed in README.md by hand" >&2
		exit 69
	fi
fi

./autogen.sh >/dev/null 2>&1
mkdir -p _build
cd _build
[ -f Makefile ] || ../configure --enable-werror >/dev/null
make -j"$(nproc)" >/dev/null
echo "quickstart: built $(./dominoban --version)"
cd ..

if [ $demo = yes ]; then
	exec tools/demo.sh _build
fi
