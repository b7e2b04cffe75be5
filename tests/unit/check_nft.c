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

/* ---- ownership: never touch a table dominoban did not create ---------- */

/* The whole `nft list table inet name` output, malloc'd ("" if none). */
static char *
listing(const char *name)
{
	char cmd[128], *buf = NULL;
	size_t len = 0;
	FILE *f, *out = open_memstream(&buf, &len);
	int c;

	snprintf(cmd, sizeof(cmd), "nft list table inet %s 2>/dev/null", name);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(out);
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	pclose(f);
	fclose(out);
	return buf;
}

/* Load a ruleset with nft -f from text. */
static void
nft_load(const char *text)
{
	FILE *f = popen("nft -f -", "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(pclose(f), 0);
}

static const char admin_filter[] =
    "table inet filter {\n"
    "  chain input {\n"
    "    type filter hook input priority 0; policy drop;\n"
    "    ct state established,related accept\n"
    "    tcp dport 22 accept\n"
    "  }\n"
    "}\n";

/* An admin's table: setup refuses it (EEXIST) at any priority, and
 * teardown too, and not a byte of it changes. */
START_TEST(test_foreign_refused)
{
	struct nft *n;
	char *before, *after;

	ck_assert_int_eq(netns_enter(), 0);
	if (!have_nft())
		return;
	nft_load(admin_filter);
	before = listing("filter");
	ck_assert_ptr_nonnull(strstr(before, "policy drop"));
	n = nft_open("filter");
	ck_assert_ptr_nonnull(n);
	errno = 0;
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(nft_setup(n, ports, 2, true, 0), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(nft_teardown(n), -1);
	ck_assert_int_eq(errno, EEXIST);
	after = listing("filter");
	ck_assert_str_eq(after, before);
	free(before);
	free(after);
	nft_close(n);
}
END_TEST

/* What dominoban b8132ce made (no mark): the same sets, chain and rules. */
static const char old_table[] =
    "table inet dbtest {\n"
    "  set host4 { type ipv4_addr; flags timeout; }\n"
    "  set host6 { type ipv6_addr; flags timeout; }\n"
    "  set net4 { type ipv4_addr; flags interval,timeout; }\n"
    "  set net6 { type ipv6_addr; flags interval,timeout; }\n"
    "  set ports { type inet_service; elements = { 25 } }\n"
    "  chain input {\n"
    "    type filter hook input priority -10; policy accept;\n"
    "    meta nfproto ipv4 meta l4proto tcp tcp dport @ports "
    "ip saddr @host4 counter drop\n"
    "    meta nfproto ipv6 meta l4proto tcp tcp dport @ports "
    "ip6 saddr @host6 counter drop\n"
    "    meta nfproto ipv4 meta l4proto tcp tcp dport @ports "
    "ip saddr @net4 counter drop\n"
    "    meta nfproto ipv6 meta l4proto tcp tcp dport @ports "
    "ip6 saddr @net6 counter drop\n"
    "  }\n"
    "}\n";
static const char old_bans[] =
    "add element inet dbtest host4 { 192.0.2.7 timeout 1h }\n"
    "add element inet dbtest net4 { 198.51.100.0/24 timeout 2h }\n"
    "add element inet dbtest net6 { 2001:db8:1::/48 timeout 3h }\n";

/* An older dominoban's table is adopted: marked, its bans kept. */
START_TEST(test_adopt_old)
{
	struct nft *n;
	struct nft_entry *v;
	const struct nft_entry *x;
	char *text;
	ssize_t k;

	ck_assert_int_eq(netns_enter(), 0);
	if (!have_nft())
		return;
	nft_load(old_table);
	nft_load(old_bans);
	text = listing("dbtest");
	ck_assert_ptr_null(strstr(text, "comment"));
	free(text);
	n = nft_open("dbtest");
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	text = listing("dbtest");
	ck_assert_ptr_nonnull(strstr(text, "comment \"dominoban\""));
	free(text);
	ck_assert_int_eq(nft_count("nft list chain inet dbtest input",
			     "counter"), 4);
	ck_assert_int_eq(nft_intact(n), 1);
	k = nft_list(n, &v);
	ck_assert_int_eq(k, 3);
	ck_assert_ptr_nonnull(x = find(v, k, "192.0.2.7"));
	ck_assert_uint_gt(x->expires_ms, 3500000);
	ck_assert_uint_le(x->expires_ms, 3600000);
	ck_assert_ptr_nonnull(x = find(v, k, "198.51.100.0/24"));
	ck_assert_uint_gt(x->expires_ms, 7100000);
	ck_assert_ptr_nonnull(find(v, k, "2001:db8:1::/48"));
	free(v);
	/* Ours now: setup again is the plain idempotent one. */
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	ck_assert_int_eq(nft_list(n, &v), 3);
	free(v);
	nft_close(n);
}
END_TEST

/* A table that looks like ours but holds one thing more is refused (no
 * bans in it: their remaining time would differ from listing to listing). */
START_TEST(test_lookalike_refused)
{
	static const char *const extra[] = {
	    "add rule inet dbtest input tcp dport 22 accept\n",
	    "add chain inet dbtest forward\n",
	    "add counter inet dbtest hits\n",
	    "add set inet dbtest more { type ipv4_addr; }\n",
	    "chain inet dbtest input { policy drop; }\n",
	};
	struct nft *n;
	char *before, *after;
	size_t i;

	ck_assert_int_eq(netns_enter(), 0);
	if (!have_nft())
		return;
	n = nft_open("dbtest");
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		ck_assert_int_eq(system("nft flush ruleset"), 0);
		nft_load(old_table);
		nft_load(extra[i]);
		before = listing("dbtest");
		errno = 0;
		ck_assert_msg(nft_setup(n, ports, 2, false, -10) == -1 &&
			errno == EEXIST, "adopted a table with %s", extra[i]);
		after = listing("dbtest");
		ck_assert_str_eq(after, before);
		free(before);
		free(after);
	}
	nft_close(n);
}
END_TEST

/* The tables dominoban creates carry its mark. */
START_TEST(test_marked)
{
	struct nft *n = setup();
	char *text;

	if (!have_nft())
		return;
	text = listing("dbtest");
	ck_assert_ptr_nonnull(strstr(text, "comment \"dominoban\""));
	free(text);
	nft_close(n);
}
END_TEST

/* nft_intact: whole after setup, not after a flush or a lost rule. */
START_TEST(test_intact)
{
	struct nft *n = setup();

	ck_assert_int_eq(nft_intact(n), 1);
	if (!have_nft())
		return;
	ck_assert_int_eq(system("nft flush chain inet dbtest input"), 0);
	ck_assert_int_eq(nft_intact(n), 0);
	ck_assert_int_eq(nft_setup(n, ports, 2, false, -10), 0);
	ck_assert_int_eq(nft_intact(n), 1);
	ck_assert_int_eq(system("nft flush ruleset"), 0);
	ck_assert_int_eq(nft_intact(n), 0);
	nft_close(n);
}
END_TEST

/* ---- notification bursts ------------------------------------------------ */

/* A burst of our own notices that overflows the buffer is a resync, not
 * a deletion; the next read is quiet again. */
START_TEST(test_watch_overflow)
{
	struct nft *n = setup();
	struct nft_elem *e = calloc(5000, sizeof(*e));
	int fd = nft_watch_fd(n), size = 4096, i;
	socklen_t sl = sizeof(size);
	char buf[64];

	ck_assert_int_ge(fd, 0);
	if (geteuid() == 0) {
		/* The kernel reports twice what it was given. */
		ck_assert_int_eq(getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
				     &sl), 0);
		ck_assert_int_ge(size, NFT_WATCH_RCVBUF);
	}
	size = 4096;
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
			     sizeof(size)), 0);
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "10.%d.%d.1", i / 256, i % 256);
		e[i] = elem(buf, 600000);
	}
	ck_assert_uint_eq(nft_ban(n, e, 5000, false), 0);
	ck_assert_int_eq(nft_watch_read(n), NFT_WATCH_RESYNC);
	ck_assert_int_eq(nft_watch_read(n), NFT_WATCH_NONE);
	ck_assert_int_eq(nft_intact(n), 1);
	free(e);
	nft_close(n);
}
END_TEST

