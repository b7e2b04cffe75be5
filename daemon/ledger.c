/*
 * ledger: see ledger.h.
 *
 * Invariants, true after every ledger_flush():
 * - every ban in the table is live or about to be expired by the next
 *   ledger_expire(), and is HELD (an element of the kernel's sets) or
 *   SHADOWED (a live wider net ban that is HELD covers it);
 * - no two HELD net bans overlap (the interval sets would refuse it);
 * - a ban the kernel refused is not in the table.
 * Between a change and the flush a ban may be PENDING: its kernel op is
 * queued in ops[]. Ops are grouped: a wider ban's add and the deletes of
 * the narrower elements it replaces form one group, which the kernel
 * commits or refuses as a whole (nft_apply()); so do a lift's delete and
 * the adds of the narrower bans it releases.
 *
 * Hosts and prefixes live in separate kernel sets, so only net bans
 * (prefix shorter than the family's width) shadow each other.
 *
 * Expiry is a min-heap of (expires, target), lazily cleaned: an entry
 * whose ban was lifted or moved is skipped when it comes up, so a change
 * costs one push and the tick pops only what is due.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ledger_int.h"
#include "log.h"

bool
ledger_is_net(const struct addr *a)
{
	return a->len < addr_maxlen(a);
}

bool
ledger_dry(const struct ledger *l)
{
	return enforce_dry(l->enf);
}

/* ---- the expiry heap ---------------------------------------------------- */

void
ledger_heap_push(struct ledger *l, int64_t at, const struct addr *target)
{
	struct hent *h, t;
	size_t i, p;

	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 256;
		if ((h = realloc(l->heap, cap * sizeof(*h))) == NULL) {
			/* The tick's full pass (heap_rebuild) catches up. */
			log_warn("ledger expiry heap");
			return;
		}
		l->heap = h;
		l->capheap = cap;
	}
	i = l->nheap++;
	l->heap[i].at = at;
	l->heap[i].target = *target;
	while (i > 0 && l->heap[p = (i - 1) / 2].at > l->heap[i].at) {
		t = l->heap[p];
		l->heap[p] = l->heap[i];
		l->heap[i] = t;
		i = p;
	}
}

static void
heap_pop(struct ledger *l)
{
	struct hent t;
	size_t i = 0, c;

	l->heap[0] = l->heap[--l->nheap];
	for (;;) {
		c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1].at < l->heap[c].at)
			c++;
		if (l->heap[i].at <= l->heap[c].at)
			break;
		t = l->heap[c];
		l->heap[c] = l->heap[i];
		l->heap[i] = t;
		i = c;
	}
}

/* Stale entries pile up when bans are moved often: start afresh from
 * the table when they outnumber the live ones. */
static void
heap_compact(struct ledger *l)
{
	size_t i, n = bans_count(l->bans);

	if (l->nheap <= 2 * n + 1024)
		return;
	l->nheap = 0;
	for (i = 0; i < n; i++)
		ledger_heap_push(l, bans_at(l->bans, i)->expires,
		    &bans_at(l->bans, i)->target);
}

/* ---- the kernel queue --------------------------------------------------- */

void
ledger_queue(struct ledger *l, enum nft_op_kind kind, const struct addr *target,
    int64_t seconds, enum role role, int64_t prev)
{
	struct nft_op *o;
	struct opinfo *in;

	if (ledger_dry(l))
		return;
	if (l->nops == l->capops) {
		size_t cap = l->capops ? l->capops * 2 : 64;
		if ((o = realloc(l->ops, cap * sizeof(*o))) == NULL)
			goto fail;
		l->ops = o;
		if ((in = realloc(l->info, cap * sizeof(*in))) == NULL)
			goto fail;
		l->info = in;
		l->capops = cap;
	}
	o = &l->ops[l->nops];
	memset(o, 0, sizeof(*o));
	o->e.target = *target;
	o->e.timeout_ms = seconds > 0 ? (uint64_t)seconds * 1000 : 0;
	o->kind = kind;
	o->group = l->group;
	l->info[l->nops].role = role;
	l->info[l->nops].prev = prev;
	l->info[l->nops].snapped = false;
	l->info[l->nops].quiet = false;
	l->nops++;
	return;
fail:
	/* Reconcile puts it right; until then the ban may not hold. */
	log_warn("ledger queue");
}

