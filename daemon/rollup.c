/*
 * rollup: the report's hourly store (rollup.h). Hours are kept in an
 * array, oldest first; lines arrive in time order, so the hour wanted is
 * nearly always the last one, and a search from the end finds older ones.
 * Everything is bounded: the number of hours (the retention), and per
 * hour the names, patterns and ban records. Names and reasons are attacker
 * text: they are kept as bytes and escaped in the file (%XX for every byte
 * outside printable ASCII, '%' and blanks), and escaped again by whatever
 * renders them.
 *
 * File format, one record per line, closed by a record count so that a
 * file cut short is refused:
 *
 *   dominoban-rollup 1
 *   h START                       an hour; the records below are its own
 *   k KIND N                      attack lines of match kind KIND
 *   t TIER N                      bans of tier TIER (0 host .. 3 prefix)
 *   v NAME N                      a counter (rollup_value_name)
 *   x N                           bans not listed (past ROLLUP_BANS)
 *   p N ID | u N NAME | r N NAME  pattern hits, user names, recipients
 *   b AT TARGET TIER OFFENCES ORIGIN REASON
 *   end RECORDS
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "rollup.h"

#define ROLLUP_MAGIC "dominoban-rollup 1"

static const char *const tier_names[ROLLUP_TIERS] = {"host", "net", "wide",
    "prefix"};
static const char *const value_names[RV_COUNT] = {"lines", "long_lines",
    "suspicious", "unattributed", "repairs", "reconciles", "packets",
    "bytes", "sessions_cut"};

const char *
rollup_tier_name(unsigned t)
{
	return t < ROLLUP_TIERS ? tier_names[t] : "?";
}

const char *
rollup_value_name(unsigned v)
{
	return v < RV_COUNT ? value_names[v] : "?";
}

enum rollup_tier
rollup_tier_of(const struct addr *a, const struct conf *c)
{
	bool v4 = a->family == AF_INET;

	if (addr_is_host(a))
		return ROLLUP_HOST;
	if (a->len == (v4 ? c->net4_prefix : c->net6_prefix))
		return ROLLUP_NET;
	if (a->len == (v4 ? c->wide4_prefix : c->wide6_prefix))
		return ROLLUP_WIDE;
	return ROLLUP_PREFIX;
}

void
rollup_init(struct rollup *r, unsigned retention)
{
	memset(r, 0, sizeof(*r));
	rollup_set_retention(r, retention);
}

static void
hour_free(struct rollup_hour *h)
{
	free(h->patterns);
	free(h->users);
	free(h->rcpts);
	free(h->bans);
}

void
rollup_free(struct rollup *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		hour_free(&r->h[i]);
	free(r->h);
	memset(r, 0, sizeof(*r));
}

/* Drop the hours older than the retention, counted from the newest. */
static void
prune(struct rollup *r)
{
	size_t k = 0, i;
	int64_t first;

	if (r->n == 0)
		return;
	first = r->h[r->n - 1].start - (int64_t)(r->retention - 1) * ROLLUP_HOUR;
	while (k < r->n && r->h[k].start < first)
		hour_free(&r->h[k++]);
	if (k == 0)
		return;
	for (i = k; i < r->n; i++)
		r->h[i - k] = r->h[i];
	r->n -= k;
	r->gen++;
}

void
rollup_set_retention(struct rollup *r, unsigned retention)
{
	if (retention < 1)
		retention = 1;
	if (retention > ROLLUP_RETENTION_MAX)
		retention = ROLLUP_RETENTION_MAX;
	r->retention = retention;
	prune(r);
}

struct rollup_hour *
rollup_hour(struct rollup *r, int64_t t)
{
	struct rollup_hour *h;
	int64_t start;
	size_t i, cap;

	if (t < 0) {
		errno = EINVAL;
		return NULL;
	}
	start = t - t % ROLLUP_HOUR;
	for (i = r->n; i > 0 && r->h[i - 1].start > start; i--)
		;
	if (i > 0 && r->h[i - 1].start == start)
		return &r->h[i - 1];
	if (r->n > 0 && start < r->h[r->n - 1].start -
	    (int64_t)(r->retention - 1) * ROLLUP_HOUR) {
		errno = EINVAL;
		return NULL;
	}
	if (r->n == r->cap) {
		cap = r->cap ? 2 * r->cap : 32;
		if ((h = realloc(r->h, cap * sizeof(*h))) == NULL)
			return NULL;
		r->h = h;
		r->cap = cap;
	}
	memmove(&r->h[i + 1], &r->h[i], (r->n - i) * sizeof(*r->h));
	memset(&r->h[i], 0, sizeof(*r->h));
	r->h[i].start = start;
	r->n++;
	r->gen++;
	if (i == r->n - 1) {
		prune(r);
		return &r->h[r->n - 1];
	}
	return &r->h[i];
}

