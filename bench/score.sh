#!/bin/sh
# make bench: score table and decision engine throughput on one core.
set -eu
CPU="taskset -c ${BENCH_CPU:-0}"
command -v taskset >/dev/null 2>&1 || CPU=""
$CPU "${TOP_BUILDDIR:?}/bench/score-bench" "${SCORE_EVENTS:-20000000}"
