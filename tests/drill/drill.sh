#!/usr/bin/env bash
# The harvest drill: one scenario, end to end, in a private network
# namespace. The Domino-like responder (smtpd) listens on port 25 and logs
# in Domino's console format; the real `dominoban run` follows that log
# with the shipped patterns and the defaults (only paths, ports = 25,
# own_addresses = no and the scenario's action and kill_sessions set); the
# harvester sends bursts of RCPTs from rotating source addresses. Then it
# prints one `drill ...` line of key=value results (tests/drill/README).
# Nothing outside the namespace is touched.
#
#   tests/drill/drill.sh [--hypothesis ip|noip] [--action drop|reject]
#       [--kill yes|no] [--plan net24|spread] [--hosts N] [--rcpts N]
#       [--pause-ms MS] [--timeout-ms MS] [--rcpt-delay-ms MS]
#       [--idle-timeout-ms MS] [--error-limit N] [--busy N] [--churn MS]
#       [--verbose]
#       [--out DIR]
#
# DOMINOBAN (the binary) and TOP_BUILDDIR (for tests/drill/smtpd and
# tests/drill/harvester) come from the environment, as in make check;
# otherwise _build/ of the source tree. Exit: 0 when the drill ran (the
# results are in the drill line), 77 when no namespace can be made,
# 69/70 when a program is missing or does not start.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${TOP_BUILDDIR:-$SRC/_build}
DB=${DOMINOBAN:-$BUILD/dominoban}

hyp=ip action=drop kill=yes plan=net24 hosts=5 rcpts=50 pause=300
timeout=400 delay=20 idle=60000 elimit=0 busy=0 churn=0 verbose=no out=
ARGS=("$@")
while [ $# -gt 0 ]; do
	case $1 in
	--hypothesis) hyp=$2; shift ;;
	--action) action=$2; shift ;;
	--kill) kill=$2; shift ;;
	--plan) plan=$2; shift ;;
	--hosts) hosts=$2; shift ;;
	--rcpts) rcpts=$2; shift ;;
	--pause-ms) pause=$2; shift ;;
	--timeout-ms) timeout=$2; shift ;;
	--rcpt-delay-ms) delay=$2; shift ;;
	--idle-timeout-ms) idle=$2; shift ;;
	--error-limit) elimit=$2; shift ;;
	--busy) busy=$2; shift ;;
	--churn) churn=$2; shift ;;
	--verbose) verbose=yes ;;
	--out) out=$2; shift ;;
	-h|--help) sed -n '2,22p' "$0"; exit 0 ;;
	*) echo "drill: unknown option $1" >&2; exit 64 ;;
	esac
	shift
done
bad() { echo "drill: bad $1 '$2'" >&2; exit 64; }
case $hyp in ip|noip) ;; *) bad hypothesis "$hyp" ;; esac
case $action in drop|reject) ;; *) bad action "$action" ;; esac
case $kill in yes|no) ;; *) bad kill "$kill" ;; esac
case $plan in net24|spread) ;; *) bad plan "$plan" ;; esac
case $busy in [0-9]|[1-5][0-9]) ;; *) bad busy "$busy" ;; esac
case $churn in 0|[1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) ;;
*) bad churn "$churn" ;; esac

. "$SRC/tests/drill/lib.sh"
drill_built
drill_netns "$0" "${ARGS[@]}"

if [ -n "$out" ]; then
	# A fresh directory: the daemon's state file must not carry bans over.
	mkdir -p "$out"
	[ -z "$(ls -A "$out")" ] || { echo "drill: $out is not empty" >&2; exit 64; }
	T=$(cd "$out" && pwd)
else
	T=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-drill.XXXXXX")
fi
cleanup() {
	drill_stop
	[ -n "$out" ] || rm -rf "$T"
}
trap cleanup EXIT

