/*
 * daemon: `dominoban run`. See daemon.h; the flow:
 *
 *   start: config -> patterns -> lock -> own addresses, allowlist ->
 *          decide -> state file -> loop, tailer, control socket -> nft
 *          setup, ledger -> metrics, rollup -> restore live bans (one
 *          batch) -> cluster -> the logs followed, resumed -> signals,
 *          timer, notices -> CrowdSec -> READY=1 (docs/ARCHITECTURE.md)
 *   loop:  inotify -> tail -> match -> decide -> bans queued; after the
 *          iteration, all queued bans go to the kernel at once, then the
 *          banned peers' sessions are cut (enforce.c)
 *   tick:  expiry of our bans, tail rescan, client sweep, state file
 *          (debounced), kernel re-check, watchdog
 *   nft notices of deletions behind our back: rebuild at once
 *   address notices: the own addresses allowlisted, and the bans that
 *          come to cover them lifted (daemon_allow.c)
 *
 * The daemon never forks a firewall command and never touches another
 * table. In dry run it touches no firewall at all.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#ifdef HAVE_CROWDSEC
#include "crowdsec.h"
#endif
#ifdef HAVE_MQTT
#include "cluster.h"
#endif
#include "daemon.h"
#include "lock.h"
#include "mono.h"
#include "notify.h"
#include "rfile.h"
#include "state.h"

int64_t
daemon_now(void)
{
	return (int64_t)time(NULL);
}

/* ---- bans -------------------------------------------------------------- */

void
daemon_ban(struct daemon *dm, const struct verdict *v)
{
	struct ledger_req r;
	char s[ADDR_STRLEN];

	memset(&r, 0, sizeof(r));
	r.target = v->target;
	r.seconds = v->seconds;
	r.offences = v->offences;
	r.reason = v->reason;
	r.origin = LEDGER_ORIGIN_LOCAL;
	/* Decided bans are never wider than a tier. */
	r.force = true;
	if (ledger_ban(dm->ledger, &r, daemon_now()) == -1) {
		addr_format(&v->target, s, sizeof(s));
		log_warn("ban addr=%s not recorded", s);
	}
}

static void
on_verdict(void *arg, const struct verdict *v)
{
	struct daemon *dm = arg;

	metrics_decided(&dm->mx);
	daemon_rollup_ban(dm, v->at, &v->target, v->offences,
	    LEDGER_ORIGIN_LOCAL, v->reason);
	daemon_ban(dm, v);
}

/* The ledger ended a ban early (refused, allowlisted, unbanned): the
 * decision engine forgets it, so it may be decided again. */
static void
on_lifted(void *arg, const struct addr *target)
{
	struct daemon *dm = arg;
	struct verdict v;

	decide_manual(dm->d, VERDICT_UNBAN, target, 0, daemon_now(), &v);
}

static bool
covered(void *arg, const struct addr *peer)
{
	struct daemon *dm = arg;

	return ledger_cover(dm->ledger, peer, daemon_now());
}

static void
cut_now(struct daemon *dm)
{
	dm->cut_due = false;
	dm->cut_at = mono_ms();
	enforce_cut(dm->enf, covered, dm);
}

/* Cut the sessions of banned peers now, or at the end of the gap since
 * the last cut (DAEMON_CUT_GAP_MS), when dm->cutfd fires. */
static void
cut(struct daemon *dm)
{
	int64_t wait = dm->cut_at + DAEMON_CUT_GAP_MS - mono_ms();
	struct itimerspec its;

	if (dm->cut_due)
		return;
	if (wait <= 0 || wait > DAEMON_CUT_GAP_MS) {
		cut_now(dm);
		return;
	}
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = (long)wait * 1000000L;
	if (timerfd_settime(dm->cutfd, 0, &its, NULL) == -1)
		cut_now(dm);
	else
		dm->cut_due = true;
}

static void
on_cut(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	uint64_t n;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("timer");
	if (dm->cut_due)
		cut_now(dm);
}

void
daemon_flush(struct daemon *dm)
{
	size_t added = ledger_flush(dm->ledger, daemon_now(), NULL);

	metrics_flushed(&dm->mx);
	if (added > 0)
		cut(dm);
}

/* After each loop iteration: everything decided goes out in one batch. */
static void
flush(void *arg)
{
	struct daemon *dm = arg;

	daemon_flush(dm);
#ifdef HAVE_MQTT
	if (dm->cluster != NULL)
		cluster_flush(dm->cluster, daemon_now());
#endif
}

