/*
 * decide_int: what the files of the decide module share: decide.c
 * decides, decide_query.c answers what the engine holds about one address
 * (`dominoban check`). Not an API: only those files include it.
 */
#ifndef DB_DECIDE_INT_H
#define DB_DECIDE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "score.h"

/*
 * Scores decay continuously, so five failures a few seconds apart add up
 * to a little under 5. A threshold counts as reached within this slack:
 * N failures within about a minute (at the default 10 min half-life) reach
 * a threshold of N.
 */
#define THRESHOLD_SLACK 0.25
/* A netblock whose decayed score fell below this has been quiet for a few
 * half-lives: its count of banned hosts starts again. */
#define NET_QUIET_SCORE 1.0

/* The netblock tiers of an event: /24 or /64, and the optional wide one.
 * A tier whose key has len 0 is off. */
struct tiers {
	struct score_key k[2];
	unsigned len[2];
};

/* An event's score keys: its host and netblock tiers, hashed once. */
struct keys {
	struct score_key host;
	struct tiers t;
};

/* An event as decide keeps it: what the decision needs, copied from the
 * match, so that a queued event points into no line buffer or pattern. */
struct item {
	struct addr addr;
	bool has_addr, smtp;
	enum match_kind kind;
	double weight;
	unsigned pat;
	long messages;
	uint64_t dedupe;          /* (group, address, user) hash, or 0 */
	uint64_t tag;
	int64_t now;
	struct keys k;            /* its address's, once prepare()d */
};

struct decide {
	/* Tunables copied from the configuration. */
	double half_life, host_threshold, net_threshold, wide_threshold;
	unsigned net_min_hosts, wide_min_hosts;
	unsigned net4, net6, wide4, wide6;
	double dedupe_window, ban_factor;
	uint32_t ban_time, ban_max;

	uint8_t seed[16];
	struct score *score;
	struct sessions *sessions;
	struct allow allow;
	struct dedupe *dedupe;
	char *patterns[DECIDE_PATTERNS];
	size_t npatterns;
	/* The matcher's patterns by index (decide_set_patterns): the id each
	 * was interned from, its place in patterns[], whether its service is
	 * smtp (the session tracker's). */
	struct pmap {
		const char *id;
		unsigned pat;
		bool smtp;
	} *pmap;
	size_t npmap;
	struct history *hist;     /* the offence history (history.h) */
	struct decide_stats st;
	struct item queue[DECIDE_QUEUE]; /* events waiting (decide_queue) */
	size_t nqueued;
	decide_counted_fn counted; void *counted_arg; /* decide_set_counted */
};

/* The reason of a ban of r: its patterns with their counts
 * ("smtp-auth=5,http-auth=1"), into buf. */
void decide_reason(const struct decide *d, const struct score_rec *r,
    char *buf, size_t size);

#endif
