/* Unit tests for daemon/dur.c: what dur_format() writes, dur_parse() reads
 * back; the forms refused; the messages name the units and the bounds. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dur.h"
#include "suite_run.h"

START_TEST(test_parse)
{
	static const struct {
		const char *s;
		double want;
	} ok[] = {
	    {"90", 90}, {"0", 0}, {"1.5h", 5400}, {"30d", 30 * 86400.0},
	    {"2w", 14 * 86400.0}, {"1h30m", 5400}, {"2d12h", 216000},
	    {"1h0m", 3600}, {"5m30s", 330}, {"1w2d3h4m5s", 788645},
	    {"0.25s", 0.25}, {"1.5h30m", 7200},
	};
	static const char *const bad[] = {
	    "", "-5", "+5", "5x", "5mm", "nan", "inf", "1e3", "0x10", " 5",
	    "5 ", "1..5", ".", "h", "30m1h", "1h1h", "1h30", "1h 30m",
	    "1234567890123456s", "5s5",
	};
	double d;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_msg(dur_parse(ok[i].s, 0, 1e9, &d) == 0, "refused %s",
		    ok[i].s);
		ck_assert_msg(d == ok[i].want, "%s: %g, want %g", ok[i].s, d,
		    ok[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(dur_parse(bad[i], 0, 1e9, &d) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	ck_assert_int_eq(dur_parse("11", 0, 10, &d), -1);
	ck_assert_int_eq(errno, ERANGE);
	ck_assert_int_eq(dur_parse("0s", 1, 10, &d), -1);
	ck_assert_int_eq(errno, ERANGE);
}
END_TEST

START_TEST(test_format)
{
	static const struct {
		double s;
		const char *want;
	} cases[] = {
	    {0, "0s"}, {-5, "0s"}, {45, "45s"}, {59.9, "59s"}, {60, "1m"},
	    {330, "5m30s"}, {3600, "1h"}, {5400, "1h30m"}, {5459, "1h30m"},
	    {86400, "1d"}, {216000, "2d12h"}, {14 * 86400.0, "14d"},
	    {3650 * 86400.0, "3650d"},
	};
	char buf[DUR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dur_format(cases[i].s, buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i].want);
	}
}
END_TEST

/* Whatever list prints, --for accepts, and it is the time printed, to the
 * precision printed. */
START_TEST(test_round_trip)
{
	char buf[DUR_STRLEN];
	double s, d;

	for (s = 0; s < 400 * 86400.0; s = s * 1.37 + 1) {
		dur_format(s, buf, sizeof(buf));
		ck_assert_msg(dur_parse(buf, 0, 1e12, &d) == 0, "%g: '%s' "
		    "refused", s, buf);
		ck_assert_msg(d <= s && (s - d < 1 || (s - d) / s < 0.05),
		    "%g: '%s' read as %g", s, buf, d);
	}
}
END_TEST

START_TEST(test_error)
{
	char buf[256];

	dur_error("1x", EINVAL, 1, 3650 * 86400.0, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "'1x' is not a duration") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "s, m, h, d, w") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "from 1s to 3650d") != NULL, "%s", buf);
	dur_error("4000d", ERANGE, 1, 3650 * 86400.0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "'4000d' is out of range: from 1s to 3650d");
	dur_error("0", ERANGE, 0.25, 3600, buf, sizeof(buf));
	ck_assert_str_eq(buf, "'0' is out of range: from 0.25s to 1h");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("dur");
	TCase *tc = tcase_create("dur");

	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_error);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
