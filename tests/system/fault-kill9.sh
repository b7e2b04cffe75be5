#!/bin/bash
# kill -9 at random points while a writer appends attack lines and rotates
# the log (rename + recreate, and copytruncate). Every line carries a unique
# user name; the daemon runs with --debug, which logs one `event` record per
# matched line. Across all runs, every line written must be seen at least
# once (no loss), and the lines seen twice may only be those the state file
# could not yet cover at a kill: the state is written DAEMON_STATE_DEBOUNCE
# seconds after a change (daemon/daemon.h), checked once per tick, so at a
# kill the saved position is at most W = DEBOUNCE + 2 ticks old (one tick
# to notice the change, one for whole-second rounding) once a run has lived
# W; a shorter run may not have saved at all, and then the window reaches
# back to the previous run's. The tolerance is computed from the write and
# kill timestamps and printed.
#
# copytruncate loses, for any reader, what was written after its last read
# and before the truncation; so the writer truncates only while the daemon
# runs and has read everything (it renames instead while the daemon is down).
# The writer rotates only once the state file was written after its last
# rotation: after two rotations the saved position names a file two
# generations back, and the daemon reads the rest of that one and the
# newest, not the one between (fault-rotate-down.sh).
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_kill9
command -v flock >/dev/null || skip "flock(1) missing"
KILLS=5
ROTATE_MS=1200
SEED=${DB_KILL9_SEED:-$$}
RANDOM=$SEED
H=$TOP_SRCDIR/daemon/daemon.h
DEBOUNCE=$(sed -n 's/^#define DAEMON_STATE_DEBOUNCE \([0-9]*\).*/\1/p' "$H")
TICK_MS=$(sed -n 's/^#define DAEMON_TICK_MS \([0-9]*\).*/\1/p' "$H")
[ -n "$DEBOUNCE" ] && [ -n "$TICK_MS" ] || fail "cannot read the constants in $H"
# W in microseconds, with 200 ms for the daemon to read what was written
# just before a save.
W=$((DEBOUNCE * 1000000 + 2 * TICK_MS * 1000 + 200000))
echo "seed of the kill points $SEED; state debounce ${DEBOUNCE} s, tick ${TICK_MS} ms: window W = $((W / 1000)) ms"

mkdir "$T/log"
LOG=$T/log/notes.log
: >"$LOG"
# from_start: a run killed before the first state was ever written leaves
# no position; the next one must then read from the start, not skip.
db_config <<CONF
[daemon]
from_start = yes
CONF
us() {
	echo "${EPOCHREALTIME/./}"
}

caught_up() {
	$DB status --json 2>/dev/null |
		grep -Eq "\"inode\":$(stat -c %i "$LOG"),\"offset\":$(stat -c %s "$LOG")[,}]"
}

# saved_since TIME_US: was the state file written after TIME_US?
saved_since() {
	local m
	m=$(stat -c %.6Y "$T/state/state" 2>/dev/null) || return 1
	[ "${m/./}" -gt "$1" ]
}

# The writer: batches of 1-20 lines every 0-30 ms, one line per user
# w<seq>, each batch logged as "first last time_us" in $T/written; a
# rotation every ROTATE_MS (once the state has caught up with the last
# one), renames and copytruncates in turn.
writer() {
	local seq=0 first i n r=0 next ts last
	last=$(us)
	next=$((last + ROTATE_MS * 1000))
	exec 9>"$T/lock"
	while [ ! -e "$T/stop" ]; do
		n=$((RANDOM % 20 + 1))
		first=$seq
		ts=$(date '+%d.%m.%Y %H:%M:%S')
		for ((i = 0; i < n; i++)); do
			printf '[004711:000010-00007F3A9C5FE700] %s   SMTP Server: Authentication failed for user w%d ; connecting host 10.77.%d.%d\n' \
				"$ts" $seq $((seq / 200 % 250)) $((seq % 200 + 1)) >>"$LOG"
			seq=$((seq + 1))
		done
		echo "$first $((seq - 1)) $(us)" >>"$T/written"
		if [ "$(us)" -ge "$next" ] && saved_since "$last"; then
			r=$((r + 1))
			flock 9
			if [ $((r % 2)) = 0 ] && [ -e "$T/up" ]; then
				wait_until 10 caught_up ||
					{ echo "writer: the daemon did not catch up" >"$T/writer.fail"; flock -u 9; return 1; }
				cp "$LOG" "$LOG.c$r"
				: >"$LOG"
				echo "copytruncate $r $(us)" >>"$T/rotations"
			else
				mv "$LOG" "$LOG.$r"
				: >"$LOG"
				echo "rename $r $(us)" >>"$T/rotations"
			fi
			flock -u 9
			last=$(us)
			next=$((last + ROTATE_MS * 1000))
		fi
		sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
	done
}

