#!/usr/bin/env bash
# CI: the packages. On a fresh Debian 12 machine, as root, from a clean
# checkout (.ci/run calls it after the tests):
#   1. make dist; build the .deb from that tarball (packaging/debian/build-deb.sh)
#      and lint it (lintian, errors and warnings fail);
#   2. install it with apt-get; check the layout, the user, the directories;
#      `dominoban --version`; `dominoban run -n` on the shipped config;
#      the installed daemon as its own user, in dry run, answering the CLI;
#   3. systemd-analyze verify and security --offline on the installed unit,
#      failing above DB_SECURITY_MAX (exposure x 10; 11 = the 1.1 measured);
#      the unit's sandbox test against the installed binary;
#   4. rpmspec -P, rpmlint (spec and package), rpmbuild --nodeps from the
#      same tarball, and the package's contents and scriptlets;
#   5. the SELinux module compiles (selinux-policy-dev);
#   6. apt-get purge, and nothing of the package is left.
# Any failure stops the script with a message naming the step. It leaves the
# machine as it found it (the dominoban user too, unless it existed before).
# Artifacts (tarball, .deb, .rpm) stay in $PKG_OUT (default _build-pkgci/).
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
OUT=${PKG_OUT:-$top/_build-pkgci}
DB_SECURITY_MAX=${DB_SECURITY_MAX:-11}
export DEBIAN_FRONTEND=noninteractive

