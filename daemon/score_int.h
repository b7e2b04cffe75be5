/*
 * score_int: what the score table shows only to its tests and benchmarks
 * (tests/unit/check_score.c, bench/score-bench.c): how the table is laid
 * out, which the daemon has no use for.
 */
#ifndef DB_SCORE_INT_H
#define DB_SCORE_INT_H

#include <stddef.h>

#include "score.h"

/* The longest run of occupied slots: what a lookup probes at worst. It
 * reads the whole table. */
size_t score_longest_run(const struct score *s);

/* Bytes allocated for the slots. */
size_t score_bytes(const struct score *s);

#endif
