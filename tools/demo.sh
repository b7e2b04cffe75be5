#!/usr/bin/env bash
# dominoban demo: the real daemon in a private network namespace, following a
# generated Domino log under attack. It prints the bans as they happen, then
# `dominoban list`, then connects from a banned and an innocent address to
# show the attacker's packets dropped in the kernel. Nothing outside the
# namespace is touched: its nftables table dies with it.
#
#   tools/demo.sh [BUILD_DIR]      (default: _build)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$SRC/_build}" && pwd)
DB=$BUILD/dominoban
PROBE=$BUILD/tools/tcpprobe
[ -x "$DB" ] || { echo "demo: $DB not built" >&2; exit 69; }

if [ "${DB_DEMO_NETNS:-}" != 1 ]; then
	export DB_DEMO_NETNS=1
	if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
		exec unshare -n "$BASH" "$0" "$BUILD"
	elif unshare -rn true 2>/dev/null; then
		exec unshare -rn "$BASH" "$0" "$BUILD"
	fi
	echo "demo: cannot create a network namespace (unshare -n/-rn)" >&2
	exit 69
fi

say() { printf '\033[1m== %s\033[0m\n' "$*"; }
T=$(mktemp -d /tmp/dominoban-demo.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

# The namespace's own hosts: attackers in one /24 plus one elsewhere, an
# IPv6 attacker, and an innocent sender.
ip link set lo up
for a in 203.0.113.10 203.0.113.11 203.0.113.12 203.0.113.13 203.0.113.99 \
    198.51.100.7 192.0.2.50; do
	ip addr add "$a/32" dev lo
done
ip -6 addr add 2001:db8:bad::5/128 dev lo nodad
ip -6 addr add 2001:db8::1/128 dev lo nodad

"$PROBE" listen :: 25 >/dev/null & PIDS+=($!)   # dual stack: v4 and v6

LOG=$T/notes.log
: >"$LOG"
cat >"$T/dominoban.conf" <<CONF
[daemon]
logs = $LOG
patterns = $SRC/patterns
control_socket = $T/control.sock
state_dir = $T
[score]
half_life = 10m
[nft]
ports = 25
action = drop
[allow]
# The demo's attackers are addresses of this namespace itself; a real
# server keeps own_addresses = yes.
own_addresses = no
CONF

say "starting dominoban in a private network namespace"
"$DB" --config "$T/dominoban.conf" run --foreground 2>"$T/daemon.log" &
PIDS+=($!)
for _ in $(seq 1 250); do
	[ -S "$T/control.sock" ] && break
	sleep 0.02
done
[ -S "$T/control.sock" ] || { cat "$T/daemon.log"; exit 70; }
tail -n +1 -f "$T/daemon.log" | grep --line-buffered -E ' (ban|unban) ' &
PIDS+=($!)

ts() { date '+%d.%m.%Y %H:%M:%S'; }
n=0
line() {
	n=$((n + 1))
	printf '[004711:%06d-00007F3A9C5FE700] %s   %s\n' $((n % 40 + 10)) \
	    "$(ts)" "$1" >>"$LOG"
}

say "a legitimate sender mistypes two recipients"
line "SMTP Server: 192.0.2.50 connected"
line "SMTP Server: Rejected recipient <jhon@example.com> from host [192.0.2.50]: not listed in Domino Directory"
line "SMTP Server: Rejected recipient <mary@exmaple.com> from host [192.0.2.50]: not listed in Domino Directory"
line "SMTP Server: 192.0.2.50 disconnected. 1 message[s] received"

say "password guessing over SMTP and HTTP from 198.51.100.7 and 2001:db8:bad::5"
for u in admin root info sales test; do
	line "SMTP Server: Authentication failed for user $u ; connecting host 198.51.100.7"
	line "http: $u [2001:db8:bad::5] authentication failure using internet password"
	sleep 0.05
done

say "directory harvest rotating through 203.0.113.0/24"
for h in 10 11 12 13; do
	line "SMTP Server: 203.0.113.$h connected"
	for i in $(seq 1 12); do
		line "SMTP Server: Rejected recipient <u$h$i@example.com> from host [203.0.113.$h]: not listed in Domino Directory"
	done
	line "SMTP Server: 203.0.113.$h disconnected. 0 message[s] received"
	sleep 0.3
done
sleep 0.5

say "dominoban list"
"$DB" --config "$T/dominoban.conf" list

say "connect tests to port 25 (drop = TIMEOUT)"
probe() {
	printf '  from %-18s ' "$1"
	"$PROBE" connect "$1" "$2" 25 700 || true
}
probe 192.0.2.50 127.0.0.1
probe 198.51.100.7 127.0.0.1
probe 203.0.113.99 127.0.0.1
probe 2001:db8:bad::5 2001:db8::1

say "dominoban status"
"$DB" --config "$T/dominoban.conf" status
