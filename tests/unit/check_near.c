/* Unit tests for daemon/near.c: the distance, and which word is offered
 * (or none) for a misspelt key or section. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "near.h"
#include "suite_run.h"

START_TEST(test_distance)
{
	char longw[NEAR_WORD_MAX + 2];

	ck_assert_uint_eq(near_distance("", ""), 0);
	ck_assert_uint_eq(near_distance("abc", ""), 3);
	ck_assert_uint_eq(near_distance("", "abc"), 3);
	ck_assert_uint_eq(near_distance("ban_time", "ban_time"), 0);
	ck_assert_uint_eq(near_distance("ban_tim", "ban_time"), 1);
	ck_assert_uint_eq(near_distance("ban_tmie", "ban_time"), 1); /* swap */
	ck_assert_uint_eq(near_distance("BAN_TIME", "ban_time"), 0);
	ck_assert_uint_eq(near_distance("kitten", "sitting"), 3);
	ck_assert_uint_eq(near_distance("ca", "abc"), 3); /* OSA, not Damerau */
	memset(longw, 'a', sizeof(longw) - 1);
	longw[sizeof(longw) - 1] = '\0';
	ck_assert_uint_eq(near_distance(longw, "a"), NEAR_WORD_MAX + 1);
}
END_TEST

START_TEST(test_best)
{
	static const char *const keys[] = {
	    "ban_time", "ban_factor", "ban_max", "history_forget",
	    "history_max",
	};
	static const char *const sections[] = {
	    "daemon", "score", "ban", "nft", "metrics", "report", "allow",
	};
	size_t nk = sizeof(keys) / sizeof(keys[0]);
	size_t ns = sizeof(sections) / sizeof(sections[0]);

	ck_assert_str_eq(near_best("ban_tim", keys, nk), "ban_time");
	ck_assert_str_eq(near_best("bantime", keys, nk), "ban_time");
	ck_assert_str_eq(near_best("ban-max", keys, nk), "ban_max");
	ck_assert_str_eq(near_best("histroy_forget", keys, nk),
	    "history_forget");
	ck_assert_str_eq(near_best("scor", sections, ns), "score");
	ck_assert_str_eq(near_best("Daemon", sections, ns), "daemon");
	/* A word that starts with a valid one, or the other way round. */
	ck_assert_str_eq(near_best("allowlist", sections, ns), "allow");
	ck_assert_str_eq(near_best("hist", keys, nk), "history_forget");
	ck_assert_ptr_null(near_best("xyz", keys, nk));
	ck_assert_ptr_null(near_best("logs", keys, nk));
	ck_assert_ptr_null(near_best("", keys, nk));
	ck_assert_ptr_null(near_best("nope", keys, 0));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("near");
	TCase *tc = tcase_create("near");

	tcase_add_test(tc, test_distance);
	tcase_add_test(tc, test_best);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