/* ---- lines ---------------------------------------------------------- */

/* Debug record of one event, for tests and for an admin checking a
 * pattern: the user is attacker text, so it is escaped. */
static void
log_event(unsigned idx, const struct match_event *ev)
{
	char a[ADDR_STRLEN], u[2 * 256];

	if (ev->has_addr)
		addr_format(&ev->addr, a, sizeof(a));
	else
		snprintf(a, sizeof(a), "-");
	log_escape(u, sizeof(u), ev->user != NULL ? ev->user : "",
	    ev->user != NULL ? ev->user_len : 0);
	log_debug("event file=%u pattern=%s addr=%s user=\"%s\"", idx,
	    ev->pattern->id, a, u);
}

/* Lines may have been lost since the last event (a truncation, a wrap,
 * a partial line dropped, a rotation not resumed): the SMTP session
 * tracker may miss sessions from now on (decide_lost). */
static void
check_lost(struct daemon *dm, const struct decide_cb *cb)
{
	struct tail_stats ts;
	uint64_t n;

	tail_stats(dm->tail, &ts);
	n = ts.truncations + ts.wraps + ts.wrap_overruns + ts.partial_dropped +
	    ts.resume_lost;
	if (n != dm->lines_lost) {
		dm->lines_lost = n;
		decide_lost(dm->d, daemon_now(), cb);
	}
}

/* Events are queued and decided in batches (decide_queue), at the latest
 * when read_logs() has read what the logs hold. */
static void
on_line(void *arg, unsigned idx, const char *line, size_t len)
{
	struct daemon *dm = arg;
	struct decide_cb cb = {on_verdict, NULL, dm};
	struct match_event ev;
	int64_t now;

	dm->dirty = true;
	if (match_line(dm->m, line, len, &ev) != 1)
		return;
	dm->events++;
	check_lost(dm, &cb);
	now = logclock_event(&dm->clock, line, len, dm->conf.date_order,
	    daemon_now());
	daemon_rollup_event(dm, &ev, now);
	if (log_enabled(LOG_LEVEL_DEBUG))
		log_event(idx, &ev);
	decide_queue(dm->d, &ev, dm->events, now, &cb);
}

/* Read every log to its end (rescan: the periodic check of every file,
 * tail_rescan()) and decide what it held. */
static int
read_logs(struct daemon *dm, bool rescan)
{
	struct decide_cb cb = {on_verdict, NULL, dm};
	int rc;

	daemon_stats_read(dm);
	rc = rescan ? tail_rescan(dm->tail) : tail_process(dm->tail);

	decide_flush(dm->d, &cb);
	daemon_stats_read_end(dm);
	return rc;
}

static void
on_tail(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)events;
	if (read_logs(dm, false) == -1 &&
	    log_limit_allow(&dm->warn_limit, daemon_now()))
		log_warn("tail");
}

/* ---- the kernel: repair after deletions behind our back -------------- */

void
daemon_on_watch(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	enum enforce_watch w = enforce_watch_read(dm->enf);

	(void)fd;
	(void)events;
	if (w == ENFORCE_WATCH_NONE)
		return;
	/* Lost notices (a burst, most likely our own) are no alarm while
	 * the table is whole: compare, and put right what differs. */
	if (w == ENFORCE_WATCH_RESYNC && enforce_intact(dm->enf)) {
		dm->resyncs++;
		ledger_reconcile(dm->ledger, daemon_now(), "resync", false);
		return;
	}
	log_warnx("nftables table %s changed behind our back; rebuilding",
	    dm->conf.table);
	dm->repairs++;
	if (enforce_setup(dm->enf, &dm->conf) == -1)
		log_warn("nft setup");
	ledger_reconcile(dm->ledger, daemon_now(), "notification", false);
}

/* The recheck's child has differences for us (ledger.h). */
static void
on_recheck(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;

	(void)events;
	if (ledger_recheck_read(dm->ledger, daemon_now()) != 0) {
		loop_del(dm->loop, fd);
		ledger_recheck_close(dm->ledger);
	}
}

/* ---- housekeeping ----------------------------------------------------- */

