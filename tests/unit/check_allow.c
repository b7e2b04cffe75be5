/*
 * Unit tests for daemon/allow.c: loopback always allowed, a target that
 * covers or lies inside an allowed entry overlaps it (a ban of either would
 * reach an allowed address), mapped IPv4 folded, the list bounded.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "allow.h"
#include "suite_run.h"

static struct addr
P(const char *s)
{
	struct addr a;

	ck_assert_msg(addr_parse_prefix(s, false, &a) == 0, "parse %s", s);
	return a;
}

static bool
overlaps(const struct allow *l, const char *s)
{
	struct addr a = P(s);

	return allow_overlaps(l, &a);
}

START_TEST(test_loopback_always)
{
	struct allow l;

	allow_init(&l);
	ck_assert_uint_eq(l.n, 2);
	ck_assert(overlaps(&l, "127.0.0.1"));
	ck_assert(overlaps(&l, "127.255.255.254"));
	ck_assert(overlaps(&l, "::1"));
	/* A block that covers loopback may not be banned either. */
	ck_assert(overlaps(&l, "0.0.0.0/0"));
	ck_assert(overlaps(&l, "::/0"));
	ck_assert(!overlaps(&l, "128.0.0.1"));
	ck_assert(!overlaps(&l, "::2"));
	ck_assert(!overlaps(&l, "2001:db8::/32"));
}
END_TEST

START_TEST(test_both_directions)
{
	struct allow l;
	struct addr a = P("192.0.2.0/25");

	allow_init(&l);
	ck_assert_int_eq(allow_add(&l, &a), 0);
	/* Inside an allowed prefix. */
	ck_assert(overlaps(&l, "192.0.2.1"));
	ck_assert(overlaps(&l, "192.0.2.64/26"));
	/* Covering it: the /24 holds allowed hosts. */
	ck_assert(overlaps(&l, "192.0.2.0/24"));
	ck_assert(overlaps(&l, "192.0.0.0/16"));
	/* Beside it. */
	ck_assert(!overlaps(&l, "192.0.2.128"));
	ck_assert(!overlaps(&l, "192.0.2.128/25"));
	ck_assert(!overlaps(&l, "198.51.100.0/24"));
	/* The other family never overlaps. */
	ck_assert(!overlaps(&l, "2001:db8::/32"));
}
END_TEST

START_TEST(test_ipv6_and_mapped)
{
	struct allow l;
	struct addr a = P("2001:db8:1::/48"), b = P("203.0.113.7");

	allow_init(&l);
	ck_assert_int_eq(allow_add(&l, &a), 0);
	ck_assert_int_eq(allow_add(&l, &b), 0);
	ck_assert(overlaps(&l, "2001:db8:1:2::3"));
	ck_assert(overlaps(&l, "2001:db8::/32"));
	ck_assert(!overlaps(&l, "2001:db8:2::/48"));
	/* ::ffff:a.b.c.d is the IPv4 host (addr.c folds it). */
	ck_assert(overlaps(&l, "::ffff:203.0.113.7"));
	ck_assert(overlaps(&l, "203.0.113.0/24"));
	ck_assert(!overlaps(&l, "203.0.113.8"));
}
END_TEST

START_TEST(test_bounded)
{
	static struct allow l;
	struct addr a = P("198.51.100.1");
	size_t i;

	allow_init(&l);
	for (i = l.n; i < ALLOW_MAX; i++)
		ck_assert_int_eq(allow_add(&l, &a), 0);
	errno = 0;
	ck_assert_int_eq(allow_add(&l, &a), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_uint_eq(l.n, ALLOW_MAX);
	ck_assert(overlaps(&l, "198.51.100.0/24"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("allow");
	TCase *tc = tcase_create("overlaps");

	tcase_add_test(tc, test_loopback_always);
	tcase_add_test(tc, test_both_directions);
	tcase_add_test(tc, test_ipv6_and_mapped);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounds");
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
