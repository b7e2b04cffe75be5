/*
 * ledger: the one owner of the ban lifecycle. Every change of a ban goes
 * through it, whatever its source: decided here, manual (the CLI), and
 * later a cluster peer or a CrowdSec decision. It keeps the daemon's table
 * of bans (bans.c) and the kernel's sets (through enforce.c) in agreement:
 *
 * - a ban counts only once the kernel took it: ledger_ban() records it as
 *   pending; ledger_flush() sends what is pending in one transaction and
 *   drops every ban the kernel refused (reported through cb->lifted);
 * - the net sets are interval sets, which refuse overlapping elements, so
 *   the kernel holds only the widest live net bans: a wider ban replaces
 *   the narrower elements it covers in the same transaction, and those
 *   narrower bans stay in the table, "shadowed", until the wider one ends,
 *   when they go back into the kernel with their remaining time;
 * - the allowlist is absolute: a ban overlapping it is refused, and when
 *   the allowlist grows (reload, an own address added) every ban covering
 *   an allowed address is lifted or split around it;
 * - reconcile compares the kernel with the table both ways, inside our
 *   own table only: it puts back what the kernel lacks and deletes what
 *   the table does not hold.
 *
 * Each ban carries its origin ("local", "manual", "peer:NODE",
 * "crowdsec:ORIGIN"), so `list` and the log say where it came from. Every
 * ban and lift is logged here, one record each. Not pure: it drives the
 * kernel through enforce and logs; time comes in as an argument.
 */
#ifndef DB_LEDGER_H
#define DB_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allow.h"
#include "bans.h"
#include "conf.h"
#include "enforce.h"

/* A net ban splits around allowed addresses into at most this many
 * prefixes; beyond that it is lifted whole. */
#define LEDGER_SPLIT_MAX 64
/* A manual ban lasts at most this long (seconds): ten years. */
#define LEDGER_MANUAL_MAX (10u * 365 * 86400)

/* Origins of the bans this node makes itself. */
#define LEDGER_ORIGIN_LOCAL "local"
#define LEDGER_ORIGIN_MANUAL "manual"
#define LEDGER_ORIGIN_KERNEL "kernel"

struct ledger_req {
	struct addr target;       /* host or prefix, normalised */
	uint32_t seconds;         /* from now */
	uint32_t offences;        /* times banned, this one included */
	const char *reason;       /* pattern ids with counts, or "manual" */
	const char *origin;       /* see above; printable, no spaces */
	bool extend_only;         /* a ban held already only ever lengthens */
	bool force;               /* a prefix wider than the widest tier */
	bool quiet;               /* no log record of its own: the caller
	                           * logs a summary (a cluster snapshot);
	                           * the observers are told as ever */
};

struct ledger_cb {
	/* A ban ended before its time (refused by the kernel, lifted for the
	 * allowlist or by an unban): the decision engine forgets it. */
	void (*lifted)(void *arg, const struct addr *target);
	void *arg;
};

struct ledger_stats {
	size_t active;            /* bans held (in the kernel or shadowed) */
	size_t shadowed;          /* held by a wider net ban */
	uint64_t bans, unbans;    /* changes made, all origins */
	uint64_t refused;         /* bans the kernel refused: not held */
	uint64_t expired;
	uint64_t lifted_allow;    /* lifted or split for the allowlist */
	uint64_t splits;          /* net bans split around the allowlist */
	uint64_t reconciles;      /* times the kernel disagreed */
	uint64_t put_back;        /* elements put back by those */
	uint64_t removed;         /* untracked elements deleted by those */
	uint64_t adopted;         /* kernel elements adopted at start */
	uint64_t restored;        /* bans put back in the kernel at start
				     (the restore: no disagreement) */
};

struct ledger;

/*
 * Told of every change once it holds: banned (the kernel took the ban, or
 * a wider held ban covers it; also an extension) or ended (unbanned,
 * expired, lifted for the allowlist); how is the reason ("expired",
 * "manual", "allowlisted", a ban's reason...). b is valid during the call
 * only. A ban the kernel refused was never announced, so it ends silently.
 * Sources of bans use it to publish theirs (cluster peers, CrowdSec);
 * b->origin tells them apart.
 */
typedef void (*ledger_observer)(void *arg, bool banned, const struct ban *b,
    const char *how, int64_t now);
#define LEDGER_OBSERVERS 8

/* Add an observer. 0, or -1 with errno ENOSPC past LEDGER_OBSERVERS. */
int ledger_observe(struct ledger *l, ledger_observer fn, void *arg);
/* True in dry run (at start, or switched by a reload): nothing goes to
 * the kernel, and nothing may ban through others (peers, CrowdSec). */
bool ledger_dry(const struct ledger *l);

