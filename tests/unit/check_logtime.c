/*
 * Unit tests for daemon/logtime.c: every date form Domino writes, and
 * local time in Europe/Berlin across both daylight saving changes, with
 * the previous line's time injected.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logclock.h"
#include "logtime.h"
#include "suite_run.h"

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

/* 2025-10-26: Europe/Berlin goes from 03:00 CEST back to 02:00 CET at
 * 01:00 UTC, so 02:00-02:59 local happens twice. */
#define UTC_0030 INT64_C(1761438600)   /* 02:30 CEST */
#define UTC_0130 (UTC_0030 + 3600)     /* 02:30 CET */

static struct logtime_zone z;

/* Europe/Berlin, or false when the zone is not installed (glibc then
 * falls back to UTC). */
static bool
berlin(void)
{
	time_t summer = 1751371200; /* 2025-07-01 12:00 UTC */
	struct tm tm;

	setenv("TZ", "Europe/Berlin", 1);
	logtime_zone_init(&z);
	return localtime_r(&summer, &tm) != NULL && tm.tm_gmtoff == 7200;
}

/* Civil seconds of a local "DD.MM.YYYY HH:MM:SS". */
static int64_t
civil(const char *s)
{
	return t(s, CONF_DATE_DMY);
}

START_TEST(test_local_plain)
{
	ck_assert(berlin());
	/* Winter +1, summer +2. */
	ck_assert_int_eq(logtime_local(&z, civil("14.03.2025 10:00:00"), -1),
	    INT64_C(1741942800));
	ck_assert_int_eq(logtime_local(&z, civil("01.07.2025 14:00:00"), -1),
	    INT64_C(1751371200));
	/* The hour skipped in spring (30.03.2025 02:00-02:59) is read with
	 * the offset before the change, as mktime() does. */
	ck_assert_int_eq(logtime_local(&z, civil("30.03.2025 02:30:00"), -1),
	    INT64_C(1743298200));
	ck_assert_int_eq(logtime_local(&z, civil("30.03.2025 03:00:00"), -1),
	    INT64_C(1743296400));
}
END_TEST

START_TEST(test_local_repeated_hour)
{
	int64_t c = civil("26.10.2025 02:30:00");

	ck_assert(berlin());
	/* No previous line: the first occurrence. */
	ck_assert_int_eq(logtime_local(&z, c, -1), UTC_0030);
	/* After 02:20 CEST: still the first pass. */
	ck_assert_int_eq(logtime_local(&z, c, UTC_0030 - 600), UTC_0030);
	/* After 02:50 CEST: the clock went back, this is 02:30 CET. */
	ck_assert_int_eq(logtime_local(&z, c, UTC_0030 + 1200), UTC_0130);
	/* After 02:10 CET (the second pass under way): 02:30 CET. */
	ck_assert_int_eq(logtime_local(&z, c, UTC_0130 - 1200), UTC_0130);
	/* A line a little out of order stays in the first pass. */
	ck_assert_int_eq(logtime_local(&z, c,
	    UTC_0030 + LOGTIME_DST_SLACK), UTC_0030);
	ck_assert_int_eq(logtime_local(&z, c,
	    UTC_0030 + LOGTIME_DST_SLACK + 1), UTC_0130);
	/* The hours around it have one reading whatever came before. */
	ck_assert_int_eq(logtime_local(&z, civil("26.10.2025 01:59:59"),
	    UTC_0130), UTC_0030 - 1801);
	ck_assert_int_eq(logtime_local(&z, civil("26.10.2025 03:00:00"), -1),
	    UTC_0130 + 1800);
}
END_TEST

/* A log running through the autumn change, a line every 5 minutes from
 * 01:00 CEST to 04:00 CET (local times 01:00 .. 02:55, 02:00 .. 04:00):
 * through logtime_local() with the previous time, and through the clock
 * (replay), every line is 300 s after the one before. */
START_TEST(test_local_through_autumn)
{
	char line[64];
	struct logclock c;
	int64_t prev = -1, got, first = UTC_0030 - 5400;
	int i, h, m, pass2;

	ck_assert(berlin());
	logclock_init(&c);
	for (i = 0; i <= 48; i++) {
		/* 01:00 + 5 min * i, the hour 02 twice. */
		h = 1 + i * 5 / 60;
		m = i * 5 % 60;
		pass2 = h >= 3;
		if (pass2)
			h -= 1;
		snprintf(line, sizeof(line), "26.10.2025 %02d:%02d:00   smtp: x",
		    h, m);
		got = logtime_local(&z, civil(line), prev);
		ck_assert_msg(got == first + 300 * i, "%s: %lld, want %lld",
		    line, (long long)got, (long long)(first + 300 * i));
		prev = got;
		ck_assert_int_eq(logclock_event(&c, line, strlen(line),
		    CONF_DATE_DMY, LOGCLOCK_NO_WALL), first + 300 * i);
	}
	ck_assert_uint_eq(c.st.jumps + c.st.untimed, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logtime");
	TCase *tc = tcase_create("parse");
	bool zone = berlin();

	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_ambiguous_and_ampm);
	tcase_add_test(tc, test_rejects);
	suite_add_tcase(s, tc);
	if (zone) {
		tc = tcase_create("local");
		tcase_add_test(tc, test_local_plain);
		tcase_add_test(tc, test_local_repeated_hour);
		tcase_add_test(tc, test_local_through_autumn);
		suite_add_tcase(s, tc);
	}
	if (suite_run_failed(s) != 0)
		return EXIT_FAILURE;
	if (!zone) {
		fprintf(stderr, "SKIP: tzdata has no Europe/Berlin: the local "
		    "time tests did not run\n");
		return 77;
	}
	return EXIT_SUCCESS;
}