/*
 * Count name (n bytes) in the table *v of *count entries: exact while
 * there is room; then the least counted entry gives way and the newcomer
 * takes its count plus one (space-saving: a frequent name is never lost,
 * a count may be over by at most the minimum).
 */
static void
count_name(struct rollup_name **v, size_t *count, size_t cap,
    const char *name, size_t n, uint64_t by)
{
	struct rollup_name *e;
	size_t i, min = 0;

	if (n >= ROLLUP_NAME_MAX)
		n = ROLLUP_NAME_MAX - 1;
	for (i = 0; i < *count; i++) {
		e = &(*v)[i];
		if (strncmp(e->s, name, n) == 0 && e->s[n] == '\0') {
			e->n += by;
			return;
		}
		if (e->n < (*v)[min].n)
			min = i;
	}
	if (*v == NULL && (*v = calloc(cap, sizeof(**v))) == NULL)
		return;
	if (*count < cap) {
		e = &(*v)[(*count)++];
		e->n = by;
	} else {
		e = &(*v)[min];
		e->n += by;
	}
	memcpy(e->s, name, n);
	e->s[n] = '\0';
}

void
rollup_event(struct rollup *r, int64_t t, unsigned kind, const char *pattern,
    const char *user, size_t user_len)
{
	struct rollup_hour *h = rollup_hour(r, t);

	if (h == NULL)
		return;
	r->gen++;
	if (kind < ROLLUP_KINDS)
		h->kinds[kind]++;
	count_name(&h->patterns, &h->npatterns, ROLLUP_PATTERNS, pattern,
	    strlen(pattern), 1);
	if (user == NULL || user_len == 0)
		return;
	if (kind == 1) /* MATCH_AUTH */
		count_name(&h->users, &h->nusers, ROLLUP_NAMES, user,
		    user_len, 1);
	else if (kind == 2) /* MATCH_UNKNOWN_RCPT */
		count_name(&h->rcpts, &h->nrcpts, ROLLUP_NAMES, user,
		    user_len, 1);
}

void
rollup_ban(struct rollup *r, int64_t t, const struct addr *target,
    enum rollup_tier tier, uint32_t offences, const char *origin,
    const char *reason)
{
	struct rollup_hour *h = rollup_hour(r, t);
	struct rollup_ban *b;

	if (h == NULL)
		return;
	r->gen++;
	h->tiers[(unsigned)tier < ROLLUP_TIERS ? tier : ROLLUP_PREFIX]++;
	if (h->nbans == ROLLUP_BANS) {
		h->bans_unlisted++;
		return;
	}
	if (h->bans == NULL &&
	    (h->bans = calloc(ROLLUP_BANS, sizeof(*h->bans))) == NULL) {
		h->bans_unlisted++;
		return;
	}
	b = &h->bans[h->nbans++];
	b->target = *target;
	b->at = t;
	b->offences = offences;
	b->tier = (uint8_t)tier;
	snprintf(b->origin, sizeof(b->origin), "%s", origin);
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
}

void
rollup_add(struct rollup *r, int64_t t, enum rollup_value v, uint64_t n)
{
	struct rollup_hour *h;

	if (n == 0 || (unsigned)v >= RV_COUNT || (h = rollup_hour(r, t)) == NULL)
		return;
	h->values[v] += n;
	r->gen++;
}

/* ---- text form ------------------------------------------------------------ */

static void
put_escaped(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0')
		fputc('%', f); /* an empty string: a lone '%' */
	for (; *p != '\0'; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
}

static void
put_names(FILE *f, char tag, const struct rollup_name *v, size_t n,
    size_t *records)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fprintf(f, "%c %llu ", tag, (unsigned long long)v[i].n);
		put_escaped(f, v[i].s);
		fputc('\n', f);
		(*records)++;
	}
}

