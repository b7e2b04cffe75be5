/*
 * Unit tests for daemon/mlit.c: the one-pass multi-literal search agrees
 * with a plain search for each literal on random texts and literal sets
 * (small alphabets, so windows collide and literals overlap, share
 * prefixes and run into the end of the buffer), and refuses sets it
 * cannot hold.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* The earliest start in [p, end) of any literal, and which start there. */
static const char *
naive(const char *const *s, const size_t *len, unsigned n, const char *p,
    const char *end, uint64_t *which)
{
	const char *q;
	unsigned i;

	for (q = p; q < end; q++) {
		*which = 0;
		for (i = 0; i < n; i++)
			if (len[i] <= (size_t)(end - q) &&
			    memcmp(q, s[i], len[i]) == 0)
				*which |= (uint64_t)1 << i;
		if (*which != 0)
			return q;
	}
	return NULL;
}

/* Walk text with both searches, every occurrence in turn; returns how
 * many starts were found. */
static unsigned
walk(const struct mlit *t, const char *const *s, const size_t *len,
    unsigned n, const char *text, size_t tlen)
{
	const char *p = text, *end = text + tlen, *got, *want;
	uint64_t wg = 0, ww = 0;
	unsigned found = 0;

	for (;;) {
		got = mlit_find(t, p, end, &wg);
		want = naive(s, len, n, p, end, &ww);
		ck_assert_ptr_eq(got, want);
		if (want == NULL)
			return found;
		ck_assert_uint_eq(wg, ww);
		found++;
		p = got + 1;
	}
}

START_TEST(test_random_sets)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyz .:;[]";
	char lit[12][40], text[2100];
	const char *s[12];
	size_t len[12], tlen, k, at;
	unsigned it, n, i, a, total = 0;
	struct mlit t;

	for (it = 0; it < 3000; it++) {
		a = (unsigned[]){2, 3, 4, 32}[rnd(4)];
		n = 1 + rnd(12);
		for (i = 0; i < n; i++) {
			len[i] = 2 + rnd(38);
			if (i > 0 && rnd(3) == 0) {
				/* A prefix, suffix or extension of another. */
				k = rnd(i);
				memcpy(lit[i], lit[k], len[k]);
				if (len[i] < len[k] && rnd(2) == 0)
					memmove(lit[i], lit[k] + len[k] - len[i],
					    len[i]);
				for (at = len[k]; at < len[i]; at++)
					lit[i][at] = alpha[rnd(a)];
			} else {
				for (at = 0; at < len[i]; at++)
					lit[i][at] = alpha[rnd(a)];
			}
			s[i] = lit[i];
		}
		ck_assert_int_eq(mlit_init(&t, s, len, n), 0);
		tlen = rnd(2000);
		for (at = 0; at < tlen; at++)
			text[at] = alpha[rnd(a)];
		/* Plant whole and cut literals, some at the very end. */
		for (k = rnd(6); k > 0 && tlen > 0; k--) {
			i = rnd(n);
			at = rnd(2) == 0 && tlen >= len[i] ? tlen - len[i] :
			    rnd((unsigned)tlen);
			memcpy(text + at, s[i], len[i] < tlen - at ? len[i] :
			    tlen - at);
		}
		total += walk(&t, s, len, n, text, tlen);
	}
	/* The texts held literals to find, not only misses. */
	ck_assert_uint_gt(total, 3000);
}
END_TEST

START_TEST(test_long_literal_and_shift_cap)
{
	static char lit[2][300], text[4000];
	const char *s[2] = {lit[0], lit[1]};
	size_t len[2] = {300, 280};
	struct mlit t;
	unsigned i;

	for (i = 0; i < 300; i++) {
		lit[0][i] = (char)('a' + i % 23);
		lit[1][i] = (char)('A' + i % 19);
	}
	for (i = 0; i < sizeof(text); i++)
		text[i] = (char)('0' + i % 10);
	memcpy(text + 1000, lit[1], 280);
	memcpy(text + 3700, lit[0], 300);
	ck_assert_int_eq(mlit_init(&t, s, len, 2), 0);
	ck_assert_uint_eq(walk(&t, s, len, 2, text, sizeof(text)), 2);
	/* One byte short of the end: the last one no longer fits. */
	ck_assert_uint_eq(walk(&t, s, len, 2, text, sizeof(text) - 1), 1);
}
END_TEST

START_TEST(test_refused_sets)
{
	static char lit[MLIT_MAX + 1][4];
	const char *s[MLIT_MAX + 1];
	size_t len[MLIT_MAX + 1];
	struct mlit t;
	unsigned i;

	for (i = 0; i <= MLIT_MAX; i++) {
		snprintf(lit[i], sizeof(lit[i]), "%03u", i);
		s[i] = lit[i];
		len[i] = 3;
	}
	ck_assert_int_eq(mlit_init(&t, s, len, 0), -1);
	ck_assert_int_eq(mlit_init(&t, s, len, MLIT_MAX + 1), -1);
	ck_assert_int_eq(mlit_init(&t, s, len, MLIT_MAX), 0);
	ck_assert_uint_eq(walk(&t, s, len, MLIT_MAX, "x063y000z", 9), 2);
	len[5] = 1;
	ck_assert_int_eq(mlit_init(&t, s, len, 6), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("mlit");
	TCase *tc = tcase_create("search");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_random_sets);
	tcase_add_test(tc, test_long_literal_and_shift_cap);
	tcase_add_test(tc, test_refused_sets);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
