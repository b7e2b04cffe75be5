/*
 * Unit tests for daemon/tail.c with real files and real inotify in a
 * mkdtemp() directory. Each rotation case compares the exact sequence of
 * delivered lines, so a lost or repeated line fails. Waits are bounded
 * polls on tail_fd(); tail_rescan() is never used to paper over a missed
 * event (only test_rescan calls it).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "tail.h"
#include "suite_run.h"

#define WAIT_ROUNDS 200 /* polls before giving up */
#define WAIT_MS 50      /* per poll, milliseconds */
#define QUIET_MS 150    /* extra wait for lines that should not come */

struct got {
	char text[1 << 16]; /* lines, each followed by '|' */
	size_t len;
	unsigned lines;
	unsigned idx[64];   /* file index of the first lines */
};

static struct got g;
static char dir[64];
static char path[256];

static void
on_line(void *arg, unsigned idx, const char *line, size_t len)
{
	struct got *x = arg;

	ck_assert_uint_lt(x->len + len + 2, sizeof(x->text));
	ck_assert_int_eq(line[len], '\0');
	memcpy(x->text + x->len, line, len);
	x->len += len;
	x->text[x->len++] = '|';
	x->text[x->len] = '\0';
	if (x->lines < 64)
		x->idx[x->lines] = idx;
	x->lines++;
}

static void
reset(void)
{
	memset(&g, 0, sizeof(g));
}

static void
setup(void)
{
	reset();
	snprintf(dir, sizeof(dir), "/tmp/check_tail.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notes.log", dir);
}

static void
teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		perror(cmd);
}

static void
put(const char *p, const void *data, size_t n, int flags)
{
	int fd = open(p, O_WRONLY | O_CREAT | flags, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
	ck_assert_int_eq(close(fd), 0);
}

#define append(p, s) put(p, s, strlen(s), O_APPEND)
#define create(p, s) put(p, s, strlen(s), O_EXCL)

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command built like printf. */
static void
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(system(cmd), 0);
}

/* Process events until want lines came (bounded), then wait a little for
 * extra lines, which would be duplicates. */
static void
pump(struct tail *t, unsigned want)
{
	struct pollfd pfd = {.fd = tail_fd(t), .events = POLLIN};
	int i;

	ck_assert_int_eq(tail_process(t), 0);
	for (i = 0; i < WAIT_ROUNDS && g.lines < want; i++)
		if (poll(&pfd, 1, WAIT_MS) > 0)
			ck_assert_int_eq(tail_process(t), 0);
	while (poll(&pfd, 1, QUIET_MS) > 0)
		ck_assert_int_eq(tail_process(t), 0);
}

static struct tail *
start(const char *p, bool from_start, const struct tail_pos *resume)
{
	struct tail *t = tail_open(on_line, &g);

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(tail_add(t, p, from_start, resume), 0);
	return t;
}

static struct tail_stats
stats(const struct tail *t)
{
	struct tail_stats st;

	tail_stats(t, &st);
	return st;
}

START_TEST(test_append)
{
	struct tail *t;

	put(path, "old1\nold2\npart", 14, O_TRUNC);
	t = start(path, false, NULL);
	pump(t, 0);
	ck_assert_uint_eq(g.lines, 0);
	/* The line being written at start is read once complete. */
	append(path, "ial\na\nb\n");
	pump(t, 3);
	ck_assert_str_eq(g.text, "partial|a|b|");
	ck_assert_uint_eq(stats(t).lines, 3);
	tail_close(t);
}
END_TEST

START_TEST(test_partial)
{
	struct tail *t;

	put(path, "old1\npar", 8, O_TRUNC);
	t = start(path, true, NULL);
	pump(t, 1);
	ck_assert_str_eq(g.text, "old1|");
	append(path, "ti");
	pump(t, 1);
	ck_assert_str_eq(g.text, "old1|");
	append(path, "al\nnext\n");
	pump(t, 3);
	ck_assert_str_eq(g.text, "old1|partial|next|");
	tail_close(t);
}
END_TEST

