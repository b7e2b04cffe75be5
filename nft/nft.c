/*
 * nft: the netlink side of dominoban. Facts this relies on, measured on
 * Debian 12's 6.1 and on 6.18 (see the project's research notes):
 *
 * - A batch (BEGIN ... END in one sendmsg) is one transaction: if any
 *   message fails, nothing in it is committed. The kernel runs it inside
 *   sendmsg(), so every error is queued when sendmsg returns; we send
 *   without NLM_F_ACK and drain errors non-blocking, as nft does. A batch
 *   counts as committed only when no error came back. The kernel reports
 *   every failing message, each under its sequence number.
 * - A batch must fit the socket send buffer (212992 bytes by default, not
 *   raisable in a user namespace): NFT_BATCH_MAX.
 * - NETLINK_CAP_ACK keeps error messages small (no echoed request), so many
 *   errors cannot overflow the receive buffer and get lost.
 * - A batch may carry the ruleset generation it was built from
 *   (NFNL_BATCH_GENID); if anything committed since, the kernel refuses it
 *   whole with ERESTART. Setup reads the generation, then the table, then
 *   sends with that generation: what it read is what it changes.
 * - The table's owner is marked in its userdata (kernel 5.13 and later),
 *   as an nft comment, so `nft list` shows it. The kernel ignores userdata
 *   on an existing table: marking an older dominoban's table means deleting
 *   and creating it again in one transaction (nft_own.c says which tables
 *   are that).
 * - Interval elements, refreshes and unbans: nft_apply.c.
 * - NEWRULE always appends: setup flushes the chain's rules (DELRULE with
 *   no handle) and re-adds them in the same transaction.
 *
 * No state about elements is kept here: the daemon knows what it banned.
 * This file owns the socket, the batch buffer and the table's setup;
 * nft_apply.c writes elements, nft_own.c reads the table's owner,
 * nft_read.c reads the rest.
 */
#include "config.h"

#include <arpa/inet.h>
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

#define RCVBUF (1 << 20)
/* Room kept for the batch's END message, in bytes. */
#define END_ROOM 64
/* Setups in a row refused because the ruleset changed between our reading
 * and our writing (ERESTART) before we give up with EAGAIN. */
#define SETUP_TRIES 16

/* nft's datatype ids, so that `nft list` prints our sets nicely. */
#define TYPE_IPV4 7
#define TYPE_IPV6 8
#define TYPE_SERVICE 13

/* The set names and declarations, indexed by enum set_id (nft_int.h). */
const char *const nft_set_names[] = {NULL, "host4", "host6", "net4", "net6",
    "ports"};
const struct nft_set_def nft_set_defs[] = {
    [SET_HOST4] = {TYPE_IPV4, 4, NFT_SET_TIMEOUT},
    [SET_HOST6] = {TYPE_IPV6, 16, NFT_SET_TIMEOUT},
    [SET_NET4] = {TYPE_IPV4, 4, NFT_SET_INTERVAL | NFT_SET_TIMEOUT},
    [SET_NET6] = {TYPE_IPV6, 16, NFT_SET_INTERVAL | NFT_SET_TIMEOUT},
    [SET_PORTS] = {TYPE_SERVICE, 2, 0},
};

struct nftnl_set *
nft_set_new(const struct nft *n, enum set_id id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (s == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nft_set_names[id]);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

struct mnl_socket *
nft_socket(unsigned groups, uint32_t *portid)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_NETFILTER,
	    SOCK_CLOEXEC | (groups ? SOCK_NONBLOCK : 0));
	int one = 1, size = RCVBUF;

	if (nl == NULL)
		return NULL;
	if (mnl_socket_bind(nl, groups, MNL_SOCKET_AUTOPID) == -1) {
		mnl_socket_close(nl);
		return NULL;
	}
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size));
	if (portid != NULL)
		*portid = mnl_socket_get_portid(nl);
	return nl;
}

struct nft *
nft_open(const char *table)
{
	struct nft *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	if (strlen(table) >= sizeof(n->table)) {
		free(n);
		errno = EINVAL;
		return NULL;
	}
	strcpy(n->table, table);
	n->seq = (uint32_t)time(NULL);
	/* Zeroed: libnftnl leaves attribute padding unwritten, and the
	 * kernel (and valgrind) should never see stale heap bytes. */
	n->buf = calloc(1, NFT_BUF_SIZE);
	n->tags = calloc(NFT_MSGS_MAX, sizeof(*n->tags));
	if (n->buf == NULL || n->tags == NULL ||
	    (n->nl = nft_socket(0, &n->portid)) == NULL) {
		free(n->tags);
		free(n->buf);
		free(n);
		return NULL;
	}
	return n;
}

