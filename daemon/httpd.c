/*
 * httpd: the metrics over HTTP with libmicrohttpd (httpd.h). The MHD
 * daemon runs with MHD_USE_EPOLL and no thread flag: it keeps its own
 * epoll set of the listening socket and its connections, and exposes that
 * set's descriptor, which our loop watches like any other; MHD_run() then
 * does what is ready without blocking. Connections are few and short
 * (a Prometheus scrape): at most HTTPD_CONNECTIONS at once, each with a
 * bounded memory pool and an idle timeout, so a client that connects and
 * says nothing costs one slot for HTTPD_TIMEOUT seconds at most.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>

#include <microhttpd.h>

#include "httpd.h"
#include "log.h"
#include "loop.h"

#define HTTPD_CONNECTIONS 16       /* open at once, all clients */
#define HTTPD_PER_IP 4             /* open at once, one client address */
#define HTTPD_TIMEOUT 10           /* seconds a connection may idle */
#define HTTPD_MEMORY (32 * 1024)   /* bytes of request memory a connection */
#define HTTPD_RUNS 8               /* MHD_run calls at most per wakeup */

/* MHD 0.9.71 made the handler's return type an enum. */
#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result httpd_result;
#else
typedef int httpd_result;
#endif

struct httpd {
	struct MHD_Daemon *mhd;
	struct loop *loop;
	int fd;                    /* MHD's epoll descriptor, in our loop */
	httpd_body_fn body;
	void *arg;
	struct httpd_stats st;
	struct log_limit limit;    /* of MHD's messages (a flood of clients) */
};

static httpd_result
answer(struct MHD_Connection *c, unsigned code, const char *type, char *buf,
    size_t len)
{
	struct MHD_Response *r;
	httpd_result rc;

	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

/* A fixed text answer. */
static httpd_result
text(struct MHD_Connection *c, unsigned code, const char *msg)
{
	char *buf = strdup(msg);

	return buf == NULL ? MHD_NO :
	    answer(c, code, "text/plain; charset=utf-8", buf, strlen(buf));
}

static httpd_result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **ctx)
{
	struct httpd *h = cls;
	char *buf;
	size_t len;

	(void)version;
	(void)upload;
	(void)ctx;
	/* A request body is neither wanted nor read: the answer goes out
	 * at the first call and MHD discards what follows. */
	*upload_size = 0;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
		h->st.bad_method++;
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
		    "only GET and HEAD\n");
	}
	if (strcmp(url, "/metrics") != 0) {
		h->st.not_found++;
		return text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics "
		    "are at /metrics\n");
	}
	if ((buf = h->body(h->arg, &len)) == NULL) {
		h->st.failed++;
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "the metrics could not be gathered\n");
	}
	h->st.served++;
	return answer(c, MHD_HTTP_OK, "text/plain; version=0.0.4; "
	    "charset=utf-8", buf, len);
}

/* MHD works through its epoll set edge-triggered: a connection it could
 * not finish (a send buffer full) stays on its ready list without a new
 * event, and MHD_get_timeout() then says 0, "call again now". So run again
 * while it says so, a bounded number of times per wakeup; the rest waits
 * for the next event or tick. */
static void
run(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	unsigned i;

	for (i = 0; i < HTTPD_RUNS; i++) {
		if (MHD_run(h->mhd) != MHD_YES) {
			log_warnx("metrics http: MHD_run failed");
			return;
		}
		if (MHD_get_timeout(h->mhd, &ms) != MHD_YES || ms > 0)
			return;
	}
}

static void
on_ready(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	run(arg);
}

/* MHD's own messages, through our log, at a limited rate. */
static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct httpd *h = cls;
	char msg[256];

	if (!log_limit_allow(&h->limit, (int64_t)time(NULL)))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_warnx("metrics http: %s", msg);
}

struct httpd *
httpd_open(const struct sockaddr *sa, socklen_t len, struct loop *loop,
    httpd_body_fn body, void *arg)
{
	const union MHD_DaemonInfo *info;
	struct httpd *h;
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	int err;

	(void)len;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->loop = loop;
	h->body = body;
	h->arg = arg;
	h->fd = -1;
	h->limit.burst = 5;
	h->limit.window = 60;
	if (sa->sa_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	h->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_SOCK_ADDR, sa,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTPD_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTPD_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTPD_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTPD_MEMORY,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		err = errno != 0 ? errno : EADDRNOTAVAIL;
		free(h);
		errno = err;
		return NULL;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || (h->fd = info->epoll_fd) < 0 ||
	    loop_add(loop, h->fd, EPOLLIN, on_ready, h) == -1) {
		err = errno != 0 ? errno : EINVAL;
		MHD_stop_daemon(h->mhd);
		free(h);
		errno = err;
		return NULL;
	}
	return h;
}

void
httpd_close(struct httpd *h)
{
	if (h == NULL)
		return;
	loop_del(h->loop, h->fd);
	MHD_stop_daemon(h->mhd);
	free(h);
}

void
httpd_tick(struct httpd *h)
{
	run(h);
}

void
httpd_get_stats(const struct httpd *h, struct httpd_stats *st)
{
	*st = h->st;
}
