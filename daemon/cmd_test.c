/*
 * dominoban test: run pattern files over log files, the admin's tool for
 * writing and checking patterns. Files are read in large chunks and handed
 * whole to match_buffer(), so benign lines cost no per-line work; a partial
 * last line is carried into the next chunk.
 *
 * With --events the output is one line per event and nothing else:
 * LINE_NUMBER<TAB>PATTERN_ID<TAB>ADDRESS. Scripts depend on it: keep it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "conf.h"
#include "log.h"
#include "match.h"

#define TEST_CHUNK (4u << 20)       /* bytes read at once */
#define TEST_MAX_DIRS 16
#define TEST_SHOW_SUSPICIOUS 20     /* unmatched suspicious lines shown */

struct test_run {
	struct matcher *m;
	bool events;
	const char *buf;            /* chunk being matched */
	const char *counted;        /* newlines counted up to here */
	uint64_t line;              /* line number at counted */
	uint64_t nevents;
	const char *last_hit_end;   /* end of the last matched line */
	uint64_t suspicious;
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
	    "  -e, --events        print LINE<TAB>PATTERN_ID<TAB>ADDRESS per "
	    "event, only\n"
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

/* Count the lines between counted and p (which starts a line). */
static void
advance(struct test_run *r, const char *p)
{
	r->line += match_count_newlines(r->counted, (size_t)(p - r->counted));
	r->counted = p;
}

/* Report unmatched suspicious lines in [from, to). */
static void
scan_suspicious(struct test_run *r, const char *from, const char *to)
{
	char esc[256];
	const char *le;

	for (; from < to; from = le + 1) {
		le = memchr(from, '\n', (size_t)(to - from));
		if (le == NULL)
			le = to;
		if (!is_suspicious(from, (size_t)(le - from)))
			continue;
		r->suspicious++;
		if (r->shown++ < TEST_SHOW_SUSPICIOUS) {
			advance(r, from);
			log_escape(esc, sizeof(esc), from, (size_t)(le - from));
			printf("  unmatched line %llu: %s\n",
			    (unsigned long long)r->line + 1, esc);
		}
	}
}

static void
on_event(void *arg, const char *line, size_t len, const struct match_event *ev)
{
	struct test_run *r = arg;
	char a[ADDR_STRLEN] = "-";

	r->nevents++;
	if (!r->events) {
		scan_suspicious(r, r->last_hit_end, line);
		r->last_hit_end = line + len + 1;
		return;
	}
	advance(r, line);
	if (ev->has_addr)
		addr_format(&ev->addr, a, sizeof(a));
	printf("%llu\t%s\t%s\n", (unsigned long long)r->line + 1,
	    ev->pattern->id, a);
}

static void
run_chunk(struct test_run *r, const char *buf, size_t len)
{
	r->buf = buf;
	r->counted = buf;
	r->last_hit_end = buf;
	match_buffer(r->m, buf, len, on_event, r);
	if (!r->events && r->last_hit_end < buf + len)
		scan_suspicious(r, r->last_hit_end, buf + len);
	advance(r, buf + len);
}

static int
test_file(struct test_run *r, const char *path, char *buf)
{
	size_t have = 0, whole;
	const char *nl;
	ssize_t n;
	int fd;

	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("%s", path);
		return EX_NOINPUT;
	}
	r->line = 0;
	for (;;) {
		n = read(fd, buf + have, TEST_CHUNK - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			log_warn("%s", path);
			if (fd != 0)
				close(fd);
			return EX_IOERR;
		}
		have += (size_t)n;
		if (n == 0 || have == TEST_CHUNK) {
			/* Match whole lines; keep the partial last one. A
			 * chunk with no newline at all is one over-long
			 * line: match_buffer skips and counts it. */
			nl = n == 0 ? buf + have : memrchr(buf, '\n', have);
			whole = nl == NULL ? have : (size_t)(nl - buf) +
			    (n == 0 ? 0 : 1);
			if (whole > 0)
				run_chunk(r, buf, whole);
			memmove(buf, buf + whole, have - whole);
			have -= whole;
		}
		if (n == 0)
			break;
	}
	if (fd != 0)
		close(fd);
	return EX_OK;
}

int
cmd_test(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"patterns", required_argument, NULL, 'p'},
	    {"events", no_argument, NULL, 'e'},
	    {"no-jit", no_argument, NULL, 'J'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dirs[TEST_MAX_DIRS];
	char defaults[] = CONF_DEFAULT_PATTERNS, *tok, *save, *buf;
	struct test_run r;
	struct errs err;
	struct match_stats st;
	struct timespec t0, t1;
	unsigned flags = 0;
	size_t ndirs = 0, i;
	uint64_t hits;
	double secs;
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
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (ndirs == 0)
		for (tok = strtok_r(defaults, " ", &save);
		     tok != NULL && ndirs < TEST_MAX_DIRS;
		     tok = strtok_r(NULL, " ", &save))
			dirs[ndirs++] = tok;
	r.m = match_load(dirs, ndirs, flags, &err);
	if (r.m == NULL) {
		fprintf(stderr, "dominoban test: patterns refused:\n%s",
		    err.text);
		return EX_CONFIG;
	}
	if ((buf = malloc(TEST_CHUNK)) == NULL)
		fatal(EX_OSERR, "malloc");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = (size_t)optind; i < (size_t)argc; i++) {
		if (!r.events && argc - optind > 1)
			printf("%s:\n", argv[i]);
		frc = test_file(&r, argv[i], buf);
		if (frc != EX_OK)
			rc = frc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	free(buf);
	if (!r.events) {
		secs = (double)(t1.tv_sec - t0.tv_sec) +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		match_get_stats(r.m, &st);
		printf("lines read:        %llu\n",
		    (unsigned long long)st.lines);
		printf("events:            %llu\n",
		    (unsigned long long)r.nevents);
		printf("matches per pattern:\n");
		for (i = 0; i < match_count(r.m); i++) {
			const struct match_pattern *p =
			    match_pattern_at(r.m, i, &hits);
			printf("  %-26s %-13s %10llu\n", p->id,
			    match_kind_name(p->kind), (unsigned long long)hits);
		}
		printf("unmatched suspicious lines: %llu%s\n",
		    (unsigned long long)r.suspicious,
		    r.suspicious > TEST_SHOW_SUSPICIOUS ? " (first ones shown "
		    "above)" : "");
		printf("over-long lines skipped: %llu\n",
		    (unsigned long long)st.too_long);
		printf("addresses refused: %llu, limit hits: %llu\n",
		    (unsigned long long)st.bad_addr,
		    (unsigned long long)st.limit_hits);
		printf("regex engine:      %s\n",
		    match_jit(r.m) ? "PCRE2 JIT" : "PCRE2 interpreter");
		printf("time:              %.3f s, %.0f lines/s\n", secs,
		    secs > 0 ? (double)st.lines / secs : 0.0);
	}
	match_free(r.m);
	return rc;
}