static void
on_tick(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	int64_t now = daemon_now();
	struct tail_stats ts;
	uint64_t ticks;
	int rfd;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("timer");
	ledger_expire(dm->ledger, now);
	(void)read_logs(dm, true);
	daemon_follow_check(dm);
	ctl_sweep(dm->ctl);
#ifdef HAVE_MQTT
	if (dm->cluster != NULL)
		cluster_tick(dm->cluster, now);
#endif
	daemon_stats_tick(dm, now);
	daemon_rollup_tick(dm, now);
	if (ledger_gen(dm->ledger) != dm->saved_gen)
		dm->dirty = true;
	if (dm->dirty) {
		if (dm->dirty_since == 0)
			dm->dirty_since = now;
		/* After a rotation the saved position names a file that is
		 * no longer at the path: save at once, so a crash does not
		 * leave a position two rotations old (see tail.h). */
		tail_stats(dm->tail, &ts);
		if (now - dm->dirty_since >= DAEMON_STATE_DEBOUNCE ||
		    now - dm->last_save >= DAEMON_STATE_PERIOD ||
		    ts.rotations + ts.truncations != dm->saved_rotations ||
		    dm->save_failing_since != 0) {
			/* A small state is saved at once, here; a large one
			 * in a child, so that it never holds the loop. After
			 * a rotation, at once whatever its size. */
			if (ts.rotations + ts.truncations != dm->saved_rotations ||
			    bans_count(ledger_bans(dm->ledger)) < dm->bgsave_min)
				(void)daemon_state_save(dm);
			else
				daemon_state_save_bg(dm);
			dm->saved_rotations = ts.rotations + ts.truncations;
			dm->dirty_since = 0;
		}
	}
	if (now - dm->last_recheck >= dm->recheck_every) {
		dm->last_recheck = now;
		if ((rfd = ledger_recheck_start(dm->ledger, now)) != -1 &&
		    loop_add(dm->loop, rfd, EPOLLIN, on_recheck, dm) == -1) {
			log_warn("recheck");
			ledger_recheck_close(dm->ledger);
		}
	}
	if (dm->watchdog_usec > 0 &&
	    (uint64_t)(now - dm->last_dog) * 2000000 >= dm->watchdog_usec) {
		notify_send("WATCHDOG=1");
		dm->last_dog = now;
	}
	flush(dm);
}

/* ---- signals and main -------------------------------------------------- */

static void
on_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	struct signalfd_siginfo si;

	(void)fd;
	(void)events;
	while (read(dm->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			daemon_state_reap(dm, false);
		} else if (si.ssi_signo == SIGHUP) {
			notify_send("RELOADING=1");
			daemon_reload(dm, NULL);
			notify_send("READY=1");
		} else {
			log_info("stop signal=%u", si.ssi_signo);
			loop_stop(dm->loop);
		}
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: dominoban [--config FILE] run [--foreground] [-n] "
	    "[--from-start] [--debug]\n\n"
	    "Follow the Domino logs and ban attackers in nftables. Runs in the "
	    "foreground\n(systemd's Type=notify); logs go to stderr.\n\n"
	    "  -f, --foreground  accepted for clarity; dominoban never forks\n"
	    "  -n, --check       check the configuration and patterns, then "
	    "exit\n"
	    "      --from-start  read the logs from their beginning (first "
	    "start)\n"
	    "  -d, --debug       log debug records (one per event)\n"
	    "  -h, --help        show this help\n");
}

/* Every control client needs a descriptor: raise the soft limit. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur >= DAEMON_NOFILE)
		return;
	rl.rlim_cur = rl.rlim_max < DAEMON_NOFILE ? rl.rlim_max : DAEMON_NOFILE;
	setrlimit(RLIMIT_NOFILE, &rl);
}

/* Signals, timer, tail and nft notices into the loop. */
static void
wire_loop(struct daemon *dm)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	dm->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	dm->timerfd = loop_timerfd(DAEMON_TICK_MS);
	dm->cutfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (dm->sigfd == -1 || dm->timerfd == -1 || dm->cutfd == -1 ||
	    loop_add(dm->loop, dm->cutfd, EPOLLIN, on_cut, dm) == -1 ||
	    loop_add(dm->loop, dm->sigfd, EPOLLIN, on_signal, dm) == -1 ||
	    loop_add(dm->loop, dm->timerfd, EPOLLIN, on_tick, dm) == -1 ||
	    loop_add(dm->loop, tail_fd(dm->tail), EPOLLIN, on_tail, dm) == -1)
		fatal(EX_OSERR, "event loop");
	if ((dm->watchfd = enforce_watch_fd(dm->enf)) != -1 &&
	    loop_add(dm->loop, dm->watchfd, EPOLLIN, daemon_on_watch, dm) == -1)
		fatal(EX_OSERR, "event loop");
	if (loop_add(dm->loop, ifaddr_fd(dm->ifaddr), EPOLLIN,
	    daemon_allow_on_ifaddr, dm) == -1)
		fatal(EX_OSERR, "event loop");
	loop_set_after(dm->loop, flush, dm);
}

