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

/* Longest origin text, with the NUL: "local", "manual", "peer:NODE"... */
#define BAN_ORIGIN_MAX 48

/* Where a ban stands with the kernel (ledger.c keeps it). */
enum ban_kstate {
	BAN_PENDING = 0,         /* queued: not held until the kernel takes it */
	BAN_HELD,                /* an element of the kernel's sets */
	BAN_SHADOWED,            /* covered by a wider net ban that is held */
};

struct ban {
	struct addr target;      /* a host or a prefix, normalised */
	int64_t expires;         /* seconds since the epoch */
	int64_t since;           /* when it was made, seconds since the epoch */
	uint32_t offences;       /* times banned, this one included */
	uint8_t kstate;          /* enum ban_kstate */
	char origin[BAN_ORIGIN_MAX];
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

/*
 * The live bans (expires > now) of prefixes strictly wider than a that
 * contain it, widest first, into out (at most max). Returns how many
 * there are, which may exceed max.
 */
size_t bans_covering(const struct bans *b, const struct addr *a, int64_t now,
    struct ban **out, size_t max);

/*
 * The bans of prefixes strictly narrower than net and inside it, whose
 * length is below maxlen (maxlen 129: hosts too), into out (at most max);
 * returns how many there are, which may exceed max. Lengths in use are
 * enumerated when that is cheaper than a pass over every ban.
 */
size_t bans_inside(const struct bans *b, const struct addr *net,
    unsigned maxlen, struct ban **out, size_t max);

#endif
