#!/bin/bash
# make install into a DESTDIR, as the packages do: every file of the layout
# in its place, the installed configuration equal to the example but for
# the configured paths and dry_run = yes (and loadable with the installed
# patterns), man pages that groff accepts, an edited configuration kept
# across a second install and an uninstall, and nothing left behind by
# uninstall but the configuration the admin changed.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
: "${TOP_BUILDDIR:?}"
make_tmpdir
D=$T/root
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP_BUILDDIR" "$@"; }
var() { sed -n "s|^$1 = ||p" "$TOP_BUILDDIR/Makefile" | head -1; }
mk install DESTDIR="$D" >"$T/install.out" 2>&1 ||
	fail "make install: $(cat "$T/install.out")"

# Directories as configure resolved them (make expands ${prefix} for us).
dirs=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP_BUILDDIR" \
	-f Makefile -f - print-dirs <<'MK'
print-dirs:
	@echo "$(sbindir)|$(pkgsysconfdir)|$(pkgdatadir)|$(mandir)|$(systemdsystemunitdir)|$(sysusersdir)|$(tmpfilesdir)|$(runstatedir)|$(localstatedir)"
MK
) || fail "cannot read the install directories"
IFS='|' read -r sbindir etc share mandir unitdir sysusersdir tmpfilesdir run var <<<"$dirs"

for f in "$sbindir/dominoban" "$etc/dominoban.conf" \
    "$share/patterns/domino-auth.pat" "$share/patterns/domino-smtp.pat" \
    "$share/patterns/domino-tls.pat" "$mandir/man8/dominoban.8" \
    "$mandir/man5/dominoban.conf.5" "$mandir/man5/dominoban-patterns.5" \
    "$unitdir/dominoban.service" "$sysusersdir/dominoban.conf" \
    "$tmpfilesdir/dominoban.conf"; do
	[ -f "$D$f" ] || fail "not installed: $f"
done
[ -d "$D$etc/patterns.d" ] || fail "no $etc/patterns.d"
[ -z "$(ls -A "$D$etc/patterns.d")" ] || fail "$etc/patterns.d is not empty"
echo "ok: layout (sbin, etc, patterns.d, patterns, man 5 and 8, unit, sysusers, tmpfiles)"

v=$("$D$sbindir/dominoban" --version) || fail "--version exited $?"
expect_eq "installed binary --version" "$v" "dominoban $(var PACKAGE_VERSION)"
grep -qx "ExecStart=$sbindir/dominoban run --foreground" "$D$unitdir/dominoban.service" ||
	fail "unit ExecStart is not $sbindir/dominoban"
echo "ok: unit runs $sbindir/dominoban"

# The installed configuration: the example with paths and dry_run changed.
ex=$TOP_SRCDIR/packaging/dominoban.conf
conf=$D$etc/dominoban.conf
sed -e "s|$share|/usr/share/dominoban|g" -e "s|$etc|/etc/dominoban|g" \
    -e "s|$run/dominoban|/run/dominoban|g" \
    -e "s|$var/lib/dominoban|/var/lib/dominoban|g" \
    -e 's|^dry_run = yes$|dry_run = no|' "$conf" >"$T/back.conf"
diff -u "$ex" "$T/back.conf" >"$T/diff" ||
	fail "installed config differs from the example beyond paths and dry_run: $(cat "$T/diff")"
expect_eq "installed dry_run" "$(grep '^dry_run' "$conf")" "dry_run = yes"
expect_eq "installed patterns" "$(grep '^patterns' "$conf")" \
	"patterns = $share/patterns $etc/patterns.d"
sed -e "s|^patterns = .*|patterns = $D$share/patterns $D$etc/patterns.d|" \
    "$conf" >"$T/check.conf"
"$D$sbindir/dominoban" --config "$T/check.conf" run -n >"$T/check.out" 2>&1 ||
	fail "installed config with the installed patterns: $(cat "$T/check.out")"
echo "ok: $(cat "$T/check.out")"

if command -v groff >/dev/null; then
	for m in "$D$mandir"/man*/dominoban*; do
		out=$(groff -wall -mandoc -z "$m" 2>&1)
		[ -z "$out" ] || fail "groff warnings in $m: $out"
	done
	echo "ok: groff -wall -mandoc -z is silent on the three man pages"
else
	echo "note: groff not installed, man pages not linted"
fi

# An edited configuration survives a second install and the uninstall.
echo "# edited by the admin" >>"$conf"
mk install DESTDIR="$D" >"$T/install2.out" 2>&1 || fail "second make install"
grep -q "keeping the existing" "$T/install2.out" || fail "no notice of the kept config"
tail -1 "$conf" | grep -q "edited by the admin" || fail "make install overwrote an edited config"
mk uninstall DESTDIR="$D" >"$T/uninstall.out" 2>&1 || fail "make uninstall: $(cat "$T/uninstall.out")"
left=$(cd "$D" && find . -type f | sort)
expect_eq "files left after uninstall" "$left" "./${etc#/}/dominoban.conf"
echo "ok: edited config kept by install and uninstall; nothing else left"
