/*
 * ctl: see ctl.h for the protocol and the trust rules.
 *
 * Each client has a fixed request buffer and a reply buffer. Reads stop at
 * the first '\n'; a request that is too long, holds a byte outside
 * printable ASCII, or names an unknown verb gets an error reply. Replies are
 * written without blocking; a client that does not read is dropped by
 * ctl_sweep() after CTL_IDLE_MAX seconds, as is one that never finishes
 * its request. At CTL_CLIENTS_MAX connections the oldest is dropped for
 * each new one, and when descriptors run out a spare one is used to shed
 * the pending connection, so the backlog can neither fill nor spin.
 *
 * Group membership comes with the connection (SO_PEERCRED and
 * SO_PEERGROUPS), never from an NSS lookup, which could block on a
 * directory server.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "mono.h"

#define CTL_VERBS_MAX 32

struct verb {
	char name[32];
	bool privileged;
	ctl_handler fn;
	void *arg;
};

struct client {
	struct ctl *ctl;
	int fd;
	bool privileged;
	char req[CTL_REQUEST_MAX + 1];
	size_t rlen;
	struct ctl_reply reply;
	size_t sent;
	bool replying;
	int64_t since;
	struct client *next;
};

struct ctl {
	struct loop *loop;
	int fd;
	char path[108];
	dev_t dev;                 /* our socket file, removed at close */
	ino_t ino;
	gid_t gid;
	bool have_gid;
	struct verb verbs[CTL_VERBS_MAX];
	size_t nverbs;
	struct client *clients;
	size_t nclients;
	uint64_t served, refused, bad, denied;
	size_t pending;            /* reply bytes held for all clients */
	int spare;                 /* reserve descriptor for EMFILE */
};

/* Seconds of the monotonic clock. */
static int64_t
mono(void)
{
	return mono_ns() / 1000000000;
}

/* Make room for n more bytes and the NUL; false when the reply would
 * pass CTL_REPLY_MAX (it is then cut: replies stay bounded). */
static bool
reply_room(struct ctl_reply *r, size_t n)
{
	size_t cap;
	char *p;

	if (r->buf != NULL && n < r->cap - r->len)
		return true;
	cap = r->cap == 0 ? 4096 : r->cap * 2;
	while (cap < r->len + n + 1)
		cap *= 2;
	if (cap > CTL_REPLY_MAX || (p = realloc(r->buf, cap)) == NULL)
		return false;
	r->buf = p;
	r->cap = cap;
	return true;
}

void
ctl_reply_printf(struct ctl_reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(r->buf == NULL ? NULL : r->buf + r->len,
		    r->buf == NULL ? 0 : r->cap - r->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (r->buf != NULL && (size_t)n < r->cap - r->len) {
			r->len += (size_t)n;
			return;
		}
		if (!reply_room(r, (size_t)n))
			return;
	}
}

void
ctl_reply_write(struct ctl_reply *r, const char *p, size_t n)
{
	if (n == 0 || !reply_room(r, n))
		return;
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

int
ctl_reply_status(struct ctl_reply *r, int code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return code;
}

static void
client_free(struct ctl *c, struct client *cl)
{
	struct client **p;

	for (p = &c->clients; *p != NULL; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	loop_del(c->loop, cl->fd);
	close(cl->fd);
	if (cl->replying)
		c->pending -= cl->reply.len;
	free(cl->reply.buf);
	free(cl);
	c->nclients--;
}

/* Is the peer on fd in group gid (primary or supplementary)? The
 * supplementary groups come from SO_PEERGROUPS (Linux 4.13): no /proc
 * read (hidden by ProtectProc=) and no NSS lookup (which could block). */
static bool
in_group(int fd, gid_t gid, gid_t peer_gid)
{
	gid_t small[64], *groups = small;
	socklen_t len = sizeof(small);
	bool found = false;
	size_t i;

	if (peer_gid == gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == -1) {
		if (errno != ERANGE || len > CTL_PEER_GROUPS_MAX * sizeof(gid_t) ||
		    (groups = malloc(len)) == NULL)
			return false;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) ==
		    -1)
			len = 0;
	}
	for (i = 0; i < len / sizeof(gid_t) && !found; i++)
		found = groups[i] == gid;
	if (groups != small)
		free(groups);
	return found;
}

/* Split the request into words; 0, or -1 when malformed. */
static int
split(char *req, char **argv, int *argc)
{
	char *p;

	*argc = 0;
	for (p = req; *p != '\0'; p++)
		if (*p < 0x21 && *p != ' ')
			return -1;
		else if ((unsigned char)*p > 0x7e)
			return -1;
	for (p = strtok(req, " "); p != NULL; p = strtok(NULL, " ")) {
		if (*argc == CTL_ARGS_MAX)
			return -1;
		argv[(*argc)++] = p;
	}
	return *argc > 0 ? 0 : -1;
}

