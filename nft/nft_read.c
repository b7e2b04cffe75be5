/*
 * nft_read: the reading half of the nft module (nft.h): dumps of our sets
 * with interval starts and ends paired back into prefixes, the rule
 * counters, and the change notifications that tell the daemon its table
 * lost something. nft.c programs the table.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft.h"
#include "nft_int.h"

/* ---- dumps ----------------------------------------------------------- */

struct raw {
	struct addr key;       /* host-length key */
	bool end;
	uint64_t timeout, expires;
};

struct rawlist {
	struct raw *v;
	size_t n, cap;
	int family;
	int oom;
};

static int
elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct rawlist *l = arg;
	const void *key;
	uint32_t len = 0;
	struct raw *r;

	if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY))
		return 0;
	key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);
	if (len != (l->family == AF_INET ? 4u : 16u))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		struct raw *v = realloc(l->v, cap * sizeof(*v));
		if (v == NULL) {
			l->oom = 1;
			return -1;
		}
		l->v = v;
		l->cap = cap;
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->key.family = (uint8_t)l->family;
	r->key.len = (uint8_t)(len * 8);
	memcpy(r->key.a, key, len);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS))
		r->end = (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
			     NFT_SET_ELEM_INTERVAL_END) != 0;
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
		r->timeout = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
	if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION))
		r->expires = nftnl_set_elem_get_u64(e,
		    NFTNL_SET_ELEM_EXPIRATION);
	return 0;
}

static int
setelem_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	int rc = MNL_CB_OK;

	if (s == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ||
	    nftnl_set_elem_foreach(s, elem_cb, arg) < 0)
		rc = MNL_CB_ERROR;
	nftnl_set_free(s);
	return rc;
}

