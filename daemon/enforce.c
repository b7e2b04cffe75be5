/*
 * enforce: see enforce.h.
 *
 * The queue holds bans decided since the last flush, in two kinds: plain
 * adds (new bans) and refreshes (a ban given again while the kernel may
 * still hold the element: delete + add in one batch, since 6.1 keeps the
 * old expiry on a re-add). nft_ban() retries element by element when a
 * batch fails, so one bad element never costs the others.
 *
 * Reassert compares by hashing: the kernel's elements go into a scratch
 * bans table, then each live ban is looked up in it, so a restore or a
 * repair of 100,000 bans costs one dump and one pass. A resync (notices
 * lost in a burst, most likely our own) compares the same way, but only
 * after checking that the table, chain, rules and sets are all there, and
 * is not a repair.
 *
 * Session cutting runs after a flush that committed at least one ban. It
 * dumps every TCP socket on our ports and destroys those whose peer a live
 * ban covers; a kernel without SOCK_DESTROY is reported once and cutting
 * stops there.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "enforce.h"
#include "log.h"
#include "nft.h"
#include "sockdiag.h"

struct pend {
	struct nft_elem e;
	bool refresh;
};

struct enforce {
	struct nft *nft;          /* NULL in dry run */
	struct sockdiag *diag;    /* NULL unless cutting sessions */
	uint16_t *ports;
	size_t nports;
	struct pend *pend;
	size_t npend, cappend;
	struct nft_elem *scratch; /* flush buffer, cappend entries */
	struct enforce_stats st;
};

static int
copy_ports(struct enforce *e, const struct conf *c)
{
	uint16_t *p = malloc((c->nports ? c->nports : 1) * sizeof(*p));

	if (p == NULL)
		return -1;
	memcpy(p, c->ports, c->nports * sizeof(*p));
	free(e->ports);
	e->ports = p;
	e->nports = c->nports;
	return 0;
}

struct enforce *
enforce_open(const struct conf *c)
{
	struct enforce *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	if (c->dry_run)
		return e;
	if ((e->nft = nft_open(c->table)) == NULL ||
	    enforce_setup(e, c) == -1) {
		int saved = errno;
		enforce_close(e);
		errno = saved;
		return NULL;
	}
	return e;
}

void
enforce_close(struct enforce *e)
{
	if (e == NULL)
		return;
	nft_close(e->nft);
	sockdiag_close(e->diag);
	free(e->ports);
	free(e->pend);
	free(e->scratch);
	free(e);
}

bool
enforce_dry(const struct enforce *e)
{
	return e->nft == NULL;
}

int
enforce_setup(struct enforce *e, const struct conf *c)
{
	if (e->nft == NULL)
		return 0;
	if (copy_ports(e, c) == -1)
		return -1;
	if (!c->kill_sessions) {
		sockdiag_close(e->diag);
		e->diag = NULL;
		e->st.cut = ENFORCE_CUT_OFF;
	} else if (e->diag == NULL && e->st.cut == ENFORCE_CUT_OFF) {
		if ((e->diag = sockdiag_open()) != NULL) {
			e->st.cut = ENFORCE_CUT_ON;
		} else {
			e->st.cut = ENFORCE_CUT_UNSUPPORTED;
			log_warn("cannot open NETLINK_SOCK_DIAG: banned peers' "
			    "sessions will not be cut");
		}
	}
	return nft_setup(e->nft, c->ports, c->nports,
	    c->action == CONF_ACTION_REJECT, c->priority);
}

void
enforce_ban(struct enforce *e, const struct addr *target, uint32_t seconds,
    bool refresh)
{
	struct pend *v;
	struct nft_elem *s;

	if (e->nft == NULL)
		return;
	if (e->npend == e->cappend) {
		size_t cap = e->cappend ? e->cappend * 2 : 64;
		if ((v = realloc(e->pend, cap * sizeof(*v))) == NULL) {
			log_warn("ban queue");
			return;
		}
		e->pend = v;
		if ((s = realloc(e->scratch, cap * sizeof(*s))) == NULL) {
			log_warn("ban queue");
			return;
		}
		e->scratch = s;
		e->cappend = cap;
	}
	v = &e->pend[e->npend++];
	memset(v, 0, sizeof(*v));
	v->e.target = *target;
	v->e.timeout_ms = (uint64_t)seconds * 1000;
	v->refresh = refresh;
}

struct cover {
	const struct bans *bans;
	int64_t now;
};

static bool
covered(void *arg, const struct addr *peer)
{
	const struct cover *c = arg;

	return bans_cover(c->bans, peer, c->now);
}

/* Cut the established sessions of every peer a live ban covers. */
static void
cut_sessions(struct enforce *e, const struct bans *bans, int64_t now)
{
	struct cover c = {bans, now};
	int n;

	if (e->diag == NULL || e->st.cut != ENFORCE_CUT_ON)
		return;
	n = sockdiag_kill(e->diag, e->ports, e->nports, covered, &c);
	if (n > 0) {
		e->st.sessions_cut += (uint64_t)n;
		log_info("cut sessions=%d", n);
	} else if (n == -1 && (errno == EOPNOTSUPP || errno == EPERM ||
				  errno == EACCES)) {
		e->st.cut = errno == EOPNOTSUPP ? ENFORCE_CUT_UNSUPPORTED :
		    ENFORCE_CUT_DENIED;
		log_warn("SOCK_DESTROY refused: banned peers' sessions will not "
		    "be cut (%s)", errno == EOPNOTSUPP ? "kernel without "
		    "CONFIG_INET_DIAG_DESTROY" : "no CAP_NET_ADMIN");
	} else if (n == -1) {
		log_warn("sock_diag");
	}
}

