/*
 * metrics: the counters that no other module keeps, because they exist
 * only to be watched: bans and ends of bans by origin class and reason
 * kind (told by the ledger's observer), and the histogram of the time from
 * reading a log line to the flush in which the kernel took its ban. Pure:
 * the daemon passes the monotonic time in; labels are small fixed sets
 * (never an address, never a peer's or a CrowdSec origin's own name).
 */
#ifndef DB_METRICS_H
#define DB_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "stats.h"

/* Origin classes: the part of a ban's origin before ':'. */
enum metrics_origin {
	METRICS_LOCAL = 0,
	METRICS_MANUAL,
	METRICS_KERNEL,
	METRICS_PEER,
	METRICS_CROWDSEC,
	METRICS_OTHER_ORIGIN,
	METRICS_ORIGINS
};

/* Reason kinds of a ban: the kind of its first pattern, or manual. */
#define METRICS_KINDS 10   /* match kinds 1..8, manual, other */
#define METRICS_KIND_MANUAL 8
#define METRICS_KIND_OTHER 9

/* Why a ban ended. */
enum metrics_end {
	METRICS_END_EXPIRED = 0,
	METRICS_END_MANUAL,
	METRICS_END_ALLOWLIST,
	METRICS_END_PEER,
	METRICS_END_CROWDSEC,
	METRICS_END_OTHER,
	METRICS_ENDS
};

/* Upper bounds of the latency buckets, seconds. */
#define METRICS_LATENCY_BOUNDS \
	{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, \
	    0.1, 0.25, 0.5, 1, 2.5, 5, 10}

struct metrics {
	uint64_t bans[METRICS_ORIGINS][METRICS_KINDS];
	uint64_t ends[METRICS_ORIGINS][METRICS_ENDS];
	struct stats_hist latency;   /* seconds */
	double batch_start;          /* monotonic seconds the read began */
	uint64_t waiting;            /* decided bans the kernel has not taken */
	bool reading;                /* between read_start and read_end */
};

/* Zero m and set the latency buckets. */
void metrics_init(struct metrics *m);

/* The class of an origin text ("peer:node2" -> METRICS_PEER). */
enum metrics_origin metrics_origin_of(const char *origin);
const char *metrics_origin_name(enum metrics_origin o);

/* The class of an end's "how" text ("expired", "allowlisted (split)"...). */
enum metrics_end metrics_end_of(const char *how);
const char *metrics_end_name(enum metrics_end e);

/* Name of a reason kind index (match_kind_name() for 1..8 is index-1). */
const char *metrics_kind_name(unsigned k);

/* A batch of log lines starts being read at monotonic time t (seconds). */
void metrics_read_start(struct metrics *m, double t);

/* The batch is read and decided. Bans decided outside a batch (from a
 * peer's evidence) have no line read here: their latency is not observed. */
void metrics_read_end(struct metrics *m);

/* A ban was decided; from the lines of the current batch if one is being
 * read. */
void metrics_decided(struct metrics *m);

/*
 * The ledger says a ban holds (banned) or ended, at monotonic time t. kind
 * is the reason kind index (bans only). A local ban while decided ones
 * wait for the kernel is observed in the latency histogram.
 */
void metrics_ban(struct metrics *m, const char *origin, unsigned kind,
    double t);
void metrics_end(struct metrics *m, const char *origin, const char *how);

/* The flush is over: what it did not take is no longer waited for. */
void metrics_flushed(struct metrics *m);

#endif
