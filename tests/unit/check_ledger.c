/*
 * Tests for daemon/ledger.c, the owner of the ban lifecycle, against the
 * real kernel: each test enters a private network namespace (libcheck
 * forks one process per test), sets up a table through enforce, and
 * compares the ledger's table with what the kernel lists. Time is
 * injected. Without namespaces the program exits 77 (SKIP).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ledger.h"
#include "log.h"
#include "netns.h"

#define T0 1790000000

static struct conf c;
static struct allow al;
static size_t nlifted;
static char last_lifted[ADDR_STRLEN];

static void
on_lifted(void *arg, const struct addr *a)
{
	(void)arg;
	nlifted++;
	addr_format(a, last_lifted, sizeof(last_lifted));
}

static size_t nbanned, nended;

static void
observe(void *arg, bool banned, const struct ban *b, const char *how,
    int64_t now)
{
	(void)arg;
	(void)b;
	(void)how;
	(void)now;
	if (banned)
		nbanned++;
	else
		nended++;
}

static struct ledger *
setup(struct enforce **e)
{
	static const uint8_t seed[16] = {1, 2, 3};
	struct ledger_cb cb = {on_lifted, NULL};
	struct ledger *l;

	ck_assert_int_eq(netns_enter(), 0);
	ck_assert_int_eq(conf_defaults(&c), 0);
	free(c.table);
	c.table = strdup("dbtest");
	c.kill_sessions = false;
	c.wide4_prefix = 16;
	c.wide6_prefix = 48;
	allow_init(&al);
	*e = enforce_open(&c);
	ck_assert_ptr_nonnull(*e);
	l = ledger_new(seed, *e, &al, &c, &cb);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(ledger_observe(l, observe, NULL), 0);
	nlifted = nbanned = nended = 0;
	return l;
}

static void
teardown(struct ledger *l, struct enforce *e)
{
	ledger_free(l);
	enforce_close(e);
	conf_free(&c);
}

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return a;
}

static int
ban(struct ledger *l, const char *s, uint32_t secs, int64_t now)
{
	struct ledger_req r;

	memset(&r, 0, sizeof(r));
	r.target = A(s);
	r.seconds = secs;
	r.offences = 1;
	r.reason = "test";
	r.origin = "local";
	return ledger_ban(l, &r, now);
}

/* Is s an element of the kernel's sets? Its remaining ms into *ms. */
static bool
in_kernel(struct enforce *e, const char *s, uint64_t *ms)
{
	struct nft_entry *v = NULL;
	char buf[ADDR_STRLEN];
	ssize_t n, i;
	bool found = false;

	n = enforce_list(e, &v);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, buf, sizeof(buf));
		if (strcmp(buf, s) == 0) {
			found = true;
			if (ms != NULL)
				*ms = v[i].expires_ms;
		}
	}
	free(v);
	return found;
}

static enum ban_kstate
kstate(struct ledger *l, const char *s)
{
	struct addr a = A(s);
	const struct ban *b = bans_find(ledger_bans(l), &a);

	ck_assert_msg(b != NULL, "%s not in the ledger", s);
	return (enum ban_kstate)b->kstate;
}

/* Make the kernel disagree with a ledger holding 198.51.100.1, behind its
 * back: that element deleted, 203.0.113.9 added (and with count 3, the
 * block 192.0.2.0/24). */
static void
disagree(struct nft *n, struct nft_op *op, size_t count)
{
	memset(op, 0, count * sizeof(*op));
	op[0].e.target = A("198.51.100.1");
	op[0].kind = NFT_OP_DEL;
	op[1].e.target = A("203.0.113.9");
	op[1].e.timeout_ms = 3600000;
	op[1].kind = NFT_OP_ADD;
	op[1].group = 1;
	if (count > 2) {
		op[2].e.target = A("192.0.2.0/24");
		op[2].e.timeout_ms = 3600000;
		op[2].kind = NFT_OP_ADD;
		op[2].group = 2;
	}
	ck_assert_uint_eq(nft_apply(n, op, count), 0);
}

