/*
 * Tests for nft/nft.c against the real kernel. Each test (libcheck forks
 * one process per test) enters a private network namespace first, so it
 * starts from an empty ruleset and leaves nothing behind. Without
 * namespaces the whole program exits 77: automake reports SKIP.
 * `nft` is used only as an outside oracle, when installed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "nft.h"

static const uint16_t ports[] = {2525, 25};

static struct nft *
setup(void)
{
	struct nft *n;

	ck_assert_int_eq(netns_enter(), 0);
	n = nft_open("dbtest");
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	return n;
}

static struct nft_elem
elem(const char *s, uint64_t timeout_ms)
{
	struct nft_elem e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(addr_parse_prefix(s, false, &e.target), 0);
	e.timeout_ms = timeout_ms;
	return e;
}

static const struct nft_entry *
find(const struct nft_entry *v, ssize_t n, const char *s)
{
	char buf[ADDR_STRLEN];
	ssize_t i;

	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, buf, sizeof(buf));
		if (strcmp(buf, s) == 0)
			return &v[i];
	}
	return NULL;
}

static bool
have_nft(void)
{
	return system("nft --version >/dev/null 2>&1") == 0;
}

/* Count lines of `nft list table` output containing word. */
static int
nft_count(const char *cmd, const char *word)
{
	char line[512];
	int n = 0;
	FILE *f = popen(cmd, "r");

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, word) != NULL;
	pclose(f);
	return n;
}

START_TEST(test_setup_idempotent)
{
	struct nft *n = setup();
	struct nft_counters c;

	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	ck_assert_int_eq(nft_setup(n, ports, 1, true, -10), 0);
	ck_assert_int_eq(nft_counters(n, &c), 0);
	ck_assert_uint_eq(c.packets, 0);
	if (have_nft()) {
		/* Four rules, not twelve; the last setup chose reject. */
		ck_assert_int_eq(nft_count("nft list chain inet dbtest input",
				     "counter"), 4);
		ck_assert_int_eq(nft_count("nft list chain inet dbtest input",
				     "reject with tcp reset"), 4);
		ck_assert_int_eq(nft_count("nft list set inet dbtest ports",
				     "2525"), 1);
		ck_assert_int_eq(nft_count("nft list set inet dbtest ports",
				     " 25,"), 0);
	}
	nft_close(n);
}
END_TEST

START_TEST(test_ban_list_unban)
{
	struct nft *n = setup();
	struct nft_elem e[6];
	struct nft_entry *v;
	const struct nft_entry *x;
	ssize_t k;

	e[0] = elem("192.0.2.7", 60000);
	e[1] = elem("2001:db8::7", 120000);
	e[2] = elem("198.51.100.0/24", 3600000);
	e[3] = elem("2001:db8:1:2::/64", 7200000);
	/* A host inside a banned /24 is no conflict: separate sets. */
	e[4] = elem("198.51.100.9", 60000);
	e[5] = elem("255.255.255.0/24", 60000);
	ck_assert_uint_eq(nft_ban(n, e, 6, false), 0);
	k = nft_list(n, &v);
	ck_assert_int_eq(k, 6);
	ck_assert_ptr_nonnull(x = find(v, k, "192.0.2.7"));
	ck_assert_uint_eq(x->timeout_ms, 60000);
	ck_assert_uint_le(x->expires_ms, 60000);
	ck_assert_uint_gt(x->expires_ms, 50000);
	ck_assert_ptr_nonnull(find(v, k, "2001:db8::7"));
	ck_assert_ptr_nonnull(x = find(v, k, "198.51.100.0/24"));
	ck_assert_uint_gt(x->expires_ms, 3500000);
	ck_assert_ptr_nonnull(find(v, k, "2001:db8:1:2::/64"));
	ck_assert_ptr_nonnull(find(v, k, "198.51.100.9"));
	ck_assert_ptr_nonnull(find(v, k, "255.255.255.0/24"));
	free(v);

	/* Unban two, plus one that is not there: only that one fails. */
	e[0] = elem("192.0.2.7", 0);
	e[1] = elem("203.0.113.1", 0);
	e[2] = elem("198.51.100.0/24", 0);
	ck_assert_uint_eq(nft_unban(n, e, 3), 1);
	ck_assert_int_eq(e[0].error, 0);
	ck_assert_int_eq(e[1].error, ENOENT);
	ck_assert_int_eq(e[2].error, 0);
	k = nft_list(n, &v);
	ck_assert_int_eq(k, 4);
	ck_assert_ptr_null(find(v, k, "192.0.2.7"));
	ck_assert_ptr_null(find(v, k, "198.51.100.0/24"));
	free(v);
	nft_close(n);
}
END_TEST

