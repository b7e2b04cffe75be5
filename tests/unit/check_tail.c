/*
 * Unit tests for daemon/tail.c with real files and real inotify. Each
 * rotation case compares the exact sequence of delivered lines: no line
 * lost, none read twice. Waits are bounded polls on the inotify fd.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "tail.h"

struct got {
	char text[65536];
	size_t len;
	unsigned lines;
};

static char dir[64];
static char path[256];

static void
on_line(void *arg, unsigned idx, const char *line, size_t len)
{
	struct got *g = arg;

	ck_assert_uint_eq(idx, 0);
	ck_assert_uint_lt(g->len + len + 1, sizeof(g->text));
	memcpy(g->text + g->len, line, len);
	g->len += len;
	g->text[g->len++] = '|';
	g->text[g->len] = '\0';
	g->lines++;
}

static void
setup(void)
{
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
put(const char *p, const char *text, int flags)
{
	int fd = open(p, O_WRONLY | O_CREAT | flags, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

#define append(p, s) put(p, s, O_APPEND)

/* Process events until g has want lines, or 3 s pass; then one more
 * quiet round to catch anything extra that would be a duplicate. */
static void
pump(struct tail *t, struct got *g, unsigned want)
{
	struct pollfd pfd = {.fd = tail_fd(t), .events = POLLIN};
	int i;

	for (i = 0; i < 150 && g->lines < want; i++) {
		if (poll(&pfd, 1, 20) > 0)
			tail_process(t);
		else
			tail_rescan(t);
	}
	if (poll(&pfd, 1, 30) > 0)
		tail_process(t);
	tail_rescan(t);
}

START_TEST(test_append_from_end)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);

	put(path, "old1\nold2\n", O_TRUNC);
	ck_assert_int_eq(tail_add(t, path, false, NULL), 0);
	append(path, "a\nb\n");
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "a|b|");
	tail_close(t);
}
END_TEST

START_TEST(test_from_start_and_partial)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);

	put(path, "old1\npar", O_TRUNC);
	ck_assert_int_eq(tail_add(t, path, true, NULL), 0);
	pump(t, &g, 1);
	ck_assert_str_eq(g.text, "old1|");
	append(path, "tial\nnext\n");
	pump(t, &g, 3);
	ck_assert_str_eq(g.text, "old1|partial|next|");
	tail_close(t);
}
END_TEST

START_TEST(test_rename_recreate)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	char old[300];

	put(path, "", O_TRUNC);
	tail_add(t, path, false, NULL);
	append(path, "1\n");
	pump(t, &g, 1);
	/* The start script moves notes.log away; Domino still writes a last
	 * line to the old file; then a new notes.log appears. */
	snprintf(old, sizeof(old), "%s/notes_250314_080000.log", dir);
	ck_assert_int_eq(rename(path, old), 0);
	append(old, "2\n");
	put(path, "3\n", O_EXCL);
	pump(t, &g, 3);
	append(path, "4\n");
	pump(t, &g, 4);
	ck_assert_str_eq(g.text, "1|2|3|4|");
	tail_close(t);
}
END_TEST

START_TEST(test_copytruncate)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	struct tail_stats st;

	put(path, "", O_TRUNC);
	tail_add(t, path, false, NULL);
	append(path, "line one\nline two\n");
	pump(t, &g, 2);
	/* archivelog: cp notes.log backup; cat /dev/null > notes.log */
	ck_assert_int_eq(truncate(path, 0), 0);
	append(path, "x\n");
	pump(t, &g, 3);
	ck_assert_str_eq(g.text, "line one|line two|x|");
	tail_get_stats(t, &st);
	ck_assert_uint_eq(st.truncations, 1);
	tail_close(t);
}
END_TEST

START_TEST(test_delete_recreate)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);

	put(path, "", O_TRUNC);
	tail_add(t, path, false, NULL);
	append(path, "1\n");
	pump(t, &g, 1);
	ck_assert_int_eq(unlink(path), 0);
	pump(t, &g, 1);
	put(path, "2\n", O_EXCL);
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "1|2|");
	tail_close(t);
}
END_TEST

START_TEST(test_missing_file_and_dirs)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	char deep[300], cmd[400];

	snprintf(deep, sizeof(deep), "%s/a/b/c/console.log", dir);
	ck_assert_int_eq(tail_add(t, deep, false, NULL), 0);
	pump(t, &g, 0);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/a/b/c'", dir);
	ck_assert_int_eq(system(cmd), 0);
	put(deep, "first\n", O_EXCL);
	pump(t, &g, 1);
	ck_assert_str_eq(g.text, "first|");
	/* The whole directory goes away and comes back. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/a' && mkdir -p '%s/a/b/c'", dir,
	    dir);
	ck_assert_int_eq(system(cmd), 0);
	pump(t, &g, 1);
	put(deep, "second\n", O_EXCL);
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "first|second|");
	tail_close(t);
}
END_TEST

START_TEST(test_long_lines_nul_crlf)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	struct tail_stats st;
	char *big = malloc(3 * MATCH_LINE_MAX);
	int fd;

	put(path, "", O_TRUNC);
	tail_add(t, path, false, NULL);
	memset(big, 'x', 3 * MATCH_LINE_MAX - 1);
	big[3 * MATCH_LINE_MAX - 1] = '\0';
	/* An over-long line, written in two parts, then a normal one. */
	append(path, big);
	pump(t, &g, 0);
	append(path, "tail of the long line\nok\n");
	/* NUL bytes and CRLF. */
	fd = open(path, O_WRONLY | O_APPEND);
	ck_assert_int_eq(write(fd, "a\0b\r\n", 5), 5);
	close(fd);
	pump(t, &g, 2);
	ck_assert_uint_eq(g.lines, 2);
	ck_assert_int_eq(memcmp(g.text, "ok|a\0b|", 7), 0);
	tail_get_stats(t, &st);
	ck_assert_uint_eq(st.long_lines, 1);
	free(big);
	tail_close(t);
}
END_TEST

