/* Unit tests for daemon/lock.c: one holder per state directory, the pid
 * in the file, the lock gone with its descriptor. flock(2) locks belong
 * to an open file description, so a second lock_take() in the same
 * process is refused just as another process would be. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"
#include "suite_run.h"

START_TEST(test_one_holder)
{
	char dir[] = "/tmp/check_lock.XXXXXX", sub[64], path[96], buf[32],
	    msg[512], want[160];
	struct stat st;
	FILE *f;
	int fd, fd2;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A missing state directory is created, 0700. */
	snprintf(sub, sizeof(sub), "%s/state", dir);
	fd = lock_take(sub, msg, sizeof(msg));
	ck_assert_msg(fd >= 0, "%s", msg);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/%s", sub, LOCK_NAME);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_int_eq(atol(buf), (long)getpid());

	/* Held: refused, naming the directory. */
	ck_assert_int_eq(lock_take(sub, msg, sizeof(msg)), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	snprintf(want, sizeof(want), "runs on state_dir %s: it holds", sub);
	ck_assert_msg(strstr(msg, want) != NULL, "%s", msg);

	/* Released with its descriptor (as at any exit, even kill -9). */
	close(fd);
	fd2 = lock_take(sub, msg, sizeof(msg));
	ck_assert_msg(fd2 >= 0, "%s", msg);
	/* lock_release() empties the file: no stale pid for the next one. */
	lock_release(fd2);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	unlink(path);
	rmdir(sub);
	rmdir(dir);
}
END_TEST

/* Another process holds the lock: its pid is named; once it is gone, a
 * pid left in the file (kill -9) is not named as a holder. */
START_TEST(test_holder_pid)
{
	char dir[] = "/tmp/check_lock.XXXXXX", path[96], msg[512], want[160];
	int up[2], down[2], fd, status;
	char c = 0;
	pid_t pid;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	if ((pid = fork()) == 0) {
		fd = lock_take(dir, msg, sizeof(msg));
		c = fd >= 0 ? 'y' : 'n';
		if (write(up[1], &c, 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(2);
		_exit(0); /* as kill -9: the file keeps our pid */
	}
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(read(up[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	ck_assert_int_eq(lock_take(dir, msg, sizeof(msg)), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	snprintf(want, sizeof(want), "another dominoban (pid %ld) runs on",
	    (long)pid);
	ck_assert_msg(strstr(msg, want) == msg, "%s", msg);
	ck_assert_int_eq(write(down[1], &c, 1), 1);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
	fd = lock_take(dir, msg, sizeof(msg));
	ck_assert_msg(fd >= 0, "%s", msg);
	close(fd);
	snprintf(path, sizeof(path), "%s/%s", dir, LOCK_NAME);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(test_odd_lock_file)
{
	char dir[] = "/tmp/check_lock.XXXXXX", path[96], msg[512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/%s", dir, LOCK_NAME);
	/* A symbolic link is not followed; a FIFO neither hangs nor locks. */
	ck_assert_int_eq(symlink("/etc/passwd", path), 0);
	ck_assert_int_eq(lock_take(dir, msg, sizeof(msg)), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_msg(strstr(msg, "cannot lock state_dir") == msg, "%s", msg);
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(lock_take(dir, msg, sizeof(msg)), -1);
	ck_assert_int_eq(errno, EINVAL);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *
lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("lock");

	tcase_add_test(tc, test_one_holder);
	tcase_add_test(tc, test_holder_pid);
	tcase_add_test(tc, test_odd_lock_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(lock_suite());
}
