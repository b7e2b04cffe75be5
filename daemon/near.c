/*
 * near: see near.h. The optimal string alignment distance (Damerau's
 * swaps of neighbours, each substring edited once) over three rows of
 * the usual table, on the stack: words are short, so there is no
 * allocation and nothing to fail.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "near.h"

static int
same(char a, char b)
{
	return tolower((unsigned char)a) == tolower((unsigned char)b);
}

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t
near_distance(const char *a, const char *b)
{
	size_t rows[3][NEAR_WORD_MAX + 1];
	size_t *pp = rows[0], *p = rows[1], *cur = rows[2], *t;
	size_t la = strlen(a), lb = strlen(b), i, j, cost;

	if (la > NEAR_WORD_MAX || lb > NEAR_WORD_MAX)
		return NEAR_WORD_MAX + 1;
	for (j = 0; j <= lb; j++)
		p[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
			cur[j] = min3(p[j] + 1, cur[j - 1] + 1, p[j - 1] + cost);
			if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
			    same(a[i - 2], b[j - 1]) && pp[j - 2] + 1 < cur[j])
				cur[j] = pp[j - 2] + 1;
		}
		t = pp;
		pp = p;
		p = cur;
		cur = t;
	}
	return p[lb];
}

const char *
near_best(const char *word, const char *const *words, size_t n)
{
	size_t i, d, best = NEAR_WORD_MAX + 1, len = strlen(word), limit;
	const char *found = NULL;

	limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
	for (i = 0; i < n; i++) {
		d = near_distance(word, words[i]);
		if (d < best) {
			best = d;
			found = words[i];
		}
	}
	if (best <= limit)
		return found;
	/* [allowlist] for [allow], "hist" for history_forget: one is the
	 * start of the other. */
	for (i = 0; len >= 3 && i < n; i++)
		if (strncasecmp(word, words[i], len) == 0 ||
		    (strlen(words[i]) >= 3 && strncasecmp(word, words[i],
			strlen(words[i])) == 0))
			return words[i];
	return NULL;
}
