/*
 * harvester: the directory-harvest client of the drill (tests only, never
 * installed). For each source address in turn it binds the address, then
 * connects (like tools/tcpprobe), says EHLO and MAIL FROM, and sends RCPT
 * TO probes, each one as soon as the previous one is answered, then QUIT.
 * It stops a session at the first probe that gets no answer: a reset, a
 * close, or silence for --timeout-ms (a dropped session is seen quickly).
 *
 * Output, one line per session and a summary, as key=value words:
 *   session n=1 src=A connect=ok|refused|reset|timeout|error probes=P
 *           answered=N rejected=R accepted=K data=none|ok|fail
 *           end=quit|reset|timeout|closed|refused cut_ms=M|- lag_ms=L|-
 *           total_ms=T
 *   summary sessions=S connected=C refused_at_connect=F answered_median=X
 *           answered_max=Y cut_ms_median=Z|-
 * With --verbose, a "probe" line per RCPT as its answer comes (or does
 * not). cut_ms is the time from sending the first probe to sending the
 * first probe that got no answer; "-" when every probe was answered.
 * lag_ms is the time from sending that probe to seeing the session end
 * (the reset of a killed session, or the --timeout-ms of a dropped one).
 * `harvester --plan net24|spread N` prints N source addresses of the
 * drill's address plan (one /24, or unrelated networks of both families).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "arg.h"

#define HV_SRC_MAX 1024	  /* source addresses */
#define HV_RCPT_MAX 64	  /* explicit --rcpt recipients */
#define HV_REPLY_MAX 4096 /* bytes of one (multi-line) reply */
#define HV_LOCAL_LEN 8	  /* letters in a random local part */

enum end { END_QUIT, END_RESET, END_TIMEOUT, END_CLOSED, END_REFUSED };
static const char *const end_name[] = {
    "quit", "reset", "timeout", "closed", "refused"};

struct opts {
	struct sockaddr_storage dst4, dst6;
	bool have4, have6;
	int port, nrcpt, timeout, ctimeout, pause, hold;
	bool data, verbose;
	const char *domain;
	const char *rcpt[HV_RCPT_MAX];
	int nexplicit;
	uint64_t rng;
};

struct result {
	const char *connect;
	int probes, answered, rejected, accepted;
	const char *data;
	enum end end;
	int64_t cut_us, lag_us, total_us; /* cut_us < 0: no cut */
};

