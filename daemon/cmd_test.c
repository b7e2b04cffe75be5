/*
 * dominoban test: run pattern files over log files, the admin's tool for
 * writing and checking patterns. Nothing is banned.
 *
 * With --events the output is one line per event and nothing else:
 * LINE_NUMBER<TAB>PATTERN_ID<TAB>ADDRESS, in line order. Scripts depend on
 * it: keep it. A rejection that carries no address is attributed to an SMTP
 * session as the daemon would (decide.h); its line is printed once that is
 * settled, with "-" if it never is.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cmd.h"
#include "conf.h"
#include "decide.h"
#include "log.h"
#include "logtime.h"
#include "match.h"
#include "scan.h"

#define TEST_MAX_DIRS 16
#define TEST_SHOW_SUSPICIOUS 20     /* unmatched suspicious lines shown */
#define TEST_QUEUE 65536            /* events waiting for attribution */

struct queued {
	uint64_t seq, line;
	const char *id;
	struct addr a;
	bool resolved;
};

struct test_run {
	struct scan scan;
	bool events;
	struct decide *d;
	struct queued *q;           /* ring of TEST_QUEUE */
	size_t head, n;
	uint64_t seq;
	int64_t now;                /* last timestamp seen in the log */
	uint64_t nevents, suspicious;
	unsigned shown;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dominoban test [--patterns DIR]... [--events] [--no-jit] "
	    "FILE...\n\n"
	    "Run the pattern files over log files (- for standard input) and "
	    "report\nwhat they catch. Nothing is banned.\n\n"
	    "  -p, --patterns DIR  pattern directory (repeatable; later ones "
	    "replace\n"
	    "                      files of the same name). Default:\n"
	    "                      %s\n"
	    "  -e, --events        print only LINE<TAB>PATTERN_ID<TAB>ADDRESS, "
	    "one line\n                      per event, instead of the "
	    "summary\n"
	    "      --no-jit        use the PCRE2 interpreter, as when the JIT "
	    "is refused\n"
	    "  -h, --help          show this help\n",
	    CONF_DEFAULT_PATTERNS);
}

static const char *const suspicious_words[] = {"fail", "reject", "denied",
    "invalid", "refused", "illegal"};

static bool
is_suspicious(const char *line, size_t len)
{
	char low[MATCH_LINE_MAX];
	size_t i, k;

	if (len > sizeof(low))
		len = sizeof(low);
	for (i = 0; i < len; i++)
		low[i] = (line[i] >= 'A' && line[i] <= 'Z') ?
		    (char)(line[i] + 32) : line[i];
	for (k = 0; k < sizeof(suspicious_words) / sizeof(*suspicious_words);
	     k++)
		if (memmem(low, len, suspicious_words[k],
			strlen(suspicious_words[k])) != NULL)
			return true;
	return false;
}

/* Unmatched lines between two matches: report the suspicious ones. */
static void
on_gap(void *arg, const char *from, const char *to)
{
	struct test_run *r = arg;
	const char *le;
	char esc[256];

	for (; from < to; from = le + 1) {
		le = memchr(from, '\n', (size_t)(to - from));
		if (le == NULL)
			le = to;
		if (!is_suspicious(from, (size_t)(le - from)))
			continue;
		r->suspicious++;
		if (r->shown++ < TEST_SHOW_SUSPICIOUS) {
			log_escape(esc, sizeof(esc), from, (size_t)(le - from));
			printf("  unmatched line %llu: %s\n",
			    (unsigned long long)scan_line_number(&r->scan, from),
			    esc);
		}
	}
}

/* One --events line, LINE<TAB>PATTERN_ID<TAB>ADDRESS, built by hand:
 * printf() was most of the cost of an event in a log full of attacks.
 * Pattern ids are at most 64 bytes (match.c), so the line always fits. */
static void
print_event(const struct queued *e)
{
	char out[24 + 64 + ADDR_STRLEN + 2], num[24], *p = out;
	char *q = num + sizeof(num);
	uint64_t v = e->line;
	size_t idlen = strnlen(e->id, 64);
	int n;

	do
		*--q = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	memcpy(p, q, (size_t)(num + sizeof(num) - q));
	p += num + sizeof(num) - q;
	*p++ = '\t';
	memcpy(p, e->id, idlen);
	p += idlen;
	*p++ = '\t';
	if (!e->resolved || (n = addr_format(&e->a, p, ADDR_STRLEN)) < 0) {
		*p = '-';
		n = 1;
	}
	p += n;
	*p++ = '\n';
	fwrite(out, 1, (size_t)(p - out), stdout);
}

static void
print_head(struct test_run *r, bool force)
{
	struct queued *e;

	while (r->n > 0) {
		e = &r->q[r->head];
		if (!e->resolved && !force && r->n < TEST_QUEUE)
			return;
		print_event(e);
		r->head = (r->head + 1) % TEST_QUEUE;
		r->n--;
	}
}

static void
on_attributed(void *arg, uint64_t seq, const struct addr *a)
{
	struct test_run *r = arg;
	size_t i, k;

	/* Waiting events are few and recent: search from the newest. */
	for (i = r->n; i-- > 0;) {
		k = (r->head + i) % TEST_QUEUE;
		if (r->q[k].seq == seq) {
			r->q[k].a = *a;
			r->q[k].resolved = true;
			return;
		}
		if (r->q[k].seq < seq)
			return;
	}
}

