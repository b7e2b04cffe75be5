/*
 * sockdiag: see sockdiag.h. Facts this relies on (measured on Debian 12's
 * 6.1 and on 6.18, see the project's research notes):
 *
 * - A SOCK_DIAG_BY_FAMILY dump with struct inet_diag_req_v2 lists the TCP
 *   sockets of one family; idiag_states is a bit mask of TCP states.
 * - A server listening on :: holds its IPv4 peers on AF_INET6 sockets as
 *   ::ffff:a.b.c.d, so both families are dumped.
 * - SOCK_DESTROY with the socket id from the dump (the cookie included)
 *   resets it: the peer reads ECONNRESET, the owner ECONNABORTED.
 *
 * The dump is read to the end before anything is destroyed, so the kernel
 * never walks a table we are changing.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>

#include "sockdiag.h"

/* TCP states (include/net/tcp_states.h) of a session worth cutting. */
#define ST(x) (1u << (x))
#define CUT_STATES                                                             \
	(ST(1) /* ESTABLISHED */ | ST(3) /* SYN_RECV */ |                      \
	    ST(4) /* FIN_WAIT1 */ | ST(5) /* FIN_WAIT2 */ |                    \
	    ST(8) /* CLOSE_WAIT */ | ST(9) /* LAST_ACK */ |                    \
	    ST(11) /* CLOSING */)

struct victim {
	uint8_t family;
	struct inet_diag_sockid id;
};

struct sockdiag {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	struct victim v[SOCKDIAG_MAX]; /* sockets to destroy, per call */
	char buf[32768] __attribute__((aligned(8)));
};

struct scan {
	const uint16_t *ports;
	size_t nports;
	sockdiag_match_fn *match;
	void *arg;
	struct victim *v;
	size_t n;
};

struct sockdiag *
sockdiag_open(void)
{
	struct sockdiag *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (d->nl == NULL ||
	    mnl_socket_bind(d->nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		if (d->nl != NULL)
			mnl_socket_close(d->nl);
		free(d);
		return NULL;
	}
	d->portid = mnl_socket_get_portid(d->nl);
	d->seq = (uint32_t)time(NULL);
	return d;
}

void
sockdiag_close(struct sockdiag *d)
{
	if (d == NULL)
		return;
	mnl_socket_close(d->nl);
	free(d);
}

/* The peer of a dumped socket, IPv4-mapped folded to IPv4. */
static void
peer_of(const struct inet_diag_msg *m, struct addr *a)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff};
	const uint8_t *p = (const uint8_t *)m->id.idiag_dst;

	memset(a, 0, sizeof(*a));
	if (m->idiag_family == AF_INET6 && memcmp(p, mapped, 12) != 0) {
		a->family = AF_INET6;
		a->len = 128;
		memcpy(a->a, p, 16);
		return;
	}
	a->family = AF_INET;
	a->len = 32;
	memcpy(a->a, m->idiag_family == AF_INET6 ? p + 12 : p, 4);
}

static int
dump_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	struct scan *s = arg;
	uint16_t port;
	struct addr peer;
	size_t i;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) || s->n == SOCKDIAG_MAX)
		return MNL_CB_OK;
	port = ntohs(m->id.idiag_sport);
	for (i = 0; i < s->nports && s->ports[i] != port; i++)
		;
	if (i == s->nports)
		return MNL_CB_OK;
	peer_of(m, &peer);
	if (!s->match(s->arg, &peer))
		return MNL_CB_OK;
	s->v[s->n].family = m->idiag_family;
	s->v[s->n].id = m->id;
	s->n++;
	return MNL_CB_OK;
}

static struct nlmsghdr *
request(struct sockdiag *d, uint16_t type, uint16_t flags, uint8_t family,
    const struct inet_diag_sockid *id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(d->buf);
	struct inet_diag_req_v2 *r;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++d->seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));
	r->sdiag_family = family;
	r->sdiag_protocol = IPPROTO_TCP;
	r->idiag_states = id != NULL ? ~0u : CUT_STATES;
	if (id != NULL)
		r->id = *id;
	return nlh;
}

/* Send nlh and run cb over the replies until done or an error. */
static int
talk(struct sockdiag *d, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t r;
	int rc;

	if (mnl_socket_sendto(d->nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	for (;;) {
		r = mnl_socket_recvfrom(d->nl, d->buf, sizeof(d->buf));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		rc = mnl_cb_run(d->buf, (size_t)r, seq, d->portid, cb, arg);
		if (rc <= MNL_CB_STOP)
			return rc == MNL_CB_ERROR ? -1 : 0;
	}
}

int
sockdiag_kill(struct sockdiag *d, const uint16_t *ports, size_t nports,
    sockdiag_match_fn *match, void *arg)
{
	static const uint8_t families[] = {AF_INET, AF_INET6};
	struct scan s = {ports, nports, match, arg, d->v, 0};
	size_t i;
	int killed = 0, err = 0;

	if (nports == 0)
		return 0;
	for (i = 0; i < sizeof(families); i++) {
		if (talk(d, request(d, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP,
				families[i], NULL), dump_cb, &s) == -1) {
			err = errno;
			goto out;
		}
	}
	for (i = 0; i < s.n; i++) {
		if (talk(d, request(d, SOCK_DESTROY, NLM_F_ACK, s.v[i].family,
				&s.v[i].id), NULL, NULL) == 0) {
			killed++;
			continue;
		}
		/* Gone meanwhile (closed, or reset by an earlier call). */
		if (errno == ENOENT)
			continue;
		err = errno;
		goto out;
	}
out:
	if (err != 0 && killed == 0) {
		errno = err;
		return -1;
	}
	return killed;
}
