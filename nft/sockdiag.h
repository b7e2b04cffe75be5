/*
 * sockdiag: cut a banned peer's established TCP sessions with SOCK_DESTROY
 * over NETLINK_SOCK_DIAG (libmnl). The drop rule already stops the
 * attacker's packets; destroying the socket also frees Domino's side at
 * once, so a harvest session ends mid-burst instead of stalling. Never
 * prints; returns counts, or -1 with errno.
 *
 * Needs CAP_NET_ADMIN over the network namespace and a kernel built with
 * CONFIG_INET_DIAG_DESTROY; without it the kernel answers EOPNOTSUPP.
 * Only sockets of the caller's own network namespace are seen.
 */
#ifndef DB_SOCKDIAG_H
#define DB_SOCKDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Sockets destroyed per call, at most (the rest wait for the next call). */
#define SOCKDIAG_MAX 4096

/* Decides whether the peer of an established socket is banned. */
typedef bool sockdiag_match_fn(void *arg, const struct addr *peer);

struct sockdiag;

/* Open the NETLINK_SOCK_DIAG socket. NULL with errno. */
struct sockdiag *sockdiag_open(void);
void sockdiag_close(struct sockdiag *d);

/*
 * Dump the TCP sockets of both families that are neither listening nor in
 * TIME_WAIT, keep those whose local port is one of ports[] and whose peer
 * match() accepts (a v4 peer on an IPv6 socket, ::ffff:a.b.c.d, is offered
 * as IPv4), and destroy them. Returns the number destroyed, or -1 with
 * errno (EOPNOTSUPP: the kernel lacks SOCK_DESTROY; EPERM: no
 * CAP_NET_ADMIN). A socket that closed meanwhile is not an error.
 */
int sockdiag_kill(struct sockdiag *d, const uint16_t *ports, size_t nports,
    sockdiag_match_fn *match, void *arg);

#endif
