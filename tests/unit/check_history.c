/*
 * Unit tests for daemon/history.c: offences counted per address, forgotten
 * after the quiet time, compaction that keeps the recent half and every
 * active ban, a limit that grows when active bans alone fill it, entries
 * restored and walked.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "history.h"
#include "suite_run.h"

static const uint8_t seed[16] = {1, 2, 3, 4, 5, 6, 7, 8};

/* 10.(i >> 16).(i >> 8).i */
static struct addr
host(unsigned i)
{
	char s[32];
	struct addr a;

	snprintf(s, sizeof(s), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255,
	    i & 255);
	ck_assert_int_eq(addr_parse(s, strlen(s), &a), 0);
	return a;
}

START_TEST(test_offences_count_up)
{
	struct history *h = history_new(seed, 64, 3600);
	struct history_entry *e;
	struct addr a = host(1), b = host(2);

	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_null(history_find(h, &a));
	ck_assert_uint_eq(history_offence(h, &a, 1000, &e), 1);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->last, 1000);
	e->expires = 1600;
	ck_assert_uint_eq(history_offence(h, &a, 2000, &e), 2);
	ck_assert_uint_eq(history_offence(h, &b, 2000, &e), 1);
	ck_assert_uint_eq(history_offence(h, &a, 2500, &e), 3);
	ck_assert_uint_eq(history_count(h), 2);
	e = history_find(h, &a);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 3);
	ck_assert_int_eq(e->last, 2500);
	history_free(h);
}
END_TEST

START_TEST(test_forgotten_after_quiet)
{
	struct history *h = history_new(seed, 64, 3600);
	struct history_entry *e;
	struct addr a = host(7);

	ck_assert_uint_eq(history_offence(h, &a, 1000, &e), 1);
	ck_assert_uint_eq(history_offence(h, &a, 1000 + 3600, &e), 2);
	/* More than forget seconds after the last: a first offence again. */
	ck_assert_uint_eq(history_offence(h, &a, 1000 + 7201, &e), 1);
	/* New limits on reload: a shorter memory applies at once. */
	history_set_limits(h, 64, 60);
	ck_assert_uint_eq(history_offence(h, &a, 1000 + 7262, &e), 1);
	history_free(h);
}
END_TEST

static void
sum(void *arg, const struct history_entry *e)
{
	unsigned long *n = arg;

	n[0]++;
	n[1] += e->count;
}

START_TEST(test_compaction_keeps_recent_and_active)
{
	struct history *h = history_new(seed, 100, 1000000);
	struct history_entry *e;
	struct addr a;
	unsigned long n[2] = {0, 0};
	unsigned i;

	/* 100 offences, one a second; the first one's ban is still on. */
	for (i = 0; i < 100; i++) {
		a = host(i);
		ck_assert_uint_eq(history_offence(h, &a, 1000 + i, &e), 1);
		e->expires = i == 0 ? 1000000 : 1000 + i + 10;
	}
	ck_assert_uint_eq(history_count(h), 100);
	/* The 101st finds it full: the older half goes, bar the active ban. */
	a = host(100);
	ck_assert_uint_eq(history_offence(h, &a, 2000, &e), 1);
	ck_assert_uint_le(history_count(h), 53);
	ck_assert_uint_ge(history_count(h), 50);
	a = host(0);
	ck_assert_ptr_nonnull(history_find(h, &a));
	a = host(1);
	ck_assert_ptr_null(history_find(h, &a));
	a = host(99);
	ck_assert_ptr_nonnull(history_find(h, &a));
	history_foreach(h, sum, n);
	ck_assert_uint_eq(n[0], history_count(h));
	ck_assert_uint_eq(n[1], history_count(h));
	history_free(h);
}
END_TEST

START_TEST(test_limit_grows_for_active_bans)
{
	struct history *h = history_new(seed, 64, 60);
	struct history_entry *e;
	struct addr a;
	unsigned i;

	/* Every entry an active ban for a year: none may be forgotten, so
	 * the table grows instead of dropping one. */
	for (i = 0; i < 1000; i++) {
		a = host(i);
		ck_assert_uint_eq(history_offence(h, &a, 1000 + i, &e), 1);
		ck_assert_ptr_nonnull(e);
		e->expires = 1000 + 365 * 86400;
	}
	ck_assert_uint_eq(history_count(h), 1000);
	for (i = 0; i < 1000; i++) {
		a = host(i);
		ck_assert_ptr_nonnull(history_find(h, &a));
	}
	history_free(h);
}
END_TEST

START_TEST(test_add_restores)
{
	struct history *h = history_new(seed, 64, 3600);
	struct history_entry *e;
	struct addr a = host(42);

	e = history_add(h, &a, 5000);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->count, 0);
	e->count = 4;
	e->last = 4990;
	e->expires = 9000;
	/* The next offence is the fifth. */
	ck_assert_uint_eq(history_offence(h, &a, 5000, &e), 5);
	ck_assert_int_eq(e->expires, 9000);
	/* Adding it again finds the same entry. */
	ck_assert_ptr_eq(history_add(h, &a, 5000), history_find(h, &a));
	ck_assert_uint_eq(history_count(h), 1);
	history_free(h);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("history");
	TCase *tc;

	tc = tcase_create("offences");
	tcase_add_test(tc, test_offences_count_up);
	tcase_add_test(tc, test_forgotten_after_quiet);
	tcase_add_test(tc, test_add_restores);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounds");
	tcase_add_test(tc, test_compaction_keeps_recent_and_active);
	tcase_add_test(tc, test_limit_grows_for_active_bans);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
