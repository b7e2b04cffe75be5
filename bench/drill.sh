#!/usr/bin/env bash
# The harvest drill, long form (make bench): every scenario of issue 7 with
# 50-RCPT bursts from several hosts, each run in its own network namespace
# by tests/drill/drill.sh, then a markdown table of the figures that
# docs/PERFORMANCE.md ("Harvest drill") quotes. Then the /24 ban at the
# field's pace (a host every 5 minutes), which a live run cannot wait for:
# `dominoban replay` takes its clock from the log.
#
#   bench/drill.sh [RUNS]      (default 3 runs per scenario)
#
# Needs root or unprivileged user namespaces; prints SKIP otherwise.
set -euo pipefail

SRC=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${TOP_BUILDDIR:-$SRC/_build}
DB=${DOMINOBAN:-$BUILD/dominoban}
export TOP_BUILDDIR=$BUILD DOMINOBAN=$DB
RUNS=${1:-3}
DRILL=$SRC/tests/drill/drill.sh
W=$(mktemp -d "${TMPDIR:-/tmp}/dominoban-drill-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" | head -n 1; }
# median: of the numbers on stdin ("-" when none).
median() {
	sort -n | awk '{v[NR] = $1} END {if (NR == 0) print "-";
	    else if (NR % 2) print v[(NR + 1) / 2];
	    else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

echo "harvest drill: $RUNS run(s) per scenario, $(nproc) CPU(s)," \
    "$(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "| scenario | sessions | answered median | answered max | cut | first probe to cut, median | reset after, median | hosts banned | /24 ban after hosts | later hosts refused | packets dropped | rejections ambiguous | innocent sessions harmed |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"

# scenario LABEL DRILL_ARGS...: RUNS drills, one table row.
scenario() {
	local label=$1 r d rc line sessions answered nets="" later=0 nlater=0
	local dropped="" harmed=0 c n key S ban=0 nban=0 amb=""
	shift
	key=$(echo "$label" | tr -c 'a-z0-9\n' _)
	S=$W/$key.sessions
	: >"$S"
	for r in $(seq 1 "$RUNS"); do
		d=$W/$key-$r
		rc=0
		"$DRILL" --out "$d" "$@" >"$d.out" 2>"$d.err" || rc=$?
		if [ $rc -eq 77 ]; then
			echo "SKIP: $(cat "$d.err")"
			exit 0
		fi
		[ $rc -eq 0 ] || { cat "$d.err" >&2; exit $rc; }
		line=$(grep '^drill ' "$d.out")
		nets="${nets:+$nets,}$(kv net_ban_after_hosts <<<"$line")"
		c=$(kv refused_later <<<"$line")
		later=$((later + ${c%/*}))
		nlater=$((nlater + ${c#*/}))
		dropped="${dropped:+$dropped,}$(kv packets_dropped <<<"$line")"
		amb="${amb:+$amb,}$(kv ambiguous <<<"$line")"
		c=$(kv banned <<<"$line")
		ban=$((ban + ${c%/*}))
		nban=$((nban + ${c#*/}))
		for n in legit relay slow; do
			[ "$(kv $n <<<"$line")" = harmed ] && harmed=$((harmed + 1))
		done
		grep '^session.* connect=ok ' "$d/harvest.out" >>"$S" || true
	done
	sessions=$(wc -l <"$S")
	local amax cutn cutm lagm
	amax=$(sed -n 's/.* answered=\([0-9]*\) .*/\1/p' "$S" |
	    sort -n | tail -n 1)
	answered=$(sed -n 's/.* answered=\([0-9]*\) .*/\1/p' "$S" |
	    median)
	cutn=$(grep -c ' cut_ms=[0-9]' "$S" || true)
	cutm=$(sed -n 's/.* cut_ms=\([0-9.]*\) .*/\1/p' "$S" | median)
	lagm=$({ grep ' end=reset ' "$S" || true; } |
	    sed -n 's/.* lag_ms=\([0-9.]*\) .*/\1/p' | median)
	[ "$cutm" = - ] || cutm="$cutm ms"
	[ "$lagm" = - ] || lagm="$lagm ms"
	echo "| $label | $sessions | $answered | $amax | $cutn/$sessions |" \
	    "$cutm | $lagm | $ban/$nban | $nets | $later/$nlater | $dropped |" \
	    "$amb | $harmed |"
}

B=(--hosts 6 --rcpts 50 --pause-ms 300)
for hyp in ip noip; do
	for action in drop reject; do
		for kill in yes no; do
			scenario "$hyp, $action, kill_sessions=$kill" "${B[@]}" \
			    --hypothesis $hyp --action $action --kill $kill
		done
	done
done
scenario "ip, drop, kill=yes, unrelated networks" "${B[@]}" --plan spread
scenario "noip, drop, kill=yes, unrelated networks" "${B[@]}" --plan spread \
    --hypothesis noip
# A busy server: 3 legitimate clients hold sessions open for the whole
# harvest. Without the address in the line, the log never proves whose a
# rejection is then: the cost of attributing only what it proves.
scenario "ip, drop, kill=yes, busy (3 clients)" "${B[@]}" --busy 3
scenario "noip, drop, kill=yes, busy (3 clients)" "${B[@]}" \
    --hypothesis noip --busy 3
scenario "noip, drop, kill=yes, busy (3), SMTPErrorLimit 5" "${B[@]}" \
    --hypothesis noip --busy 3 --error-limit 5
# Legitimate sessions that come and go: one delivery (about 50 ms) every
# 200 ms or every 20 ms; the harvester is alone in the gaps.
scenario "noip, drop, kill=yes, a delivery every 200 ms" "${B[@]}" \
    --hypothesis noip --churn 200
scenario "noip, drop, kill=yes, a delivery every 20 ms" "${B[@]}" \
    --hypothesis noip --churn 20
scenario "ip, drop, kill=yes, 2 ms lookups" "${B[@]}" --rcpt-delay-ms 2
scenario "ip, drop, kill=no, 2 ms lookups" "${B[@]}" --rcpt-delay-ms 2 \
    --kill no

# The field's pace: a new host of the /24 every few minutes, each with the
# number of rejections a cut leaves in the log (5 or 6) or a whole burst
# (50). `dominoban replay` runs detection and policy with the log's clock,
# here with the default policy and with a lower net_threshold.
echo
echo "| rejections logged per host | a new host every | net_threshold | /24 banned at host |"
echo "|---|---|---|---|"
BASE=$(date -u -d '2025-03-14 10:00:00' +%s)
# field PER PAUSE_S NET_THRESHOLD: one row.
field() {
	local per=$1 pause=$2 nt=$3 h i ts at="not within 12 hosts"
	printf '[score]\nnet_threshold = %s\n' "$nt" >"$W/field.conf"
	: >"$W/field.log"
	for h in $(seq 1 12); do
		ts=$(date -u -d "@$((BASE + (h - 1) * pause))" '+%d.%m.%Y %H:%M:%S')
		for i in $(seq 1 "$per"); do
			printf '[001984:000017-00007F3A9C5FE700] %s   SMTP Server: Rejected recipient <u%s.%s@example.com> from host [203.0.113.%s]: not listed in Domino Directory\n' \
			    "$ts" "$h" "$i" $((9 + h))
		done >>"$W/field.log"
		if "$DB" --config "$W/field.conf" replay --patterns "$SRC/patterns" \
		    "$W/field.log" 2>/dev/null | grep -q $'^ban\t203.0.113.0/24\t'; then
			at=$h
			break
		fi
	done
	echo "| $per | $((pause / 60)) min | $nt | $at |"
}
field 5 300 15
field 6 300 15
field 50 300 15
field 5 60 15
field 5 300 10
field 5 600 10
