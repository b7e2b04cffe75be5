/* Unit tests for daemon/state.c: format, parse, atomic save, corruption. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"

static void
sample(struct state *s)
{
	struct addr a;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(state_add_tail(s, "/local/notesdata/notes.log", 64769,
			     1234567, 987654, 0x0123456789abcdefULL),
	    0);
	ck_assert_int_eq(state_add_tail(s, "/tmp/odd name\n%with\tstuff",
			     1, 2, 3, 4),
	    0);
	ck_assert_int_eq(addr_parse_prefix("203.0.113.0/24", false, &a), 0);
	ck_assert_int_eq(state_add_ban(s, &a, 1790000000, 2,
			     "unknown-rcpt=50,smtp-auth=3"),
	    0);
	ck_assert_int_eq(addr_parse_prefix("2001:db8::25", false, &a), 0);
	ck_assert_int_eq(state_add_ban(s, &a, 1790000100, 1, ""), 0);
	ck_assert_int_eq(state_add_offence(s, &a, 7, 1789990000), 0);
}

START_TEST(test_roundtrip)
{
	struct state s, r;
	char *text, err[256];
	size_t len;

	sample(&s);
	ck_assert_int_eq(state_format(&s, &text, &len), 0);
	ck_assert_int_eq(state_parse(&r, text, len, err, sizeof(err)), 0);
	ck_assert_uint_eq(r.ntails, 2);
	ck_assert_str_eq(r.tails[1].path, "/tmp/odd name\n%with\tstuff");
	ck_assert_uint_eq(r.tails[0].fingerprint, 0x0123456789abcdefULL);
	ck_assert_uint_eq(r.tails[0].offset, 987654);
	ck_assert_uint_eq(r.nbans, 2);
	ck_assert_str_eq(r.bans[0].reason, "unknown-rcpt=50,smtp-auth=3");
	ck_assert_str_eq(r.bans[1].reason, "");
	ck_assert_int_eq(r.bans[0].target.len, 24);
	ck_assert_int_eq(r.bans[1].expires, 1790000100);
	ck_assert_uint_eq(r.noffences, 1);
	ck_assert_uint_eq(r.offences[0].count, 7);
	/* The text is readable by a person: one record per line. */
	ck_assert_ptr_nonnull(strstr(text, "\nban 203.0.113.0/24 1790000000 2 "));
	free(text);
	state_clear(&s);
	state_clear(&r);
}
END_TEST

/* Every prefix of a valid file, and every single-byte change, is refused
 * cleanly and leaves nothing allocated (run under ASan/valgrind too). */
START_TEST(test_truncated_everywhere)
{
	struct state s, r;
	char *text, *copy, err[256];
	size_t len, i;

	sample(&s);
	ck_assert_int_eq(state_format(&s, &text, &len), 0);
	for (i = 0; i < len; i++) {
		copy = malloc(i + 1);
		memcpy(copy, text, i);
		ck_assert_msg(state_parse(&r, copy, i, err, sizeof(err)) == -1,
		    "accepted a file cut at %zu", i);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_uint_eq(r.nbans + r.ntails + r.noffences, 0);
		free(copy);
	}
	for (i = 0; i < len; i++) {
		copy = malloc(len);
		memcpy(copy, text, len);
		copy[i] ^= 0x01;
		ck_assert_msg(state_parse(&r, copy, len, err, sizeof(err)) == -1,
		    "accepted a flipped byte at %zu", i);
		free(copy);
	}
	free(text);
	state_clear(&s);
}
END_TEST

START_TEST(test_refuses_foreign)
{
	static const char *bad[] = {
	    "",
	    "hello\n",
	    "dominoban-state 2\nend 0 0\n",
	    "dominoban-state 1\nend 1 0\n",
	    "dominoban-state 1\nban 1.2.3.4 x 1 r\nend 1 0\n",
	};
	struct state r;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(state_parse(&r, bad[i], strlen(bad[i]), err,
				     sizeof(err)),
		    -1);
		ck_assert(err[0] != '\0');
	}
}
END_TEST

START_TEST(test_save_load)
{
	char dir[] = "/tmp/check_state.XXXXXX", path[256], err[256];
	struct state s, r;
	struct stat st;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_eq(state_load(dir, &r, 100, err, sizeof(err)), 0);
	sample(&s);
	ck_assert_int_eq(state_save(dir, &s), 0);
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(state_load(dir, &r, 100, err, sizeof(err)), 1);
	ck_assert_uint_eq(r.nbans, 2);
	state_clear(&r);
	/* Saving again replaces the file; no temporary is left behind. */
	ck_assert_int_eq(state_save(dir, &s), 0);
	snprintf(path, sizeof(path), "%s/.state.tmp", dir);
	ck_assert_int_ne(access(path, F_OK), 0);

	/* A corrupt file is reported, moved aside, and the next load is a
	 * clean first start. */
	snprintf(path, sizeof(path), "%s/state", dir);
	f = fopen(path, "a");
	fputs("garbage\n", f);
	fclose(f);
	ck_assert_int_eq(state_load(dir, &r, 4242, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "state.corrupt-4242"));
	snprintf(path, sizeof(path), "%s/state.corrupt-4242", dir);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(state_load(dir, &r, 4243, err, sizeof(err)), 0);
	unlink(path);
	rmdir(dir);
	state_clear(&s);
}
END_TEST

static Suite *
state_suite(void)
{
	Suite *s = suite_create("state");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_refuses_foreign);
	suite_add_tcase(s, tc);
	tc = tcase_create("corruption");
	tcase_add_test(tc, test_truncated_everywhere);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_save_load);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(state_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
