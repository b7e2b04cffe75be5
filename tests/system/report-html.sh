#!/bin/bash
# The HTML report of a generated week rendered in a real headless browser
# (Debian chromium-headless-shell or chromium): the DOM the browser built
# holds both charts and one bar per non-zero hour and kind or tier, and
# screenshots in the light and the dark colour scheme are kept as test
# artefacts (tests/artefacts/report-light.png, report-dark.png in the
# build directory), their background checked pixel by pixel. Skips loudly
# without a browser or python3.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
make_tmpdir
command -v python3 >/dev/null || skip "python3 missing: the week's truth is computed with it"
use_browser
export TZ=UTC
ART=${TOP_BUILDDIR:-.}/tests/artefacts
mkdir -p "$ART"
printf '[daemon]\nlogs = %s\n' "$T/week.log" >"$T/r.conf"
DB="$DOMINOBAN --config $T/r.conf"
python3 "$TOP_SRCDIR/tests/system/gen-week.py" 1795392000 "$T/week.log" "$T/truth.json" ||
	fail "gen-week.py"
$DB replay --patterns "$TOP_SRCDIR/patterns" --rollup "$T/week.rollup" "$T/week.log" \
	>/dev/null 2>&1 || fail "replay --rollup"
$DB report --rollup "$T/week.rollup" --since 7d --format html --output "$T/report.html" ||
	fail "report --format html"
$DB report --rollup "$T/week.rollup" --since 7d --format json >"$T/report.json" ||
	fail "report --format json"

browser --dump-dom "file://$T/report.html" >"$T/dom.html" || fail "the browser: $(tail -5 "$T/browser.err")"
expect_eq "charts in the rendered DOM" "$(grep -o '<svg' "$T/dom.html" | wc -l)" 2
bars=$(grep -o '<rect class="bar"' "$T/dom.html" | wc -l)
want=$(python3 -c "
import json; r = json.load(open('$T/report.json'))
print(sum(1 for h in r['per_hour'] for k in (1, 2, 3, 4, 5, 6) if h['kinds'][k]) +
      sum(1 for h in r['per_hour'] for v in h['tiers'] if v))")
expect_eq "bars in the rendered DOM" "$bars" "$want"
grep -q '<td><code>192.0.2.66</code></td>' "$T/dom.html" || fail "the top host is not in the DOM"

# px PNG: the colour of the top-left pixel, as rrggbb (the page background).
px() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
i, idat = 8, b""
while i < len(d):
    n, = struct.unpack(">I", d[i:i + 4])
    if d[i + 4:i + 8] == b"IDAT":
        idat += d[i + 8:i + 8 + n]
    i += 12 + n
# The first pixel of the first row is stored as is whatever its filter.
print(zlib.decompressobj().decompress(idat, 64)[1:4].hex())
PY
}
rm -f "$ART/report-light.png" "$ART/report-dark.png"
browser --window-size=800,1800 --blink-settings=preferredColorScheme=1 \
	--screenshot="$ART/report-light.png" "file://$T/report.html" >/dev/null ||
	fail "light screenshot: $(tail -5 "$T/browser.err")"
browser --window-size=800,1800 --blink-settings=preferredColorScheme=0 \
	--screenshot="$ART/report-dark.png" "file://$T/report.html" >/dev/null ||
	fail "dark screenshot: $(tail -5 "$T/browser.err")"
expect_eq "light background" "$(px "$ART/report-light.png")" ffffff
expect_eq "dark background" "$(px "$ART/report-dark.png")" 111827
echo "ok: screenshots kept in $ART"
