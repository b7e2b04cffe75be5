#!/bin/sh
# make fuzz: build every harness with clang, libFuzzer, ASan and UBSan in a
# separate build directory and run each for a bounded time. Fails on any
# crash, sanitizer report, invariant failure, leak or timeout; the input
# that caused it is kept as an artifact.
#
# Environment (all optional):
#   FUZZ_SECONDS    seconds per harness (default 60)
#   FUZZ_HARNESSES  which ones (default: line addr conf pattern state rollup cluster banlog logread)
#   FUZZ_CC         clang to use (default clang-14, else clang)
#   FUZZ_BUILDDIR   the clang build directory (default TOP_BUILDDIR/fuzz/clang)
#   FUZZ_OUT        work corpora, logs, artifacts (default TOP_BUILDDIR/fuzz/out)
#   FUZZ_ARGS       extra libFuzzer options (e.g. -jobs=1 -workers=1)
#   FUZZ_NICE       nice level of the fuzzers (default 10: cores are shared)
#
# Coverage found in a run stays in FUZZ_OUT/NAME/corpus; the checked-in seed
# corpus fuzz/corpus/NAME is read, never written. A summary line per harness
# is appended to FUZZ_OUT/history.tsv (date, harness, seconds it actually
# ran, executions, result) for docs/RELIABILITY.md.
set -eu

SRC=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
TOP=${TOP_BUILDDIR:-$(pwd)}
SECS=${FUZZ_SECONDS:-60}
HARNESSES=${FUZZ_HARNESSES:-line addr conf pattern state rollup cluster banlog logread}
B=${FUZZ_BUILDDIR:-$TOP/fuzz/clang}
OUT=${FUZZ_OUT:-$TOP/fuzz/out}
NICE=${FUZZ_NICE:-10}
if [ -z "${FUZZ_CC:-}" ]; then
	if command -v clang-14 >/dev/null 2>&1; then
		FUZZ_CC=clang-14
	else
		FUZZ_CC=clang
	fi
fi
command -v "$FUZZ_CC" >/dev/null 2>&1 ||
	{ echo "fuzz: $FUZZ_CC not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 69; }

# The instrumented library and harnesses: configure once per compiler and
# flags (the stamp records them), then let make rebuild what changed.
CFLAGS_FUZZ="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link"
STAMP="$FUZZ_CC $CFLAGS_FUZZ --enable-sanitizers"
mkdir -p "$B" "$OUT/artifacts"
if [ ! -f "$B/Makefile" ] || [ "$(cat "$B/.fuzz-stamp" 2>/dev/null)" != "$STAMP" ]; then
	echo "fuzz: configuring $B with $FUZZ_CC"
	(cd "$B" && "$SRC/configure" -q CC="$FUZZ_CC" CFLAGS="$CFLAGS_FUZZ" \
		--enable-sanitizers >configure.out 2>&1) ||
		{ cat "$B/configure.out" >&2; exit 1; }
	echo "$STAMP" >"$B/.fuzz-stamp"
fi
# The CrowdSec reader's harness exists where configure found libcurl and
# jansson.
if [ -z "${FUZZ_HARNESSES:-}" ] &&
    grep -q '^#define HAVE_CROWDSEC 1' "$B/config.h" 2>/dev/null; then
	HARNESSES="$HARNESSES crowdsec"
fi
bins=""
for h in $HARNESSES; do bins="$bins fuzz/fuzz-$h"; done
# shellcheck disable=SC2086
make -s -C "$B" -j2 FUZZ_LDFLAGS=-fsanitize=fuzzer $bins

# -max_len: the line harness needs room for lines over MATCH_LINE_MAX.
maxlen() {
	case $1 in
	line) echo 12288 ;;
	pattern | state | conf | rollup | crowdsec | banlog | logread) echo 8192 ;;
	cluster) echo 40000 ;;
	*) echo 256 ;;
	esac
}

rc=0
for h in $HARNESSES; do
	mkdir -p "$OUT/$h/corpus"
	log=$OUT/$h.log
	echo "fuzz: $h for ${SECS}s (log $log)"
	t0=$(date +%s)
	set +e
	# shellcheck disable=SC2086
	nice -n "$NICE" "$B/fuzz/fuzz-$h" -max_total_time="$SECS" \
		-timeout=20 -rss_limit_mb=2048 -max_len="$(maxlen "$h")" \
		-dict="$SRC/fuzz/dict/$h.dict" -print_final_stats=1 \
		-artifact_prefix="$OUT/artifacts/$h-" ${FUZZ_ARGS:-} \
		"$OUT/$h/corpus" "$SRC/fuzz/corpus/$h" >"$log" 2>&1
	r=$?
	set -e
	took=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	if [ "$r" -eq 0 ]; then
		result=ok
	else
		result="FAILED (exit $r)"
		rc=1
	fi
	printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$h" \
		"$took" "${execs:-?}" "$result" >>"$OUT/history.tsv"
	echo "fuzz: $h: ${execs:-?} executions in ${took}s, coverage ${cov:-?}, $result"
	if [ "$r" -ne 0 ]; then
		grep -E 'ERROR|invariant failed|SUMMARY|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
	fi
done
if [ "$rc" -ne 0 ]; then
	echo "fuzz: FAILED; inputs kept in $OUT/artifacts:" >&2
	ls -l "$OUT/artifacts" >&2
	echo "fuzz: replay one with fuzz/replay-NAME FILE (gcc) or $B/fuzz/fuzz-NAME FILE" >&2
fi
exit "$rc"