START_TEST(test_rename_recreate)
{
	struct tail *t;
	char old[300];

	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	append(path, "1\n");
	pump(t, 1);
	/* The start script moves notes.log away; Domino writes late lines to
	 * the old file; then a new notes.log appears. */
	snprintf(old, sizeof(old), "%s/notes_250314_080000.log", dir);
	ck_assert_int_eq(rename(path, old), 0);
	append(old, "2\n");
	pump(t, 2);
	append(old, "3\n");
	create(path, "4\n");
	pump(t, 4);
	append(path, "5\n");
	append(old, "ignored: the old file is closed now\n");
	pump(t, 5);
	ck_assert_str_eq(g.text, "1|2|3|4|5|");
	ck_assert_uint_eq(stats(t).rotations, 1);
	tail_close(t);
}
END_TEST

START_TEST(test_copytruncate)
{
	struct tail *t;

	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	append(path, "line one\nline two\n");
	pump(t, 2);
	/* archivelog: cp notes.log backup; cat /dev/null > notes.log */
	sh("cp '%s' '%s.bak'", path, path);
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "x\n");
	pump(t, 3);
	append(path, "y\n");
	pump(t, 4);
	ck_assert_str_eq(g.text, "line one|line two|x|y|");
	ck_assert_uint_eq(stats(t).truncations, 1);
	ck_assert_uint_eq(stats(t).rotations, 0);
	tail_close(t);
}
END_TEST

START_TEST(test_delete_recreate)
{
	struct tail *t;
	struct tail_pos pos;

	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	append(path, "1\n");
	pump(t, 1);
	ck_assert_int_eq(unlink(path), 0);
	pump(t, 1);
	ck_assert_int_eq(tail_pos(t, 0, &pos), 0);
	ck_assert_uint_eq(pos.ino, 0);
	create(path, "2\n");
	pump(t, 2);
	/* Deleted and recreated between two looks. */
	ck_assert_int_eq(unlink(path), 0);
	create(path, "3\n");
	pump(t, 3);
	ck_assert_str_eq(g.text, "1|2|3|");
	ck_assert_uint_eq(stats(t).rotations, 2);
	tail_close(t);
}
END_TEST

START_TEST(test_missing_file)
{
	struct tail *t;

	t = start(path, false, NULL);
	pump(t, 0);
	/* A file that appears later is read from its start. */
	create(path, "first\n");
	pump(t, 1);
	append(path, "second\n");
	pump(t, 2);
	ck_assert_str_eq(g.text, "first|second|");
	ck_assert_uint_eq(stats(t).rotations, 0);
	tail_close(t);
}
END_TEST

START_TEST(test_missing_dir)
{
	struct tail *t;
	char deep[300], top[300];

	snprintf(deep, sizeof(deep), "%s/a/b/c/console.log", dir);
	snprintf(top, sizeof(top), "%s/a/b/c", dir);
	t = start(deep, false, NULL);
	pump(t, 0);
	sh("mkdir -p '%s'", top);
	create(deep, "first\n");
	pump(t, 1);
	append(deep, "second\n");
	pump(t, 2);
	ck_assert_str_eq(g.text, "first|second|");
	tail_close(t);
}
END_TEST

START_TEST(test_dir_recreated)
{
	struct tail *t;
	char deep[300], top[300];

	snprintf(deep, sizeof(deep), "%s/a/b/console.log", dir);
	snprintf(top, sizeof(top), "%s/a", dir);
	sh("mkdir -p '%s/b'", top);
	create(deep, "1\n");
	t = start(deep, true, NULL);
	pump(t, 1);
	/* Removed and recreated before we look: the old watch is stale. */
	sh("rm -rf '%s' && mkdir -p '%s/b'", top, top);
	pump(t, 1);
	create(deep, "2\n");
	pump(t, 2);
	/* Removed, looked at, recreated. */
	sh("rm -rf '%s'", top);
	pump(t, 2);
	sh("mkdir '%s'", top);
	pump(t, 2);
	sh("mkdir '%s/b'", top);
	create(deep, "3\n");
	pump(t, 3);
	ck_assert_str_eq(g.text, "1|2|3|");
	tail_close(t);
}
END_TEST