void
ledger_next_group(struct ledger *l)
{
	l->group++;
}

/* ---- logging ------------------------------------------------------------ */

void
ledger_announce(struct ledger *l, bool banned, const struct ban *b,
    int64_t now, const char *reason)
{
	char s[ADDR_STRLEN], r[2 * VERDICT_REASON_MAX];

	addr_format(&b->target, s, sizeof(s));
	log_escape(r, sizeof(r), reason, strlen(reason));
	log_info("%s addr=%s seconds=%lld offences=%u reason=\"%s\" origin=%s%s",
	    banned ? "ban" : "unban", s, (long long)(banned ?
		b->expires - now : 0), b->offences, r, b->origin,
	    ledger_dry(l) ? " dry_run=yes" : "");
	ledger_tell(l, banned, b, now, reason);
}

void
ledger_tell(struct ledger *l, bool banned, const struct ban *b, int64_t now,
    const char *reason)
{
	size_t i;

	for (i = 0; i < l->nobs; i++)
		l->obs[i].fn(l->obs[i].arg, banned, b, reason, now);
}

int
ledger_observe(struct ledger *l, ledger_observer fn, void *arg)
{
	if (l->nobs == LEDGER_OBSERVERS) {
		errno = ENOSPC;
		return -1;
	}
	l->obs[l->nobs].fn = fn;
	l->obs[l->nobs].arg = arg;
	l->nobs++;
	return 0;
}

/* ---- shadowing ---------------------------------------------------------- */

/* True when a live net ban wider than target covers it. */
bool
ledger_shadowed(const struct ledger *l, const struct addr *target, int64_t now)
{
	struct ban *c[1];

	return ledger_is_net(target) &&
	    bans_covering(l->bans, target, now, c, 1) > 0;
}

/* Copy the targets of the net bans inside net into l->nest. */
static size_t
nested(struct ledger *l, const struct addr *net)
{
	struct ban *v[64];
	size_t n, i, k = 0, got;

	n = bans_inside(l->bans, net, addr_maxlen(net), v, 64);
	if (n <= 64) {
		for (i = 0; i < n; i++)
			l->nest[k++] = v[i]->target;
		return k;
	}
	/* Many: take them in one pass over the table. */
	for (i = 0, got = 0; i < bans_count(l->bans) && got < LEDGER_NEST_MAX;
	    i++) {
		const struct ban *b = bans_at(l->bans, i);
		if (b->target.family == net->family &&
		    b->target.len > net->len && ledger_is_net(&b->target) &&
		    addr_contains(net, &b->target))
			l->nest[got++] = b->target;
	}
	return got;
}

/*
 * Put b (new in the table) into the kernel: shadowed by a wider held
 * ban, or an add in the current group that replaces the narrower held or
 * pending elements inside it.
 */
void
ledger_place(struct ledger *l, struct ban *b, int64_t now)
{
	struct addr target = b->target;
	struct ban *c;
	size_t n, i;

	if (ledger_shadowed(l, &target, now)) {
		b->kstate = BAN_SHADOWED;
		return;
	}
	b->kstate = ledger_dry(l) ? BAN_HELD : BAN_PENDING;
	if (ledger_is_net(&target)) {
		n = nested(l, &target);
		for (i = 0; i < n; i++) {
			if ((c = bans_find(l->bans, &l->nest[i])) == NULL ||
			    c->kstate == BAN_SHADOWED)
				continue;
			c->kstate = BAN_SHADOWED;
			ledger_queue(l, NFT_OP_DEL, &c->target, 0, ROLE_SHADOW, 0);
		}
	}
	b = bans_find(l->bans, &target);
	ledger_queue(l, NFT_OP_ADD, &target, b->expires - now, ROLE_NEW, 0);
}

