/* Unit tests for daemon/state.c: format, parse, atomic save, corruption. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "suite_run.h"

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
	ck_assert_int_eq(state_add_ban(s, &a, 1790000000, 2, "local",
			     "unknown-rcpt=50,smtp-auth=3"),
	    0);
	ck_assert_int_eq(addr_parse_prefix("2001:db8::25", false, &a), 0);
	ck_assert_int_eq(state_add_ban(s, &a, 1790000100, 1, "peer:mx%202", ""), 0);
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
	ck_assert_str_eq(r.bans[0].origin, "local");
	ck_assert_str_eq(r.bans[1].origin, "peer:mx%202");
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

/* A state as a busy daemon saves it: three logs (one path needing escapes),
 * host and netblock bans in both families, reasons with blanks, '%' and
 * bytes outside ASCII, and an offence history. */
static void
realistic(struct state *s)
{
	static const char *const bans[][2] = {
	    {"198.51.100.7", "smtp-auth=5"},
	    {"203.0.113.0/24", "smtp-unknown-rcpt=50,smtp-auth=3"},
	    {"2001:db8:bad::5", "http-auth=4,inet-auth=1"},
	    {"2001:db8:1234::/64", "imap-auth=9"},
	    {"192.0.2.128/25", "manual: by admin 100% sure \xc3\xa9"},
	    {"::ffff:192.0.2.9", ""},
	};
	static const char *const offs[] = {"198.51.100.7", "203.0.113.0/24",
	    "2001:db8:bad::5", "100.64.1.5", "2001:db8:a:1::1"};
	struct addr a;
	size_t i;

	memset(s, 0, sizeof(*s));
	ck_assert_int_eq(state_add_tail(s, "/local/notesdata/IBM_TECHNICAL_"
			     "SUPPORT/console.log", 64769, 1234567, 987654321,
			     0xfedcba9876543210ULL), 0);
	ck_assert_int_eq(state_add_tail(s, "/local/notesdata/notes.log", 64769,
			     7654321, 0, 0), 0);
	ck_assert_int_eq(state_add_tail(s, "/var/log/domino/odd name %20\t"
			     "\xc3\xa9.log", 2049, 42, 18446744073709551615ULL,
			     1), 0);
	for (i = 0; i < sizeof(bans) / sizeof(bans[0]); i++) {
		ck_assert_int_eq(addr_parse_prefix(bans[i][0], false, &a), 0);
		ck_assert_int_eq(state_add_ban(s, &a, 1790000000 + (int64_t)i,
				     (uint32_t)i + 1, "manual", bans[i][1]), 0);
	}
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		ck_assert_int_eq(addr_parse_prefix(offs[i], false, &a), 0);
		ck_assert_int_eq(state_add_offence(s, &a, (uint32_t)(i * 7 + 1),
				     1789990000 - (int64_t)i * 86400), 0);
	}
}

static bool
same_state(const struct state *a, const struct state *b)
{
	size_t i;

	if (a->ntails != b->ntails || a->nbans != b->nbans ||
	    a->noffences != b->noffences)
		return false;
	for (i = 0; i < a->ntails; i++)
		if (strcmp(a->tails[i].path, b->tails[i].path) != 0 ||
		    a->tails[i].dev != b->tails[i].dev ||
		    a->tails[i].ino != b->tails[i].ino ||
		    a->tails[i].offset != b->tails[i].offset ||
		    a->tails[i].fingerprint != b->tails[i].fingerprint)
			return false;
	for (i = 0; i < a->nbans; i++)
		if (memcmp(&a->bans[i].target, &b->bans[i].target,
			sizeof(struct addr)) != 0 ||
		    a->bans[i].expires != b->bans[i].expires ||
		    a->bans[i].offences != b->bans[i].offences ||
		    strcmp(a->bans[i].reason, b->bans[i].reason) != 0)
			return false;
	for (i = 0; i < a->noffences; i++)
		if (memcmp(&a->offences[i].target, &b->offences[i].target,
			sizeof(struct addr)) != 0 ||
		    a->offences[i].count != b->offences[i].count ||
		    a->offences[i].last != b->offences[i].last)
			return false;
	return true;
}

/* Parse len bytes copied to a buffer of exactly that size (so a read past
 * the end shows under ASan and valgrind); returns state_parse()'s result. */