START_TEST(test_long_line)
{
	size_t n = 3 * MATCH_LINE_MAX;
	char *big = malloc(n + 1);
	struct tail *t;

	ck_assert_ptr_nonnull(big);
	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	/* Over-long, written in two parts; then a normal line. */
	memset(big, 'x', n);
	put(path, big, n, O_APPEND);
	pump(t, 0);
	append(path, "end of the long line\nok\n");
	pump(t, 1);
	/* Exactly the limit passes; one more byte is dropped; CR is not
	 * counted. */
	memset(big, 'y', MATCH_LINE_MAX);
	big[MATCH_LINE_MAX] = '\n';
	put(path, big, MATCH_LINE_MAX + 1, O_APPEND);
	memset(big, 'z', MATCH_LINE_MAX + 1);
	big[MATCH_LINE_MAX + 1] = '\n';
	put(path, big, MATCH_LINE_MAX + 2, O_APPEND);
	memset(big, 'w', MATCH_LINE_MAX);
	big[MATCH_LINE_MAX] = '\r';
	big[MATCH_LINE_MAX + 1] = '\n';
	put(path, big, MATCH_LINE_MAX + 2, O_APPEND);
	append(path, "after\n");
	pump(t, 4);
	ck_assert_uint_eq(g.lines, 4);
	ck_assert_int_eq(memcmp(g.text, "ok|", 3), 0);
	ck_assert_uint_eq(strspn(g.text + 3, "y"), MATCH_LINE_MAX);
	ck_assert_uint_eq(strspn(g.text + 4 + MATCH_LINE_MAX, "w"),
	    MATCH_LINE_MAX);
	ck_assert_str_eq(g.text + 5 + 2 * MATCH_LINE_MAX, "after|");
	ck_assert_uint_eq(stats(t).long_lines, 2);
	free(big);
	tail_close(t);
}
END_TEST

START_TEST(test_nul_crlf)
{
	struct tail *t;

	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	/* "a NUL b" CRLF; invalid UTF-8 with two CRs (one is stripped);
	 * an empty CRLF line; an empty line. */
	put(path, "a\0b\r\n\xff\xfe\r\r\n\r\n\n", 13, O_APPEND);
	pump(t, 4);
	ck_assert_uint_eq(g.lines, 4);
	ck_assert_uint_eq(g.len, 10);
	ck_assert_int_eq(memcmp(g.text, "a\0b|\xff\xfe\r|||", 10), 0);
	tail_close(t);
}
END_TEST

