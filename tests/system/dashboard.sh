#!/bin/bash
# The Grafana dashboard (packaging/grafana/dominoban.json) against a real
# Prometheus, rendered without Grafana (not packaged in Debian 12). Two
# servers in a cluster (mail1 alone in a build without MQTT or without
# mosquitto) run in a network namespace under half a minute of attack:
# password guessing over SMTP and HTTP, IPv4 and IPv6, a netblock,
# unknown recipients, banned hosts knocking again, a session of an
# attacker cut, a manual unban, bans expiring, a set flushed behind the
# daemon's back. Prometheus (Debian: prometheus) scrapes each server
# every second at its [metrics] listen (or, in a build without
# libmicrohttpd, its metrics textfile through a tiny exporter,
# dashboard.py serve); then every query of every panel goes through Prometheus'
# query_range API and must be valid, and must return data where the
# attack produces it (the rules below). The panels are drawn in the
# dashboard's grid, one row per server, as one HTML page of inline SVG,
# screenshotted with a headless browser into tests/artefacts/dashboard.png
# in the build directory (docs/dashboard.png is one such render). Skips
# loudly without prometheus, a browser or python3.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_dash
command -v python3 >/dev/null || skip "python3 missing: the exporter and the renderer are Python"
command -v prometheus >/dev/null || skip "prometheus not installed (Debian: prometheus): the dashboard's queries were not run"
use_browser
DASH=$TOP_SRCDIR/packaging/grafana/dominoban.json
PY=$TOP_SRCDIR/tests/system/dashboard.py
ART=${TOP_BUILDDIR:-.}/tests/artefacts
mkdir -p "$ART"
FAIL_LOGS="$T/daemon.err $T/prometheus.err"

for a in 198.51.100.11 198.51.100.12 198.51.100.13 192.0.2.14 \
    203.0.113.15 192.0.2.16 203.0.113.5; do
	ip addr add "$a/32" dev lo || skip "cannot add addresses in the namespace"
done
ip -6 addr add 2001:db8:bad::5/128 dev lo nodad

# A cluster of two where the build and the machine allow it: mail2 is a
# second daemon in this namespace (its own table, log, state and
# textfile), both on a mosquitto broker, so that the per-server rows
# repeat and the cluster panels have data. Else mail1 alone.
NODES=mail1
if ! grep -q '^#define HAVE_MQTT 1' "$TOP_BUILDDIR/config.h"; then
	echo "note: built without MQTT: one server, the cluster panels are checked empty"
elif MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto) && [ ! -x "$MOSQUITTO" ]; then
	echo "note: mosquitto not installed: one server, the cluster panels are checked empty"
else
	NODES="mail1 mail2"
	SOCK=$T/mqtt.sock
	broker_start
fi
# Prometheus scrapes each server's [metrics] listen where the build has
# libmicrohttpd, else its textfile through a tiny exporter.
SCRAPE=listen
grep -q '^#define HAVE_MHD 1' "$TOP_BUILDDIR/config.h" || SCRAPE=textfile
# node_conf NAME TABLE DIR PORT: the configuration of one server, on stdout.
node_conf() {
	printf '[daemon]\nlogs = %s\npatterns = %s\n' "$3/notes.log" "$SHIPPED"
	printf 'control_socket = %s\nstate_dir = %s\n' "$3/control.sock" "$3/state"
	printf '[nft]\ntable = %s\nports = 25\naction = drop\n' "$2"
	printf '[ban]\nban_time = 12s\n[allow]\nown_addresses = no\n'
	if [ $SCRAPE = listen ]; then
		printf '[metrics]\nlisten = 127.0.0.1:%s\n' "$4"
	else
		printf '[metrics]\ntextfile = %s\ninterval = 1\n' "$3/dominoban.prom"
	fi
	[ "$NODES" = mail1 ] || printf '[cluster]\nbroker = unix:%s\nnode = %s\n' "$SOCK" "$1"
}
node_conf mail1 $TABLE "$T" 9187 >"$DB_CONF"
db_start "$DB_CONF" "$T/daemon.err"
PID1=$DB_PID
N2=$T/mail2
LOG2=$N2/notes.log
DB2="$DOMINOBAN --config $N2/dominoban.conf"
if [ "$NODES" != mail1 ]; then
	mkdir "$N2" && : >"$LOG2" || fail "mkdir $N2"
	node_conf mail2 ${TABLE}2 "$N2" 9188 >"$N2/dominoban.conf"
	FAIL_LOGS="$FAIL_LOGS $N2/daemon.err"
	db_start "$N2/dominoban.conf" "$N2/daemon.err"
	wait_until 30 eval '$DB status | grep -q "^cluster: .* connected for"' ||
		fail "mail1 not connected: $($DB status | grep '^cluster')"
	wait_until 30 eval '$DB2 status | grep -q "^cluster: .* connected for"' ||
		fail "mail2 not connected: $($DB2 status | grep '^cluster')"
	echo "ok: mail1 and mail2 connected to the broker"