void
enforce_flush(struct enforce *e, const struct bans *bans, int64_t now)
{
	char s[ADDR_STRLEN];
	size_t i, k, n, sent = 0, failed = 0;
	int pass;

	if (e->npend == 0)
		return;
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, n = 0; i < e->npend; i++)
			if (e->pend[i].refresh == (pass == 1))
				e->scratch[n++] = e->pend[i].e;
		if (n == 0)
			continue;
		sent += n;
		if (nft_ban(e->nft, e->scratch, n, pass == 1) == 0)
			continue;
		for (k = 0; k < n; k++) {
			if (e->scratch[k].error == 0)
				continue;
			failed++;
			e->st.ban_errors++;
			addr_format(&e->scratch[k].target, s, sizeof(s));
			errno = e->scratch[k].error;
			log_warn("ban failed addr=%s", s);
		}
	}
	e->npend = 0;
	if (sent > failed)
		cut_sessions(e, bans, now);
}

int
enforce_unban(struct enforce *e, const struct addr *target)
{
	struct nft_elem el;

	if (e->nft == NULL)
		return 0;
	memset(&el, 0, sizeof(el));
	el.target = *target;
	if (nft_unban(e->nft, &el, 1) != 0) {
		errno = el.error;
		return -1;
	}
	return 0;
}

/* Queue every live ban the kernel lacks, with its remaining time; the
 * number queued. */
static size_t
queue_missing(struct enforce *e, const struct bans *bans, int64_t now)
{
	struct nft_entry *have = NULL;
	struct bans *kernel;
	const struct ban *b;
	uint8_t seed[16];
	ssize_t k, j;
	size_t i, missing = 0;

	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed) ||
	    (kernel = bans_new(seed)) == NULL) {
		log_warn("reassert");
		return 0;
	}
	/* A failed dump (the table is gone) means nothing is there. */
	k = nft_list(e->nft, &have);
	for (j = 0; j < k; j++)
		if (bans_put(kernel, &have[j].target) == NULL)
			break;
	free(have);
	if (j < k) {
		log_warn("reassert");
		bans_free(kernel);
		return 0;
	}
	for (i = 0; i < bans_count(bans); i++) {
		b = bans_at(bans, i);
		if (b->expires <= now || bans_find(kernel, &b->target) != NULL)
			continue;
		enforce_ban(e, &b->target, (uint32_t)(b->expires - now), false);
		missing++;
	}
	bans_free(kernel);
	return missing;
}

size_t
enforce_reassert(struct enforce *e, const struct bans *bans, int64_t now,
    const char *why)
{
	size_t missing;

	if (e->nft == NULL || bans_count(bans) == 0)
		return 0;
	if ((missing = queue_missing(e, bans, now)) > 0) {
		e->st.repairs++;
		e->st.restored += missing;
		log_info("repair reason=%s restored=%zu", why, missing);
		enforce_flush(e, bans, now);
	}
	return missing;
}

bool
enforce_resync(struct enforce *e, const struct bans *bans, int64_t now)
{
	size_t missing;

	if (e->nft == NULL)
		return true;
	e->st.resyncs++;
	if (nft_intact(e->nft) == 0)
		return false;
	if (bans_count(bans) > 0 && (missing = queue_missing(e, bans, now)) > 0) {
		e->st.resynced += missing;
		log_info("resync restored=%zu", missing);
		enforce_flush(e, bans, now);
	}
	return true;
}

void
enforce_repair(struct enforce *e, const struct conf *c,
    const struct bans *bans, int64_t now)
{
	uint64_t before = e->st.repairs;

	if (e->nft == NULL)
		return;
	if (enforce_setup(e, c) == -1)
		log_warn("nft setup");
	enforce_reassert(e, bans, now, "notification");
	/* Only the table, chain or rules were touched: still a repair. */
	if (e->st.repairs == before) {
		e->st.repairs++;
		log_info("repair reason=notification restored=0");
	}
}

int
enforce_watch_fd(struct enforce *e)
{
	return e->nft == NULL ? -1 : nft_watch_fd(e->nft);
}

enum enforce_watch
enforce_watch_read(struct enforce *e)
{
	switch (e->nft == NULL ? NFT_WATCH_NONE : nft_watch_read(e->nft)) {
	case NFT_WATCH_DELETED:
		return ENFORCE_WATCH_CHANGED;
	case NFT_WATCH_RESYNC:
		return ENFORCE_WATCH_RESYNC;
	default:
		return ENFORCE_WATCH_NONE;
	}
}

void
enforce_get_stats(struct enforce *e, struct enforce_stats *st)
{
	struct nft_counters c = {0, 0};

	if (e->nft != NULL && nft_counters(e->nft, &c) == -1)
		memset(&c, 0, sizeof(c));
	e->st.packets = c.packets;
	e->st.bytes = c.bytes;
	*st = e->st;
}

const char *
enforce_cut_name(enum enforce_cut c)
{
	switch (c) {
	case ENFORCE_CUT_ON:
		return "on";
	case ENFORCE_CUT_UNSUPPORTED:
		return "unavailable (kernel without SOCK_DESTROY)";
	case ENFORCE_CUT_DENIED:
		return "unavailable (no CAP_NET_ADMIN for sock_diag)";
	case ENFORCE_CUT_OFF:
		break;
	}
	return "off";
}
