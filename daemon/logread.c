/*
 * logread: see logread.h. The first bytes decide: gzip's magic starts the
 * inflater (windowBits 16 + 15: gzip only, never raw or zlib data); a
 * known magic of another format is refused by name with the way out
 * (decompress it first, into standard input); otherwise the data is read
 * as it is. The first LOGREAD_SNIFF bytes of text, after decompression,
 * must look like text: at most LOGREAD_BINARY_PCT percent of control bytes
 * (tab, newline, carriage return, form feed and escape excepted), since a
 * Domino log may hold a stray NUL but never mostly binary. A gzip stream
 * must end properly: a truncated one (still being written?) or one with
 * data after its end is refused, since its last lines cannot be trusted.
 * Zero bytes after the last member are padding, as gzip(1) ignores them.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "logread.h"

static const struct {
	const char *magic;
	size_t len;
	const char *name, *tool;
} magics[] = {
    {"BZh", 3, "bzip2-compressed", "bzip2 -dc"},
    {"\xfd" "7zXZ\0", 6, "xz-compressed", "xz -dc"},
    {"\x28\xb5\x2f\xfd", 4, "zstd-compressed", "zstd -dc"},
    {"\x04\x22\x4d\x18", 4, "lz4-compressed", "lz4 -dc"},
    {"PK\x03\x04", 4, "a zip archive", "unzip -p"},
    {"7z\xbc\xaf\x27\x1c", 6, "a 7-Zip archive", "7z x -so"},
    {"\x7f" "ELF", 4, "an executable (ELF)", NULL},
};

void
logread_open(struct logread *r, logread_src *src, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->src = src;
	r->arg = arg;
	r->mode = LR_START;
}

static int refuse(struct logread *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Refuse the data: the reason in why, errno EILSEQ. Returns -1. */
static int
refuse(struct logread *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	r->mode = LR_END;
	errno = EILSEQ;
	return -1;
}

/* Read from the source into in[in_len..], at most want bytes in all.
 * Returns the bytes read, 0 at the end, or -1. */
static ssize_t
fill(struct logread *r, size_t want)
{
	ssize_t n;

	do
		n = r->src(r->arg, r->in + r->in_len, want - r->in_len);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		snprintf(r->why, sizeof(r->why), "%s", strerror(errno));
		return -1;
	}
	if (n == 0)
		r->eof = true;
	r->in_len += (size_t)n;
	return n;
}

/* The known binary format at p, or -1. */
static int
magic_at(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len &&
		    memcmp(p, magics[i].magic, magics[i].len) == 0)
			return (int)i;
	return -1;
}

static int sniff(struct logread *r, const char *buf, size_t n);
static int gz_head(struct logread *r);

/* Decide the format from the first bytes. Returns 0, or -1. */
static int
start(struct logread *r)
{
	int k;

	while (r->in_len < 8 && !r->eof)
		if (fill(r, 8) == -1)
			return -1;
	if (r->in_len >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b) {
		if (inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
			return refuse(r, "out of memory");
		r->z_init = true;
		r->z.next_in = r->in;
		r->z.avail_in = (uInt)r->in_len;
		r->members = 1;
		r->mode = LR_GZIP;
		return gz_head(r);
	}
	if ((k = magic_at(r->in, r->in_len)) >= 0) {
		if (magics[k].tool == NULL)
			return refuse(r, "%s: not a log", magics[k].name);
		return refuse(r, "%s data: dominoban reads plain text and gzip "
		    "(.gz) logs; decompress it first (%s FILE | dominoban "
		    "... -)", magics[k].name, magics[k].tool);
	}
	/* Enough text to judge it by, however the source hands it out. */
	while (r->in_len < LOGREAD_SNIFF && !r->eof)
		if (fill(r, LOGREAD_SNIFF) == -1)
			return -1;
	r->mode = LR_PLAIN;
	return sniff(r, (const char *)r->in, r->in_len);
}

/* The first text must look like text (see the top of the file). */
static int
sniff(struct logread *r, const char *buf, size_t n)
{
	size_t i, ctl = 0;
	unsigned char c;
	int k;

	if (n > LOGREAD_SNIFF)
		n = LOGREAD_SNIFF;
	if ((k = magic_at((const unsigned char *)buf, n)) >= 0 ||
	    (n >= 2 && (unsigned char)buf[0] == 0x1f &&
		(unsigned char)buf[1] == 0x8b)) {
		return refuse(r, "%s inside %s: not a log", k >= 0 ?
		    magics[k].name : "gzip data", r->members > 0 ?
		    "the gzip stream" : "the file");
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)buf[i];
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
			c != '\f' && c != 0x1b) || c == 0x7f)
			ctl++;
	}
	if (ctl * 100 > n * LOGREAD_BINARY_PCT) {
		return refuse(r, "binary data (%zu of the first %zu bytes are "
		    "control bytes)%s: not a text log", ctl, n, r->members >
		    0 ? " inside the gzip stream" : "");
	}
	return 0;
}

