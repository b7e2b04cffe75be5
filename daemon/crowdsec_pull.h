/*
 * crowdsec_pull: the LAPI's decisions into the ledger (the bouncer side).
 * An answer of the decision stream is collected (crowdsec_pull_add, one
 * compact record per usable decision) and applied when it is complete
 * (crowdsec_pull_end), so that a startup answer of 100,000 decisions goes
 * to the kernel in one batch.
 *
 * - new ban decisions of the configured scopes (Ip, Range) and origins
 *   become bans of origin "crowdsec:ORIGIN" with their remaining time,
 *   extend-only: a ban held already (ours or another's) only lengthens;
 * - deleted ones lift the ban of their target only when its origin is
 *   crowdsec:* and the same answer does not bring a new decision for it:
 *   a local ban is never lifted by CrowdSec;
 * - a startup answer is the LAPI's whole state: crowdsec:* bans it does
 *   not hold are lifted (the delta stream is not a perfect log);
 * - the ledger refuses allowlisted targets, addresses that can never be a
 *   source and ranges wider than the widest tier (unless wide_ranges):
 *   each is counted and skipped, as are other types (captcha...), other
 *   scopes (Country, AS...), other origins and expired decisions;
 * - an admin's `dominoban unban` wins over the decisions in force when it
 *   was made: they do not bring the target back (a later, longer decision
 *   does).
 * Not pure: it changes the ledger; time comes in as an argument.
 */
#ifndef DB_CROWDSEC_PULL_H
#define DB_CROWDSEC_PULL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bans.h"
#include "conf.h"
#include "crowdsec_json.h"
#include "ledger.h"

/* Most decisions of one answer kept for applying (about 40 bytes each);
 * beyond, they are counted as skipped. */
#define CROWDSEC_PULL_MAX 1000000
/* Most targets remembered as lifted by hand. */
#define CROWDSEC_PULL_UNBANNED_MAX 4096
/* The ban origin prefix of pulled decisions. */
#define CROWDSEC_ORIGIN_PREFIX "crowdsec:"

struct crowdsec_pull_stats {
	uint64_t answers;         /* answers applied */
	uint64_t decisions;       /* well-formed decisions read */
	uint64_t banned;          /* bans made or lengthened */
	uint64_t lifted;          /* bans lifted: deleted decisions */
	uint64_t resync_lifted;   /* bans lifted: absent from a startup answer */
	uint64_t bad;             /* malformed elements */
	uint64_t other_type;      /* captcha, throttle... */
	uint64_t other_scope;     /* Country, AS... or a scope not configured */
	uint64_t other_origin;    /* not in origins */
	uint64_t bad_value;       /* not an address or prefix */
	uint64_t allowlisted;     /* refused by the allowlist */
	uint64_t never_source;    /* multicast, broadcast... */
	uint64_t too_wide;        /* wider than the widest tier */
	uint64_t expired;         /* less than a second left */
	uint64_t unbanned;        /* lifted by hand while in force */
	uint64_t overflow;        /* beyond CROWDSEC_PULL_MAX in one answer */
	uint64_t failed;          /* refused by the ledger otherwise (ENOMEM) */
};

struct crowdsec_pull;

/* NULL with errno ENOMEM. */
struct crowdsec_pull *crowdsec_pull_new(const uint8_t seed[16]);
void crowdsec_pull_free(struct crowdsec_pull *p);

/* Take scopes, origins and wide_ranges from c (copied). 0, or -1 ENOMEM. */
int crowdsec_pull_set_conf(struct crowdsec_pull *p, const struct conf *c);

/* A new answer begins: what an unfinished one collected is dropped. */
void crowdsec_pull_begin(struct crowdsec_pull *p);

/* One decision of the answer (a crowdsec_json_cb). */
void crowdsec_pull_add(void *p, const struct crowdsec_decision *d);

/* Count bad elements of the answer (crowdsec_json_stream_bad()). */
void crowdsec_pull_bad(struct crowdsec_pull *p, size_t n);

/*
 * The answer is complete: apply it to l at now (startup: it is the whole
 * state, see above). The bans are queued in the ledger; the caller's
 * flush sends them in one batch. Returns the number of ledger changes.
 */
size_t crowdsec_pull_end(struct crowdsec_pull *p, struct ledger *l,
    bool startup, int64_t now);

/* True when b's last change is a pulled decision lengthening a ban of
 * another origin (so its announcement is not a ban of ours to push). */
bool crowdsec_pull_extended(const struct crowdsec_pull *p, const struct ban *b);

/* b was lifted by hand at now: decisions in force now do not bring it
 * back. */
void crowdsec_pull_unbanned(struct crowdsec_pull *p, const struct ban *b,
    int64_t now);

/* True when origin is one of the pulled decisions' (crowdsec:*). */
bool crowdsec_pull_origin(const char *origin);

void crowdsec_pull_get_stats(const struct crowdsec_pull *p,
    struct crowdsec_pull_stats *st);

#endif
