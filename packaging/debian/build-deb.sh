#!/bin/sh
# Build the dominoban .deb from a clean copy of the source: the `make dist`
# tarball (made here from the checkout, or given with -t), unpacked in a
# scratch directory, with its packaging/debian as ./debian, then
# `dpkg-buildpackage -us -uc -b`. The .deb, .buildinfo and .changes end up
# in OUTDIR (default: _build-deb/ at the top of the checkout), and the path
# of the .deb is printed last.
#
#   packaging/debian/build-deb.sh [-t dominoban-X.Y.Z.tar.gz] [-o OUTDIR]
#
# Needs: build-essential debhelper autoconf automake pkg-config
# libpcre2-dev libmnl-dev libnftnl-dev zlib1g-dev check (.ci/package.sh installs
# them). DEB_BUILD_OPTIONS=nocheck skips the test suite during the build.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
tarball=""
out=$top/_build-deb
while getopts t:o: opt; do
	case $opt in
	t) tarball=$(cd "$(dirname "$OPTARG")" && pwd)/$(basename "$OPTARG") ;;
	o) mkdir -p "$OPTARG" && out=$(cd "$OPTARG" && pwd) ;;
	*) echo "usage: $0 [-t TARBALL] [-o OUTDIR]" >&2; exit 64 ;;
	esac
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ -z "$tarball" ]; then
	# make dist from a scratch build directory; the checkout stays as it is.
	[ -x "$top/configure" ] || (cd "$top" && ./autogen.sh)
	mkdir "$work/dist"
	(cd "$work/dist" && "$top/configure" >/dev/null && make -s dist >/dev/null)
	tarball=$(ls "$work"/dist/dominoban-*.tar.gz)
fi
[ -f "$tarball" ] || { echo "build-deb: no tarball $tarball" >&2; exit 66; }

name=$(basename "$tarball" .tar.gz)     # dominoban-X.Y.Z
version=${name#dominoban-}
mkdir "$work/src"
tar -xzf "$tarball" -C "$work/src"
src=$work/src/$name
[ -d "$src/packaging/debian" ] || { echo "build-deb: $tarball has no packaging/debian" >&2; exit 65; }
cp -a "$src/packaging/debian" "$src/debian"
rm -f "$src/debian/build-deb.sh"
# The 3.0 (quilt) format wants the upstream tarball next to the tree.
ln -s "$tarball" "$work/src/dominoban_$version.orig.tar.gz"

changelog_version=$(cd "$src" && dpkg-parsechangelog -S Version)
case $changelog_version in
"$version"-*) ;;
*) echo "build-deb: debian/changelog is at $changelog_version, the tarball at $version" >&2
   exit 65 ;;
esac

(cd "$src" && dpkg-buildpackage -us -uc -b)

mkdir -p "$out"
for f in "$work"/src/*.deb "$work"/src/*.buildinfo "$work"/src/*.changes; do
	[ -e "$f" ] && cp "$f" "$out/"
done
deb=$(ls "$out"/dominoban_"$changelog_version"_*.deb)
echo "$deb"
