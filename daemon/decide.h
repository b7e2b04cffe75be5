/*
 * decide: the decision engine. Match events in, ban verdicts out. It owns
 * the score table, the SMTP session tracker, the allowlist, the
 * deduplication cache and the offence history. Pure: time comes in as an
 * argument, nothing is printed, the firewall is not touched. The daemon,
 * `dominoban replay` and `dominoban test --events` all drive it.
 */
#ifndef DB_DECIDE_H
#define DB_DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "allow.h"
#include "conf.h"
#include "match.h"
#include "verdict.h"

/* Distinct pattern ids remembered for reasons. */
#define DECIDE_PATTERNS 255

struct decide_cb {
	/* A ban decided (never for an allowlisted address). */
	void (*verdict)(void *arg, const struct verdict *v);
	/* The address an event was counted against: its own, or for a
	 * rejection that carried none, the SMTP session's that the log proves
	 * it was (session.h). May be NULL. */
	void (*attributed)(void *arg, uint64_t tag, const struct addr *a);
	void *arg;
};

/* An event counted against a (not allowlisted): its pattern id, weight
 * and time (the cluster shares it). */
typedef void (*decide_counted_fn)(void *arg, const struct addr *a,
    const char *pattern, double weight, int64_t at);

struct decide_stats {
	uint64_t events;          /* events offered */
	uint64_t deduped;         /* second wordings of a failure (dedupe.h) */
	uint64_t allowlisted;     /* events from allowlisted addresses */
	uint64_t attributed;      /* address-less rejections attributed */
	uint64_t ambiguous;       /* ... not: several addresses open, or blind */
	uint64_t unattributed;    /* ... not: no SMTP session open */
	uint64_t verdicts;        /* bans decided */
	uint64_t splits;          /* netblock bans split around the allowlist */
	size_t records;           /* score records held */
	uint64_t evictions;       /* score records evicted */
	size_t sessions;          /* addresses with an SMTP session open */
	int64_t blind_until;      /* none attributed before (0: no line yet) */
	size_t history;           /* addresses with an offence history */
};

struct decide;

/*
 * An engine for configuration c (its values are copied), with the hash
 * seed and the allowlist to use (copied). NULL with errno on failure.
 */
struct decide *decide_new(const struct conf *c, const uint8_t seed[16],
    const struct allow *allow);

void decide_free(struct decide *d);

/*
 * Take the thresholds, prefixes, ban times and history limits of c (on
 * reload); scores, bans and history are kept. Returns 0, or 1 when c asks
 * for a different max_records, which only a restart applies.
 */
int decide_set_conf(struct decide *d, const struct conf *c);

/* Tell fn(arg) of every event counted here (not of decide_remote's);
 * fn NULL: nobody. */
void decide_set_counted(struct decide *d, decide_counted_fn fn, void *arg);

/*
 * Learn the patterns of m, at load and after every reload, before m's
 * events come: each pattern's id is interned once here, so an event is
 * counted by its pattern's index, never by comparing ids. (A pattern of
 * another matcher still counts, its id compared.) 0, or -1 with errno
 * ENOMEM: ids are then compared.
 */
int decide_set_patterns(struct decide *d, const struct matcher *m);

/* Replace the allowlist (on reload). */
void decide_set_allow(struct decide *d, const struct allow *allow);

/*
 * Count one event at now (seconds). tag identifies it to cb->attributed.
 * Verdicts and attributions are reported through cb.
 */
void decide_event(struct decide *d, const struct match_event *ev,
    uint64_t tag, int64_t now, const struct decide_cb *cb);

/*
 * decide_event() for a stream of events: the event is copied into a queue
 * of DECIDE_QUEUE, which is decided (decide_flush) when full. Deciding a
 * queue keys each event DECIDE_AHEAD events before it is decided and
 * prefetches its score records, so the cache misses of successive events
 * overlap. Verdicts are the same as one decide_event() per event, only
 * reported at the flush; every other call below expects an empty queue.
 */
#define DECIDE_QUEUE 64
#define DECIDE_AHEAD 8
void decide_queue(struct decide *d, const struct match_event *ev,
    uint64_t tag, int64_t now, const struct decide_cb *cb);

/* Decide the queued events, in order. decide_event() flushes first. */
void decide_flush(struct decide *d, const struct decide_cb *cb);

/*
 * Count an event a cluster peer saw (flushing the queue first): host a,
 * pattern id, weight (already scaled), at now. It counts like a local
 * event with an address: host and netblock records, so netblock tiers
 * count hosts cluster-wide; the allowlist is checked the same way. A
 * pattern id only peers name takes a slot while half of them are free.
 * The counted observer is not told (a peer's evidence is not passed on).
 */
void decide_remote(struct decide *d, const struct addr *a, const char *pattern,
    double weight, int64_t now, const struct decide_cb *cb);

/*
 * Log lines may have been lost just before now (a truncation, a wrap, a
 * rotation not resumed): the SMTP session tracker may miss sessions, so
 * for smtp_session_max no address-less rejection is attributed. Flushes
 * the queue first, so the events read before the loss are decided before.
 */
void decide_lost(struct decide *d, int64_t now, const struct decide_cb *cb);

/* The SMTP session tracker across a restart: see session_foreach(),
 * session_resume() and session_restore(). */
struct sessions *decide_sessions(struct decide *d);

/*
 * A manual ban (seconds 0: the escalated default) or unban of target,
 * filled into v. Returns 0, or -1 with errno EPERM when the target overlaps
 * the allowlist (for a ban) or EINVAL.
 */
int decide_manual(struct decide *d, enum verdict_action action,
    const struct addr *target, uint32_t seconds, int64_t now,
    struct verdict *v);

/* Ban duration for the n-th offence (n >= 1): escalated and capped. */
uint32_t decide_ban_seconds(const struct decide *d, uint32_t n);

/* What the engine holds about one score record, for `dominoban check`. */
struct decide_peek {
	struct addr key;          /* the host, or its block of one tier */
	bool known;               /* a record is held (else all below is 0) */
	double score;             /* decayed to now */
	double threshold;         /* host_, net_ or wide_threshold */
	unsigned min_hosts;       /* blocks: net_ or wide_min_hosts; hosts 0 */
	unsigned hosts, banned;   /* blocks: distinct hosts seen, banned */
	int64_t banned_until;     /* decided ban's end, or 0 */
	char reason[VERDICT_REASON_MAX]; /* patterns with counts */
};
#define DECIDE_PEEK_MAX 3         /* the host and two tiers */

/* The records of host and of its blocks of each tier in use, host first,
 * into out; returns how many (1 to DECIDE_PEEK_MAX). Reads only. */
size_t decide_peek(const struct decide *d, const struct addr *host,
    int64_t now, struct decide_peek *out);

/* Counters and sizes. */
void decide_get_stats(const struct decide *d, struct decide_stats *st);

/* Every address with an offence history: count, last offence, and the
 * expiry of its ban (0 when none is active at now). */
void decide_foreach_history(const struct decide *d,
    void (*fn)(void *arg, const struct addr *a, uint32_t count, int64_t last,
	int64_t expires),
    void *arg);

/* Restore one history entry (from the state file). 0, or -1 with errno. */
int decide_restore(struct decide *d, const struct addr *a, uint32_t count,
    int64_t last, int64_t expires);

#endif
