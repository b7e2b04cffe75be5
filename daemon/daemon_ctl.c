/*
 * daemon_ctl: the daemon's answers on the control socket (ctl.h carries
 * the protocol and the permission check). list, status, check
 * (daemon_query.c), history (daemon_banlog.c) and config are read-only;
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
#ifdef HAVE_MQTT
#include "cluster.h"
#endif
#include "conf_value.h"
#include "daemon.h"
#include "dur.h"

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

/* Render the list of live bans of origin want ("": all) into f; returns
 * how many. */
static size_t
render_list(struct daemon *dm, bool json, const char *want, int64_t now,
    FILE *f)
{
	const struct bans *bans = ledger_bans(dm->ledger);
	char a[ADDR_STRLEN], left[32];
	size_t i, live = 0;

	if (json)
		fprintf(f, "[");
	for (i = 0; i < bans_count(bans); i++) {
		const struct ban *b = bans_at(bans, i);
		if (b->expires <= now || b->kstate == BAN_PENDING ||
		    !origin_match(b->origin, want))
			continue;
		addr_format(&b->target, a, sizeof(a));
		if (json) {
			fprintf(f, "%s{\"address\":\"%s\",\"remaining\":"
			    "%lld,\"expires\":%lld,\"offences\":%u,\"kernel\":"
			    "\"%s\",\"origin\":", live ? "," : "", a,
			    (long long)(b->expires - now),
			    (long long)b->expires, b->offences,
			    b->kstate == BAN_SHADOWED ? "covered" : "element");
			fputc('"', f);
			stats_json_escape(f, b->origin);
			fprintf(f, "\",\"reason\":\"");
			stats_json_escape(f, b->reason);
			fprintf(f, "\"}");
		} else {
			if (live == 0)
				fprintf(f, "%-40s %10s %5s  %-10s %s\n",
				    "ADDRESS", "REMAINING", "BANS", "ORIGIN",
				    "REASON");
			dur_format((double)(b->expires - now), left,
			    sizeof(left));
			fprintf(f, "%-40s %10s %5u  %-10s %s\n", a, left,
			    b->offences, b->origin, b->reason);
		}
		live++;
	}
	if (json)
		fprintf(f, "]\n");
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
	bool filtered = argc >= 3 && strcmp(argv[argc - 2], "origin") == 0;
	char *buf = NULL;
	size_t len = 0, live;
	FILE *f;

	/* Filtered: rendered for this request, not cached. */
	if (filtered || c->buf == NULL || c->at != now ||
	    c->gen != ledger_gen(dm->ledger)) {
		if ((f = open_memstream(&buf, &len)) == NULL) {
			ctl_reply_status(r, EX_OSERR, "out of memory");
			return;
		}
		live = render_list(dm, json, filtered ? argv[argc - 1] : "",
		    now, f);
		if (fclose(f) != 0) {
			free(buf);
			ctl_reply_status(r, EX_OSERR, "out of memory");
			return;
		}
		if (filtered) {
			ctl_reply_write(r, buf, len);
			free(buf);
			ctl_reply_status(r, 0, "%zu active bans of origin %s",
			    live, argv[argc - 1]);
			return;
		}
		free(c->buf);
		c->buf = buf;
		c->len = len;
		c->live = live;
		c->at = now;
		c->gen = ledger_gen(dm->ledger);
	}
	ctl_reply_write(r, c->buf, c->len);
	ctl_reply_status(r, 0, "%zu active bans%s", c->live, dm->conf.dry_run ?
	    " (dry run: nothing in the firewall)" : "");
}