static void
on_event(void *arg, const char *line, size_t len, const struct match_event *ev)
{
	struct test_run *r = arg;
	struct decide_cb cb = {NULL, on_attributed, r};
	struct queued *e;
	int64_t t;

	r->nevents++;
	if (!r->events)
		return;
	if ((t = logtime_parse(line, len, CONF_DATE_DMY)) != -1)
		r->now = t;
	if (r->n == TEST_QUEUE)
		print_head(r, true);
	e = &r->q[(r->head + r->n++) % TEST_QUEUE];
	e->seq = ++r->seq;
	e->line = scan_line_number(&r->scan, line);
	e->id = ev->pattern->id;
	e->resolved = false;
	decide_event(r->d, ev, e->seq, r->now, &cb);
	print_head(r, false);
}

static void
summary(const struct test_run *r, double secs)
{
	struct match_stats st;
	uint64_t hits;
	size_t i;

	match_get_stats(r->scan.m, &st);
	printf("lines read:        %llu\n", (unsigned long long)st.lines);
	printf("events:            %llu\n", (unsigned long long)r->nevents);
	printf("matches per pattern:\n");
	for (i = 0; i < match_count(r->scan.m); i++) {
		const struct match_pattern *p =
		    match_pattern_at(r->scan.m, i, &hits);
		printf("  %-26s %-13s %10llu\n", p->id, match_kind_name(p->kind),
		    (unsigned long long)hits);
	}
	printf("unmatched suspicious lines: %llu%s\n",
	    (unsigned long long)r->suspicious,
	    r->suspicious > TEST_SHOW_SUSPICIOUS ? " (the first ones are "
	    "shown above)" : "");
	printf("over-long lines skipped: %llu\n",
	    (unsigned long long)st.too_long);
	printf("addresses refused: %llu, limit hits: %llu\n",
	    (unsigned long long)st.bad_addr, (unsigned long long)st.limit_hits);
	printf("regex engine:      %s\n",
	    match_jit(r->scan.m) ? "PCRE2 JIT" : "PCRE2 interpreter");
	printf("time:              %.3f s, %.0f lines/s\n", secs,
	    secs > 0 ? (double)st.lines / secs : 0.0);
}

int
cmd_test(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"patterns", required_argument, NULL, 'p'},
	    {"events", no_argument, NULL, 'e'},
	    {"no-jit", no_argument, NULL, 'J'},
	    CMD_OPT_HELP,
	    CMD_OPT_END,
	};
	static const uint8_t seed[16] = {0x64, 0x6f, 0x6d, 0x69, 0x6e, 0x6f};
	const char *dirs[TEST_MAX_DIRS];
	char defaults[] = CONF_DEFAULT_PATTERNS, *tok, *save;
	struct test_run r;
	struct errs err;
	struct timespec t0, t1;
	struct allow allow;
	struct conf conf;
	unsigned flags = 0;
	size_t ndirs = 0, i;
	int c, rc = EX_OK, frc;

	(void)g;
	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "p:eh", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ndirs == TEST_MAX_DIRS) {
				fprintf(stderr, "dominoban test: at most %d "
				    "--patterns\n", TEST_MAX_DIRS);
				return EX_USAGE;
			}
			dirs[ndirs++] = optarg;
			break;
		case 'e':
			r.events = true;
			break;
		case 'J':
			flags |= MATCH_NO_JIT;
			break;
		default: /* --help, or an unknown option */
			return cmd_usage(usage, c == 'h');
		}
	}
	if (optind >= argc)
		return cmd_usage(usage, false);
	if (ndirs == 0)
		for (tok = strtok_r(defaults, " ", &save);
		     tok != NULL && ndirs < TEST_MAX_DIRS;
		     tok = strtok_r(NULL, " ", &save))
			dirs[ndirs++] = tok;
	r.scan.m = match_load(dirs, ndirs, flags, &err);
	if (r.scan.m == NULL) {
		fprintf(stderr, "dominoban test: patterns refused:\n%s",
		    err.text);
		return EX_CONFIG;
	}
	if (*match_warnings(r.scan.m) != '\0')
		fprintf(stderr, "dominoban test: warning:\n%s",
		    match_warnings(r.scan.m));
	r.scan.cb = on_event;
	r.scan.arg = &r;
	if (r.events) {
		allow_init(&allow);
		if (conf_defaults(&conf) == -1 ||
		    (r.d = decide_new(&conf, seed, &allow)) == NULL ||
		    decide_set_patterns(r.d, r.scan.m) == -1 ||
		    (r.q = calloc(TEST_QUEUE, sizeof(*r.q))) == NULL)
			fatal(EX_OSERR, "out of memory");
		conf_free(&conf);
	} else {
		r.scan.gap = on_gap;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (!r.events && argc - optind > 1)
			printf("%s:\n", argv[i]);
		if ((frc = scan_file(&r.scan, argv[i])) != EX_OK)
			rc = frc;
		if (r.events)
			print_head(&r, true);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (!r.events)
		summary(&r, (double)(t1.tv_sec - t0.tv_sec) +
			(double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	decide_free(r.d);
	free(r.q);
	scan_free(&r.scan);
	match_free(r.scan.m);
	return rc;
}
