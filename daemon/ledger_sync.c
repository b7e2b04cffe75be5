/*
 * ledger_sync: the ledger's agreement with the world outside one ban: the
 * allowlist (lift or split every ban covering an allowed address), the
 * kernel (reconcile both ways, adoption at start) and the state file
 * (restore). See ledger.h and ledger_int.h.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_int.h"
#include "log.h"

/* ---- the allowlist ------------------------------------------------------ */

/* True when every address of p is allowed. */
static bool
all_allowed(const struct allow *al, const struct addr *p)
{
	size_t i;

	for (i = 0; i < al->n; i++)
		if (addr_contains(&al->a[i], p))
			return true;
	return false;
}

/* The prefixes of p outside the allowlist into out; -1 past max. */
static int
carve(const struct allow *al, const struct addr *p, struct addr *out,
    size_t *n, size_t max)
{
	struct addr half;
	unsigned bit;

	if (!allow_overlaps(al, p)) {
		if (*n == max)
			return -1;
		out[(*n)++] = *p;
		return 0;
	}
	if (all_allowed(al, p) || p->len >= addr_maxlen(p))
		return 0;
	half = *p;
	half.len++;
	if (carve(al, &half, out, n, max) == -1)
		return -1;
	bit = p->len;
	half.a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	return carve(al, &half, out, n, max);
}

size_t
ledger_apply_allow(struct ledger *l, int64_t now)
{
	struct addr piece[LEDGER_SPLIT_MAX], *hit = NULL;
	struct ban old, *b;
	size_t i, k, n = 0, np, touched = 0;

	for (i = 0; i < bans_count(l->bans); i++)
		if (allow_overlaps(l->allow, &bans_at(l->bans, i)->target))
			n++;
	if (n == 0)
		return 0;
	if ((hit = malloc(n * sizeof(*hit))) == NULL) {
		log_warn("allowlist");
		return 0;
	}
	for (i = 0, k = 0; i < bans_count(l->bans) && k < n; i++)
		if (allow_overlaps(l->allow, &bans_at(l->bans, i)->target))
			hit[k++] = bans_at(l->bans, i)->target;
	for (i = 0; i < n; i++) {
		if ((b = bans_find(l->bans, &hit[i])) == NULL)
			continue;
		old = *b;
		np = 0;
		if (old.expires <= now || carve(l->allow, &old.target, piece,
			&np, LEDGER_SPLIT_MAX) == -1)
			np = 0;
		ledger_announce(l, false, &old, now, np > 0 ? "allowlisted (split)" :
		    "allowlisted");
		ledger_next_group(l);
		ledger_remove_ban(l, &old.target, true, now);
		touched++;
		l->st.lifted_allow++;
		ledger_lifted(l, &old.target);
		if (np > 0)
			l->st.splits++;
		for (k = 0; k < np; k++) {
			if (bans_find(l->bans, &piece[k]) != NULL ||
			    (b = bans_put(l->bans, &piece[k])) == NULL)
				continue;
			memcpy(b->reason, old.reason, sizeof(b->reason));
			memcpy(b->origin, old.origin, sizeof(b->origin));
			b->expires = old.expires;
			b->since = old.since;
			b->offences = old.offences;
			ledger_place(l, b, now);
			ledger_heap_push(l, old.expires, &piece[k]);
			/* Announced when the kernel takes it (a piece that
			 * a wider ban covers, at once). */
			b = bans_find(l->bans, &piece[k]);
			if (b->kstate != BAN_PENDING)
				ledger_announce(l, true, b, now, b->reason);
		}
	}
	free(hit);
	return touched;
}

/* ---- reconcile and restore ---------------------------------------------- */

static int64_t
cap_of(const struct ledger *l, const char *origin)
{
	return strcmp(origin, LEDGER_ORIGIN_MANUAL) == 0 ? LEDGER_MANUAL_MAX :
	    l->ban_max;
}

int
ledger_restore(struct ledger *l, const struct ban *r, int64_t now)
{
	struct ban *b;
	int64_t cap = cap_of(l, r->origin);

	if (r->expires <= now)
		return 0;
	if (addr_never_source(&r->target)) {
		errno = EINVAL;
		return -1;
	}
	if ((b = bans_put(l->bans, &r->target)) == NULL)
		return -1;
	*b = *r;
	if (b->expires - now > cap)
		b->expires = now + cap;
	/* Nothing is queued: the reconcile that follows a restore puts in
	 * the kernel what it lacks, and takes out what this shadows. */
	b->kstate = BAN_HELD;
	ledger_heap_push(l, b->expires, &b->target);
	l->gen++;
	return 0;
}

