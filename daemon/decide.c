/*
 * decide: see decide.h.
 *
 * Per event with an address: allowlisted addresses are counted and
 * ignored; the second wording of a failure already counted (same dedupe
 * group, address and user, within dedupe_window: dedupe.h) is ignored;
 * then the host record and its netblock
 * records (/24 or /64, and the optional wide tier) are raised by the
 * pattern's weight. A host reaching host_threshold is banned; a netblock
 * reaching net_threshold with net_min_hosts distinct hosts, or in which
 * net_min_hosts distinct hosts were banned while it stayed active, is
 * banned, unless it would cover an allowlisted address: then each
 * offending host inside it is banned instead. Something already banned is
 * not banned again until its ban ends (score_rec.banned_until), and a host
 * inside a banned netblock needs no ban of its own.
 *
 * Escalation: the n-th offence of an address (within history_forget) is
 * banned for ban_time * ban_factor^(n-1), capped at ban_max. The offence
 * history (history.h) counts n; it is what the state file persists.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decide.h"
#include "decide_int.h"
#include "dedupe.h"
#include "hash.h"
#include "history.h"
#include "score.h"
#include "session.h"

/* The tunables of c (everything but max_records, which sized the score
 * table). */
static void
copy_conf(struct decide *d, const struct conf *c)
{
	d->half_life = c->half_life;
	d->host_threshold = c->host_threshold;
	d->net_threshold = c->net_threshold;
	d->wide_threshold = c->wide_threshold;
	d->net_min_hosts = c->net_min_hosts;
	d->wide_min_hosts = c->wide_min_hosts;
	d->net4 = c->net4_prefix;
	d->net6 = c->net6_prefix;
	d->wide4 = c->wide4_prefix;
	d->wide6 = c->wide6_prefix;
	d->dedupe_window = c->dedupe_window;
	d->ban_factor = c->ban_factor;
	d->ban_time = c->ban_time;
	d->ban_max = c->ban_max;
	if (d->hist != NULL)
		history_set_limits(d->hist, c->history_max, c->history_forget);
}

