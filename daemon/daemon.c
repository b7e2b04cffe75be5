/*
 * daemon: `dominoban run`. See daemon.h; the flow:
 *
 *   start: config -> patterns -> allowlist -> state -> nft setup -> restore
 *          live bans (one batch) -> tails -> control socket -> READY=1
 *   loop:  inotify -> tail -> match -> decide -> verdicts queued;
 *          after the iteration, all queued bans go to the kernel at once
 *   tick:  expiry of our ban list, tail rescan, client sweep, state file
 *          (debounced), kernel re-check, watchdog
 *   nft notices of deletions behind our back: rebuild at once
 *
 * The daemon never forks a firewall command and never touches another
 * table. In dry run it touches no firewall at all.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "allow.h"
#include "cmd.h"
#include "conf.h"
#include "ctl.h"
#include "daemon.h"
#include "decide.h"
#include "log.h"
#include "loop.h"
#include "match.h"
#include "nft.h"
#include "notify.h"
#include "state.h"
#include "tail.h"

struct ban {
	struct addr target;
	int64_t expires;
	uint32_t offences;
	char reason[VERDICT_REASON_MAX];
};

struct pend {
	struct nft_elem e;
	bool refresh;
};

struct daemon {
	struct conf conf;
	const char *config_path;
	bool config_given, from_start;
	struct loop *loop;
	struct matcher *m;
	struct decide *d;
	struct allow allow;
	struct nft *nft;            /* NULL in dry run */
	struct tail *tail;
	char **followed;            /* paths, in tail index order */
	size_t nfollowed;
	struct ctl *ctl;
	int sigfd, timerfd, watchfd;
	struct ban *bans;
	size_t nbans, capbans;
	struct pend *pend;
	size_t npend, cappend;
	int64_t started, last_save, dirty_since, last_recheck, last_dog;
	bool dirty;
	uint64_t lines, events, verdicts, ban_errors, repairs;
	uint64_t watchdog_usec;
	struct log_limit warn_limit;
};

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

/* ---- bans -------------------------------------------------------------- */

static struct ban *
ban_find(struct daemon *dm, const struct addr *a)
{
	size_t i;

	for (i = 0; i < dm->nbans; i++)
		if (addr_cmp(&dm->bans[i].target, a) == 0)
			return &dm->bans[i];
	return NULL;
}

static struct ban *
ban_put(struct daemon *dm, const struct addr *a)
{
	struct ban *b = ban_find(dm, a), *v;

	if (b != NULL)
		return b;
	if (dm->nbans == dm->capbans) {
		size_t cap = dm->capbans ? dm->capbans * 2 : 256;
		if ((v = realloc(dm->bans, cap * sizeof(*v))) == NULL)
			return NULL;
		dm->bans = v;
		dm->capbans = cap;
	}
	b = &dm->bans[dm->nbans++];
	memset(b, 0, sizeof(*b));
	b->target = *a;
	return b;
}

static void
ban_drop(struct daemon *dm, struct ban *b)
{
	*b = dm->bans[--dm->nbans];
}

static void
queue(struct daemon *dm, const struct addr *a, uint32_t seconds, bool refresh)
{
	struct pend *v;

	if (dm->nft == NULL)
		return;
	if (dm->npend == dm->cappend) {
		size_t cap = dm->cappend ? dm->cappend * 2 : 64;
		if ((v = realloc(dm->pend, cap * sizeof(*v))) == NULL) {
			log_warn("ban queue");
			return;
		}
		dm->pend = v;
		dm->cappend = cap;
	}
	memset(&dm->pend[dm->npend], 0, sizeof(dm->pend[0]));
	dm->pend[dm->npend].e.target = *a;
	dm->pend[dm->npend].e.timeout_ms = (uint64_t)seconds * 1000;
	dm->pend[dm->npend++].refresh = refresh;
}

static void
log_ban(const char *what, const struct addr *a, uint32_t seconds,
    uint32_t offences, const char *reason, bool dry)
{
	char s[ADDR_STRLEN], r[2 * VERDICT_REASON_MAX];

	addr_format(a, s, sizeof(s));
	log_escape(r, sizeof(r), reason, strlen(reason));
	log_info("%s addr=%s seconds=%u offences=%u reason=\"%s\"%s", what, s,
	    seconds, offences, r, dry ? " dry_run=yes" : "");
}