fi
db_listen :: 25

# Prometheus (and the exporters if any) on this namespace's loopback;
# the instance label is the server's name.
port=9187
targets=
for n in $NODES; do
	f=$T/dominoban.prom
	[ "$n" = mail1 ] || f=$T/$n/dominoban.prom
	if [ $SCRAPE = textfile ]; then
		python3 "$PY" serve $port "$f" 2>>"$T/exporter.err" &
		DAEMON_PIDS="$DAEMON_PIDS $!"
	fi
	targets="$targets
      - targets: ['127.0.0.1:$port']
        labels: {instance: $n}"
	port=$((port + 1))
done
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: dominoban
    static_configs:$targets
YML
PROM=http://127.0.0.1:9090
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
	--web.listen-address=127.0.0.1:9090 >"$T/prometheus.err" 2>&1 &
DAEMON_PIDS="$DAEMON_PIDS $!"
# prom_value QUERY: the first value of an instant query, or nothing.
prom_value() {
	python3 - "$PROM" "$1" <<'PY'
import json, sys, urllib.parse, urllib.request
u = "%s/api/v1/query?%s" % (sys.argv[1], urllib.parse.urlencode({"query": sys.argv[2]}))
r = json.load(urllib.request.urlopen(u, timeout=10))["data"]["result"]
print(r[0]["value"][1] if r else "")
PY
}
wait_until 60 eval 'test "$(prom_value "count(up{job=\"dominoban\"} == 1)")" = $(echo $NODES | wc -w)' ||
	fail "Prometheus did not scrape the exporter: $(tail -3 "$T/prometheus.err")"
START=$(date +%s)
echo "ok: Prometheus scrapes the servers' metrics (from their $SCRAPE)"

# A session of an attacker open before its ban: cut by the ban.
"$PROBE" hold 198.51.100.13 127.0.0.1 25 60000 >"$T/hold.out" &
HOLD=$!
DAEMON_PIDS="$DAEMON_PIDS $HOLD"
sleep 0.5
kill -0 $HOLD 2>/dev/null || fail "no session held: $(cat "$T/hold.out")"

# attack ADDR: five failed logins, then a knock on the closed door.
attack() {
	db_fail_auth "$1" 5
	wait_until 10 in_set $TABLE host4 "$1" || fail "$1 not banned"
	expect_eq "connect from $1 after its ban" "$("$PROBE" connect "$1" 127.0.0.1 25 300)" TIMEOUT
	# As an admin would look at the other server too.
	[ "$NODES" = mail1 ] || $DB2 status >/dev/null || fail "status of mail2"
}
for a in 198.51.100.11 198.51.100.12 198.51.100.13; do
	attack "$a"
	sleep 2
done
wait_until 10 grep -q 'RESET\|CLOSED' "$T/hold.out" || fail "the session of 198.51.100.13 was not cut: $(cat "$T/hold.out")"
# Password guessing over HTTP (IPv6) and unknown recipients: on mail2's
# log when there is a mail2 (mail1 then holds them as peer bans).
for u in admin root info sales test; do
	echo "http: $u [2001:db8:bad::5] authentication failure using internet password"
	echo "SMTP Server: Rejected recipient <$u@example.com> from host [203.0.113.5]: 550 5.1.1 User unknown"
done | db_lines >>"$([ "$NODES" = mail1 ] && echo "$LOG" || echo "$LOG2")"
if [ "$NODES" = mail1 ]; then
	DB_NLINES=$((DB_NLINES + 10))
	wait_until 10 db_lines_read "$DB_NLINES" || fail "the daemon did not read $DB_NLINES lines"
