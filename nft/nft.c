/*
 * nft: the netlink side of dominoban. Facts this relies on, measured on
 * Debian 12's 6.1 and on 6.18 (see the project's research notes):
 *
 * - A batch (BEGIN ... END in one sendmsg) is one transaction: if any
 *   message fails, nothing in it is committed. The kernel runs it inside
 *   sendmsg(), so every error is queued when sendmsg returns; we send
 *   without NLM_F_ACK and drain errors non-blocking, as nft does. A batch
 *   counts as committed only when no error came back.
 * - A batch must fit the socket send buffer (212992 bytes by default, not
 *   raisable in a user namespace): NFT_BATCH_MAX.
 * - NETLINK_CAP_ACK keeps error messages small (no echoed request), so many
 *   errors cannot overflow the receive buffer and get lost.
 * - Interval elements: the start key carries the timeout; the END element
 *   (first address after the block) must not (EINVAL). A block that reaches
 *   the top of the address space has no END element. Overlapping intervals
 *   are refused with EEXIST; single addresses therefore live in separate
 *   hash sets (host4, host6), where a host inside a banned netblock is no
 *   conflict and an add is O(1).
 * - Re-adding an existing element keeps its old expiry on 6.1: a refresh
 *   is DELSETELEM + NEWSETELEM in one batch. Deleting a missing element
 *   aborts the batch (ENOENT): on any failure we retry element by element.
 * - NEWRULE always appends: setup flushes the chain's rules (DELRULE with
 *   no handle) and re-adds them in the same transaction.
 * - A dump returns interval starts and ENDs separately, in descending
 *   order; an END can outlive its expired start for a while (orphan).
 *
 * No state about elements is kept here: the daemon knows what it banned.
 * This file writes (setup, bans, unbans); nft_read.c reads (dumps,
 * counters, change notifications).
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

#define MSG_MAX (32 * 1024)      /* bound on one message we build */
#define BUF_SIZE (NFT_BATCH_MAX + 2 * MSG_MAX)
#define RCVBUF (1 << 20)

/* nft's datatype ids, so that `nft list` prints our sets nicely. */
#define TYPE_IPV4 7
#define TYPE_IPV6 8
#define TYPE_SERVICE 13

/* The set names, indexed by enum set_id (nft_int.h). */
const char *const nft_set_names[] = {NULL, "host4", "host6", "net4", "net6",
    "ports"};

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
	n->buf = calloc(1, BUF_SIZE);
	if (n->buf == NULL || (n->nl = nft_socket(0, &n->portid)) == NULL) {
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
	free(n->buf);
	free(n);
}

/* ---- batches ------------------------------------------------------- */

static void
batch_begin(struct nft *n)
{
	n->batch = mnl_nlmsg_batch_start(n->buf, BUF_SIZE);
	nftnl_batch_begin(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
}

static struct nlmsghdr *
msg_start(struct nft *n, uint16_t type, uint16_t flags)
{
	return nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(n->batch), type,
	    NFPROTO_INET, flags, n->seq++);
}

static void
msg_end(struct nft *n)
{
	mnl_nlmsg_batch_next(n->batch);
}

static bool
batch_full(struct nft *n)
{
	return mnl_nlmsg_batch_size(n->batch) + MSG_MAX > NFT_BATCH_MAX;
}

/* Read every queued reply without blocking; return the first error. */
static int
drain(struct nft *n)
{
	char buf[16384] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *e;
	int first = 0, len;
	ssize_t r;

	for (;;) {
		r = recv(mnl_socket_get_fd(n->nl), buf, sizeof(buf),
		    MSG_DONTWAIT);
		if (r == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return first != 0 ? first : errno;
		}
		len = (int)r;
		for (nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0 && first == 0)
				first = -e->error;
		}
	}
	return first;
}

