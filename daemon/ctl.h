/*
 * ctl: the control socket between the dominoban CLI and the daemon.
 *
 * Protocol, kept deliberately small: the client sends one request line of
 * at most CTL_REQUEST_MAX bytes, printable ASCII words separated by single
 * spaces, ended by '\n' ("list", "ban 192.0.2.1 3600"). The daemon answers
 * "<code> <message>\n" (code is a sysexits(3) value, 0 for success), then a
 * body of any length, and closes the connection.
 *
 * Trust: the peer's credentials come from SO_PEERCRED. Read-only verbs are
 * open to whoever can open the socket (mode 0660, owner group); privileged
 * verbs need uid 0, the daemon's own uid, or membership of the control
 * group. Every request is bounded, validated, and answered or dropped: a
 * client can never block or crash the daemon.
 */
#ifndef DB_CTL_H
#define DB_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "loop.h"

#define CTL_REQUEST_MAX 4096        /* bytes in a request line */
#define CTL_ARGS_MAX 16             /* words in a request */
#define CTL_REPLY_MAX (64u << 20)   /* bytes in a reply */
#define CTL_PENDING_MAX (128u << 20) /* reply bytes held for all clients */
#define CTL_CLIENTS_MAX 1024        /* connections served at once */
#define CTL_PEER_GROUPS_MAX 65536   /* supplementary groups read per peer */
#define CTL_BACKLOG 1024            /* pending connections */
#define CTL_IDLE_MAX 5              /* seconds a client may stall */
#define CTL_TIMEOUT_MS 10000        /* the CLI waits this long for a reply */

/* A reply being built; handlers fill it with ctl_reply_printf(). */
struct ctl_reply {
	char *buf;
	size_t len, cap;
	int code;                   /* sysexits value; 0 = OK */
	char msg[256];              /* the status line's message */
};

/* Append to the reply body (cut at CTL_REPLY_MAX). */
void ctl_reply_printf(struct ctl_reply *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append n bytes to the reply body (cut at CTL_REPLY_MAX). */
void ctl_reply_write(struct ctl_reply *r, const char *p, size_t n);

/* Set the status: code and message. Returns code. */
int ctl_reply_status(struct ctl_reply *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A verb's handler: argv[0] is the verb. */
typedef void (*ctl_handler)(void *arg, int argc, char **argv,
    struct ctl_reply *r);

struct ctl;

/*
 * Listen on path (its directory must exist) in loop l. group names who may
 * use privileged verbs ("" or an unknown group: root and our uid only).
 * Refuses (EADDRINUSE) when a daemon already answers there, and
 * (ENOTSOCK) when path exists and is no socket; replaces a stale socket
 * file. NULL with errno.
 */
struct ctl *ctl_open(struct loop *l, const char *path, const char *group);
void ctl_close(struct ctl *c);

/* Register a verb. 0, or -1 with errno ENOSPC. */
int ctl_register(struct ctl *c, const char *verb, bool privileged,
    ctl_handler fn, void *arg);

/* Drop clients connected longer than CTL_IDLE_MAX seconds by the monotonic
 * clock (read here: a wall clock set back would keep them forever). */
void ctl_sweep(struct ctl *c);

/* Counters: connections served, refused as over the cap, bad requests. */
void ctl_stats(const struct ctl *c, uint64_t *served, uint64_t *refused,
    uint64_t *bad);

/* Requests for a privileged verb refused to an unprivileged peer. */
uint64_t ctl_denied(const struct ctl *c);

/*
 * Client side: send request to the daemon at path and read the reply.
 * Returns the reply's code with *body (malloc'd) and *msg filled, or -1
 * with errno ENOENT/ECONNREFUSED when no daemon listens, or another errno.
 */
int ctl_call(const char *path, const char *request, char **body,
    char *msg, size_t msglen);

#endif
