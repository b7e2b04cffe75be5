/*
 * Unit tests for daemon/enforce.c against the real kernel, each test in a
 * private network namespace (libcheck forks one process per test): the
 * table set up, element changes applied and listed, a host's and a
 * block's elements looked up, the change watch telling of a table deleted
 * behind our back and a second setup healing it; in dry run nothing is
 * touched and every change succeeds.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enforce.h"
#include "log.h"
#include "netns.h"

static struct conf c;

static struct enforce *
open_enforce(bool dry)
{
	struct enforce *e;

	ck_assert_int_eq(netns_enter(), 0);
	ck_assert_int_eq(conf_defaults(&c), 0);
	free(c.table);
	c.table = strdup("dbtest");
	c.kill_sessions = false;
	c.dry_run = dry;
	e = enforce_open(&c);
	ck_assert_ptr_nonnull(e);
	return e;
}

static struct nft_op
op(const char *s, enum nft_op_kind kind, uint64_t timeout_ms)
{
	struct nft_op o;

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(addr_parse_prefix(s, false, &o.e.target), 0);
	o.e.timeout_ms = timeout_ms;
	o.kind = kind;
	return o;
}

/* How many elements the kernel's sets hold; *has: whether s is one. */
static ssize_t
listed(struct enforce *e, const char *s, bool *has)
{
	struct nft_entry *v = NULL;
	char buf[ADDR_STRLEN];
	ssize_t n, i;

	*has = false;
	n = enforce_list(e, &v);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, buf, sizeof(buf));
		*has |= strcmp(buf, s) == 0;
	}
	free(v);
	return n;
}

START_TEST(test_apply_list_lookup)
{
	struct enforce *e = open_enforce(false);
	struct nft_op ops[3];
	struct nft_entry eh, en;
	struct enforce_stats st;
	char buf[ADDR_STRLEN];
	struct addr h;
	bool has;

	ck_assert(!enforce_dry(e));
	ck_assert(enforce_intact(e));
	ops[0] = op("192.0.2.7", NFT_OP_ADD, 3600000);
	ops[1] = op("198.51.100.0/24", NFT_OP_ADD, 3600000);
	ops[2] = op("2001:db8:bad::1", NFT_OP_ADD, 60000);
	ck_assert_uint_eq(enforce_apply(e, ops, 3), 0);
	ck_assert_int_eq(ops[0].e.error, 0);
	ck_assert_int_eq(listed(e, "198.51.100.0/24", &has), 3);
	ck_assert(has);
	ck_assert_int_eq(listed(e, "2001:db8:bad::1", &has), 3);
	ck_assert(has);
	/* A host's own element, a block's, neither. */
	ck_assert_int_eq(addr_parse("192.0.2.7", 9, &h), 0);
	ck_assert_int_eq(enforce_lookup(e, &h, &eh, &en), NFT_LOOKUP_HOST);
	ck_assert_int_eq(addr_parse("198.51.100.9", 12, &h), 0);
	ck_assert_int_eq(enforce_lookup(e, &h, &eh, &en), NFT_LOOKUP_NET);
	addr_format(&en.target, buf, sizeof(buf));
	ck_assert_str_eq(buf, "198.51.100.0/24");
	ck_assert_int_eq(addr_parse("203.0.113.1", 11, &h), 0);
	ck_assert_int_eq(enforce_lookup(e, &h, &eh, &en), 0);
	/* Unban; a delete of what is not there is what it wanted. */
	ops[0] = op("192.0.2.7", NFT_OP_DEL, 0);
	ops[1] = op("192.0.2.8", NFT_OP_DEL, 0);
	ck_assert_uint_eq(enforce_apply(e, ops, 2), 0);
	ck_assert_int_eq(listed(e, "192.0.2.7", &has), 2);
	ck_assert(!has);
	enforce_get_stats(e, &st);
	ck_assert_uint_eq(st.ban_errors, 0);
	ck_assert_int_eq(st.cut, ENFORCE_CUT_OFF);
	ck_assert_str_eq(enforce_cut_name(st.cut), "off");
	enforce_close(e);
	conf_free(&c);
}
END_TEST

START_TEST(test_watch_and_heal)
{
	struct enforce *e = open_enforce(false);
	struct nft_op o = op("192.0.2.7", NFT_OP_ADD, 3600000);
	enum enforce_watch w = ENFORCE_WATCH_NONE;
	struct pollfd pfd;
	int i;

	ck_assert_uint_eq(enforce_apply(e, &o, 1), 0);
	pfd.fd = enforce_watch_fd(e);
	pfd.events = POLLIN;
	ck_assert_int_ge(pfd.fd, 0);
	/* Our own change is no news. */
	while (poll(&pfd, 1, 100) == 1)
		ck_assert_int_eq(enforce_watch_read(e), ENFORCE_WATCH_NONE);
	/* Someone deletes the table. */
	ck_assert_int_eq(system("nft delete table inet dbtest"), 0);
	for (i = 0; i < 50 && w != ENFORCE_WATCH_CHANGED; i++)
		if (poll(&pfd, 1, 100) == 1)
			w = enforce_watch_read(e);
	ck_assert_int_eq(w, ENFORCE_WATCH_CHANGED);
	ck_assert(!enforce_intact(e));
	/* Set up again: whole, with nothing in it until the ledger puts its
	 * bans back. */
	ck_assert_int_eq(enforce_setup(e, &c), 0);
	ck_assert(enforce_intact(e));
	ck_assert_uint_eq(enforce_apply(e, &o, 1), 0);
	enforce_close(e);
	conf_free(&c);
}
END_TEST

START_TEST(test_dry_run_touches_nothing)
{
	struct enforce *e = open_enforce(true);
	struct nft_op o = op("192.0.2.7", NFT_OP_ADD, 3600000);
	struct nft_entry *v = NULL, eh, en;
	struct enforce_stats st;
	struct addr h;

	ck_assert(enforce_dry(e));
	ck_assert(enforce_intact(e));
	ck_assert_int_eq(enforce_watch_fd(e), -1);
	ck_assert_uint_eq(enforce_apply(e, &o, 1), 0);
	ck_assert_int_eq(o.e.error, 0);
	ck_assert_int_eq(enforce_list(e, &v), 0);
	free(v);
	ck_assert_int_eq(addr_parse("192.0.2.7", 9, &h), 0);
	errno = 0;
	ck_assert_int_eq(enforce_lookup(e, &h, &eh, &en), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	/* No table was made. */
	ck_assert_int_ne(system("nft list table inet dbtest >/dev/null 2>&1"),
	    0);
	enforce_get_stats(e, &st);
	ck_assert_int_eq(st.cut, ENFORCE_CUT_OFF);
	enforce_close(e);
	conf_free(&c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("enforce");
	TCase *tc = tcase_create("kernel");
	SRunner *sr;
	int failed;

	if (!netns_available()) {
		fprintf(stderr, "SKIP: no network namespace for the kernel "
		    "tests\n");
		return 77;
	}
	log_set_level(LOG_LEVEL_WARNING);
	tcase_add_test(tc, test_apply_list_lookup);
	tcase_add_test(tc, test_watch_and_heal);
	tcase_add_test(tc, test_dry_run_touches_nothing);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