static int
parse_exact(struct state *r, const char *text, size_t len)
{
	char *copy = malloc(len > 0 ? len : 1), err[256];
	int rc;

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, text, len);
	err[0] = '\0';
	errno = 0;
	rc = state_parse(r, copy, len, err, sizeof(err));
	if (rc == -1) {
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_msg(err[0] != '\0', "refused without a reason");
		ck_assert_uint_eq(r->ntails + r->nbans + r->noffences, 0);
		ck_assert_ptr_null(r->tails);
		ck_assert_ptr_null(r->bans);
		ck_assert_ptr_null(r->offences);
	}
	free(copy);
	return rc;
}

/*
 * The realistic state cut at every byte offset is refused, and only the
 * whole file is accepted. Every single-byte change is refused too, unless
 * it falls in the end line and leaves its meaning (a hex digit's case, a
 * leading zero turned into a blank): then the records read are exactly
 * the original ones. The checksum covers every byte before the end line.
 */
START_TEST(test_truncated_realistic)
{
	static const char repl[] = {'\n', ' ', '\0', '%', '0', '9', 'f', '-',
	    'x'};
	const unsigned flips[] = {0x01, 0x20, 0x80};
	struct state s, r;
	size_t len, i, k, endline, accepted = 0;
	char *text, *copy;

	realistic(&s);
	ck_assert_int_eq(state_format(&s, &text, &len), 0);
	ck_assert_uint_gt(len, 700);
	endline = (size_t)(strstr(text, "\nend ") - text) + 1;
	for (i = 0; i < len; i++)
		ck_assert_msg(parse_exact(&r, text, i) == -1,
		    "accepted a file cut at %zu of %zu", i, len);
	ck_assert_int_eq(parse_exact(&r, text, len), 0);
	ck_assert(same_state(&s, &r));
	state_clear(&r);

	copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (i = 0; i < len; i++) {
		for (k = 0; k < sizeof(repl) + sizeof(flips) / sizeof(flips[0]);
		     k++) {
			memcpy(copy, text, len);
			copy[i] = k < sizeof(repl) ? repl[k] :
			    (char)(copy[i] ^ flips[k - sizeof(repl)]);
			if (copy[i] == text[i])
				continue;
			if (parse_exact(&r, copy, len) == -1)
				continue;
			ck_assert_msg(i >= endline, "accepted a change at %zu "
			    "(0x%02x), before the end line", i,
			    (unsigned char)copy[i]);
			ck_assert_msg(same_state(&s, &r), "a change at %zu "
			    "gave other records", i);
			state_clear(&r);
			accepted++;
		}
	}
	/* Only a handful of harmless end-line changes may pass. */
	ck_assert_uint_lt(accepted, 40);
	free(copy);
	free(text);
	state_clear(&s);
}
END_TEST

/* FNV-1a 64, as the state file's end record uses it. */
static uint64_t
fnv(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n-- > 0)
		h = (h ^ (uint8_t)*p++) * 0x100000001b3ULL;
	return h;
}

/* The SMTP session tracker's records go round whole. */
START_TEST(test_sessions_roundtrip)
{
	struct state s, r;
	struct addr a;
	char *text, err[256];
	size_t len;

	memset(&s, 0, sizeof(s));
	s.have_sessions = true;
	s.blind_until = 1790003600;
	ck_assert_int_eq(addr_parse_prefix("203.0.113.52", false, &a), 0);
	ck_assert_int_eq(state_add_session(&s, &a, 2, 1790000000), 0);
	ck_assert_int_eq(addr_parse_prefix("2001:db8::9", false, &a), 0);
	ck_assert_int_eq(state_add_session(&s, &a, 1, 1790000100), 0);
	ck_assert_int_eq(state_format(&s, &text, &len), 0);
	ck_assert_int_eq(state_parse(&r, text, len, err, sizeof(err)), 0);
	ck_assert(r.have_sessions);
	ck_assert_int_eq(r.blind_until, 1790003600);
	ck_assert_uint_eq(r.nsessions, 2);
	ck_assert_uint_eq(r.sessions[0].count, 2);
	ck_assert_int_eq(r.sessions[1].since, 1790000100);
	state_clear(&r);
	state_clear(&s);
	free(text);
	/* Without the tracker record, no session record is taken. */
	text = (char *)"dominoban-state 2\nsession 1.2.3.4 1 5\nend 1 0\n";
	ck_assert_int_eq(state_parse(&r, text, strlen(text), err, sizeof(err)),
	    -1);
}
END_TEST