/* Restored bans were all marked held: mark the covered ones shadowed. */
static void
settle_shadows(struct ledger *l, int64_t now)
{
	struct ban *b;
	size_t i;

	for (i = 0; i < bans_count(l->bans); i++) {
		b = bans_at(l->bans, i);
		if (b->kstate == BAN_HELD && ledger_shadowed(l, &b->target, now))
			b->kstate = BAN_SHADOWED;
	}
}

/* A timed kernel element nobody recorded (the state file lost it, or a
 * crash came between a ban and the save): kept as a ban. */
static void
adopt(struct ledger *l, const struct nft_entry *k, int64_t now)
{
	struct ban *b;
	int64_t left = (int64_t)(k->expires_ms / 1000) + 1;

	if ((b = bans_put(l->bans, &k->target)) == NULL)
		return;
	if (left > (int64_t)l->ban_max)
		left = l->ban_max;
	b->expires = now + left;
	b->since = now;
	b->offences = 1;
	b->kstate = BAN_HELD;
	ledger_set_text(b->origin, sizeof(b->origin), LEDGER_ORIGIN_KERNEL);
	ledger_set_text(b->reason, sizeof(b->reason), "found in the kernel at start");
	ledger_heap_push(l, b->expires, &b->target);
	l->gen++;
	l->st.adopted++;
}

size_t
ledger_reconcile(struct ledger *l, int64_t now, const char *why, bool adopt_new)
{
	struct nft_entry *have = NULL;
	struct bans *kernel = NULL;
	struct ban *b, *kb;
	ssize_t k, j;
	size_t i, put = 0, del = 0;
	int64_t left;

	if (ledger_dry(l))
		return 0;
	settle_shadows(l, now);
	/* A failed dump (the table is gone) means nothing is there. */
	k = enforce_list(l->enf, &have);
	if (k < 0)
		k = 0;
	if ((kernel = bans_new(l->seed)) == NULL) {
		log_warn("reconcile");
		free(have);
		return 0;
	}
	for (j = 0; j < k; j++) {
		b = bans_find(l->bans, &have[j].target);
		if ((kb = bans_put(kernel, &have[j].target)) != NULL)
			kb->expires = (int64_t)(have[j].expires_ms / 1000);
		if (b != NULL && b->expires > now && b->kstate != BAN_SHADOWED)
			continue;
		/* One the kernel is about to expire was most likely ours,
		 * expired here a moment ago: never adopted. */
		if (b == NULL && adopt_new &&
		    have[j].expires_ms > LEDGER_EXPIRING_MS &&
		    !addr_never_source(&have[j].target) &&
		    !ledger_shadowed(l, &have[j].target, now)) {
			adopt(l, &have[j], now);
			continue;
		}
		if (b == NULL && have[j].expires_ms > 0 &&
		    have[j].expires_ms <= LEDGER_EXPIRING_MS)
			continue;
		ledger_next_group(l);
		ledger_queue(l, NFT_OP_DEL, &have[j].target, 0, ROLE_REMOVE, 0);
		del++;
	}
	free(have);
	for (i = 0; i < bans_count(l->bans); i++) {
		b = bans_at(l->bans, i);
		if (b->expires <= now || b->kstate != BAN_HELD)
			continue;
		left = b->expires - now;
		kb = bans_find(kernel, &b->target);
		if (kb != NULL && (kb->expires == 0 ||
		    (kb->expires <= left + LEDGER_DRIFT &&
		    kb->expires + LEDGER_DRIFT >= left)))
			continue;
		b->kstate = BAN_PENDING;
		ledger_next_group(l);
		ledger_queue(l, kb == NULL ? NFT_OP_ADD : NFT_OP_REFRESH, &b->target,
		    left, ROLE_PUTBACK, 0);
		put++;
	}
	bans_free(kernel);
	if (adopt_new) {
		/* At start the kernel lacking the saved bans (a reboot, a
		 * flushed ruleset) is the restore's job, not a disagreement. */
		l->st.restored += put;
		put = 0;
	}
	if (put + del > 0) {
		l->st.reconciles++;
		l->st.put_back += put;
		l->st.removed += del;
		log_info("reconcile reason=%s put_back=%zu removed=%zu", why,
		    put, del);
	}
	if (adopt_new && l->st.restored > 0)
		log_info("restored bans=%llu into the kernel",
		    (unsigned long long)l->st.restored);
	if (put + del > 0 || adopt_new)
		ledger_flush(l, now, NULL);
	return put + del;
}

void
ledger_get_stats(const struct ledger *l, int64_t now, struct ledger_stats *st)
{
	const struct ban *b;
	size_t i;

	*st = l->st;
	st->active = st->shadowed = 0;
	for (i = 0; i < bans_count(l->bans); i++) {
		b = bans_at(l->bans, i);
		if (b->expires <= now)
			continue;
		st->active++;
		st->shadowed += b->kstate == BAN_SHADOWED;
	}
}
