/*
 * Tests for daemon/listen.c: [metrics] listen addresses, numeric only.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"
#include "suite_run.h"

START_TEST(test_valid)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)&ss;
	socklen_t len;
	const char *why;
	char buf[INET6_ADDRSTRLEN];

	ck_assert_int_eq(listen_parse("127.0.0.1:9187", &ss, &len, &why), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in));
	ck_assert_uint_eq(ntohs(s4->sin_port), 9187);
	ck_assert_str_eq(inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof(buf)),
	    "127.0.0.1");
	ck_assert_int_eq(listen_parse("0.0.0.0:65535", &ss, &len, &why), 0);
	ck_assert_uint_eq(ntohs(s4->sin_port), 65535);
	ck_assert_int_eq(listen_parse("[::1]:1", &ss, &len, &why), 0);
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert_uint_eq(ntohs(s6->sin6_port), 1);
	ck_assert_str_eq(inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof(buf)),
	    "::1");
	ck_assert_int_eq(listen_parse("[2001:db8::5]:9100", &ss, &len, &why),
	    0);
}
END_TEST

/* Names, missing or bad ports, unbracketed IPv6, junk: refused with a
 * message naming the valid forms. */
START_TEST(test_invalid)
{
	static const char *const bad[] = {
		"", ":", "9187", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:99999", "127.0.0.1:-1",
		"127.0.0.1:80x", "127.0.0.1: 80", "localhost:9187",
		"::1:9187", "[::1]", "[::1]9187", "[::1:9187", "[]:80",
		"[127.0.0.1]:80", "1.2.3:80", "256.1.1.1:80",
		"[fe80::1%eth0]:80", "127.0.0.1:000080",
		"[1111:2222:3333:4444:5555:6666:7777:8888:9999]:80",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(listen_parse(bad[i], &ss, &len, &why) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
		ck_assert_ptr_nonnull(strstr(why, "ADDR:PORT"));
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("listen");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_valid);
	tcase_add_test(tc, test_invalid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(suite());
}
