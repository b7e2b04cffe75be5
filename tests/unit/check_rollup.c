/*
 * Tests for daemon/rollup.c (the hourly store: hours, retention, bounded
 * name tables, the file form) and daemon/report.c / report_html.c (the
 * period's figures and their renderings), with injected times.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "report.h"
#include "rollup.h"

#define T0 1764576000 /* 2025-12-01 08:00 UTC, a whole hour */
#define H 3600

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return a;
}

static char *
render(const struct report *rep, void (*fn)(const struct report *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(rep, f);
	fclose(f);
	return buf;
}

START_TEST(test_hours)
{
	struct rollup r;

	rollup_init(&r, 24);
	rollup_event(&r, T0 + 10, MATCH_AUTH, "smtp-auth", "bob", 3);
	rollup_event(&r, T0 + 2 * H + 5, MATCH_AUTH, "smtp-auth", NULL, 0);
	/* An older line (a backlog) goes to its own hour, in order. */
	rollup_event(&r, T0 + H + 1, MATCH_UNKNOWN_RCPT, "smtp-unknown-rcpt",
	    "a@example.com", 13);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_int_eq(r.h[0].start, T0);
	ck_assert_int_eq(r.h[1].start, T0 + H);
	ck_assert_int_eq(r.h[2].start, T0 + 2 * H);
	ck_assert_uint_eq(r.h[1].kinds[MATCH_UNKNOWN_RCPT], 1);
	ck_assert_str_eq(r.h[1].rcpts[0].s, "a@example.com");
	ck_assert_str_eq(r.h[0].users[0].s, "bob");
	/* 24 hours kept: a line 25 hours on drops the first two hours. */
	rollup_add(&r, T0 + 25 * H, RV_LINES, 5);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_int_eq(r.h[0].start, T0 + 2 * H);
	ck_assert_int_eq(r.h[1].start, T0 + 25 * H);
	/* A time before the window is refused, not stored. */
	ck_assert_ptr_null(rollup_hour(&r, T0));
	ck_assert_int_eq(errno, EINVAL);
	rollup_free(&r);
}
END_TEST

/* Exact while the names fit, then the rarest gives way; a name seen more
 * than 1/ROLLUP_NAMES of the time is never lost (space-saving). */
START_TEST(test_names_bounded)
{
	struct rollup r;
	char name[32];
	size_t i;

	rollup_init(&r, 24);
	for (i = 0; i < 5; i++)
		rollup_event(&r, T0, MATCH_AUTH, "smtp-auth", "root", 4);
	ck_assert_uint_eq(r.h[0].users[0].n, 5);
	for (i = 0; i < 50; i++)
		rollup_event(&r, T0, MATCH_AUTH, "smtp-auth", "admin", 5);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "user%zu", i);
		rollup_event(&r, T0, MATCH_AUTH, "smtp-auth", name,
		    strlen(name));
	}
	ck_assert_uint_eq(r.h[0].nusers, ROLLUP_NAMES);
	for (i = 0; i < r.h[0].nusers; i++)
		if (strcmp(r.h[0].users[i].s, "admin") == 0)
			break;
	ck_assert_uint_lt(i, ROLLUP_NAMES);
	ck_assert_uint_ge(r.h[0].users[i].n, 50);
	ck_assert_uint_eq(r.h[0].kinds[MATCH_AUTH], 1055);
	rollup_free(&r);
}
END_TEST

static void
fill(struct rollup *r)
{
	struct addr h1 = A("198.51.100.7"), n1 = A("203.0.113.0/24");
	struct addr h2 = A("2001:db8::66");

	rollup_init(r, 24 * 7);
	rollup_event(r, T0, MATCH_AUTH, "smtp-auth", "ad min%", 7);
	rollup_event(r, T0, MATCH_UNKNOWN_RCPT, "smtp-unknown-rcpt",
	    "<b>x@y\n", 8);
	rollup_ban(r, T0 + 5, &h1, ROLLUP_HOST, 1, "local", "smtp-auth=5");
	/* A reason counts the record's lines so far: 5 before, 5 now. */
	rollup_ban(r, T0 + H + 5, &h1, ROLLUP_HOST, 2, "local",
	    "smtp-auth=9,inet-auth=1");
	rollup_ban(r, T0 + H + 9, &h2, ROLLUP_HOST, 1, "local", "http-auth=5");
	rollup_ban(r, T0 + 2 * H, &n1, ROLLUP_NET, 1, "local",
	    "smtp-unknown-rcpt=15");
	rollup_add(r, T0 + 2 * H, RV_PACKETS, 12);
	rollup_add(r, T0 + 2 * H, RV_SUSPICIOUS, 3);
}

