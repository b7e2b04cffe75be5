/*
 * fuzz-logread: the reader `test` and `replay` put between a log file and
 * the matcher (logread.c): plain text or gzip, anything else refused. The
 * input is the file's bytes, read three ways: all at once, in reads of 1
 * to 7 bytes with outputs of 1 to 5 bytes, and in reads of 4093 bytes.
 *
 * Invariants, beyond "no crash, no sanitizer report":
 * - how the bytes arrive changes nothing: the three ways give the same
 *   text, and the same refusal (or none) with the same reason;
 * - a refusal sets errno EILSEQ and says why; nothing is refused without
 *   a reason, and a reason comes only with a refusal;
 * - plain text that is accepted comes out byte for byte as it went in;
 * - text out of gzip is never more than 1032 times the input (deflate's
 *   limit), so the reader cannot be made to invent data.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "logread.h"

struct src {
	const uint8_t *p;
	size_t len, off, step;
};

static ssize_t
src_read(void *arg, void *buf, size_t n)
{
	struct src *s = arg;

	if (s->step > 0 && n > s->step)
		n = s->step;
	if (n > s->len - s->off)
		n = s->len - s->off;
	memcpy(buf, s->p + s->off, n);
	s->off += n;
	/* A different step each read, from the data itself. */
	if (s->step > 0 && s->step < 8)
		s->step = 1 + (s->off % 7);
	return (ssize_t)n;
}

struct result {
	char *text;
	size_t len;
	int err;
	char why[LOGREAD_WHY_MAX];
};

#define OUT_MAX (1u << 22) /* text kept per way, at most */

static void
read_way(const uint8_t *data, size_t size, size_t step, size_t out_step,
    struct result *res)
{
	struct src s = {data, size, 0, step};
	static struct logread r;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if ((res->text = malloc(OUT_MAX)) == NULL)
		exit(1);
	logread_open(&r, src_read, &s);
	for (;;) {
		n = logread_read(&r, res->text + res->len,
		    out_step > 0 && out_step < OUT_MAX - res->len ? out_step :
		    OUT_MAX - res->len);
		if (n <= 0)
			break;
		res->len += (size_t)n;
		if (res->len == OUT_MAX)
			break;
	}
	res->err = n == -1 ? errno : 0;
	FUZZ_CHECK(n != -1 || errno == EILSEQ, "errno %d", errno);
	FUZZ_CHECK((n == -1) == (logread_why(&r)[0] != '\0'), "why '%s'",
	    logread_why(&r));
	snprintf(res->why, sizeof(res->why), "%s", logread_why(&r));
	FUZZ_CHECK(!logread_gzip(&r) || res->len <= 1032 * size + 64,
	    "%zu bytes out of %zu", res->len, size);
	FUZZ_CHECK(logread_gzip(&r) || n == -1 || res->len == OUT_MAX ||
	    (res->len == size && memcmp(res->text, data, size) == 0),
	    "plain text changed");
	logread_close(&r);
}

FUZZ_NO_INIT

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result a, b, c;

	read_way(data, size, 0, 0, &a);
	read_way(data, size, 1, 1 + size % 5, &b);
	read_way(data, size, 4093, 0, &c);
	/* Cut at OUT_MAX, the ways may stop at different places. */
	if (a.len < OUT_MAX && b.len < OUT_MAX && c.len < OUT_MAX) {
		FUZZ_CHECK(a.len == b.len && a.len == c.len, "%zu %zu %zu",
		    a.len, b.len, c.len);
		FUZZ_CHECK(memcmp(a.text, b.text, a.len) == 0 &&
		    memcmp(a.text, c.text, a.len) == 0, "texts differ");
		FUZZ_CHECK(a.err == b.err && a.err == c.err, "errors %d %d %d",
		    a.err, b.err, c.err);
		FUZZ_CHECK(strcmp(a.why, b.why) == 0 && strcmp(a.why, c.why) ==
		    0, "'%s' '%s' '%s'", a.why, b.why, c.why);
	}
	free(a.text);
	free(b.text);
	free(c.text);
	return 0;
}
