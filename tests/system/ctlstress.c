/*
 * ctlstress: hostile clients for the daemon's control socket (system tests
 * only; see tests/system/fault-ctl.sh).
 *
 *   ctlstress storm SOCKET N HOLD_MS [refill]
 *   ctlstress call SOCKET REQUEST
 *
 * storm opens N connections at once (RLIMIT_NOFILE is raised to fit), each
 * one of five kinds in turn: random bytes ended by a newline, a half-written
 * request that never ends, a request without a newline followed by a
 * half-close, an oversized request (twice CTL_REQUEST_MAX), and a "list"
 * whose reply is never read. It prints "connected N" once all are open,
 * then watches them for HOLD_MS milliseconds, reading every reply except
 * the never-read ones, and finally prints what happened to them (key=value
 * counts). With "refill", each connection the daemon closes is replaced at
 * once by a new one of the same kind, so the pressure never drops. SIGUSR1
 * ends the watch early: a test holds the storm as long as its checks take
 * (HOLD_MS is then only the upper bound), however slow the machine.
 *
 * call sends one raw request line and prints the raw reply (status line
 * and body); it lets a test talk to the daemon when the CLI would refuse,
 * e.g. while the configuration file is broken. Exit 0 on a reply, 1 when
 * the daemon closed without one, 69 when nothing listens.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

#define STRESS_CONNECT_MS 5000 /* a blocking connect waits at most this */
#define STRESS_RANDOM_BYTES 300 /* bytes of noise before the newline */

enum kind { K_RANDOM, K_HALF, K_NONL, K_OVERSIZE, K_NOREAD, K_COUNT };

static const char *const kind_name[K_COUNT] = {"random", "half", "nonl",
    "oversize", "noread"};

struct conn {
	int fd;
	enum kind kind;
	int code;     /* status code of the reply, -1 while none */
	size_t got;   /* reply bytes read */
};

struct tally {
	unsigned long connected, connect_failed, replied_usage, replied_other,
	    closed_unanswered, reset, reconnects;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A blocking connect bounded by STRESS_CONNECT_MS; the descriptor, or -1. */
static int
dial(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct timeval tv = {STRESS_CONNECT_MS / 1000, 0};
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -1;
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Send what the kind calls for; errors are the daemon's answer, kept for
 * the watch loop to see. */
static void
provoke(int fd, enum kind k)
{
	static char big[2 * CTL_REQUEST_MAX];
	char noise[STRESS_RANDOM_BYTES + 1];
	size_t i;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	switch (k) {
	case K_RANDOM:
		for (i = 0; i < STRESS_RANDOM_BYTES; i++)
			noise[i] = (char)(random() & 0xff);
		noise[0] = '\x7f'; /* never a valid verb, whatever follows */
		noise[STRESS_RANDOM_BYTES] = '\n';
		(void)send(fd, noise, sizeof(noise), MSG_NOSIGNAL);
		break;
	case K_HALF:
		(void)send(fd, "sta", 3, MSG_NOSIGNAL);
		break;
	case K_NONL:
		(void)send(fd, "status", 6, MSG_NOSIGNAL);
		shutdown(fd, SHUT_WR);
		break;
	case K_OVERSIZE:
		memset(big, 'a', sizeof(big));
		(void)send(fd, big, sizeof(big), MSG_NOSIGNAL);
		break;
	case K_NOREAD:
		(void)send(fd, "list\n", 5, MSG_NOSIGNAL);
		break;
	case K_COUNT:
		break;
	}
}

static int
open_conn(const char *path, struct conn *c, enum kind k, struct tally *t)
{
	c->kind = k;
	c->code = -1;
	c->got = 0;
	if ((c->fd = dial(path)) == -1) {
		t->connect_failed++;
		return -1;
	}
	t->connected++;
	provoke(c->fd, k);
	return 0;
}

/* Read what is there; 1 when the connection is over (and accounted). */
static int
drain(struct conn *c, struct tally *t)
{
	char buf[65536];
	ssize_t r;

	for (;;) {
		r = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			if (c->got == 0)
				c->code = atoi(buf);
			c->got += (size_t)r;
			continue;
		}
		if (r == -1 && (errno == EAGAIN || errno == EINTR))
			return 0;
		break;
	}
	if (c->got > 0 && c->code == EX_USAGE)
		t->replied_usage++;
	else if (c->got > 0)
		t->replied_other++;
	else if (r == -1 && errno == ECONNRESET)
		t->reset++;
	else
		t->closed_unanswered++;
	close(c->fd);
	c->fd = -1;
	return 1;
}

static void
raise_nofile(unsigned long n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= n)
		return;
	if (rl.rlim_max < n)
		rl.rlim_max = n; /* root may raise the hard limit */
	rl.rlim_cur = n;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("ctlstress: setrlimit RLIMIT_NOFILE");
		exit(EX_OSERR);
	}
}