/* The reader of one session: a buffer of received bytes. */
struct conn {
	int fd;
	char buf[HV_REPLY_MAX];
	size_t len;
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: plenty for random local parts. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

/*
 * Wait for one complete reply ("NNN text", after any "NNN-" lines).
 * Returns its code, or -1 with *end set: silence for ms, reset, close.
 */
static int
read_reply(struct conn *c, int ms, enum end *end)
{
	int64_t deadline = now_us() + (int64_t)ms * 1000;
	struct pollfd pfd = {c->fd, POLLIN, 0};
	char *nl, *line;
	ssize_t r;
	int left, code;

	for (;;) {
		line = c->buf;
		while ((nl = memchr(line, '\n',
			    c->len - (size_t)(line - c->buf))) != NULL) {
			if (nl - line >= 4 && line[3] == ' ') {
				code = atoi(line);
				nl++;
				c->len -= (size_t)(nl - c->buf);
				memmove(c->buf, nl, c->len);
				return code;
			}
			line = nl + 1;
		}
		if (c->len == sizeof(c->buf))
			c->len = 0; /* a reply too long to be ours: drop it */
		left = (int)((deadline - now_us()) / 1000);
		if (left <= 0 || poll(&pfd, 1, left) == 0) {
			*end = END_TIMEOUT;
			return -1;
		}
		r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (r > 0) {
			c->len += (size_t)r;
			continue;
		}
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		*end = r == 0 ? END_CLOSED : END_RESET;
		return -1;
	}
}

/* Send one command; false with *end set when the socket is dead. */
static bool
say(struct conn *c, const char *s, enum end *end)
{
	size_t n = strlen(s);

	if (send(c->fd, s, n, MSG_NOSIGNAL) == (ssize_t)n)
		return true;
	*end = errno == EPIPE ? END_CLOSED : END_RESET;
	return false;
}

static const char *
do_connect(const struct opts *o, const char *src, struct conn *c)
{
	struct sockaddr_storage s;
	const struct sockaddr_storage *d;
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	int fam, err = 0;

	c->fd = -1;
	c->len = 0;
	if ((fam = arg_addr(src, 0, &s, &sl)) == -1)
		return "error";
	if ((fam == AF_INET && !o->have4) || (fam == AF_INET6 && !o->have6))
		return "error";
	d = fam == AF_INET ? &o->dst4 : &o->dst6;
	if ((c->fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return "error";
	if (bind(c->fd, (struct sockaddr *)&s, sl) == -1) {
		fprintf(
		    stderr, "harvester: bind %s: %s\n", src, strerror(errno));
		return "error";
	}
	fcntl(c->fd, F_SETFL, O_NONBLOCK);
	if (connect(c->fd, (const struct sockaddr *)d,
		fam == AF_INET ? sizeof(struct sockaddr_in)
			       : sizeof(struct sockaddr_in6)) == -1 &&
	    errno != EINPROGRESS)
		err = errno;
	if (err == 0) {
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, o->ctimeout) == 0)
			return "timeout";
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	}
	if (err == ECONNREFUSED)
		return "refused";
	if (err == ECONNRESET)
		return "reset";
	return err == 0 ? "ok" : "error";
}

static void
next_rcpt(struct opts *o, int i, char *out, size_t size)
{
	char local[HV_LOCAL_LEN + 1];
	int k;

	if (o->nexplicit > 0) {
		snprintf(out, size, "%s", o->rcpt[i]);
		return;
	}
	for (k = 0; k < HV_LOCAL_LEN; k++)
		local[k] = (char)('a' + rng_next(&o->rng) % 26);
	local[HV_LOCAL_LEN] = '\0';
	snprintf(out, size, "%s@%s", local, o->domain);
}

/* After the recipients: a short message, if any recipient was taken. */
static bool
send_data(struct conn *c, const struct opts *o, struct result *r)
{
	static const char body[] = "From: drill <drill@example.org>\r\n"
				   "Subject: harvest drill\r\n\r\n"
				   "A legitimate message.\r\n.\r\n";

	r->data = "fail";
	if (!say(c, "DATA\r\n", &r->end) ||
	    read_reply(c, o->timeout, &r->end) != 354)
		return false;
	if (!say(c, body, &r->end) || read_reply(c, o->timeout, &r->end) != 250)
		return false;
	r->data = "ok";
	return true;
}

static void
session(struct opts *o, const char *src, int n, struct result *r)
{
	int64_t t0 = now_us(), first = 0, sent;
	char cmd[512], rcpt[300];
	struct conn c;
	int i, code;

	memset(r, 0, sizeof(*r));
	r->cut_us = -1;
	r->data = "none";
	r->end = END_REFUSED;
	r->connect = do_connect(o, src, &c);
	if (strcmp(r->connect, "ok") != 0)
		goto out;
	if (read_reply(&c, o->timeout, &r->end) != 220)
		goto out;
	snprintf(cmd, sizeof(cmd), "EHLO drill-%d.example.net\r\n", n);
	if (!say(&c, cmd, &r->end) || read_reply(&c, o->timeout, &r->end) < 0)
		goto out;
	if (!say(&c, "MAIL FROM:<drill@example.org>\r\n", &r->end) ||
	    read_reply(&c, o->timeout, &r->end) < 0)
		goto out;
	if (o->hold > 0) {
		/* A slow client: the session stays open, silent. */
		struct pollfd pfd = {c.fd, POLLIN, 0};
		if (poll(&pfd, 1, o->hold) != 0) {
			r->end = END_CLOSED;
			goto out;
		}
	}
	for (i = 0; i < o->nrcpt; i++) {
		next_rcpt(o, i, rcpt, sizeof(rcpt));
		snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>\r\n", rcpt);
		sent = now_us();
		if (i == 0)
			first = sent;
		r->probes++;
		code = say(&c, cmd, &r->end)
			   ? read_reply(&c, o->timeout, &r->end)
			   : -1;
		if (code == 421) {
			/* The server's error limit: it closes the session. */
			r->end = END_CLOSED;
			code = -1;
		}
		if (o->verbose) {
			char what[16];
			if (code < 0)
				snprintf(
				    what, sizeof(what), "%s", end_name[r->end]);
			else
				snprintf(what, sizeof(what), "%d", code);
			printf("probe src=%s n=%d rcpt=<%s> reply=%s ms=%lld\n",
			    src, i + 1, rcpt, what,
			    (long long)((now_us() - first) / 1000));
		}
		if (code < 0) {
			r->cut_us = sent - first;
			r->lag_us = now_us() - sent;
			goto out;
		}
		r->answered++;
		if (code >= 500)
			r->rejected++;
		else if (code >= 200 && code < 300)
			r->accepted++;
	}
	if (o->data && r->accepted > 0 && !send_data(&c, o, r))
		goto out;
	if (say(&c, "QUIT\r\n", &r->end) &&
	    read_reply(&c, o->timeout, &r->end) == 221)
		r->end = END_QUIT;
out:
	if (c.fd != -1)
		close(c.fd);
	r->total_us = now_us() - t0;
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* "--plan net24|spread N": the drill's source addresses. */
static int
plan(const char *kind, int n)
{
	int i;

	if (n < 1 || n > 250)
		return EX_USAGE;
	for (i = 0; i < n; i++) {
		if (strcmp(kind, "net24") == 0)
			printf("203.0.113.%d\n", 10 + i);
		else if (strcmp(kind, "spread") != 0)
			return EX_USAGE;
		else if (i % 2 == 0) /* a /24 each, in the benchmark range */
			printf("198.18.%d.%d\n", 1 + i, 10 + i);
		else /* a /64 each */
			printf("2001:db8:%x::%x\n", 0x100 + i, 10 + i);
	}
	return EX_OK;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: harvester [options] SRC...\n"
	    "       harvester --plan net24|spread N\n\n"
	    "  --server ADDR           server (one per family; default\n"
	    "                          127.0.0.1 and ::1)\n"
	    "  --port N                25\n"
	    "  --rcpts N               random recipients per session (50)\n"
	    "  --rcpt ADDRESS          explicit recipient (repeatable)\n"
	    "  --domain DOMAIN         of the random recipients (example.com)\n"
	    "  --data                  send a message when a recipient is "
	    "taken\n"
	    "  --hold-ms MS            stay silent MS after MAIL FROM\n"
	    "  --pause-ms MS           between hosts (0)\n"
	    "  --timeout-ms MS         per reply and connect (400)\n"
	    "  --connect-timeout-ms MS per connect (as --timeout-ms)\n"
	    "  --seed N                of the random recipients\n"
	    "  -v, --verbose           a line per probe\n");
}

static void
set_server(struct opts *o, const char *a)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fam = arg_addr(a, 0, &ss, &sl);

