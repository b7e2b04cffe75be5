/*
 * fuzz-banlog: the ban history file (state_dir/history) as the daemon
 * loads it at start: banlog_load() over any bytes into a small ring.
 *
 * Invariants: loading never fails or grows the ring past its cap; every
 * line is either a record or counted as refused (records + refused ==
 * lines when the ring was large enough to keep them all); every record
 * kept has a normalised target and terminated, clean text, and
 * round-trips: its line parses again to the same record and formats to
 * the same bytes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "banlog.h"
#include "fuzz.h"

#define FUZZ_RING 64 /* records the ring keeps */

FUZZ_NO_INIT

static void
check_text(const char *s, size_t size)
{
	const char *end = memchr(s, '\0', size);
	const char *p;

	FUZZ_CHECK(end != NULL, "text not terminated");
	for (p = s; p < end; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f,
		    "control byte 0x%02x kept", (unsigned char)*p);
}

static void
check_record(const struct banlog_rec *r)
{
	char line[BANLOG_LINE_MAX], again[BANLOG_LINE_MAX];
	struct banlog_rec back;
	struct addr m;
	size_t n, n2;

	addr_mask(&m, &r->target, r->target.len);
	FUZZ_CHECK(memcmp(&m, &r->target, sizeof(m)) == 0,
	    "target not normalised");
	FUZZ_CHECK(r->event == BANLOG_BAN || r->event == BANLOG_END,
	    "event %u", r->event);
	FUZZ_CHECK(r->seconds >= 0 && r->seconds <= BANLOG_SECONDS_MAX,
	    "seconds %lld", (long long)r->seconds);
	check_text(r->origin, sizeof(r->origin));
	check_text(r->reason, sizeof(r->reason));
	check_text(r->how, sizeof(r->how));
	n = banlog_format(r, line, sizeof(line));
	FUZZ_CHECK(n > 0 && n < sizeof(line) && line[n - 1] == '\n',
	    "formatted line of %zu bytes", n);
	FUZZ_CHECK(banlog_parse(line, n - 1, &back) == 0,
	    "own line refused: %.*s", (int)n, line);
	n2 = banlog_format(&back, again, sizeof(again));
	FUZZ_CHECK(n == n2 && memcmp(line, again, n) == 0,
	    "formatting is not stable");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct banlog l;
	size_t lines = 0, refused, i;

	if (banlog_init(&l, FUZZ_RING) == -1)
		return 0;
	refused = banlog_load(&l, (const char *)data, size, &lines);
	FUZZ_CHECK(l.n <= l.cap && refused <= lines, "n %zu refused %zu "
	    "lines %zu", l.n, refused, lines);
	if (lines - refused <= FUZZ_RING)
		FUZZ_CHECK(l.n == lines - refused, "kept %zu of %zu", l.n,
		    lines - refused);
	for (i = 0; i < l.n; i++)
		check_record(banlog_at(&l, i));
	banlog_free(&l);
	return 0;
}
