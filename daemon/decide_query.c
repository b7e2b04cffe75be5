/*
 * decide_query: what the decision engine holds about one address, read
 * without changing anything (`dominoban check`): the decayed score of the
 * host and of its block in each tier, against the thresholds that would
 * ban them. Pure: time comes in as an argument.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "decide.h"
#include "decide_int.h"

static void
peek_one(const struct decide *d, const struct addr *key, double threshold,
    unsigned min_hosts, int64_t now, struct decide_peek *p)
{
	const struct score_rec *r = score_find(d->score, key);

	memset(p, 0, sizeof(*p));
	p->key = *key;
	p->threshold = threshold;
	p->min_hosts = min_hosts;
	if (r == NULL)
		return;
	p->known = true;
	p->score = score_value(r, now, d->half_life);
	if (min_hosts > 0) {
		p->hosts = score_distinct(r);
		p->banned = score_banned_distinct(r);
	}
	p->banned_until = r->banned_until > now ? r->banned_until : 0;
	decide_reason(d, r, p->reason, sizeof(p->reason));
}

size_t
decide_peek(const struct decide *d, const struct addr *host, int64_t now,
    struct decide_peek *out)
{
	bool v4 = host->family == AF_INET;
	unsigned len[2] = {v4 ? d->net4 : d->net6, v4 ? d->wide4 : d->wide6};
	double thr[2] = {d->net_threshold, d->wide_threshold};
	unsigned min[2] = {d->net_min_hosts, d->wide_min_hosts};
	struct addr net;
	size_t n = 1, i;

	peek_one(d, host, d->host_threshold, 0, now, &out[0]);
	for (i = 0; i < 2; i++) {
		if (len[i] == 0 || len[i] >= addr_maxlen(host))
			continue;
		addr_mask(&net, host, len[i]);
		peek_one(d, &net, thr[i], min[i], now, &out[n++]);
	}
	return n;
}