/*
 * Remove the ban of target from the table, its element from the kernel
 * (held: a delete in the current group), and hand the narrower bans it
 * shadowed back to the kernel, in the same group.
 */
void
ledger_remove_ban(struct ledger *l, const struct addr *target, bool del, int64_t now)
{
	struct ban *b = bans_find(l->bans, target);
	struct addr t = *target;
	size_t n, i;

	if (b == NULL)
		return;
	if (del && b->kstate != BAN_SHADOWED)
		ledger_queue(l, NFT_OP_DEL, &t, 0, ROLE_LIFT, 0);
	bans_del(l->bans, &t);
	l->gen++;
	if (!ledger_is_net(&t))
		return;
	n = nested(l, &t);
	for (i = 0; i < n; i++) {
		if ((b = bans_find(l->bans, &l->nest[i])) == NULL ||
		    b->kstate != BAN_SHADOWED || b->expires <= now ||
		    ledger_shadowed(l, &b->target, now))
			continue;
		b->kstate = ledger_dry(l) ? BAN_HELD : BAN_PENDING;
		ledger_queue(l, NFT_OP_ADD, &b->target, b->expires - now, ROLE_RELEASE,
		    0);
	}
}

/* ---- life and death ----------------------------------------------------- */

struct ledger *
ledger_new(const uint8_t seed[16], struct enforce *e,
    const struct allow *allow, const struct conf *c,
    const struct ledger_cb *cb)
{
	struct ledger *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	if ((l->bans = bans_new(seed)) == NULL) {
		free(l);
		return NULL;
	}
	memcpy(l->seed, seed, sizeof(l->seed));
	l->enf = e;
	l->allow = allow;
	if (cb != NULL)
		l->cb = *cb;
	ledger_set_conf(l, c);
	return l;
}

void
ledger_free(struct ledger *l)
{
	if (l == NULL)
		return;
	ledger_recheck_close(l);
	bans_free(l->bans);
	free(l->ops);
	free(l->info);
	free(l->heap);
	free(l);
}

void
ledger_set_conf(struct ledger *l, const struct conf *c)
{
	l->net4 = c->net4_prefix;
	l->wide4 = c->wide4_prefix;
	l->net6 = c->net6_prefix;
	l->wide6 = c->wide6_prefix;
	l->ban_max = c->ban_max;
}

const struct bans *
ledger_bans(const struct ledger *l)
{
	return l->bans;
}

uint64_t
ledger_gen(const struct ledger *l)
{
	return l->gen;
}

/* The widest prefix a ban may have without force: the widest tier. */
static unsigned
widest(const struct ledger *l, const struct addr *a)
{
	unsigned net = a->family == AF_INET ? l->net4 : l->net6;
	unsigned wide = a->family == AF_INET ? l->wide4 : l->wide6;

	if (wide != 0 && wide < net)
		return wide;
	return net != 0 ? net : addr_maxlen(a);
}

void
ledger_set_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "");
}

int
ledger_check(const struct ledger *l, const struct addr *target, bool force)
{
	if (addr_never_source(target)) {
		errno = EINVAL;
		return -1;
	}
	if (allow_overlaps(l->allow, target)) {
		errno = EPERM;
		return -1;
	}
	if (!force && target->len < widest(l, target)) {
		errno = E2BIG;
		return -1;
	}
	return 0;
}