sleep_ms() {
	sleep "$(($1 / 1000)).$(printf %03d $(($1 % 1000)))"
}

writer &
WRITER=$!
DAEMON_PIDS="$DAEMON_PIDS $WRITER"
exec 8>"$T/lock"
: >"$T/kills"
for k in $(seq 1 $KILLS); do
	db_start "$DB_CONF" "$T/run-$k.err" --debug
	start=$(us)
	touch "$T/up"
	# The first run lives past W, so that a state file exists; later ones
	# die anywhere from 0.1 s to W + 1.5 s.
	if [ "$k" = 1 ]; then
		sleep_ms $((W / 1000 + 500))
	else
		sleep_ms $((100 + RANDOM % (W / 1000 + 1400)))
	fi
	flock 8
	rm -f "$T/up"
	kill -9 "$DB_PID"
	kill_at=$(us)
	flock -u 8
	wait "$DB_PID" 2>/dev/null
	echo "$start $kill_at" >>"$T/kills"
	echo "run $k: killed -9 after $(((kill_at - start) / 1000)) ms"
	[ -e "$T/writer.fail" ] && fail "$(cat "$T/writer.fail")"
	# Down for 0-800 ms while the writer goes on.
	sleep_ms $((RANDOM % 800))
done
touch "$T/stop"
wait "$WRITER" || fail "the writer failed: $(cat "$T/writer.fail" 2>/dev/null)"
DAEMON_PIDS=$(echo "$DAEMON_PIDS" | sed "s/\\b$WRITER\\b//")

# The last run reads what is left and stops cleanly.
db_start "$DB_CONF" "$T/run-final.err" --debug
wait_until 20 caught_up || fail "the last run did not catch up"
db_stop
expect_eq "last run's exit on SIGTERM" "$DB_RC" 0
grep -h 'rename\|copytruncate' "$T/rotations" | awk '{ print $1 }' | sort | uniq -c |
	awk '{ printf "rotations: %d by %s\n", $1, $2 }'

# Accounting.
total=$(tail -n 1 "$T/written" | awk '{ print $2 + 1 }')
cat "$T"/run-*.err | sed -n 's/.* event .*user="w\([0-9]*\)".*/\1/p' |
	sort -n | uniq -c | awk '{ print $2, $1 }' >"$T/seen"
awk -v n="$total" 'NR == FNR { s[$1] = 1; next }
	END { for (i = 0; i < n; i++) if (!(i in s)) print "w" i }' "$T/seen" /dev/null >"$T/lost"
echo "lines written: $total; users seen: $(wc -l <"$T/seen")"
[ -s "$T/lost" ] && fail "$(wc -l <"$T/lost") lines lost, the first: $(head -n 20 "$T/lost" | tr '\n' ' ')"
echo "ok: no line lost"
extra=$(awk -v n="$total" '$1 >= n { bad++ } $2 > 1 { x += $2 - 1 }
	END { if (bad) print "unknown"; else print x + 0 }' "$T/seen")
[ "$extra" != unknown ] || fail "events for users never written"

# Tolerance: the lines written in each kill's window (L_k, K_k], where
# L_k = K_k - W after a run of at least W, else the previous L.
tol=$(awk -v w=$W 'NR == FNR { s[NR] = $1; k[NR] = $2; nk = NR; next }
	{ t[++nb] = $3; c[nb] = $2 - $1 + 1 }
	END { l = -1
		for (i = 1; i <= nk; i++) {
			if (k[i] - s[i] >= w) l = k[i] - w
			for (j = 1; j <= nb; j++)
				if (t[j] > l && t[j] <= k[i]) x[i] += c[j]
			printf "kill %d: %d lines in its window\n", i, x[i] > "/dev/stderr"
			tot += x[i]
		}
		print tot + 0 }' "$T/kills" "$T/written")
echo "duplicates: $extra; tolerance (lines written in the windows before the kills): $tol"
[ "$extra" -le "$tol" ] || fail "$extra lines counted twice, more than the $tol in the windows"
echo "ok: duplicates within the state debounce windows"
echo "PASS: fault-kill9"