START_TEST(test_file_round_trip)
{
	struct rollup r, back;
	char *text, *again, err[128];
	size_t len, len2;

	fill(&r);
	ck_assert_int_eq(rollup_format(&r, &text, &len), 0);
	/* Attacker text never breaks a record: blanks, '%', newline
	 * escaped. */
	ck_assert_ptr_nonnull(strstr(text, "u 1 ad%20min%25\n"));
	ck_assert_ptr_nonnull(strstr(text, "r 1 <b>x@y%0A\n"));
	rollup_init(&back, 24 * 7);
	ck_assert_msg(rollup_parse(&back, text, len, err, sizeof(err)) == 0,
	    "%s", err);
	ck_assert_int_eq(rollup_format(&back, &again, &len2), 0);
	ck_assert_str_eq(again, text);
	ck_assert_uint_eq(back.h[1].nbans, 2);
	ck_assert_uint_eq(back.h[2].bans[0].tier, ROLLUP_NET);
	free(again);
	rollup_free(&back);

	/* Cut anywhere: refused whole. */
	for (len2 = 0; len2 < len; len2++) {
		rollup_init(&back, 24 * 7);
		ck_assert_int_eq(rollup_parse(&back, text, len2, err,
		    sizeof(err)), -1);
		rollup_free(&back);
	}
	free(text);
	rollup_free(&r);
}
END_TEST

START_TEST(test_file_refused)
{
	static const char *const bad[] = {
	    "dominoban-rollup 2\nend 0\n",
	    "dominoban-rollup 1\nk 1 5\nend 1\n",          /* no hour */
	    "dominoban-rollup 1\nh 1764576001\nend 1\n",   /* not whole */
	    "dominoban-rollup 1\nh 1764576000\nk 9 1\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nv nosuch 1\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nu 1 a%zz\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nu 1 a%00\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nb 1764576000 1.2.3.4 0 1 "
	    "local\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nb 1764579600 1.2.3.4 0 1 "
	    "local x\nend 2\n",                            /* outside hour */
	    "dominoban-rollup 1\nh 1764579600\nh 1764576000\nend 2\n",
	    "dominoban-rollup 1\nh 1764576000\nend 2\n",   /* count */
	    "dominoban-rollup 1\nh 1764576000\nend 1\nh 1764579600\n",
	    "dominoban-rollup 1\nh 1764576000\nk 1 99999999999999999999\n"
	    "end 2\n",
	};
	struct rollup r;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rollup_init(&r, 24);
		ck_assert_msg(rollup_parse(&r, bad[i], strlen(bad[i]), err,
		    sizeof(err)) == -1, "accepted: %s", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
		rollup_free(&r);
	}
}
END_TEST

START_TEST(test_report_figures)
{
	struct rollup r;
	struct report rep;

	fill(&r);
	ck_assert_int_eq(report_build(&rep, &r, T0 - 5, T0 + 3 * H - 1), 0);
	ck_assert_int_eq(rep.from, T0 - H);
	ck_assert_int_eq(rep.to, T0 + 3 * H);
	ck_assert_uint_eq(rep.nhours, 4);
	ck_assert_uint_eq(rep.total_kinds[MATCH_AUTH], 1);
	ck_assert_uint_eq(rep.kinds[1][MATCH_UNKNOWN_RCPT], 1);
	ck_assert_uint_eq(rep.total_tiers[ROLLUP_HOST], 3);
	ck_assert_uint_eq(rep.tiers[3][ROLLUP_NET], 1);
	ck_assert_uint_eq(rep.values[RV_PACKETS], 12);
	ck_assert_uint_eq(rep.dropped[3][0], 12);
	/* Hosts: by the attack lines of their ban that counted most, then
	 * bans. */
	ck_assert_uint_eq(rep.hosts_banned, 2);
	ck_assert_uint_eq(rep.nhosts, 2);
	ck_assert_uint_eq(rep.hosts[0].lines, 10);
	ck_assert_uint_eq(rep.hosts[0].bans, 2);
	ck_assert_uint_eq(rep.hosts[0].offences, 2);
	ck_assert_str_eq(rep.hosts[0].reasons, "smtp-auth=9,inet-auth=1");
	ck_assert_uint_eq(rep.hosts[1].lines, 5);
	ck_assert_uint_eq(rep.nets_banned, 1);
	ck_assert_str_eq(rep.nets[0].reasons, "smtp-unknown-rcpt=15");
	ck_assert_uint_eq(rep.nusers, 1);
	ck_assert_str_eq(rep.users[0].s, "ad min%");
	report_free(&rep);
	/* A period without the first hour: its ban is not counted. */
	ck_assert_int_eq(report_build(&rep, &r, T0 + H, T0 + 3 * H), 0);
	ck_assert_uint_eq(rep.hosts[0].bans, 1);
	ck_assert_uint_eq(rep.nusers, 0);
	report_free(&rep);
	ck_assert_int_eq(report_build(&rep, &r, T0, T0), -1);
	rollup_free(&r);
}
END_TEST

