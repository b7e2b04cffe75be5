/*
 * daemon_ctl: the daemon's answers on the control socket (ctl.h carries
 * the protocol and the permission check). list and status are read-only;
 * ban, unban and reload are privileged. Bans change only through the
 * ledger (ledger.h): a manual ban is checked there (allowlist, addresses
 * that can never be a source, width) and is in the kernel before the reply
 * says "banned"; a ban the kernel refused is reported as a failure. Output
 * that carries attacker text (reasons hold only pattern ids, paths are the
 * admin's) is escaped for JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#ifdef HAVE_CROWDSEC
#include "crowdsec.h"
#endif
#include "daemon.h"

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

/* A JSON string: quote, backslash and bytes outside printable ASCII
 * escaped. */
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

static bool
want_json(int argc, char **argv)
{
	return argc > 1 && strcmp(argv[1], "json") == 0;
}

/* Does a ban of this origin show in `list origin WANT`: the same origin,
 * or WANT followed by ':' ("crowdsec" shows "crowdsec:cscli")? */
static bool
origin_match(const char *origin, const char *want)
{
	size_t n = strlen(want);

	return want[0] == '\0' || (strncmp(origin, want, n) == 0 &&
	    (origin[n] == '\0' || origin[n] == ':'));
}

/* Render the list of live bans of origin want ("": all) into r; returns
 * how many. */
static size_t
render_list(struct daemon *dm, bool json, const char *want, int64_t now,
    struct ctl_reply *r)
{
	const struct bans *bans = ledger_bans(dm->ledger);
	char a[ADDR_STRLEN], left[32];
	size_t i, live = 0;

	if (json)
		ctl_reply_printf(r, "[");
	for (i = 0; i < bans_count(bans); i++) {
		const struct ban *b = bans_at(bans, i);
		if (b->expires <= now || b->kstate == BAN_PENDING ||
		    !origin_match(b->origin, want))
			continue;
		addr_format(&b->target, a, sizeof(a));
		if (json) {
			ctl_reply_printf(r, "%s{\"address\":\"%s\",\"remaining\":"
			    "%lld,\"expires\":%lld,\"offences\":%u,\"kernel\":"
			    "\"%s\",\"origin\":", live ? "," : "", a,
			    (long long)(b->expires - now),
			    (long long)b->expires, b->offences,
			    b->kstate == BAN_SHADOWED ? "covered" : "element");
			json_str(r, b->origin);
			ctl_reply_printf(r, ",\"reason\":");
			json_str(r, b->reason);
			ctl_reply_printf(r, "}");
		} else {
			if (live == 0)
				ctl_reply_printf(r, "%-40s %10s %5s  %-10s %s\n",
				    "ADDRESS", "REMAINING", "BANS", "ORIGIN",
				    "REASON");
			format_secs(b->expires - now, left, sizeof(left));
			ctl_reply_printf(r, "%-40s %10s %5u  %-10s %s\n", a, left,
			    b->offences, b->origin, b->reason);
		}
		live++;
	}
	if (json)
		ctl_reply_printf(r, "]\n");
	return live;
}

/* list [json] [origin ORIGIN] */
static void
h_list(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	bool json = want_json(argc, argv);
	struct daemon_list_cache *c = &dm->list_cache[json];
	int64_t now = daemon_now();
	struct ctl_reply fresh;
	size_t n;

	if (argc >= 3 && strcmp(argv[argc - 2], "origin") == 0) {
		/* Filtered: rendered for this request, not cached. */
		memset(&fresh, 0, sizeof(fresh));
		n = render_list(dm, json, argv[argc - 1], now, &fresh);
		ctl_reply_write(r, fresh.buf, fresh.len);
		free(fresh.buf);
		ctl_reply_status(r, 0, "%zu active bans of origin %s", n,
		    argv[argc - 1]);
		return;
	}
	if (c->buf == NULL || c->at != now || c->gen != ledger_gen(dm->ledger)) {
		memset(&fresh, 0, sizeof(fresh));
		c->live = render_list(dm, json, "", now, &fresh);
		free(c->buf);
		c->buf = fresh.buf;
		c->len = fresh.len;
		c->at = now;
		c->gen = ledger_gen(dm->ledger);
	}
	ctl_reply_write(r, c->buf, c->len);
	ctl_reply_status(r, 0, "%zu active bans%s", c->live, dm->conf.dry_run ?
	    " (dry run: nothing in the firewall)" : "");
}

