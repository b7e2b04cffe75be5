/*
 * ifaddr: see ifaddr.h. Facts this relies on:
 *
 * - The socket joins the notice groups before the dump is asked for, so no
 *   change falls between the two. Notices that arrive while the dump runs
 *   sit in the same queue in the order of the changes relative to the dump
 *   parts, so applying both in queue order gives the table of now.
 * - A notice is about one (link, address, prefix length): the same address
 *   may sit on two links, and deleting it from one leaves it ours. The
 *   table is kept sorted by address, then link, so that "the set of
 *   addresses changed" is a look at the neighbours.
 * - IPv4 gives the local address in IFA_LOCAL (IFA_ADDRESS is the peer on
 *   a point-to-point link); IPv6 gives it in IFA_ADDRESS, and IFA_LOCAL
 *   only on point-to-point links. Extended flags come in IFA_FLAGS.
 * - The kernel repeats RTM_NEWADDR for an address it already announced
 *   (IPv6 lifetimes refreshed by router advertisements, flags changing
 *   from tentative): that is no change of the set.
 * - Only the kernel and processes with CAP_NET_ADMIN may send to a
 *   NETLINK_ROUTE socket (the family lacks NL_CFG_F_NONROOT_SEND; checked:
 *   an unprivileged sender gets EPERM), so what arrives is trusted.
 * - ENOBUFS on a read means notices were dropped: the queue is drained,
 *   then everything is dumped again. A dump interrupted by changes
 *   (NLM_F_DUMP_INTR, EINTR from libmnl) is retried.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "ifaddr.h"

/* Dumps tried when one is interrupted or overflows the socket. */
#define DUMP_TRIES 4
/* Receive buffer asked for (bytes; the kernel caps it at rmem_max): a
 * burst of notices, a script adding many addresses, fits without loss. */
#define RCVBUF (1 << 20)

struct entry {
	struct addr a;     /* the local address, a host */
	uint32_t link;     /* interface index */
	uint32_t plen;     /* the prefix length it was given */
};

struct ifaddr {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	struct entry *e;   /* sorted by address, link, prefix length */
	size_t n, cap;
	char buf[32768] __attribute__((aligned(8)));
};

/* What applying a run of messages did. */
struct apply {
	struct ifaddr *f;
	bool changed;      /* the set of addresses changed */
	int err;           /* ENOSPC or ENOMEM: an entry was left out */
};

static int
entry_cmp(const struct entry *x, const struct entry *y)
{
	int c = addr_cmp(&x->a, &y->a);

	if (c != 0)
		return c;
	if (x->link != y->link)
		return x->link < y->link ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	return 0;
}

/* The first entry not before k (n when none); *hit when it equals k. */
static size_t
lower_bound(const struct ifaddr *f, const struct entry *k, bool *hit)
{
	size_t lo = 0, hi = f->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (entry_cmp(&f->e[mid], k) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*hit = lo < f->n && entry_cmp(&f->e[lo], k) == 0;
	return lo;
}

/* Does an entry at i's neighbour hold the same address as k? */
static bool
address_elsewhere(const struct ifaddr *f, size_t i, const struct entry *k)
{
	return (i > 0 && addr_cmp(&f->e[i - 1].a, &k->a) == 0) ||
	    (i < f->n && addr_cmp(&f->e[i].a, &k->a) == 0);
}

static void
insert(struct apply *ap, const struct entry *k)
{
	struct ifaddr *f = ap->f;
	struct entry *e;
	size_t i, cap;
	bool hit;

	i = lower_bound(f, k, &hit);
	if (hit)
		return;
	if (f->n == f->cap) {
		if (f->n == IFADDR_MAX) {
			ap->err = ENOSPC;
			return;
		}
		cap = f->cap == 0 ? 16 : f->cap * 2;
		cap = cap < IFADDR_MAX ? cap : IFADDR_MAX;
		if ((e = realloc(f->e, cap * sizeof(*e))) == NULL) {
			ap->err = ENOMEM;
			return;
		}
		f->e = e;
		f->cap = cap;
	}
	if (!address_elsewhere(f, i, k))
		ap->changed = true;
	memmove(&f->e[i + 1], &f->e[i], (f->n - i) * sizeof(*f->e));
	f->e[i] = *k;
	f->n++;
}

static void
erase(struct apply *ap, const struct entry *k)
{
	struct ifaddr *f = ap->f;
	size_t i;
	bool hit;

	i = lower_bound(f, k, &hit);
	if (!hit)
		return;
	memmove(&f->e[i], &f->e[i + 1], (f->n - i - 1) * sizeof(*f->e));
	f->n--;
	if (!address_elsewhere(f, i, k))
		ap->changed = true;
}

static int
attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, IFA_MAX) > 0)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* One RTM_NEWADDR or RTM_DELADDR, from a dump or a notice, into the table.
 * Anything else, or malformed, is skipped. */
