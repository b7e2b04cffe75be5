/*
 * Tests for nft/sockdiag.c against the real kernel, each in a private
 * network namespace: established sessions from a banned peer are reset,
 * on IPv4, IPv6 and IPv4 held on a dual-stack IPv6 socket, and nothing
 * else is touched. Without namespaces the program exits 77 (SKIP).
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "sockdiag.h"

static const uint16_t ports[] = {2525, 2526};

/* A listener on addr:port (v6only off for ::). */
static int
listener(int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	int fd = socket(family, SOCK_STREAM, 0), zero = 0, one = 1;

	ck_assert_int_ge(fd, 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s->sin_addr);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s->sin6_addr);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, sizeof(ss)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	return fd;
}

/* A client bound to src, connected to dst:port; the server's end of the
 * session is accepted from lfd into *server. */
static int
client(int family, const char *src, const char *dst, uint16_t port, int lfd,
    int *server)
{
	struct sockaddr_storage a, b;
	int fd = socket(family, SOCK_STREAM, 0);
	socklen_t len;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (family == AF_INET) {
		struct sockaddr_in *x = (void *)&a, *y = (void *)&b;
		x->sin_family = y->sin_family = AF_INET;
		inet_pton(AF_INET, src, &x->sin_addr);
		inet_pton(AF_INET, dst, &y->sin_addr);
		y->sin_port = htons(port);
		len = sizeof(*x);
	} else {
		struct sockaddr_in6 *x = (void *)&a, *y = (void *)&b;
		x->sin6_family = y->sin6_family = AF_INET6;
		inet_pton(AF_INET6, src, &x->sin6_addr);
		inet_pton(AF_INET6, dst, &y->sin6_addr);
		y->sin6_port = htons(port);
		len = sizeof(*x);
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, len), 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&b, len), 0);
	*server = accept(lfd, NULL, NULL);
	ck_assert_int_ge(*server, 0);
	return fd;
}

/* The peer of a reset session reads ECONNRESET; a live one would block. */
static bool
was_reset(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char c;

	if (poll(&p, 1, 1000) != 1)
		return false;
	return read(fd, &c, 1) == -1 && errno == ECONNRESET;
}

static bool
alive(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};

	return poll(&p, 1, 50) == 0;
}

static bool
match_banned(void *arg, const struct addr *peer)
{
	const struct addr *banned = arg;

	return addr_cmp(peer, banned) == 0;
}

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(s, strlen(s), &a), 0);
	return a;
}

START_TEST(test_kill_v4)
{
	struct sockdiag *d;
	struct addr bad = A("127.0.0.2");
	int l, c1, s1, c2, s2;

	ck_assert_int_eq(netns_enter(), 0);
	l = listener(AF_INET, "127.0.0.1", 2525);
	c1 = client(AF_INET, "127.0.0.2", "127.0.0.1", 2525, l, &s1);
	c2 = client(AF_INET, "127.0.0.3", "127.0.0.1", 2525, l, &s2);
	ck_assert_ptr_nonnull(d = sockdiag_open());
	ck_assert_int_eq(sockdiag_kill(d, ports, 2, match_banned, &bad), 1);
	ck_assert(was_reset(c1));
	ck_assert(alive(c2));
	ck_assert(alive(s2));
	/* Nothing left to cut. */
	ck_assert_int_eq(sockdiag_kill(d, ports, 2, match_banned, &bad), 0);
	sockdiag_close(d);
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(l);
}
END_TEST

START_TEST(test_kill_mapped_and_v6)
{
	struct sockdiag *d;
	struct addr bad4 = A("127.0.0.2"), bad6 = A("::1");
	int l, c1, s1, c2, s2;

	ck_assert_int_eq(netns_enter(), 0);
	l = listener(AF_INET6, "::", 2526);
	c1 = client(AF_INET, "127.0.0.2", "127.0.0.1", 2526, l, &s1);
	c2 = client(AF_INET6, "::1", "::1", 2526, l, &s2);
	ck_assert_ptr_nonnull(d = sockdiag_open());
	/* The v4 peer sits on an AF_INET6 socket as ::ffff:127.0.0.2. */
	ck_assert_int_eq(sockdiag_kill(d, ports, 2, match_banned, &bad4), 1);
	ck_assert(was_reset(c1));
	ck_assert(alive(c2));
	ck_assert_int_eq(sockdiag_kill(d, ports, 2, match_banned, &bad6), 1);
	ck_assert(was_reset(c2));
	sockdiag_close(d);
	close(c1);
	close(c2);
	close(s1);
	close(s2);
	close(l);
}
END_TEST

/* Sessions on other ports, and outgoing ones, are never cut. */
START_TEST(test_other_ports_untouched)
{
	static const uint16_t other[] = {25};
	struct sockdiag *d;
	struct addr bad = A("127.0.0.2");
	int l, c, s;

	ck_assert_int_eq(netns_enter(), 0);
	l = listener(AF_INET, "127.0.0.1", 2525);
	c = client(AF_INET, "127.0.0.2", "127.0.0.1", 2525, l, &s);
	ck_assert_ptr_nonnull(d = sockdiag_open());
	ck_assert_int_eq(sockdiag_kill(d, other, 1, match_banned, &bad), 0);
	ck_assert_int_eq(sockdiag_kill(d, ports, 0, match_banned, &bad), 0);
	ck_assert(alive(c));
	ck_assert(alive(s));
	sockdiag_close(d);
	close(c);
	close(s);
	close(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sockdiag");
	TCase *tc = tcase_create("kernel");
	SRunner *sr;
	int failed;

	if (!netns_available()) {
		printf("SKIP: no network namespace (unshare refused); the "
		       "sockdiag tests need one\n");
		return 77;
	}
	tcase_add_test(tc, test_kill_v4);
	tcase_add_test(tc, test_kill_mapped_and_v6);
	tcase_add_test(tc, test_other_ports_untouched);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
