/*
 * latency-bench: time from a log line appended to the element being in the
 * kernel set, through the real daemon. Run by bench/latency.sh inside a
 * private network namespace while `dominoban run` follows LOG.
 *
 *   latency-bench [-f] [-l RATE] [-g GAP_MS] LOG COUNT
 *
 * For each of COUNT attackers it writes four SMTP AUTH failures (below the
 * threshold of 5), waits, then writes the fifth and times, with
 * CLOCK_MONOTONIC, from the end of that write(2) to the nftables
 * notification (NFNLGRP_NFTABLES, NEWSETELEM) carrying the attacker's
 * address. Notifications are what the kernel sends once the transaction is
 * committed, so this is "in the set", not "sent". Prints p50, p90, p99, max.
 * Then it runs `nft flush ruleset` and times until the last attacker's
 * element is back (the daemon's repair of every ban in one batch).
 *
 * -l RATE: a child appends RATE lines a second to LOG meanwhile, each its
 *   own write(2): half SMTP session lines (connected, disconnected), half
 *   failed logins of hosts that each reach the threshold (a sustained
 *   attack: RATE / 10 bans a second). No flush repair is timed then.
 * -g GAP_MS: the pause between two attackers (default 2), so that COUNT
 *   bans span the daemon's periodic jobs (its recheck runs every 30 s).
 * -f: the floor. Instead of the daemon, a child woken by inotify on LOG
 *   reads what was appended and commits the address of each fifth failure
 *   to table "floor" with one nft_ban() (no matching, no decision): what
 *   any daemon woken by the same write must pay at least.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "nft.h"

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

/* The load (-l): rate lines a second appended to log until killed. */
static void
load_run(const char *log, int rate)
{
	struct timespec t;
	char line[256];
	unsigned long i;
	unsigned s, h;
	int fd;

	if ((fd = open(log, O_WRONLY | O_APPEND | O_CLOEXEC)) == -1)
		_exit(66);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (i = 0;; i++) {
		s = (unsigned)(i / 4 % 200);
		h = (unsigned)(i / 10); /* five failures per host */
		if (i % 4 == 0 || i % 4 == 2)
			snprintf(line, sizeof(line), "SMTP Server: mx%u."
			    "example.net (198.18.0.%u) %s\n", s, s,
			    i % 4 == 0 ? "connected" : "disconnected. 1 "
			    "message received");
		else
			/* Each host in a /24 of its own (65,536 of them
			 * in 11.0.0.0/8): every one is a fresh ban. */
			snprintf(line, sizeof(line), "SMTP Server: "
			    "Authentication failed for user l%lu ; connecting "
			    "host 11.%u.%u.1\n", i, (h >> 8) & 255, h & 255);
		put(fd, line);
		t.tv_nsec += 1000000000L / rate;
		while (t.tv_nsec >= 1000000000L) {
			t.tv_nsec -= 1000000000L;
			t.tv_sec++;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL);
	}
}

/* The floor (-f): woken by each write to log, commit the address of each
 * fifth failure ("user u4 ; connecting host IP") to table "floor". */
static void
floor_run(const char *log)
{
	static const uint16_t ports[] = {25};
	static const char key[] = "user u4 ; connecting host ";
	static char buf[1 << 16];
	struct inotify_event ie[16];
	struct nft_elem e;
	struct nft *nf;
	size_t have = 0, k;
	char *p, *nl, *ip;
	ssize_t r;
	int ifd, fd;

	if ((nf = nft_open("floor")) == NULL ||
	    nft_setup(nf, ports, 1, false, 0) == -1 ||
	    (ifd = inotify_init1(IN_CLOEXEC)) == -1 ||
	    inotify_add_watch(ifd, log, IN_MODIFY) == -1 ||
	    (fd = open(log, O_RDONLY | O_CLOEXEC)) == -1 ||
	    lseek(fd, 0, SEEK_END) == -1) {
		perror("floor");
		_exit(69);
	}
	for (;;) {
		if (read(ifd, ie, sizeof(ie)) <= 0)
			_exit(0);
		while ((r = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
			have += (size_t)r;
			buf[have] = '\0';
			for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
				*nl = '\0';
				if ((ip = strstr(p, key)) == NULL)
					continue;
				memset(&e, 0, sizeof(e));
				e.target.family = AF_INET;
				e.target.len = 32;
				e.timeout_ms = 3600000;
				if (inet_pton(AF_INET, ip + sizeof(key) - 1,
				    e.target.a) == 1)
					(void)nft_ban(nf, &e, 1, false);
			}
			k = have - (size_t)(p - buf);
			memmove(buf, p, k);
			have = k;
		}
	}
}

int
main(int argc, char **argv)
{
	struct mnl_socket *nl;
	struct want w;
	char line[256], ip[32];
	double *lat, t0, t;
	int fd, i, k, n, c, lost = 0, rate = 0, gap = 2, floor = 0;
	pid_t load = -1, fl = -1;

	while ((c = getopt(argc, argv, "fl:g:")) != -1) {
		if (c == 'f')
			floor = 1;
		else if (c == 'l')
			rate = atoi(optarg);
		else if (c == 'g')
			gap = atoi(optarg);
		else
			return 64;
	}
	argc -= optind;
	argv += optind;
	if (argc != 2 || (n = atoi(argv[1])) <= 0 || rate < 0 || gap < 0) {
		fprintf(stderr, "usage: latency-bench [-f] [-l RATE] "
		    "[-g GAP_MS] LOG COUNT\n");
		return 64;
	}
	argv--; /* LOG at argv[1], as before */
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
	if (floor && (fl = fork()) == 0)
		floor_run(argv[1]);
	if (rate > 0 && (load = fork()) == 0)
		load_run(argv[1], rate);
	if (fl != -1 || load != -1)
		usleep(300000); /* the floor's table is made, the load runs */
	for (i = 0; i < n; i++) {
		/* One host per /24, so no netblock ban covers the next; from
		 * 10.128.0.0/9, clear of bench/gen-state's hosts. */
		snprintf(ip, sizeof(ip), "10.%d.%d.1", 128 + i / 256 % 128,
		    i % 256);
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
		usleep((useconds_t)gap * 1000);
	}
	if (load != -1) {
		kill(load, SIGTERM);
		waitpid(load, NULL, 0);
	}
	if (fl != -1) {
		kill(fl, SIGTERM);
		waitpid(fl, NULL, 0);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_d);
	printf("%s append -> element in the kernel set, %d bans%s: "
	       "p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms, %d not "
	       "seen within %d ms\n", floor ? "floor:" : "daemon:", n,
	    rate > 0 ? ", under load" : "", lat[n / 2], lat[n * 9 / 10],
	    lat[n * 99 / 100], lat[n - 1], lost, TIMEOUT_MS);
	if (floor || rate > 0) {
		mnl_socket_close(nl);
		free(lat);
		return lost == 0 ? 0 : 1;
	}
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