static void
daemon_free(struct daemon *dm)
{
	size_t i;

	daemon_peers_close(dm);
	daemon_stats_close(dm);
	ctl_close(dm->ctl);
	tail_close(dm->tail);
	loop_free(dm->loop);
	ledger_free(dm->ledger);
	rollup_free(&dm->rollup);
	enforce_close(dm->enf);
	ifaddr_close(dm->ifaddr);
	decide_free(dm->d);
	match_free(dm->m);
	for (i = 0; i < dm->nfollowed; i++) {
		free(dm->followed[i]);
		free(dm->follow_msg[i]);
	}
	free(dm->followed);
	free(dm->follow_msg);
	free(dm->list_cache[0].buf);
	free(dm->list_cache[1].buf);
	conf_free(&dm->conf);
}

int
cmd_run(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"check", no_argument, NULL, 'n'},
	    {"from-start", no_argument, NULL, 'S'},
	    {"debug", no_argument, NULL, 'd'},
	    CMD_OPT_HELP,
	    CMD_OPT_END,
	};
	struct daemon dm;
	struct ledger_cb lcb = {on_lifted, &dm};
	struct state st;
	struct errs e;
	uint8_t seed[16];
	char msg[512];
	struct stat sb;
	bool check = false;
	int64_t now;
	int c, rc, lockfd;

	memset(&dm, 0, sizeof(dm));
	dm.config_path = g->config;
	dm.config_given = g->config_given != 0;
	dm.warn_limit.burst = 10;
	dm.warn_limit.window = 60;
	while ((c = getopt_long(argc, argv, "fndh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			break;
		case 'n':
			check = true;
			break;
		case 'S':
			dm.from_start = true;
			break;
		case 'd':
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		default: /* --help, or an unknown option */
			return cmd_usage(usage, c == 'h');
		}
	}
	if (optind != argc)
		return cmd_usage(usage, false);
	if (daemon_load_conf(&dm, &dm.conf, &e) == -1) {
		fprintf(stderr, "dominoban: configuration refused:\n%s", e.text);
		return errno == ENOENT ? EX_NOINPUT : EX_CONFIG;
	}
	if ((dm.m = daemon_load_patterns(&dm.conf, &e)) == NULL) {
		fprintf(stderr, "dominoban: patterns refused (patterns =%s, "
		    "from %s):\n%s", daemon_patterns_list(&dm.conf), dm.config_path,
		    e.text);
		conf_free(&dm.conf);
		return EX_CONFIG;
	}
	follow_whoami(dm.whoami, sizeof(dm.whoami));
	if (check) {
		printf("configuration OK: %s, %zu patterns, %zu log file%s, "
		    "%s\n", dm.config_path, match_count(dm.m), dm.conf.nlogs,
		    dm.conf.nlogs == 1 ? "" : "s",
		    match_jit(dm.m) ? "PCRE2 JIT" : "PCRE2 interpreter");
		daemon_follow_print(&dm);
		match_free(dm.m);
		conf_free(&dm.conf);
		return EX_OK;
	}
	/* One daemon per state_dir, decided before anything is touched: the
	 * state file, the control socket, the table. */
	if ((lockfd = lock_take(dm.conf.state_dir, msg, sizeof(msg))) == -1)
		fatalx(errno == EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT, "%s",
		    msg);
	if (!match_jit(dm.m))
		log_warnx("PCRE2 JIT refused (SELinux execmem or "
		    "MemoryDenyWriteExecute?): using the interpreter");
	raise_nofile();
	if ((dm.ifaddr = ifaddr_open()) == NULL)
		fatal(EX_OSERR, "cannot read this machine's addresses "
		    "(rtnetlink)");
	daemon_allow_build(&dm);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		fatal(EX_OSERR, "getrandom");
	logclock_init(&dm.clock);
	/* Tests lower these: the child's save with a few bans, the recheck
	 * period. */
	dm.bgsave_min = getenv("DOMINOBAN_BGSAVE_MIN") != NULL ?
	    strtoul(getenv("DOMINOBAN_BGSAVE_MIN"), NULL, 10) :
	    DAEMON_BGSAVE_MIN;
	dm.recheck_every = getenv("DOMINOBAN_RECHECK") != NULL ?
	    strtol(getenv("DOMINOBAN_RECHECK"), NULL, 10) : DAEMON_RECHECK;
	if ((dm.d = decide_new(&dm.conf, seed, &dm.allow)) == NULL ||
	    decide_set_patterns(dm.d, dm.m) == -1)
		fatal(EX_OSERR, "out of memory");
	now = daemon_now();
	dm.started = dm.last_save = dm.last_recheck = dm.last_dog = now;
	daemon_state_load(&dm, &st, now);

	/* The control socket first: a second daemon on the same socket
	 * stops here, before it touches the first one's table. Clients that
	 * connect now are answered once the loop runs, after the restore. */
	if ((dm.loop = loop_new()) == NULL ||
	    (dm.tail = tail_open(on_line, &dm)) == NULL)
		fatal(EX_OSERR, "loop");
	dm.ctl = ctl_open(dm.loop, dm.conf.control_socket,
	    dm.conf.control_group);
	if (dm.ctl == NULL && errno == ENOTSOCK &&
	    lstat(dm.conf.control_socket, &sb) == 0)
		fatalx(EX_CANTCREAT, "control socket %s: exists and is %s, not "
		    "a socket; refusing to remove it (move it away, or set "
		    "control_socket)", dm.conf.control_socket,
		    rfile_type_name(sb.st_mode));
	if (dm.ctl == NULL)
		fatal(errno == EADDRINUSE ? EX_TEMPFAIL : EX_CANTCREAT,
		    "control socket %s%s", dm.conf.control_socket,
		    errno == EADDRINUSE ? ": another dominoban answers there" :
		    "");
	if (daemon_ctl_register(&dm) == -1)
		fatal(EX_SOFTWARE, "control verbs");
	if ((dm.enf = enforce_open(&dm.conf)) == NULL) {
		ctl_close(dm.ctl);
		if (errno == EEXIST)
			fatalx(EX_CONFIG, "table inet %s exists and was not "
			    "created by dominoban; refusing to touch it (choose "
			    "another table = name)", dm.conf.table);
		fatal(errno == EPERM ? EX_NOPERM : EX_UNAVAILABLE,
		    "cannot set up nftables table inet %s (CAP_NET_ADMIN "
		    "needed)", dm.conf.table);
	}
	if (dm.conf.dry_run)
		log_info("dry run: no firewall changes will be made");
	if ((dm.ledger = ledger_new(seed, dm.enf, &dm.allow, &dm.conf,
		 &lcb)) == NULL)
		fatal(EX_OSERR, "out of memory");
	daemon_stats_open(&dm);
	daemon_banlog_open(&dm, now);
	daemon_rollup_open(&dm, now);
	daemon_state_restore(&dm, &st, now);
	daemon_peers_open_cluster(&dm, on_verdict, now);
	daemon_follow_add(&dm, &st);
	state_clear(&st);
	wire_loop(&dm);
	daemon_peers_open_crowdsec(&dm, seed);
	dm.watchdog_usec = notify_watchdog_usec();

	(void)read_logs(&dm, false);
	daemon_follow_check(&dm);
	flush(&dm);
	log_info("started version=%s table=%s logs=%zu patterns=%zu "
	    "dry_run=%s", PACKAGE_VERSION, dm.conf.table, dm.nfollowed,
	    match_count(dm.m), dm.conf.dry_run ? "yes" : "no");
	notify_send("READY=1\nSTATUS=following the Domino logs");
	if (loop_run(dm.loop) == -1)
		fatal(EX_OSERR, "event loop");

	notify_send("STOPPING=1");
	daemon_rollup_close(&dm);
	rc = daemon_state_save(&dm);
	daemon_free(&dm);
	daemon_banlog_close(&dm);
	lock_release(lockfd);
	if (rc == -1) {
		log_warnx("stopped, but the final state save failed: bans and "
		    "positions since the last save are lost at the next start");
		return EX_CANTCREAT;
	}
	log_info("stopped");
	return EX_OK;
}
