/*
 * match_run: the matching half of the match module (match.h); match.c
 * loads the patterns.
 *
 * A pattern runs only on lines that contain its prefilter literal.
 * match_buffer() searches the distinct literals over the whole buffer
 * (the long ones together in one pass, mlit.c; each short one with
 * memmem()) and merges the hits in position order, so the common benign
 * line is never visited line by line. The first pattern in load order that matches
 * wins. Every regex runs under the match and depth limits; a line that
 * reaches them is counted (limit_hits) and yields nothing.
 */
#include "config.h"

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "match_int.h"

static int
run(struct matcher *m, const pcre2_code *re, const char *line, size_t len)
{
	int rc;

	rc = pcre2_match(re, (PCRE2_SPTR)line, len, 0, 0, m->md, m->mctx);
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_JIT_STACKLIMIT)
		m->st.limit_hits++;
	return rc;
}

/* Try pattern p on the line; 1 on a hit with ev filled. */
static int
try_pattern(struct matcher *m, struct pattern *p, const char *line,
    size_t len, struct match_event *ev)
{
	PCRE2_SIZE *ov;
	size_t i, s, n;
	char num[16];

	m->st.regex_runs++;
	if (run(m, p->re, line, len) <= 0)
		return 0;
	ov = pcre2_get_ovector_pointer(m->md);
	memset(ev, 0, sizeof(*ev));
	ev->pattern = &p->info;
	ev->messages = -1;
	if (p->g_ip != 0 && ov[2 * p->g_ip] != PCRE2_UNSET) {
		s = ov[2 * p->g_ip];
		n = ov[2 * p->g_ip + 1] - s;
		if (addr_parse(line + s, n, &ev->addr) == -1) {
			m->st.bad_addr++;
			return 0;
		}
		ev->has_addr = true;
	}
	if (p->g_user != 0 && ov[2 * p->g_user] != PCRE2_UNSET) {
		ev->user = line + ov[2 * p->g_user];
		ev->user_len = ov[2 * p->g_user + 1] - ov[2 * p->g_user];
	}
	if (p->g_msgs != 0 && ov[2 * p->g_msgs] != PCRE2_UNSET) {
		n = ov[2 * p->g_msgs + 1] - ov[2 * p->g_msgs];
		if (n > 0 && n < sizeof(num)) {
			memcpy(num, line + ov[2 * p->g_msgs], n);
			num[n] = '\0';
			ev->messages = strtol(num, NULL, 10);
		}
	}
	/* The ignore regexes see the whole line; captures are already
	 * copied out of the ovector above. */
	for (i = 0; i < p->nignore; i++)
		if (run(m, p->ignore[i], line, len) > 0)
			return 0;
	p->hits++;
	return 1;
}

/* Which literals a line holds: known bits are settled, present bits say
 * which of those occur. match_buffer() knows them all from its search;
 * match_line() finds each only when a pattern needs it. */
struct lits {
	uint64_t known, present;
};

static bool
passes(struct matcher *m, const struct pattern *p, const char *line,
    size_t len, struct lits *c)
{
	uint64_t bit;

	if (p->prefilter == NULL)
		return true;
	if (p->lit >= 0) {
		bit = (uint64_t)1 << p->lit;
		if ((c->known & bit) == 0) {
			c->known |= bit;
			if (memmem(line, len, m->literals[p->lit].s,
				m->literals[p->lit].len) != NULL)
				c->present |= bit;
		}
		if ((c->present & bit) == 0)
			return false;
		if (p->lit_exact)
			return true;
	}
	return memmem(line, len, p->prefilter, p->prefilter_len) != NULL;
}

/* The first pattern that matches the line; lines are counted by callers. */
static int
match_one(struct matcher *m, const char *line, size_t len,
    struct match_event *ev, struct lits *c)
{
	struct pattern *p;
	size_t i;

	if (len > MATCH_LINE_MAX) {
		m->st.too_long++;
		return 0;
	}
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		if (passes(m, p, line, len, c) && try_pattern(m, p, line, len, ev))
			return 1;
	}
	return 0;
}

/* The literals of mlit mask which, as bits of struct lits. */
static uint64_t
ml_bits(const struct matcher *m, uint64_t which)
{
	uint64_t bits = 0;

	for (; which != 0; which &= which - 1)
		bits |= (uint64_t)1 << m->ml_lit[__builtin_ctzll(which)];
	return bits;
}

int
match_line(struct matcher *m, const char *line, size_t len,
    struct match_event *ev)
{
	struct lits c = {0, 0};
	uint64_t which = 0;
	const char *p;

	m->st.lines++;
	if (m->ml_known != 0 && len <= MATCH_LINE_MAX) {
		/* The long literals in one pass over the line, not a
		 * memmem() each. */
		c.known = m->ml_known;
		for (p = mlit_find(&m->ml, line, line + len, &which); p != NULL;
		     p = mlit_find(&m->ml, p + 1, line + len, &which))
			c.present |= ml_bits(m, which);
	}
	return match_one(m, line, len, ev, &c);
}