/*
 * A ledger over the kernel table of e (dry run when enforce_dry(e)),
 * checking every ban against allow (kept as a pointer: the caller owns it
 * and calls ledger_apply_allow() when it changes). NULL with errno.
 */
struct ledger *ledger_new(const uint8_t seed[16], struct enforce *e,
    const struct allow *allow, const struct conf *c,
    const struct ledger_cb *cb);
void ledger_free(struct ledger *l);

/* Take the tiers and ban_max of c (at start and reload). */
void ledger_set_conf(struct ledger *l, const struct conf *c);

/*
 * Ban r->target for r->seconds from now, or move the expiry of its ban.
 * The ban is pending until ledger_flush(). 0, or -1 with errno: EPERM, it
 * overlaps the allowlist; EINVAL, it can never be a source address
 * (multicast, broadcast, unspecified) or its time is 0; E2BIG, a prefix
 * wider than the widest configured tier and not forced; ENOMEM.
 */
int ledger_ban(struct ledger *l, const struct ledger_req *r, int64_t now);

/* Whether ledger_ban() would refuse target for what it is: 0, or -1 with
 * errno as there (EINVAL, EPERM, E2BIG). */
int ledger_check(const struct ledger *l, const struct addr *target,
    bool force);

/*
 * Lift the ban of target (exactly that host or prefix); how is the log's
 * reason ("manual", "peer:NODE" ...). 0, or -1 with errno ENOENT when no
 * such ban is held.
 */
int ledger_unban(struct ledger *l, const struct addr *target, const char *how,
    int64_t now);

/*
 * The live bans that cover host other than host's own, widest first, into
 * out (at most max); returns how many there are.
 */
size_t ledger_covering(const struct ledger *l, const struct addr *host,
    int64_t now, const struct ban **out, size_t max);

/* End the bans whose time is up (a wider net ban shadowing live narrower
 * ones hands over a second early, so the kernel never lacks them). */
size_t ledger_expire(struct ledger *l, int64_t now);

/* Lift or split every ban covering an allowed address (after the
 * allowlist changed, and at start). Returns the bans touched. */
size_t ledger_apply_allow(struct ledger *l, int64_t now);

/*
 * Send what is pending to the kernel in one transaction. Bans the kernel
 * refused are dropped from the table, logged and reported through
 * cb->lifted. Returns the number of elements the kernel added; *failed
 * (may be NULL) gets the number of changes it refused.
 */
size_t ledger_flush(struct ledger *l, int64_t now, size_t *failed);

/*
 * Compare the kernel sets with the table both ways and make the kernel
 * agree: put back what it lacks, delete what the table does not hold.
 * why names the occasion in the log. adopt (at start, when the state file
 * was lost or is older than the kernel): keep the kernel's unknown timed
 * elements as bans of origin "kernel" instead of deleting them. Returns
 * the number of elements changed.
 */
size_t ledger_reconcile(struct ledger *l, int64_t now, const char *why,
    bool adopt);

/*
 * The periodic recheck, the same comparison as ledger_reconcile() (without
 * adopt) made off the loop: ledger_recheck_start() forks a child that dumps
 * the kernel sets and compares them with its copy of the table, and
 * returns the pipe it writes the differences to (-1 when none started: in
 * dry run, while one is in progress, or on an error, logged). When the
 * pipe is readable, ledger_recheck_read() takes a bounded part of them,
 * checks each against the table as it is then and queues the deletes and
 * put-backs (sent at the next ledger_flush()); it returns 1 once the
 * child is done and reaped, else 0. Then stop watching the pipe and call
 * ledger_recheck_close(), in that order: a child forked meanwhile (a state
 * save) may hold the pipe too, and epoll forgets a descriptor only when
 * every copy is closed. ledger_recheck_close() also ends one in progress
 * (ledger_free() calls it).
 */
int ledger_recheck_start(struct ledger *l, int64_t now);
int ledger_recheck_read(struct ledger *l, int64_t now);
void ledger_recheck_close(struct ledger *l);

/*
 * Restore one ban from the state file: pending until the next flush or
 * reconcile. Its remaining time is capped (ban_max, or the manual maximum
 * for manual bans). 0, or -1 with errno as ledger_ban().
 */
int ledger_restore(struct ledger *l, const struct ban *b, int64_t now);

/* The table, read-only, and a counter bumped at every change of it. */
const struct bans *ledger_bans(const struct ledger *l);
uint64_t ledger_gen(const struct ledger *l);

/* Counters. */
void ledger_get_stats(const struct ledger *l, int64_t now,
    struct ledger_stats *st);

/* True when a ban may cover host at now (the cutting of sessions). */
bool ledger_cover(const struct ledger *l, const struct addr *host,
    int64_t now);

#endif