/* A wider net ban replaces the narrower elements in one transaction; they
 * stay in the ledger as covered and come back when it ends, a second
 * before the kernel would drop it. */
START_TEST(test_wider_replaces_narrower)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	uint64_t ms = 0;

	ck_assert_int_eq(ban(l, "10.9.1.0/24", 600, T0), 0);
	ck_assert_int_eq(ban(l, "10.9.2.0/24", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert(in_kernel(e, "10.9.1.0/24", NULL));
	ck_assert_int_eq(ban(l, "10.9.0.0/16", 100, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert(in_kernel(e, "10.9.0.0/16", NULL));
	ck_assert(!in_kernel(e, "10.9.1.0/24", NULL));
	ck_assert(!in_kernel(e, "10.9.2.0/24", NULL));
	ck_assert_int_eq(kstate(l, "10.9.1.0/24"), BAN_SHADOWED);
	ck_assert_int_eq(kstate(l, "10.9.0.0/16"), BAN_HELD);
	/* A narrower ban inside it is recorded, covered, not an element. */
	ck_assert_int_eq(ban(l, "10.9.3.0/24", 900, T0 + 10), 0);
	ledger_flush(l, T0 + 10, NULL);
	ck_assert_int_eq(kstate(l, "10.9.3.0/24"), BAN_SHADOWED);
	ck_assert(!in_kernel(e, "10.9.3.0/24", NULL));
	/* Nothing due yet. */
	ck_assert_uint_eq(ledger_expire(l, T0 + 50), 0);
	ledger_flush(l, T0 + 50, NULL);
	ck_assert(in_kernel(e, "10.9.0.0/16", NULL));
	/* One second before its end the /16 hands over. */
	ck_assert_uint_eq(ledger_expire(l, T0 + 99), 1);
	ledger_flush(l, T0 + 99, NULL);
	ck_assert(!in_kernel(e, "10.9.0.0/16", NULL));
	ck_assert(in_kernel(e, "10.9.1.0/24", &ms));
	/* With its own remaining time: 600 - 99 s. */
	ck_assert_uint_le(ms, 501 * 1000);
	ck_assert_uint_gt(ms, 495 * 1000);
	ck_assert(in_kernel(e, "10.9.3.0/24", NULL));
	ck_assert_int_eq(kstate(l, "10.9.2.0/24"), BAN_HELD);
	/* Four bans announced once each when held; one ended. */
	ck_assert_uint_eq(nbanned, 4);
	ck_assert_uint_eq(nended, 1);
	teardown(l, e);
}
END_TEST

START_TEST(test_wider_replaces_narrower_v6)
{
	struct enforce *e;
	struct ledger *l = setup(&e);

	ck_assert_int_eq(ban(l, "2001:db8:7:1::/64", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert_int_eq(ban(l, "2001:db8:7::/48", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert(in_kernel(e, "2001:db8:7::/48", NULL));
	ck_assert(!in_kernel(e, "2001:db8:7:1::/64", NULL));
	/* Lifting the /48 puts the /64 back. */
	ck_assert_int_eq(ledger_unban(l, &(struct addr){0}, "x", T0), -1);
	{
		struct addr w = A("2001:db8:7::/48");
		ck_assert_int_eq(ledger_unban(l, &w, "manual", T0 + 5), 0);
	}
	ledger_flush(l, T0 + 5, NULL);
	ck_assert(!in_kernel(e, "2001:db8:7::/48", NULL));
	ck_assert(in_kernel(e, "2001:db8:7:1::/64", NULL));
	ck_assert_uint_eq(nlifted, 1);
	teardown(l, e);
}
END_TEST

/* A ban counts only once the kernel took it: with the table gone, the
 * ban is refused, dropped from the ledger and reported. */
START_TEST(test_refused_not_held)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct ledger_stats st;
	struct nft *n = nft_open("dbtest");
	struct addr a = A("192.0.2.44");
	size_t failed = 0;

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(nft_teardown(n), 0);
	ck_assert_int_eq(ban(l, "192.0.2.44", 600, T0), 0);
	ledger_flush(l, T0, &failed);
	ck_assert_uint_ge(failed, 1);
	/* Never held, so never announced: observers publish nothing. */
	ck_assert_uint_eq(nbanned, 0);
	ck_assert_uint_eq(nended, 0);
	ck_assert_ptr_null(bans_find(ledger_bans(l), &a));
	ck_assert_uint_eq(nlifted, 1);
	ck_assert_str_eq(last_lifted, "192.0.2.44");
	ledger_get_stats(l, T0, &st);
	ck_assert_uint_eq(st.refused, 1);
	ck_assert_uint_eq(st.active, 0);
	nft_close(n);
	teardown(l, e);
}
END_TEST

/* Allowed addresses are absolute: a ban overlapping them is refused, and
 * a ban that the allowlist grew into is split around it. */
START_TEST(test_allowlist_split)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct addr host = A("10.8.1.200"), p;
	const struct bans *bs;
	size_t i, total = 0;

	ck_assert_int_eq(ban(l, "10.8.1.0/24", 600, T0), 0);
	ck_assert_int_eq(ban(l, "10.8.1.200", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert_int_eq(allow_add(&al, &host), 0);
	errno = 0;
	ck_assert_int_eq(ban(l, "10.8.1.0/24", 600, T0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_uint_eq(ledger_apply_allow(l, T0 + 1), 2);
	ledger_flush(l, T0 + 1, NULL);
	ck_assert(!in_kernel(e, "10.8.1.0/24", NULL));
	ck_assert(!in_kernel(e, "10.8.1.200", NULL));
	/* The pieces cover the /24 but the allowed host, once each. */
	bs = ledger_bans(l);
	for (i = 0; i < bans_count(bs); i++) {
		p = bans_at(bs, i)->target;
		ck_assert(!addr_contains(&p, &host));
		ck_assert(addr_contains(&(struct addr){AF_INET, 24, {0, 0},
		    {10, 8, 1, 0}}, &p));
		total += (size_t)1 << (32 - p.len);
		ck_assert_int_eq(bans_at(bs, i)->kstate, BAN_HELD);
		{
			char s[ADDR_STRLEN];
			addr_format(&p, s, sizeof(s));
			ck_assert_msg(in_kernel(e, s, NULL), "%s", s);
		}
	}
	ck_assert_uint_eq(total, 255);
	teardown(l, e);
}
END_TEST

/* Reconcile: the kernel agrees with the ledger both ways. */
START_TEST(test_reconcile_both_ways)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct nft *n = nft_open("dbtest");
	struct nft_op op[2];

	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(ban(l, "198.51.100.1", 600, T0), 0);
	ck_assert_int_eq(ban(l, "198.51.100.2", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	disagree(n, op, 2);
	ck_assert_uint_eq(ledger_reconcile(l, T0 + 1, "test", false), 2);
	ck_assert(in_kernel(e, "198.51.100.1", NULL));
	ck_assert(!in_kernel(e, "203.0.113.9", NULL));
	ck_assert(in_kernel(e, "198.51.100.2", NULL));
	ck_assert_uint_eq(ledger_reconcile(l, T0 + 2, "test", false), 0);
	/* At start, unknown timed elements are adopted instead. */
	op[1].e.error = 0;
	ck_assert_uint_eq(nft_apply(n, &op[1], 1), 0);
	ledger_reconcile(l, T0 + 3, "restore", true);
	ck_assert(in_kernel(e, "203.0.113.9", NULL));
	ck_assert_str_eq(bans_find(ledger_bans(l), &op[1].e.target)->origin,
	    "kernel");
	nft_close(n);
	teardown(l, e);
}
END_TEST

/* The periodic recheck does the same in a forked child, its differences
 * read from a pipe a part at a time: what the kernel lacks is put back,
 * foreign elements of both kinds of set are deleted, and a ban the kernel
 * takes after the fork is neither deleted nor put back. */
START_TEST(test_recheck_in_child)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct nft *n = nft_open("dbtest");
	struct ledger_stats st;
	struct nft_op op[3];
	struct pollfd pfd;
	char s[32];
	int fd, rc, reads = 0, i;

	ck_assert_ptr_nonnull(n);
	/* More differences than one read takes. */
	for (i = 0; i < 2000; i++) {
		snprintf(s, sizeof(s), "10.1.%d.%d", i / 250, i % 250 + 1);
		ck_assert_int_eq(ban(l, s, 600, T0), 0);
	}
	ck_assert_int_eq(ban(l, "198.51.100.1", 600, T0), 0);
	ledger_flush(l, T0, NULL);
	/* The kernel loses every ban, and gains two elements. */
	ck_assert_int_eq(nft_teardown(n), 0);
	ck_assert_int_eq(enforce_setup(e, &c), 0);
	disagree(n, op, 3);

	fd = ledger_recheck_start(l, T0 + 1);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ledger_recheck_start(l, T0 + 1), -1); /* one at a time */
	/* Taken by the kernel after the fork. */
	ck_assert_int_eq(ban(l, "198.51.100.7", 600, T0 + 1), 0);
	ledger_flush(l, T0 + 1, NULL);
	pfd.fd = fd;
	pfd.events = POLLIN;
	do {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
		rc = ledger_recheck_read(l, T0 + 1);
		reads++;
	} while (rc == 0);
	ledger_recheck_close(l);
	ck_assert_int_gt(reads, 2);
	ledger_flush(l, T0 + 1, NULL);
	ck_assert(!in_kernel(e, "203.0.113.9", NULL));
	ck_assert(!in_kernel(e, "192.0.2.0/24", NULL));
	ck_assert(in_kernel(e, "198.51.100.1", NULL));
	ck_assert(in_kernel(e, "198.51.100.7", NULL));
	ck_assert(in_kernel(e, "10.1.7.250", NULL));
	ledger_get_stats(l, T0 + 1, &st);
	ck_assert_uint_eq(st.put_back, 2001);
	ck_assert_uint_eq(st.removed, 2);
	ck_assert_uint_eq(st.reconciles, 1);
	/* Over: a new one may start, and finds nothing to do. */
	fd = ledger_recheck_start(l, T0 + 3);
	ck_assert_int_ge(fd, 0);
	pfd.fd = fd;
	do {
		ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
	} while (ledger_recheck_read(l, T0 + 3) == 0);
	ck_assert_int_eq(ledger_recheck_start(l, T0 + 3), -1); /* not closed */
	ledger_recheck_close(l);
	ledger_get_stats(l, T0 + 3, &st);
	ck_assert_uint_eq(st.reconciles, 1);
	/* One stopped midway leaves no child behind. */
	ck_assert_int_ge(ledger_recheck_start(l, T0 + 4), 0);
	ledger_recheck_close(l);
	ck_assert_int_ge(ledger_recheck_start(l, T0 + 5), 0);
	nft_close(n);
	teardown(l, e);
}
END_TEST

/* Never-source targets and over-wide prefixes are refused. */
START_TEST(test_refuses_what_is_no_attacker)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	static const char *never[] = {"224.0.0.5", "239.0.0.0/8",
	    "255.255.255.255", "0.0.0.0", "0.1.2.3", "::", "ff02::1"};
	struct ledger_req r;
	size_t i;

	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		errno = 0;
		ck_assert_int_eq(ban(l, never[i], 60, T0), -1);
		ck_assert_int_eq(errno, EINVAL);
	}
	errno = 0;
	ck_assert_int_eq(ban(l, "128.0.0.0/1", 60, T0), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_int_eq(ban(l, "10.0.0.0/8", 60, T0), -1);
	memset(&r, 0, sizeof(r));
	r.target = A("10.0.0.0/8");
	r.seconds = 60;
	r.reason = r.origin = "manual";
	r.force = true;
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	ck_assert_uint_eq(bans_count(ledger_bans(l)), 1);
	teardown(l, e);
}
END_TEST

/* A restore caps a decided ban's remaining time at ban_max. */
START_TEST(test_restore_caps)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct ban b;

	memset(&b, 0, sizeof(b));
	b.target = A("192.0.2.99");
	b.expires = T0 + 10 * (int64_t)c.ban_max;
	b.offences = 3;
	snprintf(b.origin, sizeof(b.origin), "local");
	ck_assert_int_eq(ledger_restore(l, &b, T0), 0);
	ck_assert_int_eq(bans_find(ledger_bans(l), &b.target)->expires,
	    T0 + (int64_t)c.ban_max);
	teardown(l, e);
}
END_TEST

/* Extend-only never shortens; many bans expire on time through the heap. */
START_TEST(test_extend_and_expiry)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct ledger_req r;
	char s[32];
	unsigned i;

	memset(&r, 0, sizeof(r));
	r.target = A("192.0.2.5");
	r.seconds = 100;
	r.reason = "x";
	r.origin = "peer:mx2";
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	r.seconds = 10;
	r.extend_only = true;
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	ck_assert_int_eq(bans_find(ledger_bans(l), &r.target)->expires, T0 + 100);
	for (i = 0; i < 1000; i++) {
		snprintf(s, sizeof(s), "198.18.%u.%u", i / 250, i % 250 + 1);
		ck_assert_int_eq(ban(l, s, 10 + i % 50, T0), 0);
		/* moved: a stale heap entry is left behind */
		if (i % 3 == 0)
			ck_assert_int_eq(ban(l, s, 20 + i % 50, T0), 0);
	}
	ledger_flush(l, T0, NULL);
	ck_assert_uint_eq(ledger_expire(l, T0 + 9), 0);
	for (i = 10; i <= 70; i++)
		ledger_expire(l, T0 + i);
	ck_assert_uint_eq(bans_count(ledger_bans(l)), 1);
	ledger_expire(l, T0 + 100);
	ck_assert_uint_eq(bans_count(ledger_bans(l)), 0);
	teardown(l, e);
}
END_TEST

/* A quiet ban (a cluster snapshot's) is held and told to the observers
 * like any other, but has no log record of its own. */
START_TEST(test_quiet)
{
	struct enforce *e;
	struct ledger *l = setup(&e);
	struct ledger_req r;
	char buf[4096];
	FILE *f = tmpfile();
	size_t n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(dup2(fileno(f), 2), 2);
	log_set_level(LOG_LEVEL_INFO);
	memset(&r, 0, sizeof(r));
	r.target = A("192.0.2.7");
	r.seconds = 100;
	r.reason = "x";
	r.origin = "peer:mx2";
	r.quiet = true;
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	r.target = A("192.0.2.8");
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	ck_assert_int_eq(ban(l, "192.0.2.9", 100, T0), 0);
	ledger_flush(l, T0, NULL);
	ck_assert_uint_eq(nbanned, 3);
	ck_assert(in_kernel(e, "192.0.2.7", NULL));
	ck_assert(in_kernel(e, "192.0.2.8", NULL));
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	ck_assert_msg(strstr(buf, "ban addr=192.0.2.9 ") != NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "192.0.2.7") == NULL, "%s", buf);
	ck_assert_msg(strstr(buf, "192.0.2.8") == NULL, "%s", buf);
	fclose(f);
	teardown(l, e);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("kernel");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_wider_replaces_narrower);
	tcase_add_test(tc, test_wider_replaces_narrower_v6);
	tcase_add_test(tc, test_refused_not_held);
	tcase_add_test(tc, test_allowlist_split);
	tcase_add_test(tc, test_reconcile_both_ways);
	tcase_add_test(tc, test_recheck_in_child);
	tcase_add_test(tc, test_refuses_what_is_no_attacker);
	tcase_add_test(tc, test_restore_caps);
	tcase_add_test(tc, test_extend_and_expiry);
	tcase_add_test(tc, test_quiet);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr;
	int failed;

	if (!netns_available()) {
		fprintf(stderr, "SKIP: no network namespace for the kernel "
		    "tests\n");
		return 77;
	}
	log_set_level(LOG_LEVEL_WARNING);
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
