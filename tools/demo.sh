#!/usr/bin/env bash
# dominoban demo: the harvest drill, live (tests/drill/README). In a
# private network namespace, a Domino-like SMTP server logs in Domino's
# console format and the real daemon follows that log. A short password
# guess is banned; a legitimate sender with two typos is served; then a
# harvester sends 50 RCPT TO probes per host, rotating through one /24, and
# you watch each burst being cut after a few probes, the /24 banned, and
# the next host refused at connect. It ends with `dominoban list`, connect
# tests that show the attackers' packets dropped, and `dominoban status`.
# Nothing outside the namespace is touched: its nftables table dies with it.
#
#   tools/demo.sh [BUILD_DIR]      (default: _build)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)
DB=$BUILD/dominoban
. "$SRC/tests/drill/lib.sh"
drill_built
drill_netns "$0" "$BUILD"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
T=$(mktemp -d /tmp/dominoban-demo.XXXXXX)
cleanup() {
	drill_stop
	rm -rf "$T"
}
trap cleanup EXIT

LEGIT=192.0.2.50 GUESS4=198.18.0.7 GUESS6=2001:db8:bad::5
HARVEST=(203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.13)
drill_addrs $LEGIT $GUESS4 $GUESS6 "${HARVEST[@]}" 203.0.113.99

say "a Domino-like SMTP server and dominoban in a private network namespace"
drill_start "$T" ip drop yes
echo "  SMTP server on port 25 ($DRILL_SERVER4, $DRILL_SERVER6), logging to notes.log"
echo "  dominoban follows notes.log: shipped patterns, default policy" \
    "(5 failures ban a host,"
echo "  15 from 3 hosts ban their /24), action = drop, kill_sessions = yes"

# The daemon's decisions, as they happen.
tail -n +1 -f "$T/daemon.log" | sed -un \
    -e 's/^dominoban: info: ban addr=\([^ ]*\) seconds=\([0-9]*\) .*reason="\([^"]*\)".*/  >> dominoban: BAN \1 for \2 s (\3)/p' \
    -e 's/^dominoban: info: cut sessions=\([0-9]*\).*/  >> dominoban: cut \1 established session(s) (SOCK_DESTROY)/p' &
DRILL_PIDS+=($!)

# The harvester's lines, for people.
show() {
	awk '
	/^probe / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = substr($i, length(kv[1]) + 2) }
		r = f["reply"]
		what = r == "550" ? "550 user unknown" : r == "250" ? "250 ok" : \
		    "no answer: " toupper(r)
		printf "  %-14s RCPT %2d %-24s %-26s +%s ms\n", f["src"], f["n"], f["rcpt"], what, f["ms"]
		fflush()
	}
	/^session / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = substr($i, length(kv[1]) + 2) }
		if (f["connect"] != "ok")
			printf "  %-14s connect: %s (banned before its session began)\n", f["src"], toupper(f["connect"])
		else if (f["data"] == "ok")
			printf "  %-14s message delivered, %s of %s recipients refused, QUIT\n", f["src"], f["rejected"], f["probes"]
		else
			printf "  %-14s %s of %s probes answered, then %s: the burst is cut\n", f["src"], f["answered"], 50, toupper(f["end"])
		fflush()
	}'
}
H=("$HARV" --server $DRILL_SERVER4 --server $DRILL_SERVER6 --verbose)

say "password guessing: 5 failed SMTP AUTH logins from $GUESS4, 5 HTTP from $GUESS6"
ts() { date '+%d.%m.%Y %H:%M:%S'; }
for u in admin root info sales test; do
	printf '[004711:000031-00007F3A9C5FE700] %s   SMTP Server: Authentication failed for user %s ; connecting host %s\n' \
	    "$(ts)" $u $GUESS4 >>"$DRILL_LOG"
	printf '[004711:000031-00007F3A9C5FE700] %s   http: %s [%s] authentication failure using internet password\n' \
	    "$(ts)" $u $GUESS6 >>"$DRILL_LOG"
done
for _ in $(seq 1 100); do
	"$DB" --config "$DRILL_CONF" list --json 2>/dev/null |
	    grep -q "\"$GUESS6\"" && break
	sleep 0.02
done

say "a legitimate sender ($LEGIT) mistypes two recipients, then delivers"
"${H[@]}" --rcpt jhon@example.com --rcpt mary@exmaple.com \
    --rcpt john@example.com --data $LEGIT | show

say "directory harvest: 50 RCPT TO per host, as fast as the server answers" \
    "(~50/s), a new host of 203.0.113.0/24 every 0.5 s"
"${H[@]}" --rcpts 50 --pause-ms 500 "${HARVEST[@]}" | show
sleep 0.3

say "dominoban list"
"$DB" --config "$DRILL_CONF" list

say "connect tests to port 25 (drop: the SYN vanishes, so TIMEOUT)"
probe() {
	printf '  from %-16s %-44s ' "$1" "$3"
	"$PROBE" connect "$1" "$2" 25 700 || true
}
probe $LEGIT $DRILL_SERVER4 "(the legitimate sender)"
probe $GUESS4 $DRILL_SERVER4 "(banned: password guessing)"
probe 203.0.113.99 $DRILL_SERVER4 "(never seen, inside the banned /24)"
probe $GUESS6 $DRILL_SERVER6 "(banned: password guessing over IPv6)"

say "dominoban status"
"$DB" --config "$DRILL_CONF" status
