/*
 * latency-bench: time from a log line appended to the element being in the
 * kernel set, through the real daemon. Run by bench/latency.sh inside a
 * private network namespace while `dominoban run` follows LOG.
 *
 *   latency-bench LOG COUNT
 *
 * For each of COUNT attackers it writes four SMTP AUTH failures (below the
 * threshold of 5), waits, then writes the fifth and times, with
 * CLOCK_MONOTONIC, from the end of that write(2) to the nftables
 * notification (NFNLGRP_NFTABLES, NEWSETELEM) carrying the attacker's
 * address. Notifications are what the kernel sends once the transaction is
 * committed, so this is "in the set", not "sent". Prints p50, p90, p99, max.
 * Then it runs `nft flush ruleset` and times until the last attacker's
 * element is back (the daemon's repair of every ban in one batch).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#define TIMEOUT_MS 2000 /* a ban not seen by then counts as lost */

struct want {
	uint8_t key[4];
	int seen;
};

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int
elem_cb(struct nftnl_set_elem *e, void *arg)
{
	struct want *w = arg;
	uint32_t len = 0;
	const void *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len);

	if (k != NULL && len == 4 && memcmp(k, w->key, 4) == 0)
		w->seen = 1;
	return 0;
}

/* Drain notifications; set w->seen when our element was added. */
static void
drain(struct mnl_socket *nl, struct want *w)
{
	char buf[65536] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	struct nftnl_set *s;
	ssize_t r;
	int len;

	while ((r = recv(mnl_socket_get_fd(nl), buf, sizeof(buf),
		    MSG_DONTWAIT)) > 0) {
		len = (int)r;
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_NFTABLES ||
			    (nlh->nlmsg_type & 0xff) != NFT_MSG_NEWSETELEM)
				continue;
			if ((s = nftnl_set_alloc()) == NULL)
				continue;
			if (nftnl_set_elems_nlmsg_parse(nlh, s) == 0)
				nftnl_set_elem_foreach(s, elem_cb, w);
			nftnl_set_free(s);
		}
	}
}

/* Wait until w is seen or TIMEOUT_MS pass; the ms since t0. */
static double
wait_seen(struct mnl_socket *nl, struct want *w, double t0)
{
	struct pollfd pfd = {mnl_socket_get_fd(nl), POLLIN, 0};
	double t;

	for (;;) {
		drain(nl, w);
		t = now_ms();
		if (w->seen || t - t0 > TIMEOUT_MS)
			return t - t0;
		poll(&pfd, 1, 10);
	}
}

static void
put(int fd, const char *line)
{
	size_t n = strlen(line);

	if (write(fd, line, n) != (ssize_t)n) {
		perror("write");
		exit(1);
	}
}

int
main(int argc, char **argv)
{
	struct mnl_socket *nl;
	struct want w;
	char line[256], ip[32];
	double *lat, t0, t;
	int fd, i, k, n, lost = 0;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: latency-bench LOG COUNT\n");
		return 64;
	}
	if ((fd = open(argv[1], O_WRONLY | O_APPEND | O_CLOEXEC)) == -1 ||
	    (lat = calloc((size_t)n, sizeof(*lat))) == NULL) {
		perror(argv[1]);
		return 66;
	}
	nl = mnl_socket_open(NETLINK_NETFILTER);
	if (nl == NULL ||
	    mnl_socket_bind(nl, 1u << (NFNLGRP_NFTABLES - 1), 0) == -1) {
		perror("netlink");
		return 69;
	}
	for (i = 0; i < n; i++) {
		/* One host per /24, so no netblock ban covers the next. */
		snprintf(ip, sizeof(ip), "10.%d.%d.1", i / 256 % 256, i % 256);
		memset(&w, 0, sizeof(w));
		inet_pton(AF_INET, ip, w.key);
		for (k = 0; k < 4; k++) {
			snprintf(line, sizeof(line), "SMTP Server: "
			    "Authentication failed for user u%d ; connecting "
			    "host %s\n", k, ip);
			put(fd, line);
		}
		usleep(3000); /* the four below-threshold lines are read */
		drain(nl, &w);
		snprintf(line, sizeof(line), "SMTP Server: Authentication "
		    "failed for user u4 ; connecting host %s\n", ip);
		put(fd, line);
		t0 = now_ms();
		lat[i] = wait_seen(nl, &w, t0);
		if (!w.seen)
			lost++;
		usleep(2000);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_d);
	printf("append -> element in the kernel set, %d bans: p50 %.3f ms, "
	       "p90 %.3f ms, p99 %.3f ms, max %.3f ms, %d not seen within "
	       "%d ms\n", n, lat[n / 2], lat[n * 9 / 10], lat[n * 99 / 100],
	    lat[n - 1], lost, TIMEOUT_MS);
	/* Repair: flush the whole ruleset behind the daemon's back and time
	 * until the last attacker's element is back. */
	memset(&w, 0, sizeof(w));
	inet_pton(AF_INET, ip, w.key);
	drain(nl, &w);
	w.seen = 0;
	t0 = now_ms();
	if (system("nft flush ruleset") != 0) {
		fprintf(stderr, "nft flush ruleset failed\n");
		return 1;
	}
	t = wait_seen(nl, &w, t0);
	printf("nft flush ruleset -> %d bans back: %.3f ms (including the "
	       "nft command)%s\n", n, t, w.seen ? "" : ", NOT SEEN");
	if (!w.seen)
		lost++;
	mnl_socket_close(nl);
	free(lat);
	return lost == 0 ? 0 : 1;
}
