/*
 * Unit tests for daemon/logclock.c: events decided at their line's time,
 * within the bounds: lines without a time, late lines, lines ahead of the
 * wall clock (live), jumps ahead of the clock (confirmed or not), years the
 * score table cannot hold; a random property over all of it. The zone is
 * UTC here (check_logtime tests the local-time rules).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logclock.h"
#include "suite_run.h"

#define NO LOGCLOCK_NO_WALL

/* 2025-03-14 10:00:00 UTC */
#define T0 INT64_C(1741946400)

static struct logclock c;

static void
fresh(void)
{
	setenv("TZ", "UTC0", 1);
	logclock_init(&c);
}

/* A Domino console line dated t (UTC). */
static const char *
line_at(int64_t t)
{
	static char buf[256];
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(buf, sizeof(buf), "[001984:000017-00007F3A9C5FE700] "
	    "%02d.%02d.%04d %02d:%02d:%02d   http: IP Address [192.0.2.1] "
	    "authentication failure using internet password",
	    tm.tm_mday, tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return buf;
}

static int64_t
ev(int64_t t, int64_t wall)
{
	const char *l = line_at(t);

	return logclock_event(&c, l, strlen(l), CONF_DATE_DMY, wall);
}

static int64_t
ev_text(const char *l, int64_t wall)
{
	return logclock_event(&c, l, strlen(l), CONF_DATE_DMY, wall);
}

START_TEST(test_log_time)
{
	int i;

	fresh();
	/* Ten lines 3 s apart read at once: ten times, not one. */
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(ev(T0 + 3 * i, T0 + 600), T0 + 3 * i);
	/* A line a little out of order takes the clock's time. */
	ck_assert_int_eq(ev(T0 + 20, T0 + 600), T0 + 27);
	ck_assert_int_eq(ev(T0 + 28, NO), T0 + 28);
	ck_assert_int_eq(c.now, T0 + 28);
	ck_assert_uint_eq(c.st.untimed + c.st.ahead + c.st.jumps +
	    c.st.out_of_range, 0);
}
END_TEST

START_TEST(test_untimed)
{
	fresh();
	/* No time yet: the wall clock live, 0 in a replay. */
	ck_assert_int_eq(ev_text("http: x [192.0.2.1] authentication failure",
	    T0), T0);
	ck_assert_int_eq(ev_text("garbage", NO), 0);
	ck_assert_int_eq(c.now, -1);
	ck_assert_int_eq(ev(T0 - 50, T0), T0 - 50);
	/* Then the previous line's time, not the wall clock's. */
	ck_assert_int_eq(ev_text("no time here", T0 + 1000), T0 - 50);
	ck_assert_uint_eq(c.st.untimed, 3);
}
END_TEST

START_TEST(test_ahead_of_wall)
{
	fresh();
	ck_assert_int_eq(ev(T0, T0), T0);
	/* Within LOGCLOCK_AHEAD of the wall clock: taken. */
	ck_assert_int_eq(ev(T0 + LOGCLOCK_AHEAD, T0), T0 + LOGCLOCK_AHEAD);
	/* Two hours ahead: decided at the bound, the clock stays. */
	ck_assert_int_eq(ev(T0 + 7200, T0 + 10), T0 + 10 + LOGCLOCK_AHEAD);
	ck_assert_int_eq(c.now, T0 + LOGCLOCK_AHEAD);
	ck_assert_uint_eq(c.st.ahead, 1);
	/* It confirms no jump: the next such line is clamped again. */
	ck_assert_int_eq(ev(T0 + 7201, T0 + 10), T0 + 10 + LOGCLOCK_AHEAD);
	ck_assert_uint_eq(c.st.ahead, 2);
	ck_assert_int_eq(ev(T0 + LOGCLOCK_AHEAD + 5, T0 + 10),
	    T0 + LOGCLOCK_AHEAD + 5);
	/* No clock yet (a server whose clock is hours ahead): read time. */
	fresh();
	ck_assert_int_eq(ev(T0 + 7200, T0), T0 + LOGCLOCK_AHEAD);
	ck_assert_int_eq(ev(T0 + 7201, T0 + 1), T0 + 1 + LOGCLOCK_AHEAD);
	ck_assert_int_eq(c.now, -1);
}
END_TEST

/* Catching up on an old log, a line dated in the future freezes nothing:
 * beyond the wall clock it is bounded by it, short of it it is a jump. */
START_TEST(test_ahead_while_catching_up)
{
	int64_t wall = T0 + 86400;
	int i;

	fresh();
	ck_assert_int_eq(ev(T0, wall), T0);
	ck_assert_int_eq(ev(wall + 3 * 3600, wall), wall + LOGCLOCK_AHEAD);
	ck_assert_int_eq(ev(wall - 60, wall), wall - 60);
	for (i = 1; i <= 6; i++)
		ck_assert_int_eq(ev(T0 + 600 * i, wall), T0 + 600 * i);
	ck_assert_uint_eq(c.st.ahead, 1);
	ck_assert_uint_eq(c.st.jumps, 1);
}
END_TEST

START_TEST(test_jumps)
{
	int i;

	fresh();
	ck_assert_int_eq(ev(T0, NO), T0);
	/* One line a day ahead: decided at its time, but the clock stays and
	 * the lines after it keep their times (decay goes on). */
	ck_assert_int_eq(ev(T0 + 86400, NO), T0 + 86400);
	ck_assert_uint_eq(c.st.jumps, 1);
	ck_assert_int_eq(c.now, T0);
	for (i = 1; i <= 6; i++)
		ck_assert_int_eq(ev(T0 + 600 * i, NO), T0 + 600 * i);
	/* Exactly LOGCLOCK_JUMP ahead is no jump. */
	ck_assert_int_eq(ev(T0 + 3600 + LOGCLOCK_JUMP, NO),
	    T0 + 3600 + LOGCLOCK_JUMP);
	ck_assert_uint_eq(c.st.jumps, 1);
}
END_TEST

/* A night without events: the next line confirms the first one after it,
 * and the clock follows the lines again. The two wordings of one failure
 * after the gap get one time. */
START_TEST(test_jump_confirmed)
{
	int64_t morning = T0 + 9 * 3600;

	fresh();
	ck_assert_int_eq(ev(T0, NO), T0);
	ck_assert_int_eq(ev(morning, NO), morning);
	ck_assert_int_eq(c.now, T0);
	ck_assert_int_eq(ev(morning, NO), morning);
	ck_assert_int_eq(c.now, morning);
	ck_assert_int_eq(ev(morning + 3, NO), morning + 3);
	ck_assert_int_eq(ev(morning + 6, NO), morning + 6);
	ck_assert_uint_eq(c.st.jumps, 1);
	/* Untimed lines between the two do not spoil the confirmation. */
	ck_assert_int_eq(ev(morning + 9 * 3600, NO), morning + 9 * 3600);
	ck_assert_int_eq(ev_text("no time", NO), morning + 6);
	ck_assert_int_eq(ev(morning + 9 * 3600 + 2, NO), morning + 9 * 3600 + 2);
	/* Two lines that disagree confirm nothing. */
	fresh();
	ck_assert_int_eq(ev(T0, NO), T0);
	ck_assert_int_eq(ev(T0 + 86400, NO), T0 + 86400);
	ck_assert_int_eq(ev(T0 + 5 * 86400, NO), T0 + 5 * 86400);
	ck_assert_int_eq(c.now, T0);
	ck_assert_int_eq(ev(T0 + 60, NO), T0 + 60);
	ck_assert_uint_eq(c.st.jumps, 2);
}
END_TEST

START_TEST(test_out_of_range)
{
	fresh();
	ck_assert_int_eq(ev(T0, NO), T0);
	/* 2107 would wrap the score table's 32-bit times. */
	ck_assert_int_eq(ev_text("07.02.2107 06:28:16   smtp: x", NO), T0);
	ck_assert_int_eq(ev_text("31.12.9999 23:59:59   smtp: x", NO), T0);
	ck_assert_int_eq(ev_text("01.01.2096 00:00:01   smtp: x", NO), T0);
	ck_assert_uint_eq(c.st.out_of_range, 3);
	ck_assert_int_eq(c.now, T0);
	/* The last second accepted (a confirmed jump to it). */
	ck_assert_int_eq(ev_text("31.12.2095 23:59:59   smtp: x", NO),
	    LOGCLOCK_MAX - 1);
	ck_assert_int_eq(ev_text("01.01.2096 00:00:00   smtp: x", NO),
	    LOGCLOCK_MAX);
	ck_assert_uint_eq(c.st.out_of_range, 3);
	/* Live, the wall clock bounds it first; before any line, the wall. */
	fresh();
	ck_assert_int_eq(ev_text("01.01.2200 00:00:00   smtp: x", T0), T0);
	ck_assert_uint_eq(c.st.out_of_range, 1);
}
END_TEST

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random lines (times near and far, garbage, no time), live and replay:
 * the clock never goes back, no event is decided after LOGCLOCK_MAX, live
 * none after the wall clock's bound, none before the clock, and the clock
 * moves more than LOGCLOCK_JUMP only to confirm the line before. */
START_TEST(test_random_bounds)
{
	static const int64_t steps[] = {0, 1, 3, -2, 59, 3600, 3601, 86400,
	    -86400, 40 * 365 * 86400LL, 90 * 365 * 86400LL};
	uint64_t x = 0x9e3779b97f4a7c15ULL, r;
	int64_t t = T0, wall = T0, before, got, held;
	int i, live;

	for (live = 0; live < 2; live++) {
		fresh();
		for (i = 0; i < 200000; i++) {
			r = next_rand(&x);
			t += steps[r % 11] * ((r >> 8) % 4 == 0 ? 1 : 0) +
			    (int64_t)((r >> 16) % 5);
			if (t < 0 || t > 99 * 365 * 86400LL + T0)
				t = T0;
			wall += (int64_t)((r >> 24) % 3);
			before = c.now;
			held = c.pending;
			if ((r >> 32) % 50 == 0)
				got = ev_text("12.34.5678 junk", live ? wall : NO);
			else
				got = ev(t, live ? wall : NO);
			/* libcheck records every passing assertion: only
			 * a violation is asserted. */
			if (c.now < before || c.now > LOGCLOCK_MAX ||
			    got > LOGCLOCK_MAX ||
			    (live && got > wall + LOGCLOCK_AHEAD) ||
			    (before >= 0 && (got < before ||
				(c.now > before + LOGCLOCK_JUMP &&
				    !(held >= 0 && c.now <= held + LOGCLOCK_JUMP &&
					c.now >= held - LOGCLOCK_JUMP)))))
				ck_abort_msg("line %d (%s): t %lld wall %lld: clock "
				    "%lld -> %lld, decided at %lld", i,
				    live ? "live" : "replay", (long long)t,
				    (long long)wall, (long long)before,
				    (long long)c.now, (long long)got);
		}
		ck_assert_uint_gt(c.st.untimed, 0);
		ck_assert_uint_gt(c.st.jumps, 0);
		ck_assert_uint_gt(c.st.out_of_range, 0);
		if (live)
			ck_assert_uint_gt(c.st.ahead, 0);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logclock");
	TCase *tc = tcase_create("clock");

	tcase_add_test(tc, test_log_time);
	tcase_add_test(tc, test_untimed);
	tcase_add_test(tc, test_ahead_of_wall);
	tcase_add_test(tc, test_ahead_while_catching_up);
	tcase_add_test(tc, test_jumps);
	tcase_add_test(tc, test_jump_confirmed);
	tcase_add_test(tc, test_out_of_range);
	tcase_add_test(tc, test_random_bounds);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
