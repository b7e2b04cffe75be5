/*
 * banlog: see banlog.h. The ring is allocated once, at its cap: a storm of
 * bans overwrites the oldest records, it never grows memory.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banlog.h"

#define BANLOG_FIELDS 9

int
banlog_init(struct banlog *l, size_t cap)
{
	memset(l, 0, sizeof(*l));
	if (cap == 0)
		cap = 1;
	if ((l->v = calloc(cap, sizeof(*l->v))) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	l->cap = cap;
	return 0;
}

void
banlog_free(struct banlog *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
banlog_add(struct banlog *l, const struct banlog_rec *r)
{
	if (l->cap == 0)
		return;
	if (l->n < l->cap) {
		l->v[(l->head + l->n++) % l->cap] = *r;
		return;
	}
	l->v[l->head] = *r;
	l->head = (l->head + 1) % l->cap;
}

const struct banlog_rec *
banlog_at(const struct banlog *l, size_t i)
{
	return &l->v[(l->head + i) % l->cap];
}

/* Copy text into dst (size bytes), cut, tabs and control bytes as '?'. */
static void
clean(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i + 1 < size; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || src[i] == 0x7f ? '?' :
		    src[i];
	dst[i] = '\0';
}

void
banlog_make(struct banlog_rec *r, bool banned, const struct ban *b,
    const char *how, int64_t now)
{
	int64_t left = b->expires - now;

	memset(r, 0, sizeof(*r));
	r->at = now;
	r->event = banned ? BANLOG_BAN : BANLOG_END;
	r->target = b->target;
	r->seconds = left < 0 ? 0 : left > BANLOG_SECONDS_MAX ?
	    BANLOG_SECONDS_MAX : left;
	r->offences = b->offences;
	clean(r->origin, sizeof(r->origin), b->origin);
	clean(r->reason, sizeof(r->reason), b->reason);
	if (!banned)
		clean(r->how, sizeof(r->how), how);
}

size_t
banlog_format(const struct banlog_rec *r, char *buf, size_t size)
{
	char a[ADDR_STRLEN];
	int n;

	addr_format(&r->target, a, sizeof(a));
	n = snprintf(buf, size, "b1\t%lld\t%s\t%s\t%lld\t%u\t%s\t%s\t%s\n",
	    (long long)r->at, r->event == BANLOG_BAN ? "ban" : "end", a,
	    (long long)r->seconds, r->offences,
	    r->origin[0] ? r->origin : "-", r->reason[0] ? r->reason : "-",
	    r->how[0] ? r->how : "-");
	if (n < 0)
		return 0;
	return (size_t)n < size ? (size_t)n : size - 1;
}

/* A decimal number of at most 19 digits, within [0, max]. */
static int
number(const char *s, size_t n, long long max, long long *out)
{
	long long v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* A text field: printable (bytes >= 0x20 but DEL), shorter than size; "-"
 * is empty. */
static int
text(const char *s, size_t n, char *dst, size_t size)
{
	size_t i;

	if (n == 0 || n >= size)
		return -1;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return -1;
	if (n == 1 && s[0] == '-')
		n = 0;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

int
banlog_parse(const char *line, size_t n, struct banlog_rec *r)
{
	const char *f[BANLOG_FIELDS];
	size_t len[BANLOG_FIELDS], k = 0, i, start = 0;
	char a[ADDR_STRLEN + 4];
	long long v;

	memset(r, 0, sizeof(*r));
	if (n >= BANLOG_LINE_MAX)
		goto bad;
	for (i = 0; i <= n; i++) {
		if (i < n && line[i] != '\t')
			continue;
		if (k == BANLOG_FIELDS)
			goto bad;
		f[k] = line + start;
		len[k++] = i - start;
		start = i + 1;
	}
	if (k != BANLOG_FIELDS || len[0] != 2 || memcmp(f[0], "b1", 2) != 0)
		goto bad;
	if (number(f[1], len[1], INT64_MAX / 2, &v) == -1)
		goto bad;
	r->at = v;
	if (len[2] == 3 && memcmp(f[2], "ban", 3) == 0)
		r->event = BANLOG_BAN;
	else if (len[2] == 3 && memcmp(f[2], "end", 3) == 0)
		r->event = BANLOG_END;
	else
		goto bad;
	if (len[3] == 0 || len[3] >= sizeof(a))
		goto bad;
	memcpy(a, f[3], len[3]);
	a[len[3]] = '\0';
	if (addr_parse_prefix(a, false, &r->target) == -1)
		goto bad;
	if (number(f[4], len[4], BANLOG_SECONDS_MAX, &v) == -1)
		goto bad;
	r->seconds = v;
	if (number(f[5], len[5], UINT32_MAX, &v) == -1)
		goto bad;
	r->offences = (uint32_t)v;
	if (text(f[6], len[6], r->origin, sizeof(r->origin)) == -1 ||
	    text(f[7], len[7], r->reason, sizeof(r->reason)) == -1 ||
	    text(f[8], len[8], r->how, sizeof(r->how)) == -1)
		goto bad;
	if (r->event == BANLOG_BAN && r->how[0] != '\0')
		goto bad;
	return 0;
bad:
	memset(r, 0, sizeof(*r));
	errno = EINVAL;
	return -1;
}

size_t
banlog_load(struct banlog *l, const char *text_, size_t len, size_t *lines)
{
	struct banlog_rec r;
	const char *p = text_, *end = text_ + len, *nl;
	size_t bad = 0, nlines = 0;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nlines++;
		/* A last line without its newline was cut by a crash in the
		 * middle of a write: dropped like any other bad line. */
		if (nl == NULL || banlog_parse(p, (size_t)(nl - p), &r) == -1)
			bad++;
		else
			banlog_add(l, &r);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	if (lines != NULL)
		*lines = nlines;
	return bad;
}

bool
banlog_match(const struct banlog_rec *r, const struct addr *target,
    int64_t since)
{
	if (r->at < since)
		return false;
	return target == NULL || addr_contains(target, &r->target) ||
	    addr_contains(&r->target, target);
}