int
ledger_ban(struct ledger *l, const struct ledger_req *r, int64_t now)
{
	int64_t expires = now + (int64_t)r->seconds;
	struct ban *b;

	if (r->seconds == 0) {
		errno = EINVAL;
		return -1;
	}
	if (ledger_check(l, &r->target, r->force) == -1)
		return -1;
	b = bans_find(l->bans, &r->target);
	if (b != NULL && b->expires > now) {
		if (r->extend_only && expires <= b->expires)
			return 0;
		if (b->kstate == BAN_HELD) {
			ledger_next_group(l);
			ledger_queue(l, NFT_OP_REFRESH, &b->target, expires - now,
			    ROLE_REFRESH, b->expires);
		} else if (b->kstate == BAN_PENDING) {
			/* Added in this flush already: moved right after. */
			ledger_next_group(l);
			ledger_queue(l, NFT_OP_REFRESH, &b->target, expires - now,
			    ROLE_REFRESH, b->expires);
		}
		b->expires = expires;
		b->offences = r->offences;
		if (!r->extend_only) {
			ledger_set_text(b->reason, sizeof(b->reason), r->reason);
			ledger_set_text(b->origin, sizeof(b->origin), r->origin);
		}
	} else {
		if ((b = bans_put(l->bans, &r->target)) == NULL)
			return -1;
		b->expires = expires;
		b->since = now;
		b->offences = r->offences;
		ledger_set_text(b->reason, sizeof(b->reason), r->reason);
		ledger_set_text(b->origin, sizeof(b->origin), r->origin);
		ledger_next_group(l);
		ledger_place(l, b, now);
		b = bans_find(l->bans, &r->target);
	}
	/* The change as made, for its announcement at the flush. */
	if (l->nops > 0 && addr_cmp(&l->ops[l->nops - 1].e.target,
	    &b->target) == 0 && (l->info[l->nops - 1].role == ROLE_NEW ||
	    l->info[l->nops - 1].role == ROLE_REFRESH)) {
		l->info[l->nops - 1].snapped = true;
		l->info[l->nops - 1].snap = *b;
		l->info[l->nops - 1].quiet = r->quiet;
	}
	ledger_heap_push(l, expires, &r->target);
	l->gen++;
	l->st.bans++;
	/* What the kernel takes is logged at the flush; a shadowed ban or a
	 * dry run has nothing to wait for. */
	if (b->kstate != BAN_PENDING && (ledger_dry(l) ||
	    b->kstate == BAN_SHADOWED)) {
		if (r->quiet)
			ledger_tell(l, true, b, now, b->reason);
		else
			ledger_announce(l, true, b, now, b->reason);
	}
	return 0;
}

void
ledger_lifted(struct ledger *l, const struct addr *target)
{
	if (l->cb.lifted != NULL)
		l->cb.lifted(l->cb.arg, target);
}

int
ledger_unban(struct ledger *l, const struct addr *target, const char *how,
    int64_t now)
{
	struct ban *b = bans_find(l->bans, target);

	if (b == NULL || b->expires <= now) {
		errno = ENOENT;
		return -1;
	}
	ledger_announce(l, false, b, now, how);
	ledger_next_group(l);
	ledger_remove_ban(l, target, true, now);
	l->st.unbans++;
	ledger_lifted(l, target);
	return 0;
}

size_t
ledger_covering(const struct ledger *l, const struct addr *host, int64_t now,
    const struct ban **out, size_t max)
{
	return bans_covering(l->bans, host, now, (struct ban **)out, max);
}

bool
ledger_cover(const struct ledger *l, const struct addr *host, int64_t now)
{
	return bans_cover(l->bans, host, now);
}

/* True when the net ban b shadows a live narrower ban. */
static bool
shadows(struct ledger *l, const struct ban *b, int64_t now)
{
	const struct ban *c;
	size_t n, i;

	if (!ledger_is_net(&b->target))
		return false;
	n = nested(l, &b->target);
	for (i = 0; i < n; i++)
		if ((c = bans_find(l->bans, &l->nest[i])) != NULL &&
		    c->kstate == BAN_SHADOWED && c->expires > now + 1)
			return true;
	return false;
}