void
nft_close(struct nft *n)
{
	if (n == NULL)
		return;
	if (n->watch != NULL)
		mnl_socket_close(n->watch);
	mnl_socket_close(n->nl);
	free(n->tags);
	free(n->buf);
	free(n);
}

/* ---- batches ------------------------------------------------------- */

/* A BATCH_BEGIN or BATCH_END message at the end of the buffer. */
static struct nlmsghdr *
put_batch_msg(struct nft *n, uint16_t type, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(n->buf + n->len);
	struct nfgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(NFNL_SUBSYS_NFTABLES);
	return nlh;
}

void
nft_batch_begin(struct nft *n, uint32_t genid)
{
	struct nlmsghdr *nlh;

	n->len = 0;
	nlh = put_batch_msg(n, NFNL_MSG_BATCH_BEGIN, n->seq);
	if (genid != 0)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	n->len = MNL_ALIGN(nlh->nlmsg_len);
	n->first_seq = n->seq + 1;
	n->nmsg = 0;
}

struct nlmsghdr *
nft_msg_start(struct nft *n, uint16_t type, uint16_t flags)
{
	if (n->len + NFT_MSG_MAX + END_ROOM > NFT_BUF_SIZE ||
	    n->nmsg == NFT_MSGS_MAX) {
		errno = EMSGSIZE;
		return NULL;
	}
	return nftnl_nlmsg_build_hdr(n->buf + n->len, type, NFPROTO_INET,
	    flags, n->first_seq + (uint32_t)n->nmsg);
}

void
nft_msg_end(struct nft *n, uint32_t tag)
{
	const struct nlmsghdr *nlh = (const void *)(n->buf + n->len);

	n->len += MNL_ALIGN(nlh->nlmsg_len);
	n->tags[n->nmsg++] = tag;
}

static void
note(struct nft *n, uint32_t seq, int err)
{
	uint32_t k = seq - n->first_seq;

	if (n->nerrs == NFT_ERRS_MAX)
		return;
	n->errs[n->nerrs].tag = k < n->nmsg ? n->tags[k] : NFT_TAG_NONE;
	n->errs[n->nerrs++].err = err;
}

/* Read every queued reply without blocking; return the first error. */
static int
drain(struct nft *n)
{
	char buf[16384] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	ssize_t r;
	int len;

	for (;;) {
		r = recv(mnl_socket_get_fd(n->nl), buf, sizeof(buf),
		    MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/* ENOBUFS: errors were lost; the batch failed. */
			note(n, n->first_seq - 1, errno);
			break;
		}
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0)
				note(n, nlh->nlmsg_seq, -e->error);
		}
	}
	return n->nerrs > 0 ? n->errs[0].err : 0;
}

int
nft_batch_send(struct nft *n)
{
	uint32_t end = n->first_seq + (uint32_t)n->nmsg;
	struct nlmsghdr *nlh = put_batch_msg(n, NFNL_MSG_BATCH_END, end);

	n->len += MNL_ALIGN(nlh->nlmsg_len);
	n->seq = end + 1;
	n->nerrs = 0;
	if (mnl_socket_sendto(n->nl, n->buf, n->len) == -1)
		note(n, n->first_seq - 1, errno);
	return drain(n);
}

/* ---- setup ------------------------------------------------------- */

static int
put_table(struct nft *n, uint16_t type, uint16_t flags, bool mark)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh;
	int rc = -1;

	if (t == NULL) {
		errno = ENOMEM;
		return -1;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, n->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	if ((!mark || nft_own_mark(t) == 0) &&
	    (nlh = nft_msg_start(n, type, flags)) != NULL) {
		nftnl_table_nlmsg_build_payload(nlh, t);
		nft_msg_end(n, NFT_TAG_NONE);
		rc = 0;
	}
	nftnl_table_free(t);
	return rc;
}

static int
put_set(struct nft *n, enum set_id id)
{
	struct nftnl_set *s = nft_set_new(n, id);
	struct nlmsghdr *nlh;

	if (s == NULL)
		return -1;
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, nft_set_defs[id].type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, nft_set_defs[id].len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)id);
	if (nft_set_defs[id].flags != 0)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, nft_set_defs[id].flags);
	if ((nlh = nft_msg_start(n, NFT_MSG_NEWSET, NLM_F_CREATE)) != NULL) {
		nftnl_set_nlmsg_build_payload(nlh, s);
		nft_msg_end(n, NFT_TAG_NONE);
	}
	nftnl_set_free(s);
	return nlh != NULL ? 0 : -1;
}

/* A new expression name of r (which owns it), with the u32 attributes
 * k1 = v1 and k2 = v2 (a key of 0: none), or NULL. */
