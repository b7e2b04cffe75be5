/* Unit tests for daemon/log.c: escaping of hostile text and rate limits. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "suite_run.h"

START_TEST(test_escape_plain)
{
	char buf[64];

	ck_assert_uint_eq(log_escape(buf, sizeof(buf), "jdoe@example.com", 16),
	    16);
	ck_assert_str_eq(buf, "jdoe@example.com");
}
END_TEST

START_TEST(test_escape_hostile)
{
	char buf[128];
	/* A forged record: newline, quote, key=value, NUL, high bytes. */
	static const char in[] = "x\"\nban addr=1.2.3.4\\\0\xff\xc3";

	log_escape(buf, sizeof(buf), in, sizeof(in) - 1);
	ck_assert_str_eq(buf, "x\\\"\\x0aban addr=1.2.3.4\\\\\\x00\\xff\\xc3");
	ck_assert_ptr_null(strchr(buf, '\n'));
}
END_TEST

START_TEST(test_escape_truncates)
{
	char buf[12];
	size_t n;

	n = log_escape(buf, sizeof(buf), "abcdefghijklmnopqrstuvwxyz", 26);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_str_eq(buf, "abcdefgh...");
	/* An escape sequence is never cut in half. */
	n = log_escape(buf, sizeof(buf), "abcde\x01\x02\x03", 8);
	ck_assert_str_eq(buf, "abcde...");
	ck_assert_uint_eq(log_escape(buf, 0, "abc", 3), 0);
	ck_assert_uint_eq(log_escape(buf, 1, "abc", 3), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_limit)
{
	struct log_limit l = {.burst = 3, .window = 10};
	int i, allowed = 0;

	for (i = 0; i < 10; i++)
		allowed += log_limit_allow(&l, 100);
	ck_assert_int_eq(allowed, 3);
	ck_assert(!log_limit_allow(&l, 109));
	ck_assert(log_limit_allow(&l, 110));
	/* A clock that steps back opens a new window instead of jamming. */
	ck_assert(log_limit_allow(&l, 50));
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_escape_plain);
	tcase_add_test(tc, test_escape_hostile);
	tcase_add_test(tc, test_escape_truncates);
	suite_add_tcase(s, tc);
	tc = tcase_create("limit");
	tcase_add_test(tc, test_limit);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(log_suite());
}
