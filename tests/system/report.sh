#!/bin/bash
# The morning report over a generated week of Domino logs with known truth
# (tests/system/gen-week.py): `replay --rollup` builds the hourly rollup
# from the logs, `report --rollup` renders it, and every figure is checked
# against the truth (attack lines per hour and kind, bans per hour and
# tier, the top hosts and netblocks with their lines, bans and offences,
# the user names and recipients with their counts, the pattern that
# stopped matching) and against replay's own list of bans. The text and
# HTML renderings carry the same figures; the HTML is self-contained.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
make_tmpdir
command -v python3 >/dev/null || skip "python3 missing: the week's truth is computed with it"
export TZ=UTC
START=1795392000   # 2026-11-23 00:00 UTC
python3 "$TOP_SRCDIR/tests/system/gen-week.py" $START "$T/week.log" "$T/truth.json" ||
	fail "gen-week.py"
printf '[daemon]\nlogs = %s\n' "$T/week.log" >"$T/r.conf"
DB="$DOMINOBAN --config $T/r.conf"

expect_eq "replay --rollup" "$(rc_of $DB replay --patterns "$TOP_SRCDIR/patterns" \
	--rollup "$T/week.rollup" "$T/week.log")" 0
cp "$T/out" "$T/replay.out"
[ -s "$T/week.rollup" ] || fail "no rollup written"
expect_eq "report --format json" "$(rc_of $DB report --rollup "$T/week.rollup" \
	--since 7d --format json)" 0
cp "$T/out" "$T/report.json"

python3 - "$T/truth.json" "$T/report.json" "$T/replay.out" <<'PY' || fail "the report disagrees"
import collections, json, sys
truth = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
replay = [l.rstrip("\n").split("\t") for l in open(sys.argv[3])]
KINDS = ["auth", "unknown_rcpt", "relay", "dnsbl", "tls", "policy"]
TIERS = ["host", "net", "wide", "prefix"]
def eq(what, got, want):
    if got != want:
        sys.exit("FAIL: %s: got %r, want %r" % (what, got, want))
    print("ok: %s" % what)
eq("period start", rep["from"], truth["start"])
eq("hours", rep["hours"], truth["hours"])
# Attack lines per hour and kind, every hour (session lines: kind 7).
for h in range(truth["hours"]):
    eq_h = rep["per_hour"][h]["kinds"]
    for k in range(1, 9):
        if eq_h[k] != truth["kinds"][h][k]:
            sys.exit("FAIL: hour %d kind %d: got %d, want %d" %
                     (h, k, eq_h[k], truth["kinds"][h][k]))
print("ok: attack lines per hour and kind, all %d hours" % truth["hours"])
for i, k in enumerate(KINDS):
    eq("total %s lines" % k, rep["kinds"][k],
       sum(truth["kinds"][h][i + 1] for h in range(truth["hours"])))
# Bans per hour and tier.
want = collections.Counter((b["hour"], b["tier"]) for b in truth["bans"])
for h in range(truth["hours"]):
    start = truth["start"] + h * 3600
    for i, tier in enumerate(TIERS):
        got = rep["per_hour"][h]["tiers"][i]
        if got != want.get((start, tier), 0):
            sys.exit("FAIL: bans of tier %s in hour %d: got %d, want %d" %
                     (tier, h, got, want.get((start, tier), 0)))
print("ok: bans per hour and tier, all hours")
eq("host bans", rep["tiers"]["host"], sum(b["tier"] == "host" for b in truth["bans"]))
eq("net bans", rep["tiers"]["net"], sum(b["tier"] == "net" for b in truth["bans"]))
# ... and replay's own verdicts, target by target.
eq("bans = replay's verdicts", sum(rep["tiers"].values()), len(replay))
byt = collections.Counter(r[1] for r in replay)
eq("hosts banned", rep["hosts_banned"], sum(1 for t in byt if "/" not in t))
eq("netblocks banned", rep["nets_banned"], sum(1 for t in byt if "/" in t))
# Top hosts: the returning host first (15 lines, 3 bans, offences 3).
top = rep["hosts"][0]
eq("top host", top["target"], "192.0.2.66")
eq("top host lines", top["lines"], 15)
eq("top host bans", top["bans"], byt["192.0.2.66"])
eq("top host offences", top["offences"], 3)
eq("top host reasons", top["reasons"], "smtp-auth=15")
for t in rep["hosts"]:
    tb = [b for b in truth["bans"] if b["target"] == t["target"]]
    eq("bans of %s" % t["target"], t["bans"], len(tb))
    eq("offences of %s" % t["target"], t["offences"], max(b["offences"] for b in tb))