fi
wait_until 10 in_set $TABLE host6 2001:db8:bad::5 || fail "2001:db8:bad::5 not banned"
wait_until 10 in_set $TABLE host4 203.0.113.5 || fail "203.0.113.5 not banned"
sleep 2
# An admin bans a host by hand and thinks better of it.
$DB ban 192.0.2.99 --for 600 >/dev/null || fail "ban 192.0.2.99"
$DB unban 192.0.2.99 >/dev/null || fail "unban 192.0.2.99"
attack 192.0.2.14
sleep 2
# Someone flushes the set: the daemon puts its bans back.
nft flush set inet $TABLE host4 || fail "nft flush set"
wait_until 10 in_set $TABLE host4 192.0.2.14 || fail "192.0.2.14 not put back"
attack 203.0.113.15
sleep 2
attack 192.0.2.16
# The first bans expire (ban_time 12 s); the last scrapes come in.
wait_until 20 eval '! in_set $TABLE host4 198.51.100.11' || fail "198.51.100.11 did not expire"
sleep 4
END=$(date +%s)
echo "ok: the attack ran from $START to $END"

# What the attack must show. PANEL | LEGEND | nonzero, data, empty or any.
cat >"$T/expect" <<'EXPECT'
Attacks by kind (events/s)            | {{kind}}                     | nonzero
Active bans by tier and origin        | {{tier}} {{origin}}          | nonzero
Bans taken per hour by origin and kind | {{origin}} {{kind}}         | nonzero
Ends of bans per hour by reason       | {{reason}}                   | nonzero
Dropped by the ban rules              | packets/s                    | nonzero
Dropped by the ban rules              | bytes/s                      | nonzero
Log line to kernel: ban latency       | p50                          | nonzero
Log line to kernel: ban latency       | p99                          | nonzero
Sessions cut                          | per hour                     | nonzero
Repairs and disagreements             | rebuilds                     | data
Repairs and disagreements             | disagreements                | data
Needs a look                          | over-long lines              | data
Needs a look                          | state save failing since     | empty
Lines read per file                   | {{file}}                     | nonzero
Events per pattern                    | {{pattern}}                  | nonzero
Active bans                           | {{origin}} {{family}} {{tier}} | nonzero
Score records                         | records                      | nonzero
Control socket                        | {{result}}                   | nonzero
Uptime and version                    | uptime                       | nonzero
CrowdSec: decisions pulled            | {{result}}                   | empty
CrowdSec: alerts pushed               | {{result}}                   | empty
CrowdSec LAPI                         | LAPI up                      | empty
Cluster: bans shared                  | refused {{reason}}           | any
EXPECT
# The cluster panels: the same rules for each server, or empty for one.
W=nonzero
[ "$NODES" = mail1 ] && W=empty
cat >>"$T/expect" <<EXPECT
Cluster: bans shared                  | bans {{direction}}           | $W
Cluster: evidence shared              | events {{direction}}         | $W
Cluster link                          | connected                    | $W
Cluster link                          | peers                        | $W
EXPECT
python3 "$PY" render "$PROM" "$DASH" $((START - 5)) "$END" "$T/expect" \
	"$T/dashboard.html" >"$T/render.out" 2>&1
rc=$?
cat "$T/render.out"
[ "$rc" = 0 ] || fail "the dashboard's queries (above)"
grep -q '<script\|src=\|href=\|url(' "$T/dashboard.html" && fail "the page is not self-contained"

browser --dump-dom "file://$T/dashboard.html" >"$T/dom.html" ||
	fail "the browser: $(tail -5 "$T/browser.err")"
panels=$(sed -n 's/^panels: \([0-9]*\),.*/\1/p' "$T/render.out")
expect_eq "panels in the rendered DOM" "$(grep -o '<div class="panel"' "$T/dom.html" | wc -l)" "$panels"
[ "$(grep -o '<polyline class="series"' "$T/dom.html" | wc -l)" -ge 10 ] ||
	fail "fewer than 10 series drawn"
size=$(python3 -c "
import re; s = open('$T/dashboard.html').read()
print(re.search(r'\.grid \{[^}]*width: (\d+)px; height: (\d+)px', s).expand(r'\1,\2'))")
w=$((${size%,*} + 16))
h=$((${size#*,} + 40))
rm -f "$ART/dashboard.png"
browser --window-size="$w,$h" --hide-scrollbars --screenshot="$ART/dashboard.png" \
	"file://$T/dashboard.html" >/dev/null || fail "screenshot: $(tail -5 "$T/browser.err")"
python3 - "$ART/dashboard.png" "$w" "$h" <<'PY' || fail "the screenshot"
import struct, sys
d = open(sys.argv[1], "rb").read()
assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), (w, h)
PY
echo "ok: the dashboard rendered: $ART/dashboard.png (${w}x$h)"