int
nft_dump(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	char buf[65536] __attribute__((aligned(8)));
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t r;
	int rc;

	if (mnl_socket_sendto(n->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	for (;;) {
		r = mnl_socket_recvfrom(n->nl, buf, sizeof(buf));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		rc = mnl_cb_run(buf, (size_t)r, seq, n->portid, cb, arg);
		if (rc == MNL_CB_ERROR)
			return -1;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

static int
dump_set(struct nft *n, enum set_id id, struct rawlist *l)
{
	struct nftnl_set *s = nft_set_new(n, id);
	struct nlmsghdr *nlh;

	if (s == NULL)
		return -1;
	nlh = nftnl_nlmsg_build_hdr(n->buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, n->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	l->family = id == SET_HOST4 || id == SET_NET4 ? AF_INET : AF_INET6;
	return nft_dump(n, nlh, setelem_cb, l);
}

static int
cmp_raw(const void *a, const void *b)
{
	const struct raw *x = a, *y = b;
	int c = memcmp(x->key.a, y->key.a, sizeof(x->key.a));

	if (c != 0)
		return c;
	return (int)y->end - (int)x->end; /* END before start */
}

static int
push(struct nft_entry **out, size_t *n, size_t *cap, const struct addr *a,
    uint64_t timeout, uint64_t expires)
{
	struct nft_entry *v;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 256;
		if ((v = realloc(*out, *cap * sizeof(*v))) == NULL)
			return -1;
		*out = v;
	}
	(*out)[*n].target = *a;
	(*out)[*n].timeout_ms = timeout;
	(*out)[*n].expires_ms = expires;
	(*n)++;
	return 0;
}

/* The prefix that starts at start and ends before end (or at the top of
 * the address space when end is NULL). */
static void
to_prefix(const struct addr *start, const struct addr *end, struct addr *p)
{
	unsigned max = addr_maxlen(start), len;
	struct addr m, nx;

	for (len = 0; len <= max; len++) {
		addr_mask(&m, start, len);
		if (memcmp(m.a, start->a, sizeof(m.a)) != 0)
			continue;
		if (end == NULL ? addr_next_block(&m, &nx) == -1 :
		    (addr_next_block(&m, &nx) == 0 &&
			memcmp(nx.a, end->a, sizeof(nx.a)) == 0))
			break;
	}
	addr_mask(p, start, len > max ? max : len);
}

/* Append the elements of one set's dump l (of set id) to *out as
 * entries: hosts as they are, interval starts paired with their ENDs
 * into prefixes (l is sorted for that). 0, or -1 with ENOMEM. */
static int
take_set(struct rawlist *l, enum set_id id, struct nft_entry **out,
    size_t *count, size_t *cap)
{
	const struct raw *open;
	struct addr p;
	size_t i;

	if (id == SET_HOST4 || id == SET_HOST6) {
		for (i = 0; i < l->n; i++)
			if (push(out, count, cap, &l->v[i].key,
				l->v[i].timeout, l->v[i].expires) == -1)
				goto oom;
		return 0;
	}
	/* Pair interval starts with the END that follows; an END with no
	 * open start is an orphan left by an expiry (the start expired, the
	 * END has no timeout). No orphan lies inside a live block: a block
	 * added over an expired one (nft_apply's dropped delete) makes the
	 * kernel collect the expired elements in its way (6.18; check_nft
	 * tests it). */
	if (l->n > 1) /* qsort's base may not be NULL (an empty set) */
		qsort(l->v, l->n, sizeof(*l->v), cmp_raw);
	open = NULL;
	for (i = 0; i <= l->n; i++) {
		if (i < l->n && l->v[i].end && open == NULL)
			continue;
		if (open != NULL) {
			to_prefix(&open->key, i < l->n && l->v[i].end ?
			    &l->v[i].key : NULL, &p);
			if (push(out, count, cap, &p, open->timeout,
				open->expires) == -1)
				goto oom;
			open = NULL;
			if (i < l->n && l->v[i].end)
				continue;
		}
		if (i < l->n)
			open = &l->v[i];
	}
	return 0;
oom:
	errno = ENOMEM;
	return -1;
}

ssize_t
nft_list(struct nft *n, struct nft_entry **out)
{
	size_t count = 0, cap = 0;
	struct rawlist l;
	enum set_id id;
	int rc;

	*out = NULL;
	for (id = SET_HOST4; id <= SET_NET6; id++) {
		memset(&l, 0, sizeof(l));
		rc = dump_set(n, id, &l);
		if (rc == 0 && l.oom) {
			errno = ENOMEM;
			rc = -1;
		}
		if (rc == 0)
			rc = take_set(&l, id, out, &count, &cap);
		free(l.v);
		if (rc == -1) {
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	return (ssize_t)count;
}

const char *
nft_table_name(const struct nft *n)
{
	return n->table;
}

/* ---- one address ------------------------------------------------------ */

/* Ask the kernel for the element of set id that holds key (a host-length
 * address): a hash set's exact element; an interval set's start at or
 * under key (end: its END above key). 1 found into *out, 0 none, -1 with
 * errno. One round trip, whatever the size of the set. */
static int
get_elem(struct nft *n, enum set_id id, const struct addr *key, bool end,
    struct raw *out)
{
	struct nftnl_set *s = nft_set_new(n, id);
	struct nftnl_set_elem *e;
	struct rawlist l;
	struct nlmsghdr *nlh;
	size_t i;
	int rc;

	if (s == NULL)
		return -1;
	if ((e = nftnl_set_elem_alloc()) == NULL) {
		nftnl_set_free(s);
		errno = ENOMEM;
		return -1;
	}
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key->a,
	    key->family == AF_INET ? 4 : 16);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
		    NFT_SET_ELEM_INTERVAL_END);
	nftnl_set_elem_add(s, e);
	nlh = nftnl_nlmsg_build_hdr(n->buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_ACK, n->seq++);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	memset(&l, 0, sizeof(l));
	l.family = key->family;
	rc = nft_dump(n, nlh, setelem_cb, &l);
	if (rc == -1 || l.oom) {
		free(l.v);
		if (rc == -1 && errno == ENOENT)
			return 0;
		if (l.oom)
			errno = ENOMEM;
		return -1;
	}
	rc = 0;
	for (i = 0; i < l.n && rc == 0; i++)
		if (l.v[i].end == end) {
			*out = l.v[i];
			rc = 1;
		}
	free(l.v);
	return rc;
}

int
nft_lookup(struct nft *n, const struct addr *host, struct nft_entry *h,
    struct nft_entry *net)
{
	bool v4 = host->family == AF_INET;
	struct raw start, stop;
	int rc, found = 0;

	memset(h, 0, sizeof(*h));
	memset(net, 0, sizeof(*net));
	if (!addr_is_host(host)) {
		errno = EINVAL;
		return -1;
	}
	if ((rc = get_elem(n, v4 ? SET_HOST4 : SET_HOST6, host, false,
		 &start)) == -1)
		return -1;
	if (rc == 1) {
		h->target = *host;
		h->timeout_ms = start.timeout;
		h->expires_ms = start.expires;
		found |= NFT_LOOKUP_HOST;
	}
	if ((rc = get_elem(n, v4 ? SET_NET4 : SET_NET6, host, false,
		 &start)) == -1)
		return -1;
	if (rc == 1) {
		/* The END above host closes the block; none: the block runs
		 * to the top of the address space. */
		if ((rc = get_elem(n, v4 ? SET_NET4 : SET_NET6, host, true,
			 &stop)) == -1)
			return -1;
		to_prefix(&start.key, rc == 1 ? &stop.key : NULL,
		    &net->target);
		net->timeout_ms = start.timeout;
		net->expires_ms = start.expires;
		found |= NFT_LOOKUP_NET;
	}
	return found;
}

struct ctr {
	const char *table;
	struct nft_counters *c;
};

static int
rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct ctr *k = arg;
	struct nftnl_expr_iter *it;
	struct nftnl_expr *e;
	const char *t;

	if (r == NULL) /* not to nftnl_rule_free(), which dereferences it */
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_ERROR;
	}
	t = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
	if (t != NULL && strcmp(t, k->table) == 0 &&
	    (it = nftnl_expr_iter_create(r)) != NULL) {
		while ((e = nftnl_expr_iter_next(it)) != NULL) {
			if (strcmp(nftnl_expr_get_str(e, NFTNL_EXPR_NAME),
				"counter") != 0)
				continue;
			k->c->packets += nftnl_expr_get_u64(e,
			    NFTNL_EXPR_CTR_PACKETS);
			k->c->bytes += nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
		}
		nftnl_expr_iter_destroy(it);
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int
nft_counters(struct nft *n, struct nft_counters *c)
{
	struct ctr k = {n->table, c};
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh;

	memset(c, 0, sizeof(*c));
	if (r == NULL) {
		errno = ENOMEM;
		return -1;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	nlh = nftnl_nlmsg_build_hdr(n->buf, NFT_MSG_GETRULE, NFPROTO_INET,
	    NLM_F_DUMP | NLM_F_ACK, n->seq++);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nft_dump(n, nlh, rule_cb, &k);
}

/* ---- notifications ---------------------------------------------------- */

int
nft_watch_fd(struct nft *n)
{
	int size = NFT_WATCH_RCVBUF, fd;

	if (n->watch != NULL)
		return mnl_socket_get_fd(n->watch);
	if ((n->watch = nft_socket(1u << (NFNLGRP_NFTABLES - 1), NULL)) ==
	    NULL)
		return -1;
	/* A batch of ours comes back as one notice per element: room for a
	 * large one, beyond rmem_max when we may (CAP_NET_ADMIN). */
	fd = mnl_socket_get_fd(n->watch);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
		sizeof(size)) == -1)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

/* Does this deletion notice concern our table? Without the memory to
 * parse it, it does: a needless re-check costs less than a missed repair.
 * (nftnl_*_free() dereferences its argument, so NULL is never freed.) */
static bool
ours(struct nft *n, const struct nlmsghdr *nlh, uint16_t type)
{
	const char *t = NULL;
	bool hit = false;

	switch (type) {
	case NFT_MSG_DELTABLE: {
		struct nftnl_table *x = nftnl_table_alloc();
		if (x == NULL)
			return true;
		if (nftnl_table_nlmsg_parse(nlh, x) == 0 &&
		    (t = nftnl_table_get_str(x, NFTNL_TABLE_NAME)) != NULL)
			hit = strcmp(t, n->table) == 0;
		nftnl_table_free(x);
		break;
	}
	case NFT_MSG_DELSET:
	case NFT_MSG_DELSETELEM: {
		struct nftnl_set *x = nftnl_set_alloc();
		if (x == NULL)
			return true;
		if ((type == NFT_MSG_DELSET ?
			nftnl_set_nlmsg_parse(nlh, x) :
			nftnl_set_elems_nlmsg_parse(nlh, x)) == 0 &&
		    (t = nftnl_set_get_str(x, NFTNL_SET_TABLE)) != NULL)
			hit = strcmp(t, n->table) == 0;
		nftnl_set_free(x);
		break;
	}
	case NFT_MSG_DELCHAIN:
	case NFT_MSG_DELRULE: {
		struct nftnl_rule *x = nftnl_rule_alloc();
		struct nftnl_chain *y = nftnl_chain_alloc();
		if (x == NULL || y == NULL)
			hit = true;
		else if (type == NFT_MSG_DELRULE &&
		    nftnl_rule_nlmsg_parse(nlh, x) == 0)
			t = nftnl_rule_get_str(x, NFTNL_RULE_TABLE);
		else if (type == NFT_MSG_DELCHAIN &&
		    nftnl_chain_nlmsg_parse(nlh, y) == 0)
			t = nftnl_chain_get_str(y, NFTNL_CHAIN_TABLE);
		if (t != NULL)
			hit = strcmp(t, n->table) == 0;
		if (x != NULL)
			nftnl_rule_free(x);
		if (y != NULL)
			nftnl_chain_free(y);
		break;
	}
	default:
		break;
	}
	return hit;
}

int
nft_watch_read(struct nft *n)
{
	char buf[65536] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	bool hit = false, lost = false;
	uint16_t type;
	ssize_t r;
	int len;

	if (n->watch == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		r = recv(mnl_socket_get_fd(n->watch), buf, sizeof(buf),
		    MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return hit ? NFT_WATCH_DELETED :
				    lost ? NFT_WATCH_RESYNC : NFT_WATCH_NONE;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: notices were lost, most likely our own
			 * (a large batch); read on, what is queued is
			 * still good. */
			if (errno != ENOBUFS)
				return -1;
			lost = true;
			continue;
		}
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Our own changes come back too: skip them. */
			if (nlh->nlmsg_pid == n->portid)
				continue;
			type = (uint16_t)(nlh->nlmsg_type & 0xff);
			if ((nlh->nlmsg_type >> 8) == NFNL_SUBSYS_NFTABLES &&
			    ours(n, nlh, type))
				hit = true;
		}
	}
}
