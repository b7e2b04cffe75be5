/* Unit tests for daemon/ini.c: the trim both parsers use. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"

START_TEST(test_trim)
{
	char a[] = " \t key = v \t\r", b[] = "", c[] = " \r", d[] = "x\r\r";

	ck_assert_str_eq(ini_trim(a), "key = v");
	ck_assert_str_eq(ini_trim(b), "");
	ck_assert_str_eq(ini_trim(c), "");
	ck_assert_str_eq(ini_trim(d), "x");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ini");
	TCase *tc = tcase_create("trim");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_trim);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