/* A re-add keeps the old expiry on 6.1; delete + add moves it. */
START_TEST(test_refresh)
{
	struct nft *n = setup();
	struct nft_elem e[2];
	struct nft_entry *v;
	ssize_t k;

	e[0] = elem("192.0.2.8", 10000);
	e[1] = elem("203.0.113.0/24", 10000);
	ck_assert_uint_eq(nft_ban(n, e, 2, false), 0);
	e[0].timeout_ms = e[1].timeout_ms = 900000;
	ck_assert_uint_eq(nft_ban(n, e, 2, true), 0);
	k = nft_list(n, &v);
	ck_assert_int_eq(k, 2);
	ck_assert_uint_gt(find(v, k, "192.0.2.8")->expires_ms, 800000);
	ck_assert_uint_gt(find(v, k, "203.0.113.0/24")->expires_ms, 800000);
	free(v);
	/* A refresh of something not there (expired) still bans it. */
	e[0] = elem("192.0.2.99", 5000);
	ck_assert_uint_eq(nft_ban(n, e, 1, true), 0);
	k = nft_list(n, &v);
	ck_assert_int_eq(k, 3);
	free(v);
	nft_close(n);
}
END_TEST

/* Overlapping prefixes are refused one by one; the rest still lands. */
START_TEST(test_overlap_isolated)
{
	struct nft *n = setup();
	struct nft_elem e[3];
	struct nft_entry *v;

	e[0] = elem("10.1.0.0/16", 60000);
	ck_assert_uint_eq(nft_ban(n, e, 1, false), 0);
	e[0] = elem("10.1.2.0/24", 60000);
	e[1] = elem("10.2.0.0/16", 60000);
	e[2] = elem("10.3.3.3", 60000);
	ck_assert_uint_eq(nft_ban(n, e, 3, false), 1);
	ck_assert_int_eq(e[0].error, EEXIST);
	ck_assert_int_eq(e[1].error, 0);
	ck_assert_int_eq(nft_list(n, &v), 3);
	free(v);
	nft_close(n);
}
END_TEST

/* 10,000 bans in one call: several batches, all committed. */
START_TEST(test_many)
{
	struct nft *n = setup();
	struct nft_elem *e = calloc(10000, sizeof(*e));
	struct nft_entry *v;
	char buf[64];
	int i;

	for (i = 0; i < 10000; i++) {
		if (i % 2)
			snprintf(buf, sizeof(buf), "10.%d.%d.0/24", i / 256,
			    i % 256);
		else
			snprintf(buf, sizeof(buf), "2001:db8:%x::%x", i, i);
		e[i] = elem(buf, 600000);
	}
	ck_assert_uint_eq(nft_ban(n, e, 10000, false), 0);
	ck_assert_int_eq(nft_list(n, &v), 10000);
	free(v);
	ck_assert_uint_eq(nft_unban(n, e, 10000), 0);
	ck_assert_int_eq(nft_list(n, &v), 0);
	free(v);
	free(e);
	nft_close(n);
}
END_TEST

START_TEST(test_other_tables_untouched)
{
	struct nft *n;

	ck_assert_int_eq(netns_enter(), 0);
	if (!have_nft())
		return;
	ck_assert_int_eq(system("nft add table inet other && "
				"nft add chain inet other c"), 0);
	n = nft_open("dbtest");
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	ck_assert_int_eq(nft_teardown(n), 0);
	ck_assert_int_eq(system("nft list chain inet other c >/dev/null"), 0);
	ck_assert_int_ne(system("nft list table inet dbtest >/dev/null 2>&1"),
	    0);
	nft_close(n);
}
END_TEST

