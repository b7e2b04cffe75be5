/*
 * Tests for nft/ifaddr.c against the real kernel. Each test (libcheck
 * forks one process per test) enters a private network namespace, then
 * changes its addresses with ip(8) and checks what the module reports:
 * IPv4 and IPv6 added and deleted, point-to-point peers, IPv4
 * secondaries, IPv6 temporary addresses, one address on two links,
 * repeated notices, lost notices (ENOBUFS) and a failed duplicate address
 * detection. Without namespaces or ip(8) the program exits 77 (SKIP).
 *
 * Some IPv6 notices come from the kernel's work queue after ip(8) has
 * returned, so the tests wait for a condition (at most WAIT_MS); none
 * measures time.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ifaddr.h"
#include "netns.h"

/* Longest wait for a notice (milliseconds). */
#define WAIT_MS 5000

/* Run a shell command built from fmt; it must succeed. */
static void __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	ck_assert_msg(rc == 0, "`%s` failed (status %d)", cmd, rc);
}

struct probe {
	struct addr want;
	bool found;
};

static void
probe_cb(void *arg, const struct addr *a)
{
	struct probe *p = arg;

	if (addr_cmp(a, &p->want) == 0)
		p->found = true;
}

static bool
has(const struct ifaddr *f, const char *s)
{
	struct probe p = {.found = false};

	ck_assert_int_eq(addr_parse(s, strlen(s), &p.want), 0);
	ifaddr_foreach(f, probe_cb, &p);
	return p.found;
}

/* Read notices until s is present (or absent), failing after WAIT_MS.
 * Returns whether any read reported a change. */
static bool
wait_for(struct ifaddr *f, const char *s, bool present)
{
	struct pollfd p = {ifaddr_fd(f), POLLIN, 0};
	bool changed = false;
	int i, rc;

	for (i = 0; i < WAIT_MS / 10; i++) {
		rc = ifaddr_read(f);
		ck_assert_msg(rc != -1, "ifaddr_read: %s", strerror(errno));
		changed |= rc == 1;
		if (has(f, s) == present)
			return changed;
		(void)poll(&p, 1, 10);
	}
	ck_abort_msg("%s still %s after %d ms", s, present ? "missing" :
	    "present", WAIT_MS);
	return false;
}

/* Wait for a notice, then read it: it must change nothing. */
static void
notice_no_change(struct ifaddr *f)
{
	struct pollfd p = {ifaddr_fd(f), POLLIN, 0};

	ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "no notice came");
	ck_assert_int_eq(ifaddr_read(f), 0);
}

static struct ifaddr *
setup(void)
{
	struct ifaddr *f;

	ck_assert_int_eq(netns_enter(), 0);
	f = ifaddr_open();
	ck_assert_msg(f != NULL, "ifaddr_open: %s", strerror(errno));
	return f;
}

/* The dump at open holds lo's addresses; nothing else is there. */
START_TEST(test_open_dump)
{
	struct ifaddr *f = setup();

	(void)wait_for(f, "::1", true);
	ck_assert(has(f, "127.0.0.1"));
	ck_assert_uint_eq(ifaddr_count(f), 2);
	ck_assert_int_eq(ifaddr_read(f), 0);
	ifaddr_close(f);
}
END_TEST

START_TEST(test_v4_add_del)
{
	struct ifaddr *f = setup();

	sh("ip addr add 10.77.0.5/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.5", true));
	ck_assert(!has(f, "10.77.0.0"));
	ck_assert_int_eq(ifaddr_read(f), 0);
	sh("ip addr del 10.77.0.5/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.5", false));
	ck_assert(has(f, "127.0.0.1"));
	ifaddr_close(f);
}
END_TEST

START_TEST(test_v6_add_del)
{
	struct ifaddr *f = setup();

	sh("ip -6 addr add 2001:db8:77::5/64 dev lo");
	ck_assert(wait_for(f, "2001:db8:77::5", true));
	sh("ip -6 addr del 2001:db8:77::5/64 dev lo");
	ck_assert(wait_for(f, "2001:db8:77::5", false));
	ck_assert(has(f, "::1"));
	ifaddr_close(f);
}
END_TEST

/* On a point-to-point address the kernel gives the peer in IFA_ADDRESS
 * and ours in IFA_LOCAL: the peer is another host, never ours. */
