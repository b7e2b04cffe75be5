/*
 * nft_own: whose table is it? dominoban marks the tables it creates (an
 * nft comment, MARK, in the table's userdata) and changes no table without
 * the mark, with one exception: a table that an older dominoban made
 * before tables were marked. That one is recognised by holding exactly
 * what dominoban makes and nothing else: the sets host4 host6 net4 net6
 * ports as we declare them, one chain input (filter, input hook, policy
 * accept) whose rules all have our shape, and no other object (the
 * table's use count, which counts every chain, set, stateful object and
 * flowtable, equals those six). nft_setup() adopts it.
 *
 * The ruleset generation is read first, so that nft_setup() can send its
 * changes with it: if anything changed after our reading, the kernel
 * refuses them and setup reads again. Never writes.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/gen.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include "nft.h"
#include "nft_int.h"

/* Our mark: the table's comment, as `nft list table` shows it. */
#define MARK "dominoban"
/* What an older dominoban's table holds: host4 host6 net4 net6 ports, and
 * one rule per address set. */
#define OUR_SETS 5
#define OUR_RULES 4

/* What the table holds, as far as we can tell it from ours. */
struct census {
	const char *table;
	unsigned use;       /* the kernel's count of the table's objects */
	bool marked;
	unsigned sets;      /* ours, as we declare them */
	unsigned chains;    /* our input chain */
	unsigned rules;     /* of our shape, in it */
	unsigned foreign;   /* any other set, chain or rule */
};

/* An error inside a callback: mnl_cb_run() returns -1 with errno. */
static int
cb_fail(void)
{
	errno = ENOMEM;
	return MNL_CB_ERROR;
}

static int
gen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_gen *g = nftnl_gen_alloc();

	if (g == NULL)
		return cb_fail();
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0)
		*(uint32_t *)arg = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

static int
mark_cb(const struct nftnl_udata *a, void *arg)
{
	if (nftnl_udata_type(a) == NFTNL_UDATA_TABLE_COMMENT &&
	    nftnl_udata_len(a) == sizeof(MARK) &&
	    memcmp(nftnl_udata_get(a), MARK, sizeof(MARK)) == 0)
		*(bool *)arg = true;
	return 0;
}

static int
table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct census *c = arg;
	const void *ud;
	uint32_t len;

	if (t == NULL)
		return cb_fail();
	if (nftnl_table_nlmsg_parse(nlh, t) == 0) {
		c->use = nftnl_table_get_u32(t, NFTNL_TABLE_USE);
		if (nftnl_table_is_set(t, NFTNL_TABLE_USERDATA) &&
		    (ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA,
			 &len)) != NULL)
			nftnl_udata_parse(ud, len, mark_cb, &c->marked);
	}
	nftnl_table_free(t);
	return MNL_CB_OK;
}

static bool
is(const char *s, const char *want)
{
	return s != NULL && strcmp(s, want) == 0;
}

static int
chain_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_chain *ch = nftnl_chain_alloc();
	struct census *c = arg;

	if (ch == NULL)
		return cb_fail();
	if (nftnl_chain_nlmsg_parse(nlh, ch) == 0 &&
	    is(nftnl_chain_get_str(ch, NFTNL_CHAIN_TABLE), c->table)) {
		if (is(nftnl_chain_get_str(ch, NFTNL_CHAIN_NAME), "input") &&
		    is(nftnl_chain_get_str(ch, NFTNL_CHAIN_TYPE), "filter") &&
		    nftnl_chain_is_set(ch, NFTNL_CHAIN_HOOKNUM) &&
		    nftnl_chain_get_u32(ch, NFTNL_CHAIN_HOOKNUM) ==
			NF_INET_LOCAL_IN &&
		    nftnl_chain_get_u32(ch, NFTNL_CHAIN_POLICY) == NF_ACCEPT)
			c->chains++;
		else
			c->foreign++;
	}
	nftnl_chain_free(ch);
	return MNL_CB_OK;
}

static int
set_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_set *s = nftnl_set_alloc();
	struct census *c = arg;
	const char *name;
	enum set_id id;
	bool ours = false;

	if (s == NULL)
		return cb_fail();
	if (nftnl_set_nlmsg_parse(nlh, s) == 0 &&
	    is(nftnl_set_get_str(s, NFTNL_SET_TABLE), c->table)) {
		name = nftnl_set_get_str(s, NFTNL_SET_NAME);
		for (id = SET_HOST4; id <= SET_PORTS; id++)
			if (is(name, nft_set_names[id]))
				ours = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE) ==
				    nft_set_defs[id].type &&
				    nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN) ==
				    nft_set_defs[id].len &&
				    nftnl_set_get_u32(s, NFTNL_SET_FLAGS) ==
				    nft_set_defs[id].flags;
		if (ours)
			c->sets++;
		else
			c->foreign++;
	}
	nftnl_set_free(s);
	return MNL_CB_OK;
}