/* End and send the batch. Returns 0 when committed, else the error. */
static int
batch_send(struct nft *n)
{
	ssize_t r;
	int err;

	nftnl_batch_end(mnl_nlmsg_batch_current(n->batch), n->seq++);
	mnl_nlmsg_batch_next(n->batch);
	r = mnl_socket_sendto(n->nl, mnl_nlmsg_batch_head(n->batch),
	    mnl_nlmsg_batch_size(n->batch));
	err = r == -1 ? errno : 0;
	mnl_nlmsg_batch_stop(n->batch);
	n->batch = NULL;
	if (err != 0) {
		drain(n);
		return err;
	}
	return drain(n);
}

/* ---- setup ------------------------------------------------------- */

static void
put_table(struct nft *n, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();

	nftnl_table_set_str(t, NFTNL_TABLE_NAME, n->table);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_nlmsg_build_payload(msg_start(n, type, flags), t);
	msg_end(n);
	nftnl_table_free(t);
}

static void
put_set(struct nft *n, enum set_id id)
{
	static const struct {
		uint32_t type, len, flags;
	} def[] = {
	    [SET_HOST4] = {TYPE_IPV4, 4, NFT_SET_TIMEOUT},
	    [SET_HOST6] = {TYPE_IPV6, 16, NFT_SET_TIMEOUT},
	    [SET_NET4] = {TYPE_IPV4, 4, NFT_SET_INTERVAL | NFT_SET_TIMEOUT},
	    [SET_NET6] = {TYPE_IPV6, 16, NFT_SET_INTERVAL | NFT_SET_TIMEOUT},
	    [SET_PORTS] = {TYPE_SERVICE, 2, 0},
	};
	struct nftnl_set *s = nftnl_set_alloc();

	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nft_set_names[id]);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, def[id].type);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, def[id].len);
	nftnl_set_set_u32(s, NFTNL_SET_ID, (uint32_t)id);
	if (def[id].flags != 0)
		nftnl_set_set_u32(s, NFTNL_SET_FLAGS, def[id].flags);
	nftnl_set_nlmsg_build_payload(msg_start(n, NFT_MSG_NEWSET,
					  NLM_F_CREATE),
	    s);
	msg_end(n);
	nftnl_set_free(s);
}

static void
add_expr(struct nftnl_rule *r, const char *name, uint32_t k1, uint32_t v1,
    uint32_t k2, uint32_t v2)
{
	struct nftnl_expr *e = nftnl_expr_alloc(name);

	nftnl_expr_set_u32(e, k1, v1);
	if (k2 != 0)
		nftnl_expr_set_u32(e, k2, v2);
	nftnl_rule_add_expr(r, e);
}

static void
add_cmp(struct nftnl_rule *r, uint8_t value)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &value, 1);
	nftnl_rule_add_expr(r, e);
}

static void
add_payload(struct nftnl_rule *r, uint32_t base, uint32_t off, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_rule_add_expr(r, e);
}

static void
add_lookup(struct nftnl_rule *r, enum set_id id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	/* The name is mandatory even in the set's own batch; the id too. */
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, nft_set_names[id]);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, (uint32_t)id);
	nftnl_rule_add_expr(r, e);
}

/* tcp dport @ports ip[6] saddr @set counter drop|reject with tcp reset */
static void
put_rule(struct nft *n, enum set_id id, bool reject)
{
	bool v4 = id == SET_HOST4 || id == SET_NET4;
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nftnl_expr *e;

	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	add_expr(r, "meta", NFTNL_EXPR_META_KEY, NFT_META_NFPROTO,
	    NFTNL_EXPR_META_DREG, NFT_REG_1);
	add_cmp(r, v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
	add_expr(r, "meta", NFTNL_EXPR_META_KEY, NFT_META_L4PROTO,
	    NFTNL_EXPR_META_DREG, NFT_REG_1);
	add_cmp(r, IPPROTO_TCP);
	add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2);
	add_lookup(r, SET_PORTS);
	add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 12 : 8, v4 ? 4 : 16);
	add_lookup(r, id);
	nftnl_rule_add_expr(r, nftnl_expr_alloc("counter"));
	if (reject) {
		e = nftnl_expr_alloc("reject");
		nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE,
		    NFT_REJECT_TCP_RST);
		nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, 0);
		nftnl_rule_add_expr(r, e);
	} else {
		add_expr(r, "immediate", NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT,
		    NFTNL_EXPR_IMM_VERDICT, NF_DROP);
	}
	nftnl_rule_nlmsg_build_payload(msg_start(n, NFT_MSG_NEWRULE,
					   NLM_F_CREATE | NLM_F_APPEND),
	    r);
	msg_end(n);
	nftnl_rule_free(r);
}

