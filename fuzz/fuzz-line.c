/*
 * fuzz-line: the line path, as the daemon runs it. The input is a piece of
 * Domino log (split at '\n'); each line goes through match_line() with the
 * shipped patterns (a trailing '\r' removed and lines over MATCH_LINE_MAX
 * dropped, as the tailer does), under the JIT and under the interpreter
 * (which the hardened systemd unit, MemoryDenyWriteExecute=yes, runs), and
 * every event through decide_queue() with a small, easily triggered
 * configuration and an allowlist.
 *
 * Invariants checked, beyond "no crash, no sanitizer report":
 * - the interpreter finds exactly what the JIT finds (same pattern,
 *   address, user and message count), unless either hit the PCRE2 limits;
 * - an event names a loaded pattern; its user capture lies inside the line;
 *   kinds other than unknown_rcpt and relay carry an address;
 * - the address is normalised, and round-trips through addr_format() and
 *   addr_parse() / addr_parse_prefix() to the same bytes;
 * - the address is the parse of some text of the line *after* the user
 *   capture: text the attacker writes into a user name can never be where
 *   the address came from (the shipped patterns' trust rule, match.c);
 * - match_buffer() over the whole input yields exactly the events of
 *   match_line() line by line (the literal prefilter and the buffer-wide
 *   literal search change nothing; a CRLF line reads as the tailer reads
 *   it);
 * - every verdict is a ban of a normalised target that overlaps no
 *   allowlisted address, for a duration within [ban_time, ban_max], with a
 *   terminated reason; decide's counters agree with the callbacks.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "allow.h"
#include "conf.h"
#include "decide.h"
#include "fuzz.h"
#include "match.h"

#define FUZZ_T0 1700000000 /* seconds: the injected clock's start */

static struct matcher *matcher;     /* JIT, where the system allows it */
static struct matcher *interp;      /* the interpreter: the hardened unit's */
static struct conf conf;
static struct allow allow;
static const uint8_t seed[16] = "dominoban-fuzzer";

/* One event as match_line() saw it, to compare with match_buffer(). */
struct seen {
	size_t off;                 /* line start in the input */
	const struct match_pattern *p;
	bool has_addr;
	struct addr addr;
};

struct run {
	const uint8_t *base;
	struct seen *seen;
	size_t nseen, next;         /* next: compared so far by match_buffer */
	uint64_t verdicts;
};

