/*
 * dedupe: see dedupe.h. Each key remembers the pattern that counted last
 * and how many of its events no other pattern has paired yet.
 */
#include "config.h"

#include <stdlib.h>

#include "dedupe.h"

struct entry {
	uint64_t h;            /* 0: free */
	int64_t t;             /* last counted */
	unsigned pat;          /* the pattern that counted */
	unsigned unpaired;     /* its events no other pattern has paired */
};

struct dedupe {
	struct entry e[DEDUPE_SETS * DEDUPE_WAYS];
};

struct dedupe *
dedupe_new(void)
{
	return calloc(1, sizeof(struct dedupe));
}

void
dedupe_free(struct dedupe *dd)
{
	free(dd);
}

static struct entry *
set_of(const struct dedupe *dd, uint64_t h)
{
	return (struct entry *)&dd->e[(h & (DEDUPE_SETS - 1)) * DEDUPE_WAYS];
}

void
dedupe_prefetch(const struct dedupe *dd, uint64_t h)
{
	const struct entry *s = set_of(dd, h);

	__builtin_prefetch(s, 1);
	__builtin_prefetch(&s[DEDUPE_WAYS - 1], 1);
}

bool
dedupe_seen(struct dedupe *dd, uint64_t h, unsigned pat, int64_t now,
    double window)
{
	struct entry *s = set_of(dd, h), *e = NULL;
	size_t i;

	if (window <= 0)
		return false;
	for (i = 0; i < DEDUPE_WAYS && e == NULL; i++)
		if (s[i].h == h)
			e = &s[i];
	if (e != NULL && (double)(now - e->t) <= window) {
		if (e->pat != pat && e->unpaired > 0) {
			e->unpaired--;
			return true;
		}
		if (e->pat == pat) {
			e->unpaired += e->unpaired < UINT32_MAX;
			e->t = now;
			return false;
		}
	}
	if (e == NULL) {
		/* A free way, else the one counted longest ago. */
		e = &s[0];
		for (i = 1; i < DEDUPE_WAYS && e->h != 0; i++)
			if (s[i].h == 0 || s[i].t < e->t)
				e = &s[i];
	}
	e->h = h;
	e->t = now;
	e->pat = pat;
	e->unpaired = 1;
	return false;
}