static volatile sig_atomic_t stop;

static void
on_usr1(int sig)
{
	(void)sig;
	stop = 1;
}

static int
storm(const char *path, unsigned long n, long long hold, int refill)
{
	struct tally t;
	struct conn *c;
	struct pollfd *p;
	unsigned long i, open = 0;
	long long end;
	int r;

	memset(&t, 0, sizeof(t));
	raise_nofile(n + 64);
	c = calloc(n, sizeof(*c));
	p = calloc(n, sizeof(*p));
	if (c == NULL || p == NULL) {
		perror("ctlstress");
		return EX_OSERR;
	}
	srandom((unsigned)getpid());
	signal(SIGUSR1, on_usr1);
	for (i = 0; i < n; i++)
		if (open_conn(path, &c[i], (enum kind)(i % K_COUNT), &t) == 0)
			open++;
	printf("connected %lu\n", open);
	fflush(stdout);
	end = now_ms() + hold;
	while (!stop && now_ms() < end) {
		for (i = 0; i < n; i++) {
			p[i].fd = c[i].fd;
			/* Never-read clients are only watched for hang-ups. */
			p[i].events = c[i].kind == K_NOREAD ? 0 : POLLIN;
			p[i].revents = 0;
		}
		r = poll(p, (nfds_t)n, 100);
		if (r == -1 && errno != EINTR) {
			perror("ctlstress: poll");
			return EX_OSERR;
		}
		for (i = 0; r > 0 && i < n; i++) {
			if (p[i].revents == 0 || c[i].fd == -1)
				continue;
			if (c[i].kind == K_NOREAD) {
				if ((p[i].revents & (POLLHUP | POLLERR)) == 0)
					continue;
				t.closed_unanswered++;
				close(c[i].fd);
				c[i].fd = -1;
			} else if (drain(&c[i], &t) == 0) {
				continue;
			}
			if (refill && open_conn(path, &c[i], c[i].kind, &t) == 0)
				t.reconnects++;
		}
	}
	for (i = 0, open = 0; i < n; i++) {
		if (c[i].fd == -1)
			continue;
		open++;
		close(c[i].fd);
	}
	printf("connected=%lu connect_failed=%lu replied_usage=%lu "
	       "replied_other=%lu closed_unanswered=%lu reset=%lu "
	       "reconnects=%lu still_open=%lu\n",
	    t.connected, t.connect_failed, t.replied_usage, t.replied_other,
	    t.closed_unanswered, t.reset, t.reconnects, open);
	printf("kinds (in turn):");
	for (i = 0; i < K_COUNT; i++)
		printf(" %s", kind_name[i]);
	printf("\n");
	free(c);
	free(p);
	return 0;
}

static int
call(const char *path, const char *request)
{
	char buf[65536];
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = dial(path)) == -1) {
		perror("ctlstress: connect");
		return EX_UNAVAILABLE;
	}
	if (send(fd, request, strlen(request), MSG_NOSIGNAL) == -1 ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) == -1) {
		perror("ctlstress: send");
		close(fd);
		return 1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, (size_t)r, stdout);
		got += (size_t)r;
	}
	close(fd);
	return got > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "storm") == 0)
		return storm(argv[2], strtoul(argv[3], NULL, 10),
		    strtoll(argv[4], NULL, 10),
		    argc == 6 && strcmp(argv[5], "refill") == 0);
	if (argc == 4 && strcmp(argv[1], "call") == 0)
		return call(argv[2], argv[3]);
	fprintf(stderr, "usage: ctlstress storm SOCKET N HOLD_MS [refill]\n"
			"       ctlstress call SOCKET REQUEST\n");
	return EX_USAGE;
}