/* Write text at offset off of path, in place. */
static void
overwrite(const char *p, off_t off, const char *text)
{
	int fd = open(p, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, text, strlen(text), off),
	    (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
}

/* console.log with CONSOLE_LOG_MAX_KBYTES: Domino overwrites the file from
 * offset 0, line by line, while its size stays the same. */
START_TEST(test_wrap)
{
	char text[4096] = "", line[64];
	struct stat st;
	struct tail *t;
	off_t w = 0;
	int i;

	/* 40 old lines of 23 bytes; new lines are 18 bytes, so their ends
	 * do not fall on old line ends before the 23rd new line. */
	for (i = 1; i <= 40; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "old console line %05d\n", i);
	ck_assert_uint_eq(strlen(text), 40 * 23);
	put(path, text, strlen(text), O_TRUNC);
	t = start(path, true, NULL);
	pump(t, 40);
	ck_assert_uint_eq(g.lines, 40);
	reset();
	/* A touch is no wrap. */
	sh("touch '%s'", path);
	pump(t, 0);
	ck_assert_uint_eq(g.lines, 0);
	/* Domino wraps: three new lines over the first ones. The old line
	 * they cut into is not handed out. */
	for (i = 1; i <= 3; i++, w += 18) {
		snprintf(line, sizeof(line), "new line %05d ab\n", i);
		overwrite(path, w, line);
	}
	pump(t, 3);
	ck_assert_str_eq(g.text,
	    "new line 00001 ab|new line 00002 ab|new line 00003 ab|");
	/* It goes on where it stopped, one line at a time... */
	snprintf(line, sizeof(line), "new line %05d ab\n", 4);
	overwrite(path, w, line);
	w += 18;
	pump(t, 4);
	ck_assert_str_eq(g.text + 3 * 18, "new line 00004 ab|");
	/* ...then in a burst past the old end of file. */
	for (i = 5; i <= 60; i++, w += 18) {
		snprintf(line, sizeof(line), "new line %05d ab\n", i);
		overwrite(path, w, line);
	}
	pump(t, 60);
	ck_assert_uint_eq(g.lines, 60);
	for (i = 1; i <= 60; i++) {
		snprintf(line, sizeof(line), "new line %05d ab|", i);
		ck_assert_int_eq(memcmp(g.text + (i - 1) * 18, line, 18), 0);
	}
	ck_assert_uint_eq(stats(t).wraps, 1);
	/* A second wrap. */
	ck_assert_int_eq(stat(path, &st), 0);
	overwrite(path, 0, "second lap 1\nsecond lap 2\n");
	pump(t, 62);
	ck_assert_str_eq(g.text + 60 * 18, "second lap 1|second lap 2|");
	ck_assert_uint_eq(stats(t).wraps, 2);
	ck_assert_uint_eq(stats(t).wrap_overruns, 0);
	ck_assert_uint_eq(stats(t).truncations, 0);
	tail_close(t);
}
END_TEST

START_TEST(test_resume)
{
	struct tail_pos pos, bad;
	struct tail *t;
	struct stat st;
	char old[300];

	put(path, "a\nb\n", 4, O_TRUNC);
	t = start(path, true, NULL);
	pump(t, 2);
	ck_assert_int_eq(tail_pos(t, 0, &pos), 0);
	ck_assert_uint_eq(pos.offset, 4);
	ck_assert_uint_ne(pos.fingerprint, 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(pos.ino, st.st_ino);
	ck_assert_int_eq(tail_pos(t, 1, &bad), -1);
	tail_close(t);

	/* Written while we were down: read exactly once. */
	append(path, "c\npart");
	reset();
	t = start(path, false, &pos);
	pump(t, 1);
	ck_assert_str_eq(g.text, "c|");
	append(path, "ial\n");
	pump(t, 2);
	ck_assert_str_eq(g.text, "c|partial|");
	ck_assert_int_eq(tail_pos(t, 0, &pos), 0);
	tail_close(t);

	/* Rotated while we were down, with lines written to the old file
	 * before it was renamed: the rest of the old file (found in the
	 * same directory by its inode), then the new file from its start. */
	snprintf(old, sizeof(old), "%s/notes_261201_101500.log", dir);
	append(path, "late\n");
	ck_assert_int_eq(rename(path, old), 0);
	create(path, "fresh\n");
	reset();
	t = start(path, false, &pos);
	pump(t, 2);
	ck_assert_str_eq(g.text, "late|fresh|");
	ck_assert_uint_eq(stats(t).rotations, 1);
	ck_assert_int_eq(tail_pos(t, 0, &pos), 0);
	tail_close(t);

	/* Rotated, and the old file gone (gzipped away): the new file from
	 * its start. */
	ck_assert_int_eq(unlink(old), 0);
	ck_assert_int_eq(rename(path, old), 0);
	sh("gzip '%s'", old);
	create(path, "newest\n");
	reset();
	t = start(path, false, &pos);
	pump(t, 1);
	ck_assert_str_eq(g.text, "newest|");
	tail_close(t);

	/* Same inode, other content before the offset: from the start. */
	put(path, "other\ncontent\n", 14, O_TRUNC);
	ck_assert_int_eq(stat(path, &st), 0);
	bad = pos;
	bad.dev = st.st_dev;
	bad.ino = st.st_ino;
	bad.offset = 6;
	reset();
	t = start(path, false, &bad);
	pump(t, 2);
	ck_assert_str_eq(g.text, "other|content|");
	tail_close(t);
}
END_TEST

/*
 * A log that is there but not readable yet (the ACL of the setup guide is
 * missing at the first start): reported, and once readable it starts at
 * its end, as a file found at start would, not at its beginning (which
 * would replay old attacks). As root the test drops to nobody, since root
 * reads any file.
 */
START_TEST(test_unreadable_then_readable)
{
	struct tail *t;

	bool root = geteuid() == 0;

	put(path, "old1\nold2\n", 10, O_TRUNC);
	if (root) {
		/* Effective ids only, so that the ids come back for the
		 * tests that follow when they run in this process. */
		ck_assert_int_eq(chown(dir, 65534, 65534), 0);
		ck_assert_int_eq(chown(path, 65534, 65534), 0);
		ck_assert_int_eq(setegid(65534), 0);
		ck_assert_int_eq(seteuid(65534), 0);
	}
	ck_assert_int_eq(chmod(path, 0), 0);
	t = start(path, false, NULL);
	pump(t, 0);
	ck_assert_int_eq(tail_open_error(t, 0), EACCES);
	ck_assert_uint_eq(g.lines, 0);
	ck_assert_int_eq(chmod(path, 0644), 0);
	append(path, "old3\n");
	ck_assert_int_eq(tail_rescan(t), 0);
	ck_assert_int_eq(tail_open_error(t, 0), 0);
	append(path, "new1\n");
	pump(t, 1);
	ck_assert_str_eq(g.text, "new1|");
	tail_close(t);
	if (root) {
		ck_assert_int_eq(seteuid(0), 0);
		ck_assert_int_eq(setegid(0), 0);
	}
}
END_TEST

START_TEST(test_many_files)
{
	char p2[300];
	struct tail *t;

	snprintf(p2, sizeof(p2), "%s/sub/console.log", dir);
	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	ck_assert_int_eq(tail_add(t, p2, false, NULL), 1);
	ck_assert_int_eq(tail_add(t, "relative/../x", false, NULL), -1);
	pump(t, 0);
	append(path, "n1\n");
	sh("mkdir '%s/sub'", dir);
	create(p2, "c1\n");
	pump(t, 2);
	ck_assert_uint_eq(g.lines, 2);
	ck_assert_str_eq(g.text, "n1|c1|");
	ck_assert_uint_eq(g.idx[0], 0);
	ck_assert_uint_eq(g.idx[1], 1);
	tail_close(t);
}
END_TEST

/* Enough events to overflow the queue: every line must still come. */
START_TEST(test_overflow)
{
	char name[300];
	struct tail *t;
	unsigned max = 16384, i;
	FILE *fp;

	if ((fp = fopen("/proc/sys/fs/inotify/max_queued_events", "r")) !=
	    NULL) {
		if (fscanf(fp, "%u", &max) != 1)
			max = 16384;
		fclose(fp);
	}
	if (max > 200000)
		return; /* too many files to make here */
	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	pump(t, 0);
	for (i = 0; i <= max; i++) {
		snprintf(name, sizeof(name), "%s/f%u", dir, i);
		put(name, "", 0, O_EXCL);
	}
	append(path, "after overflow\n");
	pump(t, 1);
	ck_assert_str_eq(g.text, "after overflow|");
	ck_assert_uint_ge(stats(t).overflows, 1);
	tail_close(t);
}
END_TEST

/* The periodic safety net sees what no event announced. */
START_TEST(test_rescan)
{
	struct tail *t;

	put(path, "", 0, O_TRUNC);
	t = start(path, false, NULL);
	pump(t, 0);
	append(path, "1\n");
	/* No wait for the event: the rescan reads by itself. */
	ck_assert_int_eq(tail_rescan(t), 0);
	ck_assert_str_eq(g.text, "1|");
	pump(t, 1);
	ck_assert_str_eq(g.text, "1|");
	tail_close(t);
}
END_TEST

static void
add_case(Suite *s, const char *name, const TTest *test)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test);
	suite_add_tcase(s, tc);
}

static Suite *
tail_suite(void)
{
	Suite *s = suite_create("tail");

	add_case(s, "append", test_append);
	add_case(s, "partial", test_partial);
	add_case(s, "rename_recreate", test_rename_recreate);
	add_case(s, "copytruncate", test_copytruncate);
	add_case(s, "delete_recreate", test_delete_recreate);
	add_case(s, "missing_file", test_missing_file);
	add_case(s, "missing_dir", test_missing_dir);
	add_case(s, "dir_recreated", test_dir_recreated);
	add_case(s, "long_line", test_long_line);
	add_case(s, "nul_crlf", test_nul_crlf);
	add_case(s, "wrap", test_wrap);
	add_case(s, "resume", test_resume);
	add_case(s, "unreadable_then_readable", test_unreadable_then_readable);
	add_case(s, "many_files", test_many_files);
	add_case(s, "overflow", test_overflow);
	add_case(s, "rescan", test_rescan);
	return s;
}

int
main(void)
{
	return suite_run(tail_suite());
}