/* Does r have the shape of our rules: meta cmp meta cmp payload
 * lookup(ports) payload lookup(one of our address sets) counter, then
 * drop or reject? */
static bool
our_shape(struct nftnl_rule *r)
{
	static const char *const shape[] = {"meta", "cmp", "meta", "cmp",
	    "payload", "lookup", "payload", "lookup", "counter"};
	struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
	struct nftnl_expr *e;
	const char *name, *set;
	size_t i = 0;
	bool ok = it != NULL;

	while (ok && (e = nftnl_expr_iter_next(it)) != NULL) {
		name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
		set = is(name, "lookup") ?
		    nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET) : NULL;
		if (i < sizeof(shape) / sizeof(shape[0]))
			ok = is(name, shape[i]) &&
			    (i != 5 || is(set, "ports")) &&
			    (i != 7 || is(set, "host4") || is(set, "host6") ||
				is(set, "net4") || is(set, "net6"));
		else if (i == sizeof(shape) / sizeof(shape[0]))
			ok = is(name, "reject") || (is(name, "immediate") &&
			    nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT) ==
				NF_DROP);
		else
			ok = false;
		i++;
	}
	if (it != NULL)
		nftnl_expr_iter_destroy(it);
	return ok && i == sizeof(shape) / sizeof(shape[0]) + 1;
}

static int
rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct census *c = arg;

	if (r == NULL)
		return cb_fail();
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0 &&
	    is(nftnl_rule_get_str(r, NFTNL_RULE_TABLE), c->table)) {
		if (is(nftnl_rule_get_str(r, NFTNL_RULE_CHAIN), "input") &&
		    our_shape(r))
			c->rules++;
		else
			c->foreign++;
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* A get (flags 0) or dump (NLM_F_DUMP) of type (inet family; our table
 * named in a GETTABLE); cb reads the replies into arg. 0, or -1 with
 * errno. */
static int
ask(struct nft *n, uint16_t type, uint16_t flags, mnl_cb_t cb, void *arg)
{
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(n->buf, type,
	    type == NFT_MSG_GETGEN ? AF_UNSPEC : NFPROTO_INET,
	    flags | NLM_F_ACK, n->seq++);

	if (type == NFT_MSG_GETTABLE)
		mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, n->table);
	return nft_dump(n, nlh, cb, arg);
}

/* Read the table (its mark, its use count), then its sets, chains and
 * rules, unless it is marked and enough is true. 0, or -1 with errno
 * (ENOENT: no such table). */
static int
take_census(struct nft *n, struct census *c, bool enough)
{
	memset(c, 0, sizeof(*c));
	c->table = n->table;
	if (ask(n, NFT_MSG_GETTABLE, 0, table_cb, c) == -1)
		return -1;
	if (c->marked && enough)
		return 0;
	if (ask(n, NFT_MSG_GETSET, NLM_F_DUMP, set_cb, c) == -1 ||
	    ask(n, NFT_MSG_GETCHAIN, NLM_F_DUMP, chain_cb, c) == -1 ||
	    ask(n, NFT_MSG_GETRULE, NLM_F_DUMP, rule_cb, c) == -1)
		return -1;
	return 0;
}

int
nft_own_check(struct nft *n, uint32_t *genid)
{
	struct census c;

	*genid = 0;
	if (ask(n, NFT_MSG_GETGEN, 0, gen_cb, genid) == -1)
		return -1;
	if (take_census(n, &c, true) == -1)
		return errno == ENOENT ? NFT_OWN_NONE : -1;
	if (c.marked)
		return NFT_OWN_OURS;
	return c.foreign == 0 && c.sets == OUR_SETS && c.chains == 1 &&
		c.use == c.sets + c.chains ? NFT_OWN_OLD : NFT_OWN_FOREIGN;
}

int
nft_own_mark(struct nftnl_table *t)
{
	struct nftnl_udata_buf *u = nftnl_udata_buf_alloc(64);
	int rc;

	if (u == NULL || !nftnl_udata_put_strz(u, NFTNL_UDATA_TABLE_COMMENT,
			     MARK)) {
		nftnl_udata_buf_free(u);
		errno = ENOMEM;
		return -1;
	}
	rc = nftnl_table_set_data(t, NFTNL_TABLE_USERDATA,
	    nftnl_udata_buf_data(u), nftnl_udata_buf_len(u));
	nftnl_udata_buf_free(u);
	if (rc != 0)
		errno = ENOMEM;
	return rc != 0 ? -1 : 0;
}

int
nft_intact(struct nft *n)
{
	struct census c;

	if (take_census(n, &c, false) == -1)
		return errno == ENOENT ? 0 : -1;
	return c.marked && c.sets == OUR_SETS && c.chains == 1 &&
	    c.rules == OUR_RULES;
}