START_TEST(test_peer_not_ours)
{
	struct ifaddr *f = setup();

	sh("ip addr add 10.77.2.1 peer 10.77.2.2 dev lo");
	ck_assert(wait_for(f, "10.77.2.1", true));
	ck_assert(!has(f, "10.77.2.2"));
	sh("ip -6 addr add 2001:db8:7a::1 peer 2001:db8:7a::2 dev lo");
	ck_assert(wait_for(f, "2001:db8:7a::1", true));
	ck_assert(!has(f, "2001:db8:7a::2"));
	sh("ip addr del 10.77.2.1 peer 10.77.2.2 dev lo");
	ck_assert(wait_for(f, "10.77.2.1", false));
	ifaddr_close(f);
}
END_TEST

/* A second address in the subnet is a secondary: deleting the primary
 * deletes it too, unless secondaries are promoted. */
START_TEST(test_v4_secondary)
{
	struct ifaddr *f = setup();

	sh("sysctl -qw net.ipv4.conf.lo.promote_secondaries=0");
	sh("ip addr add 10.77.0.5/24 dev lo");
	sh("ip addr add 10.77.0.6/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.6", true));
	ck_assert(has(f, "10.77.0.5"));
	sh("ip addr del 10.77.0.5/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.6", false));
	ck_assert(!has(f, "10.77.0.5"));

	sh("sysctl -qw net.ipv4.conf.lo.promote_secondaries=1");
	sh("ip addr add 10.77.0.5/24 dev lo");
	sh("ip addr add 10.77.0.6/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.6", true));
	sh("ip addr del 10.77.0.5/24 dev lo");
	ck_assert(wait_for(f, "10.77.0.5", false));
	ck_assert(has(f, "10.77.0.6"));
	ifaddr_close(f);
}
END_TEST

struct in_prefix {
	struct addr net, except;
	struct addr found;
	int n;
};

static void
in_prefix_cb(void *arg, const struct addr *a)
{
	struct in_prefix *p = arg;

	if (addr_contains(&p->net, a) && addr_cmp(a, &p->except) != 0) {
		p->found = *a;
		p->n++;
	}
}

/* A temporary address (privacy extensions, flag "temporary") made by the
 * kernel from a mngtmpaddr address is reported, and goes with it. */
START_TEST(test_v6_temporary)
{
	struct ifaddr *f = setup();
	struct in_prefix p;
	char tmp[ADDR_STRLEN];

	sh("sysctl -qw net.ipv6.conf.lo.use_tempaddr=2");
	sh("ip -6 addr add 2001:db8:78::1/64 dev lo mngtmpaddr");
	(void)wait_for(f, "2001:db8:78::1", true);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(addr_parse_prefix("2001:db8:78::/64", false, &p.net),
	    0);
	ck_assert_int_eq(addr_parse("2001:db8:78::1", 14, &p.except), 0);
	for (int i = 0; i < WAIT_MS / 10 && p.n == 0; i++) {
		struct pollfd pf = {ifaddr_fd(f), POLLIN, 0};

		(void)poll(&pf, 1, 10);
		ck_assert_int_ne(ifaddr_read(f), -1);
		ifaddr_foreach(f, in_prefix_cb, &p);
	}
	ck_assert_msg(p.n == 1, "no temporary address reported");
	addr_format(&p.found, tmp, sizeof(tmp));
	sh("ip -6 addr show dev lo | grep -q '%s/64 .*temporary'", tmp);
	sh("ip -6 addr del 2001:db8:78::1/64 dev lo");
	ck_assert(wait_for(f, tmp, false));
	ck_assert(!has(f, "2001:db8:78::1"));
	ifaddr_close(f);
}
END_TEST

/* One address on two links: the set changes at the first add and the
 * last delete only. */
START_TEST(test_two_links)
{
	struct ifaddr *f = setup();

	sh("ip link add dbva type veth peer name dbvb");
	sh("ip link set dbva up && ip link set dbvb up");
	sh("ip addr add 10.77.1.1/32 dev lo");
	ck_assert(wait_for(f, "10.77.1.1", true));
	sh("ip addr add 10.77.1.1/32 dev dbva");
	notice_no_change(f);
	sh("ip addr del 10.77.1.1/32 dev lo");
	notice_no_change(f);
	ck_assert(has(f, "10.77.1.1"));
	sh("ip addr del 10.77.1.1/32 dev dbva");
	ck_assert(wait_for(f, "10.77.1.1", false));
	/* Deleting the link deletes its addresses. */
	sh("ip addr add 10.77.1.2/32 dev dbvb");
	ck_assert(wait_for(f, "10.77.1.2", true));
	sh("ip link del dbva");
	ck_assert(wait_for(f, "10.77.1.2", false));
	ifaddr_close(f);
}
END_TEST