# Addresses, all on this namespace's loopback: the server, a legitimate
# sender, slow legitimate clients (--busy N), legitimate clients that come
# and go (--churn), an allowlisted relay, and the harvester's plan (one
# /24, or unrelated networks of both families).
LEGIT=192.0.2.50 RELAY=198.51.100.7
SLOW=()
for i in $(seq 1 "$busy"); do SLOW+=(192.0.2.$((59 + i))); done
[ "$churn" -eq 0 ] || SLOW+=(192.0.2.7{0..9})
mapfile -t HOSTS < <("$HARV" --plan "$plan" "$hosts")
drill_addrs $LEGIT "${SLOW[@]}" $RELAY "${HOSTS[@]}"
DRILL_DELAY=$delay DRILL_IDLE=$idle DRILL_ERROR_LIMIT=$elimit \
    drill_start "$T" "$hyp" "$action" "$kill"
if [ $verbose = yes ]; then
	tail -n +1 -f "$T/daemon.log" | grep --line-buffered -E ' (ban|unban) ' &
	DRILL_PIDS+=($!)
fi

H=("$HARV" --server $DRILL_SERVER4 --server $DRILL_SERVER6 \
    --timeout-ms "$timeout")
legit() {
	"${H[@]}" --rcpt jhon@example.com --rcpt mary@exmaple.com \
	    --rcpt john@example.com --data "$LEGIT" | grep '^session'
}

# The daemon attributes an address-less rejection only once its SMTP
# session tracker has seen every session that may be open: not in the
# first smtp_session_max after its start (1 s here, lib.sh).
seeing() { "$DB" --config "$DRILL_CONF" status --json |
    grep -q '"sessions_blind_s":0[,}]'; }
for i in $(seq 1 250); do seeing && break; sleep 0.02; done

# 1. A legitimate sender with two typos; 2. the relay forwards a whole
# burst; both before the attack.
legit >"$T/legit-before.out"
"${H[@]}" --rcpts "$rcpts" "$RELAY" | grep '^session' >"$T/relay.out"

# 3. The harvest, with (--busy N) N slow legitimate clients holding a
# session open the whole time, and (--churn MS) a legitimate client
# delivering a message every MS ms, from 192.0.2.70-79 in turn.
SLOWPIDS=()
if [ "$busy" -gt 0 ]; then
	hold=$((hosts * (pause + timeout + 2 * rcpts * delay) + 1000))
	for i in $(seq 0 $((busy - 1))); do
		"${H[@]}" --timeout-ms $((hold + 5000)) --hold-ms "$hold" \
		    --rcpt john@example.com --data "${SLOW[$i]}" \
		    >"$T/slow-$i.out" &
		SLOWPIDS+=($!)
	done
	sleep 0.2
fi
if [ "$churn" -gt 0 ]; then
	(
		i=0
		while [ ! -e "$T/harvest.done" ]; do
			"${H[@]}" --rcpt john@example.com --data \
			    192.0.2.$((70 + i % 10)) >>"$T/churn.out"
			i=$((i + 1))
			sleep "$(awk -v ms="$churn" 'BEGIN {print ms / 1000}')"
		done
	) &
	SLOWPIDS+=($!)
fi
hv=("${H[@]}" --rcpts "$rcpts" --pause-ms "$pause")
[ $verbose = yes ] && hv+=(--verbose)
"${hv[@]}" "${HOSTS[@]}" | tee "$T/harvest.out" |
    { if [ $verbose = yes ]; then cat; else cat >/dev/null; fi; }
: >"$T/harvest.done"
for p in "${SLOWPIDS[@]}"; do wait "$p"; done

# 4. Afterwards: the legitimate sender and the relay again.
legit >"$T/legit-after.out"
"$PROBE" connect $RELAY $DRILL_SERVER4 25 "$timeout" >"$T/relay-after.out" || true

# Let the daemon read the last lines before it is asked.
sleep 0.3
"$DB" --config "$DRILL_CONF" list --json >"$T/list.json"
"$DB" --config "$DRILL_CONF" status --json >"$T/status.json"

# ---- results ---------------------------------------------------------
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }
banned() { grep -o '"address":"[^"]*"' "$T/list.json" | cut -d'"' -f4; }
summary=$(grep '^summary' "$T/harvest.out")
answered_median=$(kv answered_median <<<"$summary")
answered_max=$(kv answered_max <<<"$summary")
cut_median=$(kv cut_ms_median <<<"$summary")
# The median time from the unanswered probe to the end of its session,
# over the sessions that were reset (SOCK_DESTROY or a reject rule).
lag_median=$({ grep '^session.* end=reset ' "$T/harvest.out" || true; } |
    sed -n 's/.* lag_ms=\([0-9.]*\).*/\1/p' | sort -n |
    awk '{v[NR] = $1} END {if (NR == 0) print "-"; else if (NR % 2)
	print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}')
