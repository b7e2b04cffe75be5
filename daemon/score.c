/*
 * score: the decaying score table.
 *
 * Layout: open addressing with linear probing over a power-of-two array of
 * 64-byte records (one cache line each, so a lookup costs one miss, not
 * two for a record straddling lines) allocated once, filled to at most 2/3
 * of its slots, so memory is fixed whatever the input (96 bytes per
 * tracked record at the limit). The load cap matters: at 7/8 a miss
 * would probe about 32 slots, a third of the speed. Deletion shifts the
 * following cluster back instead of leaving tombstones, so a long flood
 * never degrades lookups.
 *
 * Hashing: SipHash-1-3 over the 20 key bytes, keyed with a random seed from
 * the caller, so an attacker who picks addresses cannot aim collisions. An
 * event hashes each of its keys once (struct score_key) for the prefetch,
 * the lookup and the distinct-host sketch.
 *
 * Speed: with a table of tens of MiB, each record touched is a cache miss;
 * score_prefetch() lets an event's two misses (host, netblock) overlap,
 * decide_flush() prefetches events ahead so that successive events' misses
 * overlap too, and an eviction reads the slots in order.
 *
 * Decay is lazy: a record stores (score, t) and is brought to now only when
 * touched: score * 2^(-(now - t) / half_life) + weight. Factors for gaps
 * under DECAY_TABLE seconds come from a table, not exp2().
 *
 * Eviction: when full, a batch of the least valuable records goes at
 * once (1/256 of the limit). A random sample of 64 records sets a
 * threshold, its 1/SCORE_EVICT_SAMPLE quantile (about the value of the
 * lowest of 8 random records), and a hand sweeps the slots in order from where it last
 * stopped, removing records at or under it, at most one of every
 * SCORE_EVICT_SAMPLE records it passes. In order, because the sweep costs
 * a cache miss every few records where sampling one record per eviction
 * costs a dozen random misses: a 4-million-host flood runs 2.5 times
 * faster (docs/PERFORMANCE.md). At most one in 8, because a hand that takes
 * every low record it passes (all of them, when a flood's records tie)
 * empties the slots behind it while those ahead fill up: clusters of
 * 15,000 slots. With the spacing an absent key probes 3.7 to 3.8 slots
 * after long floods, as few as evicting one sampled record at a time
 * gives (4.0). A spray of
 * fresh addresses therefore evicts other stale, low records, not the hot
 * ones that are about to reach a threshold. Records keep the low bits of
 * their hash, so shifting a cluster back rehashes nothing.
 *
 * Distinct hosts: each netblock record keeps a 64-bit sketch, exact up to
 * four hosts and linear counting beyond (sketch_add): 8 bytes whatever
 * the attacker does.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "hash.h"
#include "score_int.h"

/* A slot is empty when its key's family is 0 (every stored key has
 * AF_INET or AF_INET6), so a probe touches one cache line, not two. */
#define USED(s, i) ((s)->slots[i].key.family != 0)
/* Records sampled to set an eviction threshold. */
#define EVICT_SAMPLE 64

/* Decay factors 2^(-dt/half_life) tabulated for dt in [0, DECAY_TABLE)
 * seconds (4 KiB, stays in L1); longer gaps call exp2(). */
#define DECAY_TABLE 1024

struct score {
	struct score_rec *slots;
	size_t mask;        /* slots - 1 */
	size_t limit;       /* most records held */
	size_t count;
	uint64_t evictions;
	uint64_t rng;
	size_t hand;        /* where the next eviction sweep starts */
	uint8_t seed[16];
	size_t mapped;      /* bytes of the slots' mapping */
	double decay_hl;    /* half-life the table was computed for */
	float decay[DECAY_TABLE];
};

/*
 * The slots, zeroed, in an anonymous mapping with transparent huge pages
 * asked for: a table of tens of MiB in 4 KiB pages costs a TLB miss on
 * top of the cache miss at nearly every event (measured in
 * docs/PERFORMANCE.md); where THP is off, madvise() fails and nothing
 * else changes. *mapped gets the mapping's length.
 */