struct decide *
decide_new(const struct conf *c, const uint8_t seed[16],
    const struct allow *allow)
{
	struct decide *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	copy_conf(d, c);
	memcpy(d->seed, seed, 16);
	d->allow = *allow;
	d->score = score_new(c->max_records, seed);
	d->sessions = session_new(seed, c->smtp_session_max);
	d->dedupe = dedupe_new();
	d->hist = history_new(seed, c->history_max, c->history_forget);
	if (d->score == NULL || d->sessions == NULL || d->dedupe == NULL ||
	    d->hist == NULL) {
		decide_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

int
decide_set_conf(struct decide *d, const struct conf *c)
{
	assert(d->nqueued == 0);
	copy_conf(d, c);
	session_set_unseen(d->sessions, c->smtp_session_max);
	return score_capacity_ok(d->score, c->max_records) ? 0 : 1;
}

void
decide_free(struct decide *d)
{
	size_t i;

	if (d == NULL)
		return;
	score_free(d->score);
	session_free(d->sessions);
	dedupe_free(d->dedupe);
	for (i = 0; i < d->npatterns; i++)
		free(d->patterns[i]);
	free(d->pmap);
	history_free(d->hist);
	free(d);
}

void
decide_set_allow(struct decide *d, const struct allow *allow)
{
	assert(d->nqueued == 0);
	d->allow = *allow;
}

/* A stable index for a pattern id (copied); a new one while < limit. */
static unsigned
pattern_index(struct decide *d, const char *id, size_t limit)
{
	size_t i;

	for (i = 0; i < d->npatterns; i++)
		if (strcmp(d->patterns[i], id) == 0)
			return (unsigned)i;
	if (d->npatterns >= limit ||
	    (d->patterns[d->npatterns] = strdup(id)) == NULL)
		return DECIDE_PATTERNS - 1;
	return (unsigned)d->npatterns++;
}

int
decide_set_patterns(struct decide *d, const struct matcher *m)
{
	const struct match_pattern *p;
	size_t n = match_count(m), i;
	void *v;

	d->npmap = 0; /* no id of the last matcher is trusted from here on */
	if ((v = realloc(d->pmap, (n > 0 ? n : 1) * sizeof(*d->pmap))) ==
	    NULL)
		return -1;
	d->pmap = v;
	for (i = 0; i < n; i++) {
		p = match_pattern_at(m, i, NULL);
		d->pmap[i].id = p->id;
		d->pmap[i].pat = pattern_index(d, p->id, DECIDE_PATTERNS);
		d->pmap[i].smtp = strcmp(p->service, "smtp") == 0;
	}
	d->npmap = n;
	return 0;
}

/* The place of p's id in d->patterns, and whether it is an smtp pattern:
 * from the map, or worked out now for a pattern of no matcher
 * decide_set_patterns() was given. */
static unsigned
pattern_of(struct decide *d, const struct match_pattern *p, bool *smtp)
{
	if (p->index < d->npmap && d->pmap[p->index].id == p->id) {
		*smtp = d->pmap[p->index].smtp;
		return d->pmap[p->index].pat;
	}
	*smtp = strcmp(p->service, "smtp") == 0;
	return pattern_index(d, p->id, DECIDE_PATTERNS);
}

uint32_t
decide_ban_seconds(const struct decide *d, uint32_t n)
{
	double s = (double)d->ban_time * pow(d->ban_factor, n > 0 ? n - 1 : 0);

	return s >= (double)d->ban_max ? d->ban_max : (uint32_t)s;
}

void
decide_reason(const struct decide *d, const struct score_rec *r, char *buf,
    size_t size)
{
	size_t off = 0, i;
	int n;

	buf[0] = '\0';
	for (i = 0; i < SCORE_REASONS; i++) {
		if (r->pat[i] == 0 || (size_t)(r->pat[i] - 1) >= d->npatterns)
			continue;
		n = snprintf(buf + off, size - off, "%s%s=%u", off ? "," : "",
		    d->patterns[r->pat[i] - 1], r->cnt[i]);
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

/* Record an offence of target at now and fill v for its ban. */
static void
make_ban(struct decide *d, const struct addr *target, uint32_t seconds,
    int64_t now, struct verdict *v)
{
	struct history_entry *h;
	uint32_t n;

	n = history_offence(d->hist, target, now, &h);
	if (seconds == 0)
		seconds = decide_ban_seconds(d, n);
	if (h != NULL)
		h->expires = now + seconds;
	memset(v, 0, sizeof(*v));
	v->action = VERDICT_BAN;
	v->target = *target;
	v->seconds = seconds;
	v->offences = n;
	v->at = now;
}

static bool
banned(const struct score_rec *r, int64_t now)
{
	return r != NULL && r->banned_until > now;
}

/* One event being counted: what raising its host and netblocks needs. */
struct raise {
	struct decide *d;
	const struct score_key *host;
	double weight;
	unsigned pat;
	bool host_banned;         /* this event just banned the host */
	int64_t now;
	const struct decide_cb *cb;
};

static void
ban_record(struct decide *d, struct score_rec *r, int64_t now,
    const struct decide_cb *cb)
{
	struct verdict v;

	make_ban(d, &r->key, 0, now, &v);
	decide_reason(d, r, v.reason, sizeof(v.reason));
	r->banned_until = (uint32_t)v.at + v.seconds;
	/* Its SMTP sessions stay open for session.c until their close lines:
	 * rejections of theirs still to come are not another host's. */
	d->st.verdicts++;
	if (cb->verdict != NULL)
		cb->verdict(cb->arg, &v);
}

static void
split_host(void *arg, const struct score_rec *cr)
{
	const struct raise *x = arg;
	struct score_rec *r = score_find(x->d->score, &cr->key);

	if (r == NULL || banned(r, x->now) ||
	    allow_overlaps(&x->d->allow, &r->key) ||
	    score_value(r, x->now, x->d->half_life) < 1.0)
		return;
	ban_record(x->d, r, x->now, x->cb);
}

static void
tiers_of(struct decide *d, const struct addr *host, struct tiers *t)
{
	bool v4 = host->family == AF_INET;
	unsigned i;

	t->len[0] = v4 ? d->net4 : d->net6;
	t->len[1] = v4 ? d->wide4 : d->wide6;
	for (i = 0; i < 2; i++) {
		if (t->len[i] == 0 || t->len[i] >= addr_maxlen(host)) {
			t->len[i] = 0;
			continue;
		}
		addr_mask(&t->k[i].a, host, t->len[i]);
		score_key(d->score, &t->k[i].a, &t->k[i]);
		score_prefetch(d->score, &t->k[i]);
	}
}

/*
 * Raise one netblock tier (key k) and ban it when it qualifies: its score
 * reached threshold with min_hosts distinct hosts, or min_hosts distinct
 * hosts in it were banned while it stayed active. The second rule catches
 * a harvest that rotates hosts slowly: each host is cut after a handful of
 * probes, so the decayed score of the block stays low, but the block keeps
 * producing banned hosts.
 */
static void
raise_net(struct raise *x, const struct score_key *k, double threshold,
    unsigned min_hosts)
{
	struct decide *d = x->d;
	struct score_rec *r;

	r = score_add_key(d->score, k, x->weight, x->pat, x->host, x->now,
	    d->half_life);
	if (r == NULL)
		return;
	/* A block quiet long enough to decay to nothing (its score before
	 * this event) starts its count of banned hosts afresh. */
	if (r->score - x->weight < NET_QUIET_SCORE)
		r->banned = 0;
	if (x->host_banned)
		score_note_banned(r, x->host);
	if (banned(r, x->now) ||
	    ((score_value(r, x->now, d->half_life) <
		threshold - THRESHOLD_SLACK || score_distinct(r) < min_hosts) &&
		score_banned_distinct(r) < min_hosts))
		return;
	if (allow_overlaps(&d->allow, &k->a)) {
		/* Never cover an allowlisted address: ban the hosts. */
		d->st.splits++;
		r->banned_until = (uint32_t)(x->now + decide_ban_seconds(d, 1));
		score_foreach_in(d->score, &k->a, split_host, x);
		return;
	}
	ban_record(d, r, x->now, x->cb);
}

static bool
inside_banned_net(struct decide *d, const struct tiers *t, int64_t now)
{
	unsigned i;

	for (i = 0; i < 2; i++)
		if (t->len[i] != 0 &&
		    banned(score_find_key(d->score, &t->k[i]), now) &&
		    !allow_overlaps(&d->allow, &t->k[i].a))
			return true;
	return false;
}

/* Hash host's keys and start loading their records into the cache. */
static void
keys_of(struct decide *d, const struct addr *host, struct keys *k)
{
	score_key(d->score, host, &k->host);
	score_prefetch(d->score, &k->host);
	tiers_of(d, host, &k->t);
}

/* Raise host and its netblocks by weight; k: its keys, or NULL. */
static void
count(struct decide *d, const struct addr *host, const struct keys *k,
    double weight, unsigned pat, int64_t now, const struct decide_cb *cb)
{
	struct score_rec *r;
	struct keys own;
	struct raise x = {d, NULL, weight, pat, false, now, cb};

	if (allow_overlaps(&d->allow, host)) {
		d->st.allowlisted++;
		return;
	}
	if (d->counted != NULL)
		d->counted(d->counted_arg, host, pat < d->npatterns ?
		    d->patterns[pat] : "other", weight, now);
	/* Each key is hashed once, and the records (likely cache misses) are
	 * all prefetched before the first is touched, so the misses overlap
	 * (a queued event's were prefetched events ahead: decide_flush). */
	if (k == NULL) {
		keys_of(d, host, &own);
		k = &own;
	}
	r = score_add_key(d->score, &k->host, weight, pat, NULL, now,
	    d->half_life);
	if (r != NULL && !banned(r, now) && !inside_banned_net(d, &k->t, now) &&
	    score_value(r, now, d->half_life) >=
		d->host_threshold - THRESHOLD_SLACK) {
		ban_record(d, r, now, cb);
		x.host_banned = true;
	}
	x.host = &k->host;
	if (k->t.len[0] != 0)
		raise_net(&x, &k->t.k[0], d->net_threshold, d->net_min_hosts);
	if (k->t.len[1] != 0)
		raise_net(&x, &k->t.k[1], d->wide_threshold, d->wide_min_hosts);
}

static void
make_item(struct decide *d, const struct match_event *ev, uint64_t tag,
    int64_t now, struct item *it)
{
	const struct match_pattern *p = ev->pattern;
	uint8_t key[sizeof(struct addr) + 256 + 65];
	size_t ulen = ev->user_len < 256 ? ev->user_len : 256, glen, off;

	it->has_addr = ev->has_addr;
	it->addr = ev->addr;
	it->pat = pattern_of(d, p, &it->smtp);
	it->kind = p->kind;
	it->weight = p->weight;
	it->tag = tag;
	it->now = now;
	it->dedupe = 0;
	if (p->dedupe != NULL && ev->has_addr) {
		/* The group with its NUL, the address, the user. */
		glen = strnlen(p->dedupe, 64);
		memcpy(key, p->dedupe, glen);
		key[glen] = '\0';
		off = glen + 1;
		memcpy(key + off, &ev->addr, sizeof(ev->addr));
		off += sizeof(ev->addr);
		if (ev->user != NULL) {
			memcpy(key + off, ev->user, ulen);
			off += ulen;
		}
		it->dedupe = hash_siphash(d->seed, key, off) | 1;
	}
}

/* Hash a counted event's keys and prefetch its records: before it is
 * decided (decide_item() counts it with them). */
static void
prepare(struct decide *d, struct item *it)
{
	if (!it->has_addr || it->weight <= 0)
		return;
	keys_of(d, &it->addr, &it->k);
	if (it->dedupe != 0)
		dedupe_prefetch(d->dedupe, it->dedupe);
}

static void
decide_item(struct decide *d, const struct item *it,
    const struct decide_cb *cb)
{
	struct addr a;

	d->st.events++;
	session_start(d->sessions, it->now);
	if (it->kind == MATCH_SESSION_OPEN && it->smtp && it->has_addr)
		session_open(d->sessions, &it->addr, it->now);
	else if (it->kind == MATCH_SESSION_CLOSE && it->smtp && it->has_addr)
		session_close(d->sessions, &it->addr, it->now);
	if (!it->has_addr) {
		/* Only what the log proves is charged (session.h). */
		if (it->kind != MATCH_UNKNOWN_RCPT && it->kind != MATCH_RELAY)
			return;
		switch (it->smtp ? session_reject(d->sessions, it->now, &a) :
		    SESSION_NONE) {
		case SESSION_PROVEN:
			d->st.attributed++;
			break;
		case SESSION_AMBIGUOUS:
			d->st.ambiguous++;
			return;
		default:
			d->st.unattributed++;
			return;
		}
	} else {
		a = it->addr;
	}
	if (cb->attributed != NULL)
		cb->attributed(cb->arg, it->tag, &a);
	if (it->weight <= 0)
		return;
	if (it->dedupe != 0 && dedupe_seen(d->dedupe, it->dedupe, it->pat,
	    it->now, d->dedupe_window)) {
		d->st.deduped++;
		return;
	}
	count(d, &a, it->has_addr ? &it->k : NULL, it->weight, it->pat,
	    it->now, cb);
}

void
decide_event(struct decide *d, const struct match_event *ev, uint64_t tag,
    int64_t now, const struct decide_cb *cb)
{
	struct item it;

	decide_flush(d, cb);
	make_item(d, ev, tag, now, &it);
	prepare(d, &it);
	decide_item(d, &it, cb);
}

void
decide_queue(struct decide *d, const struct match_event *ev, uint64_t tag,
    int64_t now, const struct decide_cb *cb)
{
	if (d->nqueued == DECIDE_QUEUE)
		decide_flush(d, cb);
	make_item(d, ev, tag, now, &d->queue[d->nqueued++]);
}

/*
 * Decide the queued events in order. Event i + DECIDE_AHEAD is keyed and
 * its records prefetched while event i is decided, so the cache misses of
 * successive events overlap instead of adding up (docs/PERFORMANCE.md).
 * Keys depend on the address and the prefixes only, so keying early
 * changes no verdict.
 */
void
decide_flush(struct decide *d, const struct decide_cb *cb)
{
	size_t n = d->nqueued, i;

	for (i = 0; i < n && i < DECIDE_AHEAD; i++)
		prepare(d, &d->queue[i]);
	for (i = 0; i < n; i++) {
		if (i + DECIDE_AHEAD < n)
			prepare(d, &d->queue[i + DECIDE_AHEAD]);
		decide_item(d, &d->queue[i], cb);
	}
	d->nqueued = 0;
}

void
decide_remote(struct decide *d, const struct addr *a, const char *pattern,
    double weight, int64_t now, const struct decide_cb *cb)
{
	decide_counted_fn fn = d->counted;

	decide_flush(d, cb);
	d->counted = NULL;
	count(d, a, NULL, weight, pattern_index(d, pattern, DECIDE_PATTERNS / 2),
	    now, cb);
	d->counted = fn;
}

void
decide_set_counted(struct decide *d, decide_counted_fn fn, void *arg)
{
	d->counted = fn;
	d->counted_arg = arg;
}

struct sessions *
decide_sessions(struct decide *d)
{
	assert(d->nqueued == 0);
	return d->sessions;
}

void
decide_lost(struct decide *d, int64_t now, const struct decide_cb *cb)
{
	decide_flush(d, cb);
	session_lost(d->sessions, now);
}

int
decide_manual(struct decide *d, enum verdict_action action,
    const struct addr *target, uint32_t seconds, int64_t now,
    struct verdict *v)
{
	struct score_rec *r;
	struct history_entry *h;

	assert(d->nqueued == 0);
	if (action == VERDICT_BAN) {
		if (allow_overlaps(&d->allow, target)) {
			errno = EPERM;
			return -1;
		}
		h = history_find(d->hist, target);
		if (h != NULL && h->expires > now) {
			/* Banned already: a manual ban sets the time, it is
			 * not another offence. */
			memset(v, 0, sizeof(*v));
			v->action = VERDICT_BAN;
			v->target = *target;
			v->seconds = seconds != 0 ? seconds :
			    decide_ban_seconds(d, h->count);
			v->offences = h->count;
			v->at = now;
			h->last = now;
			h->expires = now + v->seconds;
		} else {
			make_ban(d, target, seconds, now, v);
		}
		snprintf(v->reason, sizeof(v->reason), "manual");
		if ((r = score_find(d->score, target)) != NULL)
			r->banned_until = (uint32_t)(now + v->seconds);
		return 0;
	}
	if (action != VERDICT_UNBAN) {
		errno = EINVAL;
		return -1;
	}
	memset(v, 0, sizeof(*v));
	v->action = VERDICT_UNBAN;
	v->target = *target;
	v->at = now;
	snprintf(v->reason, sizeof(v->reason), "manual");
	if ((h = history_find(d->hist, target)) != NULL) {
		h->expires = 0;
		v->offences = h->count;
	}
	if ((r = score_find(d->score, target)) != NULL) {
		/* A lifted ban starts the score afresh. */
		r->banned_until = 0;
		r->score = 0;
	}
	return 0;
}

void
decide_get_stats(const struct decide *d, struct decide_stats *st)
{
	struct session_stats ss;

	assert(d->nqueued == 0);
	*st = d->st;
	st->records = score_count(d->score);
	st->evictions = score_evictions(d->score);
	session_get_stats(d->sessions, &ss);
	st->sessions = ss.open;
	st->blind_until = ss.blind_until;
	st->history = history_count(d->hist);
}

struct each_hist {
	void (*fn)(void *arg, const struct addr *a, uint32_t count,
	    int64_t last, int64_t expires);
	void *arg;
};

static void
each_hist(void *arg, const struct history_entry *e)
{
	const struct each_hist *x = arg;

	x->fn(x->arg, &e->key, e->count, e->last, e->expires);
}

void
decide_foreach_history(const struct decide *d,
    void (*fn)(void *arg, const struct addr *a, uint32_t count, int64_t last,
	int64_t expires),
    void *arg)
{
	struct each_hist x = {fn, arg};

	assert(d->nqueued == 0);
	history_foreach(d->hist, each_hist, &x);
}

int
decide_restore(struct decide *d, const struct addr *a, uint32_t count,
    int64_t last, int64_t expires)
{
	struct score_rec *r;
	struct history_entry *h;

	assert(d->nqueued == 0);
	if (count == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((h = history_add(d->hist, a, last)) == NULL)
		return -1;
	h->count = count;
	h->last = last;
	h->expires = expires;
	/* Mark the ban in the score table too, so it is not re-decided. */
	if (expires > last) {
		r = score_add(d->score, a, 1e-9, DECIDE_PATTERNS - 1, NULL, last,
		    d->half_life);
		if (r != NULL)
			r->banned_until = (uint32_t)expires;
	}
	return 0;
}
