/*
 * history: see history.h.
 *
 * Open addressing with linear probing, at most 3/4 full. An entry is never
 * removed on its own: the table is rebuilt (compact) when it holds its
 * limit, keeping the most recent half of the entries and every active ban.
 * Active bans are never forgotten, so when they alone fill the table its
 * limit grows to twice what is kept: compaction then stays rare
 * (amortised O(1) per offence) instead of running at every new ban.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "history.h"

struct history {
	struct history_entry *slot; /* slot_mask + 1 slots */
	size_t slot_mask, n;
	size_t max;                 /* configured history_max */
	size_t limit;               /* compact beyond this; >= max */
	uint32_t forget;            /* seconds */
	uint8_t seed[16];
};

/* Slots for want entries at most half full; the table is left as it was
 * when there is no memory. */
static int
alloc_slots(struct history *h, size_t want)
{
	struct history_entry *s;
	size_t slots = 64;

	while (slots < want * 2)
		slots <<= 1;
	if ((s = calloc(slots, sizeof(*s))) == NULL)
		return -1;
	h->slot = s;
	h->slot_mask = slots - 1;
	h->n = 0;
	return 0;
}

struct history *
history_new(const uint8_t seed[16], size_t max, uint32_t forget)
{
	struct history *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	memcpy(h->seed, seed, sizeof(h->seed));
	history_set_limits(h, max, forget);
	if (alloc_slots(h, max) == -1) {
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	free(h->slot);
	free(h);
}

void
history_set_limits(struct history *h, size_t max, uint32_t forget)
{
	h->max = max;
	h->forget = forget;
	if (h->limit < max)
		h->limit = max;
}

/* a's slot: its entry, or with create the empty slot where it goes (NULL
 * when the table is 3/4 full: the caller goes on without an entry rather
 * than spin). */
static struct history_entry *
slot_of(struct history *h, const struct addr *a, bool create)
{
	size_t i = (size_t)hash_siphash(h->seed, a, sizeof(*a)) & h->slot_mask;

	for (; h->slot[i].count != 0; i = (i + 1) & h->slot_mask)
		if (memcmp(&h->slot[i].key, a, sizeof(*a)) == 0)
			return &h->slot[i];
	if (!create || h->n >= h->slot_mask - h->slot_mask / 4)
		return NULL;
	h->slot[i].key = *a;
	h->n++;
	return &h->slot[i];
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static bool
keep(const struct history_entry *e, int64_t cut, int64_t now)
{
	return e->count != 0 && (e->last >= cut || e->expires > now);
}

/* Keep the entries of the last forget seconds, at most the most recent
 * half of them, and every active ban. */
static void
compact(struct history *h, int64_t now)
{
	struct history_entry *old = h->slot, *e;
	size_t oslots = h->slot_mask + 1, i, n = 0, kept = 0, limit;
	int64_t *lasts, cut;

	lasts = malloc(h->n * sizeof(*lasts));
	for (i = 0; i < oslots && lasts != NULL; i++)
		if (old[i].count != 0)
			lasts[n++] = old[i].last;
	cut = now - (int64_t)h->forget;
	if (lasts != NULL && n > 0) {
		/* Rare (the table is full): sorting is simple and enough. */
		qsort(lasts, n, sizeof(*lasts), cmp_i64);
		if (lasts[n / 2] > cut)
			cut = lasts[n / 2];
	}
	free(lasts);
	for (i = 0; i < oslots; i++)
		kept += keep(&old[i], cut, now);
	limit = kept * 2 > h->max ? kept * 2 : h->max;
	if (alloc_slots(h, limit) == -1)
		return; /* keep going without compaction */
	h->limit = limit;
	for (i = 0; i < oslots; i++) {
		if (!keep(&old[i], cut, now))
			continue;
		if ((e = slot_of(h, &old[i].key, true)) != NULL)
			*e = old[i];
	}
	free(old);
}

struct history_entry *
history_add(struct history *h, const struct addr *a, int64_t now)
{
	struct history_entry *e;

	if (h->n >= h->limit)
		compact(h, now);
	if ((e = slot_of(h, a, true)) == NULL)
		errno = ENOSPC;
	return e;
}

uint32_t
history_offence(struct history *h, const struct addr *a, int64_t now,
    struct history_entry **e)
{
	struct history_entry *x = history_add(h, a, now);
	uint32_t n;

	if (x != NULL && x->count != 0 &&
	    x->last < now - (int64_t)h->forget)
		x->count = 0;
	n = x == NULL ? 1 : x->count < UINT32_MAX ? x->count + 1 : x->count;
	if (x != NULL) {
		x->count = n;
		x->last = now;
	}
	*e = x;
	return n;
}

struct history_entry *
history_find(struct history *h, const struct addr *a)
{
	return slot_of(h, a, false);
}

size_t
history_count(const struct history *h)
{
	return h->n;
}

void
history_foreach(const struct history *h,
    void (*fn)(void *arg, const struct history_entry *e), void *arg)
{
	size_t i;

	for (i = 0; i <= h->slot_mask; i++)
		if (h->slot[i].count != 0)
			fn(arg, &h->slot[i]);
}