/* Version 1 files (no origin) from an older dominoban are still read. */
START_TEST(test_reads_version1)
{
	char text[512], err[256];
	struct state r;
	int n;

	n = snprintf(text, sizeof(text), "dominoban-state 1\n"
	    "ban 198.51.100.0/24 1790000000 2 unknown-rcpt=9\n"
	    "ban 192.0.2.7 1790000000 1 manual\n");
	snprintf(text + n, sizeof(text) - (size_t)n, "end 2 %016llx\n",
	    (unsigned long long)fnv(text, (size_t)n));
	ck_assert_int_eq(state_parse(&r, text, strlen(text), err, sizeof(err)),
	    0);
	ck_assert_uint_eq(r.nbans, 2);
	ck_assert_str_eq(r.bans[0].origin, "local");
	ck_assert_str_eq(r.bans[0].reason, "unknown-rcpt=9");
	ck_assert_str_eq(r.bans[1].origin, "manual");
	state_clear(&r);
	/* A version 2 ban record needs its origin. */
	n = snprintf(text, sizeof(text), "dominoban-state 2\n"
	    "ban 192.0.2.7 1790000000 1 manual\n");
	snprintf(text + n, sizeof(text) - (size_t)n, "end 1 %016llx\n",
	    (unsigned long long)fnv(text, (size_t)n));
	ck_assert_int_eq(state_parse(&r, text, strlen(text), err, sizeof(err)),
	    -1);
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

/* Found by fuzz-state (UBSan): an offence dated -2^63 was accepted, and
 * the next ban of that address computed now - last in the decision engine,
 * a signed overflow. Times are refused outside 0 .. 2^32-1 seconds. */
START_TEST(test_refuses_odd_times)
{
	static const int64_t bad[] = {-1, INT64_MIN, (int64_t)UINT32_MAX + 1,
	    INT64_MAX};
	struct state s, r;
	char *text, err[256];
	struct addr a;
	size_t len, i;

	ck_assert_int_eq(addr_parse_prefix("192.0.2.1", false, &a), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&s, 0, sizeof(s));
		ck_assert_int_eq(state_add_offence(&s, &a, 1, bad[i]), 0);
		ck_assert_int_eq(state_format(&s, &text, &len), 0);
		ck_assert_msg(state_parse(&r, text, len, err, sizeof(err)) == -1,
		    "offence at %lld accepted", (long long)bad[i]);
		free(text);
		state_clear(&s);
		ck_assert_int_eq(state_add_ban(&s, &a, bad[i], 1, "local", "x"), 0);
		ck_assert_int_eq(state_format(&s, &text, &len), 0);
		ck_assert_msg(state_parse(&r, text, len, err, sizeof(err)) == -1,
		    "ban until %lld accepted", (long long)bad[i]);
		free(text);
		state_clear(&s);
	}
	/* The edges themselves are fine. */
	ck_assert_int_eq(state_add_offence(&s, &a, 1, 0), 0);
	ck_assert_int_eq(state_add_ban(&s, &a, UINT32_MAX, 1, "local", "x"), 0);
	ck_assert_int_eq(state_format(&s, &text, &len), 0);
	ck_assert_int_eq(state_parse(&r, text, len, err, sizeof(err)), 0);
	ck_assert_int_eq(r.bans[0].expires, UINT32_MAX);
	free(text);
	state_clear(&s);
	state_clear(&r);
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

/* A FIFO at the state path: refused by type at once (a plain open(2)
 * would wait for a writer) and moved aside like any corrupt file. */
START_TEST(test_fifo_state)
{
	char dir[] = "/tmp/check_state.XXXXXX", path[256], err[256];
	struct state r;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_int_eq(state_load(dir, &r, 77, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is a FIFO, not a regular file") != NULL &&
		strstr(err, "state.corrupt-77") != NULL, "%s", err);
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(state_load(dir, &r, 78, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/state.corrupt-77", dir);
	unlink(path);
	rmdir(dir);
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
	tcase_add_test(tc, test_reads_version1);
	tcase_add_test(tc, test_sessions_roundtrip);
	tcase_add_test(tc, test_refuses_odd_times);
	suite_add_tcase(s, tc);
	tc = tcase_create("corruption");
	tcase_add_test(tc, test_truncated_everywhere);
	tcase_add_test(tc, test_truncated_realistic);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_save_load);
	tcase_add_test(tc, test_fifo_state);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(state_suite());
}
