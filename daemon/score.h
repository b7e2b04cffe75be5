/*
 * score: one bounded hash table of decaying scores, keyed by (prefix
 * length, address): hosts and their netblocks live side by side. Pure:
 * time is passed in (seconds), nothing is printed or read from the clock.
 */
#ifndef DB_SCORE_H
#define DB_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Pattern slots kept per record for the ban reason. */
#define SCORE_REASONS 4
/* When the table is full, the records evicted are those at or under the
 * value that the lowest of this many random records has (score.c). */
#define SCORE_EVICT_SAMPLE 8

/*
 * A record is not opaque: decide.c reads and writes it in place (key,
 * score, banned_until, banned, pat, cnt), because it is decide's working
 * state on the line path, one cache line already loaded by the lookup;
 * an accessor call per field in another file would cost more than the
 * lookup saves. score.c owns t, hosts and hash, and the slots themselves.
 */
struct score_rec {
	struct addr key;                 /* 20 bytes, normalised */
	float score;                     /* as of t */
	uint32_t t;                      /* seconds since the epoch */
	uint32_t banned_until;           /* seconds since the epoch, or 0 */
	uint64_t hosts;                  /* distinct-host sketch (score.c) */
	uint64_t banned;                 /* same, of the hosts banned in it */
	uint8_t pat[SCORE_REASONS];      /* pattern index + 1; 0 = empty */
	uint8_t cnt[SCORE_REASONS];      /* hits per pattern, saturating */
	uint32_t hash;                   /* low bits of the key's hash */
} __attribute__((aligned(64)));  /* one cache line: one miss per lookup */

struct score;

/* Largest pattern index a record can note (pat[] holds index + 1). */
#define SCORE_PATTERN_MAX 254

/*
 * A table for at least max_records records (rounded up to 2/3 of a power
 * of two slots; memory is allocated once, here). seed keys the hash.
 * NULL with errno on failure.
 */
struct score *score_new(size_t max_records, const uint8_t seed[16]);

/* Release the table. */
void score_free(struct score *s);

/*
 * Decay key's score to now, add weight, note pattern (index) and, for a
 * netblock, the host in its distinct-host sketch (host may be NULL).
 * Creates the record, evicting the least valuable of a small random sample
 * when the table is full. Returns the record (valid until the next add), or
 * NULL if the weight is 0 and there was no record.
 */
struct score_rec *score_add(struct score *s, const struct addr *key,
    double weight, unsigned pattern, const struct addr *host, int64_t now,
    double half_life);

/*
 * A key with its seeded hash, computed once per event (score_key) and used
 * for the prefetch, the lookup and the distinct-host sketches.
 */
struct score_key {
	struct addr a;
	uint64_t hash;
};

/* Fill k for address or prefix a. */
void score_key(const struct score *s, const struct addr *a,
    struct score_key *k);

/* Start loading k's slot into the cache: an event prefetches its host and
 * netblock records first, so their cache misses overlap. */
void score_prefetch(const struct score *s, const struct score_key *k);

/* score_add() for a prepared key (host may be NULL). */
struct score_rec *score_add_key(struct score *s, const struct score_key *k,
    double weight, unsigned pattern, const struct score_key *host,
    int64_t now, double half_life);

/* The record for key, or NULL. */
struct score_rec *score_find(const struct score *s, const struct addr *key);
struct score_rec *score_find_key(const struct score *s,
    const struct score_key *k);

/* A record's score decayed to now. */
double score_value(const struct score_rec *r, int64_t now, double half_life);

/* Estimated number of distinct hosts noted in a record. */
unsigned score_distinct(const struct score_rec *r);

/* Note that host, inside the netblock of record r, was banned. */
void score_note_banned(struct score_rec *r, const struct score_key *host);

/* Estimated number of distinct banned hosts noted in a record. */
unsigned score_banned_distinct(const struct score_rec *r);

/* Call fn for every record whose key is a host inside net. */
void score_foreach_in(struct score *s, const struct addr *net,
    void (*fn)(void *arg, const struct score_rec *r), void *arg);

/* True when a table made for max_records would be this one's size. */
bool score_capacity_ok(const struct score *s, size_t max_records);

/* Records held, and records evicted so far. */
size_t score_count(const struct score *s);
uint64_t score_evictions(const struct score *s);

#endif