static void
on_verdict(void *arg, const struct verdict *v)
{
	struct daemon *dm = arg;
	struct ban *b;

	dm->verdicts++;
	log_ban("ban", &v->target, v->seconds, v->offences, v->reason,
	    dm->conf.dry_run);
	if ((b = ban_put(dm, &v->target)) == NULL) {
		log_warn("ban list");
		return;
	}
	b->expires = v->at + v->seconds;
	b->offences = v->offences;
	snprintf(b->reason, sizeof(b->reason), "%s", v->reason);
	queue(dm, &v->target, v->seconds, false);
	dm->dirty = true;
}

/* Send everything queued in this iteration in one call (one batch). */
static void
flush(void *arg)
{
	struct daemon *dm = arg;
	struct nft_elem *e;
	char s[ADDR_STRLEN];
	size_t i, k, n;
	int pass;

	if (dm->npend == 0)
		return;
	if ((e = calloc(dm->npend, sizeof(*e))) == NULL) {
		log_warn("flush");
		dm->npend = 0;
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0, n = 0; i < dm->npend; i++)
			if (dm->pend[i].refresh == (pass == 1))
				e[n++] = dm->pend[i].e;
		if (n == 0)
			continue;
		if (nft_ban(dm->nft, e, n, pass == 1) == 0)
			continue;
		for (k = 0; k < n; k++) {
			if (e[k].error == 0)
				continue;
			dm->ban_errors++;
			addr_format(&e[k].target, s, sizeof(s));
			errno = e[k].error;
			log_warn("ban failed addr=%s", s);
		}
	}
	free(e);
	dm->npend = 0;
}

/* ---- lines ---------------------------------------------------------- */

static void
on_line(void *arg, unsigned idx, const char *line, size_t len)
{
	struct daemon *dm = arg;
	struct decide_cb cb = {on_verdict, NULL, dm};
	struct match_event ev;

	(void)idx;
	dm->lines++;
	dm->dirty = true;
	if (match_line(dm->m, line, len, &ev) != 1)
		return;
	dm->events++;
	decide_event(dm->d, &ev, dm->events, now_s(), &cb);
}

static void
on_tail(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)events;
	if (tail_process(dm->tail) == -1 &&
	    log_limit_allow(&dm->warn_limit, now_s()))
		log_warn("tail");
}

/* ---- the kernel: restore, re-check, repair -------------------------- */

/* Put every live ban that the kernel lacks back (one batch). */
static void
reassert(struct daemon *dm, const char *why)
{
	struct nft_entry *have = NULL;
	int64_t now = now_s();
	ssize_t k, j;
	size_t i, missing = 0;
	bool found;

	if (dm->nft == NULL)
		return;
	k = nft_list(dm->nft, &have);
	for (i = 0; i < dm->nbans; i++) {
		if (dm->bans[i].expires <= now)
			continue;
		found = false;
		for (j = 0; k > 0 && j < k && !found; j++)
			found = addr_cmp(&have[j].target, &dm->bans[i].target) ==
			    0;
		if (found)
			continue;
		queue(dm, &dm->bans[i].target,
		    (uint32_t)(dm->bans[i].expires - now), false);
		missing++;
	}
	free(have);
	if (missing > 0) {
		dm->repairs++;
		log_info("repair reason=%s restored=%zu", why, missing);
		flush(dm);
	}
}

static int
setup_table(struct daemon *dm)
{
	return nft_setup(dm->nft, dm->conf.ports, dm->conf.nports,
	    dm->conf.action == CONF_ACTION_REJECT, dm->conf.priority);
}

static void
on_watch(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;

	(void)fd;
	(void)events;
	if (nft_watch_read(dm->nft) != 1)
		return;
	log_warnx("nftables table %s changed behind our back; rebuilding",
	    dm->conf.table);
	if (setup_table(dm) == -1)
		log_warn("nft setup");
	reassert(dm, "notification");
}

/* ---- state ------------------------------------------------------------ */

static void
add_offence(void *arg, const struct addr *a, uint32_t count, int64_t last,
    int64_t expires)
{
	(void)expires;
	state_add_offence(arg, a, count, last);
}

