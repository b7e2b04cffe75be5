#!/bin/bash
# One daemon per configuration: 40 daemons started at once on one
# configuration, several rounds over. Each round exactly one keeps running
# (and answers on the control socket); every other one exits 75 at once,
# naming the state_dir it found locked and, when the holder has written
# it, the holder's pid. Before the lock, the control socket doubled as the
# lock, racily: a few of 40 simultaneous starts ran side by side.
set -u
. "$TOP_SRCDIR/tests/system/lib.sh"
enter_netns "$0" "$@"
db_prepare dbtest_lock
# One small pattern: a daemon reaches its lock (before, its socket) within
# a few milliseconds, so the starts overlap as much as they can.
mkdir -m 755 "$T/pat"
printf '[p]\nservice = smtp\nkind = auth\nregex = ^x %%{ip}$\n' >"$T/pat/p.pat"
DB_PATTERNS=$T/pat db_config <<'CONF'
[score]
max_records = 1024
CONF
N=40
ROUNDS=${DB_LOCK_ROUNDS:-5}

alive_count() {
	local p n=0
	for p in "${pids[@]}"; do
		kill -0 "$p" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
at_most_one_alive() {
	[ "$(alive_count)" -le 1 ]
}

for round in $(seq 1 "$ROUNDS"); do
	rm -f "$T/go"
	mkfifo "$T/go"
	# The writer end held open: every starter waits in read(2) until the
	# lines come, then all go at once.
	exec 3<>"$T/go"
	pids=()
	for i in $(seq 1 $N); do
		(
			read -r _ <"$T/go"
			exec "$DOMINOBAN" --config "$DB_CONF" run 2>"$T/err.$i"
		) &
		pids+=("$!")
	done
	DAEMON_PIDS="$DAEMON_PIDS ${pids[*]}"
	for i in $(seq 1 $N); do echo go; done >&3
	exec 3>&-
	if ! wait_until 60 at_most_one_alive; then
		fail "round $round: $(alive_count) of $N daemons on one configuration keep running"
	fi
	survivor=
	refused=0
	for i in $(seq 1 $N); do
		p=${pids[$((i - 1))]}
		if kill -0 "$p" 2>/dev/null; then
			survivor=$p
			continue
		fi
		wait "$p"
		rc=$?
		[ "$rc" = 75 ] || fail "round $round: daemon $i exited $rc, not 75: $(cat "$T/err.$i")"
		grep -q "another dominoban (.*) runs on state_dir $T/state: it holds $T/state/lock" "$T/err.$i" ||
			fail "round $round: daemon $i: unclear message: $(cat "$T/err.$i")"
		refused=$((refused + 1))
	done
	[ -n "$survivor" ] || fail "round $round: no daemon kept running: $(cat "$T"/err.*)"
	expect_eq "round $round: daemons refused with 75" "$refused" $((N - 1))
	for i in $(seq 1 $N); do
		if grep -q "another dominoban (pid [0-9]" "$T/err.$i"; then
			grep -q "(pid $survivor)" "$T/err.$i" ||
				fail "round $round: daemon $i names another pid than $survivor: $(cat "$T/err.$i")"
		fi
	done
	# The survivor writes its pid right after it took the lock; on a
	# loaded machine the losers can all be gone before that write.
	wait_until 10 grep -qx "$survivor" "$T/state/lock"
	expect_eq "round $round: pid in the lock file" "$(cat "$T/state/lock")" "$survivor"
	expect_eq "round $round: lock file mode" "$(stat -c %a "$T/state/lock")" 600
	wait_until 10 db_alive_answers "$DB_CONF" "$survivor" ||
		fail "round $round: the survivor does not answer: $(cat "$T"/err.*)"
	kill -TERM "$survivor"
	wait "$survivor"
	expect_eq "round $round: the survivor's exit on SIGTERM" "$?" 0
	DAEMON_PIDS=""
done
echo "PASS: run-lock ($ROUNDS rounds of $N simultaneous starts)"
