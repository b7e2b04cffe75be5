/*
 * ledger_recheck: the periodic comparison of the ledger with the kernel
 * sets, in bounded steps, so that it never holds the loop (with 100,000
 * bans a whole dump and comparison took 360 to 700 ms; every ban decided
 * meanwhile waited). It does what ledger_reconcile() does without adopt,
 * in two halves:
 *   1. the dump is read from a non-blocking socket of its own, one reply
 *      per call, as the loop finds it readable; each element read is
 *      noted in rc.seen with its absolute expiry, and one the table does
 *      not hold (or holds shadowed) is deleted at once;
 *   2. once it is all read, each tick compares LEDGER_RECHECK_SLICE bans
 *      of the table with rc.seen and puts back what the kernel lacks (or
 *      holds with a time off by more than LEDGER_DRIFT).
 * Bans change between the steps. What the kernel takes meanwhile is noted
 * as seen (ledger_recheck_note() from ledger_flush()), so a ban added
 * during the dump is not put back; a ban gone meanwhile is not in the
 * table to compare. The kernel resumes a hash set's dump by position, so
 * an element added or deleted during it may shift another out of the
 * dump: that one is put back with an add, which for an element that is
 * there changes nothing. Deletions behind our back between two rechecks
 * are the notifications' business (daemon.c, on_watch), not this one's.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "ledger_int.h"
#include "log.h"
#include "nft.h"

void
ledger_recheck_stop(struct ledger *l)
{
	nft_scan_free(l->rc.scan);
	bans_free(l->rc.seen);
	memset(&l->rc, 0, sizeof(l->rc));
}

int
ledger_recheck_start(struct ledger *l, int64_t now)
{
	(void)now;
	if (ledger_dry(l) || l->rc.seen != NULL)
		return -1;
	if ((l->rc.seen = bans_new(l->seed)) == NULL ||
	    (l->rc.scan = enforce_scan(l->enf)) == NULL) {
		log_warn("recheck of the kernel sets: cannot start the dump "
		    "(the next recheck tries again)");
		ledger_recheck_stop(l);
		return -1;
	}
	return nft_scan_fd(l->rc.scan);
}

void
ledger_recheck_note(struct ledger *l, const struct ban *b)
{
	struct ban *kb;

	if (l->rc.seen == NULL)
		return;
	if ((kb = bans_put(l->rc.seen, &b->target)) != NULL)
		kb->expires = b->expires;
}

/* Phase 1 for one element read: note it, delete it if unwanted. */
static void
seen(struct ledger *l, const struct nft_entry *e, int64_t now)
{
	struct ban *b, *kb;

	if ((kb = bans_put(l->rc.seen, &e->target)) != NULL)
		kb->expires = e->expires_ms == 0 ? 0 :
		    now + (int64_t)(e->expires_ms / 1000);
	b = bans_find(l->bans, &e->target);
	if (b != NULL && b->expires > now && b->kstate != BAN_SHADOWED)
		return;
	/* One the kernel is about to expire was most likely ours, expired
	 * here a moment ago. */
	if (b == NULL && e->expires_ms > 0 &&
	    e->expires_ms <= LEDGER_EXPIRING_MS)
		return;
	ledger_next_group(l);
	ledger_queue(l, NFT_OP_DEL, &e->target, 0, ROLE_REMOVE, 0);
	l->rc.del++;
}

int
ledger_recheck_read(struct ledger *l, int64_t now)
{
	const struct nft_entry *e;
	bool done = false;
	ssize_t n, i;

	if (l->rc.scan == NULL || l->rc.read)
		return 1;
	if ((n = nft_scan_step(l->rc.scan, &e, &done)) == -1) {
		/* The table was rebuilt or is gone: the notifications that
		 * say so repair it; this recheck is over. */
		log_warn("recheck of the kernel sets: reading the dump "
		    "(the next recheck tries again)");
		ledger_recheck_stop(l);
		return 1;
	}
	/* What is queued goes out at the end of the loop iteration, with
	 * everything else decided in it (daemon.c, flush). */
	for (i = 0; i < n; i++)
		seen(l, &e[i], now);
	if (!done)
		return 0;
	l->rc.read = true;
	return 1;
}

bool
ledger_recheck_step(struct ledger *l, int64_t now)
{
	struct ban *b, *kb;
	size_t end;
	int64_t left;

	if (l->rc.seen == NULL)
		return false;
	if (!l->rc.read)
		return true;
	if (l->rc.scan != NULL) {
		nft_scan_free(l->rc.scan);
		l->rc.scan = NULL;
	}
	end = l->rc.at + LEDGER_RECHECK_SLICE;
	for (; l->rc.at < end && l->rc.at < bans_count(l->bans); l->rc.at++) {
		b = bans_at(l->bans, l->rc.at);
		if (b->kstate == BAN_HELD && ledger_shadowed(l, &b->target, now))
			b->kstate = BAN_SHADOWED;
		if (b->expires <= now || b->kstate != BAN_HELD)
			continue;
		left = b->expires - now;
		kb = bans_find(l->rc.seen, &b->target);
		if (kb != NULL && (kb->expires == 0 ||
		    (kb->expires <= b->expires + LEDGER_DRIFT &&
		    kb->expires + LEDGER_DRIFT >= b->expires)))
			continue;
		b->kstate = BAN_PENDING;
		ledger_next_group(l);
		ledger_queue(l, kb == NULL ? NFT_OP_ADD : NFT_OP_REFRESH,
		    &b->target, left, ROLE_PUTBACK, 0);
		l->rc.put++;
	}
	if (l->rc.at < bans_count(l->bans))
		return true;
	if (l->rc.put + l->rc.del > 0) {
		l->st.reconciles++;
		l->st.put_back += l->rc.put;
		l->st.removed += l->rc.del;
		log_info("reconcile reason=recheck put_back=%zu removed=%zu",
		    l->rc.put, l->rc.del);
	}
	ledger_recheck_stop(l);
	return false;
}
