/* Unit tests for daemon/banlog.c: the record's line form (round trip,
 * cleaning of hostile text, refusal of every malformed line), the ring's
 * bound, loading a file with bad and cut lines, and which records a
 * query for an address or a netblock matches. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banlog.h"
#include "suite_run.h"

static struct ban
ban_of(const char *target, int64_t expires, const char *origin,
    const char *reason)
{
	struct ban b;

	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(addr_parse_prefix(target, false, &b.target), 0);
	b.expires = expires;
	b.offences = 2;
	snprintf(b.origin, sizeof(b.origin), "%s", origin);
	snprintf(b.reason, sizeof(b.reason), "%s", reason);
	return b;
}

START_TEST(test_round_trip)
{
	struct ban b = ban_of("203.0.113.0/24", 1000 + 3600, "local",
	    "smtp-auth=5,http-auth=1");
	struct banlog_rec r, back;
	char line[BANLOG_LINE_MAX];
	size_t n;

	banlog_make(&r, true, &b, b.reason, 1000);
	n = banlog_format(&r, line, sizeof(line));
	ck_assert_str_eq(line, "b1\t1000\tban\t203.0.113.0/24\t3600\t2\tlocal\t"
	    "smtp-auth=5,http-auth=1\t-\n");
	ck_assert_int_eq(banlog_parse(line, n - 1, &back), 0);
	ck_assert_mem_eq(&back, &r, sizeof(r));

	/* An end: how, and the time it had left. */
	banlog_make(&r, false, &b, "crowdsec deleted", 1600);
	n = banlog_format(&r, line, sizeof(line));
	ck_assert_str_eq(line, "b1\t1600\tend\t203.0.113.0/24\t3000\t2\tlocal\t"
	    "smtp-auth=5,http-auth=1\tcrowdsec deleted\n");
	ck_assert_int_eq(banlog_parse(line, n - 1, &back), 0);
	ck_assert_mem_eq(&back, &r, sizeof(r));
	/* Expired: nothing left. */
	banlog_make(&r, false, &b, "expired", 9000);
	ck_assert_int_eq(r.seconds, 0);
}
END_TEST

START_TEST(test_hostile_text)
{
	struct ban b = ban_of("2001:db8::7", 100, "crowdsec:x\ty",
	    "a\tb\nc\x7f");
	struct banlog_rec r, back;
	char line[BANLOG_LINE_MAX];
	size_t n;

	banlog_make(&r, false, &b, "peer:\tn\n", 50);
	ck_assert_str_eq(r.origin, "crowdsec:x?y");
	ck_assert_str_eq(r.reason, "a?b?c?");
	ck_assert_str_eq(r.how, "peer:?n?");
	n = banlog_format(&r, line, sizeof(line));
	ck_assert_ptr_null(memchr(line, '\n', n - 1));
	ck_assert_int_eq(banlog_parse(line, n - 1, &back), 0);
	ck_assert_mem_eq(&back, &r, sizeof(r));
}
END_TEST

START_TEST(test_refused)
{
	static const char *bad[] = {
	    "",
	    "b1",
	    "b2\t1\tban\t192.0.2.1\t1\t1\tlocal\tr\t-",
	    "b1\t1\tban\t192.0.2.1\t1\t1\tlocal\tr",
	    "b1\t1\tban\t192.0.2.1\t1\t1\tlocal\tr\t-\textra",
	    "b1\t-1\tban\t192.0.2.1\t1\t1\tlocal\tr\t-",
	    "b1\t1x\tban\t192.0.2.1\t1\t1\tlocal\tr\t-",
	    "b1\t1\tkick\t192.0.2.1\t1\t1\tlocal\tr\t-",
	    "b1\t1\tban\t192.0.2.1/24\t1\t1\tlocal\tr\t-",
	    "b1\t1\tban\texample.com\t1\t1\tlocal\tr\t-",
	    "b1\t1\tban\t192.0.2.1\t99999999999\t1\tlocal\tr\t-",
	    "b1\t1\tban\t192.0.2.1\t1\t4294967296\tlocal\tr\t-",
	    "b1\t1\tban\t192.0.2.1\t1\t1\t\tr\t-",
	    "b1\t1\tban\t192.0.2.1\t1\t1\tlocal\tr\tmanual",
	    "b1\t1\tend\t192.0.2.1\t1\t1\tlocal\tr\x01\texpired",
	    "b1\t99999999999999999999\tban\t192.0.2.1\t1\t1\tlocal\tr\t-",
	};
	struct banlog_rec r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(banlog_parse(bad[i], strlen(bad[i]), &r) == -1,
		    "accepted: %s", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

START_TEST(test_ring_and_load)
{
	static const char text[] =
	    "b1\t10\tban\t192.0.2.1\t60\t1\tlocal\tr\t-\n"
	    "garbage\n"
	    "b1\t20\tban\t192.0.2.2\t60\t1\tlocal\tr\t-\n"
	    "\xff\xfe\x00\n"
	    "b1\t30\tend\t192.0.2.1\t0\t1\tlocal\tr\texpired\n"
	    "b1\t40\tban\t192.0.2.3\t60\t1\tloc"; /* cut by a crash */
	struct banlog l;
	size_t lines, bad;

	ck_assert_int_eq(banlog_init(&l, 2), 0);
	/* The whole buffer: a NUL inside a line does not end it. */
	bad = banlog_load(&l, text, sizeof(text) - 1, &lines);
	ck_assert_int_eq(lines, 6);
	ck_assert_int_eq(bad, 3);
	/* Bounded: the two most recent, oldest first. */
	ck_assert_int_eq(l.n, 2);
	ck_assert_int_eq(banlog_at(&l, 0)->at, 20);
	ck_assert_int_eq(banlog_at(&l, 1)->at, 30);
	ck_assert_str_eq(banlog_at(&l, 1)->how, "expired");
	banlog_free(&l);
}
END_TEST

START_TEST(test_match)
{
	struct ban host = ban_of("198.51.100.7", 100, "local", "r"),
		   net = ban_of("198.51.100.0/24", 100, "manual", "manual"),
		   other = ban_of("203.0.113.9", 100, "local", "r");
	struct banlog_rec rh, rn, ro;
	struct addr q;

	banlog_make(&rh, true, &host, "r", 10);
	banlog_make(&rn, true, &net, "manual", 20);
	banlog_make(&ro, true, &other, "r", 30);
	/* An address: its own records and its covering netblock's. */
	ck_assert_int_eq(addr_parse_prefix("198.51.100.7", false, &q), 0);
	ck_assert(banlog_match(&rh, &q, 0));
	ck_assert(banlog_match(&rn, &q, 0));
	ck_assert(!banlog_match(&ro, &q, 0));
	/* A netblock: its own and everything inside it. */
	ck_assert_int_eq(addr_parse_prefix("198.51.100.0/24", false, &q), 0);
	ck_assert(banlog_match(&rh, &q, 0));
	ck_assert(banlog_match(&rn, &q, 0));
	ck_assert(!banlog_match(&ro, &q, 0));
	/* since; NULL: every record. */
	ck_assert(!banlog_match(&rh, NULL, 11));
	ck_assert(banlog_match(&ro, NULL, 30));
}
END_TEST

static Suite *
banlog_suite(void)
{
	Suite *s = suite_create("banlog");
	TCase *tc = tcase_create("format");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("ring");
	tcase_add_test(tc, test_ring_and_load);
	tcase_add_test(tc, test_match);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(banlog_suite());
}
