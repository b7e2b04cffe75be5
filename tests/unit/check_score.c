/* Unit tests for daemon/score.c: decay, sketch, eviction, bounded memory. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "score_int.h"

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    14, 15, 16};

static struct addr
host(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return a;
}

START_TEST(test_decay)
{
	struct score *s = score_new(4096, seed);
	struct addr a = host("192.0.2.1");
	struct score_rec *r;

	r = score_add(s, &a, 4, 0, NULL, 1000, 600);
	ck_assert(fabs(score_value(r, 1000, 600) - 4) < 1e-6);
	/* One half-life later: half. Two: a quarter. */
	ck_assert(fabs(score_value(r, 1600, 600) - 2) < 1e-6);
	ck_assert(fabs(score_value(r, 2200, 600) - 1) < 1e-6);
	/* Adding decays first: 4 * 2^-1 + 1 = 3. */
	r = score_add(s, &a, 1, 0, NULL, 1600, 600);
	ck_assert(fabs(score_value(r, 1600, 600) - 3) < 1e-6);
	/* Time going backwards does not inflate the score. */
	ck_assert(fabs(score_value(r, 1000, 600) - 3) < 1e-6);
	ck_assert_ptr_eq(score_find(s, &a), r);
	ck_assert_uint_eq(score_count(s), 1);
	/* Weight 0 creates nothing. */
	a = host("192.0.2.2");
	ck_assert_ptr_null(score_add(s, &a, 0, 0, NULL, 1600, 600));
	ck_assert_uint_eq(score_count(s), 1);
	score_free(s);
}
END_TEST

START_TEST(test_prefix_keys_distinct)
{
	struct score *s = score_new(4096, seed);
	struct addr h = host("192.0.2.1"), n24 = host("192.0.2.0/24"),
		    n16 = host("192.0.0.0/16");

	score_add(s, &h, 1, 0, NULL, 0, 600);
	score_add(s, &n24, 2, 0, &h, 0, 600);
	score_add(s, &n16, 3, 0, &h, 0, 600);
	ck_assert(score_find(s, &h)->score == 1);
	ck_assert(score_find(s, &n24)->score == 2);
	ck_assert(score_find(s, &n16)->score == 3);
	score_free(s);
}
END_TEST

START_TEST(test_distinct_hosts)
{
	struct score *s = score_new(4096, seed);
	struct addr net = host("198.51.100.0/24"), h;
	struct score_rec *r = NULL;
	char buf[32];
	int i;

	/* Exact while small: 1, 2, 3, 4 hosts, each seen twice. */
	for (i = 1; i <= 4; i++) {
		snprintf(buf, sizeof(buf), "198.51.100.%d", i);
		h = host(buf);
		r = score_add(s, &net, 1, 0, &h, 0, 600);
		r = score_add(s, &net, 1, 0, &h, 0, 600);
		ck_assert_uint_eq(score_distinct(r), (unsigned)i);
	}
	/* Approximate beyond: 5 ... 40 hosts. */
	for (i = 5; i <= 40; i++) {
		snprintf(buf, sizeof(buf), "198.51.100.%d", i);
		h = host(buf);
		r = score_add(s, &net, 1, 0, &h, 0, 600);
		ck_assert_uint_ge(score_distinct(r), 5);
		if (i == 10) {
			ck_assert_uint_ge(score_distinct(r), 7);
			ck_assert_uint_le(score_distinct(r), 13);
		}
	}
	ck_assert_uint_ge(score_distinct(r), 28);
	ck_assert_uint_le(score_distinct(r), 55);
	score_free(s);
}
END_TEST

START_TEST(test_reasons)
{
	struct score *s = score_new(4096, seed);
	struct addr h = host("192.0.2.9");
	struct score_rec *r = NULL;
	int i;

	for (i = 0; i < 3; i++)
		r = score_add(s, &h, 1, 7, NULL, 0, 600);
	r = score_add(s, &h, 1, 2, NULL, 0, 600);
	ck_assert_uint_eq(r->pat[0], 8);
	ck_assert_uint_eq(r->cnt[0], 3);
	ck_assert_uint_eq(r->pat[1], 3);
	ck_assert_uint_eq(r->cnt[1], 1);
	score_free(s);
}
END_TEST

