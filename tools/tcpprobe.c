/*
 * tcpprobe: a tiny TCP client and server for the system tests and the demo.
 * No netcat is assumed on the machine, and the client must bind its source
 * address before connecting so that one namespace can play both the banned
 * attacker and an innocent host.
 *
 *   tcpprobe listen ADDR PORT         accept and close connections until killed
 *   tcpprobe connect SRC DST PORT MS  exit 0 CONNECTED, 1 TIMEOUT, 2 REFUSED,
 *                                     3 RESET, 4 other error
 *   tcpprobe hold SRC DST PORT MS     connect, then wait up to MS for the peer
 *                                     to close or reset the session
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
fill(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	int p = port != NULL ? atoi(port) : 0;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)p);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	fprintf(stderr, "tcpprobe: bad address '%s'\n", host);
	exit(4);
}

static int
do_listen(const char *addr, const char *port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, c, one = 1;

	fd = socket(fill(addr, port, &ss, &len), SOCK_STREAM, 0);
	if (fd == -1)
		return perror("socket"), 4;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 || listen(fd, 128) == -1)
		return perror("bind/listen"), 4;
	printf("LISTENING\n");
	fflush(stdout);
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c >= 0) {
			/* Greet like an SMTP server, then keep the session open
			 * until the peer goes away, so "hold" can watch it. */
			if (write(c, "220 probe\r\n", 11) < 0)
				perror("write");
			if (fork() == 0) {
				char buf[256];
				while (read(c, buf, sizeof(buf)) > 0)
					;
				_exit(0);
			}
			close(c);
		}
	}
}

static int
do_connect(const char *src, const char *dst, const char *port, int ms, int hold)
{
	struct sockaddr_storage s, d;
	socklen_t sl, dl;
	struct pollfd pfd;
	int fd, err = 0, r;
	socklen_t el = sizeof(err);
	char buf[256];

	fd = socket(fill(dst, port, &d, &dl), SOCK_STREAM, 0);
	if (fd == -1)
		return perror("socket"), 4;
	fill(src, NULL, &s, &sl);
	if (bind(fd, (struct sockaddr *)&s, sl) == -1)
		return perror("bind"), 4;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&d, dl) == -1 && errno != EINPROGRESS)
		err = errno;
	if (err == 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, ms);
		if (r == 0) {
			printf("TIMEOUT\n");
			return 1;
		}
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	}
	if (err == ECONNREFUSED) {
		printf("REFUSED\n");
		return 2;
	}
	if (err == ECONNRESET) {
		printf("RESET\n");
		return 3;
	}
	if (err != 0) {
		printf("ERROR %s\n", strerror(err));
		return 4;
	}
	if (!hold) {
		printf("CONNECTED\n");
		return 0;
	}
	/* hold: wait for the server side to end the session. */
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		r = poll(&pfd, 1, ms);
		if (r == 0) {
			printf("OPEN\n");
			return 0;
		}
		r = (int)read(fd, buf, sizeof(buf));
		if (r > 0)
			continue;
		if (r == 0) {
			printf("CLOSED\n");
			return 5;
		}
		if (errno == EAGAIN)
			continue;
		printf("%s\n", errno == ECONNRESET ? "RESET" : strerror(errno));
		return errno == ECONNRESET ? 3 : 4;
	}
}

int
main(int argc, char **argv)
{
	signal(SIGCHLD, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "listen") == 0)
		return do_listen(argv[2], argv[3]);
	if (argc == 6 && strcmp(argv[1], "connect") == 0)
		return do_connect(argv[2], argv[3], argv[4], atoi(argv[5]), 0);
	if (argc == 6 && strcmp(argv[1], "hold") == 0)
		return do_connect(argv[2], argv[3], argv[4], atoi(argv[5]), 1);
	fprintf(stderr, "usage: tcpprobe listen ADDR PORT\n"
			"       tcpprobe connect|hold SRC DST PORT TIMEOUT_MS\n");
	return 64;
}
