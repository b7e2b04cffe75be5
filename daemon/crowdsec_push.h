/*
 * crowdsec_push: the queue of our bans on their way to the LAPI as alerts
 * (the watcher side). A bounded ring: when it is full the oldest alert is
 * dropped and counted. A batch is taken from the head, sent, and removed
 * only once the LAPI said 2xx, so a refused or lost request loses nothing;
 * alerts queued meanwhile wait behind it. Pure: no I/O, no clock.
 */
#ifndef DB_CROWDSEC_PUSH_H
#define DB_CROWDSEC_PUSH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bans.h"
#include "crowdsec_json.h"

/* Alerts kept while the LAPI is away (about 250 bytes each). */
#define CROWDSEC_PUSH_QUEUE 10000
/* Alerts per POST /v1/alerts. */
#define CROWDSEC_PUSH_BATCH 100

struct crowdsec_push_stats {
	uint64_t queued;          /* alerts queued */
	uint64_t sent;            /* alerts the LAPI took */
	uint64_t dropped;         /* oldest dropped from a full queue */
	uint64_t rejected;        /* in batches the LAPI refused (4xx) */
	size_t length;            /* alerts waiting */
};

struct crowdsec_push;

/* A queue of at most max alerts. NULL with errno ENOMEM. */
struct crowdsec_push *crowdsec_push_new(size_t max);
void crowdsec_push_free(struct crowdsec_push *q);

/* True for the origins of bans this node decides: "local", "manual". */
bool crowdsec_push_ours(const char *origin);

/* Queue the alert of ban b, decided at now. */
void crowdsec_push_ban(struct crowdsec_push *q, const struct ban *b,
    int64_t now);

/*
 * The body of the next batch (up to CROWDSEC_PUSH_BATCH alerts from the
 * head), malloc'd, its length in *len; the batch is in flight until
 * crowdsec_push_done(). NULL when the queue is empty (errno 0) or with
 * errno ENOMEM.
 */
char *crowdsec_push_batch(struct crowdsec_push *q, size_t *len);

/* The batch in flight was taken (ok) or refused for good (not ok: it is
 * dropped and counted as rejected); either way it leaves the queue. */
void crowdsec_push_done(struct crowdsec_push *q, bool ok);

/* The batch in flight was not delivered: it stays at the head. */
void crowdsec_push_retry(struct crowdsec_push *q);

void crowdsec_push_get_stats(const struct crowdsec_push *q,
    struct crowdsec_push_stats *st);

#endif