static struct nftnl_expr *
expr_add(struct nftnl_rule *r, const char *name, uint16_t k1, uint32_t v1,
    uint16_t k2, uint32_t v2)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	if (e == NULL)
		return NULL;
	if (k1 != 0)
		nftnl_expr_set_u32(e, k1, v1);
	if (k2 != 0)
		nftnl_expr_set_u32(e, k2, v2);
	nftnl_rule_add_expr(r, e);
	return e;
}

/* meta KEY == value (one byte), through register 1 */
static int
add_match(struct nftnl_rule *r, uint32_t key, uint8_t value)
{
	struct nftnl_expr *e;

	if (expr_add(r, "meta", NFTNL_EXPR_META_KEY, key, NFTNL_EXPR_META_DREG,
		NFT_REG_1) == NULL ||
	    (e = expr_add(r, "cmp", NFTNL_EXPR_CMP_SREG, NFT_REG_1,
		 NFTNL_EXPR_CMP_OP, NFT_CMP_EQ)) == NULL)
		return -1;
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &value, 1);
	return 0;
}

/* the len bytes at off of the base header in @set */
static int
add_lookup(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len,
    enum set_id id)
{
	struct nftnl_expr *e;

	if ((e = expr_add(r, "payload", NFTNL_EXPR_PAYLOAD_BASE, base,
		 NFTNL_EXPR_PAYLOAD_OFFSET, off)) == NULL)
		return -1;
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	if ((e = expr_add(r, "lookup", NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1,
		 NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)id)) == NULL)
		return -1;
	/* The name is mandatory even in the set's own batch; the id too. */
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nft_set_names[id]);
	return 0;
}

/* counter, then drop or reject with tcp reset */
static int
add_verdict(struct nftnl_rule *r, bool reject)
{
	struct nftnl_expr *e;

	if (expr_add(r, "counter", 0, 0, 0, 0) == NULL)
		return -1;
	if (!reject)
		return expr_add(r, "immediate", NFTNL_EXPR_IMM_DREG,
			   NFT_REG_VERDICT, NFTNL_EXPR_IMM_VERDICT,
			   NF_DROP) == NULL ? -1 : 0;
	if ((e = expr_add(r, "reject", NFTNL_EXPR_REJECT_TYPE,
		 NFT_REJECT_TCP_RST, 0, 0)) == NULL)
		return -1;
	nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
	return 0;
}

/* A rule of our chain: with id == 0 none (a DELRULE of them all); else
 * tcp dport @ports ip[6] saddr @set counter drop|reject with tcp reset. */
static int
put_rule(struct nft *n, uint16_t type, enum set_id id, bool reject)
{
	bool v4 = id == SET_HOST4 || id == SET_NET4;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh = NULL;

	if (r == NULL) {
		errno = ENOMEM;
		return -1;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (id != 0 &&
	    (add_match(r, NFT_META_NFPROTO, v4 ? NFPROTO_IPV4 :
		NFPROTO_IPV6) == -1 ||
		add_match(r, NFT_META_L4PROTO, IPPROTO_TCP) == -1 ||
		add_lookup(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2,
		    SET_PORTS) == -1 ||
		add_lookup(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8,
		    v4 ? 4 : 16, id) == -1 ||
		add_verdict(r, reject) == -1)) {
		errno = ENOMEM;
		goto out;
	}
	if ((nlh = nft_msg_start(n, type, type == NFT_MSG_NEWRULE ?
		     NLM_F_CREATE | NLM_F_APPEND : 0)) != NULL) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nft_msg_end(n, NFT_TAG_NONE);
	}
out:
	nftnl_rule_free(r);
	return nlh != NULL ? 0 : -1;
}

static int
put_chain(struct nft *n, int prio)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh;

	if (c == NULL) {
		errno = ENOMEM;
		return -1;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, n->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "input");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	if ((nlh = nft_msg_start(n, NFT_MSG_NEWCHAIN, NLM_F_CREATE)) != NULL) {
		nftnl_chain_nlmsg_build_payload(nlh, c);
		nft_msg_end(n, NFT_TAG_NONE);
	}
	nftnl_chain_free(c);
	return nlh != NULL ? 0 : -1;
}

/* Replace the ports: a DELSETELEM without elements flushes. */
static int
put_ports(struct nft *n, const uint16_t *ports, size_t nports)
{
	struct nftnl_set *s = nft_set_new(n, SET_PORTS);
	struct nftnl_set_elem *e;
	struct nlmsghdr *nlh;
	uint16_t port;
	size_t i;
	int rc = -1;

	if (s == NULL)
		return -1;
	if ((nlh = nft_msg_start(n, NFT_MSG_DELSETELEM, 0)) == NULL)
		goto out;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nft_msg_end(n, NFT_TAG_NONE);
	for (i = 0; i < nports; i++) {
		if ((e = nftnl_set_elem_alloc()) == NULL) {
			errno = ENOMEM;
			goto out;
		}
		port = htons(ports[i]);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &port, sizeof(port));
		nftnl_set_elem_add(s, e);
	}
	if ((nlh = nft_msg_start(n, NFT_MSG_NEWSETELEM, NLM_F_CREATE)) == NULL)
		goto out;
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nft_msg_end(n, NFT_TAG_NONE);
	rc = 0;