static struct score_rec *
alloc_slots(size_t slots, size_t *mapped)
{
	size_t len;
	void *p;

	if (slots > SIZE_MAX / sizeof(struct score_rec)) {
		errno = ENOMEM;
		return NULL;
	}
	len = slots * sizeof(struct score_rec);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	(void)madvise(p, len, MADV_HUGEPAGE);
	*mapped = len;
	return p;
}

struct score *
score_new(size_t max_records, const uint8_t seed[16])
{
	struct score *s;
	size_t slots = 1024;

	while (slots / 3 * 2 < max_records && slots < ((size_t)1 << 40))
		slots <<= 1;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->slots = alloc_slots(slots, &s->mapped);
	if (s->slots == NULL) {
		score_free(s);
		errno = ENOMEM;
		return NULL;
	}
	/* max_records is rounded up to what the power-of-two table holds at
	 * 2/3 load: the memory is paid for either way. */
	s->mask = slots - 1;
	s->limit = slots / 3 * 2;
	memcpy(s->seed, seed, 16);
	memcpy(&s->rng, seed, 8);
	s->rng |= 1;
	return s;
}

void
score_free(struct score *s)
{
	if (s == NULL)
		return;
	if (s->mapped != 0)
		munmap(s->slots, s->mapped);
	free(s);
}

/* Equality of two keys as words (the hot path compares many keys). */
static inline bool
key_eq(const struct addr *x, const struct addr *y)
{
	const char *p = (const char *)x, *q = (const char *)y;
	uint64_t a0, a1, b0, b1;
	uint32_t a2, b2;

	memcpy(&a0, p, 8);
	memcpy(&b0, q, 8);
	memcpy(&a1, p + 8, 8);
	memcpy(&b1, q + 8, 8);
	memcpy(&a2, p + 16, 4);
	memcpy(&b2, q + 16, 4);
	return ((a0 ^ b0) | (a1 ^ b1) | (uint64_t)(a2 ^ b2)) == 0;
}

/*
 * The seeded hash of a key, over its significant bytes only: an IPv4 key
 * (family, length, 4 address bytes) is one SipHash block instead of three
 * (the other 14 bytes are always zero), a third fewer rounds on the hot
 * path; IPv6 keys hash family, length and all 16 bytes.
 */
static uint64_t
key_hash(const struct score *s, const struct addr *a)
{
	uint8_t b[18];

	b[0] = a->family;
	b[1] = a->len;
	if (a->family == AF_INET) {
		memcpy(b + 2, a->a, 4);
		return hash_siphash(s->seed, b, 6);
	}
	memcpy(b + 2, a->a, 16);
	return hash_siphash(s->seed, b, 18);
}

void
score_key(const struct score *s, const struct addr *a, struct score_key *k)
{
	k->a = *a;
	k->hash = key_hash(s, a);
}

void
score_prefetch(const struct score *s, const struct score_key *k)
{
	__builtin_prefetch(&s->slots[k->hash & s->mask], 1);
}

static size_t
lookup(const struct score *s, const struct score_key *k, bool *found)
{
	size_t i;

	for (i = k->hash & s->mask; USED(s, i); i = (i + 1) & s->mask) {
		if (key_eq(&s->slots[i].key, &k->a)) {
			*found = true;
			return i;
		}
	}
	*found = false;
	return i;
}

struct score_rec *
score_find_key(const struct score *s, const struct score_key *k)
{
	bool found;
	size_t i = lookup(s, k, &found);

	return found ? &s->slots[i] : NULL;
}

struct score_rec *
score_find(const struct score *s, const struct addr *key)
{
	struct score_key k;

	score_key(s, key, &k);
	return score_find_key(s, &k);
}

double
score_value(const struct score_rec *r, int64_t now, double half_life)
{
	double dt = (double)(now - (int64_t)r->t);

	if (dt <= 0)
		return r->score;
	return r->score * exp2(-dt / half_life);
}

/* score_value() with the tabulated factor for short gaps. */
static double
decayed(struct score *s, const struct score_rec *r, int64_t now,
    double half_life)
{
	int64_t dt = now - (int64_t)r->t;
	unsigned i;

	if (dt <= 0)
		return r->score;
	if (dt >= DECAY_TABLE)
		return r->score * exp2(-(double)dt / half_life);
	if (s->decay_hl != half_life) {
		for (i = 0; i < DECAY_TABLE; i++)
			s->decay[i] = (float)exp2(-(double)i / half_life);
		s->decay_hl = half_life;
	}
	return r->score * (double)s->decay[dt];
}