struct status {
	struct decide_stats ds;
	struct tail_stats ts;
	struct enforce_stats es;
	struct ledger_stats ls;
	struct match_stats ms;
	uint64_t served, refused, bad;
};

static void
gather(struct daemon *dm, struct status *s)
{
	decide_get_stats(dm->d, &s->ds);
	tail_stats(dm->tail, &s->ts);
	enforce_get_stats(dm->enf, &s->es);
	ledger_get_stats(dm->ledger, daemon_now(), &s->ls);
	match_get_stats(dm->m, &s->ms);
	ctl_stats(dm->ctl, &s->served, &s->refused, &s->bad);
}

/* Seconds the SMTP session tracker stays blind (session.h). */
static int64_t
blind_s(const struct daemon *dm, const struct status *s)
{
	int64_t now = daemon_now();

	return s->ds.blind_until > now ? s->ds.blind_until - now : 0;
}

static void
status_json(struct daemon *dm, const struct status *s, struct ctl_reply *r)
{
	struct tail_pos pos;
	uint64_t hits;
	size_t i;
	int err;

	ctl_reply_printf(r, "{\"version\":\"%s\",\"uptime\":%lld,\"dry_run\":"
	    "%s,\"table\":", PACKAGE_VERSION,
	    (long long)(daemon_now() - dm->started),
	    dm->conf.dry_run ? "true" : "false");
	json_str(r, dm->conf.table);
	ctl_reply_printf(r, ",\"allow_all\":%s,\"regex_engine\":\"%s\","
	    "\"kill_sessions\":", conf_allow_all(&dm->conf, NULL, 0) > 0 ?
	    "true" : "false", match_jit(dm->m) ? "jit" : "interpreter");
	json_str(r, enforce_cut_name(s->es.cut));
	ctl_reply_printf(r, ",\"files\":[");
	for (i = 0; i < dm->nfollowed; i++) {
		memset(&pos, 0, sizeof(pos));
		tail_pos(dm->tail, (unsigned)i, &pos);
		ctl_reply_printf(r, "%s{\"path\":", i ? "," : "");
		json_str(r, dm->followed[i]);
		ctl_reply_printf(r, ",\"inode\":%llu,\"offset\":%llu,"
		    "\"error\":", (unsigned long long)pos.ino,
		    (unsigned long long)pos.offset);
		err = tail_open_error(dm->tail, (unsigned)i);
		json_str(r, err != 0 ? strerror(err) : "");
		ctl_reply_printf(r, "}");
	}
	ctl_reply_printf(r, "],\"patterns\":{");
	for (i = 0; i < match_count(dm->m); i++) {
		const struct match_pattern *p = match_pattern_at(dm->m, i, &hits);
		ctl_reply_printf(r, "%s", i ? "," : "");
		json_str(r, p->id);
		ctl_reply_printf(r, ":%llu", (unsigned long long)hits);
	}
	ctl_reply_printf(r, "},\"lines\":%llu,\"events\":%llu,\"long_lines\":"
	    "%llu,\"rotations\":%llu,\"truncations\":%llu,\"wraps\":%llu,"
	    "\"inotify_overflows\":%llu,\"read_errors\":%llu,"
	    "\"addresses_refused\":%llu,\"regex_limit_hits\":%llu,"
	    "\"deduped\":%llu,\"allowlisted\":%llu,\"times_untimed\":%llu,"
	    "\"times_ahead\":%llu,\"times_jumps\":%llu,\"times_out_of_range\":%llu,"
	    "\"records\":%zu,\"evictions\":%llu,",
	    (unsigned long long)dm->lines, (unsigned long long)dm->events,
	    (unsigned long long)s->ts.long_lines,
	    (unsigned long long)s->ts.rotations,
	    (unsigned long long)s->ts.truncations,
	    (unsigned long long)s->ts.wraps,
	    (unsigned long long)s->ts.overflows,
	    (unsigned long long)s->ts.read_errors,
	    (unsigned long long)s->ms.bad_addr,
	    (unsigned long long)s->ms.limit_hits,
	    (unsigned long long)s->ds.deduped,
	    (unsigned long long)s->ds.allowlisted,
	    (unsigned long long)dm->clock.st.untimed,
	    (unsigned long long)dm->clock.st.ahead,
	    (unsigned long long)dm->clock.st.jumps,
	    (unsigned long long)dm->clock.st.out_of_range, s->ds.records,
	    (unsigned long long)s->ds.evictions);
	ctl_reply_printf(r, "\"active_bans\":%zu,\"covered_bans\":%zu,"
	    "\"bans_decided\":%llu,\"ban_errors\":%llu,\"bans_refused\":%llu,"
	    "\"expired\":%llu,\"unbans\":%llu,\"allowlist_lifts\":%llu,"
	    "\"allowlist_splits\":%llu,\"reconciles\":%llu,\"put_back\":%llu,"
	    "\"removed\":%llu,\"adopted\":%llu,\"repairs\":%llu,"
	    "\"resyncs\":%llu,",
	    s->ls.active, s->ls.shadowed, (unsigned long long)dm->verdicts,
	    (unsigned long long)s->es.ban_errors,
	    (unsigned long long)s->ls.refused,
	    (unsigned long long)s->ls.expired,
	    (unsigned long long)s->ls.unbans,
	    (unsigned long long)s->ls.lifted_allow,
	    (unsigned long long)s->ls.splits,
	    (unsigned long long)s->ls.reconciles,
	    (unsigned long long)s->ls.put_back,
	    (unsigned long long)s->ls.removed,
	    (unsigned long long)s->ls.adopted,
	    (unsigned long long)dm->repairs, (unsigned long long)dm->resyncs);
	ctl_reply_printf(r, "\"sessions_cut\":%llu,\"packets_dropped\":%llu,"
	    "\"bytes_dropped\":%llu,\"rejections_ambiguous\":%llu,\"sessions_blind_s\":%lld,"
	    "\"state_save_failing_since\":%lld,\"state_save_error\":",
	    (unsigned long long)s->es.sessions_cut,
	    (unsigned long long)s->es.packets, (unsigned long long)s->es.bytes,
	    (unsigned long long)s->ds.ambiguous, (long long)blind_s(dm, s),
	    (long long)dm->save_failing_since);
	json_str(r, dm->save_errno != 0 ? strerror(dm->save_errno) : "");
	ctl_reply_printf(r, ",\"ctl_served\":%llu,\"ctl_refused\":%llu,"
	    "\"ctl_bad\":%llu", (unsigned long long)s->served,
	    (unsigned long long)s->refused, (unsigned long long)s->bad);
#ifdef HAVE_CROWDSEC
	if (dm->crowdsec != NULL)
		crowdsec_status(dm->crowdsec, dm->ledger, true, r);
#endif
	ctl_reply_printf(r, "}\n");
}