step() { printf '\n===== package CI: %s\n' "$*"; }
die() { printf 'package CI: FAILED: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (it installs packages)"
command -v apt-get >/dev/null || die "needs apt-get (Debian 12)"

step "build dependencies"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	build-essential debhelper autoconf automake pkg-config \
	libpcre2-dev libmnl-dev libnftnl-dev zlib1g-dev check libmosquitto-dev \
	lintian rpm rpmlint systemd man-db groff-base acl \
	strace nftables iproute2 procps python3 selinux-policy-dev \
	>/dev/null

rm -rf "$OUT" && mkdir -p "$OUT"
work=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-pkgci.XXXXXX")
had_user=no
getent passwd dominoban >/dev/null && had_user=yes
cleanup() {
	rc=$?
	if dpkg -s dominoban >/dev/null 2>&1; then
		apt-get purge -y -qq dominoban >/dev/null 2>&1 || true
	fi
	if [ "$had_user" = no ] && getent passwd dominoban >/dev/null; then
		userdel dominoban 2>/dev/null || true
		getent group dominoban >/dev/null && groupdel dominoban 2>/dev/null || true
	fi
	[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
	rm -rf "$work"
	[ $rc -eq 0 ] || printf 'package CI: FAILED (exit %s)\n' "$rc" >&2
	exit $rc
}
trap cleanup EXIT

step "make dist"
[ -x configure ] || ./autogen.sh >/dev/null
mkdir "$work/dist"
(cd "$work/dist" && "$top/configure" >/dev/null && make -s dist >/dev/null)
tarball=$(ls "$work"/dist/dominoban-*.tar.gz)
cp "$tarball" "$OUT/"
tarball=$OUT/$(basename "$tarball")
version=$(basename "$tarball" .tar.gz); version=${version#dominoban-}
echo "$tarball (version $version)"

step "build the .deb (packaging/debian/build-deb.sh)"
# The test suite already ran in .ci/run; PKG_CHECK=1 runs it again here.
[ "${PKG_CHECK:-0}" = 1 ] || export DEB_BUILD_OPTIONS=nocheck
deb=$(packaging/debian/build-deb.sh -t "$tarball" -o "$OUT" | tail -1)
[ -f "$deb" ] || die "no .deb produced"
echo "$deb"
dpkg-deb -c "$deb" | awk '{ print $6 }' >"$work/deb.list"
for f in ./usr/sbin/dominoban ./etc/dominoban/dominoban.conf ./etc/dominoban/patterns.d/ \
    ./usr/share/dominoban/patterns/domino-smtp.pat ./lib/systemd/system/dominoban.service \
    ./usr/lib/sysusers.d/dominoban.conf ./usr/lib/tmpfiles.d/dominoban.conf \
    ./usr/share/man/man8/dominoban.8.gz ./usr/share/man/man5/dominoban.conf.5.gz \
    ./usr/share/man/man5/dominoban-patterns.5.gz ./usr/share/doc/dominoban/DOMINO.md.gz; do
	grep -qxF "$f" "$work/deb.list" || die ".deb lacks $f"
done
echo "ok: .deb holds the layout"

step "lintian"
lintian --fail-on error,warning --info "$deb" || die "lintian reported errors or warnings"
echo "ok: lintian clean (overrides, each with its reason, in packaging/debian/dominoban.lintian-overrides)"

step "install the .deb"
apt-get install -y -qq "$deb" >/dev/null
getent passwd dominoban >/dev/null || die "no dominoban user after install"
getent group dominoban >/dev/null || die "no dominoban group after install"
[ "$(stat -c '%U:%G %a' /var/lib/dominoban)" = "dominoban:dominoban 700" ] ||
	die "/var/lib/dominoban is $(stat -c '%U:%G %a' /var/lib/dominoban)"
[ "$(stat -c '%U:%G %a' /run/dominoban)" = "dominoban:dominoban 750" ] ||
	die "/run/dominoban is $(stat -c '%U:%G %a' /run/dominoban)"
grep -qx 'dry_run = yes' /etc/dominoban/dominoban.conf || die "shipped config is not in dry run"
grep -qx /etc/dominoban/dominoban.conf /var/lib/dpkg/info/dominoban.conffiles ||
	die "dominoban.conf is not a conffile"
if [ -d /run/systemd/system ]; then
	systemctl is-enabled dominoban >/dev/null 2>&1 && die "the package enabled the service"
else
	echo "note: systemd is not PID 1 here: the maintainer scripts started nothing (checked below)"
fi
pgrep -u dominoban >/dev/null && die "a process of the dominoban user runs after install"
echo "ok: user, group, /var/lib/dominoban 0700, /run/dominoban 0750, conffile in dry run, service not started"

step "dominoban --version and run -n on the shipped config"
v=$(dominoban --version)
[ "$v" = "dominoban $version" ] || die "--version says '$v', want 'dominoban $version'"
echo "$v"
dominoban run -n || die "dominoban run -n refused the shipped /etc/dominoban/dominoban.conf"
man -w dominoban >/dev/null 2>&1 || echo "note: man cannot find dominoban(8) (dpkg path-exclude for man pages?)"

step "the installed daemon as its user, in dry run, with the shipped config"
# What systemd would do, less the sandbox: user dominoban, CAP_NET_ADMIN
# ambient. Only the log path is changed, to a file of ours.
mkdir -p "$work/logs" && chmod 755 "$work" "$work/logs"
: >"$work/logs/notes.log" && chmod 644 "$work/logs/notes.log"
sed "s|^logs = .*|logs = $work/logs/notes.log|" /etc/dominoban/dominoban.conf >"$work/d.conf"
chmod 644 "$work/d.conf"
# In a network namespace of its own, so that the check that dry run made no
# nftables table cannot see anyone else's.
unshare -n setpriv --reuid=dominoban --regid=dominoban --init-groups \
	--inh-caps=+net_admin --ambient-caps=+net_admin \
	/usr/sbin/dominoban --config "$work/d.conf" run 2>"$work/daemon.err" &
dpid=$!
for _ in $(seq 100); do dominoban --config "$work/d.conf" status >/dev/null 2>&1 && break; sleep 0.1; done
dominoban --config "$work/d.conf" status >"$work/status" || die "daemon did not answer: $(cat "$work/daemon.err")"
grep -q 'DRY RUN' "$work/status" || die "status does not say DRY RUN: $(cat "$work/status")"
ts=$(date '+%d.%m.%Y %H:%M:%S')
for i in 1 2 3 4 5; do
	echo "[004711:000010-00007F3A9C5FE700] $ts   SMTP Server: Authentication failed for user u$i ; connecting host 203.0.113.77"
done >>"$work/logs/notes.log"
for _ in $(seq 100); do dominoban --config "$work/d.conf" list 2>/dev/null | grep -q 203.0.113.77 && break; sleep 0.1; done
dominoban --config "$work/d.conf" list 2>/dev/null | grep -q 203.0.113.77 || die "dry-run ban not listed: $(cat "$work/daemon.err")"
[ -z "$(nsenter -t "$dpid" -n nft list tables)" ] || die "dry run created an nftables table"
kill "$dpid"; wait "$dpid" || die "daemon exited $? on SIGTERM: $(cat "$work/daemon.err")"
dpid=""
[ "$(stat -c %U /var/lib/dominoban/state)" = dominoban ] || die "no state file written by dominoban"
echo "ok: ran as dominoban, answered status/list through /run/dominoban, banned nothing in dry run, saved its state"

step "systemd-analyze verify and security on the installed unit"
unit=/lib/systemd/system/dominoban.service
verify_man=yes
man -w 8 dominoban >/dev/null 2>&1 || verify_man=no
systemd-analyze verify --man="$verify_man" "$unit" || die "systemd-analyze verify $unit"
echo "ok: systemd-analyze verify --man=$verify_man $unit"
systemd-analyze security --offline=yes "$unit" | tail -1
systemd-analyze security --offline=yes --threshold="$DB_SECURITY_MAX" "$unit" >/dev/null ||
	die "exposure above $DB_SECURITY_MAX/10 (see packaging/systemd/dominoban.service.in)"
echo "ok: exposure within $DB_SECURITY_MAX/10"
rc=0
DB_UNIT=$unit DOMINOBAN=/usr/sbin/dominoban TOP_SRCDIR=$top TOP_BUILDDIR=$work \
	bash packaging/tests/sandbox.sh || rc=$?
[ $rc -eq 0 ] || die "the unit's sandbox test against the installed daemon (exit $rc)"

step "RPM: rpmspec -P, rpmlint, rpmbuild --nodeps"
spec=packaging/rpm/dominoban.spec
mac=packaging/rpm/macros.non-el
rpmspec --load "$mac" -P "$spec" >"$work/spec.P" || die "rpmspec -P"
grep -q '^Version: *'"$version"'$' "$work/spec.P" || die "spec Version is not $version"
grep -q 'systemctl --no-reload preset dominoban.service' "$work/spec.P" || die "no %systemd_post in the parsed spec"
rpmlint -r packaging/rpm/dominoban.rpmlintrc "$spec" || die "rpmlint on the spec"
top_rpm=$work/rpmbuild
mkdir -p "$top_rpm/SOURCES"
cp "$tarball" packaging/systemd/dominoban.sysusers "$top_rpm/SOURCES/"
rpmbuild --define "_topdir $top_rpm" --load "$mac" --nodeps --nocheck -bb "$spec" \
	>"$work/rpmbuild.log" 2>&1 || { tail -40 "$work/rpmbuild.log"; die "rpmbuild"; }
rpm=$(ls "$top_rpm"/RPMS/*/dominoban-"$version"-*.rpm)
cp "$rpm" "$OUT/"
rpm -qlp "$rpm" >"$work/rpm.list"
for f in /usr/sbin/dominoban /etc/dominoban/dominoban.conf /usr/lib/systemd/system/dominoban.service \
    /usr/lib/sysusers.d/dominoban.conf /usr/lib/tmpfiles.d/dominoban.conf \
    /usr/share/man/man8/dominoban.8.gz /var/lib/dominoban /run/dominoban; do
	grep -qxF "$f" "$work/rpm.list" || die ".rpm lacks $f"
done
rpm -qp --configfiles "$rpm" | grep -qx /etc/dominoban/dominoban.conf || die "config not %config"
rpm -qp --scripts "$rpm" >"$work/scripts"
grep -q 'useradd -r -g dominoban' "$work/scripts" || die "no user creation in %pre"
rpmlint -c packaging/rpm/rpmlint-el.toml -r packaging/rpm/dominoban-rpm.rpmlintrc "$rpm" ||
	die "rpmlint on $rpm"
echo "ok: $OUT/$(basename "$rpm")"

step "SELinux module compiles"
mkdir "$work/se" && cp packaging/selinux/dominoban.te packaging/selinux/dominoban.fc \
	packaging/selinux/dominoban.if "$work/se/"
make -s -C "$work/se" -f /usr/share/selinux/devel/Makefile dominoban.pp >/dev/null ||
	die "packaging/selinux does not compile"
echo "ok: dominoban.pp built against $(dpkg-query -W -f '${Package} ${Version}' selinux-policy-dev) (not loaded: no SELinux kernel)"

step "purge"
apt-get purge -y -qq dominoban >/dev/null
for f in /usr/sbin/dominoban /etc/dominoban /lib/systemd/system/dominoban.service \
    /usr/share/dominoban /usr/lib/sysusers.d/dominoban.conf /var/lib/dominoban; do
	[ -e "$f" ] && die "$f left after purge"
done
echo "ok: nothing of the package left"

step "all package checks passed"
ls -l "$OUT"
