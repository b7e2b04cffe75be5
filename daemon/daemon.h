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
#include <sys/types.h>

#include "allow.h"
#include "banlog.h"
#include "bans.h"
#include "conf.h"
#include "follow.h"
#include "ctl.h"
#include "decide.h"
#include "enforce.h"
#include "ifaddr.h"
#include "ledger.h"
#include "log.h"
#include "logclock.h"
#include "loop.h"
#include "match.h"
#include "rollup.h"
#include "metrics.h"
#include "state.h"
#include "stats.h"
#include "tail.h"

/* Interval of the housekeeping timer: expiry, rescans, state, repairs. */
#define DAEMON_TICK_MS 1000
/* Banned peers' sessions are cut at most this often (ms): each cut dumps
 * the kernel's TCP table for both families, which walks every bucket of
 * it whatever the sockets (about 2 ms here, 262,144 buckets), so a ban
 * burst cut after every flush held the loop most of the time. Bans in
 * between are cut together once the gap is over. */
#define DAEMON_CUT_GAP_MS 50
/* The kernel sets are compared with our bans this often (seconds). */
#define DAEMON_RECHECK 30
/* The state file is written this long after a change (seconds), and at
 * least this often while anything changes. */
#define DAEMON_STATE_DEBOUNCE 2
#define DAEMON_STATE_PERIOD 60
/* From this many bans on, a debounced save runs in a forked child (the
 * state takes tens of ms to build and write); below, in the loop, where
 * it costs less than a fork. */
#define DAEMON_BGSAVE_MIN 10000
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

struct cluster;

struct daemon {
	struct conf conf;
	const char *config_path;
	bool config_given, from_start;
	struct loop *loop;
	struct matcher *m;
	struct decide *d;
	struct logclock clock;      /* the log's time, that decide runs on */
	struct allow allow;
	struct ifaddr *ifaddr;      /* this machine's addresses, followed */
	struct daemon_list_cache list_cache[2]; /* table, JSON */
	struct enforce *enf;
	struct ledger *ledger;      /* every ban: the one owner */
	struct crowdsec *crowdsec;  /* the CrowdSec LAPI client, or NULL */
	struct cluster *cluster;    /* [cluster] peers over MQTT, or NULL */
	struct tail *tail;
	char **followed;            /* paths, in tail index order */
	char **follow_msg;          /* last problem reported, per path ("") */
	char whoami[64];            /* "user NAME", for the messages */
	size_t nfollowed;
	struct ctl *ctl;
	int sigfd, timerfd, watchfd;
	int cutfd;                  /* one-shot timer of a deferred cut */
	int64_t cut_at;             /* monotonic ms of the last cut */
	bool cut_due;               /* a cut waits for cutfd */
	int64_t started, last_save, dirty_since, last_recheck, last_dog;
	bool dirty;                 /* state changed since the last save */
	uint64_t saved_gen;         /* ledger_gen() at the last save */
	int64_t save_failing_since; /* first failed save of a run of them, or 0 */
	int save_errno;             /* why the last save failed */
	uint64_t save_failures, repairs, resyncs;
	pid_t save_pid;             /* the save's child, or 0 */
	uint64_t save_gen;          /* ledger_gen() when it was forked */
	size_t bgsave_min;          /* DAEMON_BGSAVE_MIN, or the test's */
	int64_t recheck_every;      /* DAEMON_RECHECK, or the test's */
	uint64_t saved_rotations;   /* tail rotations + truncations at the last save */
	uint64_t lines_lost;        /* tail counters of possible line loss */
	uint64_t events;            /* lines matched: the tag of each event */
	struct metrics mx;          /* counters kept for metrics (daemon_stats.c) */
	int64_t textfile_at;        /* when the metrics textfile was written */
	uint64_t textfile_errors;
	struct httpd *httpd;        /* [metrics] listen, or NULL */
	struct rollup rollup;       /* the report's hours (daemon_rollup.c) */
	uint64_t rollup_gen;        /* rollup.gen at the last save */
	int64_t rollup_sampled, rollup_saved;
	uint64_t rollup_last[RV_COUNT]; /* counters at the last sample */
	uint64_t watchdog_usec;
	struct log_limit warn_limit;
	struct banlog banlog;       /* the ban history (daemon_banlog.c) */
	int banlog_fd;              /* state_dir/history, appended; or -1 */
	size_t banlog_lines;        /* lines in it */
	uint64_t banlog_errors;     /* writes that failed */
};

/* Hand the ban of a decided verdict v to the ledger; it goes to the
 * kernel at the end of the loop iteration (daemon_flush). */
void daemon_ban(struct daemon *dm, const struct verdict *v);

/* State (daemon_state.c). Load state_dir's file into st (a corrupt one is
 * kept aside: st is then empty) and the offence history into decide. */
void daemon_state_load(struct daemon *dm, struct state *st, int64_t now);
/* Restore st's bans through the ledger; the kernel agrees after it. */
void daemon_state_restore(struct daemon *dm, const struct state *st,
    int64_t now);
/* Save now, in this process (the final save): 0, or -1 with errno. */
int daemon_state_save(struct daemon *dm);
/* Save in a forked child (one at a time); its end comes as SIGCHLD. */
void daemon_state_save_bg(struct daemon *dm);
/* Collect the save's child (block: wait for it) and note how it went. */
void daemon_state_reap(struct daemon *dm, bool block);

/* The joins to other engines (daemon_peers.c). The cluster, after the
 * ledger and its restore; its peers' verdicts go to on_verdict. CrowdSec,
 * after the loop is wired. A section this build cannot serve exits
 * EX_CONFIG. */
void daemon_peers_open_cluster(struct daemon *dm,
    void (*on_verdict)(void *arg, const struct verdict *v), int64_t now);