/*
 * A spray of 10 million distinct IPv6 hosts: the table never grows past its
 * limit, memory is what score_new() allocated, evictions are counted, and
 * a hot record survives the flood.
 */
START_TEST(test_flood_bounded)
{
	struct score *s = score_new(65536, seed);
	struct addr hot = host("2001:db8:ffff::1"), a = host("2001:db8::");
	size_t bytes = score_bytes(s);
	uint64_t i;

	score_add(s, &hot, 1000, 0, NULL, 0, 600);
	for (i = 0; i < 10000000; i++) {
		memcpy(a.a + 8, &i, sizeof(i));
		score_add(s, &a, 1, 0, NULL, (int64_t)(i / 100000), 600);
	}
	ck_assert_uint_le(score_count(s), 65536 * 2);
	ck_assert_uint_ge(score_count(s), 65536);
	ck_assert_uint_eq(sizeof(struct score_rec), 64);
	ck_assert_uint_eq(score_bytes(s), bytes);
	ck_assert_uint_ge(score_evictions(s), 10000000 - 2 * 65536);
	ck_assert_ptr_nonnull(score_find(s, &hot));
	/* At most 100 bytes per tracked record. */
	ck_assert_uint_le(bytes / score_count(s), 100);
	score_free(s);
}
END_TEST

/*
 * A flood whose records tie (100,000 new hosts a second, each seen once)
 * into a full table: eviction keeps the slots evenly filled (no run of
 * thousands of occupied slots; a sweep that took every tied record it
 * passed built runs of 15,000), and records worth more than the flood's
 * survive it.
 */
START_TEST(test_flood_ties_even)
{
	struct score *s = score_new(65536, seed);
	struct addr a = host("2001:db8::"), w = host("2001:db8:1::");
	uint64_t i;
	int k;

	for (k = 0; k < 1000; k++) {
		w.a[15] = (uint8_t)k;
		w.a[14] = (uint8_t)(k >> 8);
		score_add(s, &w, 3, 0, NULL, 0, 600);
	}
	for (i = 0; i < 2000000; i++) {
		memcpy(a.a + 8, &i, sizeof(i));
		score_add(s, &a, 1, 0, NULL, (int64_t)(i / 100000), 600);
	}
	ck_assert_uint_ge(score_evictions(s), 2000000 - 2 * 65536);
	ck_assert_uint_lt(score_longest_run(s), 1000);
	for (k = 0; k < 1000; k++) {
		w.a[15] = (uint8_t)k;
		w.a[14] = (uint8_t)(k >> 8);
		ck_assert_ptr_nonnull(score_find(s, &w));
	}
	score_free(s);
}
END_TEST

static void
count_cb(void *arg, const struct score_rec *r)
{
	(void)r;
	(*(int *)arg)++;
}

START_TEST(test_foreach_in_and_delete)
{
	struct score *s = score_new(1024, seed);
	struct addr net = host("203.0.113.0/24"), a;
	char buf[32];
	int i, n = 0;

	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "203.0.%d.%d", 113 + i / 256,
		    i % 256);
		a = host(buf);
		score_add(s, &a, 1 + i % 7, 0, NULL, i, 600);
	}
	/* Lookups still find every survivor after many evictions. */
	score_foreach_in(s, &net, count_cb, &n);
	ck_assert_int_le(n, 256);
	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "203.0.%d.%d", 113 + i / 256,
		    i % 256);
		a = host(buf);
		if (score_find(s, &a) != NULL)
			n--;
	}
	ck_assert_int_le(n, 0);
	score_free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("score");
	TCase *tc = tcase_create("arithmetic");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_decay);
	tcase_add_test(tc, test_prefix_keys_distinct);
	tcase_add_test(tc, test_distinct_hosts);
	tcase_add_test(tc, test_reasons);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounded");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_flood_bounded);
	tcase_add_test(tc, test_flood_ties_even);
	tcase_add_test(tc, test_foreach_in_and_delete);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
