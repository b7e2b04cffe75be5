/*
 * Unit tests for daemon/dedupe.c: one failure in two wordings counts once,
 * in any order; one pattern never pairs with itself; the window; keys that
 * share a set.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "dedupe.h"
#include "suite_run.h"

enum { A = 1, B = 2 };

/* How many of the events (pattern letters at times t) count. */
static unsigned
counted(struct dedupe *dd, uint64_t h, const char *pats, const int64_t *t,
    double window)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; pats[i] != '\0'; i++)
		n += !dedupe_seen(dd, h, pats[i] == 'A' ? A : B, t[i], window);
	return n;
}

START_TEST(test_two_wordings_count_once)
{
	static const int64_t t[] = {100, 100, 100, 100, 101, 101};
	static const struct {
		const char *pats;
		unsigned want;
	} cases[] = {
	    {"AB", 1}, {"BA", 1}, {"ABAB", 2}, {"AABB", 2}, {"ABBA", 2},
	    {"BAAB", 2}, {"AAAB", 3}, {"ABABAB", 3}, {"AABBAB", 3},
	};
	struct dedupe *dd;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_nonnull(dd = dedupe_new());
		ck_assert_msg(counted(dd, 0x1234, cases[i].pats, t, 1) ==
			cases[i].want, "%s: want %u", cases[i].pats,
		    cases[i].want);
		dedupe_free(dd);
	}
}
END_TEST

/* Ten lockout lines of one pattern, with the same user, a second or less
 * apart: ten failures. */
START_TEST(test_one_pattern_never_pairs)
{
	static const int64_t t[] = {5, 5, 5, 6, 6, 7, 7, 7, 8, 8};
	struct dedupe *dd = dedupe_new();

	ck_assert_ptr_nonnull(dd);
	ck_assert_uint_eq(counted(dd, 0x77, "AAAAAAAAAA", t, 1), 10);
	dedupe_free(dd);
}
END_TEST

START_TEST(test_window)
{
	static const int64_t apart[] = {100, 102, 200, 201, 300, 300};
	struct dedupe *dd = dedupe_new();

	ck_assert_ptr_nonnull(dd);
	/* 2 s apart: two failures; 1 s: one; the same second: one. */
	ck_assert_uint_eq(counted(dd, 9, "AB", apart, 1), 2);
	ck_assert_uint_eq(counted(dd, 9, "AB", apart + 2, 1), 1);
	ck_assert_uint_eq(counted(dd, 9, "AB", apart + 4, 1), 1);
	/* Window 0: off. */
	ck_assert_uint_eq(counted(dd, 10, "AB", apart + 4, 0), 2);
	/* Another key never pairs. */
	ck_assert(!dedupe_seen(dd, 11, A, 400, 1));
	ck_assert(!dedupe_seen(dd, 12, B, 400, 1));
	dedupe_free(dd);
}
END_TEST

/* Keys that fall in one set: four are held at once, a fifth makes room by
 * dropping the one counted longest ago. */
START_TEST(test_set_ways)
{
	struct dedupe *dd = dedupe_new();
	uint64_t k[DEDUPE_WAYS + 1];
	size_t i;

	ck_assert_ptr_nonnull(dd);
	for (i = 0; i <= DEDUPE_WAYS; i++)
		k[i] = 5 + ((uint64_t)(i + 1) << 40); /* same set */
	for (i = 0; i < DEDUPE_WAYS; i++)
		ck_assert(!dedupe_seen(dd, k[i], A, 1000 + (int64_t)i, 10));
	for (i = 0; i < DEDUPE_WAYS; i++)
		ck_assert(dedupe_seen(dd, k[i], B, 1005, 10));
	for (i = 0; i < DEDUPE_WAYS; i++)
		ck_assert(!dedupe_seen(dd, k[i], A, 1006 + (int64_t)i, 10));
	/* The fifth key evicts k[0], counted longest ago. */
	ck_assert(!dedupe_seen(dd, k[DEDUPE_WAYS], A, 1010, 10));
	for (i = 1; i <= DEDUPE_WAYS; i++)
		ck_assert(dedupe_seen(dd, k[i], B, 1011, 10));
	ck_assert(!dedupe_seen(dd, k[0], B, 1011, 10));
	dedupe_free(dd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dedupe");
	TCase *tc = tcase_create("pairs");

	tcase_add_test(tc, test_two_wordings_count_once);
	tcase_add_test(tc, test_one_pattern_never_pairs);
	tcase_add_test(tc, test_window);
	tcase_add_test(tc, test_set_ways);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
