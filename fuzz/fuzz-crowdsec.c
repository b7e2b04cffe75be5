/*
 * fuzz-crowdsec: the LAPI decision-stream reader (crowdsec_json.c), fed
 * the input in chunks whose size the first byte picks, and again whole,
 * and the Go duration parser on the input as a string.
 *
 * Invariants: the reader never reads or keeps more than it may (ASan),
 * delivers only decisions with NUL-terminated, non-empty type, scope and
 * value and a finite duration within +-10^10 s; chunking changes nothing
 * (same decisions, same malformed count, same verdict); a refusal says
 * where. An accepted duration is finite and within +-10^10 s.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "crowdsec_json.h"
#include "fuzz.h"

struct tally {
	size_t n;
	uint64_t hash;
};

static void
count(void *arg, const struct crowdsec_decision *d)
{
	struct tally *t = arg;
	size_t i;

	FUZZ_CHECK(memchr(d->type, '\0', sizeof(d->type)) != NULL &&
	    memchr(d->scope, '\0', sizeof(d->scope)) != NULL &&
	    memchr(d->value, '\0', sizeof(d->value)) != NULL &&
	    memchr(d->origin, '\0', sizeof(d->origin)) != NULL &&
	    memchr(d->scenario, '\0', sizeof(d->scenario)) != NULL,
	    "unterminated field");
	FUZZ_CHECK(d->type[0] != '\0' && d->scope[0] != '\0' &&
	    d->value[0] != '\0' && d->origin[0] != '\0', "empty field");
	FUZZ_CHECK(isfinite(d->seconds) && fabs(d->seconds) <= 1e10,
	    "duration %g", d->seconds);
	t->n++;
	for (i = 0; d->value[i] != '\0'; i++)
		t->hash = t->hash * 31 + (unsigned char)d->value[i];
	t->hash = t->hash * 31 + (uint64_t)d->id + (d->deleted ? 7 : 0);
}

static int
run(const uint8_t *data, size_t size, size_t step, struct tally *t,
    size_t *bad, char *err, size_t errsize)
{
	struct crowdsec_json_stream *s = crowdsec_json_stream_new(count, t);
	size_t off;
	int rc = 0;

	FUZZ_CHECK(s != NULL, "no memory");
	crowdsec_json_stream_reset(s);
	for (off = 0; off < size && rc == 0; off += step)
		rc = crowdsec_json_stream_feed(s, (const char *)data + off,
		    size - off < step ? size - off : step);
	if (rc == 0)
		rc = crowdsec_json_stream_end(s);
	FUZZ_CHECK(rc == 0 || crowdsec_json_stream_error(s)[0] != '\0',
	    "refused without a reason");
	FUZZ_CHECK(crowdsec_json_stream_count(s) == t->n, "count");
	*bad = crowdsec_json_stream_bad(s);
	snprintf(err, errsize, "%s", crowdsec_json_stream_error(s));
	crowdsec_json_stream_free(s);
	return rc;
}

FUZZ_NO_INIT

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tally a = {0, 0}, b = {0, 0};
	size_t bad_a, bad_b, step;
	char ea[160], eb[160], str[256];
	double v;
	int ra, rb;

	step = size > 0 ? (size_t)data[0] % 64 + 1 : 1;
	ra = run(data, size, step, &a, &bad_a, ea, sizeof(ea));
	rb = run(data, size, size > 0 ? size : 1, &b, &bad_b, eb, sizeof(eb));
	FUZZ_CHECK(ra == rb && a.n == b.n && a.hash == b.hash &&
	    bad_a == bad_b && strcmp(ea, eb) == 0,
	    "chunks of %zu changed the result (%d/%d, %zu/%zu, '%s'/'%s')",
	    step, ra, rb, a.n, b.n, ea, eb);

	if (size < sizeof(str)) {
		memcpy(str, data, size);
		str[size] = '\0';
		if (crowdsec_json_duration(str, &v) == 0)
			FUZZ_CHECK(isfinite(v) && fabs(v) <= 1e10,
			    "duration %g", v);
	}
	return 0;
}