/* The default buffer holds the notices of a 20,000-ban batch. */
START_TEST(test_watch_burst_fits)
{
	struct nft *n = setup();
	struct nft_elem *e = calloc(20000, sizeof(*e));
	char buf[64];
	int i;

	if (geteuid() != 0)
		return; /* beyond rmem_max only with SO_RCVBUFFORCE */
	ck_assert_int_ge(nft_watch_fd(n), 0);
	for (i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:%x::%x", i, i);
		e[i] = elem(buf, 600000);
	}
	ck_assert_uint_eq(nft_ban(n, e, 20000, false), 0);
	ck_assert_int_eq(nft_watch_read(n), NFT_WATCH_NONE);
	free(e);
	nft_close(n);
}
END_TEST

/* ---- nft_apply ------------------------------------------------------------ */

static struct nft_op
op(enum nft_op_kind kind, const char *s, uint64_t timeout_ms, uint32_t group)
{
	struct nft_op o;

	memset(&o, 0, sizeof(o));
	o.e = elem(s, timeout_ms);
	o.kind = kind;
	o.group = group;
	return o;
}

/* Is s in the kernel, exactly (prefix length included)? */
static bool
listed(struct nft *n, const char *s)
{
	struct nft_entry *v;
	ssize_t k = nft_list(n, &v);
	bool hit;

	ck_assert_int_ge(k, 0);
	hit = find(v, k, s) != NULL;
	free(v);
	return hit;
}

