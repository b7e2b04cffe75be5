/*
 * daemon_conf: the configuration and the patterns of `dominoban run`,
 * loaded at start and at each reload (all or nothing: on any error the
 * running ones stay), and the switch of dry run at a reload.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sysexits.h>

#ifdef HAVE_MQTT
#include "cluster.h"
#endif
#include "daemon.h"

/* The pattern directories, for messages: " DIR DIR..." (cut if long). */
const char *
daemon_patterns_list(const struct conf *c)
{
	static char buf[1024];
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < c->npatterns; i++) {
		n = snprintf(buf + off, sizeof(buf) - off, " %s", c->patterns[i]);
		if (n < 0 || (size_t)n >= sizeof(buf) - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

/* The daemon loads only what nobody but root (or its own user) can write:
 * MATCH_STRICT and CONF_STRICT, as sshd's StrictModes. */
struct matcher *
daemon_load_patterns(const struct conf *c, struct errs *e)
{
	struct matcher *m = match_load((const char *const *)c->patterns,
	    c->npatterns, MATCH_STRICT, e);
	const char *w, *nl;

	for (w = m != NULL ? match_warnings(m) : ""; *w != '\0'; w = nl + 1) {
		if ((nl = strchr(w, '\n')) == NULL)
			break;
		log_warnx("%.*s", (int)(nl - w), w);
	}
	return m;
}

/* Load the configuration file; a missing default file means defaults. */
int
daemon_load_conf(struct daemon *dm, struct conf *c, struct errs *e)
{
	char all[128];
	int rc;

	memset(e, 0, sizeof(*e));
	rc = conf_load_or_defaults(c, dm->config_path, dm->config_given,
	    CONF_STRICT, e);
	if (rc == 1)
		log_warnx("no %s: running on the defaults", dm->config_path);
	if (rc == -1 || conf_expand_logs(c) == -1) {
		rc = errno;
		conf_free(c);
		errno = rc;
		return -1;
	}
	if (conf_allow_all(c, all, sizeof(all)) > 0)
		log_warnx("allowlist: [allow] cidrs has %s: every address of "
		    "that family is allowlisted, none is ever banned", all);
	return 0;
}

/*
 * dry_run changed at a reload. On: the table is deleted, so nothing is
 * dropped; the bans stay in the list, as in any dry run. Off: the table
 * is made and every ban put in it. Either way the log and the reload's
 * answer (said) say what happened to the table; when it cannot be done,
 * the daemon stays as it was and says why.
 */
static void
switch_dry(struct daemon *dm, bool dry, char *said, size_t size)
{
	struct ledger_stats ls;
	int64_t now = daemon_now();

	ledger_get_stats(dm->ledger, now, &ls);
	if (dry && dm->watchfd != -1) {
		loop_del(dm->loop, dm->watchfd);
		dm->watchfd = -1;
	}
	if (enforce_set_dry(dm->enf, &dm->conf, dry) == -1) {
		snprintf(said, size, "dry_run = %s NOT applied: %s table inet "
		    "%s: %s; still %s", dry ? "yes" : "no", dry ? "cannot "
		    "delete" : "cannot set up", dm->conf.table, strerror(errno),
		    dry ? "enforcing" : "in dry run (no table exists)");
		log_warnx("reload: %s", said);
		if (dry)
			dm->watchfd = enforce_watch_fd(dm->enf);
		if (dm->watchfd != -1 && loop_add(dm->loop, dm->watchfd,
			EPOLLIN, daemon_on_watch, dm) == -1)
			log_warn("nftables notifications");
		return;
	}
	dm->conf.dry_run = dry;
	if (dry) {
		snprintf(said, size, "dry run on: table inet %s deleted, so "
		    "nothing is dropped; its %zu bans stay in the list (dry_run "
		    "= no and a reload put them back)", dm->conf.table,
		    ls.active);
	} else {
		if ((dm->watchfd = enforce_watch_fd(dm->enf)) != -1 &&
		    loop_add(dm->loop, dm->watchfd, EPOLLIN, daemon_on_watch,
		    dm) == -1)
			log_warn("nftables notifications");
		ledger_reconcile(dm->ledger, now, "dry run ended", false);
		snprintf(said, size, "dry run off: table inet %s created with "
		    "the %zu bans held", dm->conf.table, ls.active);
	}
	log_info("reload: %s", said);
}

void
daemon_reload(struct daemon *dm, struct ctl_reply *r)
{
	char said[512] = "";
	struct matcher *m;
	struct conf c;
	struct errs e;
	bool dry;

	if (daemon_load_conf(dm, &c, &e) == -1) {
		log_warnx("reload refused: configuration errors: %s", e.text);
		if (r != NULL) {
			ctl_reply_status(r, EX_CONFIG, "configuration refused; "
			    "the running one stays");
			ctl_reply_printf(r, "%s", e.text);
		}
		return;
	}
	if ((m = daemon_load_patterns(&c, &e)) == NULL) {
		log_warnx("reload refused: pattern errors (patterns =%s): %s",
		    daemon_patterns_list(&c), e.text);
		if (r != NULL) {
			ctl_reply_status(r, EX_CONFIG, "patterns refused; the "
			    "running ones stay");
			ctl_reply_printf(r, "%s", e.text);
		}
		conf_free(&c);
		return;
	}
	if (strcmp(c.table, dm->conf.table) != 0)
		log_warnx("reload: table takes effect at restart");
	free(c.table);
	c.table = strdup(dm->conf.table);
	dry = c.dry_run;
	c.dry_run = dm->conf.dry_run;
	match_free(dm->m);
	dm->m = m;
	(void)decide_set_patterns(dm->d, dm->m);
	conf_free(&dm->conf);
	dm->conf = c;
	if (decide_set_conf(dm->d, &dm->conf) == 1)
		log_warnx("reload: max_records takes effect at restart");
	ledger_set_conf(dm->ledger, &dm->conf);
#ifdef HAVE_MQTT
	if (dm->cluster != NULL)
		cluster_set_conf(dm->cluster, &dm->conf);
#endif
	if (dm->conf.cluster != (dm->cluster != NULL))
		log_warnx("reload: a [cluster] section added or removed takes "
		    "effect at restart");
	rollup_set_retention(&dm->rollup,
	    (unsigned)(dm->conf.report_retention / ROLLUP_HOUR));
	daemon_allow_update(dm);
	ledger_reconcile(dm->ledger, daemon_now(), "reload", false);
	if (enforce_setup(dm->enf, &dm->conf) == -1)
		log_warn("nft setup");
	daemon_follow_add(dm, NULL);
	if (dry != dm->conf.dry_run)
		switch_dry(dm, dry, said, sizeof(said));
	log_info("reload patterns=%zu logs=%zu", match_count(dm->m),
	    dm->nfollowed);
	if (r != NULL)
		ctl_reply_status(r, 0, "reloaded: %zu patterns, %zu logs%s%s",
		    match_count(dm->m), dm->nfollowed, said[0] ? "; " : "",
		    said);
}