	if (fam == AF_INET) {
		o->dst4 = ss;
		o->have4 = true;
	} else if (fam == AF_INET6) {
		o->dst6 = ss;
		o->have6 = true;
	} else {
		fprintf(stderr, "harvester: bad server '%s'\n", a);
		exit(EX_USAGE);
	}
}

static void
set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"server", required_argument, NULL, 's'},
	    {"port", required_argument, NULL, 'p'},
	    {"rcpts", required_argument, NULL, 'n'},
	    {"rcpt", required_argument, NULL, 'r'},
	    {"domain", required_argument, NULL, 'D'},
	    {"data", no_argument, NULL, 'd'},
	    {"hold-ms", required_argument, NULL, 'H'},
	    {"pause-ms", required_argument, NULL, 'P'},
	    {"timeout-ms", required_argument, NULL, 't'},
	    {"connect-timeout-ms", required_argument, NULL, 'c'},
	    {"seed", required_argument, NULL, 'S'},
	    {"plan", required_argument, NULL, 'L'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	static int answered[HV_SRC_MAX];
	static int64_t cuts[HV_SRC_MAX];
	const char *plan_kind = NULL;
	struct opts o;
	struct result r;
	int c, i, nsrc, nconn = 0, ncut = 0, refused = 0;

	memset(&o, 0, sizeof(o));
	o.port = 25;
	o.nrcpt = 50;
	o.timeout = 400;
	o.ctimeout = -1;
	o.domain = "example.com";
	o.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	while ((c = getopt_long(argc, argv, "vh", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			set_server(&o, optarg);
			break;
		case 'p':
			o.port = arg_int("harvester", optarg, 1, 65535, "port");
			break;
		case 'n':
			o.nrcpt =
			    arg_int("harvester", optarg, 0, 100000, "rcpts");
			break;
		case 'r':
			if (o.nexplicit == HV_RCPT_MAX) {
				fprintf(stderr, "harvester: too many --rcpt\n");
				return EX_USAGE;
			}
			o.rcpt[o.nexplicit++] = optarg;
			break;
		case 'D':
			o.domain = optarg;
			break;
		case 'd':
			o.data = true;
			break;
		case 'H':
			o.hold =
			    arg_int("harvester", optarg, 0, 3600000, "hold");
			break;
		case 'P':
			o.pause =
			    arg_int("harvester", optarg, 0, 3600000, "pause");
			break;
		case 't':
			o.timeout =
			    arg_int("harvester", optarg, 1, 600000, "timeout");
			break;
		case 'c':
			o.ctimeout =
			    arg_int("harvester", optarg, 1, 600000, "timeout");
			break;
		case 'S':
			o.rng = (uint64_t)arg_int("harvester", optarg, 0,
				    0x7fffffff, "seed") *
				0x9E3779B97F4A7C15ULL;
			break;
		case 'L':
			plan_kind = optarg;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (plan_kind != NULL) {
		if (optind + 1 != argc ||
		    plan(plan_kind, arg_int("harvester", argv[optind], 1, 250,
					"plan size")) != EX_OK) {
			usage(stderr);
			return EX_USAGE;
		}
		return EX_OK;
	}
	nsrc = argc - optind;
	if (nsrc < 1 || nsrc > HV_SRC_MAX) {
		usage(stderr);
		return EX_USAGE;
	}
	if (o.rng == 0)
		o.rng = 1;
	if (o.nexplicit > 0)
		o.nrcpt = o.nexplicit;
	if (o.ctimeout < 0)
		o.ctimeout = o.timeout;
	if (!o.have4 && !o.have6) {
		set_server(&o, "127.0.0.1");
		set_server(&o, "::1");
	}
	if (o.have4)
		set_port(&o.dst4, o.port);
	if (o.have6)
		set_port(&o.dst6, o.port);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nsrc; i++) {
		if (i > 0 && o.pause > 0)
			usleep((useconds_t)o.pause * 1000);
		session(&o, argv[optind + i], i + 1, &r);
		printf("session n=%d src=%s connect=%s probes=%d answered=%d "
		       "rejected=%d accepted=%d data=%s end=%s cut_ms=",
		    i + 1, argv[optind + i], r.connect, r.probes, r.answered,
		    r.rejected, r.accepted, r.data, end_name[r.end]);
		if (r.cut_us >= 0)
			printf("%.1f lag_ms=%.1f", (double)r.cut_us / 1000.0,
			    (double)r.lag_us / 1000.0);
		else
			printf("- lag_ms=-");
		printf(" total_ms=%.1f\n", (double)r.total_us / 1000.0);
		if (strcmp(r.connect, "ok") == 0)
			answered[nconn++] = r.answered;
		else if (strcmp(r.connect, "error") != 0)
			refused++;
		if (r.cut_us >= 0)
			cuts[ncut++] = r.cut_us;
	}
	qsort(answered, (size_t)nconn, sizeof(int), cmp_int);
	qsort(cuts, (size_t)ncut, sizeof(int64_t), cmp_i64);
	printf("summary sessions=%d connected=%d refused_at_connect=%d", nsrc,
	    nconn, refused);
	if (nconn > 0)
		printf(" answered_median=%g answered_max=%d",
		    nconn % 2
			? answered[nconn / 2]
			: (answered[nconn / 2 - 1] + answered[nconn / 2]) / 2.0,
		    answered[nconn - 1]);
	else
		printf(" answered_median=- answered_max=-");
	if (ncut > 0)
		printf(" cut_ms_median=%.1f\n",
		    ncut % 2 ? (double)cuts[ncut / 2] / 1000.0
			     : (double)(cuts[ncut / 2 - 1] + cuts[ncut / 2]) /
				   2000.0);
	else
		printf(" cut_ms_median=-\n");
	return EX_OK;
}