static int
msg_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFA_MAX + 1] = {NULL};
	const struct ifaddrmsg *ifa;
	const struct nlattr *at;
	struct apply *ap = data;
	struct entry k;
	uint32_t flags;

	if ((nlh->nlmsg_type != RTM_NEWADDR &&
	    nlh->nlmsg_type != RTM_DELADDR) ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return MNL_CB_OK;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb) != MNL_CB_OK)
		return MNL_CB_OK;
	at = tb[IFA_LOCAL] != NULL ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (at == NULL || mnl_attr_get_payload_len(at) !=
	    (ifa->ifa_family == AF_INET ? 4u : 16u) ||
	    addr_from_bytes(ifa->ifa_family, mnl_attr_get_payload(at), &k.a) ==
	    -1)
		return MNL_CB_OK;
	k.link = ifa->ifa_index;
	k.plen = ifa->ifa_prefixlen;
	flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS] != NULL &&
	    mnl_attr_get_payload_len(tb[IFA_FLAGS]) == sizeof(uint32_t))
		flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	/* DAD failed: the address is another host's, not ours. */
	if (nlh->nlmsg_type == RTM_DELADDR || (flags & IFA_F_DADFAILED) != 0)
		erase(ap, &k);
	else
		insert(ap, &k);
	return MNL_CB_OK;
}

/* Apply the messages of one datagram. */
static void
apply_buf(struct apply *ap, const char *buf, ssize_t r)
{
	const struct nlmsghdr *nlh;
	int len = (int)r;

	for (nlh = (const struct nlmsghdr *)(const void *)buf;
	     mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len))
		msg_cb(nlh, ap);
}

/* Do the tables x and y hold the same distinct addresses? */
static bool
same_addresses(const struct entry *x, size_t nx, const struct entry *y,
    size_t ny)
{
	size_t i = 0, j = 0;

	while (i < nx && j < ny) {
		if (addr_cmp(&x[i].a, &y[j].a) != 0)
			return false;
		while (++i < nx && addr_cmp(&x[i].a, &x[i - 1].a) == 0)
			;
		while (++j < ny && addr_cmp(&y[j].a, &y[j - 1].a) == 0)
			;
	}
	return i == nx && j == ny;
}

/* Read and drop whatever waits: stale notices, the rest of a failed
 * dump. Notices lost meanwhile do not matter, a dump follows. */
static void
discard(struct ifaddr *f)
{
	while (recv(mnl_socket_get_fd(f->nl), f->buf, sizeof(f->buf),
	    MSG_DONTWAIT) != -1 || errno == EINTR || errno == ENOBUFS)
		;
}

/* Ask for every address and read the answer into ap's (empty) table,
 * with the notices that come meanwhile. 0, or -1 with errno. */
