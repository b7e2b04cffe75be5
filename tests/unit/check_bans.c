/*
 * Tests for daemon/bans.c: the daemon's ban table, checked against a naive
 * list under random adds and deletes, and prefix coverage.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bans.h"

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16};

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return a;
}

START_TEST(test_put_find_del)
{
	struct bans *b = bans_new(seed);
	struct addr h = A("192.0.2.1"), n = A("192.0.2.0/24");
	struct ban *v;

	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(bans_find(b, &h));
	v = bans_put(b, &h);
	ck_assert_ptr_nonnull(v);
	v->expires = 100;
	v->offences = 2;
	ck_assert_ptr_eq(bans_put(b, &h), v);
	ck_assert_int_eq((int)bans_put(b, &n)->expires, 0);
	ck_assert_uint_eq(bans_count(b), 2);
	/* A host and the prefix holding it are different bans. */
	ck_assert_int_eq((int)bans_find(b, &h)->expires, 100);
	bans_del(b, &h);
	ck_assert_ptr_null(bans_find(b, &h));
	ck_assert_ptr_nonnull(bans_find(b, &n));
	ck_assert_uint_eq(bans_count(b), 1);
	bans_del(b, &h); /* absent: no-op */
	ck_assert_uint_eq(bans_count(b), 1);
	bans_free(b);
}
END_TEST

/* Key k of the random test: a third IPv6, the rest IPv4. */
static struct addr
key(unsigned k)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	a.family = k % 3 == 0 ? AF_INET6 : AF_INET;
	a.len = a.family == AF_INET ? 32 : 128;
	a.a[0] = a.family == AF_INET ? 10 : 0x20;
	a.a[1] = (uint8_t)(k >> 8);
	a.a[2] = (uint8_t)k;
	return a;
}

/* 200,000 random operations over 5,000 keys, against a flag array. */
START_TEST(test_random_against_reference)
{
	enum { KEYS = 5000, OPS = 200000 };
	static bool present[KEYS];
	struct bans *b = bans_new(seed);
	struct addr a;
	size_t i, n = 0, seen;
	unsigned k;

	memset(present, 0, sizeof(present));
	srandom(7);
	for (i = 0; i < OPS; i++) {
		k = (unsigned)random() % KEYS;
		a = key(k);
		if (random() % 3 == 0) {
			bans_del(b, &a);
			n -= present[k];
			present[k] = false;
		} else {
			ck_assert_ptr_nonnull(bans_put(b, &a));
			n += !present[k];
			present[k] = true;
		}
		ck_assert_uint_eq(bans_count(b), n);
	}
	for (k = 0, seen = 0; k < KEYS; k++) {
		a = key(k);
		ck_assert_int_eq(bans_find(b, &a) != NULL, present[k]);
		seen += present[k];
	}
	/* Iteration visits each ban once. */
	for (i = 0; i < bans_count(b); i++)
		ck_assert_ptr_eq(bans_find(b, &bans_at(b, i)->target),
		    bans_at(b, i));
	ck_assert_uint_eq(seen, bans_count(b));
	ck_assert_ptr_null(bans_at(b, bans_count(b)));
	bans_free(b);
}
END_TEST

START_TEST(test_cover)
{
	struct bans *b = bans_new(seed);
	struct addr h = A("203.0.113.7"), n = A("198.51.100.0/24");
	struct addr n6 = A("2001:db8:1::/48");

	bans_put(b, &h)->expires = 1000;
	bans_put(b, &n)->expires = 1000;
	bans_put(b, &n6)->expires = 500;
	ck_assert(bans_cover(b, &h, 999));
	ck_assert(!bans_cover(b, &h, 1000)); /* expired */
	h = A("198.51.100.200");
	ck_assert(bans_cover(b, &h, 10));
	h = A("198.51.101.1");
	ck_assert(!bans_cover(b, &h, 10));
	h = A("2001:db8:1:ffff::1");
	ck_assert(bans_cover(b, &h, 10));
	ck_assert(!bans_cover(b, &h, 600));
	bans_del(b, &n);
	h = A("198.51.100.200");
	ck_assert(!bans_cover(b, &h, 10));
	bans_free(b);
}
END_TEST

static Suite *
bans_suite(void)
{
	Suite *s = suite_create("bans");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_put_find_del);
	tcase_add_test(tc, test_random_against_reference);
	tcase_add_test(tc, test_cover);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(bans_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