static void
save_state(struct daemon *dm)
{
	struct state s;
	struct tail_pos pos;
	unsigned i;
	size_t k;

	memset(&s, 0, sizeof(s));
	for (i = 0; dm->tail != NULL && i < dm->nfollowed; i++)
		if (tail_pos(dm->tail, i, &pos) == 0 && pos.ino != 0)
			state_add_tail(&s, dm->followed[i], (uint64_t)pos.dev,
			    (uint64_t)pos.ino, pos.offset, pos.fingerprint);
	for (k = 0; k < dm->nbans; k++)
		state_add_ban(&s, &dm->bans[k].target, dm->bans[k].expires,
		    dm->bans[k].offences, dm->bans[k].reason);
	decide_foreach_history(dm->d, add_offence, &s);
	if (state_save(dm->conf.state_dir, &s) == -1)
		log_warn("state %s", dm->conf.state_dir);
	state_clear(&s);
	dm->dirty = false;
	dm->last_save = now_s();
}

/* ---- housekeeping ----------------------------------------------------- */

static void
on_tick(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	int64_t now = now_s();
	uint64_t ticks;
	size_t i;

	(void)events;
	if (read(fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("timer");
	for (i = 0; i < dm->nbans;) {
		if (dm->bans[i].expires > now) {
			i++;
			continue;
		}
		log_ban("unban", &dm->bans[i].target, 0, dm->bans[i].offences,
		    "expired", dm->conf.dry_run);
		ban_drop(dm, &dm->bans[i]);
		dm->dirty = true;
	}
	tail_rescan(dm->tail);
	ctl_sweep(dm->ctl, now);
	if (dm->dirty) {
		if (dm->dirty_since == 0)
			dm->dirty_since = now;
		if (now - dm->dirty_since >= DAEMON_STATE_DEBOUNCE ||
		    now - dm->last_save >= DAEMON_STATE_PERIOD) {
			save_state(dm);
			dm->dirty_since = 0;
		}
	}
	if (now - dm->last_recheck >= DAEMON_RECHECK) {
		dm->last_recheck = now;
		reassert(dm, "recheck");
	}
	if (dm->watchdog_usec > 0 &&
	    (uint64_t)(now - dm->last_dog) * 2000000 >= dm->watchdog_usec) {
		notify_send("WATCHDOG=1");
		dm->last_dog = now;
	}
	flush(dm);
}

/* ---- allowlist ---------------------------------------------------------- */

/* Loopback, the configured CIDRs, and (allow_own) this machine's own
 * addresses, read from the interfaces now. */
static void
build_allow(const struct conf *c, struct allow *al)
{
	struct ifaddrs *ifa, *p;
	struct addr a;
	size_t i;

	allow_init(al);
	for (i = 0; i < c->nallow; i++)
		allow_add(al, &c->allow[i]);
	if (!c->allow_own || getifaddrs(&ifa) == -1)
		return;
	for (p = ifa; p != NULL; p = p->ifa_next) {
		if (p->ifa_addr == NULL)
			continue;
		memset(&a, 0, sizeof(a));
		if (p->ifa_addr->sa_family == AF_INET) {
			a.family = AF_INET;
			a.len = 32;
			memcpy(a.a, &((struct sockaddr_in *)(void *)p->ifa_addr)
			    ->sin_addr, 4);
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			a.family = AF_INET6;
			a.len = 128;
			memcpy(a.a, &((struct sockaddr_in6 *)(void *)p->ifa_addr)
			    ->sin6_addr, 16);
		} else {
			continue;
		}
		allow_add(al, &a);
	}
	freeifaddrs(ifa);
}

/* ---- configuration ------------------------------------------------------ */

static struct matcher *
load_patterns(const struct conf *c, struct errs *e)
{
	return match_load((const char *const *)c->patterns, c->npatterns, 0, e);
}

/* Load the configuration file; a missing default file means defaults. */
static int
load_conf(struct daemon *dm, struct conf *c, struct errs *e)
{
	memset(e, 0, sizeof(*e));
	if (conf_load(c, dm->config_path, e) == -1) {
		if (errno != ENOENT || dm->config_given) {
			conf_free(c);
			return -1;
		}
		conf_free(c);
		memset(e, 0, sizeof(*e));
		if (conf_defaults(c) == -1)
			return -1;
		log_warnx("no %s: running on the defaults", dm->config_path);
	}
	if (conf_expand_logs(c) == -1) {
		conf_free(c);
		return -1;
	}
	return 0;
}

static void
add_logs(struct daemon *dm, const struct state *st)
{
	const struct tail_pos *resume;
	struct tail_pos pos;
	size_t i, k;

	char **v;

	for (i = 0; i < dm->conf.nlogs; i++) {
		for (k = 0; k < dm->nfollowed; k++)
			if (strcmp(dm->followed[k], dm->conf.logs[i]) == 0)
				break;
		if (k < dm->nfollowed)
			continue;
		resume = NULL;
		for (k = 0; st != NULL && k < st->ntails; k++) {
			if (strcmp(st->tails[k].path, dm->conf.logs[i]) != 0)
				continue;
			memset(&pos, 0, sizeof(pos));
			pos.dev = (dev_t)st->tails[k].dev;
			pos.ino = (ino_t)st->tails[k].ino;
			pos.offset = st->tails[k].offset;
			pos.fingerprint = st->tails[k].fingerprint;
			resume = &pos;
		}
		if (tail_add(dm->tail, dm->conf.logs[i], dm->from_start ||
			dm->conf.from_start, resume) == -1) {
			log_warn("cannot follow %s", dm->conf.logs[i]);
			continue;
		}
		v = realloc(dm->followed, (dm->nfollowed + 1) * sizeof(*v));
		if (v == NULL)
			fatal(EX_OSERR, "out of memory");
		dm->followed = v;
		if ((v[dm->nfollowed++] = strdup(dm->conf.logs[i])) == NULL)
			fatal(EX_OSERR, "out of memory");
		log_info("follow path=%s resume=%s", dm->conf.logs[i],
		    resume != NULL ? "yes" : "no");
	}
}

/* Re-read configuration and patterns; on any error keep what runs. */
static void
reload(struct daemon *dm, struct ctl_reply *r)
{
	struct matcher *m;
	struct conf c;
	struct errs e;

	if (load_conf(dm, &c, &e) == -1) {
		log_warnx("reload refused: configuration errors");
		if (r != NULL) {
			ctl_reply_status(r, EX_CONFIG, "configuration refused; "
			    "the running one stays");
			ctl_reply_printf(r, "%s", e.text);
		}
		return;
	}
	if ((m = load_patterns(&c, &e)) == NULL) {
		log_warnx("reload refused: pattern errors");
		if (r != NULL) {
			ctl_reply_status(r, EX_CONFIG, "patterns refused; the "
			    "running ones stay");
			ctl_reply_printf(r, "%s", e.text);
		}
		conf_free(&c);
		return;
	}
	if (strcmp(c.table, dm->conf.table) != 0 || c.dry_run != dm->conf.dry_run)
		log_warnx("reload: table and dry_run take effect at restart");
	free(c.table);
	c.table = strdup(dm->conf.table);
	c.dry_run = dm->conf.dry_run;
	match_free(dm->m);
	dm->m = m;
	conf_free(&dm->conf);
	dm->conf = c;
	build_allow(&dm->conf, &dm->allow);
	decide_set_allow(dm->d, &dm->allow);
	if (dm->nft != NULL && setup_table(dm) == -1)
		log_warn("nft setup");
	add_logs(dm, NULL);
	log_info("reload patterns=%zu logs=%zu", match_count(dm->m),
	    dm->nfollowed);
	if (r != NULL)
		ctl_reply_status(r, 0, "reloaded: %zu patterns, %zu logs",
		    match_count(dm->m), dm->nfollowed);
}

/* ---- control socket handlers ------------------------------------------ */

static void
format_secs(int64_t s, char *buf, size_t size)
{
	if (s >= 86400)
		snprintf(buf, size, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, size, "%lldh%lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, size, "%lldm%llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, size, "%llds", (long long)s);
}

/* A JSON string: quote, backslash and control bytes escaped. */
static void
json_str(struct ctl_reply *r, const char *s)
{
	ctl_reply_printf(r, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			ctl_reply_printf(r, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			ctl_reply_printf(r, "\\u%04x", (unsigned char)*s);
		else
			ctl_reply_printf(r, "%c", *s);
	}
	ctl_reply_printf(r, "\"");
}

static void
h_list(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	bool json = argc > 1 && strcmp(argv[1], "json") == 0;
	char a[ADDR_STRLEN], left[32];
	int64_t now = now_s();
	size_t i;

	if (json)
		ctl_reply_printf(r, "[");
	else if (dm->nbans > 0)
		ctl_reply_printf(r, "%-40s %10s %5s  %s\n", "ADDRESS", "REMAINING",
		    "BANS", "REASON");
	for (i = 0; i < dm->nbans; i++) {
		const struct ban *b = &dm->bans[i];
		if (b->expires <= now)
			continue;
		addr_format(&b->target, a, sizeof(a));
		if (json) {
			ctl_reply_printf(r, "%s{\"address\":\"%s\",\"remaining\":"
			    "%lld,\"offences\":%u,\"reason\":", i ? "," : "", a,
			    (long long)(b->expires - now), b->offences);
			json_str(r, b->reason);
			ctl_reply_printf(r, "}");
		} else {
			format_secs(b->expires - now, left, sizeof(left));
			ctl_reply_printf(r, "%-40s %10s %5u  %s\n", a, left,
			    b->offences, b->reason);
		}
	}
	if (json)
		ctl_reply_printf(r, "]\n");
	ctl_reply_status(r, 0, "%zu active bans%s", dm->nbans,
	    dm->conf.dry_run ? " (dry run: nothing in the firewall)" : "");
}

static void
h_status(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	bool json = argc > 1 && strcmp(argv[1], "json") == 0;
	struct nft_counters ctr = {0, 0};
	struct decide_stats ds;
	struct tail_stats ts;
	struct match_stats ms;
	struct tail_pos pos;
	uint64_t hits, served, refused, bad;
	size_t i;

	decide_get_stats(dm->d, &ds);
	tail_stats(dm->tail, &ts);
	match_get_stats(dm->m, &ms);
	ctl_stats(dm->ctl, &served, &refused, &bad);
	if (dm->nft != NULL && nft_counters(dm->nft, &ctr) == -1)
		memset(&ctr, 0, sizeof(ctr));
	if (json) {
		ctl_reply_printf(r, "{\"version\":\"%s\",\"uptime\":%lld,"
		    "\"dry_run\":%s,\"table\":", PACKAGE_VERSION,
		    (long long)(now_s() - dm->started),
		    dm->conf.dry_run ? "true" : "false");
		json_str(r, dm->conf.table);
		ctl_reply_printf(r, ",\"regex_engine\":\"%s\",\"files\":[",
		    match_jit(dm->m) ? "jit" : "interpreter");
		for (i = 0; i < dm->nfollowed; i++) {
			memset(&pos, 0, sizeof(pos));
			tail_pos(dm->tail, (unsigned)i, &pos);
			ctl_reply_printf(r, "%s{\"path\":", i ? "," : "");
			json_str(r, dm->followed[i]);
			ctl_reply_printf(r, ",\"inode\":%llu,\"offset\":%llu}",
			    (unsigned long long)pos.ino,
			    (unsigned long long)pos.offset);
		}
		ctl_reply_printf(r, "],\"patterns\":{");
		for (i = 0; i < match_count(dm->m); i++) {
			const struct match_pattern *p =
			    match_pattern_at(dm->m, i, &hits);
			ctl_reply_printf(r, "%s\"%s\":%llu", i ? "," : "", p->id,
			    (unsigned long long)hits);
		}
		ctl_reply_printf(r, "},\"lines\":%llu,\"events\":%llu,"
		    "\"long_lines\":%llu,\"records\":%zu,\"evictions\":%llu,"
		    "\"active_bans\":%zu,\"bans_decided\":%llu,\"ban_errors\":"
		    "%llu,\"repairs\":%llu,\"packets_dropped\":%llu,"
		    "\"bytes_dropped\":%llu,\"unattributed_pending\":%zu}\n",
		    (unsigned long long)dm->lines, (unsigned long long)dm->events,
		    (unsigned long long)ts.long_lines, ds.records,
		    (unsigned long long)ds.evictions, dm->nbans,
		    (unsigned long long)dm->verdicts,
		    (unsigned long long)dm->ban_errors,
		    (unsigned long long)dm->repairs,
		    (unsigned long long)ctr.packets,
		    (unsigned long long)ctr.bytes, ds.pending);
		ctl_reply_status(r, 0, "ok");
		return;
	}
	ctl_reply_printf(r, "dominoban %s, up %llds%s\n", PACKAGE_VERSION,
	    (long long)(now_s() - dm->started),
	    dm->conf.dry_run ? ", DRY RUN (no firewall changes)" : "");
	ctl_reply_printf(r, "nftables table:  inet %s\n", dm->conf.table);
	ctl_reply_printf(r, "regex engine:    %s\n", match_jit(dm->m) ?
	    "PCRE2 JIT" : "PCRE2 interpreter (JIT refused)");
	for (i = 0; i < dm->nfollowed; i++) {
		memset(&pos, 0, sizeof(pos));
		tail_pos(dm->tail, (unsigned)i, &pos);
		ctl_reply_printf(r, "following:       %s (inode %llu, offset "
		    "%llu)\n", dm->followed[i], (unsigned long long)pos.ino,
		    (unsigned long long)pos.offset);
	}
	ctl_reply_printf(r, "lines read:      %llu (%llu over-long dropped)\n",
	    (unsigned long long)dm->lines, (unsigned long long)ts.long_lines);
	ctl_reply_printf(r, "events:          %llu\n",
	    (unsigned long long)dm->events);
	for (i = 0; i < match_count(dm->m); i++) {
		const struct match_pattern *p = match_pattern_at(dm->m, i, &hits);
		if (hits > 0)
			ctl_reply_printf(r, "  %-26s %llu\n", p->id,
			    (unsigned long long)hits);
	}
	ctl_reply_printf(r, "tracked records: %zu (%llu evicted)\n", ds.records,
	    (unsigned long long)ds.evictions);
	ctl_reply_printf(r, "active bans:     %zu (%llu decided, %llu "
	    "failed)\n", dm->nbans, (unsigned long long)dm->verdicts,
	    (unsigned long long)dm->ban_errors);
	ctl_reply_printf(r, "packets dropped: %llu (%llu bytes)\n",
	    (unsigned long long)ctr.packets, (unsigned long long)ctr.bytes);
	ctl_reply_printf(r, "repairs:         %llu\n",
	    (unsigned long long)dm->repairs);
	ctl_reply_printf(r, "control socket:  %llu served, %llu refused, %llu "
	    "bad requests\n", (unsigned long long)served,
	    (unsigned long long)refused, (unsigned long long)bad);
	ctl_reply_status(r, 0, "ok");
}

static void
h_ban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	unsigned long secs = 0;
	struct verdict v;
	struct addr a;
	struct ban *b;
	char *end;

	if (argc < 2 || argc > 3 || addr_parse_prefix(argv[1], false, &a) == -1) {
		ctl_reply_status(r, EX_USAGE, "usage: ban ADDRESS[/LEN] "
		    "[SECONDS] (host bits of a prefix must be zero)");
		return;
	}
	if (argc == 3) {
		errno = 0;
		secs = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || secs == 0 ||
		    secs > 10ul * 365 * 86400) {
			ctl_reply_status(r, EX_USAGE, "bad duration");
			return;
		}
	}
	if (decide_manual(dm->d, VERDICT_BAN, &a, (uint32_t)secs, now_s(),
		&v) == -1) {
		ctl_reply_status(r, EX_NOPERM, "%s is on the allowlist: not "
		    "banned", argv[1]);
		return;
	}
	log_ban("ban", &v.target, v.seconds, v.offences, "manual",
	    dm->conf.dry_run);
	if ((b = ban_put(dm, &a)) != NULL) {
		b->expires = v.at + v.seconds;
		b->offences = v.offences;
		snprintf(b->reason, sizeof(b->reason), "manual");
	}
	queue(dm, &a, v.seconds, true);
	flush(dm);
	dm->dirty = true;
	ctl_reply_status(r, 0, "banned %s for %u s%s", argv[1], v.seconds,
	    dm->conf.dry_run ? " (dry run)" : "");
}

static void
h_unban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	struct nft_elem e;
	struct verdict v;
	struct addr a;
	struct ban *b;

	if (argc != 2 || addr_parse_prefix(argv[1], false, &a) == -1) {
		ctl_reply_status(r, EX_USAGE, "usage: unban ADDRESS[/LEN]");
		return;
	}
	decide_manual(dm->d, VERDICT_UNBAN, &a, 0, now_s(), &v);
	b = ban_find(dm, &a);
	if (dm->nft != NULL) {
		memset(&e, 0, sizeof(e));
		e.target = a;
		if (nft_unban(dm->nft, &e, 1) != 0 && b == NULL) {
			ctl_reply_status(r, EX_DATAERR, "%s is not banned",
			    argv[1]);
			return;
		}
	} else if (b == NULL) {
		ctl_reply_status(r, EX_DATAERR, "%s is not banned", argv[1]);
		return;
	}
	log_ban("unban", &a, 0, v.offences, "manual", dm->conf.dry_run);
	if (b != NULL)
		ban_drop(dm, b);
	dm->dirty = true;
	ctl_reply_status(r, 0, "unbanned %s", argv[1]);
}