out:
	nftnl_set_free(s);
	return rc;
}

/* The setup transaction, from generation genid, for a table that stands
 * as own says. 0, or -1 with errno. */
static int
put_setup(struct nft *n, uint32_t genid, int own, const uint16_t *ports,
    size_t nports, bool reject, int prio)
{
	enum set_id id;

	nft_batch_begin(n, genid);
	/* An older dominoban's table is made again, with our mark. */
	if (own == NFT_OWN_OLD && put_table(n, NFT_MSG_DELTABLE, 0, false) == -1)
		return -1;
	if (own != NFT_OWN_OURS && put_table(n, NFT_MSG_NEWTABLE,
				       NLM_F_CREATE | NLM_F_EXCL, true) == -1)
		return -1;
	for (id = SET_HOST4; id <= SET_PORTS; id++)
		if (put_set(n, id) == -1)
			return -1;
	/* Flush the chain's rules, then add ours: never a duplicate. */
	if (put_chain(n, prio) == -1 ||
	    put_rule(n, NFT_MSG_DELRULE, 0, false) == -1)
		return -1;
	for (id = SET_HOST4; id <= SET_NET6; id++)
		if (put_rule(n, NFT_MSG_NEWRULE, id, reject) == -1)
			return -1;
	return put_ports(n, ports, nports);
}

/* Put an adopted table's bans back, with the time they had left. */
static void
put_back(struct nft *n, const struct nft_entry *old, size_t count)
{
	struct nft_op *ops = calloc(count, sizeof(*ops));
	size_t i, k = 0;

	if (ops == NULL)
		return; /* the daemon restores its own bans anyway */
	for (i = 0; i < count; i++) {
		if (old[i].timeout_ms != 0 && old[i].expires_ms == 0)
			continue; /* expiring right now */
		ops[k].e.target = old[i].target;
		ops[k].e.timeout_ms = old[i].expires_ms;
		ops[k].kind = NFT_OP_ADD;
		ops[k].group = (uint32_t)k;
		k++;
	}
	nft_apply(n, ops, k);
	free(ops);
}

int
nft_setup(struct nft *n, const uint16_t *ports, size_t nports, bool reject,
    int prio)
{
	struct nft_entry *old = NULL;
	ssize_t nold = 0;
	uint32_t genid;
	int own, err = 0, tries;

	if (nports == 0 || nports > 1024) {
		errno = EINVAL;
		return -1;
	}
	for (tries = 0; tries < SETUP_TRIES; tries++) {
		free(old);
		old = NULL;
		nold = 0;
		if ((own = nft_own_check(n, &genid)) == -1)
			return -1;
		if (own == NFT_OWN_FOREIGN) {
			errno = EEXIST;
			return -1;
		}
		if (own == NFT_OWN_OLD && (nold = nft_list(n, &old)) == -1)
			return -1;
		if (put_setup(n, genid, own, ports, nports, reject, prio) == -1) {
			err = errno;
			break;
		}
		if ((err = nft_batch_send(n)) != ERESTART)
			break;
	}
	if (err == 0 && nold > 0)
		put_back(n, old, (size_t)nold);
	free(old);
	if (err != 0) {
		/* EEXIST means a foreign table to our callers; the kernel's
		 * (a set of ours redefined) is another matter. */
		errno = err == ERESTART ? EAGAIN : err == EEXIST ? EINVAL : err;
		return -1;
	}
	return 0;
}

int
nft_teardown(struct nft *n)
{
	uint32_t genid;
	int own, err = 0, tries;

	for (tries = 0; tries < SETUP_TRIES; tries++) {
		if ((own = nft_own_check(n, &genid)) == -1)
			return -1;
		if (own == NFT_OWN_NONE || own == NFT_OWN_FOREIGN) {
			errno = own == NFT_OWN_NONE ? ENOENT : EEXIST;
			return -1;
		}
		nft_batch_begin(n, genid);
		if (put_table(n, NFT_MSG_DELTABLE, 0, false) == -1)
			return -1;
		if ((err = nft_batch_send(n)) != ERESTART)
			break;
	}
	if (err != 0) {
		errno = err == ERESTART ? EAGAIN : err;
		return -1;
	}
	return 0;
}
