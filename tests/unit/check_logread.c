/* Unit tests for daemon/logread.c: plain text and gzip (one member,
 * several, trailing zeros, read a byte at a time) give the same bytes;
 * other compressions, binary data, corrupt and truncated gzip are refused
 * with the reason. The gzip data is made here with zlib. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "logread.h"
#include "suite_run.h"

struct mem {
	const unsigned char *p;
	size_t len, off, step; /* step: at most this many bytes per read */
};

static ssize_t
mem_read(void *arg, void *buf, size_t n)
{
	struct mem *m = arg;

	if (m->step > 0 && n > m->step)
		n = m->step;
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/* text gzipped into out (one member); returns its length. */
static size_t
gz(const char *text, size_t len, unsigned char *out, size_t size)
{
	z_stream z;

	memset(&z, 0, sizeof(z));
	ck_assert_int_eq(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)(uintptr_t)text;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)size;
	ck_assert_int_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return size - z.avail_out;
}

/* Everything logread gives for data (read step bytes at a time), into
 * out; returns the length, or -1 with the reason in why. */
static ssize_t
read_all(const unsigned char *data, size_t len, size_t step, char *out,
    size_t size, char *why, size_t whylen)
{
	struct mem m = {data, len, 0, step};
	struct logread *r = malloc(sizeof(*r));
	size_t have = 0;
	ssize_t n;

	ck_assert_ptr_nonnull(r);
	logread_open(r, mem_read, &m);
	while ((n = logread_read(r, out + have, step > 0 ? 7 :
	    size - have)) > 0)
		have += (size_t)n;
	snprintf(why, whylen, "%s", logread_why(r));
	logread_close(r);
	free(r);
	return n == -1 ? -1 : (ssize_t)have;
}

static const char log_text[] =
    "[004711:000010-00007F3A9C5FE700] 05.12.2026 06:00:01   SMTP Server: "
    "Authentication failed for user a ; connecting host 198.51.100.7\n"
    "[004711:000010-00007F3A9C5FE700] 05.12.2026 06:00:02   Router: "
    "Transferred 1 messages\n";

START_TEST(test_plain_and_gzip)
{
	static unsigned char z[8192];
	static char out[16384];
	char why[LOGREAD_WHY_MAX];
	size_t len = strlen(log_text), zl, step;

	for (step = 0; step <= 1; step++) {
		ck_assert_int_eq(read_all((const unsigned char *)log_text, len,
		    step, out, sizeof(out), why, sizeof(why)), (ssize_t)len);
		ck_assert(memcmp(out, log_text, len) == 0);
		zl = gz(log_text, len, z, sizeof(z));
		ck_assert_int_eq(read_all(z, zl, step, out, sizeof(out), why,
		    sizeof(why)), (ssize_t)len);
		ck_assert(memcmp(out, log_text, len) == 0);
		/* Two members, then zero padding: one text, as gzip -dc. */
		zl += gz(log_text, len, z + zl, sizeof(z) - zl);
		memset(z + zl, 0, 100);
		ck_assert_int_eq(read_all(z, zl + 100, step, out, sizeof(out),
		    why, sizeof(why)), (ssize_t)(2 * len));
		ck_assert(memcmp(out + len, log_text, len) == 0);
	}
	/* Empty input and an empty gzip member: no text, no error. */
	ck_assert_int_eq(read_all(z, 0, 0, out, sizeof(out), why, sizeof(why)),
	    0);
	zl = gz("", 0, z, sizeof(z));
	ck_assert_int_eq(read_all(z, zl, 0, out, sizeof(out), why, sizeof(why)),
	    0);
}
END_TEST

START_TEST(test_refused)
{
	static const struct {
		const char *data;
		size_t len;
		const char *want;
	} cases[] = {
	    {"BZh91AY&SY\x01\x02", 12, "bzip2-compressed data: dominoban reads "
		"plain text and gzip (.gz) logs; decompress it first (bzip2 "
		"-dc FILE | dominoban ... -)"},
	    {"\xfd" "7zXZ\0\0\x04", 8, "xz-compressed data"},
	    {"\x28\xb5\x2f\xfd\x00\x00", 6, "zstd-compressed data"},
	    {"PK\x03\x04\x14\x00", 6, "a zip archive data"},
	    {"\x7f" "ELF\x02\x01\x01", 7, "an executable (ELF): not a log"},
	    {"\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f text", 15,
		"binary data (10 of the first 15 bytes are control bytes): "
		"not a text log"},
	};
	static unsigned char z[8192];
	static char out[16384], bin[600];
	char why[LOGREAD_WHY_MAX];
	size_t i, zl;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		errno = 0;
		ck_assert_int_eq(read_all((const unsigned char *)cases[i].data,
		    cases[i].len, 0, out, sizeof(out), why, sizeof(why)), -1);
		ck_assert_int_eq(errno, EILSEQ);
		ck_assert_msg(strstr(why, cases[i].want) != NULL, "want '%s', "
		    "got '%s'", cases[i].want, why);
	}
	/* Binary inside a gzip stream, and gzip inside gzip. */
	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (char)(i * 7);
	zl = gz(bin, sizeof(bin), z, sizeof(z));
	ck_assert_int_eq(read_all(z, zl, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "inside the gzip stream") != NULL, "%s", why);
	zl = gz(log_text, strlen(log_text), (unsigned char *)bin, sizeof(bin));
	zl = gz(bin, zl, z, sizeof(z));
	ck_assert_int_eq(read_all(z, zl, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "gzip data inside the gzip stream") != NULL,
	    "%s", why);
	/* Truncated: the lines before the cut come first, then the error. */
	zl = gz(log_text, strlen(log_text), z, sizeof(z));
	ck_assert_int_eq(read_all(z, zl - 9, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "truncated gzip stream") != NULL, "%s", why);
	/* Corrupt: a flipped byte in the deflate data or the CRC. */
	z[zl / 2] ^= 0x55;
	ck_assert_int_eq(read_all(z, zl, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "corrupt gzip data") != NULL, "%s", why);
	z[zl / 2] ^= 0x55;
	z[zl - 6] ^= 0x01;
	ck_assert_int_eq(read_all(z, zl, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "corrupt gzip data") != NULL, "%s", why);
	z[zl - 6] ^= 0x01;
	/* Garbage after the stream. */
	memcpy(z + zl, "garbage", 7);
	ck_assert_int_eq(read_all(z, zl + 7, 0, out, sizeof(out), why,
	    sizeof(why)), -1);
	ck_assert_msg(strstr(why, "data after the end of the gzip stream") !=
	    NULL, "%s", why);
}
END_TEST

/* A log with a stray NUL or two is still a log. */
START_TEST(test_text_with_nul)
{
	static char out[16384];
	char text[sizeof(log_text)], why[LOGREAD_WHY_MAX];
	size_t len = strlen(log_text);

	memcpy(text, log_text, sizeof(text));
	text[10] = '\0';
	text[50] = '\0';
	ck_assert_int_eq(read_all((const unsigned char *)text, len, 0, out,
	    sizeof(out), why, sizeof(why)), (ssize_t)len);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("logread");
	TCase *tc = tcase_create("logread");

	tcase_add_test(tc, test_plain_and_gzip);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_text_with_nul);
	suite_add_tcase(s, tc);
	return suite_run(s);
}
