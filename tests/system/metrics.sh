#!/bin/bash
# Metrics: `dominoban metrics` and the node_exporter textfile carry the
# same values as `status` and `status --json` (one list of named values),
# in the Prometheus text format that promtool accepts. Five failed logins
# ban a host: the line counts per file, the events per pattern, the ban by
# origin and kind, the active ban by origin, family and tier and the
# latency histogram all show it; the textfile is rewritten every interval
# and replaced atomically; a textfile that cannot be written is counted
# and logged, and the daemon goes on. promtool (Debian: prometheus) checks
# the format; without it the rest runs and the test then skips, loudly.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_metrics
mkdir -p "$T/textfile"
db_config <<CONF
[nft]
ports = 25
[metrics]
textfile = $T/textfile/dominoban.prom
interval = 1
CONF
db_start "$DB_CONF" "$T/daemon.err"

db_fail_auth 198.51.100.7 5
wait_until 10 in_set $TABLE host4 198.51.100.7 || fail "198.51.100.7 not banned"
echo "# not a log line" | db_lines >>"$LOG"
DB_NLINES=$((DB_NLINES + 1))
wait_until 10 db_lines_read "$DB_NLINES" || fail "the daemon did not read the last line"

expect_eq "metrics" "$(rc_of $DB metrics)" 0
cp "$T/out" "$T/metrics.txt"
[ -s "$T/err" ] && fail "metrics wrote to stderr: $(cat "$T/err")"
M=$T/metrics.txt
expect_eq "lines read from the log" "$(metric "dominoban_lines_read_total{file=\"$LOG\"}" "$M")" 6
expect_eq "long lines of the log" "$(metric "dominoban_long_lines_total{file=\"$LOG\"}" "$M")" 0
expect_eq "local auth bans" "$(metric 'dominoban_bans_total{origin="local",kind="auth"}' "$M")" 1
expect_eq "manual bans" "$(metric 'dominoban_bans_total{origin="manual",kind="manual"}' "$M")" 0
expect_eq "active local IPv4 host bans" \
	"$(metric 'dominoban_bans_active{origin="local",family="ipv4",tier="host"}' "$M")" 1
expect_eq "active local IPv4 net bans" \
	"$(metric 'dominoban_bans_active{origin="local",family="ipv4",tier="net"}' "$M")" 0
expect_eq "latency observations" "$(metric dominoban_ban_latency_seconds_count "$M")" 1
expect_eq "latency +Inf bucket" "$(metric 'dominoban_ban_latency_seconds_bucket{le="+Inf"}' "$M")" 1
events=$(awk '/^dominoban_events_total\{.*kind="auth"/ { s += $2 } END { print s + 0 }' "$M")
expect_eq "auth events over the patterns" "$events" 5
grep -q '^dominoban_build_info{version="[^"]*",regex_engine="\(jit\|interpreter\)"} 1$' "$M" ||
	fail "no build_info: $(grep build_info "$M")"
# No address is ever a label.
grep -v '^#' "$M" | grep -q '198\.51\.100' && fail "an address in a label: $(grep 198.51.100 "$M")"
echo "ok: the exposition counts the lines, the events, the ban and its latency"

# The same values in status --json and in the text.
$DB status --json >"$T/status.json" || fail "status --json"
json() { sed -n "s/.*\"$1\":\\([0-9]*\\)[,}].*/\\1/p" "$T/status.json"; }
expect_eq "status lines = metrics lines" "$(json lines)" 6
expect_eq "status bans_decided = verdicts_total" "$(json bans_decided)" "$(metric dominoban_verdicts_total "$M")"
expect_eq "status ctl_bad = control_requests_total{bad}" "$(json ctl_bad)" \
	"$(metric 'dominoban_control_requests_total{result="bad"}' "$M")"
expect_eq "status records = records" "$(json records)" "$(metric dominoban_records "$M")"
$DB status >"$T/status.txt" || fail "status"
grep -q '^lines read: *6 (0 over-long dropped' "$T/status.txt" || fail "status text: $(cat "$T/status.txt")"
grep -q '^active bans: *1 (0 inside a wider net ban, 1 decided' "$T/status.txt" ||
	fail "status text: $(cat "$T/status.txt")"
if command -v jq >/dev/null; then
	jq -e '.patterns | length > 0' "$T/status.json" >/dev/null || fail "status --json patterns: $(cat "$T/status.json")"
fi
echo "ok: status, status --json and metrics agree"

