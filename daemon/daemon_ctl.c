/*
 * daemon_ctl: the daemon's answers on the control socket (ctl.h carries
 * the protocol and the permission check). list and status are read-only;
 * ban, unban and reload are privileged. A manual ban goes through decide,
 * so the allowlist is checked just before it, and is in the kernel before
 * the reply is sent. Output that carries attacker text (reasons hold only
 * pattern ids, paths are the admin's) is escaped for JSON.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "daemon.h"

/* A manual ban lasts at most this long (seconds): ten years. */
#define MANUAL_BAN_MAX (10ul * 365 * 86400)

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

/* Render the list of live bans into r; returns how many. */
static size_t
render_list(struct daemon *dm, bool json, int64_t now, struct ctl_reply *r)
{
	char a[ADDR_STRLEN], left[32];
	size_t i, live = 0;

	if (json)
		ctl_reply_printf(r, "[");
	for (i = 0; i < bans_count(dm->bans); i++) {
		const struct ban *b = bans_at(dm->bans, i);
		if (b->expires <= now)
			continue;
		addr_format(&b->target, a, sizeof(a));
		if (json) {
			ctl_reply_printf(r, "%s{\"address\":\"%s\",\"remaining\":"
			    "%lld,\"expires\":%lld,\"offences\":%u,\"reason\":",
			    live ? "," : "", a, (long long)(b->expires - now),
			    (long long)b->expires, b->offences);
			json_str(r, b->reason);
			ctl_reply_printf(r, "}");
		} else {
			if (live == 0)
				ctl_reply_printf(r, "%-40s %10s %5s  %s\n",
				    "ADDRESS", "REMAINING", "BANS", "REASON");
			format_secs(b->expires - now, left, sizeof(left));
			ctl_reply_printf(r, "%-40s %10s %5u  %s\n", a, left,
			    b->offences, b->reason);
		}
		live++;
	}
	if (json)
		ctl_reply_printf(r, "]\n");
	return live;
}

static void
h_list(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	bool json = want_json(argc, argv);
	struct daemon_list_cache *c = &dm->list_cache[json];
	int64_t now = daemon_now();
	struct ctl_reply fresh;

	if (c->buf == NULL || c->at != now || c->gen != dm->bans_gen) {
		memset(&fresh, 0, sizeof(fresh));
		c->live = render_list(dm, json, now, &fresh);
		free(c->buf);
		c->buf = fresh.buf;
		c->len = fresh.len;
		c->at = now;
		c->gen = dm->bans_gen;
	}
	ctl_reply_write(r, c->buf, c->len);
	ctl_reply_status(r, 0, "%zu active bans%s", c->live, dm->conf.dry_run ?
	    " (dry run: nothing in the firewall)" : "");
}

struct status {
	struct decide_stats ds;
	struct tail_stats ts;
	struct enforce_stats es;
	uint64_t served, refused, bad;
	size_t live;
};

static void
gather(struct daemon *dm, struct status *s)
{
	int64_t now = daemon_now();
	size_t i;

	decide_get_stats(dm->d, &s->ds);
	tail_stats(dm->tail, &s->ts);
	enforce_get_stats(dm->enf, &s->es);
	ctl_stats(dm->ctl, &s->served, &s->refused, &s->bad);
	for (i = 0, s->live = 0; i < bans_count(dm->bans); i++)
		s->live += bans_at(dm->bans, i)->expires > now;
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
	ctl_reply_printf(r, ",\"regex_engine\":\"%s\",\"kill_sessions\":",
	    match_jit(dm->m) ? "jit" : "interpreter");
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
	    "\"records\":%zu,\"evictions\":%llu,\"active_bans\":%zu,"
	    "\"bans_decided\":%llu,\"ban_errors\":%llu,\"repairs\":%llu,"
	    "\"sessions_cut\":%llu,\"packets_dropped\":%llu,\"bytes_dropped\":"
	    "%llu,\"rejections_ambiguous\":%llu,\"sessions_blind_s\":%lld,"
	    "\"ctl_served\":%llu,"
	    "\"ctl_refused\":%llu,\"ctl_bad\":%llu}\n",
	    (unsigned long long)dm->lines, (unsigned long long)dm->events,
	    (unsigned long long)s->ts.long_lines,
	    (unsigned long long)s->ts.rotations,
	    (unsigned long long)s->ts.truncations,
	    (unsigned long long)s->ts.wraps, s->ds.records,
	    (unsigned long long)s->ds.evictions, s->live,
	    (unsigned long long)dm->verdicts,
	    (unsigned long long)s->es.ban_errors,
	    (unsigned long long)s->es.repairs,
	    (unsigned long long)s->es.sessions_cut,
	    (unsigned long long)s->es.packets, (unsigned long long)s->es.bytes,
	    (unsigned long long)s->ds.ambiguous, (long long)blind_s(dm, s),
	    (unsigned long long)s->served,
	    (unsigned long long)s->refused, (unsigned long long)s->bad);
}

static void
status_text(struct daemon *dm, const struct status *s, struct ctl_reply *r)
{
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
	ctl_reply_printf(r, "tracked records: %zu (%llu evicted)\n",
	    s->ds.records, (unsigned long long)s->ds.evictions);
	ctl_reply_printf(r, "active bans:     %zu (%llu decided, %llu "
	    "failed)\n", s->live, (unsigned long long)dm->verdicts,
	    (unsigned long long)s->es.ban_errors);
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
	ctl_reply_printf(r, "repairs:         %llu (%llu bans put back)\n",
	    (unsigned long long)s->es.repairs,
	    (unsigned long long)s->es.restored);
	ctl_reply_printf(r, "control socket:  %llu served, %llu refused, %llu "
	    "bad requests\n", (unsigned long long)s->served,
	    (unsigned long long)s->refused, (unsigned long long)s->bad);
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

static void
h_ban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	unsigned long secs = 0;
	struct verdict v;
	struct addr a;
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
		    secs > MANUAL_BAN_MAX) {
			ctl_reply_status(r, EX_USAGE, "bad duration");
			return;
		}
	}
	if (decide_manual(dm->d, VERDICT_BAN, &a, (uint32_t)secs,
		daemon_now(), &v) == -1) {
		ctl_reply_status(r, EX_NOPERM, "%s is on the allowlist: not "
		    "banned", argv[1]);
		return;
	}
	daemon_ban(dm, &v);
	enforce_flush(dm->enf, dm->bans, daemon_now());
	ctl_reply_status(r, 0, "banned %s for %u s%s", argv[1], v.seconds,
	    dm->conf.dry_run ? " (dry run)" : "");
}

static void
h_unban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	struct verdict v;
	struct addr a;
	struct ban *b;
	int rc;

	if (argc != 2 || addr_parse_prefix(argv[1], false, &a) == -1) {
		ctl_reply_status(r, EX_USAGE, "usage: unban ADDRESS[/LEN]");
		return;
	}
	b = bans_find(dm->bans, &a);
	rc = enforce_unban(dm->enf, &a);
	if (b == NULL && (rc == -1 || enforce_dry(dm->enf))) {
		ctl_reply_status(r, EX_DATAERR, "%s is not banned", argv[1]);
		return;
	}
	decide_manual(dm->d, VERDICT_UNBAN, &a, 0, daemon_now(), &v);
	daemon_log_ban(dm, "unban", &a, 0, v.offences, "manual");
	if (b != NULL)
		bans_del(dm->bans, &a);
	dm->bans_gen++;
	dm->dirty = true;
	ctl_reply_status(r, 0, "unbanned %s", argv[1]);
}

static void
h_reload(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	(void)argc;
	(void)argv;
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