/*
 * Distinct-host sketch, one 64-bit word. Exact while small: up to four
 * 15-bit host fingerprints in 16-bit lanes (bit 63 clear), so the counts
 * that thresholds care about (3 hosts by default) are exact but for a
 * 1-in-32768 fingerprint clash. A fifth host turns it into a 63-bit
 * linear-counting bitmap (bit 63 set): n ~ -63 ln(zero bits / 63).
 */
#define SKETCH_BITMAP (1ULL << 63)
#define SKETCH_LANES 4

static void
sketch_add(uint64_t *sk, uint64_t h)
{
	unsigned fp = (unsigned)(h >> 49) & 0x7fff, lane, i;
	uint64_t bm;

	if (fp == 0)
		fp = 1;
	if ((*sk & SKETCH_BITMAP) != 0) {
		*sk |= 1ULL << (fp % 63);
		return;
	}
	for (i = 0; i < SKETCH_LANES; i++) {
		lane = (unsigned)(*sk >> (16 * i)) & 0x7fff;
		if (lane == fp)
			return;
		if (lane == 0) {
			*sk |= (uint64_t)fp << (16 * i);
			return;
		}
	}
	bm = SKETCH_BITMAP | 1ULL << (fp % 63);
	for (i = 0; i < SKETCH_LANES; i++)
		bm |= 1ULL << (((unsigned)(*sk >> (16 * i)) & 0x7fff) % 63);
	*sk = bm;
}

static unsigned
sketch_count(uint64_t sk)
{
	unsigned i, n = 0;
	int zeros;

	if ((sk & SKETCH_BITMAP) == 0) {
		for (i = 0; i < SKETCH_LANES; i++)
			n += ((sk >> (16 * i)) & 0x7fff) != 0;
		return n;
	}
	zeros = 63 - __builtin_popcountll(sk & ~SKETCH_BITMAP);
	if (zeros == 0)
		return 63 * 5; /* saturated: at least this many */
	n = (unsigned)lround(-63.0 * log((double)zeros / 63.0));
	return n > SKETCH_LANES ? n : SKETCH_LANES + 1;
}

unsigned
score_distinct(const struct score_rec *r)
{
	return sketch_count(r->hosts);
}

void
score_note_banned(struct score_rec *r, const struct score_key *host)
{
	sketch_add(&r->banned, host->hash);
}

unsigned
score_banned_distinct(const struct score_rec *r)
{
	return sketch_count(r->banned);
}

