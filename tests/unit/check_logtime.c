/* Unit tests for daemon/logtime.c: every date form Domino writes. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "logtime.h"

static int64_t
t(const char *s, enum conf_date_order o)
{
	return logtime_parse(s, strlen(s), o);
}

/* 2014-06-22 09:56:12 UTC */
#define T0 1403430972

START_TEST(test_formats)
{
	ck_assert_int_eq(t("22.06.2014 09:56:12   smtp: x", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("[28325:00010-3735542592] 22.06.2014 09:56:12   x",
			     CONF_DATE_MDY), T0);
	ck_assert_int_eq(t("22-06-2014 09:56:12", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("2014-06-22 09:56:12   x", CONF_DATE_MDY), T0);
	ck_assert_int_eq(t("06/22/2014 09:56:12", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("22/06/2014 09:56:12", CONF_DATE_MDY), T0);
	ck_assert_int_eq(t("06/22/2014 09:56:12 AM  x", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("06/22/2014 09:56:12.57 AM x", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("22.06.2014 09:56:12,07 x", CONF_DATE_DMY), T0);
	ck_assert_int_eq(t("[0D14:0027-1334] 22.06.2014 09:56:12", CONF_DATE_DMY),
	    T0);
	ck_assert_int_eq(t("[007577:000017-00007F621246D700] 22.06.2014 "
			     "09:56:12   http: x", CONF_DATE_DMY), T0);
}
END_TEST

START_TEST(test_ambiguous_and_ampm)
{
	/* 01/02/2024: 1 February (DMY) or 2 January (MDY). */
	ck_assert_int_eq(t("01/02/2024 00:00:00", CONF_DATE_DMY) -
		t("01/02/2024 00:00:00", CONF_DATE_MDY), 30 * 86400);
	ck_assert_int_eq(t("12/31/2019 12:00:00 AM", CONF_DATE_DMY) % 86400, 0);
	ck_assert_int_eq(t("12/31/2019 12:00:00 PM", CONF_DATE_DMY) % 86400,
	    12 * 3600);
	ck_assert_int_eq(t("12/31/2019 05:16:40 PM  smtp:", CONF_DATE_DMY) %
		86400, 17 * 3600 + 16 * 60 + 40);
	ck_assert_int_eq(t("12/31/2019 13:00:00 PM", CONF_DATE_DMY), -1);
}
END_TEST

START_TEST(test_rejects)
{
	static const char *bad[] = {"", "blablab", "---- Starting at Fri",
	    "--- Moved log file", "31.02.2024 10:00:00", "29.02.2023 10:00:00",
	    "22.13.2014 09:56:12", "22.06.2014 24:00:00", "22.06.2014 09:60:00",
	    "22.06.2014", "22.06.14 09:56:12", "22.06/2014 09:56:12",
	    "[007577:000017-00007F621246D700] blablab", "2014-06-22T09:56:12"};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(t(bad[i], CONF_DATE_DMY) == -1, "accepted %s",
		    bad[i]);
	/* A leap day is fine; the length given is respected. */
	ck_assert_int_ne(t("29.02.2024 10:00:00", CONF_DATE_DMY), -1);
	ck_assert_int_eq(logtime_parse("22.06.2014 09:56:12", 15,
			     CONF_DATE_DMY), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logtime");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_ambiguous_and_ampm);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
