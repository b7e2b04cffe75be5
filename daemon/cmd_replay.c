/*
 * dominoban replay: the whole detection and decision pipeline over old
 * logs, in dry run, with the clock taken from the log's timestamps
 * (logclock.h: the daemon's clock and bounds, without the wall clock). It
 * answers "what would this configuration have banned?". One line per
 * verdict on stdout: ban<TAB>ADDRESS_OR_PREFIX<TAB>SECONDS<TAB>REASON; a
 * summary on stderr.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cmd.h"
#include "conf.h"
#include "decide.h"
#include "log.h"
#include "logclock.h"
#include "match.h"
#include "rollup.h"
#include "scan.h"
#include "wfile.h"

#define REPLAY_MAX_DIRS 16
#define REPLAY_SAVED_MAX 64 /* allowlisted addresses named, at most */

struct replay {
	struct scan scan;
	struct decide *d;
	enum conf_date_order order;
	struct logclock clock;
	uint64_t events, hosts, nets;
	const struct conf *conf;
	struct rollup *rollup;     /* --rollup: the report's hours, or NULL */
	const struct allow *allow;
	struct addr saved[REPLAY_SAVED_MAX]; /* allowlisted, with events */
	uint64_t saved_events[REPLAY_SAVED_MAX];
	size_t nsaved, saved_more; /* named; and not named (over the max) */
};

/* Count an event the allowlist keeps from the score, by address. */
static void
note_saved(struct replay *r, const struct addr *a)
{
	size_t i;

	for (i = 0; i < r->nsaved; i++)
		if (memcmp(&r->saved[i], a, sizeof(*a)) == 0) {
			r->saved_events[i]++;
			return;
		}
	if (r->nsaved == REPLAY_SAVED_MAX) {
		r->saved_more++;
		return;
	}
	r->saved[r->nsaved] = *a;
	r->saved_events[r->nsaved++] = 1;
}

/* Name the addresses the allowlist saved, on stderr. */
static void
print_saved(const struct replay *r)
{
	char a[ADDR_STRLEN];
	size_t i;

	if (r->nsaved == 0)
		return;
	fprintf(stderr, "replay: the allowlist saved %zu address%s (their "
	    "events were not counted):", r->nsaved + r->saved_more,
	    r->nsaved + r->saved_more == 1 ? "" : "es");
	for (i = 0; i < r->nsaved; i++) {
		addr_format(&r->saved[i], a, sizeof(a));
		fprintf(stderr, "%s %s (%llu event%s)", i ? "," : "", a,
		    (unsigned long long)r->saved_events[i],
		    r->saved_events[i] == 1 ? "" : "s");
	}
	if (r->saved_more > 0)
		fprintf(stderr, ", and events of other addresses not named "
		    "(%zu)", r->saved_more);
	fprintf(stderr, "\n");
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dominoban [--config FILE] replay [--patterns DIR]... "
	    "FILE...\n\n"
	    "Run detection and the ban policy over existing logs (- for "
	    "standard input),\nin dry run, with the time taken from the log "
	    "lines. Prints one line per\nban: ban<TAB>ADDRESS<TAB>SECONDS<TAB>"
	    "REASON. Nothing is banned.\n\n"
	    "  -p, --patterns DIR  pattern directory (repeatable); default: "
	    "the config's\n"
	    "  -r, --rollup OUT    also write the report's hourly rollup of "
	    "these logs to OUT\n"
	    "                      (dominoban report --rollup OUT)\n"
	    "  -h, --help          show this help\n");
}

static void
on_verdict(void *arg, const struct verdict *v)
{
	struct replay *r = arg;
	char a[ADDR_STRLEN];

	addr_format(&v->target, a, sizeof(a));
	printf("ban\t%s\t%u\t%s\n", a, v->seconds, v->reason);
	if (r->rollup != NULL)
		rollup_ban(r->rollup, v->at, &v->target,
		    rollup_tier_of(&v->target, r->conf), v->offences,
		    "local", v->reason);
	if (addr_is_host(&v->target))
		r->hosts++;
	else
		r->nets++;
}

static void
on_event(void *arg, const char *line, size_t len, const struct match_event *ev)
{
	struct replay *r = arg;
	struct decide_cb cb = {on_verdict, NULL, r};
	int64_t now = logclock_event(&r->clock, line, len, r->order,
	    LOGCLOCK_NO_WALL);

	r->events++;
	if (ev->has_addr && allow_overlaps(r->allow, &ev->addr))
		note_saved(r, &ev->addr);
	if (r->rollup != NULL)
		rollup_event(r->rollup, now, ev->pattern->kind,
		    ev->pattern->id, ev->user, ev->user_len);
	decide_queue(r->d, ev, r->events, now, &cb);
}