/* Remove slot i, shifting the rest of its cluster back (no tombstones). */
static void
remove_slot(struct score *s, size_t i)
{
	size_t j = i, home;

	s->slots[i].key.family = 0;
	for (;;) {
		j = (j + 1) & s->mask;
		if (!USED(s, j))
			break;
		home = s->slots[j].hash & s->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((i <= j) ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		s->slots[i] = s->slots[j];
		s->slots[j].key.family = 0;
		i = j;
	}
	s->count--;
}

static uint64_t
next_rand(struct score *s)
{
	s->rng ^= s->rng >> 12;
	s->rng ^= s->rng << 25;
	s->rng ^= s->rng >> 27;
	return s->rng * 2685821657736338717ULL;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * The table is full: remove a batch of the least valuable records (see the
 * top of the file). The hand stops after one full turn whatever it found;
 * if nothing was at or under the threshold (a NaN, say), the record under
 * the hand goes, so that the caller always gets its slot.
 */
static void
evict(struct score *s, int64_t now, double half_life)
{
	size_t want = s->limit / 256 + 1, i, k, n = 0, freed = 0, swept = 0;
	size_t passed = SCORE_EVICT_SAMPLE;
	double vals[EVICT_SAMPLE], thr = INFINITY;

	for (k = 0; n < EVICT_SAMPLE && k < 16 * EVICT_SAMPLE; k++) {
		i = (size_t)(next_rand(s) >> 20) & s->mask;
		if (USED(s, i))
			vals[n++] = decayed(s, &s->slots[i], now, half_life);
	}
	if (n > 0) {
		qsort(vals, n, sizeof(vals[0]), cmp_double);
		thr = vals[n / SCORE_EVICT_SAMPLE];
	}
	i = s->hand & s->mask;
	while (freed < want && swept <= s->mask) {
		if (USED(s, i) && passed >= SCORE_EVICT_SAMPLE &&
		    decayed(s, &s->slots[i], now, half_life) <= thr) {
			remove_slot(s, i); /* a later record may now be at i */
			freed++;
			passed = 0;
			continue;
		}
		passed += USED(s, i);
		i = (i + 1) & s->mask;
		swept++;
	}
	while (freed == 0) {
		if (USED(s, i)) {
			remove_slot(s, i);
			freed++;
		}
		i = (i + 1) & s->mask;
	}
	s->hand = i;
	s->evictions += freed;
}

static void
note_pattern(struct score_rec *r, unsigned pattern)
{
	unsigned i, low = 0;

	if (pattern > SCORE_PATTERN_MAX)
		pattern = SCORE_PATTERN_MAX;
	for (i = 0; i < SCORE_REASONS; i++) {
		if (r->pat[i] == pattern + 1) {
			if (r->cnt[i] < UINT8_MAX)
				r->cnt[i]++;
			return;
		}
		if (r->cnt[i] < r->cnt[low])
			low = i;
	}
	/* Not yet kept: take a free slot, or the weakest one. */
	r->pat[low] = (uint8_t)(pattern + 1);
	r->cnt[low] = 1;
}

struct score_rec *
score_add_key(struct score *s, const struct score_key *k, double weight,
    unsigned pattern, const struct score_key *host, int64_t now,
    double half_life)
{
	struct score_rec *r;
	bool found;
	size_t i;

	i = lookup(s, k, &found);
	if (!found) {
		if (weight <= 0)
			return NULL;
		if (s->count >= s->limit) {
			evict(s, now, half_life);
			i = lookup(s, k, &found);
		}
		r = &s->slots[i];
		memset(r, 0, sizeof(*r));
		r->key = k->a;
		r->hash = (uint32_t)k->hash;
		r->t = (uint32_t)now;
		s->count++;
	}
	r = &s->slots[i];
	r->score = (float)(decayed(s, r, now, half_life) + weight);
	r->t = (uint32_t)now;
	if (weight > 0)
		note_pattern(r, pattern);
	/* The top bits: the low ones chose the host's own slot. */
	if (host != NULL)
		sketch_add(&r->hosts, host->hash);
	return r;
}

struct score_rec *
score_add(struct score *s, const struct addr *key, double weight,
    unsigned pattern, const struct addr *host, int64_t now, double half_life)
{
	struct score_key k, h;

	score_key(s, key, &k);
	if (host != NULL)
		score_key(s, host, &h);
	return score_add_key(s, &k, weight, pattern, host != NULL ? &h : NULL,
	    now, half_life);
}

void
score_foreach_in(struct score *s, const struct addr *net,
    void (*fn)(void *arg, const struct score_rec *r), void *arg)
{
	size_t i;

	for (i = 0; i <= s->mask; i++)
		if (USED(s, i) && addr_is_host(&s->slots[i].key) &&
		    addr_contains(net, &s->slots[i].key))
			fn(arg, &s->slots[i]);
}

bool
score_capacity_ok(const struct score *s, size_t max_records)
{
	return max_records <= s->limit && max_records > s->limit / 2;
}

size_t
score_longest_run(const struct score *s)
{
	size_t i, run = 0, longest = 0;

	/* Twice round, so that a run across the end counts whole. */
	for (i = 0; i <= 2 * s->mask + 1; i++) {
		run = USED(s, i & s->mask) ? run + 1 : 0;
		if (run > longest)
			longest = run;
	}
	return longest < s->mask + 1 ? longest : s->mask + 1;
}

size_t
score_count(const struct score *s)
{
	return s->count;
}

uint64_t
score_evictions(const struct score *s)
{
	return s->evictions;
}

size_t
score_bytes(const struct score *s)
{
	return sizeof(*s) + (s->mask + 1) * sizeof(*s->slots);
}