/* The header of status --json: what is not a number. */
static void
status_json_head(struct daemon *dm, FILE *f)
{
	char why[FOLLOW_MSG_MAX];
	struct tail_pos pos;
	struct enforce_stats es;
	size_t i;
	int err;

	enforce_get_stats(dm->enf, &es);
	fprintf(f, "{\"version\":\"%s\",\"dry_run\":%s,\"table_exists\":%s,"
	    "\"table\":\"", PACKAGE_VERSION, dm->conf.dry_run ? "true" : "false",
	    dm->conf.dry_run ? "false" : "true");
	stats_json_escape(f, dm->conf.table);
	fprintf(f, "\",\"patterns_off\":[");
	for (i = 0; i < match_off_count(dm->m); i++) {
		fprintf(f, "%s{\"id\":\"", i ? "," : "");
		stats_json_escape(f, match_off_at(dm->m, i)->id);
		fprintf(f, "\",\"file\":\"");
		stats_json_escape(f, match_off_at(dm->m, i)->file);
		fprintf(f, "\",\"line\":%u}", match_off_at(dm->m, i)->line);
	}
	fprintf(f, "],\"allow_all\":%s,\"regex_engine\":\"%s\","
	    "\"kill_sessions\":\"%s\",\"files\":[",
	    conf_allow_all(&dm->conf, NULL, 0) > 0 ? "true" : "false",
	    match_jit(dm->m) ? "jit" : "interpreter", enforce_cut_name(es.cut));
	for (i = 0; i < dm->nfollowed; i++) {
		memset(&pos, 0, sizeof(pos));
		tail_pos(dm->tail, (unsigned)i, &pos);
		fprintf(f, "%s{\"path\":\"", i ? "," : "");
		stats_json_escape(f, dm->followed[i]);
		err = tail_open_error(dm->tail, (unsigned)i);
		fprintf(f, "\",\"inode\":%llu,\"offset\":%llu,\"error\":\"",
		    (unsigned long long)pos.ino,
		    (unsigned long long)pos.offset);
		stats_json_escape(f, err != 0 ? strerror(err) : "");
		daemon_follow_problem(dm, i, why, sizeof(why));
		fprintf(f, "\",\"followed\":%s,\"problem\":\"",
		    why[0] == '\0' ? "true" : "false");
		stats_json_escape(f, why);
		fprintf(f, "\"}");
	}
	fprintf(f, "],");
}

/* The header of the status text: what is not a number. */
static void
status_text_head(struct daemon *dm, FILE *f)
{
	char all[128], why[FOLLOW_MSG_MAX], up[DUR_STRLEN];
	struct tail_pos pos;
	struct enforce_stats es;
	size_t i;

	enforce_get_stats(dm->enf, &es);
	dur_format((double)(daemon_now() - dm->started), up, sizeof(up));
	fprintf(f, "dominoban %s, up %s%s\n", PACKAGE_VERSION, up,
	    dm->conf.dry_run ? ", DRY RUN (no firewall changes)" : "");
	if (dm->conf.dry_run)
		fprintf(f, "nftables table:  none (dry run: inet %s is not "
		    "created, nothing is dropped; dry_run = no and a reload "
		    "create it)\n", dm->conf.table);
	else
		fprintf(f, "nftables table:  inet %s\n", dm->conf.table);
	fprintf(f, "regex engine:    %s\n", match_jit(dm->m) ?
	    "PCRE2 JIT" : "PCRE2 interpreter (JIT refused)");
	for (i = 0; i < match_off_count(dm->m); i++)
		fprintf(f, "pattern off:     %s (enabled = no at %s:%u)\n",
		    match_off_at(dm->m, i)->id, match_off_at(dm->m, i)->file,
		    match_off_at(dm->m, i)->line);
	fprintf(f, "cut sessions:    %s\n", enforce_cut_name(es.cut));
	if (conf_allow_all(&dm->conf, all, sizeof(all)) > 0)
		fprintf(f, "allowlist:       %s: every address allowlisted, none "
		    "banned\n", all);
	for (i = 0; i < dm->nfollowed; i++) {
		memset(&pos, 0, sizeof(pos));
		tail_pos(dm->tail, (unsigned)i, &pos);
		daemon_follow_problem(dm, i, why, sizeof(why));
		if (why[0] != '\0')
			fprintf(f, "NOT following:   %s: %s\n", dm->followed[i],
			    why);
		else
			fprintf(f, "following:       %s (inode %llu, offset "
			    "%llu)\n", dm->followed[i],
			    (unsigned long long)pos.ino,
			    (unsigned long long)pos.offset);
	}
}

/* status [json]: the header, then the one list of named values
 * (daemon_stats.c), then the state file. */
