/*
 * daemon_rollup: the daemon's side of the morning report. It feeds the
 * hourly rollup (rollup.h) as lines match and bans are decided, samples
 * the counters of what needs a look and what was dropped once a minute
 * (the rule counters cost a netlink round trip), and keeps the rollup in
 * state_dir/rollup: loaded at start (a corrupt file is set aside), saved
 * every ROLLUP_SAVE seconds while it changes, at each new hour and at exit.
 * Lines and the bans they decide count in the hour of the time decide
 * runs on (the log's, logclock.h), as in replay, so a backlog read at a
 * restart lands in its own hours; the sampled counters count in the hour
 * of the wall clock.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "rfile.h"
#include "rollup.h"
#include "wfile.h"

/* Seconds between samples of the counters, and between saves. */
#define ROLLUP_SAMPLE 60
#define ROLLUP_SAVE 300

static int
rollup_path(const struct daemon *dm, char *path, size_t size, const char *ext)
{
	if (snprintf(path, size, "%s/rollup%s", dm->conf.state_dir, ext) >=
	    (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
daemon_rollup_read(const char *path, struct rollup *r, char *err,
    size_t errlen)
{
	size_t len;
	char *buf;
	int rc, saved;

	if (rfile_read(path, ROLLUP_FILE_MAX, RFILE_NOFOLLOW, &buf, &len, err,
		errlen) == -1)
		return -1;
	rc = rollup_parse(r, buf, len, err, errlen);
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}

void
daemon_rollup_open(struct daemon *dm, int64_t now)
{
	char path[4096], aside[4200], err[256];

	rollup_init(&dm->rollup,
	    (unsigned)(dm->conf.report_retention / ROLLUP_HOUR));
	dm->rollup_sampled = dm->rollup_saved = now;
	if (rollup_path(dm, path, sizeof(path), "") == -1)
		return;
	if (daemon_rollup_read(path, &dm->rollup, err, sizeof(err)) == 0) {
		log_info("report rollup loaded hours=%zu", dm->rollup.n);
	} else if (errno != ENOENT) {
		rollup_free(&dm->rollup);
		rollup_init(&dm->rollup,
		    (unsigned)(dm->conf.report_retention / ROLLUP_HOUR));
		snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path,
		    (long long)now);
		if (rename(path, aside) == 0)
			log_warnx("report rollup %s refused (%s): kept as %s, "
			    "the report starts from now", path, err, aside);
		else
			log_warnx("report rollup %s refused (%s)", path, err);
	}
	dm->rollup_gen = dm->rollup.gen;
}

int
daemon_rollup_save(struct daemon *dm, bool durable)
{
	char path[4096], tmp[4200], *text;
	size_t len;
	int rc, saved;

	if (rollup_path(dm, path, sizeof(path), "") == -1 ||
	    rollup_path(dm, tmp, sizeof(tmp), ".tmp") == -1 ||
	    rollup_format(&dm->rollup, &text, &len) == -1)
		return -1;
	rc = wfile_write(path, tmp, text, len, 0600, durable);
	saved = errno;
	free(text);
	if (rc == 0) {
		dm->rollup_gen = dm->rollup.gen;
		dm->rollup_saved = daemon_now();
	}
	errno = saved;
	return rc;
}

void
daemon_rollup_event(struct daemon *dm, const struct match_event *ev,
    int64_t t)
{
	rollup_event(&dm->rollup, t, ev->pattern->kind,
	    ev->pattern->id, ev->user, ev->user_len);
}

void
daemon_rollup_ban(struct daemon *dm, int64_t t, const struct addr *target,
    uint32_t offences, const char *origin, const char *reason)
{
	rollup_ban(&dm->rollup, t, target,
	    rollup_tier_of(target, &dm->conf), offences, origin, reason);
}

/* Add what counter v grew by since it was last seen (a counter that went
 * back, as the rule counters do when the table is rebuilt, counts from 0). */
static void
grow(struct daemon *dm, int64_t now, enum rollup_value v, uint64_t cur)
{
	uint64_t *last = &dm->rollup_last[v];

	rollup_add(&dm->rollup, now, v, cur >= *last ? cur - *last : cur);
	*last = cur;
}

/* The counters' values now, into cur (indexed by enum rollup_value). */
static void
sample(struct daemon *dm, uint64_t *cur)
{
	struct decide_stats ds;
	struct tail_stats ts;
	struct enforce_stats es;
	struct ledger_stats ls;
	struct match_stats ms;

	decide_get_stats(dm->d, &ds);
	tail_stats(dm->tail, &ts);
	enforce_get_stats(dm->enf, &es);
	ledger_get_stats(dm->ledger, daemon_now(), &ls);
	match_get_stats(dm->m, &ms);
	cur[RV_LINES] = ts.lines;
	cur[RV_LONG_LINES] = ts.long_lines;
	cur[RV_SUSPICIOUS] = ms.regex_runs > dm->events ?
	    ms.regex_runs - dm->events : 0;
	cur[RV_UNATTRIBUTED] = ds.unattributed;
	cur[RV_REPAIRS] = dm->repairs;
	cur[RV_RECONCILES] = ls.reconciles;
	cur[RV_PACKETS] = es.packets;
	cur[RV_BYTES] = es.bytes;
	cur[RV_SESSIONS_CUT] = es.sessions_cut;
}

void
daemon_rollup_sample(struct daemon *dm, int64_t now)
{
	uint64_t cur[RV_COUNT];
	unsigned v;

	sample(dm, cur);
	for (v = 0; v < RV_COUNT; v++)
		grow(dm, now, (enum rollup_value)v, cur[v]);
	dm->rollup_sampled = now;
}

void
daemon_rollup_tick(struct daemon *dm, int64_t now)
{
	if (now - dm->rollup_sampled >= ROLLUP_SAMPLE ||
	    now / ROLLUP_HOUR != dm->rollup_sampled / ROLLUP_HOUR)
		daemon_rollup_sample(dm, now);
	if (dm->rollup.gen != dm->rollup_gen &&
	    (now - dm->rollup_saved >= ROLLUP_SAVE ||
		now / ROLLUP_HOUR != dm->rollup_saved / ROLLUP_HOUR) &&
	    daemon_rollup_save(dm, false) == -1 &&
	    log_limit_allow(&dm->warn_limit, now))
		log_warn("report rollup not saved in %s", dm->conf.state_dir);
}

void
daemon_rollup_close(struct daemon *dm)
{
	daemon_rollup_sample(dm, daemon_now());
	if (daemon_rollup_save(dm, true) == -1)
		log_warn("report rollup not saved in %s", dm->conf.state_dir);
}
