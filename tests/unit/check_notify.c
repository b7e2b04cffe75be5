/* Unit tests for daemon/notify.c against a real datagram socket. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

START_TEST(test_not_systemd)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_send("READY=1"), 0);
	unsetenv("WATCHDOG_USEC");
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

START_TEST(test_send)
{
	char dir[] = "/tmp/check_notify.XXXXXX", path[64], buf[64];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	ssize_t n;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_send("READY=1\nSTATUS=ok"), 1);
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	ck_assert_int_eq(n, 17);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "READY=1\nSTATUS=ok");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(notify_send("READY=1"), -1);
	close(fd);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_watchdog)
{
	char pid[32];

	setenv("WATCHDOG_USEC", "30000000", 1);
	unsetenv("WATCHDOG_PID");
	ck_assert_uint_eq(notify_watchdog_usec(), 30000000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_USEC", "junk", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("notify");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_not_systemd);
	tcase_add_test(tc, test_send);
	tcase_add_test(tc, test_watchdog);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