static void
h_status(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	bool json = want_json(argc, argv);
	struct stats s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	stats_init(&s);
	if ((f = open_memstream(&buf, &len)) == NULL) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	daemon_stats_gather(dm, &s);
	if (json) {
		status_json_head(dm, f);
		stats_json(&s, f);
#ifdef HAVE_CROWDSEC
		if (dm->crowdsec != NULL)
			crowdsec_status(dm->crowdsec, dm->ledger, true, f);
#endif
#ifdef HAVE_MQTT
		if (dm->cluster != NULL)
			cluster_status_json(dm->cluster, f, daemon_now());
#endif
		fprintf(f, ",\"state_save_error\":\"");
		stats_json_escape(f, dm->save_errno != 0 ?
		    strerror(dm->save_errno) : "");
		fprintf(f, "\"}\n");
	} else {
		status_text_head(dm, f);
		stats_text(&s, f);
#ifdef HAVE_CROWDSEC
		if (dm->crowdsec != NULL)
			crowdsec_status(dm->crowdsec, dm->ledger, false, f);
#endif
#ifdef HAVE_MQTT
		if (dm->cluster != NULL)
			cluster_status_text(dm->cluster, f, daemon_now());
#endif
		if (dm->save_failing_since != 0)
			fprintf(f, "state file:      SAVE FAILING for %llds (%s); "
			    "retried every second\n",
			    (long long)(daemon_now() - dm->save_failing_since),
			    strerror(dm->save_errno));
		else
			fprintf(f, "state file:      saved %llds ago\n",
			    (long long)(daemon_now() - dm->last_save));
	}
	if (fclose(f) != 0 || s.oom) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
	} else {
		ctl_reply_write(r, buf, len);
		ctl_reply_status(r, 0, "ok");
	}
	free(buf);
	stats_free(&s);
}

/* Answer with the len bytes of buf, which is freed; buf NULL: there was no
 * memory to build them. */
static void
reply_body(struct ctl_reply *r, char *buf, size_t len)
{
	if (buf == NULL) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	ctl_reply_write(r, buf, len);
	free(buf);
	ctl_reply_status(r, 0, "ok");
}

/* metrics: the Prometheus text exposition. */
static void
h_metrics(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	size_t len = 0;
	char *buf;

	(void)argc;
	(void)argv;
	buf = daemon_stats_prom(arg, &len);
	reply_body(r, buf, len);
}

/* config [json]: the configuration in force (conf_show()): what the
 * file said, after the last successful reload, with every default. */
static void
h_config(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (argc > 2 || (argc == 2 && !want_json(argc, argv))) {
		ctl_reply_status(r, EX_USAGE, "usage: config [--json]");
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	if (conf_show(&dm->conf, want_json(argc, argv), f) == -1 ||
	    fclose(f) != 0) {
		free(buf);
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	ctl_reply_write(r, buf, len);
	free(buf);
	ctl_reply_status(r, 0, "the configuration in force%s",
	    dm->conf.dry_run ? " (dry run)" : "");
}

/* rollup: the report's hours in their file form (rollup.h), sampled now.
 * Privileged: they hold the user names attackers tried. */
static void
h_rollup(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	size_t len = 0;
	char *buf;

	(void)argc;
	(void)argv;
	daemon_rollup_sample(dm, daemon_now());
	if (rollup_format(&dm->rollup, &buf, &len) == -1)
		buf = NULL;
	reply_body(r, buf, len);
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
	char *end, left[DUR_STRLEN], msg[160];

	if (force)
		argc--;
	if (argc < 2 || argc > 3) {
		ctl_reply_status(r, EX_USAGE, "usage: dominoban ban "
		    "ADDRESS[/LEN] [--for DURATION] [--force]");
		return;
	}
	if (addr_parse_prefix(argv[1], false, &a) == -1) {
		conf_value_bad_cidr(argv[1], msg, sizeof(msg));
		ctl_reply_status(r, EX_USAGE, "%s", msg);
		return;
	}
	if (argc == 3) {
		errno = 0;
		secs = strtoul(argv[2], &end, 10);
		if (errno != 0 || *end != '\0' || argv[2][0] < '0' ||
		    argv[2][0] > '9' || secs == 0 || secs > LEDGER_MANUAL_MAX) {
			ctl_reply_status(r, EX_USAGE, "--for: from 1s to "
			    "3650d");
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
	dur_format(v.seconds, left, sizeof(left));
	ctl_reply_status(r, 0, "banned %s for %s%s%s", argv[1], left,
	    b->kstate == BAN_SHADOWED ? " (inside a wider ban that is "
	    "held)" : "", dm->conf.dry_run ? " (dry run)" : "");
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
	    ctl_register(dm->ctl, "metrics", false, h_metrics, dm) == -1 ||
	    ctl_register(dm->ctl, "check", false, daemon_query_check, dm) ==
		-1 ||
	    ctl_register(dm->ctl, "history", false, daemon_banlog_history,
		dm) == -1 ||
	    ctl_register(dm->ctl, "config", false, h_config, dm) == -1 ||
	    ctl_register(dm->ctl, "rollup", true, h_rollup, dm) == -1 ||
	    ctl_register(dm->ctl, "ban", true, h_ban, dm) == -1 ||
	    ctl_register(dm->ctl, "unban", true, daemon_unban, dm) == -1 ||
	    ctl_register(dm->ctl, "reload", true, h_reload, dm) == -1)
		return -1;
	return 0;
}
