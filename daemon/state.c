/*
 * state: persistence of tail positions, active bans and offence history.
 *
 * Durability: state_save() writes a temporary file in the same directory,
 * fsyncs it, renames it over the old file and fsyncs the directory, so after
 * a crash or power loss the file is either the old or the new version,
 * never a mix. Integrity: the last line carries the record count and an
 * FNV-1a 64 hash of every byte before it, so a file cut at any offset, or
 * edited by hand without fixing the hash, is refused as a whole; the daemon
 * then starts clean (the kernel sets may still hold the bans) and the bad
 * file is kept aside for a human. The parser is pure and bounded: it never
 * reads past len and accepts only the grammar in state.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "rfile.h"
#include "state.h"
#include "wfile.h"

#define STATE_MAGIC "dominoban-state"
#define STATE_TIME_MAX ((int64_t)UINT32_MAX) /* seconds: February 2106 */

/* Grow *arr (of elemsize) to hold one more than *n. */
static int
grow(void **arr, size_t *n, size_t *cap, size_t elemsize)
{
	size_t ncap;
	void *p;

	if (*n < *cap)
		return 0;
	ncap = *cap == 0 ? 16 : *cap * 2;
	p = realloc(*arr, ncap * elemsize);
	if (p == NULL)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

int
state_add_tail(struct state *s, const char *path, uint64_t dev, uint64_t ino,
    uint64_t offset, uint64_t fingerprint)
{
	struct state_tail *t;
	char *copy;

	if (strlen(path) >= STATE_PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((copy = strdup(path)) == NULL)
		return -1;
	if (grow((void **)&s->tails, &s->ntails, &s->captails,
		sizeof(*s->tails)) == -1) {
		free(copy);
		return -1;
	}
	t = &s->tails[s->ntails++];
	t->path = copy;
	t->dev = dev;
	t->ino = ino;
	t->offset = offset;
	t->fingerprint = fingerprint;
	return 0;
}

int
state_add_ban(struct state *s, const struct addr *target, int64_t expires,
    uint32_t offences, const char *origin, const char *reason)
{
	struct state_ban *b;

	if (grow((void **)&s->bans, &s->nbans, &s->capbans,
		sizeof(*s->bans)) == -1)
		return -1;
	b = &s->bans[s->nbans++];
	b->target = *target;
	b->expires = expires;
	b->offences = offences;
	snprintf(b->origin, sizeof(b->origin), "%s", origin);
	snprintf(b->reason, sizeof(b->reason), "%s", reason);
	return 0;
}

int
state_add_session(struct state *s, const struct addr *a, uint32_t count,
    int64_t since)
{
	struct state_session *x;

	if (grow((void **)&s->sessions, &s->nsessions, &s->capsessions,
		sizeof(*s->sessions)) == -1)
		return -1;
	x = &s->sessions[s->nsessions++];
	x->a = *a;
	x->count = count;
	x->since = since;
	return 0;
}

int
state_add_offence(struct state *s, const struct addr *target, uint32_t count,
    int64_t last)
{
	struct state_offence *o;

	if (grow((void **)&s->offences, &s->noffences, &s->capoffences,
		sizeof(*s->offences)) == -1)
		return -1;
	o = &s->offences[s->noffences++];
	o->target = *target;
	o->count = count;
	o->last = last;
	return 0;
}

void
state_clear(struct state *s)
{
	size_t i;

	for (i = 0; i < s->ntails; i++)
		free(s->tails[i].path);
	free(s->tails);
	free(s->bans);
	free(s->offences);
	free(s->sessions);
	memset(s, 0, sizeof(*s));
}

/* A growable output buffer for state_format. */
struct buf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	char *p;
	int n;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		need = b->len + (size_t)n + 1;
		need = need < b->cap * 2 ? b->cap * 2 : need;
		if ((p = realloc(b->p, need)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = p;
		b->cap = need;
	}
}

/* %XX-escape every byte that is not printable ASCII, a blank or '%'. */
static void
buf_escaped(struct buf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (*u == '\0') {
		buf_printf(b, "%%");
		return;
	}
	for (; *u != '\0'; u++) {
		if (*u <= 0x20 || *u >= 0x7f || *u == '%')
			buf_printf(b, "%%%02X", *u);
		else
			buf_printf(b, "%c", *u);
	}
}

int
state_format(const struct state *s, char **out, size_t *outlen)
{
	struct buf b = {NULL, 0, 0, 0};
	char a[ADDR_STRLEN];
	size_t i, records;

	b.cap = 4096;
	if ((b.p = malloc(b.cap)) == NULL)
		return -1;
	buf_printf(&b, "%s %d\n", STATE_MAGIC, STATE_VERSION);
	for (i = 0; i < s->ntails; i++) {
		const struct state_tail *t = &s->tails[i];
		buf_printf(&b, "tail %" PRIu64 " %" PRIu64 " %" PRIu64
			       " %016" PRIx64 " ",
		    t->dev, t->ino, t->offset, t->fingerprint);
		buf_escaped(&b, t->path);
		buf_printf(&b, "\n");
	}
	for (i = 0; i < s->nbans; i++) {
		const struct state_ban *x = &s->bans[i];
		addr_format(&x->target, a, sizeof(a));
		buf_printf(&b, "ban %s %" PRId64 " %" PRIu32 " ", a, x->expires,
		    x->offences);
		buf_escaped(&b, x->origin);
		buf_printf(&b, " ");
		buf_escaped(&b, x->reason);
		buf_printf(&b, "\n");
	}
	for (i = 0; i < s->noffences; i++) {
		const struct state_offence *o = &s->offences[i];
		addr_format(&o->target, a, sizeof(a));
		buf_printf(&b, "offence %s %" PRIu32 " %" PRId64 "\n", a,
		    o->count, o->last);
	}
	if (s->have_sessions) {
		buf_printf(&b, "sessions %" PRId64 "\n", s->blind_until);
		for (i = 0; i < s->nsessions; i++) {
			const struct state_session *x = &s->sessions[i];
			addr_format(&x->a, a, sizeof(a));
			buf_printf(&b, "session %s %" PRIu32 " %" PRId64 "\n", a,
			    x->count, x->since);
		}
	}
	records = s->ntails + s->nbans + s->noffences + s->nsessions +
	    (s->have_sessions ? 1 : 0);
	if (!b.failed)
		buf_printf(&b, "end %zu %016" PRIx64 "\n", records,
		    hash_fnv1a(HASH_FNV_BASIS, b.p, b.len));
	if (b.failed) {
		free(b.p);
		errno = ENOMEM;
		return -1;
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

/* Split the NUL-terminated line into at most max blank-separated fields. */
static size_t
split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0') {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (n == max)
			return max + 1;
		f[n++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	return n;
}

static int
parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	if (*s == '-' || *s == '+' || *s == '\0')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, base);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
parse_i64(const char *s, int64_t *out)
{
	char *end;

	if (*s == '\0')
		return -1;
	errno = 0;
	*out = strtoll(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/*
 * A time in seconds since the epoch, from 0 to STATE_TIME_MAX: the decision
 * engine keeps ban ends in 32 bits and subtracts times from now, so a
 * negative or far-future time (only a forged or damaged file holds one)
 * would wrap or overflow there.
 */
static int
parse_time(const char *s, int64_t *out)
{
	if (parse_i64(s, out) == -1 || *out < 0 || *out > STATE_TIME_MAX)
		return -1;
	return 0;
}

/* Undo buf_escaped in place. "%" alone is the empty string. */
static int
unescape(char *s)
{
	char *w = s, hex[3] = {0, 0, 0};
	uint64_t v;

	if (strcmp(s, "%") == 0) {
		*s = '\0';
		return 0;
	}
	while (*s != '\0') {
		if (*s != '%') {
			*w++ = *s++;
			continue;
		}
		if (s[1] == '\0' || s[2] == '\0')
			return -1;
		hex[0] = s[1];
		hex[1] = s[2];
		if (parse_u64(hex, 16, &v) == -1 || v == 0)
			return -1;
		*w++ = (char)v;
		s += 3;
	}
	*w = '\0';
	return 0;
}

static int
parse_record(struct state *s, char **f, size_t n, int version)
{
	const char *origin;
	uint64_t dev, ino, off, fp, u;
	struct addr a;
	int64_t t;

	if (strcmp(f[0], "tail") == 0) {
		if (n != 6 || parse_u64(f[1], 10, &dev) == -1 ||
		    parse_u64(f[2], 10, &ino) == -1 ||
		    parse_u64(f[3], 10, &off) == -1 ||
		    parse_u64(f[4], 16, &fp) == -1 || unescape(f[5]) == -1 ||
		    f[5][0] == '\0')
			return -1;
		return state_add_tail(s, f[5], dev, ino, off, fp);
	}
	if (strcmp(f[0], "ban") == 0) {
		/* Version 1 had no origin. */
		if (version == 1 && n == 5) {
			f[5] = f[4];
			f[4] = NULL;
		} else if (n != 6) {
			return -1;
		}
		if (addr_parse_prefix(f[1], false, &a) == -1 ||
		    parse_time(f[2], &t) == -1 || parse_u64(f[3], 10, &u) == -1 ||
		    u > UINT32_MAX || unescape(f[5]) == -1 ||
		    strlen(f[5]) >= VERDICT_REASON_MAX)
			return -1;
		if (f[4] == NULL)
			origin = strcmp(f[5], "manual") == 0 ? "manual" : "local";
		else if (unescape(f[4]) == -1 || f[4][0] == '\0' ||
		    strlen(f[4]) >= BAN_ORIGIN_MAX)
			return -1;
		else
			origin = f[4];
		return state_add_ban(s, &a, t, (uint32_t)u, origin, f[5]);
	}
	if (strcmp(f[0], "sessions") == 0) {
		if (n != 2 || s->have_sessions || parse_i64(f[1], &t) == -1)
			return -1;
		s->have_sessions = true;
		s->blind_until = t;
		return 0;
	}
	if (strcmp(f[0], "session") == 0) {
		if (n != 4 || !s->have_sessions ||
		    addr_parse_prefix(f[1], false, &a) == -1 ||
		    !addr_is_host(&a) || parse_u64(f[2], 10, &u) == -1 ||
		    u == 0 || u > UINT32_MAX || parse_time(f[3], &t) == -1)
			return -1;
		return state_add_session(s, &a, (uint32_t)u, t);
	}
	if (strcmp(f[0], "offence") == 0) {
		if (n != 4 || addr_parse_prefix(f[1], false, &a) == -1 ||
		    parse_u64(f[2], 10, &u) == -1 || u > UINT32_MAX ||
		    parse_time(f[3], &t) == -1)
			return -1;
		return state_add_offence(s, &a, (uint32_t)u, t);
	}
	return -1;
}

int
state_parse(struct state *s, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char *p = text, *nl, *end = text + len;
	char line[STATE_PATH_MAX * 3 + 128], *f[8], magic[64], old[64];
	size_t n, lineno = 0, records = 0, want;
	uint64_t sum;
	int done = 0, version = STATE_VERSION;

	memset(s, 0, sizeof(*s));
	snprintf(magic, sizeof(magic), "%s %d", STATE_MAGIC, STATE_VERSION);
	snprintf(old, sizeof(old), "%s 1", STATE_MAGIC);
	while (p < end) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL) {
			snprintf(err, errlen, "line %zu: truncated (no newline)",
			    lineno);
			goto fail;
		}
		if (done) {
			snprintf(err, errlen, "line %zu: data after end",
			    lineno);
			goto fail;
		}
		if ((size_t)(nl - p) >= sizeof(line) ||
		    memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			snprintf(err, errlen, "line %zu: malformed", lineno);
			goto fail;
		}
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (lineno == 1) {
			if (strcmp(line, old) == 0)
				version = 1;
			else if (strcmp(line, magic) != 0) {
				snprintf(err, errlen, "line 1: not a version %d "
				    "dominoban state file", STATE_VERSION);
				goto fail;
			}
		} else if (strncmp(line, "end ", 4) == 0) {
			n = split(line, f, 3);
			if (n != 3 || parse_u64(f[1], 10, &want) == -1 ||
			    parse_u64(f[2], 16, &sum) == -1) {
				snprintf(err, errlen, "line %zu: bad end record",
				    lineno);
				goto fail;
			}
			if (want != records ||
			    sum != hash_fnv1a(HASH_FNV_BASIS, text,
				(size_t)(p - text))) {
				snprintf(err, errlen, "line %zu: checksum or "
				    "record count mismatch", lineno);
				goto fail;
			}
			done = 1;
		} else {
			n = split(line, f, 7);
			if (n == 0 || n > 7 || parse_record(s, f, n, version) == -1) {
				snprintf(err, errlen, "line %zu: malformed "
				    "record", lineno);
				goto fail;
			}
			records++;
		}
		p = nl + 1;
	}
	if (!done) {
		snprintf(err, errlen, "truncated: no end record");
		goto fail;
	}
	return 0;
fail:
	state_clear(s);
	errno = EINVAL;
	return -1;
}

int
state_save(const char *dir, const struct state *s)
{
	char path[STATE_PATH_MAX], tmp[STATE_PATH_MAX], *text = NULL;
	size_t len;
	int rc, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE) >=
		sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, STATE_FILE) >=
		sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (state_format(s, &text, &len) == -1)
		return -1;
	rc = wfile_write(path, tmp, text, len, 0600, true);
	saved = errno;
	free(text);
	errno = saved;
	return rc;
}

int
state_load(const char *dir, struct state *s, int64_t now, char *err,
    size_t errlen)
{
	char path[STATE_PATH_MAX], aside[STATE_PATH_MAX + 32], why[256], *text;
	size_t len;

	memset(s, 0, sizeof(*s));
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s: state directory name too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (rfile_read(path, STATE_MAX_BYTES, RFILE_NOFOLLOW, &text, &len, why,
		sizeof(why)) == -1) {
		if (errno == ENOENT)
			return 0;
		if (errno == EINVAL || errno == EFBIG)
			goto corrupt;
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	if (state_parse(s, text, len, why, sizeof(why)) == 0) {
		free(text);
		return 1;
	}
	free(text);
corrupt:
	snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path,
	    (long long)now);
	if (rename(path, aside) == -1)
		snprintf(err, errlen, "%s: %s (could not move it aside: %s)",
		    path, why, strerror(errno));
	else
		snprintf(err, errlen, "%s: %s; kept as %s", path, why, aside);
	errno = EINVAL;
	return -1;
}
