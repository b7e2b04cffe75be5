/* Unit tests for daemon/rfile.c: bounded reads, file types that must not
 * be read (nor block), symbolic links, and the StrictModes checks. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rfile.h"
#include "suite_run.h"

static char dir[] = "/tmp/check_rfile.XXXXXX";

static void
setup(void)
{
	strcpy(dir, "/tmp/check_rfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(chmod(dir, 0755), 0);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* dir/name holding text, with mode; returns its path (static). */
static const char *
make(const char *name, const char *text, mode_t mode)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	ck_assert_int_eq(chmod(path, mode), 0);
	return path;
}

START_TEST(test_regular)
{
	const char *p = make("a.conf", "hello\nworld\n", 0644);
	char *buf, msg[RFILE_MSG_MAX];
	size_t len;

	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), 0);
	ck_assert_uint_eq(len, 12);
	ck_assert_str_eq(buf, "hello\nworld\n");
	free(buf);
	/* Bounded: one byte over the limit is refused. */
	ck_assert_int_eq(rfile_read(p, 11, 0, &buf, &len, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_ptr_null(buf);
	ck_assert_str_eq(msg, "larger than 11 bytes");
	/* Missing: ENOENT, for callers that fall back to defaults. */
	ck_assert_int_eq(rfile_read("/nonexistent/x", 11, 0, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* A FIFO (no writer: open(2) without O_NONBLOCK would wait forever), a
 * directory and a device are refused at once, by type. */
START_TEST(test_not_regular)
{
	char path[256], *buf, msg[RFILE_MSG_MAX];
	size_t len;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(rfile_read(path, 100, 0, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(msg, "is a FIFO, not a regular file");
	ck_assert_int_eq(rfile_read(dir, 100, 0, &buf, &len, msg, sizeof(msg)),
	    -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_str_eq(msg, "is a directory, not a regular file");
	ck_assert_int_eq(rfile_read("/dev/null", 100, 0, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_str_eq(msg, "is a character device, not a regular file");
}
END_TEST

START_TEST(test_nofollow)
{
	char link[256], *buf, msg[RFILE_MSG_MAX];
	const char *p = make("target", "x\n", 0644);
	size_t len;

	snprintf(link, sizeof(link), "%s/link", dir);
	ck_assert_int_eq(symlink(p, link), 0);
	ck_assert_int_eq(rfile_read(link, 100, 0, &buf, &len, msg,
			     sizeof(msg)), 0);
	free(buf);
	ck_assert_int_eq(rfile_read(link, 100, RFILE_NOFOLLOW, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_int_eq(errno, ELOOP);
}
END_TEST

START_TEST(test_strict_mode)
{
	const char *p = make("x.pat", "x\n", 0666);
	char *buf, msg[RFILE_MSG_MAX];
	size_t len;

	/* Only under RFILE_STRICT. */
	ck_assert_int_eq(rfile_read(p, 100, 0, &buf, &len, msg, sizeof(msg)),
	    0);
	free(buf);
	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_str_eq(msg, "mode 0666 is group/world writable; refusing "
			      "(chmod go-w)");
	ck_assert_int_eq(chmod(p, 0620), 0);
	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_str_eq(msg, "mode 0620 is group/world writable; refusing "
			      "(chmod go-w)");
	/* A good file in a writable directory (sticky or not). */
	ck_assert_int_eq(chmod(p, 0444), 0);
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_msg(strstr(msg, "its directory /tmp/check_rfile.") == msg &&
		strstr(msg, ": mode 1777 is group/world writable") != NULL,
	    "%s", msg);
	ck_assert_int_eq(chmod(dir, 0755), 0);
	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), 0);
	free(buf);
}
END_TEST

START_TEST(test_trusted_owner)
{
	char msg[RFILE_MSG_MAX];
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 0;
	ck_assert_int_eq(rfile_trusted(&st, msg, sizeof(msg)), 0);
	st.st_uid = geteuid();
	ck_assert_int_eq(rfile_trusted(&st, msg, sizeof(msg)), 0);
	st.st_uid = geteuid() == 4242 ? 4343 : 4242;
	ck_assert_int_eq(rfile_trusted(&st, msg, sizeof(msg)), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_msg(strstr(msg, "owned by uid 4") == msg &&
		strstr(msg, "refusing (chown root)") != NULL, "%s", msg);
	st.st_uid = 0;
	st.st_mode = S_IFDIR | 0775;
	ck_assert_int_eq(rfile_trusted(&st, msg, sizeof(msg)), -1);
	ck_assert_str_eq(msg, "mode 0775 is group/world writable; refusing "
			      "(chmod go-w)");
}
END_TEST

/* A file of a foreign uid on disk (needs root to chown it). */
START_TEST(test_strict_owner_on_disk)
{
	const char *p = make("y.pat", "y\n", 0644);
	char *buf, msg[RFILE_MSG_MAX];
	size_t len;

	if (geteuid() != 0)
		return;
	ck_assert_int_eq(chown(p, 65534, 65534), 0);
	ck_assert_int_eq(rfile_read(p, 100, RFILE_STRICT, &buf, &len, msg,
			     sizeof(msg)), -1);
	ck_assert_str_eq(msg, "owned by uid 65534, not root; refusing "
			      "(chown root)");
}
END_TEST

static Suite *
rfile_suite(void)
{
	Suite *s = suite_create("rfile");
	TCase *tc = tcase_create("read");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_regular);
	tcase_add_test(tc, test_not_regular);
	tcase_add_test(tc, test_nofollow);
	suite_add_tcase(s, tc);
	tc = tcase_create("strict");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_strict_mode);
	tcase_add_test(tc, test_trusted_owner);
	tcase_add_test(tc, test_strict_owner_on_disk);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(rfile_suite());
}