/* The kernel repeats RTM_NEWADDR when an IPv6 address's lifetimes
 * change: the set does not. */
START_TEST(test_repeat_notice)
{
	struct ifaddr *f = setup();

	sh("ip -6 addr add 2001:db8:79::1/64 dev lo valid_lft 1000 "
	   "preferred_lft 500");
	ck_assert(wait_for(f, "2001:db8:79::1", true));
	sh("ip -6 addr change 2001:db8:79::1/64 dev lo valid_lft 2000 "
	   "preferred_lft 900");
	notice_no_change(f);
	ck_assert(has(f, "2001:db8:79::1"));
	ifaddr_close(f);
}
END_TEST

/* Notices lost to a full socket buffer (ENOBUFS): the table is dumped
 * again and holds every address. */
START_TEST(test_lost_notices)
{
	struct ifaddr *f = setup();
	char path[] = "/tmp/check_ifaddr.XXXXXX";
	int size = 1, fd, i;
	FILE *b;

	(void)wait_for(f, "::1", true);
	ck_assert_int_eq(setsockopt(ifaddr_fd(f), SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof(size)), 0);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert_ptr_nonnull(b = fdopen(fd, "w"));
	for (i = 0; i < 300; i++)
		fprintf(b, "addr add 10.78.%d.%d/32 dev lo\n", i / 250,
		    i % 250 + 1);
	fclose(b);
	sh("ip -batch %s", path);
	unlink(path);
	ck_assert_int_eq(ifaddr_read(f), 1);
	ck_assert_uint_eq(ifaddr_count(f), 302);
	ck_assert(has(f, "10.78.0.1"));
	ck_assert(has(f, "10.78.1.50"));
	ifaddr_close(f);
}
END_TEST

/*
 * Duplicate address detection fails when another host (here a veth peer
 * in a second namespace) holds the address: the kernel keeps it with the
 * flag dadfailed, and it is no longer ours.
 */
START_TEST(test_dad_failed)
{
	struct ifaddr *f = setup();
	pid_t peer;
	int st;

	peer = fork();
	ck_assert_int_ge(peer, 0);
	if (peer == 0) {
		if (unshare(CLONE_NEWNET) == -1)
			_exit(1);
		pause();
		_exit(0);
	}
	/* The child's namespace exists once /proc shows it differs. */
	sh("for i in $(seq 500); do [ \"$(readlink /proc/%d/ns/net)\" != "
	   "\"$(readlink /proc/self/ns/net)\" ] && exit 0; sleep 0.01; done; "
	   "exit 1", (int)peer);
	sh("ip link add dbva type veth peer name dbvb netns %d", (int)peer);
	sh("nsenter -t %d -n sh -c 'ip link set dbvb up && ip addr add "
	   "2001:db8:dad::1/64 dev dbvb nodad'", (int)peer);
	sh("sysctl -qw net.ipv6.conf.dbva.accept_dad=1 "
	   "net.ipv6.conf.dbva.dad_transmits=1");
	sh("ip link set dbva up");
	sh("ip -6 addr add 2001:db8:dad::1/64 dev dbva");
	/* Tentative first, then failed. */
	sh("for i in $(seq 500); do ip -6 addr show dev dbva | grep -q "
	   "dadfailed && exit 0; sleep 0.01; done; exit 1");
	(void)wait_for(f, "2001:db8:dad::1", false);
	ck_assert_int_ne(ifaddr_read(f), -1);
	ck_assert(!has(f, "2001:db8:dad::1"));
	kill(peer, SIGKILL);
	waitpid(peer, &st, 0);
	ifaddr_close(f);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ifaddr");
	TCase *tc = tcase_create("kernel");
	SRunner *sr;
	int failed;

	if (!netns_available()) {
		printf("SKIP: no network namespace (unshare refused); the "
		       "ifaddr tests need one\n");
		return 77;
	}
	if (system("ip -V >/dev/null 2>&1") != 0) {
		printf("SKIP: ip(8) not installed; the ifaddr tests change "
		       "addresses with it\n");
		return 77;
	}
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_open_dump);
	tcase_add_test(tc, test_v4_add_del);
	tcase_add_test(tc, test_v6_add_del);
	tcase_add_test(tc, test_peer_not_ours);
	tcase_add_test(tc, test_v4_secondary);
	tcase_add_test(tc, test_v6_temporary);
	tcase_add_test(tc, test_two_links);
	tcase_add_test(tc, test_repeat_notice);
	tcase_add_test(tc, test_lost_notices);
	tcase_add_test(tc, test_dad_failed);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