/* Write the rollup to path (atomically). EX_OK or EX_CANTCREAT. */
static int
write_rollup(const struct rollup *ru, const char *path)
{
	char tmp[4096], *text;
	size_t len;
	int rc;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp) ||
	    rollup_format(ru, &text, &len) == -1) {
		fprintf(stderr, "dominoban replay: %s: cannot format\n", path);
		return EX_CANTCREAT;
	}
	rc = wfile_write(path, tmp, text, len, 0600, false);
	if (rc == -1)
		fprintf(stderr, "dominoban replay: %s: %s\n", path,
		    strerror(errno));
	free(text);
	return rc == 0 ? EX_OK : EX_CANTCREAT;
}

int
cmd_replay(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"patterns", required_argument, NULL, 'p'},
	    {"rollup", required_argument, NULL, 'r'},
	    CMD_OPT_HELP,
	    CMD_OPT_END,
	};
	static const uint8_t seed[16] = {0x72, 0x65, 0x70, 0x6c, 0x61, 0x79};
	const char *dirs[REPLAY_MAX_DIRS];
	struct decide_cb cb = {on_verdict, NULL, NULL};
	struct decide_stats st;
	struct match_stats ms;
	struct replay r;
	struct rollup ru;
	const char *rollup_path = NULL;
	struct allow allow;
	struct conf conf;
	struct errs err;
	size_t ndirs = 0, i;
	int c, rc = EX_OK, frc;

	memset(&r, 0, sizeof(r));
	while ((c = getopt_long(argc, argv, "p:r:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rollup_path = optarg;
			break;
		case 'p':
			if (ndirs == REPLAY_MAX_DIRS) {
				fprintf(stderr, "dominoban replay: at most %d "
				    "--patterns\n", REPLAY_MAX_DIRS);
				return EX_USAGE;
			}
			dirs[ndirs++] = optarg;
			break;
		default: /* --help, or an unknown option */
			return cmd_usage(usage, c == 'h');
		}
	}
	if (optind >= argc)
		return cmd_usage(usage, false);
	memset(&err, 0, sizeof(err));
	if (conf_load_or_defaults(&conf, g->config, g->config_given, 0,
		&err) == -1) {
		c = errno;
		fprintf(stderr, "dominoban replay: configuration refused:\n%s",
		    err.text);
		conf_free(&conf);
		return c == ENOENT ? EX_NOINPUT : EX_CONFIG;
	}
	for (i = 0; ndirs == 0 && i < conf.npatterns && i < REPLAY_MAX_DIRS;
	     i++)
		dirs[i] = conf.patterns[i];
	if (ndirs == 0)
		ndirs = i;
	r.scan.m = match_load(dirs, ndirs, 0, &err);
	if (r.scan.m == NULL) {
		fprintf(stderr, "dominoban replay: patterns refused:\n%s",
		    err.text);
		conf_free(&conf);
		return EX_CONFIG;
	}
	/* Loopback and the configured CIDRs; not this machine's addresses,
	 * since the logs may come from another one. */
	allow_init(&allow);
	for (i = 0; i < conf.nallow; i++)
		allow_add(&allow, &conf.allow[i]);
	r.order = conf.date_order;
	logclock_init(&r.clock);
	if ((r.d = decide_new(&conf, seed, &allow)) == NULL ||
	    decide_set_patterns(r.d, r.scan.m) == -1)
		fatal(EX_OSERR, "out of memory");
	r.conf = &conf;
	r.allow = &allow;
	rollup_init(&ru, ROLLUP_RETENTION_MAX);
	if (rollup_path != NULL)
		r.rollup = &ru;
	r.scan.cb = on_event;
	r.scan.arg = &r;
	cb.arg = &r;
	for (i = (size_t)optind; i < (size_t)argc; i++)
		if ((frc = scan_file(&r.scan, argv[i])) != EX_OK)
			rc = frc;
	decide_flush(r.d, &cb);
	fflush(stdout);
	if (rollup_path != NULL && (frc = write_rollup(&ru, rollup_path)) !=
	    EX_OK)
		rc = frc;
	rollup_free(&ru);
	decide_get_stats(r.d, &st);
	match_get_stats(r.scan.m, &ms);
	fprintf(stderr, "replay: %llu lines, %llu events (%llu without a "
	    "timestamp, %llu dated over %d s after the previous one, %llu "
	    "after 2095), %llu bans (%llu hosts, %llu netblocks); %llu "
	    "duplicates ignored, %llu allowlisted, %llu attributed to SMTP "
	    "sessions, %llu ambiguous and %llu without a session (not "
	    "charged)\n",
	    (unsigned long long)ms.lines, (unsigned long long)r.events,
	    (unsigned long long)r.clock.st.untimed,
	    (unsigned long long)r.clock.st.jumps, LOGCLOCK_JUMP,
	    (unsigned long long)r.clock.st.out_of_range,
	    (unsigned long long)(r.hosts + r.nets),
	    (unsigned long long)r.hosts, (unsigned long long)r.nets,
	    (unsigned long long)st.deduped, (unsigned long long)st.allowlisted,
	    (unsigned long long)st.attributed,
	    (unsigned long long)st.ambiguous,
	    (unsigned long long)st.unattributed);
	print_saved(&r);
	decide_free(r.d);
	scan_free(&r.scan);
	match_free(r.scan.m);
	conf_free(&conf);
	return rc;
}