dropped=$(grep -o '"packets_dropped":[0-9]*' "$T/status.json" | cut -d: -f2)
ambiguous=$(grep -o '"rejections_ambiguous":[0-9]*' "$T/status.json" |
    cut -d: -f2)

# Per harvest session: did it connect, was it cut (a probe left without
# answer), is its host banned now (alone or inside a banned netblock);
# for net24, how many hosts got through before the /24 ban, and how many
# of the later ones were refused at connect.
mapfile -t BANS < <(banned)
is_banned() {
	local b
	for b in "${BANS[@]}"; do
		[ "$b" = "$1" ] || [ "$b" = "${1%.*}.0/24" ] && return 0
	done
	return 1
}
nconnected=0 ncut=0 nbanned=0 before=- later=0 nlater=0 net=no i=0
while read -r l; do
	c=$(kv connect <<<"$l")
	src=$(kv src <<<"$l")
	if [ "$c" = ok ]; then
		nconnected=$((nconnected + 1))
		[ "$(kv cut_ms <<<"$l")" != - ] && ncut=$((ncut + 1))
		is_banned "$src" && nbanned=$((nbanned + 1))
	fi
	if [ "$plan" = net24 ]; then
		[ "$before" = - ] && [ "$c" != ok ] && before=$i
		if [ "$before" != - ]; then
			nlater=$((nlater + 1))
			[ "$c" != ok ] && later=$((later + 1))
		fi
	fi
	i=$((i + 1))
done < <(grep '^session' "$T/harvest.out")
for b in "${BANS[@]}"; do [ "$b" = 203.0.113.0/24 ] && net=yes; done

# The legitimate sender and the relay: served in full, never banned, and
# still able to connect afterwards.
good() {   # FILE: two 550s, one 250, the message taken, QUIT answered
	grep -q ' connect=ok .* rejected=2 accepted=1 data=ok end=quit ' "$1"
}
listed() { banned | grep -qx "$1"; }
legit=ok
good "$T/legit-before.out" && good "$T/legit-after.out" &&
    ! listed $LEGIT || legit=harmed
# (With an error limit, Domino itself closes the relay's session early.)
relay=ok want=$rcpts
[ "$elimit" -gt 0 ] && [ "$elimit" -lt "$rcpts" ] && want=$elimit
grep -q " answered=$want .* end=\(quit\|closed\) " "$T/relay.out" &&
    grep -qx CONNECTED "$T/relay-after.out" && ! listed $RELAY || relay=harmed
slow=-
[ ${#SLOW[@]} -eq 0 ] || slow=ok
for i in $(seq 0 $((busy - 1))); do
	grep -q ' accepted=1 data=ok end=quit ' "$T/slow-$i.out" || slow=harmed
done
if [ "$churn" -gt 0 ]; then
	grep '^session' "$T/churn.out" >"$T/churn.sessions" || slow=harmed
	! grep -v ' accepted=1 data=ok end=quit ' "$T/churn.sessions" |
	    grep -q . || slow=harmed
fi
for a in "${SLOW[@]}"; do ! listed "$a" || slow=harmed; done

if [ $verbose != yes ]; then
	cat "$T/harvest.out"
fi
echo "drill hypothesis=$hyp action=$action kill=$kill plan=$plan" \
    "hosts=$hosts rcpts=$rcpts busy=$busy churn=$churn" \
    "error_limit=$elimit" \
    "rcpt_delay_ms=$delay answered_median=$answered_median" \
    "answered_max=$answered_max cut_ms_median=$cut_median" \
    "reset_lag_ms_median=$lag_median" \
    "connected=$nconnected cut=$ncut/$nconnected" \
    "banned=$nbanned/$nconnected net_banned=$net" \
    "net_ban_after_hosts=$before refused_later=$later/$nlater" \
    "packets_dropped=${dropped:-?} ambiguous=${ambiguous:-?}" \
    "legit=$legit relay=$relay slow=$slow"