static void
status_text(struct daemon *dm, const struct status *s, struct ctl_reply *r)
{
	char all[128];
	struct tail_pos pos;
	uint64_t hits;
	size_t i;
	int err;

	ctl_reply_printf(r, "dominoban %s, up %llds%s\n", PACKAGE_VERSION,
	    (long long)(daemon_now() - dm->started),
	    dm->conf.dry_run ? ", DRY RUN (no firewall changes)" : "");
	ctl_reply_printf(r, "nftables table:  inet %s\n", dm->conf.table);
	ctl_reply_printf(r, "regex engine:    %s\n", match_jit(dm->m) ?
	    "PCRE2 JIT" : "PCRE2 interpreter (JIT refused)");
	ctl_reply_printf(r, "cut sessions:    %s\n",
	    enforce_cut_name(s->es.cut));
	if (conf_allow_all(&dm->conf, all, sizeof(all)) > 0)
		ctl_reply_printf(r, "allowlist:       %s: every address "
		    "allowlisted, none banned\n", all);
	for (i = 0; i < dm->nfollowed; i++) {
		memset(&pos, 0, sizeof(pos));
		tail_pos(dm->tail, (unsigned)i, &pos);
		if ((err = tail_open_error(dm->tail, (unsigned)i)) != 0)
			ctl_reply_printf(r, "following:       %s (cannot read: "
			    "%s)\n", dm->followed[i], strerror(err));
		else
			ctl_reply_printf(r, "following:       %s (inode %llu, "
			    "offset %llu)\n", dm->followed[i],
			    (unsigned long long)pos.ino,
			    (unsigned long long)pos.offset);
	}
	ctl_reply_printf(r, "lines read:      %llu (%llu over-long dropped; "
	    "%llu rotations, %llu truncations, %llu wraps)\n",
	    (unsigned long long)dm->lines, (unsigned long long)s->ts.long_lines,
	    (unsigned long long)s->ts.rotations,
	    (unsigned long long)s->ts.truncations,
	    (unsigned long long)s->ts.wraps);
	ctl_reply_printf(r, "events:          %llu\n",
	    (unsigned long long)dm->events);
	for (i = 0; i < match_count(dm->m); i++) {
		const struct match_pattern *p = match_pattern_at(dm->m, i, &hits);
		if (hits > 0)
			ctl_reply_printf(r, "  %-26s %llu\n", p->id,
			    (unsigned long long)hits);
	}
	ctl_reply_printf(r, "not counted:     %llu second wordings (dedupe), %llu "
	    "allowlisted, %llu bad addresses, %llu regex limit hits\n",
	    (unsigned long long)s->ds.deduped,
	    (unsigned long long)s->ds.allowlisted,
	    (unsigned long long)s->ms.bad_addr,
	    (unsigned long long)s->ms.limit_hits);
	ctl_reply_printf(r, "log reading:     %llu inotify overflows, %llu "
	    "read errors\n", (unsigned long long)s->ts.overflows,
	    (unsigned long long)s->ts.read_errors);
	ctl_reply_printf(r, "event times:     %llu without a time, %llu over "
	    "%d s ahead of the wall clock, %llu jumps over %d s, %llu after "
	    "2095\n",
	    (unsigned long long)dm->clock.st.untimed,
	    (unsigned long long)dm->clock.st.ahead, LOGCLOCK_AHEAD,
	    (unsigned long long)dm->clock.st.jumps, LOGCLOCK_JUMP,
	    (unsigned long long)dm->clock.st.out_of_range);
	ctl_reply_printf(r, "tracked records: %zu (%llu evicted)\n",
	    s->ds.records, (unsigned long long)s->ds.evictions);
	ctl_reply_printf(r, "active bans:     %zu (%zu inside a wider net ban; "
	    "%llu decided, %llu refused by the kernel)\n", s->ls.active,
	    s->ls.shadowed, (unsigned long long)dm->verdicts,
	    (unsigned long long)s->ls.refused);
	ctl_reply_printf(r, "ended bans:      %llu expired, %llu unbanned, "
	    "%llu lifted for the allowlist (%llu split)\n",
	    (unsigned long long)s->ls.expired, (unsigned long long)s->ls.unbans,
	    (unsigned long long)s->ls.lifted_allow,
	    (unsigned long long)s->ls.splits);
	ctl_reply_printf(r, "packets dropped: %llu (%llu bytes)\n",
	    (unsigned long long)s->es.packets, (unsigned long long)s->es.bytes);
	ctl_reply_printf(r, "sessions cut:    %llu\n",
	    (unsigned long long)s->es.sessions_cut);
	ctl_reply_printf(r, "attribution:     %llu attributed, %llu ambiguous, "
	    "%llu without a session (rejections without address; %zu SMTP "
	    "clients open; blind %llds more)\n",
	    (unsigned long long)s->ds.attributed,
	    (unsigned long long)s->ds.ambiguous,
	    (unsigned long long)s->ds.unattributed, s->ds.sessions,
	    (long long)blind_s(dm, s));
	ctl_reply_printf(r, "kernel checks:   %llu disagreements (%llu put "
	    "back, %llu removed, %llu adopted at start); %llu rebuilds after "
	    "changes behind our back; %llu resyncs after lost notices\n",
	    (unsigned long long)s->ls.reconciles,
	    (unsigned long long)s->ls.put_back,
	    (unsigned long long)s->ls.removed,
	    (unsigned long long)s->ls.adopted,
	    (unsigned long long)dm->repairs, (unsigned long long)dm->resyncs);
	if (dm->save_failing_since != 0)
		ctl_reply_printf(r, "state file:      SAVE FAILING for %llds (%s); "
		    "retried every second\n",
		    (long long)(daemon_now() - dm->save_failing_since),
		    strerror(dm->save_errno));
	else
		ctl_reply_printf(r, "state file:      saved %llds ago\n",
		    (long long)(daemon_now() - dm->last_save));
	ctl_reply_printf(r, "control socket:  %llu served, %llu refused, %llu "
	    "bad requests\n", (unsigned long long)s->served,
	    (unsigned long long)s->refused, (unsigned long long)s->bad);
#ifdef HAVE_CROWDSEC
	if (dm->crowdsec != NULL)
		crowdsec_status(dm->crowdsec, dm->ledger, false, r);
#endif
}

