/*
 * listen: the address an HTTP endpoint listens on ([metrics] listen),
 * "ADDR:PORT" or "[IPV6]:PORT", numeric only (inet_pton, never a name
 * lookup). Pure.
 */
#ifndef DB_LISTEN_H
#define DB_LISTEN_H

#include <sys/socket.h>

/*
 * Parse s into ss (length in *len). 0, or -1 with a message for the admin
 * in *why (static text naming the valid forms).
 */
int listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **why);

#endif