/* A pattern that matched for hours on end and not in the last 24 hours;
 * one burst of an attack (many lines in one hour) is no such pattern. */
START_TEST(test_silent_pattern)
{
	struct rollup r;
	struct report rep;
	int i;

	rollup_init(&r, 24 * 7);
	for (i = 0; i < 48; i++) {
		rollup_event(&r, T0 + i * H, MATCH_AUTH, "smtp-auth", "u", 1);
		if (i < 20)
			rollup_event(&r, T0 + i * H, MATCH_UNKNOWN_RCPT,
			    "smtp-unknown-rcpt", "r", 1);
	}
	for (i = 0; i < 30; i++)
		rollup_event(&r, T0 + 3 * H, MATCH_RELAY, "smtp-relay", NULL, 0);
	ck_assert_int_eq(report_build(&rep, &r, T0 + 24 * H, T0 + 48 * H), 0);
	ck_assert_uint_eq(rep.nsilent, 1);
	ck_assert_str_eq(rep.silent[0].id, "smtp-unknown-rcpt");
	ck_assert_uint_eq(rep.silent[0].before, 20);
	ck_assert_int_eq(rep.silent[0].last, T0 + 19 * H);
	report_free(&rep);
	rollup_free(&r);
}
END_TEST

/* Attacker text is escaped in every rendering; the HTML has no script,
 * no external reference, and one bar per non-zero value. */
START_TEST(test_renderings)
{
	struct rollup r;
	struct report rep;
	char *t, *p;
	size_t bars = 0;

	fill(&r);
	ck_assert_int_eq(report_build(&rep, &r, T0, T0 + 3 * H), 0);
	t = render(&rep, report_text);
	ck_assert_ptr_nonnull(strstr(t, "<b>x@y\\x0a"));
	ck_assert_ptr_nonnull(strstr(t, "198.51.100.7"));
	ck_assert_ptr_nonnull(strstr(t, "Dropped:         12 packets"));
	free(t);
	t = render(&rep, report_json);
	ck_assert_ptr_nonnull(strstr(t, "\"name\":\"<b>x@y\\u000a\""));
	free(t);
	t = render(&rep, report_html);
	ck_assert_ptr_null(strstr(t, "<b>x@y"));
	ck_assert_ptr_nonnull(strstr(t, "&lt;b&gt;x@y&#9226;"));
	ck_assert_ptr_null(strstr(t, "<script"));
	ck_assert_ptr_null(strstr(t, "src="));
	ck_assert_ptr_null(strstr(t, "href="));
	ck_assert_ptr_null(strstr(t, "url("));
	ck_assert_ptr_nonnull(strstr(t, "prefers-color-scheme: dark"));
	for (p = t; (p = strstr(p, "class=\"bar\"")) != NULL; p++)
		bars++;
	/* kinds: auth and unknown_rcpt in hour 0; tiers: host, host, net. */
	ck_assert_uint_eq(bars, 2 + 3);
	free(t);
	report_free(&rep);
	rollup_free(&r);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("rollup");
	TCase *tc = tcase_create("rollup");

	tcase_add_test(tc, test_hours);
	tcase_add_test(tc, test_names_bounded);
	tcase_add_test(tc, test_file_round_trip);
	tcase_add_test(tc, test_file_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("report");
	tcase_add_test(tc, test_report_figures);
	tcase_add_test(tc, test_silent_pattern);
	tcase_add_test(tc, test_renderings);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	setenv("TZ", "UTC", 1);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