static void
h_status(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	struct status s;

	gather(dm, &s);
	if (want_json(argc, argv))
		status_json(dm, &s, r);
	else
		status_text(dm, &s, r);
	ctl_reply_status(r, 0, "ok");
}

/* Why the ledger refused a ban of what (errno e), for the CLI. */
static void
refusal(struct daemon *dm, struct ctl_reply *r, const char *what,
    const struct addr *a, int e)
{
	if (e == EPERM)
		ctl_reply_status(r, EX_NOPERM, "%s overlaps the allowlist: not "
		    "banned", what);
	else if (e == EINVAL)
		ctl_reply_status(r, EX_DATAERR, "%s can never be the source of "
		    "a connection (multicast, broadcast, unspecified or "
		    "0.0.0.0/8): not banned", what);
	else if (e == E2BIG)
		ctl_reply_status(r, EX_DATAERR, "%s is wider than the widest "
		    "tier (/%u): not banned; add --force if you mean it", what,
		    a->family == AF_INET ?
		    (dm->conf.wide4_prefix ? dm->conf.wide4_prefix :
			dm->conf.net4_prefix) :
		    (dm->conf.wide6_prefix ? dm->conf.wide6_prefix :
			dm->conf.net6_prefix));
	else
		ctl_reply_status(r, EX_SOFTWARE, "%s: not banned: %s", what,
		    strerror(e));
}

