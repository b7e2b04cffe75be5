/*
 * ifaddr: this machine's own addresses, followed as they change. A
 * NETLINK_ROUTE socket (libmnl) subscribed to the IPv4 and IPv6 address
 * notices (RTM_NEWADDR, RTM_DELADDR) keeps a table of the addresses on
 * every link, filled by a dump when it opens. The daemon allowlists them,
 * so that an address added after start (a VIP moved by failover, an IPv6
 * temporary address) is never banned. Never prints; 0 or -1 with errno.
 *
 * Only the caller's own network namespace is seen; no privilege is needed.
 * An address whose duplicate address detection failed (IFA_F_DADFAILED)
 * belongs to another host on the link and is not held.
 */
#ifndef DB_IFADDR_H
#define DB_IFADDR_H

#include <stddef.h>

#include "addr.h"

/* Entries held at most (an entry: one address on one link). */
#define IFADDR_MAX 4096
/* A dump of the addresses not ended within this time fails (ms). */
#define IFADDR_DUMP_MS 2000

/* Receives each own address (a host, /32 or /128). */
typedef void ifaddr_fn(void *arg, const struct addr *a);

struct ifaddr;

/*
 * Open the socket (non-blocking), subscribe to the address notices, then
 * dump the current addresses. NULL with errno (ETIMEDOUT: the dump did
 * not end within IFADDR_DUMP_MS).
 */
struct ifaddr *ifaddr_open(void);

/* Close the socket and free the table. NULL is a no-op. */
void ifaddr_close(struct ifaddr *f);

/* The socket's descriptor, for the caller's poll loop. */
int ifaddr_fd(const struct ifaddr *f);

/*
 * Drain the notices waiting on the socket, without blocking, into the
 * table. Returns 1 when the set of own addresses changed, 0 when it did
 * not (an address added on a second link, a lifetime refreshed), or -1
 * with errno: ENOSPC when entries past IFADDR_MAX were left out (ENOMEM
 * when memory ran out), or the error of a dump. When notices were lost
 * (ENOBUFS) the table is dumped again. After -1 the table may have
 * changed too: rebuild from it.
 */
int ifaddr_read(struct ifaddr *f);

/* Call fn once for each distinct own address, in addr_cmp() order. */
void ifaddr_foreach(const struct ifaddr *f, ifaddr_fn *fn, void *arg);

/* The number of distinct own addresses. */
size_t ifaddr_count(const struct ifaddr *f);

#endif