static void
h_reload(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	(void)argc;
	(void)argv;
	reload(arg, r);
}

/* ---- signals and main -------------------------------------------------- */

static void
on_signal(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	struct signalfd_siginfo si;

	(void)events;
	while (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			notify_send("RELOADING=1");
			reload(dm, NULL);
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
	    "  -d, --debug       log debug records\n"
	    "  -h, --help        show this help\n");
}

int
cmd_run(const struct cmd_global *g, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"foreground", no_argument, NULL, 'f'},
	    {"check", no_argument, NULL, 'n'},
	    {"from-start", no_argument, NULL, 'S'},
	    {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct daemon dm;
	struct state st;
	struct errs e;
	char err[512];
	uint8_t seed[16];
	sigset_t mask;
	bool check = false;
	int64_t now;
	size_t i;
	int c;

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
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	if (load_conf(&dm, &dm.conf, &e) == -1) {
		fprintf(stderr, "dominoban: configuration refused:\n%s", e.text);
		return errno == ENOENT ? EX_NOINPUT : EX_CONFIG;
	}
	if ((dm.m = load_patterns(&dm.conf, &e)) == NULL) {
		fprintf(stderr, "dominoban: patterns refused:\n%s", e.text);
		conf_free(&dm.conf);
		return EX_CONFIG;
	}
	if (check) {
		printf("configuration OK: %s, %zu patterns, %zu logs, %s\n",
		    dm.config_path, match_count(dm.m), dm.conf.nlogs,
		    match_jit(dm.m) ? "PCRE2 JIT" : "PCRE2 interpreter");
		match_free(dm.m);
		conf_free(&dm.conf);
		return EX_OK;
	}
	if (!match_jit(dm.m))
		log_warnx("PCRE2 JIT refused (SELinux execmem or "
		    "MemoryDenyWriteExecute?): using the interpreter");
	build_allow(&dm.conf, &dm.allow);
	if (getrandom(seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		fatal(EX_OSERR, "getrandom");
	if ((dm.d = decide_new(&dm.conf, seed, &dm.allow)) == NULL)
		fatal(EX_OSERR, "decide");
	now = now_s();
	dm.started = dm.last_save = dm.last_recheck = dm.last_dog = now;

	/* State: a corrupt file is kept aside and we start clean. */
	if (mkdir(dm.conf.state_dir, 0700) == -1 && errno != EEXIST)
		log_warn("state directory %s", dm.conf.state_dir);
	switch (state_load(dm.conf.state_dir, &st, now, err, sizeof(err))) {
	case -1:
		log_warnx("state refused, starting clean: %s", err);
		memset(&st, 0, sizeof(st));
		break;
	case 0:
		log_info("no state file yet: first start");
		break;
	default:
		log_info("state loaded bans=%zu offences=%zu tails=%zu",
		    st.nbans, st.noffences, st.ntails);
	}
	for (i = 0; i < st.noffences; i++)
		decide_restore(dm.d, &st.offences[i].target,
		    st.offences[i].count, st.offences[i].last, 0);

	if (!dm.conf.dry_run) {
		if ((dm.nft = nft_open(dm.conf.table)) == NULL)
			fatal(EX_OSERR, "netlink");
		if (setup_table(&dm) == -1)
			fatal(errno == EPERM ? EX_NOPERM : EX_UNAVAILABLE,
			    "cannot set up nftables table inet %s (CAP_NET_ADMIN "
			    "needed)", dm.conf.table);
	} else {
		log_info("dry run: no firewall changes will be made");
	}
	/* Restore every ban that has not expired, with its remaining time,
	 * in one batch; the history keeps it from being decided again. */
	for (i = 0; i < st.nbans; i++) {
		struct ban *b;
		if (st.bans[i].expires <= now ||
		    allow_overlaps(&dm.allow, &st.bans[i].target) ||
		    (b = ban_put(&dm, &st.bans[i].target)) == NULL)
			continue;
		b->expires = st.bans[i].expires;
		b->offences = st.bans[i].offences;
		snprintf(b->reason, sizeof(b->reason), "%s", st.bans[i].reason);
		decide_restore(dm.d, &b->target, b->offences > 0 ?
		    b->offences : 1, now, b->expires);
	}
	if (dm.nbans > 0) {
		log_info("restoring bans=%zu", dm.nbans);
		reassert(&dm, "restore");
	}

	if ((dm.loop = loop_new()) == NULL ||
	    (dm.tail = tail_open(on_line, &dm)) == NULL)
		fatal(EX_OSERR, "loop");
	add_logs(&dm, &st);
	state_clear(&st);
	dm.ctl = ctl_open(dm.loop, dm.conf.control_socket,
	    dm.conf.control_group);
	if (dm.ctl == NULL)
		fatal(errno == EADDRINUSE ? EX_TEMPFAIL : EX_CANTCREAT,
		    "control socket %s%s", dm.conf.control_socket,
		    errno == EADDRINUSE ? ": another dominoban answers there" :
		    "");
	ctl_register(dm.ctl, "list", false, h_list, &dm);
	ctl_register(dm.ctl, "status", false, h_status, &dm);
	ctl_register(dm.ctl, "ban", true, h_ban, &dm);
	ctl_register(dm.ctl, "unban", true, h_unban, &dm);
	ctl_register(dm.ctl, "reload", true, h_reload, &dm);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	dm.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	dm.timerfd = loop_timerfd(DAEMON_TICK_MS);
	if (dm.sigfd == -1 || dm.timerfd == -1 ||
	    loop_add(dm.loop, dm.sigfd, EPOLLIN, on_signal, &dm) == -1 ||
	    loop_add(dm.loop, dm.timerfd, EPOLLIN, on_tick, &dm) == -1 ||
	    loop_add(dm.loop, tail_fd(dm.tail), EPOLLIN, on_tail, &dm) == -1)
		fatal(EX_OSERR, "event loop");
	if (dm.nft != NULL && (dm.watchfd = nft_watch_fd(dm.nft)) != -1)
		loop_add(dm.loop, dm.watchfd, EPOLLIN, on_watch, &dm);
	loop_set_after(dm.loop, flush, &dm);
	dm.watchdog_usec = notify_watchdog_usec();

	tail_process(dm.tail);
	flush(&dm);
	log_info("started version=%s table=%s logs=%zu patterns=%zu "
	    "dry_run=%s", PACKAGE_VERSION, dm.conf.table, dm.nfollowed,
	    match_count(dm.m), dm.conf.dry_run ? "yes" : "no");
	notify_send("READY=1\nSTATUS=following the Domino logs");
	if (loop_run(dm.loop) == -1)
		fatal(EX_OSERR, "event loop");

	notify_send("STOPPING=1");
	save_state(&dm);
	ctl_close(dm.ctl);
	tail_close(dm.tail);
	loop_free(dm.loop);
	nft_close(dm.nft);
	decide_free(dm.d);
	match_free(dm.m);
	for (i = 0; i < dm.nfollowed; i++)
		free(dm.followed[i]);
	free(dm.followed);
	free(dm.bans);
	free(dm.pend);
	conf_free(&dm.conf);
	log_info("stopped");
	return EX_OK;
}
