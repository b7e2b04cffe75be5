/*
 * arg: command-line helpers shared by the drill's programs (smtpd and
 * harvester): bounded integers and numeric socket addresses.
 */
#ifndef DRILL_ARG_H
#define DRILL_ARG_H

#include <sys/socket.h>

/*
 * The decimal integer s, within [min, max]; otherwise prints
 * "PROG: bad WHAT 'S'" and exits 64 (EX_USAGE).
 */
int arg_int(
    const char *prog, const char *s, int min, int max, const char *what);

/*
 * Fill ss and *len from the numeric IPv4 or IPv6 address host and port.
 * Returns AF_INET or AF_INET6, or -1 when host is no numeric address.
 */
int arg_addr(
    const char *host, int port, struct sockaddr_storage *ss, socklen_t *len);

#endif
