/*
 * nft_apply: elements in and out of our sets, the one transaction
 * primitive (nft.h), and nft_ban/nft_unban over it.
 *
 * Packing: a run of consecutive ops of one kind into one set goes in one
 * message (NFT_ELEMS_PER_MSG at most; a refresh run as one DELSETELEM and
 * one NEWSETELEM), and whole groups into one batch up to NFT_BATCH_MAX. A
 * group retried alone puts each half of each op in a message of its own,
 * tagged with the op, so that the kernel's error names the op (it reports
 * every failing message of a batch, each under its own sequence number).
 *
 * Kernel facts: an interval element's start key carries the timeout; its
 * END element (the first address after the block) must not (EINVAL); a
 * block that reaches the top of the address space has no END. Deleting a
 * missing element fails with ENOENT and aborts its transaction. An add
 * that overlaps another interval fails with EEXIST; a delete earlier in
 * the same transaction takes the other interval out of the way.
 *
 * While a group is retried alone, e.error holds each op's state: 0 to do,
 * ENOENT a delete dropped, DROPPED_HALF a refresh whose delete half was
 * dropped (an add from then on, 0 again when it commits).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft.h"
#include "nft_int.h"

#define DROPPED_HALF (-1)

/* What an op still does. */
#define DO_DEL 1u
#define DO_ADD 2u

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

static unsigned
todo(const struct nft_op *op)
{
	if (op->e.error == DROPPED_HALF)
		return DO_ADD;
	if (op->e.error != 0)
		return 0;
	switch (op->kind) {
	case NFT_OP_ADD:
		return DO_ADD;
	case NFT_OP_DEL:
		return DO_DEL;
	case NFT_OP_REFRESH:
		break;
	}
	return DO_DEL | DO_ADD;
}

static bool
dropped_delete(const struct nft_op *op)
{
	return op->kind == NFT_OP_DEL && op->e.error == ENOENT;
}

static int
add_key(struct nftnl_set *s, const struct addr *a, uint64_t timeout_ms,
    bool end)
{
	struct nftnl_set_elem *e = nftnl_set_elem_alloc();

	if (e == NULL)
		return -1;
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, a->a,
	    a->family == AF_INET ? 4 : 16);
	if (end)
		nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
		    NFT_SET_ELEM_INTERVAL_END);
	else if (timeout_ms > 0)
		nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
		    timeout_ms > NFT_TIMEOUT_MAX ? NFT_TIMEOUT_MAX : timeout_ms);
	nftnl_set_elem_add(s, e);
	return 0;
}

/* One NEWSETELEM or DELSETELEM message, tagged tag, for the elements of
 * ops[from..to), which all go to set id. 0, or -1 with errno. */
static int
put_msg(struct nft *n, uint16_t type, enum set_id id,
    const struct nft_op *ops, size_t from, size_t to, uint32_t tag)
{
	struct nftnl_set *s = nft_set_new(n, id);
	bool add = type == NFT_MSG_NEWSETELEM;
	struct nlmsghdr *nlh = NULL;
	struct addr next;
	size_t i;

	if (s == NULL)
		return -1;
	for (i = from; i < to; i++) {
		if (add_key(s, &ops[i].e.target, add ? ops[i].e.timeout_ms : 0,
			false) == -1 ||
		    ((id == SET_NET4 || id == SET_NET6) &&
			addr_next_block(&ops[i].e.target, &next) == 0 &&
			add_key(s, &next, 0, true) == -1)) {
			errno = ENOMEM;
			goto out;
		}
	}
	if ((nlh = nft_msg_start(n, type, add ? NLM_F_CREATE : 0)) != NULL) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		nft_msg_end(n, tag);
	}
out:
	nftnl_set_free(s);
	return nlh != NULL ? 0 : -1;
}

/* Put ops[from..to) in the open batch. alone: each half of each op in a
 * message of its own, tagged 2 * (its index - from) + (1 for an add). */
static int
put_ops(struct nft *n, const struct nft_op *ops, size_t from, size_t to,
    bool alone)
{
	uint32_t tag = NFT_TAG_NONE;
	enum set_id id;
	unsigned what;
	size_t i, j;

	for (i = from; i < to; i = j) {
		j = i + 1;
		if ((what = todo(&ops[i])) == 0)
			continue;
		id = set_of(&ops[i].e.target);
		while (!alone && j < to && j - i < NFT_ELEMS_PER_MSG &&
		    todo(&ops[j]) == what && set_of(&ops[j].e.target) == id)
			j++;
		if (alone)
			tag = (uint32_t)(i - from) * 2;
		if ((what & DO_DEL) != 0 &&
		    put_msg(n, NFT_MSG_DELSETELEM, id, ops, i, j, tag) == -1)
			return -1;
		if (alone)
			tag++;
		if ((what & DO_ADD) != 0 &&
		    put_msg(n, NFT_MSG_NEWSETELEM, id, ops, i, j, tag) == -1)
			return -1;
	}
	return 0;
}

static size_t
group_end(const struct nft_op *ops, size_t from, size_t count)
{
	size_t i = from + 1;

	while (i < count && ops[i].group == ops[from].group)
		i++;
	return i;
}

/* The group ops[from..to) failed with errs (tags as put_ops() alone):
 * each op an error names gets it, an error that names no op goes to every
 * op, the others ECANCELED. A dropped delete keeps its ENOENT. */