size_t
ledger_expire(struct ledger *l, int64_t now)
{
	struct hent later[64];
	struct ban *b;
	struct addr t;
	size_t done = 0, nlater = 0, i;

	while (l->nheap > 0 && l->heap[0].at <= now + 1) {
		t = l->heap[0].target;
		b = bans_find(l->bans, &t);
		if (b == NULL || b->expires != l->heap[0].at) {
			heap_pop(l);
			continue;
		}
		if (b->expires > now) {
			/* Due next second: only a wider ban that shadows live
			 * narrower ones goes now, so that they are back in
			 * the kernel before it drops the wider element. */
			if (!shadows(l, b, now)) {
				if (nlater == sizeof(later) / sizeof(later[0]))
					break;
				later[nlater++] = l->heap[0];
				heap_pop(l);
				continue;
			}
		}
		heap_pop(l);
		ledger_announce(l, false, b, now, "expired");
		ledger_next_group(l);
		/* The kernel drops a held element at its own timeout. */
		ledger_remove_ban(l, &t, b->expires > now, now);
		l->st.expired++;
		done++;
	}
	for (i = 0; i < nlater; i++)
		ledger_heap_push(l, later[i].at, &later[i].target);
	heap_compact(l);
	return done;
}

/* ---- the kernel's answer ------------------------------------------------ */

/* A ban the kernel would not take: out of the table, and said loudly. */
static void
refused(struct ledger *l, const struct addr *target, int err, int64_t now)
{
	char s[ADDR_STRLEN];

	if (bans_find(l->bans, target) == NULL)
		return;
	addr_format(target, s, sizeof(s));
	log_warnx("ban not held addr=%s: the kernel refused it: %s", s,
	    strerror(err));
	bans_del(l->bans, target);
	l->gen++;
	l->st.refused++;
	ledger_lifted(l, target);
	(void)now;
}

/* A ban the kernel took, told as the change made it (its snapshot). */
static void
announce_op(struct ledger *l, const struct opinfo *in, const struct ban *b,
    int64_t now)
{
	const struct ban *a = in->snapped ? &in->snap : b;

	if (in->quiet)
		ledger_tell(l, true, a, now, a->reason);
	else
		ledger_announce(l, true, a, now, a->reason);
}

size_t
ledger_flush(struct ledger *l, int64_t now, size_t *failed)
{
	struct ban *b;
	size_t i, added = 0, nfail;
	int err;

	if (failed != NULL)
		*failed = 0;
	if (l->nops == 0)
		return 0;
	nfail = enforce_apply(l->enf, l->ops, l->nops);
	if (failed != NULL)
		*failed = nfail;
	for (i = 0; i < l->nops; i++) {
		struct nft_op *o = &l->ops[i];
		err = o->e.error;
		if (err == ENOENT && (o->kind == NFT_OP_DEL))
			err = 0;
		b = bans_find(l->bans, &o->e.target);
		switch (l->info[i].role) {
		case ROLE_NEW:
		case ROLE_RELEASE:
		case ROLE_PUTBACK:
			if (err != 0) {
				refused(l, &o->e.target, err, now);
			} else if (b != NULL) {
				added++;
				if (b->kstate == BAN_PENDING)
					b->kstate = BAN_HELD;
				if (l->info[i].role == ROLE_NEW)
					announce_op(l, &l->info[i], b, now);
			}
			break;
		case ROLE_REFRESH:
			if (err == 0) {
				if (b != NULL) {
					b->kstate = BAN_HELD;
						announce_op(l, &l->info[i], b, now);
				}
			} else if (b != NULL && l->info[i].prev > now) {
				/* The old element stands with its old time. */
				b->expires = l->info[i].prev;
				ledger_heap_push(l, b->expires, &b->target);
				l->gen++;
			} else {
				refused(l, &o->e.target, err, now);
			}
			break;
		case ROLE_SHADOW:
			/* Its group failed: the narrower element stays. */
			if (err != 0 && b != NULL)
				b->kstate = BAN_HELD;
			break;
		case ROLE_LIFT:
		case ROLE_REMOVE:
			if (err != 0) {
				char s[ADDR_STRLEN];
				addr_format(&o->e.target, s, sizeof(s));
				log_warnx("delete of addr=%s refused by the "
				    "kernel: %s (the next reconcile retries)",
				    s, strerror(err));
			}
			break;
		}
	}
	l->nops = 0;
	/* A restore's or reconcile's large queue is not kept around. */
	if (l->capops > LEDGER_QUEUE_KEEP) {
		free(l->ops);
		free(l->info);
		l->ops = NULL;
		l->info = NULL;
		l->capops = 0;
	}
	return added;
}