/* ban ADDRESS[/LEN] [SECONDS] [force] */
static void
h_ban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	unsigned long secs = 0;
	struct ledger_req req;
	const struct ban *b;
	struct verdict v;
	struct addr a;
	int64_t now = daemon_now();
	bool force = argc > 2 && strcmp(argv[argc - 1], "force") == 0;
	char *end;

	if (force)
		argc--;
	if (argc < 2 || argc > 3 || addr_parse_prefix(argv[1], false, &a) == -1) {
		ctl_reply_status(r, EX_USAGE, "usage: ban ADDRESS[/LEN] "
		    "[SECONDS] [force] (host bits of a prefix must be zero)");
		return;
	}
	if (argc == 3) {
		errno = 0;
		secs = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || argv[2][0] < '0' ||
		    argv[2][0] > '9' || secs == 0 || secs > LEDGER_MANUAL_MAX) {
			ctl_reply_status(r, EX_USAGE, "bad duration");
			return;
		}
	}
	if (ledger_check(dm->ledger, &a, force) == -1) {
		refusal(dm, r, argv[1], &a, errno);
		return;
	}
	if (decide_manual(dm->d, VERDICT_BAN, &a, (uint32_t)secs, now,
		&v) == -1) {
		refusal(dm, r, argv[1], &a, errno);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.target = a;
	req.seconds = v.seconds;
	req.offences = v.offences;
	req.reason = v.reason;
	req.origin = LEDGER_ORIGIN_MANUAL;
	req.force = force;
	if (ledger_ban(dm->ledger, &req, now) == -1) {
		refusal(dm, r, argv[1], &a, errno);
		return;
	}
	daemon_flush(dm);
	b = bans_find(ledger_bans(dm->ledger), &a);
	if (b == NULL || b->kstate == BAN_PENDING) {
		ctl_reply_status(r, EX_OSERR, "%s: the kernel refused the ban "
		    "(see the daemon's log): not banned", argv[1]);
		return;
	}
	ctl_reply_status(r, 0, "banned %s for %u s%s%s", argv[1], v.seconds,
	    b->kstate == BAN_SHADOWED ? " (inside a wider ban that is "
	    "held)" : "", dm->conf.dry_run ? " (dry run)" : "");
}