static int
dump_once(struct ifaddr *f, struct apply *ap)
{
	struct pollfd p = {mnl_socket_get_fd(f->nl), POLLIN, 0};
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct timespec t0, t;
	ssize_t r;
	long ms;
	int rc;

	discard(f);
	nlh = mnl_nlmsg_put_header(f->buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++f->seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		r = mnl_socket_recvfrom(f->nl, f->buf, sizeof(f->buf));
		if (r == -1 && errno == EAGAIN) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			ms = (t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000;
			if (ms >= IFADDR_DUMP_MS) {
				errno = ETIMEDOUT;
				return -1;
			}
			(void)poll(&p, 1, (int)(IFADDR_DUMP_MS - ms));
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return -1;
		/* Notices (sequence 0) pass libmnl's checks and are applied
		 * in their place; NLMSG_DONE of our sequence ends the dump. */
		rc = mnl_cb_run(f->buf, (size_t)r, f->seq, f->portid, msg_cb,
		    ap);
		if (rc == MNL_CB_ERROR)
			return -1;
		if (rc == MNL_CB_STOP)
			return 0;
	}
}

/* Replace the table by a fresh dump; ap->changed when the set of addresses
 * differs. On failure the old table stays. 0, or -1 with errno. */
static int
dump(struct ifaddr *f, struct apply *ap)
{
	struct entry *old = f->e;
	size_t nold = f->n, cap = f->cap;
	struct apply fresh;
	int i, err = 0;

	for (i = 0; i < DUMP_TRIES; i++) {
		f->e = NULL;
		f->n = f->cap = 0;
		fresh.f = f;
		fresh.changed = false;
		fresh.err = 0;
		if (dump_once(f, &fresh) == 0) {
			if (fresh.err != 0)
				ap->err = fresh.err;
			ap->changed |= !same_addresses(old, nold, f->e, f->n);
			free(old);
			return 0;
		}
		err = errno;
		free(f->e);
		/* Interrupted by a change, lost notices, another dump still
		 * running: ask again. */
		if (err != EINTR && err != ENOBUFS && err != EBUSY)
			break;
	}
	f->e = old;
	f->n = nold;
	f->cap = cap;
	errno = err;
	return -1;
}

struct ifaddr *
ifaddr_open(void)
{
	struct ifaddr *f = calloc(1, sizeof(*f));
	struct apply ap = {f, false, 0};
	int size = RCVBUF, err;

	if (f == NULL)
		return NULL;
	f->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (f->nl == NULL)
		goto fail;
	if (mnl_socket_bind(f->nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
	    MNL_SOCKET_AUTOPID) == -1)
		goto fail;
	setsockopt(mnl_socket_get_fd(f->nl), SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size));
	f->portid = mnl_socket_get_portid(f->nl);
	f->seq = (uint32_t)time(NULL);
	if (dump(f, &ap) == -1)
		goto fail;
	return f;
fail:
	err = errno;
	if (f->nl != NULL)
		mnl_socket_close(f->nl);
	free(f);
	errno = err;
	return NULL;
}

void
ifaddr_close(struct ifaddr *f)
{
	if (f == NULL)
		return;
	mnl_socket_close(f->nl);
	free(f->e);
	free(f);
}

int
ifaddr_fd(const struct ifaddr *f)
{
	return mnl_socket_get_fd(f->nl);
}

int
ifaddr_read(struct ifaddr *f)
{
	struct apply ap = {f, false, 0};
	bool lost = false;
	ssize_t r;

	for (;;) {
		r = recv(mnl_socket_get_fd(f->nl), f->buf, sizeof(f->buf),
		    MSG_DONTWAIT);
		if (r >= 0) {
			apply_buf(&ap, f->buf, r);
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			lost = true;
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		return -1;
	}
	if (lost && dump(f, &ap) == -1)
		return -1;
	if (ap.err != 0) {
		errno = ap.err;
		return -1;
	}
	return ap.changed ? 1 : 0;
}

void
ifaddr_foreach(const struct ifaddr *f, ifaddr_fn *fn, void *arg)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (i == 0 || addr_cmp(&f->e[i].a, &f->e[i - 1].a) != 0)
			fn(arg, &f->e[i].a);
}

size_t
ifaddr_count(const struct ifaddr *f)
{
	size_t i, n = 0;

	for (i = 0; i < f->n; i++)
		if (i == 0 || addr_cmp(&f->e[i].a, &f->e[i - 1].a) != 0)
			n++;
	return n;
}