/* Replies waiting for clients that do not read hold memory: past
 * CTL_PENDING_MAX in all, the oldest such clients are dropped. */
static void
shed_replies(struct ctl *c, const struct client *keep)
{
	struct client *cl, *oldest;

	while (c->pending > CTL_PENDING_MAX) {
		oldest = NULL;
		for (cl = c->clients; cl != NULL; cl = cl->next)
			if (cl->replying && cl != keep &&
			    (oldest == NULL || cl->since <= oldest->since))
				oldest = cl;
		if (oldest == NULL)
			return;
		c->refused++;
		client_free(c, oldest);
	}
}

static void
start_reply(struct ctl *c, struct client *cl)
{
	char *argv[CTL_ARGS_MAX], head[300];
	struct ctl_reply *r = &cl->reply;
	struct verb *v = NULL;
	int argc, n;
	size_t i;

	r->code = 0;
	snprintf(r->msg, sizeof(r->msg), "ok");
	if (split(cl->req, argv, &argc) == -1) {
		c->bad++;
		ctl_reply_status(r, EX_USAGE, "malformed request");
	} else {
		for (i = 0; i < c->nverbs; i++)
			if (strcmp(c->verbs[i].name, argv[0]) == 0)
				v = &c->verbs[i];
		if (v == NULL) {
			c->bad++;
			ctl_reply_status(r, EX_USAGE, "unknown command");
		} else if (v->privileged && !cl->privileged) {
			c->denied++;
			ctl_reply_status(r, EX_NOPERM, "permission denied: "
			    "%s needs root or the control group", v->name);
		} else {
			v->fn(v->arg, argc, argv, r);
		}
	}
	/* Put the status line in front of the body. */
	n = snprintf(head, sizeof(head), "%d %s\n", r->code, r->msg);
	ctl_reply_printf(r, "%*s", n, "");
	if (r->buf != NULL && r->len >= (size_t)n) {
		memmove(r->buf + n, r->buf, r->len - (size_t)n);
		memcpy(r->buf, head, (size_t)n);
	}
	cl->replying = true;
	cl->sent = 0;
	c->pending += r->len;
	shed_replies(c, cl);
	loop_mod(c->loop, cl->fd, EPOLLOUT);
}

static void
on_client(void *arg, int fd, uint32_t events)
{
	struct client *cl = arg;
	struct ctl *c = cl->ctl;
	ssize_t r;
	char *nl;

	if (cl->replying) {
		r = send(fd, cl->reply.buf + cl->sent, cl->reply.len - cl->sent,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0)
			cl->sent += (size_t)r;
		if ((r == -1 && errno != EAGAIN && errno != EINTR) ||
		    cl->sent >= cl->reply.len)
			client_free(c, cl);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
		client_free(c, cl);
		return;
	}
	r = recv(fd, cl->req + cl->rlen, CTL_REQUEST_MAX - cl->rlen,
	    MSG_DONTWAIT);
	if (r == 0 || (r == -1 && errno != EAGAIN && errno != EINTR)) {
		client_free(c, cl);
		return;
	}
	if (r > 0)
		cl->rlen += (size_t)r;
	cl->req[cl->rlen] = '\0';
	if ((nl = memchr(cl->req, '\n', cl->rlen)) != NULL) {
		*nl = '\0';
		if (memchr(cl->req, '\0', (size_t)(nl - cl->req)) != NULL)
			cl->req[0] = '\x01'; /* NUL inside: malformed */
		start_reply(c, cl);
	} else if (cl->rlen == CTL_REQUEST_MAX) {
		c->bad++;
		cl->req[0] = '\x01';
		cl->req[1] = '\0';
		start_reply(c, cl);
	}
}

/* At the cap, the oldest connection makes room for the new one: a flood
 * of idle clients can delay an admin's request, never lock it out. */
static void
evict_oldest(struct ctl *c)
{
	struct client *cl, *oldest = NULL;

	for (cl = c->clients; cl != NULL; cl = cl->next)
		if (oldest == NULL || cl->since <= oldest->since)
			oldest = cl;
	if (oldest != NULL) {
		c->refused++;
		client_free(c, oldest);
	}
}

/* Out of descriptors: take the pending connection with the spare one and
 * close it, or the level-triggered listener would spin. */
static void
shed(struct ctl *c, int fd)
{
	int s;

	if (c->spare != -1) {
		close(c->spare);
		if ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) != -1)
			close(s);
		c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	c->refused++;
}

static void
on_accept(void *arg, int fd, uint32_t events)
{
	struct ctl *c = arg;
	struct client *cl;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int s;

	(void)events;
	for (;;) {
		if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) ==
		    -1) {
			if (errno == EMFILE || errno == ENFILE)
				shed(c, fd);
			return;
		}
		if (c->nclients >= CTL_CLIENTS_MAX)
			evict_oldest(c);
		if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1 ||
		    (cl = calloc(1, sizeof(*cl))) == NULL) {
			c->refused++;
			close(s);
			continue;
		}
		cl->ctl = c;
		cl->fd = s;
		cl->since = mono();
		cl->privileged = cred.uid == 0 || cred.uid == geteuid() ||
		    (c->have_gid && in_group(s, c->gid, cred.gid));
		if (loop_add(c->loop, s, EPOLLIN, on_client, cl) == -1) {
			close(s);
			free(cl);
			continue;
		}
		cl->next = c->clients;
		c->clients = cl;
		c->nclients++;
		c->served++;
	}
}

