/*
 * crowdsec_push: see crowdsec_push.h. The ring holds n alerts from head;
 * the first inflight of them are in the request being sent. Dropping the
 * oldest while a batch is in flight shortens the batch's share of the
 * ring, so a later crowdsec_push_done() never removes an alert that was
 * not sent.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "crowdsec_push.h"
#include "ledger.h"

struct crowdsec_push {
	struct crowdsec_alert *v;
	size_t max, head, n, inflight;
	struct crowdsec_push_stats st;
};

struct crowdsec_push *
crowdsec_push_new(size_t max)
{
	struct crowdsec_push *q = calloc(1, sizeof(*q));

	if (q == NULL || max == 0 ||
	    (q->v = calloc(max, sizeof(*q->v))) == NULL) {
		free(q);
		errno = ENOMEM;
		return NULL;
	}
	q->max = max;
	return q;
}

void
crowdsec_push_free(struct crowdsec_push *q)
{
	if (q == NULL)
		return;
	free(q->v);
	free(q);
}

bool
crowdsec_push_ours(const char *origin)
{
	return strcmp(origin, LEDGER_ORIGIN_LOCAL) == 0 ||
	    strcmp(origin, LEDGER_ORIGIN_MANUAL) == 0;
}

static void
drop_oldest(struct crowdsec_push *q)
{
	q->head = (q->head + 1) % q->max;
	q->n--;
	if (q->inflight > 0)
		q->inflight--;
	q->st.dropped++;
}

void
crowdsec_push_ban(struct crowdsec_push *q, const struct ban *b, int64_t now)
{
	struct crowdsec_alert *a;

	if (q->n == q->max)
		drop_oldest(q);
	a = &q->v[(q->head + q->n) % q->max];
	memset(a, 0, sizeof(*a));
	a->target = b->target;
	a->at = now;
	a->seconds = b->expires > now ? (uint32_t)(b->expires - now) : 1;
	a->offences = b->offences;
	memcpy(a->origin, b->origin, sizeof(a->origin) - 1);
	memcpy(a->reason, b->reason, sizeof(a->reason));
	a->reason[sizeof(a->reason) - 1] = '\0';
	q->n++;
	q->st.queued++;
}

char *
crowdsec_push_batch(struct crowdsec_push *q, size_t *len)
{
	struct crowdsec_alert batch[CROWDSEC_PUSH_BATCH];
	size_t i, k = q->n < CROWDSEC_PUSH_BATCH ? q->n : CROWDSEC_PUSH_BATCH;
	char *body;

	if (k == 0) {
		errno = 0;
		return NULL;
	}
	for (i = 0; i < k; i++)
		batch[i] = q->v[(q->head + i) % q->max];
	if ((body = crowdsec_json_alerts(batch, k, len)) != NULL)
		q->inflight = k;
	return body;
}

void
crowdsec_push_done(struct crowdsec_push *q, bool ok)
{
	if (ok)
		q->st.sent += q->inflight;
	else
		q->st.rejected += q->inflight;
	q->head = (q->head + q->inflight) % q->max;
	q->n -= q->inflight;
	q->inflight = 0;
}

void
crowdsec_push_retry(struct crowdsec_push *q)
{
	q->inflight = 0;
}

void
crowdsec_push_get_stats(const struct crowdsec_push *q,
    struct crowdsec_push_stats *st)
{
	*st = q->st;
	st->length = q->n;
}