/* 0 connected, 1 timed out, 2 refused. */
static int
try_connect(const char *src, const char *dst, int port)
{
	struct sockaddr_in s = {.sin_family = AF_INET};
	struct sockaddr_in d = {.sin_family = AF_INET};
	struct pollfd p;
	int fd, err = 0;
	socklen_t el = sizeof(err);

	inet_pton(AF_INET, src, &s.sin_addr);
	inet_pton(AF_INET, dst, &d.sin_addr);
	d.sin_port = htons((uint16_t)port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&s, sizeof(s)), 0);
	connect(fd, (struct sockaddr *)&d, sizeof(d));
	p.fd = fd;
	p.events = POLLOUT;
	if (poll(&p, 1, 400) == 0) {
		close(fd);
		return 1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	close(fd);
	return err == 0 ? 0 : err == ECONNREFUSED ? 2 : 3;
}

static void
listen_on(int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
}

START_TEST(test_packets_dropped)
{
	struct nft *n = setup();
	struct nft_counters c;
	struct nft_elem e[2];

	listen_on(2525);
	listen_on(2626); /* not a protected port */
	e[0] = elem("127.0.0.2", 60000);
	e[1] = elem("127.0.1.0/24", 60000);
	ck_assert_uint_eq(nft_ban(n, e, 2, false), 0);
	ck_assert_int_eq(try_connect("127.0.0.3", "127.0.0.1", 2525), 0);
	ck_assert_int_eq(try_connect("127.0.0.2", "127.0.0.1", 2525), 1);
	ck_assert_int_eq(try_connect("127.0.1.77", "127.0.0.1", 2525), 1);
	ck_assert_int_eq(try_connect("127.0.0.2", "127.0.0.1", 2626), 0);
	ck_assert_int_eq(nft_counters(n, &c), 0);
	ck_assert_uint_ge(c.packets, 2);
	/* reject: the connect fails at once with a reset. */
	ck_assert_int_eq(nft_setup(n, ports, 2, true, -10), 0);
	ck_assert_int_eq(try_connect("127.0.0.2", "127.0.0.1", 2525), 2);
	/* Unbanned: the same source gets through. */
	ck_assert_uint_eq(nft_unban(n, e, 1), 0);
	ck_assert_int_eq(try_connect("127.0.0.2", "127.0.0.1", 2525), 0);
	nft_close(n);
}
END_TEST

START_TEST(test_watch_flush)
{
	struct nft *n = setup();
	struct nft_elem e = elem("192.0.2.1", 60000);

	ck_assert_int_ge(nft_watch_fd(n), 0);
	/* Our own changes are not alarms. */
	ck_assert_uint_eq(nft_ban(n, &e, 1, false), 0);
	ck_assert_uint_eq(nft_unban(n, &e, 1), 0);
	ck_assert_int_eq(nft_watch_read(n), 0);
	if (!have_nft())
		return;
	ck_assert_int_eq(system("nft flush ruleset"), 0);
	ck_assert_int_eq(nft_watch_read(n), 1);
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	ck_assert_int_eq(nft_watch_read(n), 0);
	/* Someone else deletes one of our bans. */
	ck_assert_uint_eq(nft_ban(n, &e, 1, false), 0);
	ck_assert_int_eq(nft_watch_read(n), 0);
	ck_assert_int_eq(system("nft delete element inet dbtest host4 "
				"'{ 192.0.2.1 }'"), 0);
	ck_assert_int_eq(nft_watch_read(n), 1);
	nft_close(n);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("nft");
	TCase *tc = tcase_create("kernel");
	SRunner *sr;
	int failed;

	if (!netns_available()) {
		printf("SKIP: no network namespace (unshare refused); the "
		       "nft tests need one\n");
		return 77;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_setup_idempotent);
	tcase_add_test(tc, test_ban_list_unban);
	tcase_add_test(tc, test_refresh);
	tcase_add_test(tc, test_overlap_isolated);
	tcase_add_test(tc, test_many);
	tcase_add_test(tc, test_other_tables_untouched);
	tcase_add_test(tc, test_packets_dropped);
	tcase_add_test(tc, test_watch_flush);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
