/*
 * Unit tests for daemon/ctl.c: the control socket's server in a real loop
 * and its client in a forked child (ctl_call blocks). A verb answers with
 * its status line and body; unknown, malformed and over-long requests are
 * answered and counted, never fatal; a second server on the same path and
 * a path that is no socket are refused; a stalled client is swept.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "loop.h"
#include "suite_run.h"

static char dir[64], path[128];
static struct loop *loop;
static struct ctl *ctl;

/* A verb that echoes its words, one a line, and a big one. */
static void
h_echo(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	int i;

	(void)arg;
	for (i = 1; i < argc; i++)
		ctl_reply_printf(r, "%s\n", argv[i]);
	ctl_reply_status(r, 0, "echoed %d", argc - 1);
}

static void
h_fail(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	(void)arg;
	(void)argc;
	(void)argv;
	ctl_reply_status(r, EX_DATAERR, "no such ban");
}

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_ctl.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	ck_assert_ptr_nonnull(loop = loop_new());
	ctl = ctl_open(loop, path, "");
	ck_assert_ptr_nonnull(ctl);
	ck_assert_int_eq(ctl_register(ctl, "echo", false, h_echo, NULL), 0);
	ck_assert_int_eq(ctl_register(ctl, "fail", true, h_fail, NULL), 0);
}

static void
teardown(void)
{
	ctl_close(ctl);
	loop_free(loop);
	unlink(path);
	rmdir(dir);
}

/* What the child's ctl_call returned, read back through a pipe. */
struct got {
	char buf[8192];
	size_t len;
};

static void
on_pipe(void *arg, int fd, uint32_t events)
{
	struct got *g = arg;
	ssize_t n;

	(void)events;
	n = read(fd, g->buf + g->len, sizeof(g->buf) - 1 - g->len);
	if (n > 0) {
		g->len += (size_t)n;
		return;
	}
	loop_stop(loop);
}

/* Run ctl_call(request) in a child while the loop serves it; the child
 * writes "RC MSG\nBODY" (RC -1: "-1 ERRNO"). */
static void
call(const char *request, struct got *g)
{
	char *body, msg[256];
	int p[2], rc, st;
	pid_t pid;

	memset(g, 0, sizeof(*g));
	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(p[0]);
		rc = ctl_call(path, request, &body, msg, sizeof(msg));
		if (rc == -1)
			dprintf(p[1], "-1 %d\n", errno);
		else
			dprintf(p[1], "%d %s\n%s", rc, msg, body);
		_exit(0);
	}
	close(p[1]);
	ck_assert_int_eq(loop_add(loop, p[0], EPOLLIN, on_pipe, g), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	loop_del(loop, p[0]);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	g->buf[g->len] = '\0';
}

START_TEST(test_verb_answers)
{
	uint64_t served, refused, bad;
	struct got g;

	call("echo a b", &g);
	ck_assert_str_eq(g.buf, "0 echoed 2\na\nb\n");
	call("fail 192.0.2.1", &g);
	ck_assert_str_eq(g.buf, "65 no such ban\n");
	ctl_stats(ctl, &served, &refused, &bad);
	ck_assert_uint_eq(served, 2);
	ck_assert_uint_eq(bad, 0);
	/* Root (or our own uid) may use privileged verbs. */
	ck_assert_uint_eq(ctl_denied(ctl), 0);
}
END_TEST

START_TEST(test_bad_requests_answered)
{
	uint64_t served, refused, bad;
	char big[CTL_REQUEST_MAX + 100], reset[32], pipe_[32];
	struct got g;

	call("nosuchverb", &g);
	ck_assert_str_eq(g.buf, "64 unknown command\n");
	/* A control byte, a byte past ASCII, too many words: not the
	 * protocol's requests. */
	call("echo a\tb", &g);
	ck_assert_str_eq(g.buf, "64 malformed request\n");
	call("echo 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", &g);
	ck_assert_str_eq(g.buf, "64 malformed request\n");
	call("echo \x7f", &g);
	ck_assert_str_eq(g.buf, "64 malformed request\n");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	call(big, &g);
	/* Answered, or, when the daemon closed with the rest of the line
	 * unsent or unread, broken (EPIPE) or reset: counted and dropped. */
	snprintf(reset, sizeof(reset), "-1 %d\n", ECONNRESET);
	snprintf(pipe_, sizeof(pipe_), "-1 %d\n", EPIPE);
	ck_assert_msg(strcmp(g.buf, "64 malformed request\n") == 0 ||
	    strcmp(g.buf, reset) == 0 || strcmp(g.buf, pipe_) == 0, "%s",
	    g.buf);
	ctl_stats(ctl, &served, &refused, &bad);
	ck_assert_uint_ge(bad, 5);
	/* Still serving. */
	call("echo ok", &g);
	ck_assert_str_eq(g.buf, "0 echoed 1\nok\n");
}
END_TEST

START_TEST(test_open_refusals)
{
	struct loop *l2 = loop_new();
	char other[160];
	int fd;

	ck_assert_ptr_nonnull(l2);
	/* A daemon answers at path already. */
	errno = 0;
	ck_assert_ptr_null(ctl_open(l2, path, ""));
	ck_assert_int_eq(errno, EADDRINUSE);
	/* A regular file at the path is left alone. */
	snprintf(other, sizeof(other), "%s/file", dir);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	errno = 0;
	ck_assert_ptr_null(ctl_open(l2, other, ""));
	ck_assert_int_eq(errno, ENOTSOCK);
	ck_assert_int_eq(access(other, F_OK), 0);
	unlink(other);
	loop_free(l2);
}
END_TEST

static void
on_tick(void *arg, int fd, uint32_t events)
{
	uint64_t n;
	int *ticks = arg;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1)
		return;
	if (++*ticks * 500 > (CTL_IDLE_MAX + 1) * 1000) {
		ctl_sweep(ctl);
		loop_stop(loop);
	}
}

START_TEST(test_stalled_client_swept)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, tfd, ticks = 0;
	char c;

	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	strcpy(sun.sun_path, path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(send(fd, "echo", 4, 0), 4); /* and never a newline */
	tfd = loop_timerfd(500);
	ck_assert_int_ge(tfd, 0);
	ck_assert_int_eq(loop_add(loop, tfd, EPOLLIN, on_tick, &ticks), 0);
	ck_assert_int_eq(loop_run(loop), 0);
	loop_del(loop, tfd);
	close(tfd);
	/* The daemon closed it: end of file, no reply. */
	ck_assert_int_eq(recv(fd, &c, 1, MSG_DONTWAIT), 0);
	close(fd);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc;

	tc = tcase_create("requests");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_verb_answers);
	tcase_add_test(tc, test_bad_requests_answered);
	tcase_add_test(tc, test_open_refusals);
	suite_add_tcase(s, tc);
	tc = tcase_create("sweep");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_stalled_client_swept);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
