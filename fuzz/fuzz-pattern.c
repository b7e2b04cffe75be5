/*
 * fuzz-pattern: the pattern-file parser, match_load_text() (the code path
 * match_load() runs on each file), with the PCRE2 interpreter so that
 * inputs are cheap; then the loaded matcher runs over a few real Domino
 * lines and over the input's own lines.
 *
 * Invariants: a refused file comes with errno EINVAL and messages that
 * start with the file name; an accepted one has at least one pattern, each
 * with a valid id, a known service and kind, a weight in [0, 1000] and its
 * file:line; matching never crashes (its time is bounded by the PCRE2
 * limits: a slow input shows as a libFuzzer timeout), every address it
 * yields is a host and the parse of some text of the line, and
 * match_buffer() agrees with match_line() on each line.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "match.h"

#define FUZZ_NAME "fuzz.pat"

static const char *const samples[] = {
    "[000738:000027-00007F1164C23700] 06-11-2022 11:53:54   SMTP Server: "
    "Authentication failed for user FISHBEIN ; connecting host 5.34.207.55",
    "[28325:00010-3735542592] 22.06.2014 09:56:12   smtp: brian "
    "[74.208.72.28] authentication failure using internet password",
    "SMTP Server: 192.0.2.20 connected",
    "SMTP Server: 192.0.2.20 disconnected. 1 message[s] received",
    "SMTP Server: Recipient <x@y> not found in Domino Directory",
    "TLS/SSL connection 2001:db8::1(443) -> 10.0.0.1(25) failed with "
    "Rejected Insecure Renegotiation",
    "http: a ; connecting host [::ffff:192.0.2.77] [2001:db8::25] "
    "authentication failure using internet password",
};

FUZZ_NO_INIT

static bool
valid_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789-_.") == n;
}

static bool
ip_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* True when some run of address characters in the line parses to a. */
static bool
addr_in_text(const char *s, size_t len, const struct addr *want)
{
	struct addr a;
	size_t i, j;

	for (i = 0; i < len; i++)
		for (j = i; j < len && j - i < 46 && ip_char(s[j]); j++)
			if (addr_parse(s + i, j - i + 1, &a) == 0 &&
			    memcmp(&a, want, sizeof(a)) == 0)
				return true;
	return false;
}

static void
check_event(const char *line, size_t len, const struct match_event *ev)
{
	FUZZ_CHECK(ev->pattern != NULL, "event without a pattern");
	if (ev->user != NULL)
		FUZZ_CHECK(ev->user >= line && ev->user + ev->user_len <=
			line + len, "user capture outside the line");
	if (!ev->has_addr)
		return;
	FUZZ_CHECK(addr_is_host(&ev->addr), "event address is a prefix");
	FUZZ_CHECK(addr_in_text(line, len, &ev->addr),
	    "address not from the line");
}

static void
count_event(void *arg, const char *line, size_t len,
    const struct match_event *ev)
{
	check_event(line, len, ev);
	(*(size_t *)arg)++;
}

/* Match one line both ways; returns 1 on an event. */
static size_t
try_line(struct matcher *m, const char *line, size_t len)
{
	struct match_event ev;
	size_t n = 0, hit, ll = len;

	/* The tailer hands match_line() a line without its trailing '\r';
	 * match_buffer() drops it itself (a CRLF log). */
	if (ll > 0 && line[ll - 1] == '\r')
		ll--;
	hit = match_line(m, line, ll, &ev) == 1;
	if (hit)
		check_event(line, ll, &ev);
	/* A buffer of 0 bytes holds no line at all, so skip len 0. */
	if (len > 0 && memchr(line, '\n', len) == NULL) {
		match_buffer(m, line, len, count_event, &n);
		FUZZ_CHECK(n == hit, "match_buffer found %zu, match_line %zu",
		    n, hit);
	}
	return hit;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *p, *nl, *end = text + size;
	const struct match_pattern *mp;
	struct match_stats st;
	struct matcher *m;
	struct errs e;
	size_t i, n;

	errno = 0;
	m = match_load_text(FUZZ_NAME, text, size, MATCH_NO_JIT, &e);
	if (m == NULL) {
		if (errno == ENOMEM)
			return 0;
		FUZZ_CHECK(errno == EINVAL, "errno %d", errno);
		FUZZ_CHECK(e.count > 0 && strncmp(e.text, FUZZ_NAME,
		    strlen(FUZZ_NAME)) == 0, "refusal without a message: %.80s",
		    e.text);
		return 0;
	}
	FUZZ_CHECK(e.count == 0, "accepted with %u errors", e.count);
	n = match_count(m);
	FUZZ_CHECK(n >= 1, "accepted without a pattern");
	for (i = 0; i < n; i++) {
		mp = match_pattern_at(m, i, NULL);
		FUZZ_CHECK(valid_id(mp->id), "id '%s'", mp->id);
		FUZZ_CHECK(mp->service != NULL, "no service");
		FUZZ_CHECK(strcmp(match_kind_name(mp->kind), "?") != 0, "kind");
		FUZZ_CHECK(mp->weight >= 0 && mp->weight <= 1000, "weight %g",
		    mp->weight);
		FUZZ_CHECK(strcmp(mp->file, FUZZ_NAME) == 0 && mp->line >= 1,
		    "location %s:%u", mp->file, mp->line);
	}
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		try_line(m, samples[i], strlen(samples[i]));
	for (p = text; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		try_line(m, p, (size_t)(nl - p));
	}
	match_get_stats(m, &st);
	FUZZ_CHECK(st.lines >= st.too_long, "counters");
	match_free(m);
	return 0;
}