static void
candidate(struct matcher *m, const char *line, size_t len, match_cb cb,
    void *arg, struct lits *c)
{
	struct match_event ev;
	size_t n = len;

	/* A CRLF log's '\r' is no part of the line, as for the tailer: the
	 * patterns that end in " *$" must match Windows logs too. */
	if (n > 0 && line[n - 1] == '\r')
		n--;
	if (match_one(m, line, n, &ev, c))
		cb(arg, line, len, &ev);
}

size_t
match_count_newlines(const char *buf, size_t len)
{
	const uint64_t ones = 0x0101010101010101ULL, low7 = 0x7f7f7f7f7f7f7f7fULL;
	uint64_t w, x, t;
	size_t n = 0, i = 0;

#if defined(__SSE2__)
	/* 16 bytes at a time with SSE2 (every x86-64 has it): each compare
	 * gives -1 per newline byte, subtracted into byte counters that a
	 * sum of absolute differences adds up every 255 rounds (before they
	 * can overflow). A third of `test` went to counting before. */
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();
	__m128i acc, v, sad;
	unsigned r;

	while (i + 16 <= len) {
		acc = zero;
		for (r = 0; r < 255 && i + 16 <= len; r++, i += 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)(buf +
			    i));
			acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(v, nl));
		}
		sad = _mm_sad_epu8(acc, zero);
		n += (size_t)_mm_cvtsi128_si32(sad) +
		    (size_t)_mm_extract_epi16(sad, 4);
	}
#endif
	/* Eight bytes at a time: a byte of x is zero exactly where the word
	 * holds '\n'; t has the top bit of those bytes set and no other bit.
	 * Shifted down and multiplied by 0x01..01, the top byte holds their
	 * count (at most 8): no popcount instruction needed on baseline x86. */
	for (; i + 8 <= len; i += 8) {
		memcpy(&w, buf + i, 8);
		x = w ^ (ones * '\n');
		t = ~(((x & low7) + low7) | x | low7);
		n += (size_t)(((t >> 7) * ones) >> 56);
	}
	for (; i < len; i++)
		n += buf[i] == '\n';
	return n;
}

static size_t
count_lines(const char *buf, size_t len)
{
	return match_count_newlines(buf, len) +
	    (len > 0 && buf[len - 1] != '\n');
}

void
match_buffer(struct matcher *m, const char *buf, size_t len, match_cb cb,
    void *arg)
{
	const char *end = buf + len, *pos, *ls, *le, *best, *mnext = NULL;
	uint64_t which = 0;
	struct lits c;
	struct literal *l;
	size_t i;

	m->st.lines += count_lines(buf, len);
	if (!m->all_prefiltered) {
		for (ls = buf; ls < end; ls = le + 1) {
			le = memchr(ls, '\n', (size_t)(end - ls));
			if (le == NULL)
				le = end;
			c.known = c.present = 0;
			candidate(m, ls, (size_t)(le - ls), cb, arg, &c);
		}
		return;
	}
	/* Each short literal has its next occurrence (memmem); the long
	 * ones share one, the earliest of any of them (mlit). */
	for (i = 0; i < m->nliterals; i++) {
		l = &m->literals[i];
		l->next = ((m->ml_known >> i) & 1) != 0 ? NULL :
		    memmem(buf, len, l->s, l->len);
	}
	if (m->ml_known != 0)
		mnext = mlit_find(&m->ml, buf, end, &which);
	pos = buf;
	for (;;) {
		best = mnext;
		for (i = 0; i < m->nliterals; i++)
			if (m->literals[i].next != NULL &&
			    (best == NULL || m->literals[i].next < best))
				best = m->literals[i].next;
		if (best == NULL)
			break;
		ls = memrchr(pos, '\n', (size_t)(best - pos));
		ls = ls != NULL ? ls + 1 : pos;
		le = memchr(best, '\n', (size_t)(end - best));
		if (le == NULL)
			le = end;
		/* No literal occurs before best, and literals hold no
		 * newline: each is in this line exactly when its next
		 * occurrence starts before le. The long ones are found one
		 * start after another up to le. */
		c.known = c.present = 0;
		for (i = 0; i < m->nliterals; i++) {
			c.known |= (uint64_t)1 << i;
			if (m->literals[i].next != NULL &&
			    m->literals[i].next < le)
				c.present |= (uint64_t)1 << i;
		}
		while (mnext != NULL && mnext < le) {
			c.present |= ml_bits(m, which);
			mnext = mlit_find(&m->ml, mnext + 1, end, &which);
		}
		candidate(m, ls, (size_t)(le - ls), cb, arg, &c);
		pos = le < end ? le + 1 : end;
		for (i = 0; i < m->nliterals; i++) {
			l = &m->literals[i];
			if (l->next != NULL && l->next < pos)
				l->next = memmem(pos, (size_t)(end - pos), l->s,
				    l->len);
		}
	}
}
