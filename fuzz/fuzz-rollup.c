/*
 * fuzz-rollup: the report's rollup file, rollup_parse(), and what report
 * does with what it accepts: the period's figures and the three
 * renderings. The rollup holds attacker text (user names, recipients,
 * reasons), so its parser and renderers meet hostile bytes.
 *
 * Invariants: a refusal sets errno EINVAL and says why; an accepted rollup
 * round-trips: rollup_format() of it parses again and formats to the same
 * bytes; no hour holds more than its bounds; every rendering completes.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "report.h"
#include "rollup.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("TZ", "UTC", 1);
	return 0;
}

static void
render_all(const struct rollup *r)
{
	struct report rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (r->n == 0)
		return;
	FUZZ_CHECK(report_build(&rep, r, r->h[0].start,
	    r->h[r->n - 1].start + ROLLUP_HOUR) == 0, "report_build");
	FUZZ_CHECK(rep.nhosts <= REPORT_TOP && rep.nusers <= REPORT_TOP,
	    "top lists");
	if ((f = open_memstream(&buf, &len)) == NULL)
		exit(1);
	report_text(&rep, f);
	report_json(&rep, f);
	report_html(&rep, f);
	fclose(f);
	free(buf);
	report_free(&rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rollup r, back;
	char err[256], *text, *again;
	size_t len, len2, i;

	rollup_init(&r, ROLLUP_RETENTION_MAX);
	if (rollup_parse(&r, (const char *)data, size, err, sizeof(err)) == -1) {
		FUZZ_CHECK(errno == EINVAL || errno == ENOMEM, "errno %d",
		    errno);
		FUZZ_CHECK(err[0] != '\0', "no message");
		rollup_free(&r);
		return 0;
	}
	for (i = 0; i < r.n; i++)
		FUZZ_CHECK(r.h[i].nbans <= ROLLUP_BANS &&
		    r.h[i].nusers <= ROLLUP_NAMES &&
		    r.h[i].npatterns <= ROLLUP_PATTERNS &&
		    r.h[i].start % ROLLUP_HOUR == 0 &&
		    (i == 0 || r.h[i].start > r.h[i - 1].start), "hour %zu", i);
	FUZZ_CHECK(rollup_format(&r, &text, &len) == 0, "format");
	rollup_init(&back, ROLLUP_RETENTION_MAX);
	FUZZ_CHECK(rollup_parse(&back, text, len, err, sizeof(err)) == 0,
	    "round trip refused: %s", err);
	FUZZ_CHECK(rollup_format(&back, &again, &len2) == 0, "format again");
	FUZZ_CHECK(len == len2 && memcmp(text, again, len) == 0,
	    "round trip differs");
	render_all(&r);
	free(text);
	free(again);
	rollup_free(&back);
	rollup_free(&r);
	return 0;
}
