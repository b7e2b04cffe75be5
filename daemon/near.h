/*
 * near: the nearest valid word to a misspelt one, for messages such as
 * "unknown key 'ban_tim' in [ban] (did you mean ban_time?)". Pure.
 */
#ifndef DB_NEAR_H
#define DB_NEAR_H

#include <stddef.h>

/* Words longer than this are never compared (bytes). */
#define NEAR_WORD_MAX 64

/*
 * The edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours, each 1; letters compared without case) between a and b, or
 * NEAR_WORD_MAX + 1 when either is longer than NEAR_WORD_MAX.
 */
size_t near_distance(const char *a, const char *b);

/*
 * The word of words[0..n) nearest to word, if it is near enough to be
 * what was meant: at distance at most 1 for words of up to 4 letters, 2
 * up to 8, else 3; the first one on a tie. Failing that, the first word
 * that starts with word or that word starts with (3 letters or more).
 * NULL when none is near.
 */
const char *near_best(const char *word, const char *const *words, size_t n);

#endif
