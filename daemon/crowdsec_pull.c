/*
 * crowdsec_pull: see crowdsec_pull.h.
 *
 * An answer is kept as an array of compact records (target, seconds left,
 * deleted or new, and a "kind": the index of its (origin, scenario) pair
 * in a small table, since an answer has few of them) until it is
 * complete. At the end the records are sorted by target, so that "does
 * this answer bring a new decision for X" is a binary search, and applied
 * in three passes: the resync lift (startup answers), the deleted, the
 * new. Two small tables keyed by target (bans.c) remember the pulled
 * extensions of other origins' bans (until the next answer) and the
 * targets an admin unbanned by hand (until their ban would have ended).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "crowdsec_pull.h"
#include "log.h"

/* Distinct (origin, scenario) pairs of one answer; beyond, "other". */
#define KINDS_MAX 256
/* The reason of a pulled ban when the LAPI gives no scenario. */
#define REASON_NONE "crowdsec"

struct rec {
	struct addr target;
	uint32_t seconds;         /* left, for new ones */
	uint16_t kind;
	uint8_t deleted;
};

struct kind {
	char origin[BAN_ORIGIN_MAX];          /* "crowdsec:cscli" */
	char reason[CROWDSEC_JSON_FIELD_MAX]; /* the scenario */
};

struct crowdsec_pull {
	uint8_t seed[16];
	bool ip, range, wide;
	char **origins;
	size_t norigins;
	struct rec *v;
	size_t n, cap;
	struct kind kinds[KINDS_MAX];
	size_t nkinds, last_kind;
	struct bans *ext;         /* pulled extensions of others' bans */
	struct bans *hand;        /* targets unbanned by hand, until expiry */
	struct crowdsec_pull_stats st;
};

struct crowdsec_pull *
crowdsec_pull_new(const uint8_t seed[16])
{
	struct crowdsec_pull *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	memcpy(p->seed, seed, sizeof(p->seed));
	p->ext = bans_new(seed);
	p->hand = bans_new(seed);
	if (p->ext == NULL || p->hand == NULL) {
		crowdsec_pull_free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->ip = p->range = true;
	return p;
}

static void
free_origins(struct crowdsec_pull *p)
{
	size_t i;

	for (i = 0; i < p->norigins; i++)
		free(p->origins[i]);
	free(p->origins);
	p->origins = NULL;
	p->norigins = 0;
}

void
crowdsec_pull_free(struct crowdsec_pull *p)
{
	if (p == NULL)
		return;
	free_origins(p);
	free(p->v);
	bans_free(p->ext);
	bans_free(p->hand);
	free(p);
}

int
crowdsec_pull_set_conf(struct crowdsec_pull *p, const struct conf *c)
{
	size_t i;

	free_origins(p);
	p->ip = p->range = false;
	for (i = 0; i < c->ncs_scopes; i++) {
		if (strcasecmp(c->cs_scopes[i], "ip") == 0)
			p->ip = true;
		else if (strcasecmp(c->cs_scopes[i], "range") == 0)
			p->range = true;
	}
	p->wide = c->cs_wide_ranges;
	if (c->ncs_origins == 0)
		return 0;
	if ((p->origins = calloc(c->ncs_origins, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < c->ncs_origins; i++) {
		if ((p->origins[i] = strdup(c->cs_origins[i])) == NULL) {
			p->norigins = i;
			free_origins(p);
			return -1;
		}
	}
	p->norigins = c->ncs_origins;
	return 0;
}

bool
crowdsec_pull_origin(const char *origin)
{
	return strncmp(origin, CROWDSEC_ORIGIN_PREFIX,
	    sizeof(CROWDSEC_ORIGIN_PREFIX) - 1) == 0;
}

void
crowdsec_pull_begin(struct crowdsec_pull *p)
{
	p->n = 0;
	p->nkinds = 0;
	p->last_kind = 0;
}

/* Copy src into dst as printable ASCII without quotes or backslashes, and
 * without blanks unless blanks (origins go into `list` columns, log
 * records and status). */
static void
plain(char *dst, size_t size, const char *src, bool blanks)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i] != '\0'; i++)
		dst[i] = src[i] > ' ' && src[i] <= '~' && src[i] != '"' &&
		    src[i] != '\\' ? src[i] : blanks && src[i] == ' ' ? ' ' :
		    '_';
	dst[i] = '\0';
}

/* The kind of d: its index in the answer's table (the last one, "other",
 * when the table is full). */
