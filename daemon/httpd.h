/*
 * httpd: GET /metrics over HTTP ([metrics] listen), with libmicrohttpd in
 * its external-select mode: no thread of its own; its epoll descriptor is
 * watched by the daemon's loop and MHD_run() is called when it is ready
 * and once a second (for idle timeouts). Never a hand-written HTTP parser.
 * Built --with-microhttpd.
 */
#ifndef DB_HTTPD_H
#define DB_HTTPD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct loop;
struct httpd;

/* The body of GET /metrics: a malloc'd buffer the server frees, its length
 * in *len; NULL with errno when it cannot be made (answered 500). */
typedef char *(*httpd_body_fn)(void *arg, size_t *len);

/* What the server answered. */
struct httpd_stats {
	uint64_t served;       /* 200 */
	uint64_t not_found;    /* 404: another path */
	uint64_t bad_method;   /* 405: not GET or HEAD */
	uint64_t failed;       /* 500: the body could not be made */
};

/*
 * Listen on sa and serve GET /metrics with body(arg) from loop. NULL with
 * errno (EADDRINUSE, EACCES...) when the address cannot be bound.
 */
struct httpd *httpd_open(const struct sockaddr *sa, socklen_t len,
    struct loop *loop, httpd_body_fn body, void *arg);

/* Stop listening, close every connection. NULL is a no-op. */
void httpd_close(struct httpd *h);

/* Every second: time out idle connections. */
void httpd_tick(struct httpd *h);

void httpd_get_stats(const struct httpd *h, struct httpd_stats *st);

#endif