static void
put_hour(FILE *f, const struct rollup_hour *h, size_t *records)
{
	char a[ADDR_STRLEN];
	size_t i;

	fprintf(f, "h %lld\n", (long long)h->start);
	(*records)++;
	for (i = 1; i < ROLLUP_KINDS; i++)
		if (h->kinds[i] != 0 && ++*records)
			fprintf(f, "k %zu %llu\n", i,
			    (unsigned long long)h->kinds[i]);
	for (i = 0; i < ROLLUP_TIERS; i++)
		if (h->tiers[i] != 0 && ++*records)
			fprintf(f, "t %zu %llu\n", i,
			    (unsigned long long)h->tiers[i]);
	for (i = 0; i < RV_COUNT; i++)
		if (h->values[i] != 0 && ++*records)
			fprintf(f, "v %s %llu\n", value_names[i],
			    (unsigned long long)h->values[i]);
	if (h->bans_unlisted != 0 && ++*records)
		fprintf(f, "x %llu\n", (unsigned long long)h->bans_unlisted);
	put_names(f, 'p', h->patterns, h->npatterns, records);
	put_names(f, 'u', h->users, h->nusers, records);
	put_names(f, 'r', h->rcpts, h->nrcpts, records);
	for (i = 0; i < h->nbans; i++) {
		addr_format(&h->bans[i].target, a, sizeof(a));
		fprintf(f, "b %lld %s %u %u ", (long long)h->bans[i].at, a,
		    h->bans[i].tier, h->bans[i].offences);
		put_escaped(f, h->bans[i].origin);
		fputc(' ', f);
		put_escaped(f, h->bans[i].reason);
		fputc('\n', f);
		(*records)++;
	}
}

int
rollup_format(const struct rollup *r, char **out, size_t *len)
{
	size_t records = 0, i;
	FILE *f;

	*out = NULL;
	if ((f = open_memstream(out, len)) == NULL)
		return -1;
	fprintf(f, "%s\n", ROLLUP_MAGIC);
	for (i = 0; i < r->n; i++)
		put_hour(f, &r->h[i], &records);
	fprintf(f, "end %zu\n", records);
	if (fclose(f) != 0) {
		free(*out);
		*out = NULL;
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* ---- parsing -------------------------------------------------------------- */

struct parser {
	char *err;
	size_t errlen;
	unsigned line;
};

static int
bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "line %u: ", p->line);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < p->errlen)
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

/* Split s (modified) into at most max blank-separated words. */
static size_t
words(char *s, char **w, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			break;
		w[n++] = s;
		while (*s != '\0' && *s != ' ')
			s++;
		if (*s == ' ')
			*s++ = '\0';
	}
	return *s == '\0' ? n : max + 1;
}

