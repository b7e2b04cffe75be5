#!/bin/sh
# make bench: score table and decision engine throughput on one core.
set -eu
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""
$CPU "${TOP_BUILDDIR:?}/bench/score-bench" "${SCORE_EVENTS:-20000000}"
# The floor under the figures above: one dependent cache miss per event
# costs at least this much (10,000 and 100,000 hosts).
for n in 10000 100000; do
	$CPU "${TOP_BUILDDIR:?}/bench/memlat" $n
done
