/*
 * listen: "ADDR:PORT" or "[IPV6]:PORT" into a socket address, for
 * [metrics] listen. Numeric addresses only: inet_pton, no name lookup, so
 * a configuration never waits on DNS. Ports are decimal 1 to 65535.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "listen.h"

/* Longest address text accepted (an IPv6 address, with no zone). */
#define LISTEN_ADDR_MAX INET6_ADDRSTRLEN

static const char forms[] = "expected ADDR:PORT or [IPV6]:PORT with a "
    "numeric address and a port from 1 to 65535 (e.g. 127.0.0.1:9187)";

static int
port_of(const char *p, unsigned *port)
{
	unsigned v = 0;

	if (*p == '\0' || strlen(p) > 5)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int
listen_parse(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **why)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)(void *)ss;
	char host[LISTEN_ADDR_MAX];
	const char *colon, *start = s, *end;
	unsigned port;

	*why = forms;
	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		start = s + 1;
		if ((end = strchr(start, ']')) == NULL || end[1] != ':')
			return -1;
		colon = end + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return -1;
		end = colon;
	}
	if ((size_t)(end - start) >= sizeof(host) || end == start ||
	    port_of(colon + 1, &port) == -1)
		return -1;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	if (s[0] != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (s[0] == '[' && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}
