/*
 * bans: see bans.h.
 *
 * The bans live in a dense array (v[0..n)) so that iteration and the state
 * file need no hash walk; an open-addressing index of uint32 slots maps a
 * seeded SipHash of the address to 1 + the array position (0 = empty).
 * Linear probing with backward-shift deletion keeps lookups short without
 * tombstones. The index has at least twice as many slots as bans.
 *
 * bans_cover() needs the prefix lengths in use: lens[] counts the bans per
 * (family, length), so a host is checked against only those lengths.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bans.h"
#include "hash.h"

#define BANS_MIN_SLOTS 256 /* index slots of an empty table */

struct bans {
	uint8_t seed[16];
	struct ban *v;
	size_t n, cap;
	uint32_t *slot;            /* 1 + index into v, or 0 */
	size_t mask;               /* slots - 1 */
	uint32_t lens4[33], lens6[129];
};

static size_t
home(const struct bans *b, const struct addr *a)
{
	return (size_t)hash_siphash(b->seed, a, sizeof(*a)) & b->mask;
}

/* The index slot holding target, or the empty slot where it would go. */
static size_t
probe(const struct bans *b, const struct addr *target)
{
	size_t i = home(b, target);

	while (b->slot[i] != 0 &&
	    memcmp(&b->v[b->slot[i] - 1].target, target, sizeof(*target)) != 0)
		i = (i + 1) & b->mask;
	return i;
}

static int
rehash(struct bans *b, size_t slots)
{
	uint32_t *old = b->slot;
	size_t i;

	if ((b->slot = calloc(slots, sizeof(*b->slot))) == NULL) {
		b->slot = old;
		errno = ENOMEM;
		return -1;
	}
	free(old);
	b->mask = slots - 1;
	for (i = 0; i < b->n; i++)
		b->slot[probe(b, &b->v[i].target)] = (uint32_t)i + 1;
	return 0;
}

struct bans *
bans_new(const uint8_t seed[16])
{
	struct bans *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	memcpy(b->seed, seed, sizeof(b->seed));
	if (rehash(b, BANS_MIN_SLOTS) == -1) {
		free(b);
		return NULL;
	}
	return b;
}

void
bans_free(struct bans *b)
{
	if (b == NULL)
		return;
	free(b->v);
	free(b->slot);
	free(b);
}

struct ban *
bans_find(const struct bans *b, const struct addr *target)
{
	uint32_t k = b->slot[probe(b, target)];

	return k == 0 ? NULL : &b->v[k - 1];
}

static uint32_t *
len_count(struct bans *b, const struct addr *a)
{
	if (a->family == AF_INET)
		return a->len <= 32 ? &b->lens4[a->len] : NULL;
	return a->len <= 128 ? &b->lens6[a->len] : NULL;
}

struct ban *
bans_put(struct bans *b, const struct addr *target)
{
	struct ban *v;
	uint32_t *lc;
	size_t i;

	if ((v = bans_find(b, target)) != NULL)
		return v;
	if (b->n == UINT32_MAX - 1) {
		errno = ENOMEM;
		return NULL;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		if ((v = realloc(b->v, cap * sizeof(*v))) == NULL)
			return NULL;
		b->v = v;
		b->cap = cap;
	}
	if ((b->n + 1) * 2 > b->mask + 1 && rehash(b, (b->mask + 1) * 2) == -1)
		return NULL;
	i = probe(b, target);
	v = &b->v[b->n];
	memset(v, 0, sizeof(*v));
	v->target = *target;
	b->slot[i] = (uint32_t)++b->n;
	if ((lc = len_count(b, target)) != NULL)
		(*lc)++;
	return v;
}

void
bans_del(struct bans *b, const struct addr *target)
{
	size_t i = probe(b, target), j, h, last;
	uint32_t k = b->slot[i], *lc;

	if (k == 0)
		return;
	if ((lc = len_count(b, target)) != NULL && *lc > 0)
		(*lc)--;
	/* Backward-shift deletion: pull later entries of the probe run
	 * into the hole when their home slot allows it. */
	b->slot[i] = 0;
	for (j = (i + 1) & b->mask; b->slot[j] != 0; j = (j + 1) & b->mask) {
		h = home(b, &b->v[b->slot[j] - 1].target);
		if (((j - h) & b->mask) >= ((j - i) & b->mask)) {
			b->slot[i] = b->slot[j];
			b->slot[j] = 0;
			i = j;
		}
	}
	/* Move the last ban into the freed array position. */
	last = b->n - 1;
	if (k - 1 != last) {
		b->v[k - 1] = b->v[last];
		b->slot[probe(b, &b->v[k - 1].target)] = k;
	}
	b->n--;
}

size_t
bans_count(const struct bans *b)
{
	return b->n;
}

struct ban *
bans_at(const struct bans *b, size_t i)
{
	return i < b->n ? &b->v[i] : NULL;
}

bool
bans_cover(const struct bans *b, const struct addr *host, int64_t now)
{
	const uint32_t *lens = host->family == AF_INET ? b->lens4 : b->lens6;
	unsigned max = addr_maxlen(host), len;
	const struct ban *v;
	struct addr net;

	for (len = 0; len <= max; len++) {
		if (lens[len] == 0)
			continue;
		addr_mask(&net, host, len);
		if ((v = bans_find(b, &net)) != NULL && v->expires > now)
			return true;
	}
	return false;
}

size_t
bans_covering(const struct bans *b, const struct addr *a, int64_t now,
    struct ban **out, size_t max)
{
	const uint32_t *lens = a->family == AF_INET ? b->lens4 : b->lens6;
	struct ban *v;
	struct addr net;
	unsigned len;
	size_t n = 0;

	for (len = 0; len < a->len; len++) {
		if (lens[len] == 0)
			continue;
		addr_mask(&net, a, len);
		if ((v = bans_find(b, &net)) == NULL || v->expires <= now)
			continue;
		if (n < max)
			out[n] = v;
		n++;
	}
	return n;
}

/* Enumerating the 2^k sub-prefixes of one length is cheaper than a pass
 * over the bans only up to this k. */
#define BANS_ENUM_BITS 12

size_t
bans_inside(const struct bans *b, const struct addr *net, unsigned maxlen,
    struct ban **out, size_t max)
{
	const uint32_t *lens = net->family == AF_INET ? b->lens4 : b->lens6;
	unsigned top = addr_maxlen(net), len, bit;
	struct ban *v;
	struct addr sub;
	size_t n = 0, i, k;

	for (len = net->len + 1; len <= top && len < maxlen; len++) {
		if (lens[len] == 0)
			continue;
		if (len - net->len > BANS_ENUM_BITS ||
		    ((size_t)1 << (len - net->len)) > b->n)
			goto scan;
	}
	for (len = net->len + 1; len <= top && len < maxlen; len++) {
		if (lens[len] == 0)
			continue;
		for (k = 0; k < ((size_t)1 << (len - net->len)); k++) {
			sub = *net;
			sub.len = (uint8_t)len;
			for (i = 0; i < len - net->len; i++) {
				bit = net->len + (unsigned)i;
				if ((k >> (len - net->len - 1 - i)) & 1)
					sub.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
			}
			if ((v = bans_find(b, &sub)) == NULL)
				continue;
			if (n < max)
				out[n] = v;
			n++;
		}
	}
	return n;
scan:
	for (i = 0; i < b->n; i++) {
		v = &b->v[i];
		if (v->target.family != net->family || v->target.len <= net->len ||
		    v->target.len >= maxlen || !addr_contains(net, &v->target))
			continue;
		if (n < max)
			out[n] = v;
		n++;
	}
	return n;
}