struct ctl *
ctl_open(struct loop *l, const char *path, const char *group)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct ctl *c;
	struct group *gr;
	struct stat st;
	mode_t old;
	int fd, probe;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sun.sun_path, path);
	/* Only a socket is ever removed: a path naming anything else (a
	 * file, a link) is a mistake or a trap, and stays as it is. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return NULL;
	}
	/* Someone answering there already? Then do not steal the socket. */
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe != -1 &&
	    connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		errno = EADDRINUSE;
		return NULL;
	}
	if (probe != -1)
		close(probe);
	unlink(path);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->loop = l;
	c->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	strcpy(c->path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(0117);
	if (fd == -1 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, CTL_BACKLOG) == -1) {
		umask(old);
		if (fd != -1)
			close(fd);
		if (c->spare != -1)
			close(c->spare);
		free(c);
		return NULL;
	}
	umask(old);
	c->fd = fd;
	if (group != NULL && *group != '\0' && (gr = getgrnam(group)) != NULL) {
		c->gid = gr->gr_gid;
		c->have_gid = true;
		/* Best effort: if it fails, only root and our uid can
		 * connect (mode 0660), which is the safe side. Skipped when
		 * the socket has the group already (the unit runs with it as
		 * its primary group, and its syscall filter refuses chown). */
		if ((stat(path, &st) == -1 || st.st_gid != c->gid) &&
		    chown(path, (uid_t)-1, c->gid) == -1)
			errno = 0;
	}
	chmod(path, 0660);
	if (lstat(path, &st) == 0) {
		c->dev = st.st_dev;
		c->ino = st.st_ino;
	}
	if (loop_add(l, fd, EPOLLIN, on_accept, c) == -1) {
		close(fd);
		unlink(path);
		if (c->spare != -1)
			close(c->spare);
		free(c);
		return NULL;
	}
	return c;
}

void
ctl_close(struct ctl *c)
{
	struct stat st;

	if (c == NULL)
		return;
	while (c->clients != NULL)
		client_free(c, c->clients);
	loop_del(c->loop, c->fd);
	close(c->fd);
	if (c->spare != -1)
		close(c->spare);
	if (lstat(c->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == c->dev && st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}

int
ctl_register(struct ctl *c, const char *verb, bool privileged, ctl_handler fn,
    void *arg)
{
	struct verb *v;

	if (c->nverbs == CTL_VERBS_MAX || strlen(verb) >= sizeof(v->name)) {
		errno = ENOSPC;
		return -1;
	}
	v = &c->verbs[c->nverbs++];
	strcpy(v->name, verb);
	v->privileged = privileged;
	v->fn = fn;
	v->arg = arg;
	return 0;
}

void
ctl_sweep(struct ctl *c)
{
	struct client *cl, *next;
	int64_t now = mono();

	for (cl = c->clients; cl != NULL; cl = next) {
		next = cl->next;
		if (now - cl->since > CTL_IDLE_MAX)
			client_free(c, cl);
	}
}

void
ctl_stats(const struct ctl *c, uint64_t *served, uint64_t *refused,
    uint64_t *bad)
{
	*served = c->served;
	*refused = c->refused;
	*bad = c->bad;
}

uint64_t
ctl_denied(const struct ctl *c)
{
	return c->denied;
}

int
ctl_call(const char *path, const char *request, char **body, char *msg,
    size_t msglen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t len = 0, cap = 0, want = strlen(request);
	char *buf = NULL, *p, *nl;
	struct pollfd pfd;
	int fd, code, saved;
	ssize_t r;

	*body = NULL;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    send(fd, request, want, MSG_NOSIGNAL) != (ssize_t)want ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		goto fail;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, CTL_TIMEOUT_MS) != 1) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (len + 65536 + 1 > cap) {
			cap = cap == 0 ? 65536 * 2 : cap * 2;
			if (cap > CTL_REPLY_MAX + 65536 ||
			    (p = realloc(buf, cap)) == NULL)
				goto fail;
			buf = p;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (buf == NULL || (nl = memchr(buf, '\n', len)) == NULL) {
		free(buf);
		errno = EPROTO;
		return -1;
	}
	buf[len] = '\0';
	*nl = '\0';
	code = (int)strtol(buf, &p, 10);
	snprintf(msg, msglen, "%s", *p == ' ' ? p + 1 : p);
	memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
	*body = buf;
	return code;
fail:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return -1;
}