void daemon_peers_open_crowdsec(struct daemon *dm, const uint8_t seed[16]);
void daemon_peers_close(struct daemon *dm);

/* Send what the ledger has pending to the kernel, then cut the sessions
 * of the peers a new ban covers. */
void daemon_flush(struct daemon *dm);

/* Re-read configuration and patterns; on any error the running ones stay
 * and the error goes to r (which may be NULL) and the log. */
void daemon_reload(struct daemon *dm, struct ctl_reply *r);
/* daemon_conf.c: load the configuration file into c (a missing default
 * file means the defaults), errors into e; 0, or -1 with errno. */
int daemon_load_conf(struct daemon *dm, struct conf *c, struct errs *e);
/* daemon_conf.c: load c's pattern directories (StrictModes), each warning
 * logged; NULL with the errors in e. */
struct matcher *daemon_load_patterns(const struct conf *c, struct errs *e);
/* daemon_conf.c: " DIR DIR..." of c's pattern directories, for messages
 * (a static buffer). */
const char *daemon_patterns_list(const struct conf *c);
/* daemon.c: the nftables notices of changes to our table: a loop
 * handler. */
void daemon_on_watch(void *arg, int fd, uint32_t events);

/* The allowlist (loopback, [allow] cidrs, the own addresses when
 * own_addresses = yes) built into dm->allow from dm->conf and dm->ifaddr
 * (daemon_allow.c). */
void daemon_allow_build(struct daemon *dm);

/* Lift or split every ban that overlaps dm->allow, through the ledger. */
void daemon_allow_lift(struct daemon *dm);

/* Build the allowlist again, give it to decide, lift what it covers (at
 * reload and when the own addresses change). */
void daemon_allow_update(struct daemon *dm);

/* Loop handler of dm->ifaddr's notices: an own address came or went. */
void daemon_allow_on_ifaddr(void *arg, int fd, uint32_t events);

/* Metrics (daemon_stats.c). Start counting (after the ledger exists) and
 * listen on [metrics] listen (exits 78 when not built with libmicrohttpd,
 * 69 when the address cannot be bound); stop listening. */
void daemon_stats_open(struct daemon *dm);
void daemon_stats_close(struct daemon *dm);
/* A batch of log lines starts being read (the latency clock), and is
 * read and decided. */
void daemon_stats_read(struct daemon *dm);
void daemon_stats_read_end(struct daemon *dm);
/* The one list of named values, gathered now into s (stats_init'ed). */
void daemon_stats_gather(struct daemon *dm, struct stats *s);
/* The Prometheus exposition, malloc'd, its length in *len; NULL with
 * errno. */
char *daemon_stats_prom(struct daemon *dm, size_t *len);
/* Write the metrics textfile when [metrics] textfile is set and interval
 * has passed since the last write (a failure is logged and counted). */
void daemon_stats_tick(struct daemon *dm, int64_t now);

/* The report's rollup (daemon_rollup.c): load state_dir/rollup (a
 * corrupt one is set aside); count a matched line and a ban at t (the
 * time decide runs on: the log's); sample the counters into the current
 * hour; save (durable: fsync); the periodic part of the tick; the final
 * sample and save. */
void daemon_rollup_open(struct daemon *dm, int64_t now);
void daemon_rollup_event(struct daemon *dm, const struct match_event *ev,
    int64_t t);
void daemon_rollup_ban(struct daemon *dm, int64_t t,
    const struct addr *target, uint32_t offences, const char *origin,
    const char *reason);
void daemon_rollup_sample(struct daemon *dm, int64_t now);
int daemon_rollup_save(struct daemon *dm, bool durable);
void daemon_rollup_tick(struct daemon *dm, int64_t now);
void daemon_rollup_close(struct daemon *dm);
/* Read a rollup file into r (rollup_init'ed): 0, or -1 with errno and a
 * message in err (ENOENT: no file). */
int daemon_rollup_read(const char *path, struct rollup *r, char *err,
    size_t errlen);

/* Register the control verbs (list, status, ban, unban, reload) on dm->ctl.
 * 0, or -1 with errno. */
int daemon_ctl_register(struct daemon *dm);

/* check ADDRESS [json] (daemon_query.c): is it dropped, by which ban,
 * does the kernel agree, allowlisted, its scores. A ctl_handler. */
void daemon_query_check(void *arg, int argc, char **argv,
    struct ctl_reply *r);

/* The ban history (daemon_banlog.c): load state_dir/history and observe
 * the ledger (after it exists); close. history [TARGET] [since SECONDS]
 * [json] on the control socket: a ctl_handler. */
void daemon_banlog_open(struct daemon *dm, int64_t now);
void daemon_banlog_close(struct daemon *dm);
void daemon_banlog_history(void *arg, int argc, char **argv,
    struct ctl_reply *r);

/* daemon_follow.c: follow the configured logs not followed yet, resuming
 * from st (NULL: none). */
void daemon_follow_add(struct daemon *dm, const struct state *st);
/* Why followed file i is not being read (follow_problem()'s words) in buf,
 * or "" when it is open and read. */
void daemon_follow_problem(struct daemon *dm, size_t i, char *buf,
    size_t size);
/* Log each followed file that became unreadable (and why) or readable. */
void daemon_follow_check(struct daemon *dm);
/* run -n: a warning on stderr for each configured log not readable now. */
void daemon_follow_print(const struct daemon *dm);

/* unban TARGET | unban covering ADDRESS | unban inside PREFIX | unban all
 * (daemon_unban.c): a ctl_handler. */
void daemon_unban(void *arg, int argc, char **argv, struct ctl_reply *r);

/* Current time in seconds since the epoch. */
int64_t daemon_now(void);

#endif
