/* Unit tests for daemon/addr.c: parsing, canonical form, prefix math. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "suite_run.h"

static const char *
roundtrip(const char *in, char *buf, size_t size)
{
	struct addr a;

	if (addr_parse(in, strlen(in), &a) == -1)
		return "ERR";
	ck_assert_int_gt(addr_format(&a, buf, size), 0);
	return buf;
}

START_TEST(test_parse_v4)
{
	char buf[ADDR_STRLEN];
	struct addr a;

	ck_assert_str_eq(roundtrip("192.0.2.1", buf, sizeof(buf)), "192.0.2.1");
	ck_assert_int_eq(addr_parse("192.0.2.1", 9, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.len, 32);
	ck_assert(addr_is_host(&a));
	/* Not NUL-terminated: only n bytes are read. */
	ck_assert_int_eq(addr_parse("10.1.2.3xyz", 8, &a), 0);
	ck_assert_str_eq(roundtrip("0.0.0.0", buf, sizeof(buf)), "0.0.0.0");
}
END_TEST

START_TEST(test_parse_rejects)
{
	static const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1",
	    "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "[1.2.3.4]", "fe80::1%eth0",
	    "example.com", "1.2.3.4/24", "::g", "1:2:3:4:5:6:7:8:9",
	    "111.222.333.444", "0x7f.0.0.1", "localhost"};
	struct addr a;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(addr_parse(bad[i], strlen(bad[i]), &a) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
	/* An embedded NUL is never accepted. */
	ck_assert_int_eq(addr_parse("1.2\0.3.4", 8, &a), -1);
	/* Over-long input is refused without reading past n. */
	ck_assert_int_eq(addr_parse("1111:2222:3333:4444:5555:6666:7777:8888:9",
			     41, &a),
	    -1);
}
END_TEST