/* After a member's end: another member, zero padding, or garbage. */
static int
next_member(struct logread *r)
{
	for (;;) {
		while (r->z.avail_in > 0 && *r->z.next_in == 0) {
			r->z.next_in++;
			r->z.avail_in--;
		}
		if (r->z.avail_in > 0)
			break;
		if (r->eof) {
			r->mode = LR_END;
			return 0;
		}
		r->in_len = 0;
		if (fill(r, sizeof(r->in)) == -1)
			return -1;
		r->z.next_in = r->in;
		r->z.avail_in = (uInt)r->in_len;
	}
	if (r->z.avail_in >= 2 && (r->z.next_in[0] != 0x1f ||
	    r->z.next_in[1] != 0x8b))
		return refuse(r, "data after the end of the gzip stream");
	inflateReset(&r->z);
	r->members++;
	return 0;
}

/* A failure (errno set, why said) after some text was made: the text
 * first, the failure at the next read. */
static ssize_t
gz_fail(struct logread *r, size_t made)
{
	if (made == 0)
		return -1;
	r->failed = errno;
	return (ssize_t)made;
}

static ssize_t
gz_read(struct logread *r, char *buf, size_t n)
{
	int rc;

	if (r->failed != 0) {
		errno = r->failed;
		return -1;
	}
	if (r->mode == LR_END)
		return 0;
	r->z.next_out = (Bytef *)buf;
	r->z.avail_out = n > 0x40000000u ? 0x40000000u : (uInt)n;
	n = r->z.avail_out;
	for (;;) {
		if (r->z.avail_in == 0 && !r->eof) {
			r->in_len = 0;
			if (fill(r, sizeof(r->in)) == -1)
				return gz_fail(r, n - r->z.avail_out);
			r->z.next_in = r->in;
			r->z.avail_in = (uInt)r->in_len;
		}
		rc = inflate(&r->z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			if (next_member(r) == -1)
				return gz_fail(r, n - r->z.avail_out);
		} else if (rc == Z_BUF_ERROR && r->z.avail_in == 0 && r->eof) {
			(void)refuse(r, "truncated gzip stream: the file ends "
			    "before the stream does (still being written?)");
			return gz_fail(r, n - r->z.avail_out);
		} else if (rc != Z_OK && rc != Z_BUF_ERROR) {
			(void)refuse(r, "corrupt gzip data: %s",
			    r->z.msg != NULL ? r->z.msg : "inflate failed");
			return gz_fail(r, n - r->z.avail_out);
		}
		/* Text made and more input needed: hand it out now. */
		if (r->mode == LR_END || r->z.avail_out == 0 ||
		    (r->z.avail_out < n && r->z.avail_in == 0))
			break;
	}
	return (ssize_t)(n - r->z.avail_out);
}

/* The first LOGREAD_SNIFF bytes of text into head, judged before any is
 * handed out, so that how the caller asks for text changes nothing. A
 * failure after some text is kept for when that text was handed out. */
static int
gz_head(struct logread *r)
{
	ssize_t n;

	while (r->head_len < sizeof(r->head)) {
		n = gz_read(r, r->head + r->head_len, sizeof(r->head) -
		    r->head_len);
		if (n == -1) {
			r->failed = errno;
			break;
		}
		if (n == 0)
			break;
		r->head_len += (size_t)n;
	}
	if (r->head_len > 0 && sniff(r, r->head, r->head_len) == -1) {
		r->failed = errno;
		r->head_len = 0;
	}
	if (r->failed != 0 && r->head_len == 0) {
		errno = r->failed;
		return -1;
	}
	return 0;
}

ssize_t
logread_read(struct logread *r, char *buf, size_t n)
{
	ssize_t got;

	if (r->mode == LR_START && start(r) == -1)
		return -1;
	if (r->head_off < r->head_len) {
		got = (ssize_t)(r->head_len - r->head_off < n ? r->head_len -
		    r->head_off : n);
		memcpy(buf, r->head + r->head_off, (size_t)got);
		r->head_off += (size_t)got;
		return got;
	}
	if (r->failed != 0) {
		errno = r->failed;
		return -1;
	}
	if (r->mode == LR_END)
		return 0;
	if (r->mode == LR_GZIP) {
		got = gz_read(r, buf, n);
	} else if (r->in_off < r->in_len) {
		got = (ssize_t)(r->in_len - r->in_off < n ? r->in_len -
		    r->in_off : n);
		memcpy(buf, r->in + r->in_off, (size_t)got);
		r->in_off += (size_t)got;
	} else {
		do
			got = r->src(r->arg, buf, n);
		while (got == -1 && errno == EINTR);
		if (got == -1)
			snprintf(r->why, sizeof(r->why), "%s", strerror(errno));
	}
	return got;
}

const char *
logread_why(const struct logread *r)
{
	return r->why;
}

bool
logread_gzip(const struct logread *r)
{
	return r->members > 0;
}

void
logread_close(struct logread *r)
{
	if (r->z_init)
		inflateEnd(&r->z);
	r->z_init = false;
}