eq("netblock", [(n["target"], n["lines"], n["bans"]) for n in rep["nets"]],
   [("203.0.113.0/24", 15, 1)])
# Names: every count of the top lists, and how many there are.
for key, tkey in (("users", "users"), ("recipients", "recipients")):
    names = truth[tkey]
    eq("distinct " + key, rep["distinct_" + key], len(names))
    want = sorted(names.items(), key=lambda x: (-x[1], x[0]))[:20]
    eq(key, [(n["name"], n["count"]) for n in rep[key]], want)
eq("silent pattern", [s["pattern"] for s in rep["silent_patterns"]], [truth["silent"]])
eq("tls-fail hits before", rep["silent_patterns"][0]["before"],
   sum(truth["kinds"][h][5] for h in range(truth["hours"])))
PY

# The text: the same totals, the escaped user name, the silent pattern.
expect_eq "report (text)" "$(rc_of $DB report --rollup "$T/week.rollup" --since 7d)" 0
cp "$T/out" "$T/report.txt"
auth=$(python3 -c "import json; print(json.load(open('$T/report.json'))['kinds']['auth'])")
bans=$(python3 -c "import json; r = json.load(open('$T/report.json')); print(sum(r['tiers'].values()))")
grep -q "^Attack lines: .*(auth $auth, " "$T/report.txt" || fail "text totals: $(head -5 "$T/report.txt")"
grep -q "^Bans: *$bans (host " "$T/report.txt" || fail "text bans: $(head -5 "$T/report.txt")"
grep -q '^  192\.0\.2\.66  *15  *3  *3  smtp-auth=15$' "$T/report.txt" ||
	fail "text top host: $(grep -A3 'Top attacking hosts' "$T/report.txt")"
grep -q '<script>x</script>' "$T/report.txt" || fail "text user names: $(grep -A8 'User names' "$T/report.txt")"
grep -q 'pattern tls-fail matched 144 times' "$T/report.txt" || fail "text: no silent pattern"
echo "ok: the text report"

# The last 24 hours only: the silent pattern, a day's figures.
expect_eq "report --since 24h" "$(rc_of $DB report --rollup "$T/week.rollup" --since 24h --format json)" 0
python3 - "$T/out" "$T/truth.json" <<'PY' || fail "report --since 24h"
import json, sys
r, t = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert r["hours"] == 24 and r["from"] == t["start"] + 144 * 3600, (r["hours"], r["from"])
assert r["kinds"]["auth"] == sum(t["kinds"][h][1] for h in range(144, 168)), r["kinds"]
assert [s["pattern"] for s in r["silent_patterns"]] == ["tls-fail"], r["silent_patterns"]
print("ok: report --since 24h")
PY

# HTML: self-contained, escaped, one bar per non-zero hour and kind or tier.
expect_eq "report --format html" "$(rc_of $DB report --rollup "$T/week.rollup" --since 7d \
	--format html --output "$T/report.html")" 0
for bad in '<script' 'src=' 'href=' 'url(' '@import' '<b>x'; do
	grep -qF "$bad" "$T/report.html" && fail "the HTML holds '$bad'"
done
grep -qF '&lt;script&gt;x&lt;/script&gt;' "$T/report.html" || fail "the user name is not escaped"
bars=$(grep -o 'class="bar"' "$T/report.html" | wc -l)
want=$(python3 -c "
import json; r = json.load(open('$T/report.json'))
print(sum(1 for h in r['per_hour'] for k in (1, 2, 3, 4, 5, 6) if h['kinds'][k]) +
      sum(1 for h in r['per_hour'] for v in h['tiers'] if v))")
expect_eq "chart bars in the HTML" "$bars" "$want"
echo "ok: the HTML report"

# Usage errors and a rollup that is not one.
expect_eq "report --since 5m" "$(rc_of $DB report --rollup "$T/week.rollup" --since 5m)" 64
expect_eq "report --format pdf" "$(rc_of $DB report --rollup "$T/week.rollup" --format pdf)" 64
expect_eq "report extra" "$(rc_of $DB report --rollup "$T/week.rollup" extra)" 64
echo "garbage" >"$T/bad.rollup"
expect_eq "report on a bad rollup" "$(rc_of $DB report --rollup "$T/bad.rollup")" 65
grep -q "bad.rollup: line 1: not a dominoban rollup" "$T/err" || fail "unclear error: $(cat "$T/err")"
expect_eq "report on a missing rollup" "$(rc_of $DB report --rollup "$T/none.rollup")" 66
echo "ok: usage errors"
