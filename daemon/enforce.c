/*
 * enforce: see enforce.h.
 *
 * Session cutting runs after a change that added a ban. It dumps every
 * TCP socket on our ports and destroys those whose peer a live ban covers;
 * a kernel without SOCK_DESTROY is reported once and cutting stops there.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "log.h"
#include "nft.h"
#include "sockdiag.h"

struct enforce {
	struct nft *nft;          /* NULL in dry run */
	struct sockdiag *diag;    /* NULL unless cutting sessions */
	uint16_t *ports;
	size_t nports;
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
	free(e);
}

int
enforce_set_dry(struct enforce *e, const struct conf *c, bool dry)
{
	int saved;

	if (dry == (e->nft == NULL))
		return 0;
	if (!dry) {
		if ((e->nft = nft_open(c->table)) == NULL)
			return -1;
		if (enforce_setup(e, c) == 0)
			return 0;
		saved = errno;
		nft_close(e->nft);
		e->nft = NULL;
		errno = saved;
		return -1;
	}
	/* Our table only (nft_teardown refuses anyone else's); gone already
	 * is as good. */
	if (nft_teardown(e->nft) == -1 && errno != ENOENT)
		return -1;
	nft_close(e->nft);
	e->nft = NULL;
	sockdiag_close(e->diag);
	e->diag = NULL;
	e->st.cut = ENFORCE_CUT_OFF;
	return 0;
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

size_t
enforce_apply(struct enforce *e, struct nft_op *ops, size_t n)
{
	size_t failed;

	if (e->nft == NULL || n == 0)
		return 0;
	failed = nft_apply(e->nft, ops, n);
	e->st.ban_errors += failed;
	return failed;
}

ssize_t
enforce_list(struct enforce *e, struct nft_entry **out)
{
	*out = NULL;
	return e->nft == NULL ? 0 : nft_list(e->nft, out);
}

ssize_t
enforce_list_apart(struct enforce *e, struct nft_entry **out)
{
	struct nft *n;
	ssize_t k;

	*out = NULL;
	if (e->nft == NULL)
		return 0;
	if ((n = nft_open(nft_table_name(e->nft))) == NULL)
		return -1;
	k = nft_list(n, out);
	nft_close(n);
	return k;
}

int
enforce_lookup(struct enforce *e, const struct addr *host,
    struct nft_entry *h, struct nft_entry *net)
{
	if (e->nft == NULL) {
		errno = ENOTCONN;
		return -1;
	}
	return nft_lookup(e->nft, host, h, net);
}

void
enforce_cut(struct enforce *e,
    bool (*covered)(void *arg, const struct addr *peer), void *arg)
{
	int n;

	if (e->diag == NULL || e->st.cut != ENFORCE_CUT_ON)
		return;
	n = sockdiag_kill(e->diag, e->ports, e->nports, covered, arg);
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

bool
enforce_intact(struct enforce *e)
{
	return e->nft == NULL || nft_intact(e->nft) != 0;
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