static ssize_t
listed_count(struct nft *n)
{
	struct nft_entry *v;
	ssize_t k = nft_list(n, &v);

	free(v);
	return k;
}

/* Wider blocks replace narrower ones in one group, for both families. */
static void
check_replace(const char *narrow1, const char *narrow2, const char *wide)
{
	struct nft *n = setup();
	struct nft_op o[3];

	o[0] = op(NFT_OP_ADD, narrow1, 60000, 0);
	o[1] = op(NFT_OP_ADD, narrow2, 60000, 1);
	ck_assert_uint_eq(nft_apply(n, o, 2), 0);
	/* Without the deletes the wider block overlaps: EEXIST. */
	o[0] = op(NFT_OP_ADD, wide, 120000, 7);
	ck_assert_uint_eq(nft_apply(n, o, 1), 1);
	ck_assert_int_eq(o[0].e.error, EEXIST);
	/* With them, in the same group, it commits. */
	o[0] = op(NFT_OP_DEL, narrow1, 0, 3);
	o[1] = op(NFT_OP_DEL, narrow2, 0, 3);
	o[2] = op(NFT_OP_ADD, wide, 120000, 3);
	ck_assert_uint_eq(nft_apply(n, o, 3), 0);
	ck_assert_int_eq(o[0].e.error, 0);
	ck_assert_int_eq(o[1].e.error, 0);
	ck_assert_int_eq(o[2].e.error, 0);
	ck_assert(listed(n, wide));
	ck_assert(!listed(n, narrow1));
	ck_assert(!listed(n, narrow2));
	ck_assert_int_eq(listed_count(n), 1);
	nft_close(n);
}

START_TEST(test_apply_replace)
{
	if (_i == 0)
		check_replace("10.9.1.0/24", "10.9.2.0/24", "10.9.0.0/16");
	else
		check_replace("2001:db8:9:1::/64", "2001:db8:9:2::/64",
		    "2001:db8:9::/48");
}
END_TEST

/* One group is one transaction: when its add fails, its deletes are not
 * committed either; and it fails alone, the other groups commit. */
