/*
 * daemon: `dominoban run`, the glue. struct daemon owns every module
 * instance (conf, loop, tail, matcher, decide, bans, enforce, ctl) and
 * carries each log line through match and decide; the bans decided in one
 * loop iteration go to the kernel in one batch. daemon.c runs it;
 * daemon_ctl.c answers the control socket. See docs/ARCHITECTURE.md.
 */
#ifndef DB_DAEMON_H
#define DB_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "allow.h"
#include "bans.h"
#include "conf.h"
#include "ctl.h"
#include "decide.h"
#include "enforce.h"
#include "log.h"
#include "loop.h"
#include "match.h"
#include "tail.h"

/* Interval of the housekeeping timer: expiry, rescans, state, repairs. */
#define DAEMON_TICK_MS 1000
/* The kernel sets are compared with our bans this often (seconds). */
#define DAEMON_RECHECK 30
/* The state file is written this long after a change (seconds), and at
 * least this often while anything changes. */
#define DAEMON_STATE_DEBOUNCE 2
#define DAEMON_STATE_PERIOD 60
/* Open files the daemon asks for (soft RLIMIT_NOFILE, within the hard
 * limit): the control socket's clients need one each. */
#define DAEMON_NOFILE 4096

/* A rendered `list` reply, reused while the bans and the second are the
 * same: a flood of list requests costs a copy each, not a rendering. */
struct daemon_list_cache {
	char *buf;
	size_t len, live;
	int64_t at;                 /* second it was rendered */
	uint64_t gen;               /* bans_gen it was rendered from */
};

struct daemon {
	struct conf conf;
	const char *config_path;
	bool config_given, from_start;
	struct loop *loop;
	struct matcher *m;
	struct decide *d;
	struct allow allow;
	struct bans *bans;          /* what we banned: the truth for the kernel */
	uint64_t bans_gen;          /* bumped at every change of bans */
	struct daemon_list_cache list_cache[2]; /* table, JSON */
	struct enforce *enf;
	struct tail *tail;
	char **followed;            /* paths, in tail index order */
	int *follow_err;            /* last open error reported, per path */
	size_t nfollowed;
	struct ctl *ctl;
	int sigfd, timerfd, watchfd;
	int64_t started, last_save, dirty_since, last_recheck, last_dog;
	bool dirty;                 /* state changed since the last save */
	uint64_t saved_rotations;   /* tail rotations + truncations at the last save */
	uint64_t lines, events, verdicts;
	uint64_t lines_lost;        /* tail counters of possible line loss */
	uint64_t watchdog_usec;
	struct log_limit warn_limit;
};

/* Record the ban of verdict v (new, or given again) and queue it for the
 * kernel; it goes out at the end of the loop iteration. */
void daemon_ban(struct daemon *dm, const struct verdict *v);

/* The one log record of a ban or an unban ("ban" or "unban"), key=value,
 * the reason escaped. */
void daemon_log_ban(const struct daemon *dm, const char *what,
    const struct addr *a, uint32_t seconds, uint32_t offences,
    const char *reason);

/* Re-read configuration and patterns; on any error the running ones stay
 * and the error goes to r (which may be NULL) and the log. */
void daemon_reload(struct daemon *dm, struct ctl_reply *r);

/* Register the control verbs (list, status, ban, unban, reload) on dm->ctl.
 * 0, or -1 with errno. */
int daemon_ctl_register(struct daemon *dm);

/* Current time in seconds since the epoch. */
int64_t daemon_now(void);

#endif