START_TEST(test_rfc5952)
{
	static const char *cases[][2] = {
	    {"2001:DB8::1", "2001:db8::1"},
	    {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
	    {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
	    {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
	    {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
	    {"::", "::"},
	    {"::1", "::1"},
	    {"1::", "1::"},
	    {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
	    {"::1.2.3.4", "::102:304"},
	    {"2001:db8::dead:beef", "2001:db8::dead:beef"},
	    {"fe80:0:0:0:0:0:0:0", "fe80::"},
	};
	char buf[ADDR_STRLEN];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_str_eq(roundtrip(cases[i][0], buf, sizeof(buf)),
		    cases[i][1]);
}
END_TEST

START_TEST(test_v4mapped)
{
	char buf[ADDR_STRLEN];
	struct addr a;

	ck_assert_str_eq(roundtrip("::ffff:192.0.2.7", buf, sizeof(buf)),
	    "192.0.2.7");
	ck_assert_str_eq(roundtrip("::FFFF:c000:0207", buf, sizeof(buf)),
	    "192.0.2.7");
	ck_assert_int_eq(addr_parse("::ffff:192.0.2.7", 16, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(addr_parse_prefix("::ffff:192.0.2.0/120", false, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.len, 24);
	ck_assert_int_eq(addr_parse_prefix("::ffff:192.0.2.0/64", false, &a), -1);
}
END_TEST

/* Raw kernel bytes become the same normalised struct as the text. */
START_TEST(test_from_bytes)
{
	static const uint8_t v4[4] = {192, 0, 2, 7};
	static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	    0xff, 192, 0, 2, 7};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 1};
	struct addr a, b;

	ck_assert_int_eq(addr_from_bytes(AF_INET, v4, &a), 0);
	ck_assert_int_eq(addr_parse("192.0.2.7", 9, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_int_eq(addr_from_bytes(AF_INET6, mapped, &a), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	ck_assert_int_eq(addr_from_bytes(AF_INET6, v6, &a), 0);
	ck_assert_int_eq(addr_parse("2001:db8::1", 11, &b), 0);
	ck_assert_mem_eq(&a, &b, sizeof(a));
	errno = 0;
	ck_assert_int_eq(addr_from_bytes(AF_UNIX, v6, &a), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_prefix)
{
	char buf[ADDR_STRLEN];
	struct addr p, h, m;

	ck_assert_int_eq(addr_parse_prefix("192.0.2.0/24", false, &p), 0);
	ck_assert_int_eq(p.len, 24);
	ck_assert_int_gt(addr_format(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "192.0.2.0/24");
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/24", false, &p), -1);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/24", true, &p), 0);
	ck_assert_int_gt(addr_format(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "192.0.2.0/24");
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/33", true, &p), -1);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/", true, &p), -1);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/-1", true, &p), -1);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/2x", true, &p), -1);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.1/32", false, &p), 0);
	ck_assert(addr_is_host(&p));
	ck_assert_int_eq(addr_parse_prefix("2001:db8:1:2:3::/64", true, &p), 0);
	ck_assert_int_gt(addr_format(&p, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8:1:2::/64");

	ck_assert_int_eq(addr_parse("2001:db8:1:2::77", 16, &h), 0);
	ck_assert(addr_contains(&p, &h));
	ck_assert(!addr_contains(&h, &p));
	addr_mask(&m, &h, 48);
	ck_assert(addr_contains(&m, &p));
	ck_assert_int_gt(addr_format(&m, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "2001:db8:1::/48");
	/* Different families never contain each other. */
	ck_assert_int_eq(addr_parse_prefix("0.0.0.0/0", false, &p), 0);
	ck_assert(!addr_contains(&p, &h));
	addr_mask(&m, &h, 200);
	ck_assert_int_eq(m.len, 128);
	/* Host bits are zero after a mask, so equal prefixes compare equal. */
	ck_assert_int_eq(addr_parse_prefix("198.51.100.77/23", true, &p), 0);
	ck_assert_int_eq(addr_parse_prefix("198.51.101.2/23", true, &m), 0);
	ck_assert_int_eq(addr_cmp(&p, &m), 0);
	ck_assert_int_eq(memcmp(&p, &m, sizeof(p)), 0);
}
END_TEST

START_TEST(test_next_block)
{
	char buf[ADDR_STRLEN];
	struct addr p, n;

	ck_assert_int_eq(addr_parse_prefix("192.0.2.0/24", false, &p), 0);
	ck_assert_int_eq(addr_next_block(&p, &n), 0);
	addr_format(&n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.3.0");
	ck_assert_int_eq(addr_parse_prefix("10.255.255.255", false, &p), 0);
	ck_assert_int_eq(addr_next_block(&p, &n), 0);
	addr_format(&n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "11.0.0.0");
	ck_assert_int_eq(addr_parse_prefix("255.255.255.0/24", false, &p), 0);
	ck_assert_int_eq(addr_next_block(&p, &n), -1);
	ck_assert_int_eq(addr_parse_prefix("2001:db8:0:ffff::/64", false, &p), 0);
	ck_assert_int_eq(addr_next_block(&p, &n), 0);
	addr_format(&n, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8:1::");
	ck_assert_int_eq(addr_parse_prefix("::/0", false, &p), 0);
	ck_assert_int_eq(addr_next_block(&p, &n), -1);
}
END_TEST

START_TEST(test_format_small_buffer)
{
	struct addr a;
	char buf[8];

	ck_assert_int_eq(addr_parse("2001:db8::1", 11, &a), 0);
	errno = 0;
	ck_assert_int_eq(addr_format(&a, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, ENOSPC);
	ck_assert_str_eq(buf, "");
}
END_TEST

static Suite *
addr_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_v4);
	tcase_add_test(tc, test_parse_rejects);
	tcase_add_test(tc, test_v4mapped);
	tcase_add_test(tc, test_from_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_rfc5952);
	tcase_add_test(tc, test_format_small_buffer);
	suite_add_tcase(s, tc);
	tc = tcase_create("prefix");
	tcase_add_test(tc, test_prefix);
	tcase_add_test(tc, test_next_block);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(addr_suite());
}
