/*
 * smtpd: a Domino-like SMTP responder for the harvest drill (tests only,
 * never installed). It listens on port 25 inside a network namespace,
 * speaks enough SMTP for a harvester and a legitimate sender (EHLO, HELO,
 * MAIL, RCPT, DATA, RSET, NOOP, QUIT), accepts a configured list of
 * recipients and rejects the rest with 550, and logs every session event
 * in Domino's console format (see tests/drill/README for the exact lines).
 *
 * Each RCPT is answered only after a simulated directory lookup
 * (--rcpt-delay-ms), so a harvester sending "as fast as the server
 * answers" runs at the field's pace. The rejection line is written with one
 * write(2) to an O_APPEND descriptor *before* the 550 goes out, as Domino
 * logs the event before replying. A session whose socket dies (reset,
 * SOCK_DESTROY) is closed and logged as disconnected when the server next
 * touches it, like a real server thread would.
 *
 * With --error-limit N it behaves like Domino with SMTPErrorLimit: the N-th
 * 5xx reply of a session (RCPT rejections count) is followed by 421, and
 * the session is closed.
 *
 * One process, one poll loop, non-blocking sockets; the sessions are a
 * fixed array (--max-sessions). A session waiting for its lookup is left
 * out of the poll set, so it neither reads further commands nor notices a
 * dead socket until the lookup is done.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "arg.h"

#define SMTPD_LISTEN_MAX 8  /* listening addresses */
#define SMTPD_VALID_MAX 64  /* valid recipients */
#define SMTPD_IN_MAX 1024   /* bytes of one command line (RFC: 512) */
#define SMTPD_OUT_MAX 4096  /* bytes of replies not yet sent */
#define SMTPD_RCPT_MAX 256  /* bytes of one recipient kept */
#define SMTPD_LINE_MAX 1024 /* bytes of one log line */
#define SMTPD_THREADS 2	    /* Domino's I/O threads seen in logs */

enum rcpt_line { LINE_IP, LINE_NOIP };

struct session {
	int fd;			     /* -1: free slot */
	char peer[INET6_ADDRSTRLEN]; /* v4-mapped peers as plain IPv4 */
	char in[SMTPD_IN_MAX];
	size_t inlen;
	bool discard; /* skipping an over-long line */
	char out[SMTPD_OUT_MAX];
	size_t outlen;
	bool data;		/* reading a message body */
	bool mail;		/* MAIL FROM given */
	unsigned rcpts;		/* accepted recipients */
	unsigned long messages; /* messages received */
	int64_t due;		/* ms: pending RCPT answer; 0: none */
	char rcpt[SMTPD_RCPT_MAX];
	bool rcpt_ok;
	bool quit;		/* close once the output is sent */
	int64_t last;		/* ms: last command, for the idle timeout */
	unsigned errors, limit; /* 5xx replies; --error-limit (0: none) */
};