static uint16_t
kind_of(struct crowdsec_pull *p, const struct crowdsec_decision *d)
{
	const size_t pre = sizeof(CROWDSEC_ORIGIN_PREFIX) - 1;
	struct kind k;
	size_t i;

	memcpy(k.origin, CROWDSEC_ORIGIN_PREFIX, pre);
	plain(k.origin + pre, sizeof(k.origin) - pre, d->origin, false);
	plain(k.reason, sizeof(k.reason), d->scenario[0] != '\0' ?
	    d->scenario : REASON_NONE, true);
	if (p->nkinds > 0 && strcmp(p->kinds[p->last_kind].origin,
	    k.origin) == 0 && strcmp(p->kinds[p->last_kind].reason,
	    k.reason) == 0)
		return (uint16_t)p->last_kind;
	for (i = 0; i < p->nkinds; i++)
		if (strcmp(p->kinds[i].origin, k.origin) == 0 &&
		    strcmp(p->kinds[i].reason, k.reason) == 0)
			break;
	if (i == p->nkinds) {
		if (p->nkinds == KINDS_MAX) {
			i = KINDS_MAX - 1;
			snprintf(p->kinds[i].reason, sizeof(p->kinds[i].reason),
			    "other");
		} else {
			p->kinds[p->nkinds++] = k;
		}
	}
	p->last_kind = i;
	return (uint16_t)i;
}

/* The target of d, per its scope: 0, or -1 when it is not ours to take
 * (counted). */
static int
target_of(struct crowdsec_pull *p, const struct crowdsec_decision *d,
    struct addr *a)
{
	bool ip = strcasecmp(d->scope, "ip") == 0;
	bool range = strcasecmp(d->scope, "range") == 0;

	if ((!ip && !range) || (ip && !p->ip) || (range && !p->range)) {
		p->st.other_scope++;
		return -1;
	}
	if (ip ? addr_parse(d->value, strlen(d->value), a) == -1 &&
		(addr_parse_prefix(d->value, false, a) == -1 ||
		    !addr_is_host(a)) :
		addr_parse_prefix(d->value, true, a) == -1) {
		p->st.bad_value++;
		return -1;
	}
	return 0;
}

void
crowdsec_pull_add(void *arg, const struct crowdsec_decision *d)
{
	struct crowdsec_pull *p = arg;
	struct rec *r;
	struct addr a;
	size_t i;

	p->st.decisions++;
	if (strcasecmp(d->type, "ban") != 0) {
		p->st.other_type++;
		return;
	}
	for (i = 0; i < p->norigins; i++)
		if (strcmp(p->origins[i], d->origin) == 0)
			break;
	if (p->norigins > 0 && i == p->norigins) {
		p->st.other_origin++;
		return;
	}
	if (target_of(p, d, &a) == -1)
		return;
	if (!d->deleted && d->seconds < 1) {
		p->st.expired++;
		return;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		if (p->n >= CROWDSEC_PULL_MAX ||
		    (r = realloc(p->v, cap * sizeof(*r))) == NULL) {
			p->st.overflow++;
			return;
		}
		p->v = r;
		p->cap = cap;
	}
	r = &p->v[p->n++];
	memset(r, 0, sizeof(*r));
	r->target = a;
	r->deleted = d->deleted;
	r->kind = kind_of(p, d);
	r->seconds = d->deleted ? 0 : d->seconds >= LEDGER_MANUAL_MAX ?
	    LEDGER_MANUAL_MAX : (uint32_t)floor(d->seconds);
}

void
crowdsec_pull_bad(struct crowdsec_pull *p, size_t n)
{
	p->st.bad += n;
}

/* New before deleted for the same target: the search looks for new. */
static int
rec_cmp(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	int c = addr_cmp(&a->target, &b->target);

	return c != 0 ? c : (int)a->deleted - (int)b->deleted;
}

/* Does the answer bring a new decision for target? */
static bool
brings(const struct crowdsec_pull *p, const struct addr *target)
{
	struct rec key;
	const struct rec *r;

	if (p->n == 0)
		return false;
	memset(&key, 0, sizeof(key));
	key.target = *target;
	r = bsearch(&key, p->v, p->n, sizeof(*p->v), rec_cmp);
	return r != NULL;
}

/* Startup answer: lift the crowdsec:* bans it does not hold. */
static size_t
resync(struct crowdsec_pull *p, struct ledger *l, int64_t now)
{
	const struct bans *bans = ledger_bans(l);
	struct addr *lift = NULL, *t;
	size_t i, n = 0, cap = 0, done = 0;

	for (i = 0; i < bans_count(bans); i++) {
		const struct ban *b = bans_at(bans, i);
		if (!crowdsec_pull_origin(b->origin) || brings(p, &b->target))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((t = realloc(lift, cap * sizeof(*t))) == NULL)
				break;
			lift = t;
		}
		lift[n++] = b->target;
	}
	for (i = 0; i < n; i++)
		if (ledger_unban(l, &lift[i], "crowdsec resync", now) == 0)
			done++;
	free(lift);
	p->st.resync_lifted += done;
	return done;
}