static int
num(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Undo put_escaped() into out (size bytes); -1 when malformed or long. */
static int
unescape(const char *s, char *out, size_t size)
{
	size_t n = 0;
	unsigned x;

	if (strcmp(s, "%") == 0) {
		out[0] = '\0';
		return 0;
	}
	for (; *s != '\0'; s++) {
		if (n + 1 >= size)
			return -1;
		if (*s != '%') {
			out[n++] = *s;
			continue;
		}
		if (sscanf(s + 1, "%2x", &x) != 1 || x == 0 ||
		    strspn(s + 1, "0123456789ABCDEF") < 2)
			return -1;
		out[n++] = (char)x;
		s += 2;
	}
	out[n] = '\0';
	return 0;
}

static int
parse_names(struct parser *p, struct rollup_hour *h, char tag, char **w)
{
	char name[ROLLUP_NAME_MAX];
	uint64_t n;

	if (num(w[1], UINT64_MAX, &n) == -1 ||
	    unescape(w[2], name, sizeof(name)) == -1)
		return bad(p, "malformed '%c' record", tag);
	if (tag == 'p' && h->npatterns < ROLLUP_PATTERNS)
		count_name(&h->patterns, &h->npatterns, ROLLUP_PATTERNS, name,
		    strlen(name), n);
	else if (tag == 'u' && h->nusers < ROLLUP_NAMES)
		count_name(&h->users, &h->nusers, ROLLUP_NAMES, name,
		    strlen(name), n);
	else if (tag == 'r' && h->nrcpts < ROLLUP_NAMES)
		count_name(&h->rcpts, &h->nrcpts, ROLLUP_NAMES, name,
		    strlen(name), n);
	else
		return bad(p, "too many '%c' records in an hour", tag);
	return 0;
}

static int
parse_ban(struct parser *p, struct rollup *r, struct rollup_hour *h, char **w)
{
	struct rollup_ban *b;
	uint64_t at, off, tier;
	struct addr a;

	if (h->nbans == ROLLUP_BANS)
		return bad(p, "too many bans in an hour");
	if (num(w[1], INT64_MAX, &at) == -1 || (int64_t)at < h->start ||
	    (int64_t)at >= h->start + ROLLUP_HOUR ||
	    addr_parse_prefix(w[2], false, &a) == -1 ||
	    num(w[3], ROLLUP_TIERS - 1, &tier) == -1 ||
	    num(w[4], UINT32_MAX, &off) == -1)
		return bad(p, "malformed ban record");
	if (h->bans == NULL &&
	    (h->bans = calloc(ROLLUP_BANS, sizeof(*h->bans))) == NULL)
		return -1;
	b = &h->bans[h->nbans];
	if (unescape(w[5], b->origin, sizeof(b->origin)) == -1 ||
	    unescape(w[6], b->reason, sizeof(b->reason)) == -1)
		return bad(p, "malformed ban record");
	b->target = a;
	b->at = (int64_t)at;
	b->offences = (uint32_t)off;
	b->tier = (uint8_t)tier;
	h->nbans++;
	r->gen++;
	return 0;
}

static int
parse_line(struct parser *p, struct rollup *r, struct rollup_hour **hp,
    char *line, size_t *records)
{
	struct rollup_hour *h = *hp;
	char *w[8];
	size_t n = words(line, w, 7), i;
	uint64_t a, b;

	if (n == 0 || n > 7 || strlen(w[0]) != 1)
		return bad(p, "malformed record");
	(*records)++;
	if (w[0][0] == 'h') {
		if (n != 2 || num(w[1], INT64_MAX, &a) == -1 ||
		    a % ROLLUP_HOUR != 0 ||
		    (h != NULL && (int64_t)a <= h->start))
			return bad(p, "malformed or unordered hour");
		if ((*hp = rollup_hour(r, (int64_t)a)) == NULL)
			return errno == EINVAL ? bad(p, "hour out of range") : -1;
		return 0;
	}
	if (h == NULL)
		return bad(p, "record before any hour");
	switch (w[0][0]) {
	case 'k':
	case 't':
		if (n != 3 || num(w[1], w[0][0] == 'k' ? ROLLUP_KINDS - 1 :
			ROLLUP_TIERS - 1, &a) == -1 ||
		    num(w[2], UINT64_MAX, &b) == -1)
			return bad(p, "malformed '%s' record", w[0]);
		if (w[0][0] == 'k')
			h->kinds[a] = b;
		else
			h->tiers[a] = b;
		return 0;
	case 'v':
		for (i = 0; n == 3 && i < RV_COUNT; i++)
			if (strcmp(w[1], value_names[i]) == 0)
				break;
		if (n != 3 || i == RV_COUNT || num(w[2], UINT64_MAX, &b) == -1)
			return bad(p, "malformed 'v' record");
		h->values[i] = b;
		return 0;
	case 'x':
		if (n != 2 || num(w[1], UINT64_MAX, &b) == -1)
			return bad(p, "malformed 'x' record");
		h->bans_unlisted = b;
		return 0;
	case 'p':
	case 'u':
	case 'r':
		if (n != 3)
			return bad(p, "malformed '%s' record", w[0]);
		return parse_names(p, h, w[0][0], w);
	case 'b':
		if (n != 7)
			return bad(p, "malformed ban record");
		return parse_ban(p, r, h, w);
	}
	return bad(p, "unknown record '%s'", w[0]);
}

int
rollup_parse(struct rollup *r, const char *text, size_t len, char *err,
    size_t errlen)
{
	struct parser p = {err, errlen, 1};
	struct rollup_hour *h = NULL;
	size_t records = 0, nl = strlen(ROLLUP_MAGIC);
	const char *s = text, *e, *end = text + len;
	char line[1024];
	uint64_t want;

	if (len < nl + 1 || memcmp(text, ROLLUP_MAGIC "\n", nl + 1) != 0)
		return bad(&p, "not a dominoban rollup (version 1)");
	for (s = text + nl + 1; s < end; s = e + 1) {
		p.line++;
		if ((e = memchr(s, '\n', (size_t)(end - s))) == NULL)
			return bad(&p, "cut short (no end record)");
		if ((size_t)(e - s) >= sizeof(line) || memchr(s, '\0',
			(size_t)(e - s)) != NULL)
			return bad(&p, "line too long or binary");
		memcpy(line, s, (size_t)(e - s));
		line[e - s] = '\0';
		if (strncmp(line, "end ", 4) == 0) {
			if (num(line + 4, SIZE_MAX, &want) == -1 ||
			    want != records || e + 1 != end)
				return bad(&p, "record count or end mismatch");
			return 0;
		}
		if (parse_line(&p, r, &h, line, &records) == -1)
			return -1;
	}
	return bad(&p, "cut short (no end record)");
}