static void
add_allow(const char *cidr)
{
	struct addr a;

	if (addr_parse_prefix(cidr, false, &a) == -1 ||
	    allow_add(&allow, &a) == -1) {
		fprintf(stderr, "fuzz-line: bad allowlist entry %s\n", cidr);
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("DOMINOBAN_FUZZ_PATTERNS");
	struct errs e;

	(void)argc;
	(void)argv;
	if (dir == NULL)
		dir = FUZZ_SRCDIR "/patterns";
	if ((matcher = match_load(&dir, 1, 0, &e)) == NULL ||
	    (interp = match_load(&dir, 1, MATCH_NO_JIT, &e)) == NULL) {
		fprintf(stderr, "fuzz-line: patterns in %s refused:\n%s", dir,
		    e.text);
		exit(1);
	}
	/* Low thresholds and small tables: a few lines reach every tier,
	 * the eviction and the history compaction. */
	if (conf_defaults(&conf) == -1)
		exit(1);
	conf.host_threshold = 2;
	conf.net_threshold = 3;
	conf.net_min_hosts = 2;
	conf.wide4_prefix = 16;
	conf.wide6_prefix = 48;
	conf.wide_threshold = 4;
	conf.wide_min_hosts = 3;
	conf.max_records = 1024;
	conf.history_max = 16;
	conf.ban_time = 60;
	conf.ban_max = 3600;
	allow_init(&allow);
	add_allow("198.51.100.0/24");
	add_allow("2001:db8:a110::/48");
	add_allow("192.0.2.77");
	return 0;
}

static bool
is_ip_char(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

/* True when some text of s (2 to 45 address characters holding a '.' or
 * a ':', the %{ip} shape) parses to exactly want. */
static bool
addr_in_text(const uint8_t *s, size_t len, const struct addr *want)
{
	struct addr a;
	size_t i, j;
	bool sep;

	for (i = 0; i < len; i++) {
		sep = false;
		for (j = i; j < len && j - i < 45 && is_ip_char(s[j]); j++) {
			sep = sep || s[j] == ':' || s[j] == '.';
			if (sep && j > i &&
			    addr_parse((const char *)s + i, j - i + 1, &a) == 0 &&
			    memcmp(&a, want, sizeof(a)) == 0)
				return true;
		}
	}
	return false;
}

static void
check_normal(const struct addr *a, bool host)
{
	char buf[ADDR_STRLEN];
	struct addr back, m;
	size_t i;

	FUZZ_CHECK(a->family == AF_INET || a->family == AF_INET6, "family %u",
	    a->family);
	FUZZ_CHECK(!host || addr_is_host(a), "len %u", a->len);
	FUZZ_CHECK(a->len <= addr_maxlen(a), "len %u", a->len);
	FUZZ_CHECK(a->pad[0] == 0 && a->pad[1] == 0, "padding set");
	for (i = a->family == AF_INET ? 4 : 16; i < 16; i++)
		FUZZ_CHECK(a->a[i] == 0, "byte %zu past an IPv4 address", i);
	addr_mask(&m, a, a->len);
	FUZZ_CHECK(memcmp(&m, a, sizeof(m)) == 0, "host bits past /%u",
	    a->len);
	FUZZ_CHECK(addr_format(a, buf, sizeof(buf)) > 0, "format failed");
	FUZZ_CHECK(addr_parse_prefix(buf, false, &back) == 0 &&
		memcmp(&back, a, sizeof(back)) == 0,
	    "%s does not parse back to itself", buf);
	if (host)
		FUZZ_CHECK(addr_parse(buf, strlen(buf), &back) == 0 &&
			memcmp(&back, a, sizeof(back)) == 0,
		    "host %s does not parse back", buf);
}

static void
check_event(const uint8_t *line, size_t len, const struct match_event *ev)
{
	const struct match_pattern *p = ev->pattern;
	const uint8_t *from = line;
	size_t i, n = match_count(matcher);

	for (i = 0; i < n && match_pattern_at(matcher, i, NULL) != p; i++)
		;
	FUZZ_CHECK(i < n, "event names no loaded pattern");
	FUZZ_CHECK(strcmp(match_kind_name(p->kind), "?") != 0, "kind %d",
	    (int)p->kind);
	if (ev->user != NULL) {
		FUZZ_CHECK((const uint8_t *)ev->user >= line &&
			(const uint8_t *)ev->user + ev->user_len <= line + len,
		    "user capture outside the line");
		from = (const uint8_t *)ev->user + ev->user_len;
	}
	FUZZ_CHECK(ev->messages >= -1, "messages %ld", ev->messages);
	if (p->kind != MATCH_UNKNOWN_RCPT && p->kind != MATCH_RELAY)
		FUZZ_CHECK(ev->has_addr, "%s event without an address", p->id);
	if (!ev->has_addr)
		return;
	check_normal(&ev->addr, true);
	FUZZ_CHECK(addr_in_text(from, (size_t)(line + len - from), &ev->addr),
	    "%s: address not taken from the text after the user name",
	    p->id);
}

static void
on_verdict(void *arg, const struct verdict *v)
{
	struct run *r = arg;

	r->verdicts++;
	FUZZ_CHECK(v->action == VERDICT_BAN, "action %d", (int)v->action);
	check_normal(&v->target, false);
	FUZZ_CHECK(!allow_overlaps(&allow, &v->target),
	    "ban overlaps the allowlist");
	FUZZ_CHECK(v->seconds >= conf.ban_time && v->seconds <= conf.ban_max,
	    "ban for %u s", v->seconds);
	FUZZ_CHECK(v->offences >= 1, "offence %u", v->offences);
	FUZZ_CHECK(memchr(v->reason, '\0', sizeof(v->reason)) != NULL,
	    "reason not terminated");
}

static void
on_attributed(void *arg, uint64_t tag, const struct addr *a)
{
	(void)arg;
	(void)tag;
	check_normal(a, true);
}

/* match_buffer()'s callback: the next event seen line by line. */
static void
on_buffer_event(void *arg, const char *line, size_t len,
    const struct match_event *ev)
{
	struct run *r = arg;
	const struct seen *s;

	(void)len;
	FUZZ_CHECK(r->next < r->nseen, "match_buffer found an extra event");
	s = &r->seen[r->next++];
	FUZZ_CHECK((const uint8_t *)line == r->base + s->off,
	    "match_buffer event on another line");
	FUZZ_CHECK(ev->pattern == s->p && ev->has_addr == s->has_addr &&
		(!ev->has_addr ||
		    memcmp(&ev->addr, &s->addr, sizeof(s->addr)) == 0),
	    "match_buffer and match_line disagree on a line");
}

/* The interpreter must find what the JIT found, unless either stopped at
 * the PCRE2 limits (they count steps differently). */
static void
check_interpreter(const uint8_t *line, size_t len, int hit,
    const struct match_event *ev, bool jit_limited)
{
	struct match_event iv;
	struct match_stats b;
	uint64_t before;
	int ihit;

	match_get_stats(interp, &b);
	before = b.limit_hits;
	ihit = match_line(interp, (const char *)line, len, &iv);
	match_get_stats(interp, &b);
	if (b.limit_hits != before || jit_limited)
		return;
	FUZZ_CHECK(ihit == hit, "interpreter %d, JIT %d", ihit, hit);
	if (hit)
		FUZZ_CHECK(strcmp(iv.pattern->id, ev->pattern->id) == 0 &&
			iv.has_addr == ev->has_addr &&
			memcmp(&iv.addr, &ev->addr, sizeof(iv.addr)) == 0 &&
			iv.user_len == ev->user_len &&
			iv.messages == ev->messages,
		    "interpreter and JIT disagree: %s / %s", iv.pattern->id,
		    ev->pattern->id);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct decide_cb cb = {on_verdict, on_attributed, NULL};
	const uint8_t *p = data, *end = data + size, *nl;
	struct run r = {data, NULL, 0, 0, 0};
	struct match_event ev;
	struct decide_stats ds;
	struct decide *d;
	int64_t now = FUZZ_T0;
	struct match_stats ms;
	uint64_t tag = 0, limits;
	size_t len;
	int hit;

	if ((d = decide_new(&conf, seed, &allow)) == NULL)
		return 0;
	if ((r.seen = calloc(match_count_newlines((const char *)data, size) + 1,
		 sizeof(*r.seen))) == NULL) {
		decide_free(d);
		return 0;
	}
	cb.arg = &r;
	/* The daemon's way: line by line (without a trailing '\r', as the
	 * tailer hands them out) into the decision engine. The clock
	 * advances with the lines, by 0 to 3 s. */
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		now += len > 0 ? p[0] & 3 : 0;
		if (len > MATCH_LINE_MAX)
			continue;
		match_get_stats(matcher, &ms);
		limits = ms.limit_hits;
		hit = match_line(matcher, (const char *)p, len, &ev);
		match_get_stats(matcher, &ms);
		check_interpreter(p, len, hit, &ev, ms.limit_hits != limits);
		if (hit != 1)
			continue;
		check_event(p, len, &ev);
		r.seen[r.nseen].off = (size_t)(p - data);
		r.seen[r.nseen].p = ev.pattern;
		r.seen[r.nseen].has_addr = ev.has_addr;
		r.seen[r.nseen++].addr = ev.addr;
		/* Queued, as the daemon does; it flushes after each read of
		 * the logs, here after some lines. */
		decide_queue(d, &ev, tag++, now, &cb);
		if ((p[0] & 0x18) == 0)
			decide_flush(d, &cb);
	}
	decide_flush(d, &cb);
	decide_get_stats(d, &ds);
	FUZZ_CHECK(ds.events == tag, "%llu events counted, %llu offered",
	    (unsigned long long)ds.events, (unsigned long long)tag);
	FUZZ_CHECK(ds.verdicts == r.verdicts, "verdicts %llu, callbacks %llu",
	    (unsigned long long)ds.verdicts, (unsigned long long)r.verdicts);
	FUZZ_CHECK(ds.records <= conf.max_records, "%zu records", ds.records);
	decide_free(d);

	/* match_buffer() over the whole input finds the same events. */
	match_buffer(matcher, (const char *)data, size, on_buffer_event, &r);
	FUZZ_CHECK(r.next == r.nseen, "match_buffer missed %zu events",
	    r.nseen - r.next);
	free(r.seen);
	return 0;
}
