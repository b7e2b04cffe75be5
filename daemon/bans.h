/*
 * bans: the daemon's own record of what it has banned: every active ban
 * with its absolute expiry, offence count and reason. It is the truth that
 * the kernel sets are compared against (restore after a reboot, repair
 * after a flush) and what `list` and the state file show. A dense array
 * indexed by a seeded hash of the binary address: find, add and delete are
 * O(1), iteration is over the array. Pure: no I/O, no clock.
 */
#ifndef DB_BANS_H
#define DB_BANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "verdict.h"

struct ban {
	struct addr target;      /* a host or a prefix, normalised */
	int64_t expires;         /* seconds since the epoch */
	uint32_t offences;       /* times banned, this one included */
	char reason[VERDICT_REASON_MAX];
};

struct bans;

/* An empty table whose hash is keyed by seed. NULL with errno ENOMEM. */
struct bans *bans_new(const uint8_t seed[16]);

/* Release the table. NULL is a no-op. */
void bans_free(struct bans *b);

/* The ban of target (compared as a whole: address and length), or NULL. */
struct ban *bans_find(const struct bans *b, const struct addr *target);

/*
 * The ban of target, added (zeroed but for target) when missing. The
 * pointer is valid until the next bans_put() or bans_del(). NULL with errno
 * ENOMEM.
 */
struct ban *bans_put(struct bans *b, const struct addr *target);

/* Remove the ban of target, if any. The last ban moves into its place in
 * the iteration order (bans_at). */
void bans_del(struct bans *b, const struct addr *target);

/* Number of bans held, and the i-th (0 <= i < bans_count) in no order. */
size_t bans_count(const struct bans *b);
struct ban *bans_at(const struct bans *b, size_t i);

/*
 * True when a live ban (expires > now) covers host: the host itself or a
 * banned prefix containing it. Prefix lengths are tried from the ones in
 * use, so the cost is a few hash lookups.
 */
bool bans_cover(const struct bans *b, const struct addr *host, int64_t now);

#endif