/* A new decision: ban or lengthen, extend-only. */
static size_t
apply_new(struct crowdsec_pull *p, struct ledger *l, const struct rec *r,
    int64_t now)
{
	const struct ban *b = bans_find(ledger_bans(l), &r->target);
	struct ban *h = bans_find(p->hand, &r->target), *e;
	struct ledger_req req;

	if (h != NULL) {
		if (h->expires > now && now + (int64_t)r->seconds <=
		    h->expires + 2) {
			p->st.unbanned++;
			return 0;
		}
		bans_del(p->hand, &r->target);
	}
	if (b != NULL && b->expires >= now + (int64_t)r->seconds)
		return 0; /* held as long already: nothing changes */
	memset(&req, 0, sizeof(req));
	req.target = r->target;
	req.seconds = r->seconds;
	req.offences = b != NULL ? b->offences : 1;
	req.reason = p->kinds[r->kind].reason;
	req.origin = p->kinds[r->kind].origin;
	req.extend_only = true;
	req.force = p->wide;
	if (b != NULL && !crowdsec_pull_origin(b->origin) &&
	    (e = bans_put(p->ext, &r->target)) != NULL)
		e->expires = now + (int64_t)r->seconds;
	if (ledger_ban(l, &req, now) == -1) {
		if (errno == EPERM)
			p->st.allowlisted++;
		else if (errno == EINVAL)
			p->st.never_source++;
		else if (errno == E2BIG)
			p->st.too_wide++;
		else
			p->st.failed++;
		return 0;
	}
	p->st.banned++;
	return 1;
}

size_t
crowdsec_pull_end(struct crowdsec_pull *p, struct ledger *l, bool startup,
    int64_t now)
{
	const struct ban *b;
	size_t i, changes = 0;

	if (bans_count(p->ext) > 0) {
		bans_free(p->ext);
		if ((p->ext = bans_new(p->seed)) == NULL)
			fatal(EX_OSERR, "out of memory");
	}
	if (p->n > 0)
		qsort(p->v, p->n, sizeof(*p->v), rec_cmp);
	if (startup)
		changes += resync(p, l, now);
	for (i = 0; i < p->n; i++) {
		const struct rec *r = &p->v[i];
		if (!r->deleted || brings(p, &r->target))
			continue;
		b = bans_find(ledger_bans(l), &r->target);
		if (b == NULL || !crowdsec_pull_origin(b->origin) ||
		    ledger_unban(l, &r->target, "crowdsec deleted", now) == -1)
			continue;
		p->st.lifted++;
		changes++;
	}
	for (i = 0; i < p->n; i++)
		if (!p->v[i].deleted)
			changes += apply_new(p, l, &p->v[i], now);
	p->st.answers++;
	/* A startup answer's records are many: give the memory back. */
	if (p->cap > 4096) {
		free(p->v);
		p->v = NULL;
		p->cap = 0;
	}
	p->n = 0;
	return changes;
}

bool
crowdsec_pull_extended(const struct crowdsec_pull *p, const struct ban *b)
{
	const struct ban *e = bans_find(p->ext, &b->target);

	return e != NULL && e->expires == b->expires;
}

void
crowdsec_pull_unbanned(struct crowdsec_pull *p, const struct ban *b,
    int64_t now)
{
	struct addr gone[64];
	struct ban *h;
	size_t i, n = 0;

	if (b->expires <= now)
		return;
	if (bans_count(p->hand) >= CROWDSEC_PULL_UNBANNED_MAX) {
		for (i = 0; i < bans_count(p->hand) && n < 64; i++)
			if (bans_at(p->hand, i)->expires <= now)
				gone[n++] = bans_at(p->hand, i)->target;
		for (i = 0; i < n; i++)
			bans_del(p->hand, &gone[i]);
		if (bans_count(p->hand) >= CROWDSEC_PULL_UNBANNED_MAX)
			return;
	}
	if ((h = bans_put(p->hand, &b->target)) != NULL)
		h->expires = b->expires;
}

void
crowdsec_pull_get_stats(const struct crowdsec_pull *p,
    struct crowdsec_pull_stats *st)
{
	*st = p->st;
}