# metrics is read-only, open to anyone who can connect; a privileged verb
# refused to such a peer is counted as denied.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] &&
    setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
	chmod 0755 "$T"
	chmod 0644 "$DB_CONF"
	chmod 0666 "$T/control.sock"
	AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	expect_eq "metrics as uid 65534" "$(rc_of $AS_NOBODY $DB metrics)" 0
	expect_eq "reload as uid 65534" "$(rc_of $AS_NOBODY $DB reload)" 77
	$DB metrics >"$T/m2" || fail "metrics"
	expect_eq "denied requests" "$(metric 'dominoban_control_requests_total{result="denied"}' "$T/m2")" 1
else
	echo "note: cannot run as uid 65534: denied requests not checked"
	cp "$M" "$T/m2"
fi

# The textfile: there, complete, and rewritten each interval.
TF=$T/textfile/dominoban.prom
wait_until 10 grep -q '^dominoban_bans_total{origin="local",kind="auth"} 1$' "$TF" ||
	fail "the textfile lacks the ban: $(cat "$TF" 2>&1 | head)"
ls "$T/textfile" | grep -v '^dominoban.prom$' && fail "temporary files left: $(ls "$T/textfile")"
up1=$(metric dominoban_uptime_seconds "$TF")
wait_until 10 sh -c "[ \"\$(awk '\$1 == \"dominoban_uptime_seconds\" { print \$2 }' '$TF')\" -gt $up1 ]" ||
	fail "the textfile is not rewritten (uptime stays $up1)"
echo "ok: the textfile is written and rewritten"

# A textfile that cannot be written: counted, logged, the daemon goes on.
rm -rf "$T/textfile"
wait_until 10 sh -c "$DB metrics | grep -q '^dominoban_textfile_errors_total [1-9]'" ||
	fail "textfile errors not counted: $($DB metrics | grep textfile)"
grep -q 'metrics textfile path=.*not written' "$T/daemon.err" || fail "no log of the failed write: $(cat "$T/daemon.err")"
$DB status >/dev/null || fail "status after the failed write"
echo "ok: a failed textfile write is counted and logged"

db_stop
expect_eq "exit status" "$DB_RC" 0

# The Grafana dashboard: valid JSON, every panel on the datasource
# variable, every metric it queries in the exposition; its queries go into
# a rules file for promtool to parse.
DASH=$TOP_SRCDIR/packaging/grafana/dominoban.json
if command -v python3 >/dev/null; then
	python3 - "$DASH" "$M" "$T/rules.yml" <<'PY' || fail "the dashboard"
import json, re, sys
dash = json.load(open(sys.argv[1]))
types = set(re.findall(r"^# TYPE (\S+) ", open(sys.argv[2]).read(), re.M))
names = [v["name"] for v in dash["templating"]["list"]]
assert "datasource" in names and "instance" in names, names
ds = [v for v in dash["templating"]["list"] if v["name"] == "datasource"][0]
assert ds["type"] == "datasource" and ds["query"] == "prometheus", ds
exprs = []
for p in dash["panels"]:
    if p["type"] == "row":
        continue
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    for t in p["targets"]:
        assert t["datasource"]["uid"] == "${datasource}", p["title"]
        exprs.append(t["expr"])
        for m in re.findall(r"\b(dominoban_[a-z_]+)", t["expr"]):
            if re.match(r"dominoban_(cluster|crowdsec)_", m):
                continue  # only with those sections: cluster.sh, crowdsec.sh
            fam = re.sub(r"_(bucket|sum|count)$", "", m) if m.startswith("dominoban_ban_latency") else m
            assert fam in types, "%s (panel %s) is not in the exposition" % (m, p["title"])
with open(sys.argv[3], "w") as f:
    f.write("groups:\n- name: dashboard\n  rules:\n")
    for i, e in enumerate(exprs):
        e = e.replace("$__rate_interval", "5m").replace("$instance", ".*")
        f.write("  - record: dashboard_expr_%d\n    expr: %s\n" % (i, json.dumps(e)))
print("ok: the dashboard: %d panels, %d queries, every metric exported" %
      (sum(p["type"] != "row" for p in dash["panels"]), len(exprs)))
PY
else
	echo "note: no python3: the dashboard was not checked"
fi

if ! command -v promtool >/dev/null; then
	skip "promtool not installed (Debian: prometheus): the exposition format was not checked"
fi
promtool check metrics <"$M" >"$T/promtool.out" 2>&1 || fail "promtool: $(cat "$T/promtool.out")"
promtool check metrics <"$T/m2" >"$T/promtool.out" 2>&1 || fail "promtool (2): $(cat "$T/promtool.out")"
echo "ok: promtool check metrics accepts the exposition"
if [ -f "$T/rules.yml" ]; then
	promtool check rules "$T/rules.yml" >"$T/promtool.out" 2>&1 ||
		fail "promtool rejects a dashboard query: $(cat "$T/promtool.out")"
	echo "ok: promtool parses every query of the dashboard"
fi