static void
check_group_alone(const char *narrow, const char *wide, const char *blocker,
    const char *blocked, const char *host)
{
	struct nft *n = setup();
	struct nft_op o[6];

	o[0] = op(NFT_OP_ADD, narrow, 60000, 0);
	o[1] = op(NFT_OP_ADD, blocker, 60000, 1);
	ck_assert_uint_eq(nft_apply(n, o, 2), 0);
	o[0] = op(NFT_OP_DEL, narrow, 0, 10);      /* good */
	o[1] = op(NFT_OP_ADD, wide, 60000, 10);
	o[2] = op(NFT_OP_DEL, narrow, 0, 11);      /* gone by then: dropped */
	o[3] = op(NFT_OP_ADD, blocked, 60000, 11); /* overlaps: bad */
	o[4] = op(NFT_OP_ADD, host, 60000, 12);    /* good */
	ck_assert_uint_eq(nft_apply(n, o, 5), 1);
	ck_assert_int_eq(o[0].e.error, 0);
	ck_assert_int_eq(o[1].e.error, 0);
	ck_assert_int_eq(o[2].e.error, ENOENT); /* dropped, not counted */
	ck_assert_int_eq(o[3].e.error, EEXIST);
	ck_assert_int_eq(o[4].e.error, 0);
	ck_assert(listed(n, wide));
	ck_assert(listed(n, blocker));
	ck_assert(!listed(n, blocked));
	ck_assert(listed(n, host));
	/* A failing group commits none of its ops: the delete and the good
	 * add before the bad one stay undone, and are told ECANCELED. */
	o[0] = op(NFT_OP_DEL, host, 0, 20);
	o[1] = op(NFT_OP_ADD, "192.0.2.200", 60000, 20);
	o[2] = op(NFT_OP_ADD, blocked, 60000, 20);
	ck_assert_uint_eq(nft_apply(n, o, 3), 3);
	ck_assert_int_eq(o[0].e.error, ECANCELED);
	ck_assert_int_eq(o[1].e.error, ECANCELED);
	ck_assert_int_eq(o[2].e.error, EEXIST);
	ck_assert(listed(n, host));
	ck_assert(!listed(n, "192.0.2.200"));
	ck_assert_int_eq(listed_count(n), 3);
	nft_close(n);
}

START_TEST(test_apply_group_alone)
{
	if (_i == 0)
		check_group_alone("10.9.1.0/24", "10.9.0.0/16", "10.20.5.0/24",
		    "10.20.0.0/16", "192.0.2.5");
	else
		check_group_alone("2001:db8:9:1::/64", "2001:db8:9::/48",
		    "2001:db8:20:5::/64", "2001:db8:20::/48", "2001:db8::5");
}
END_TEST

/* The narrower block had expired (or was never there): its delete fails
 * with ENOENT, is dropped, and the wider block still goes in; nft_list
 * reads the wider block back exactly. */
static void
check_expired(const char *narrow, const char *wide, const char *absent)
{
	struct nft *n = setup();
	struct nft_op o[3];
	int i;

	o[0] = op(NFT_OP_ADD, narrow, 1000, 0);
	ck_assert_uint_eq(nft_apply(n, o, 1), 0);
	ck_assert(listed(n, narrow));
	/* Wait for the kernel to expire it (not a timing assertion). */
	for (i = 0; i < 100 && listed(n, narrow); i++)
		usleep(100000);
	ck_assert(!listed(n, narrow));
	o[0] = op(NFT_OP_DEL, narrow, 0, 5);
	o[1] = op(NFT_OP_DEL, absent, 0, 5);
	o[2] = op(NFT_OP_ADD, wide, 60000, 5);
	ck_assert_uint_eq(nft_apply(n, o, 3), 0);
	ck_assert_int_eq(o[0].e.error, ENOENT);
	ck_assert_int_eq(o[1].e.error, ENOENT);
	ck_assert_int_eq(o[2].e.error, 0);
	ck_assert(listed(n, wide));
	ck_assert_int_eq(listed_count(n), 1);
	nft_close(n);
}

START_TEST(test_apply_expired)
{
	if (_i == 0)
		check_expired("10.9.1.0/24", "10.9.0.0/16", "10.9.7.0/24");
	else
		check_expired("2001:db8:9:1::/64", "2001:db8:9::/48",
		    "2001:db8:9:7::/64");
}
END_TEST

/* A refresh of something not there adds it (error 0); an invalid target
 * fails its group with EINVAL and nothing else. */
START_TEST(test_apply_refresh_invalid)
{
	struct nft *n = setup();
	struct nft_op o[4];

	o[0] = op(NFT_OP_REFRESH, "192.0.2.9", 60000, 0);
	o[1] = op(NFT_OP_REFRESH, "10.5.0.0/16", 60000, 1);
	o[2] = op(NFT_OP_ADD, "192.0.2.10", 60000, 2);
	o[3] = op(NFT_OP_ADD, "192.0.2.11", 60000, 2);
	o[3].e.target.family = 99;
	ck_assert_uint_eq(nft_apply(n, o, 4), 2);
	ck_assert_int_eq(o[0].e.error, 0);
	ck_assert_int_eq(o[1].e.error, 0);
	ck_assert_int_eq(o[2].e.error, ECANCELED);
	ck_assert_int_eq(o[3].e.error, EINVAL);
	ck_assert(listed(n, "192.0.2.9"));
	ck_assert(listed(n, "10.5.0.0/16"));
	ck_assert(!listed(n, "192.0.2.10"));
	nft_close(n);
}
END_TEST