struct smtpd {
	int lfd[SMTPD_LISTEN_MAX];
	size_t nlfd;
	int logfd, sigfd;
	enum rcpt_line line;
	int rcpt_delay;	 /* ms per RCPT (directory lookup) */
	int error_limit; /* SMTPErrorLimit: 5xx replies before 421 */
	int idle;	 /* ms before an idle session is dropped */
	const char *valid[SMTPD_VALID_MAX];
	size_t nvalid;
	struct session *s;
	size_t max;
	unsigned long events; /* log lines written, picks the thread */
	uint64_t sessions, rejected, accepted, messages;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * One console line: "[pid:tid-osthread] DD.MM.YYYY HH:MM:SS   text", in
 * a single write(2) to the O_APPEND descriptor so that concurrent writers
 * never interleave and a follower sees whole lines. The thread block
 * alternates between two threads, as in real logs, where it is no
 * session key.
 */
static void
logline(struct smtpd *d, const char *fmt, ...)
{
	static const unsigned long long osthread[SMTPD_THREADS] = {
	    0x00007F3A9C5FE700ULL, 0x00007F3A9BDFD700ULL};
	char buf[SMTPD_LINE_MAX];
	unsigned t = (unsigned)(d->events++ % SMTPD_THREADS);
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;
	int n, k;

	localtime_r(&now, &tm);
	n = snprintf(buf, sizeof(buf),
	    "[%06ld:%06u-%016llX] %02d.%02d.%04d %02d:%02d:%02d   ",
	    (long)getpid(), 12 + t * 15, osthread[t], tm.tm_mday, tm.tm_mon + 1,
	    tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	va_start(ap, fmt);
	k = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	n += k;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(d->logfd, buf, (size_t)n) != n)
		fprintf(stderr, "smtpd: log write: %s\n", strerror(errno));
}

/* Try to send what is queued; false when the socket is dead. */
static bool
flush_out(struct session *s)
{
	ssize_t w;

	while (s->outlen > 0) {
		w = send(s->fd, s->out, s->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0)
			return errno == EAGAIN || errno == EINTR;
		memmove(s->out, s->out + w, s->outlen - (size_t)w);
		s->outlen -= (size_t)w;
	}
	return true;
}

static void
reply(struct session *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->out + s->outlen, sizeof(s->out) - s->outlen, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(s->out) - s->outlen) {
		/* A client that never reads: stop talking to it. */
		s->quit = true;
		return;
	}
	s->outlen += (size_t)n;
	/* Domino's SMTPErrorLimit: RCPT rejections are protocol errors;
	 * at the limit the session is closed with 421. */
	if (s->out[s->outlen - (size_t)n] == '5' && s->limit > 0 &&
	    ++s->errors == s->limit) {
		reply(s, "421 SMTP service not available, closing "
			 "transmission channel.\r\n");
		s->quit = true;
	}
}

static void
session_end(struct smtpd *d, struct session *s)
{
	logline(d, "SMTP Server: %s disconnected. %lu message[s] received",
	    s->peer, s->messages);
	close(s->fd);
	s->fd = -1;
}

static bool
is_valid(const struct smtpd *d, const char *rcpt)
{
	size_t i;

	for (i = 0; i < d->nvalid; i++)
		if (strcasecmp(d->valid[i], rcpt) == 0)
			return true;
	return false;
}

/* "TO:<addr>" or "FROM:<addr>" after the verb: the address, or NULL. */
static const char *
path_arg(char *arg, const char *kw, size_t *len)
{
	size_t k = strlen(kw);
	char *lt, *gt;

	if (strncasecmp(arg, kw, k) != 0)
		return NULL;
	arg += k;
	while (*arg == ' ')
		arg++;
	if ((lt = strchr(arg, '<')) == NULL || (gt = strchr(lt, '>')) == NULL)
		return NULL;
	*len = (size_t)(gt - lt - 1);
	return lt + 1;
}

/* The answer to a RCPT, once its directory lookup is done. */
static void
rcpt_answer(struct smtpd *d, struct session *s)
{
	s->due = 0;
	if (s->rcpt_ok) {
		s->rcpts++;
		d->accepted++;
		reply(s, "250 2.1.5 Recipient OK\r\n");
		return;
	}
	d->rejected++;
	if (d->line == LINE_IP)
		logline(d,
		    "SMTP Server: Rejected recipient <%s> from host "
		    "[%s]: not listed in Domino Directory",
		    s->rcpt, s->peer);
	else
		logline(d,
		    "SMTP Server: Recipient <%s> not found in Domino "
		    "Directory",
		    s->rcpt);
	reply(s, "550 5.1.1 <%s>... User unknown\r\n", s->rcpt);
}