static void
blame(struct nft_op *ops, size_t from, size_t to, const struct nft_err *errs,
    size_t nerrs)
{
	size_t i, k;

	for (i = from; i < to; i++)
		if (!dropped_delete(&ops[i]))
			ops[i].e.error = ECANCELED;
	for (k = 0; k < nerrs; k++)
		if (errs[k].tag != NFT_TAG_NONE && errs[k].tag / 2 < to - from)
			ops[from + errs[k].tag / 2].e.error = errs[k].err;
	for (k = 0; k < nerrs; k++)
		for (i = from; i < to && errs[k].tag == NFT_TAG_NONE; i++)
			if (ops[i].e.error == ECANCELED)
				ops[i].e.error = errs[k].err;
}

/* One group in a transaction of its own, its ENOENT deletes dropped until
 * it commits or fails for another reason. */
static void
apply_alone(struct nft *n, struct nft_op *ops, size_t from, size_t to)
{
	struct nft_err why = {NFT_TAG_NONE, 0};
	const struct nft_err *x;
	size_t i, k, dropped;

	for (;;) {
		nft_batch_begin(n, 0);
		if (put_ops(n, ops, from, to, true) == -1 ||
		    n->len > NFT_BATCH_MAX) {
			why.err = n->len > NFT_BATCH_MAX ? EMSGSIZE : errno;
			blame(ops, from, to, &why, 1);
			return;
		}
		if (nft_batch_send(n) == 0)
			break;
		dropped = 0;
		for (k = 0; k < n->nerrs; k++) {
			x = &n->errs[k];
			if (x->tag == NFT_TAG_NONE || x->err != ENOENT ||
			    (x->tag & 1) != 0 || x->tag / 2 >= to - from)
				continue;
			i = from + x->tag / 2;
			ops[i].e.error = ops[i].kind == NFT_OP_DEL ? ENOENT :
			    DROPPED_HALF;
			dropped++;
		}
		if (dropped == 0) {
			blame(ops, from, to, n->errs, n->nerrs);
			return;
		}
	}
	for (i = from; i < to; i++)
		if (ops[i].e.error == DROPPED_HALF)
			ops[i].e.error = 0;
}

/* Send the open batch, which holds the groups of ops[from..to) that have
 * not failed; if it fails, each of them alone. */
static void
send_groups(struct nft *n, struct nft_op *ops, size_t from, size_t to)
{
	size_t g, end;

	if (nft_batch_send(n) == 0)
		return;
	for (g = from; g < to; g = end) {
		end = group_end(ops, g, to);
		if (ops[g].e.error == 0)
			apply_alone(n, ops, g, end);
	}
}

/* EINVAL for the first op of each group with a target we refuse. */
static void
validate(struct nft_op *ops, size_t count)
{
	struct nft_err why = {0, EINVAL};
	size_t g, end, i;

	for (i = 0; i < count; i++)
		ops[i].e.error = 0;
	for (g = 0; g < count; g = end) {
		end = group_end(ops, g, count);
		for (i = g; i < end && valid(&ops[i].e.target); i++)
			;
		why.tag = (uint32_t)(i - g) * 2;
		if (i < end)
			blame(ops, g, end, &why, 1);
	}
}

size_t
nft_apply(struct nft *n, struct nft_op *ops, size_t count)
{
	size_t g, end, first = 0, len, nmsg, failed = 0, i;
	bool empty = true;

	validate(ops, count);
	nft_batch_begin(n, 0);
	for (g = 0; g < count; g = end) {
		end = group_end(ops, g, count);
		if (ops[g].e.error != 0)
			continue;
		len = n->len;
		nmsg = n->nmsg;
		if (put_ops(n, ops, g, end, false) == 0 &&
		    n->len <= NFT_BATCH_MAX) {
			empty = false;
			continue;
		}
		/* Over the limit: send the batch without this group, then
		 * start the next one with it. */
		n->len = len;
		n->nmsg = nmsg;
		if (empty) {
			apply_alone(n, ops, g, end); /* EMSGSIZE, ENOMEM */
		} else {
			send_groups(n, ops, first, g);
			end = g;
		}
		nft_batch_begin(n, 0);
		empty = true;
		first = end;
	}
	if (!empty)
		send_groups(n, ops, first, count);
	for (i = 0; i < count; i++)
		failed += ops[i].e.error != 0 && !dropped_delete(&ops[i]);
	return failed;
}

/* Each element a group of its own (its index), in the order of the sets so
 * that a batch packs many into each message. */
static size_t
wrap(struct nft *n, struct nft_elem *e, size_t count, enum nft_op_kind kind)
{
	struct nft_op *ops;
	size_t i, k = 0, failed = 0;
	unsigned id;

	if (count == 0)
		return 0;
	if ((ops = malloc(count * sizeof(*ops))) == NULL) {
		for (i = 0; i < count; i++)
			e[i].error = ENOMEM;
		return count;
	}
	for (id = 0; id <= SET_NET6; id++) /* 0: the invalid ones */
		for (i = 0; i < count; i++) {
			if (valid(&e[i].target) ?
			    set_of(&e[i].target) != id : id != 0)
				continue;
			ops[k].e = e[i];
			ops[k].kind = kind;
			ops[k++].group = (uint32_t)i;
		}
	nft_apply(n, ops, count);
	for (k = 0; k < count; k++) {
		i = ops[k].group;
		e[i].error = ops[k].e.error;
		failed += e[i].error != 0;
	}
	free(ops);
	return failed;
}

size_t
nft_ban(struct nft *n, struct nft_elem *e, size_t count, bool refresh)
{
	return wrap(n, e, count, refresh ? NFT_OP_REFRESH : NFT_OP_ADD);
}

size_t
nft_unban(struct nft *n, struct nft_elem *e, size_t count)
{
	return wrap(n, e, count, NFT_OP_DEL);
}