/* console.log with CONSOLE_LOG_MAX_KBYTES: overwritten from offset 0
 * while its size stays the same. */
START_TEST(test_inplace_wrap)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	struct tail_stats st;
	char text[512] = "";
	struct timespec ts[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
	int fd, i;

	for (i = 1; i <= 20; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
		    "old line %02d\n", i);
	put(path, text, O_TRUNC);
	tail_add(t, path, true, NULL);
	pump(t, &g, 20);
	ck_assert_uint_eq(g.lines, 20);
	g.len = 0;
	g.text[0] = '\0';
	g.lines = 0;
	/* A touch changes nothing. */
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
	pump(t, &g, 0);
	ck_assert_uint_eq(g.lines, 0);
	/* Domino wraps: two new lines over the first two. */
	fd = open(path, O_WRONLY);
	ck_assert_int_eq(pwrite(fd, "new line 01\nnew line 02\n", 24, 0), 24);
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "new line 01|new line 02|");
	/* And goes on writing where it stopped. */
	ck_assert_int_eq(pwrite(fd, "new line 03\n", 12, 24), 12);
	pump(t, &g, 3);
	ck_assert_str_eq(g.text, "new line 01|new line 02|new line 03|");
	close(fd);
	tail_get_stats(t, &st);
	ck_assert_uint_eq(st.wraps, 1);
	tail_close(t);
}
END_TEST

START_TEST(test_resume)
{
	struct got g = {.len = 0};
	struct tail *t = tail_open(on_line, &g);
	struct tail_pos pos, bad;
	char old[300];

	put(path, "a\nb\n", O_TRUNC);
	tail_add(t, path, true, NULL);
	pump(t, &g, 2);
	ck_assert_int_eq(tail_get_pos(t, 0, &pos), 0);
	ck_assert_uint_eq(pos.offset, 4);
	ck_assert_uint_eq(pos.fingerprint, tail_hash("b", 1));
	ck_assert_int_eq(tail_get_pos(t, 1, &bad), -1);
	tail_close(t);

	/* Written while we were down: read exactly once. */
	append(path, "c\npart");
	g.len = 0;
	g.lines = 0;
	t = tail_open(on_line, &g);
	tail_add(t, path, false, &pos);
	pump(t, &g, 1);
	ck_assert_str_eq(g.text, "c|");
	append(path, "ial\n");
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "c|partial|");
	tail_close(t);

	/* Rotated while we were down: the new file is read from its start. */
	snprintf(old, sizeof(old), "%s/old.log", dir);
	ck_assert_int_eq(rename(path, old), 0);
	put(path, "fresh\n", O_EXCL);
	g.len = 0;
	g.lines = 0;
	t = tail_open(on_line, &g);
	tail_add(t, path, false, &pos);
	pump(t, &g, 1);
	ck_assert_str_eq(g.text, "fresh|");
	tail_close(t);

	/* Same inode, but the line before the offset differs: from 0. */
	put(path, "other\ncontent\n", O_TRUNC);
	bad = pos;
	tail_get_pos(t = tail_open(on_line, &g), 0, &bad);
	tail_close(t);
	g.len = 0;
	g.lines = 0;
	t = tail_open(on_line, &g);
	{
		struct stat st;
		stat(path, &st);
		bad.dev = (uint64_t)st.st_dev;
		bad.ino = (uint64_t)st.st_ino;
		bad.offset = 6;
		bad.fingerprint = tail_hash("nope", 4);
	}
	tail_add(t, path, false, &bad);
	pump(t, &g, 2);
	ck_assert_str_eq(g.text, "other|content|");
	tail_close(t);
}
END_TEST

static Suite *
tail_suite(void)
{
	Suite *s = suite_create("tail");
	TCase *tc;

	tc = tcase_create("follow");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_append_from_end);
	tcase_add_test(tc, test_from_start_and_partial);
	tcase_add_test(tc, test_long_lines_nul_crlf);
	suite_add_tcase(s, tc);
	tc = tcase_create("rotation");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_rename_recreate);
	tcase_add_test(tc, test_copytruncate);
	tcase_add_test(tc, test_delete_recreate);
	tcase_add_test(tc, test_missing_file_and_dirs);
	tcase_add_test(tc, test_inplace_wrap);
	suite_add_tcase(s, tc);
	tc = tcase_create("resume");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_resume);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tail_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