/* A group too large for one transaction fails whole (EMSGSIZE); the
 * group after it commits. */
START_TEST(test_apply_group_too_big)
{
	struct nft *n = setup();
	struct nft_op *o = calloc(10001, sizeof(*o));
	char buf[64];
	size_t i;

	for (i = 0; i < 10000; i++) {
		snprintf(buf, sizeof(buf), "10.%zu.%zu.1", i / 256, i % 256);
		o[i] = op(NFT_OP_ADD, buf, 60000, 1);
	}
	o[10000] = op(NFT_OP_ADD, "192.0.2.1", 60000, 2);
	ck_assert_uint_eq(nft_apply(n, o, 10001), 10000);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(o[i].e.error, EMSGSIZE);
	ck_assert_int_eq(o[10000].e.error, 0);
	ck_assert_int_eq(listed_count(n), 1);
	free(o);
	nft_close(n);
}
END_TEST

/* Many groups of a replacement each, over several transactions: all
 * commit, and nft_list reads every block back exactly. */
START_TEST(test_apply_many_groups)
{
	struct nft *n = setup();
	struct nft_op *o = calloc(3 * 3000, sizeof(*o));
	struct nft_entry *v;
	char a[64], b[64], w[64];
	ssize_t k;
	int i;

	for (i = 0; i < 3000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.0/24", i / 100, (i % 100) * 2);
		snprintf(b, sizeof(b), "2001:db8:%x:1::/64", i);
		o[2 * i] = op(NFT_OP_ADD, a, 600000, (uint32_t)(2 * i));
		o[2 * i + 1] = op(NFT_OP_ADD, b, 600000, (uint32_t)(2 * i + 1));
	}
	ck_assert_uint_eq(nft_apply(n, o, 6000), 0);
	for (i = 0; i < 3000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.0/24", i / 100, (i % 100) * 2);
		snprintf(w, sizeof(w), "10.%d.%d.0/23", i / 100, (i % 100) * 2);
		o[3 * i] = op(NFT_OP_DEL, a, 0, (uint32_t)i);
		snprintf(b, sizeof(b), "2001:db8:%x:1::/64", i);
		o[3 * i + 1] = op(NFT_OP_DEL, b, 0, (uint32_t)i);
		if (i % 2)
			snprintf(w, sizeof(w), "2001:db8:%x::/48", i);
		o[3 * i + 2] = op(NFT_OP_ADD, w, 600000, (uint32_t)i);
	}
	ck_assert_uint_eq(nft_apply(n, o, 9000), 0);
	k = nft_list(n, &v);
	/* Each group: its /23 (even) or /48 (odd) in, both its blocks out. */
	ck_assert_int_eq(k, 3000);
	ck_assert_ptr_nonnull(find(v, k, "10.0.0.0/23"));
	ck_assert_ptr_nonnull(find(v, k, "2001:db8:1::/48"));
	ck_assert_ptr_nonnull(find(v, k, "10.29.196.0/23"));
	ck_assert_ptr_nonnull(find(v, k, "2001:db8:bb7::/48"));
	ck_assert_ptr_null(find(v, k, "10.0.0.0/24"));
	free(v);
	free(o);
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
	tcase_add_test(tc, test_foreign_refused);
	tcase_add_test(tc, test_adopt_old);
	tcase_add_test(tc, test_lookalike_refused);
	tcase_add_test(tc, test_marked);
	tcase_add_test(tc, test_intact);
	tcase_add_test(tc, test_watch_overflow);
	tcase_add_test(tc, test_watch_burst_fits);
	/* Loops: 0 IPv4, 1 IPv6. */
	tcase_add_loop_test(tc, test_apply_replace, 0, 2);
	tcase_add_loop_test(tc, test_apply_group_alone, 0, 2);
	tcase_add_loop_test(tc, test_apply_expired, 0, 2);
	tcase_add_test(tc, test_apply_refresh_invalid);
	tcase_add_test(tc, test_apply_group_too_big);
	tcase_add_test(tc, test_apply_many_groups);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