int
nft_setup(struct nft *n, const uint16_t *ports, size_t nports, bool reject,
    int prio)
{
	struct nftnl_chain *c;
	struct nftnl_rule *r;
	struct nftnl_set *s;
	struct nftnl_set_elem *e;
	enum set_id id;
	uint16_t port;
	size_t i;
	int err;

	if (nports == 0 || nports > 1024) {
		errno = EINVAL;
		return -1;
	}
	batch_begin(n);
	put_table(n, NFT_MSG_NEWTABLE, NLM_F_CREATE);
	for (id = SET_HOST4; id <= SET_PORTS; id++)
		put_set(n, id);
	c = nftnl_chain_alloc();
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, n->table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, "input");
	nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
	nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
	nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, prio);
	nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
	nftnl_chain_nlmsg_build_payload(msg_start(n, NFT_MSG_NEWCHAIN,
					    NLM_F_CREATE),
	    c);
	msg_end(n);
	nftnl_chain_free(c);
	/* Flush the chain's rules, then add ours: never a duplicate. */
	r = nftnl_rule_alloc();
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, n->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, "input");
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_nlmsg_build_payload(msg_start(n, NFT_MSG_DELRULE, 0), r);
	msg_end(n);
	nftnl_rule_free(r);
	for (id = SET_HOST4; id <= SET_NET6; id++)
		put_rule(n, id, reject);
	/* Replace the ports: a DELSETELEM without elements flushes. */
	s = nftnl_set_alloc();
	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, "ports");
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_elems_nlmsg_build_payload(msg_start(n, NFT_MSG_DELSETELEM,
						0),
	    s);
	msg_end(n);
	for (i = 0; i < nports; i++) {
		e = nftnl_set_elem_alloc();
		port = htons(ports[i]);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, &port, sizeof(port));
		nftnl_set_elem_add(s, e);
	}
	nftnl_set_elems_nlmsg_build_payload(msg_start(n, NFT_MSG_NEWSETELEM,
						NLM_F_CREATE),
	    s);
	msg_end(n);
	nftnl_set_free(s);
	if ((err = batch_send(n)) != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
nft_teardown(struct nft *n)
{
	int err;

	batch_begin(n);
	put_table(n, NFT_MSG_DELTABLE, 0);
	if ((err = batch_send(n)) != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/* ---- elements ----------------------------------------------------- */

static enum set_id
set_of(const struct addr *a)
{
	if (a->family == AF_INET)
		return addr_is_host(a) ? SET_HOST4 : SET_NET4;
	return addr_is_host(a) ? SET_HOST6 : SET_NET6;
}

/* Re-validate at this trust boundary: a known family, a sane length. */
static bool
valid(const struct addr *a)
{
	return (a->family == AF_INET && a->len <= 32) ||
	    (a->family == AF_INET6 && a->len <= 128);
}

static void
add_key(struct nftnl_set *s, const struct addr *a, uint64_t timeout_ms,
    bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, a->a,
	    a->family == AF_INET ? 4 : 16);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
		    NFT_SET_ELEM_INTERVAL_END);
	else if (timeout_ms > 0)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
		    timeout_ms > NFT_TIMEOUT_MAX ? NFT_TIMEOUT_MAX : timeout_ms);
	nftnl_set_elem_add(s, e);
}

