/*
 * mlit: the earliest occurrence of any of a set of literals in a buffer,
 * found in one pass over it instead of one memmem() pass per literal
 * (match_buffer()'s prefilter search). Pure; no allocation.
 */
#ifndef DB_MLIT_H
#define DB_MLIT_H

#include <stddef.h>
#include <stdint.h>

/* Most literals in one set (a bit each in mlit_find()'s mask). */
#define MLIT_MAX 64
/* Bits of the hash of a window's last two bytes (the shift table's index). */
#define MLIT_HASH_BITS 12

struct mlit {
	const char *s[MLIT_MAX];         /* not copied: must outlive t */
	size_t len[MLIT_MAX];
	unsigned n;
	size_t m;                        /* the shortest length */
	uint8_t shift[1 << MLIT_HASH_BITS];
	uint64_t ends[1 << MLIT_HASH_BITS];
};

/*
 * Set t up for n (1 to MLIT_MAX) literals s[i] of len[i] bytes, each at
 * least 2 bytes long. Returns 0, or -1 when the set is out of those bounds.
 */
int mlit_init(struct mlit *t, const char *const *s, const size_t *len,
    unsigned n);

/*
 * The start of the earliest occurrence in [p, end) of any literal, with
 * *which set to the literals (bit i for s[i]) that start there; NULL when
 * none occurs.
 */
const char *mlit_find(const struct mlit *t, const char *p, const char *end,
    uint64_t *which);

#endif