static void
command(struct smtpd *d, struct session *s, char *line, int64_t now)
{
	const char *p;
	size_t len;

	s->last = now;
	if (s->data) {
		if (strcmp(line, ".") != 0)
			return;
		s->data = false;
		s->mail = false;
		s->rcpts = 0;
		s->messages++;
		d->messages++;
		reply(s, "250 2.6.0 Message accepted for delivery\r\n");
		return;
	}
	if (strncasecmp(line, "EHLO", 4) == 0) {
		reply(s,
		    "250-drill.example.com Hello %s, pleased to meet "
		    "you\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
		    "250 SIZE 0\r\n",
		    s->peer);
	} else if (strncasecmp(line, "HELO", 4) == 0) {
		reply(s, "250 drill.example.com Hello %s\r\n", s->peer);
	} else if (strncasecmp(line, "MAIL", 4) == 0) {
		if ((p = path_arg(line + 4, " FROM:", &len)) == NULL) {
			reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
			return;
		}
		s->mail = true;
		s->rcpts = 0;
		reply(s, "250 2.1.0 Sender OK\r\n");
	} else if (strncasecmp(line, "RCPT", 4) == 0) {
		if (!s->mail) {
			reply(s, "503 5.5.1 Need MAIL before RCPT\r\n");
			return;
		}
		if ((p = path_arg(line + 4, " TO:", &len)) == NULL ||
		    len == 0) {
			reply(s, "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
			return;
		}
		if (len >= sizeof(s->rcpt))
			len = sizeof(s->rcpt) - 1;
		memcpy(s->rcpt, p, len);
		s->rcpt[len] = '\0';
		s->rcpt_ok = is_valid(d, s->rcpt);
		s->due = now + d->rcpt_delay;
		if (d->rcpt_delay == 0)
			rcpt_answer(d, s);
	} else if (strncasecmp(line, "DATA", 4) == 0) {
		if (!s->mail || s->rcpts == 0) {
			reply(s, "503 5.5.1 No valid recipients\r\n");
			return;
		}
		s->data = true;
		reply(s, "354 Enter message, end with \".\" on a line by "
			 "itself\r\n");
	} else if (strncasecmp(line, "RSET", 4) == 0) {
		s->mail = false;
		s->rcpts = 0;
		reply(s, "250 2.0.0 Reset state\r\n");
	} else if (strncasecmp(line, "NOOP", 4) == 0) {
		reply(s, "250 2.0.0 OK\r\n");
	} else if (strncasecmp(line, "QUIT", 4) == 0) {
		reply(s, "221 2.0.0 drill.example.com closing connection\r\n");
		s->quit = true;
	} else {
		reply(s, "500 5.5.2 Unrecognized command\r\n");
	}
}

/* Run the complete lines in the input buffer, one at a time: a RCPT
 * waiting for its lookup holds back everything after it. */
static void
run_lines(struct smtpd *d, struct session *s, int64_t now)
{
	char *nl;
	size_t k;

	while (s->due == 0 && !s->quit &&
	       (nl = memchr(s->in, '\n', s->inlen)) != NULL) {
		*nl = '\0';
		k = (size_t)(nl - s->in);
		if (k > 0 && s->in[k - 1] == '\r')
			s->in[k - 1] = '\0';
		if (s->discard)
			s->discard = false;
		else
			command(d, s, s->in, now);
		k++;
		memmove(s->in, s->in + k, s->inlen - k);
		s->inlen -= k;
	}
	if (s->inlen == sizeof(s->in)) {
		/* An over-long line: refuse it and resynchronise at its end. */
		s->inlen = 0;
		if (!s->discard && !s->data)
			reply(s, "500 5.5.2 Line too long\r\n");
		s->discard = true;
	}
}

/* Readable: false when the session is over. */
static bool
on_read(struct smtpd *d, struct session *s, int64_t now)
{
	ssize_t r;

	r = recv(
	    s->fd, s->in + s->inlen, sizeof(s->in) - s->inlen, MSG_DONTWAIT);
	if (r == 0)
		return false;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR;
	s->inlen += (size_t)r;
	run_lines(d, s, now);
	return true;
}

static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t size)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

	if (ss->ss_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(
		    AF_INET, &s6->sin6_addr.s6_addr[12], out, (socklen_t)size);
	else if (ss->ss_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)size);
	else
		inet_ntop(AF_INET, &s4->sin_addr, out, (socklen_t)size);
}