/* One NEWSETELEM or DELSETELEM message for the elements of e[] that go to
 * set id, from *from on, at most NFT_ELEMS_PER_MSG; advances *from. */
static void
put_elems(struct nft *n, uint16_t type, enum set_id id, struct nft_elem *e,
    size_t count, size_t *from)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct addr next;
	size_t k = 0;

	nftnl_set_set_str(s, NFTNL_SET_TABLE, n->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, nft_set_names[id]);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	for (; *from < count && k < NFT_ELEMS_PER_MSG; (*from)++) {
		if (set_of(&e[*from].target) != id || e[*from].error != 0)
			continue;
		add_key(s, &e[*from].target,
		    type == NFT_MSG_NEWSETELEM ? e[*from].timeout_ms : 0, false);
		if ((id == SET_NET4 || id == SET_NET6) &&
		    addr_next_block(&e[*from].target, &next) == 0)
			add_key(s, &next, 0, true);
		k++;
	}
	if (k > 0) {
		nftnl_set_elems_nlmsg_build_payload(msg_start(n, type,
		    type == NFT_MSG_NEWSETELEM ? NLM_F_CREATE : 0), s);
		msg_end(n);
	}
	nftnl_set_free(s);
}

/* Send e[0..count) (delete and/or add, over the same chunks), split into
 * batches. Returns 0, or the first error of a batch that failed (earlier
 * batches may have been committed). */
static int
send_elems(struct nft *n, struct nft_elem *e, size_t count, bool del,
    bool add)
{
	size_t from, f, end;
	enum set_id id;
	int err = 0, rc;

	batch_begin(n);
	for (id = SET_HOST4; id <= SET_NET6; id++) {
		for (from = 0; from < count; from = end) {
			end = from;
			if (del) {
				f = from;
				put_elems(n, NFT_MSG_DELSETELEM, id, e, count, &f);
				end = f;
			}
			if (add) {
				f = from;
				put_elems(n, NFT_MSG_NEWSETELEM, id, e, count, &f);
				end = f;
			}
			if (batch_full(n)) {
				if ((rc = batch_send(n)) != 0 && err == 0)
					err = rc;
				batch_begin(n);
			}
		}
	}
	if ((rc = batch_send(n)) != 0 && err == 0)
		err = rc;
	return err;
}

static size_t
validate(struct nft_elem *e, size_t count)
{
	size_t i, bad = 0;

	for (i = 0; i < count; i++) {
		e[i].error = valid(&e[i].target) ? 0 : EINVAL;
		bad += e[i].error != 0;
	}
	return bad;
}

size_t
nft_ban(struct nft *n, struct nft_elem *e, size_t count, bool refresh)
{
	size_t i, failed = validate(e, count);
	int err;

	if (send_elems(n, e, count, refresh, true) == 0)
		return failed;
	/* Some batch failed (a refresh of an element that had expired, an
	 * overlapping prefix): one element per transaction, so only the bad
	 * ones fail. Re-adding what an earlier batch committed is harmless. */
	for (i = 0; i < count; i++) {
		if (e[i].error != 0)
			continue;
		err = send_elems(n, &e[i], 1, refresh, true);
		if (err == ENOENT && refresh)
			err = send_elems(n, &e[i], 1, false, true);
		if ((e[i].error = err) != 0)
			failed++;
	}
	return failed;
}

size_t
nft_unban(struct nft *n, struct nft_elem *e, size_t count)
{
	size_t i, failed = validate(e, count);

	if (send_elems(n, e, count, true, false) == 0)
		return failed;
	for (i = 0; i < count; i++) {
		if (e[i].error != 0)
			continue;
		if ((e[i].error = send_elems(n, &e[i], 1, true, false)) != 0)
			failed++;
	}
	return failed;
}