/* The bans covering host, one line each, into r. */
static size_t
tell_covering(struct daemon *dm, const struct addr *host, int64_t now,
    struct ctl_reply *r)
{
	const struct ban *c[16];
	char a[ADDR_STRLEN], left[32];
	size_t n, i;

	n = ledger_covering(dm->ledger, host, now, c, 16);
	for (i = 0; i < n && i < 16; i++) {
		addr_format(&c[i]->target, a, sizeof(a));
		format_secs(c[i]->expires - now, left, sizeof(left));
		ctl_reply_printf(r, "  %s: origin %s, %s left, reason %s\n", a,
		    c[i]->origin, left, c[i]->reason);
	}
	return n;
}

/* unban ADDRESS[/LEN], or unban covering ADDRESS: every ban covering it. */
static void
h_unban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	const struct ban *c[64];
	struct addr a, t[64];
	int64_t now = daemon_now();
	bool covering = argc == 3 && strcmp(argv[1], "covering") == 0;
	const char *what = argv[argc - 1];
	size_t n, i, done = 0, failed = 0;

	if ((argc != 2 && !covering) ||
	    addr_parse_prefix(what, false, &a) == -1) {
		ctl_reply_status(r, EX_USAGE, "usage: unban [--covering] "
		    "ADDRESS[/LEN]");
		return;
	}
	if (covering) {
		n = ledger_covering(dm->ledger, &a, now, c, 64);
		for (i = 0; i < n && i < 64; i++)
			t[i] = c[i]->target;
		for (i = 0; i < n && i < 64; i++)
			if (ledger_unban(dm->ledger, &t[i], "manual", now) == 0)
				done++;
		if (ledger_unban(dm->ledger, &a, "manual", now) == 0)
			done++;
		ledger_flush(dm->ledger, now, &failed);
		if (done == 0) {
			ctl_reply_status(r, EX_DATAERR, "%s is not banned and no "
			    "ban covers it", what);
			return;
		}
	} else if (ledger_unban(dm->ledger, &a, "manual", now) == 0) {
		done = 1;
		ledger_flush(dm->ledger, now, &failed);
	} else {
		if (tell_covering(dm, &a, now, r) > 0) {
			ctl_reply_status(r, EX_DATAERR, "%s is not banned itself, "
			    "but the bans above cover it: lift one with "
			    "'dominoban unban PREFIX', or all of them with "
			    "'dominoban unban --covering %s'", what, what);
			return;
		}
		ctl_reply_status(r, EX_DATAERR, "%s is not banned", what);
		return;
	}
	if (failed > 0) {
		ctl_reply_status(r, EX_OSERR, "unbanned %s in the daemon, but "
		    "the kernel refused to delete an element (see the log); "
		    "the next check retries it", what);
		return;
	}
	if (covering)
		ctl_reply_status(r, 0, "unbanned %zu ban%s covering %s", done,
		    done == 1 ? "" : "s", what);
	else
		ctl_reply_status(r, 0, "unbanned %s", what);
}

static void
h_reload(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	(void)argv;
	if (argc != 1) {
		ctl_reply_status(r, EX_USAGE, "usage: reload (no arguments)");
		return;
	}
	daemon_reload(arg, r);
}

int
daemon_ctl_register(struct daemon *dm)
{
	if (ctl_register(dm->ctl, "list", false, h_list, dm) == -1 ||
	    ctl_register(dm->ctl, "status", false, h_status, dm) == -1 ||
	    ctl_register(dm->ctl, "ban", true, h_ban, dm) == -1 ||
	    ctl_register(dm->ctl, "unban", true, h_unban, dm) == -1 ||
	    ctl_register(dm->ctl, "reload", true, h_reload, dm) == -1)
		return -1;
	return 0;
}