static void
on_accept(struct smtpd *d, int lfd, int64_t now)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct session *s = NULL;
	size_t i;
	int fd;

	fd = accept4(
	    lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1)
		return;
	for (i = 0; i < d->max && s == NULL; i++)
		if (d->s[i].fd == -1)
			s = &d->s[i];
	if (s == NULL) {
		/* Full: Domino would answer 421; so do we, then hang up. */
		(void)send(fd, "421 4.3.2 Too many sessions\r\n", 29,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->last = now;
	s->limit = (unsigned)d->error_limit;
	peer_name(&ss, s->peer, sizeof(s->peer));
	d->sessions++;
	logline(d, "SMTP Server: %s connected", s->peer);
	reply(s, "220 drill.example.com ESMTP Service (drill responder) "
		 "ready\r\n");
	if (!flush_out(s))
		session_end(d, s);
}

/* Lookups that are due, idle sessions, and the poll timeout left. */
static int
timers(struct smtpd *d, int64_t now)
{
	int64_t next = now + 1000, t;
	size_t i;

	for (i = 0; i < d->max; i++) {
		struct session *s = &d->s[i];
		if (s->fd == -1)
			continue;
		if (s->due != 0 && s->due <= now) {
			rcpt_answer(d, s);
			run_lines(d, s, now);
		}
		if (s->due == 0 && !s->quit && d->idle > 0 &&
		    now - s->last >= d->idle) {
			reply(s, "421 4.4.2 Session timed out\r\n");
			s->quit = true;
		}
		if (!flush_out(s) || (s->quit && s->outlen == 0)) {
			session_end(d, s);
			continue;
		}
		t = s->due != 0 ? s->due : s->last + d->idle;
		if (t < next && (s->due != 0 || d->idle > 0))
			next = t;
	}
	return next > now ? (int)(next - now) : 0;
}

static int
loop(struct smtpd *d)
{
	struct pollfd *pf;
	struct session **who;
	size_t n, i, cap = d->nlfd + 1 + d->max;
	int64_t now;
	int timeout;

	pf = calloc(cap, sizeof(*pf));
	who = calloc(cap, sizeof(*who));
	if (pf == NULL || who == NULL) {
		fprintf(stderr, "smtpd: out of memory\n");
		return EX_OSERR;
	}
	for (;;) {
		now = now_ms();
		timeout = timers(d, now);
		n = 0;
		pf[n].fd = d->sigfd;
		pf[n++].events = POLLIN;
		for (i = 0; i < d->nlfd; i++) {
			pf[n].fd = d->lfd[i];
			pf[n++].events = POLLIN;
		}
		for (i = 0; i < d->max; i++) {
			struct session *s = &d->s[i];
			if (s->fd == -1 || s->due != 0)
				continue;
			who[n] = s;
			pf[n].fd = s->fd;
			pf[n++].events =
			    (short)(POLLIN | (s->outlen > 0 ? POLLOUT : 0));
		}
		if (poll(pf, (nfds_t)n, timeout) == -1 && errno != EINTR)
			break;
		now = now_ms();
		if (pf[0].revents & POLLIN)
			break;
		for (i = 1; i <= d->nlfd; i++)
			if (pf[i].revents & POLLIN)
				on_accept(d, pf[i].fd, now);
		for (i = 1 + d->nlfd; i < n; i++) {
			struct session *s = who[i];
			if (pf[i].revents == 0 || s->fd == -1)
				continue;
			if ((pf[i].revents & (POLLIN | POLLERR | POLLHUP)) &&
			    !on_read(d, s, now)) {
				session_end(d, s);
				continue;
			}
			if (!flush_out(s) || (s->quit && s->outlen == 0))
				session_end(d, s);
		}
	}
	free(pf);
	free(who);
	return EX_OK;
}

static int
listen_on(struct smtpd *d, const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1, zero = 0;

	if (d->nlfd == SMTPD_LISTEN_MAX) {
		fprintf(
		    stderr, "smtpd: at most %d --listen\n", SMTPD_LISTEN_MAX);
		return -1;
	}
	if (arg_addr(addr, port, &ss, &sl) == -1) {
		fprintf(stderr, "smtpd: bad address '%s'\n", addr);
		return -1;
	}
	fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* "::" takes IPv4 peers too (as v4-mapped), like Domino with
	 * TCP_ENABLEIPV6=1. */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) == -1 ||
	    listen(fd, 512) == -1) {
		fprintf(stderr, "smtpd: %s port %d: %s\n", addr, port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	d->lfd[d->nlfd++] = fd;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: smtpd --log FILE [--listen ADDR]... [--port N]\n"
	    "             [--rcpt-line ip|noip] [--rcpt-delay-ms MS]\n"
	    "             [--valid ADDRESS]... [--idle-timeout-ms MS]\n"
	    "             [--max-sessions N] [--error-limit N]\n\n"
	    "A Domino-like SMTP responder for the harvest drill. Prints\n"
	    "LISTENING once bound; on SIGTERM prints its counters and "
	    "exits.\n");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"log", required_argument, NULL, 'l'},
	    {"listen", required_argument, NULL, 'L'},
	    {"port", required_argument, NULL, 'p'},
	    {"rcpt-line", required_argument, NULL, 'r'},
	    {"rcpt-delay-ms", required_argument, NULL, 'd'},
	    {"valid", required_argument, NULL, 'v'},
	    {"idle-timeout-ms", required_argument, NULL, 'i'},
	    {"max-sessions", required_argument, NULL, 'm'},
	    {"error-limit", required_argument, NULL, 'e'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *logpath = NULL, *listen_addr[SMTPD_LISTEN_MAX];
	struct smtpd d;
	size_t nlisten = 0, i;
	sigset_t mask;
	int c, port = 25, rc;

	memset(&d, 0, sizeof(d));
	d.line = LINE_IP;
	d.rcpt_delay = 20;
	d.idle = 60000;
	d.max = 1024;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			logpath = optarg;
			break;
		case 'L':
			if (nlisten == SMTPD_LISTEN_MAX) {
				fprintf(stderr, "smtpd: too many --listen\n");
				return EX_USAGE;
			}
			listen_addr[nlisten++] = optarg;
			break;
		case 'p':
			port = arg_int("smtpd", optarg, 1, 65535, "port");
			break;
		case 'r':
			if (strcmp(optarg, "ip") == 0)
				d.line = LINE_IP;
			else if (strcmp(optarg, "noip") == 0)
				d.line = LINE_NOIP;
			else {
				fprintf(stderr, "smtpd: --rcpt-line ip|noip\n");
				return EX_USAGE;
			}
			break;
		case 'd':
			d.rcpt_delay =
			    arg_int("smtpd", optarg, 0, 60000, "delay");
			break;
		case 'v':
			if (d.nvalid == SMTPD_VALID_MAX) {
				fprintf(stderr, "smtpd: too many --valid\n");
				return EX_USAGE;
			}
			d.valid[d.nvalid++] = optarg;
			break;
		case 'i':
			d.idle = arg_int(
			    "smtpd", optarg, 0, 86400000, "idle timeout");
			break;
		case 'm':
			d.max = (size_t)arg_int(
			    "smtpd", optarg, 1, 65536, "sessions");
			break;
		case 'e':
			d.error_limit =
			    arg_int("smtpd", optarg, 0, 100000, "error limit");
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (logpath == NULL || optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (nlisten == 0)
		listen_addr[nlisten++] = "::";
	d.logfd =
	    open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (d.logfd == -1) {
		fprintf(stderr, "smtpd: %s: %s\n", logpath, strerror(errno));
		return EX_CANTCREAT;
	}
	if ((d.s = calloc(d.max, sizeof(*d.s))) == NULL) {
		fprintf(stderr, "smtpd: out of memory\n");
		return EX_OSERR;
	}
	for (i = 0; i < d.max; i++)
		d.s[i].fd = -1;
	for (i = 0; i < nlisten; i++)
		if (listen_on(&d, listen_addr[i], port) == -1)
			return EX_UNAVAILABLE;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if ((d.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		fprintf(stderr, "smtpd: signalfd: %s\n", strerror(errno));
		return EX_OSERR;
	}
	printf("LISTENING port=%d rcpt_line=%s rcpt_delay_ms=%d\n", port,
	    d.line == LINE_IP ? "ip" : "noip", d.rcpt_delay);
	fflush(stdout);
	rc = loop(&d);
	printf("smtpd sessions=%llu rejected=%llu accepted=%llu "
	       "messages=%llu\n",
	    (unsigned long long)d.sessions, (unsigned long long)d.rejected,
	    (unsigned long long)d.accepted, (unsigned long long)d.messages);
	free(d.s);
	return rc;
}
