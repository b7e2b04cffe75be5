/*
 * daemon_stats: the one list of the daemon's named values (stats.h),
 * gathered from the modules' counters for `status`, `status --json`,
 * `metrics` and the node_exporter textfile; the ledger observer that
 * counts bans and their ends by origin and reason (metrics.h); and the
 * textfile, written atomically every [metrics] interval. Every value is
 * defined once in defs[] below: its JSON key, metric family, text place
 * and help. docs/METRICS.md lists them.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>

#include "daemon.h"
#include "mono.h"
#include "metrics.h"
#include "stats.h"
#include "wfile.h"
#include "listen.h"
#ifdef HAVE_MHD
#include "httpd.h"
#endif
#ifdef HAVE_CROWDSEC
#include "crowdsec.h"
#endif
#ifdef HAVE_MQTT
#include "cluster.h"
#endif

enum {
	D_UPTIME, D_INFO, D_DRY, D_LINES, D_LONG, D_ROT, D_TRUNC, D_WRAPS,
	D_FILE_LINES, D_FILE_LONG, D_EVENTS, D_PATTERN, D_DEDUPED, D_ALLOWED,
	D_BADADDR, D_LIMIT, D_OVERFLOW, D_READERR, D_UNTIMED, D_AHEAD, D_JUMPS,
	D_OUTOFRANGE, D_RECORDS, D_EVICT,
	D_ACTIVE, D_COVERED, D_DECIDED, D_REFUSED, D_BANERR, D_ACTIVE_BY,
	D_EXPIRED, D_UNBANS, D_LIFTS, D_SPLITS, D_BANS_BY, D_ENDS_BY,
	D_PACKETS, D_BYTES, D_CUT, D_RECONCILE, D_PUTBACK, D_REMOVED,
	D_ADOPTED, D_RESTORED, D_REPAIRS, D_RESYNCS, D_ATTRIB, D_AMBIG, D_NOSESS,
	D_SESSOPEN, D_BLIND, D_SAVEFAIL, D_SAVEFAILS, D_SERVED,
	D_CTLREF, D_CTLBAD, D_DENIED, D_LATENCY, D_TEXTFILE_ERR,
	D_CL_UP, D_CL_PEERS, D_CL_CONNECTS, D_CL_DISCONNECTS, D_CL_BANS,
	D_CL_UNBANS, D_CL_REFUSED, D_CL_EVENTS, D_CL_DROPPED,
	D_CS_UP, D_CS_DECISIONS, D_CS_ALERTS, D_CS_WAITING, D_CS_ERRORS,
	D_HTTP, D_N
};

#define STR_(x) #x
#define STR(x) STR_(x)
#define C STATS_COUNTER
#define G STATS_GAUGE
static const struct stats_def defs[D_N] = {
    [D_UPTIME] = {"uptime", "uptime_seconds", G, "seconds", NULL, NULL, NULL,
	"Seconds since the daemon started."},
    [D_INFO] = {NULL, "build_info", G, NULL, NULL, NULL, NULL,
	"Always 1; the labels say the version and the regex engine."},
    [D_DRY] = {NULL, "dry_run", G, NULL, NULL, NULL, NULL,
	"1 in dry run (nothing is put in the firewall), else 0."},
    [D_LINES] = {"lines", NULL, C, NULL, NULL, "lines read", NULL,
	"Complete log lines read, all files."},
    [D_LONG] = {"long_lines", NULL, C, NULL, NULL, NULL,
	"over-long dropped", "Lines over 4096 bytes, dropped, all files."},
    [D_ROT] = {"rotations", "log_rotations_total", C, NULL, NULL, NULL,
	"rotations", "Times a followed name moved on to a new file."},
    [D_TRUNC] = {"truncations", "log_truncations_total", C, NULL, NULL, NULL,
	"truncations", "Times a followed file shrank under the read position "
	"(copytruncate)."},
    [D_WRAPS] = {"wraps", "log_wraps_total", C, NULL, NULL, NULL, "wraps",
	"In-place wraps of a followed file (console.log)."},
    [D_FILE_LINES] = {NULL, "lines_read_total", C, NULL, NULL, NULL, NULL,
	"Complete log lines read, per followed file."},
    [D_FILE_LONG] = {NULL, "long_lines_total", C, NULL, NULL, NULL, NULL,
	"Lines over 4096 bytes, dropped, per followed file."},
    [D_EVENTS] = {"events", NULL, C, NULL, NULL, "events", NULL,
	"Lines that matched a pattern."},
    [D_PATTERN] = {"patterns", "events_total", C, NULL, NULL, NULL, "*",
	"Lines that matched, per pattern and kind."},
    [D_DEDUPED] = {"deduped", "events_not_counted_total", C, NULL,
	"reason=\"duplicate\"", "not counted", "second wordings (dedupe)",
	"Events not counted: the second wording of one auth failure, or "
	"from an allowlisted address."},
    [D_ALLOWED] = {"allowlisted", "events_not_counted_total", C, NULL,
	"reason=\"allowlisted\"", NULL, "allowlisted", NULL},
    [D_BADADDR] = {"addresses_refused", "bad_addresses_total", C, NULL, NULL,
	NULL, "bad addresses", "Address captures that were not a valid "
	"address."},
    [D_LIMIT] = {"regex_limit_hits", "regex_limit_hits_total", C, NULL, NULL,
	NULL, "regex limit hits", "Matches stopped by the PCRE2 match or "
	"depth limit."},
    [D_OVERFLOW] = {"inotify_overflows", "inotify_overflows_total", C, NULL,
	NULL, "log reading", "inotify overflows", "inotify queue overflows "
	"(every file is rescanned)."},
    [D_READERR] = {"read_errors", "read_errors_total", C, NULL, NULL, NULL,
	"read errors", "Failed reads or stats of a followed file."},
    [D_UNTIMED] = {"times_untimed", "event_times_total", C, NULL,
	"problem=\"untimed\"", "event times", "without a time",
	"Events whose time was not taken from their line as is: no "
	"readable time, too far ahead of the wall clock, an unconfirmed "
	"jump, after 2095."},
    [D_AHEAD] = {"times_ahead", "event_times_total", C, NULL,
	"problem=\"ahead\"", NULL, "over " STR(LOGCLOCK_AHEAD) " s ahead of "
	"the wall clock", NULL},
    [D_JUMPS] = {"times_jumps", "event_times_total", C, NULL,
	"problem=\"jump\"", NULL, "jumps over " STR(LOGCLOCK_JUMP) " s", NULL},
    [D_OUTOFRANGE] = {"times_out_of_range", "event_times_total", C, NULL,
	"problem=\"out_of_range\"", NULL, "after 2095", NULL},
    [D_RECORDS] = {"records", "records", G, NULL, NULL, "tracked records",
	NULL, "Score records held (hosts and netblocks)."},
    [D_EVICT] = {"evictions", "record_evictions_total", C, NULL, NULL, NULL,
	"evicted", "Score records evicted to make room."},
    [D_ACTIVE] = {"active_bans", NULL, G, NULL, NULL, "active bans", NULL,
	"Bans held (in the kernel, or inside a wider ban)."},
    [D_COVERED] = {"covered_bans", "bans_covered", G, NULL, NULL, NULL,
	"inside a wider net ban", "Bans held inside a wider net ban, not as "
	"elements of their own."},
    [D_DECIDED] = {"bans_decided", "verdicts_total", C, NULL, NULL, NULL,
	"decided", "Bans decided from the logs."},
    [D_REFUSED] = {"bans_refused", "bans_refused_total", C, NULL, NULL, NULL,
	"refused by the kernel", "Bans the kernel refused (not held)."},
    [D_BANERR] = {"ban_errors", "kernel_errors_total", C, NULL, NULL, NULL,
	NULL, "Element changes the kernel refused."},
    [D_ACTIVE_BY] = {NULL, "bans_active", G, NULL, NULL, NULL, NULL,
	"Bans held, per origin class, family and tier."},
    [D_EXPIRED] = {"expired", NULL, C, NULL, NULL, "ended bans", "expired",
	"Bans that expired."},
    [D_UNBANS] = {"unbans", NULL, C, NULL, NULL, NULL, "unbanned",
	"Bans lifted by an unban."},
    [D_LIFTS] = {"allowlist_lifts", NULL, C, NULL, NULL, NULL,
	"lifted for the allowlist", "Bans lifted because the allowlist came "
	"to cover them."},
    [D_SPLITS] = {"allowlist_splits", "allowlist_splits_total", C, NULL, NULL,
	NULL, "split", "Net bans split around an allowlisted address."},
    [D_BANS_BY] = {NULL, "bans_total", C, NULL, NULL, NULL, NULL,
	"Bans taken (new or lengthened), per origin class and reason kind."},
    [D_ENDS_BY] = {NULL, "unbans_total", C, NULL, NULL, NULL, NULL,
	"Bans ended, per origin class and why (expired, manual, allowlist, "
	"peer, crowdsec)."},
    [D_PACKETS] = {"packets_dropped", "dropped_packets_total", C, NULL, NULL,
	"packets dropped", NULL, "Packets dropped or reset by the ban rules "
	"(their counters)."},
    [D_BYTES] = {"bytes_dropped", "dropped_bytes_total", C, "bytes", NULL,
	NULL, "bytes", "Bytes dropped or reset by the ban rules."},
    [D_CUT] = {"sessions_cut", "sessions_cut_total", C, NULL, NULL,
	"sessions cut", NULL, "TCP sessions of banned peers destroyed."},
    [D_RECONCILE] = {"reconciles", "reconciles_total", C, NULL, NULL,
	"kernel checks", "disagreements", "Checks that found the kernel "
	"disagreeing with the bans."},
    [D_PUTBACK] = {"put_back", "reconcile_put_back_total", C, NULL, NULL,
	NULL, "put back", "Elements put back in the kernel by checks."},
    [D_REMOVED] = {"removed", "reconcile_removed_total", C, NULL, NULL, NULL,
	"removed", "Untracked elements deleted from the kernel by checks."},
    [D_ADOPTED] = {"adopted", "adopted_total", C, NULL, NULL, NULL,
	"adopted at start", "Kernel elements adopted as bans at start."},
    [D_RESTORED] = {"restored", "restored_total", C, NULL, NULL, NULL,
	"restored at start", "Saved bans put back in the kernel at start "
	"(after a reboot or a flushed ruleset)."},
    [D_REPAIRS] = {"repairs", "repairs_total", C, NULL, NULL, NULL,
	"rebuilds after changes behind our back", "Table rebuilds after "
	"someone else deleted from it."},
    [D_RESYNCS] = {"resyncs", "resyncs_total", C, NULL, NULL, NULL,
	"resyncs after lost notices", "Checks of the table after a burst of "
	"change notices overflowed their socket."},
    [D_ATTRIB] = {"rejections_attributed", "rejections_attributed_total", C,
	NULL, NULL, "attribution", "attributed", "Address-less SMTP "
	"rejections charged to the one address the log proves open."},
    [D_AMBIG] = {"rejections_ambiguous", "rejections_ambiguous_total", C,
	NULL, NULL, NULL, "ambiguous", "Address-less SMTP rejections charged "
	"to nobody: several addresses open, or the tracker blind."},
    [D_NOSESS] = {"rejections_unattributed", "rejections_without_session_total",
	C, NULL, NULL, NULL, "without a session", "Address-less SMTP "
	"rejections while no session was open, charged to nobody."},
    [D_SESSOPEN] = {"smtp_sessions_open", "smtp_sessions_open", G, NULL,
	NULL, NULL, "SMTP clients open", "SMTP client addresses with a "
	"session open."},
    [D_BLIND] = {"sessions_blind_s", "session_tracker_blind_seconds", G,
	"seconds", NULL, NULL, "s blind", "Seconds the SMTP session tracker "
	"stays blind (nothing attributed), after a start or lost lines."},
    [D_SAVEFAIL] = {"state_save_failing_since",
	"state_save_failing_since_seconds", G, "seconds", NULL, NULL, NULL,
	"Unix time of the first failed state save of a run of them, or 0."},
    [D_SAVEFAILS] = {"state_save_failures", "state_save_failures_total", C,
	NULL, NULL, NULL, NULL, "Failed state saves."},
    [D_SERVED] = {"ctl_served", "control_requests_total", C, NULL,
	"result=\"served\"", "control socket", "served",
	"Control socket connections, per result."},
    [D_CTLREF] = {"ctl_refused", "control_requests_total", C, NULL,
	"result=\"refused\"", NULL, "refused", NULL},
    [D_CTLBAD] = {"ctl_bad", "control_requests_total", C, NULL,
	"result=\"bad\"", NULL, "bad requests", NULL},
    [D_DENIED] = {"ctl_denied", "control_requests_total", C, NULL,
	"result=\"denied\"", NULL, "denied", NULL},
    [D_LATENCY] = {NULL, "ban_latency_seconds", STATS_HISTOGRAM, "seconds",
	NULL, NULL, NULL, "From reading the log line to the flush in which "
	"the kernel took its ban."},
    [D_TEXTFILE_ERR] = {NULL, "textfile_errors_total", C, NULL, NULL, NULL,
	NULL, "Failed writes of the metrics textfile."},
    /* With a [cluster] section (docs/CLUSTER.md); its status has its own
     * lines and JSON member (cluster_status_*). */
    [D_CL_UP] = {NULL, "cluster_connected", G, NULL, NULL, NULL, NULL,
	"1 while this node is connected to the cluster's MQTT broker."},
    [D_CL_PEERS] = {NULL, "cluster_peers", G, NULL, NULL, NULL, NULL,
	"Other nodes of the cluster heard from."},
    [D_CL_CONNECTS] = {NULL, "cluster_connects_total", C, NULL, NULL, NULL,
	NULL, "Connections made to the broker."},
    [D_CL_DISCONNECTS] = {NULL, "cluster_disconnects_total", C, NULL, NULL,
	NULL, NULL, "Connections to the broker lost."},
    [D_CL_BANS] = {NULL, "cluster_bans_total", C, NULL, NULL, NULL, NULL,
	"Bans shared: published by this node (out), taken from peers (in)."},
    [D_CL_UNBANS] = {NULL, "cluster_unbans_total", C, NULL, NULL, NULL, NULL,
	"Manual unbans shared: published (out), taken from peers (in)."},
    [D_CL_REFUSED] = {NULL, "cluster_bans_refused_total", C, NULL, NULL,
	NULL, NULL, "Peers' bans not taken, per reason."},
    [D_CL_EVENTS] = {NULL, "cluster_events_total", C, NULL, NULL, NULL, NULL,
	"Evidence events shared: sent (out), counted from peers (in)."},
    [D_CL_DROPPED] = {NULL, "cluster_messages_dropped_total", C, NULL, NULL,
	NULL, NULL, "Malformed cluster messages dropped."},
    /* With a [crowdsec] section (docs/CROWDSEC.md), likewise. */
    [D_CS_UP] = {NULL, "crowdsec_lapi_up", G, NULL, NULL, NULL, NULL,
	"1 while the CrowdSec LAPI answers, else 0."},
    [D_CS_DECISIONS] = {NULL, "crowdsec_decisions_total", C, NULL, NULL,
	NULL, NULL, "Decisions pulled from the LAPI, per outcome: a ban made "
	"or lengthened, a ban lifted, or skipped (other type, scope or "
	"origin, allowlisted, too wide, malformed...)."},
    [D_CS_ALERTS] = {NULL, "crowdsec_alerts_total", C, NULL, NULL, NULL,
	NULL, "Alerts of this node's bans: queued, sent (the LAPI took them), "
	"dropped from a full queue, rejected by the LAPI."},
    [D_CS_WAITING] = {NULL, "crowdsec_alerts_waiting", G, NULL, NULL, NULL,
	NULL, "Alerts queued, not yet sent."},
    [D_CS_ERRORS] = {NULL, "crowdsec_errors_total", C, NULL, NULL, NULL,
	NULL, "Failed pulls and pushes."},
    /* With [metrics] listen. */
    [D_HTTP] = {NULL, "http_requests_total", C, NULL, NULL, NULL, NULL,
	"Requests to the metrics endpoint, per HTTP status answered."},
};
#undef C
#undef G

/* Seconds of the monotonic clock, to the nanosecond. */
static double
mono(void)
{
	return (double)mono_ns() / 1e9;
}

/* ---- the ledger's observer ---------------------------------------------- */

/* The reason kind of a ban: the kind of the first pattern of its reason
 * ("smtp-auth-old=4,smtp-auth-inet=1"), or manual. */
static unsigned
reason_kind(const struct daemon *dm, const char *reason)
{
	const struct match_pattern *p;
	size_t n = strcspn(reason, "=,"), i;
	uint64_t hits;

	if (strcmp(reason, "manual") == 0)
		return METRICS_KIND_MANUAL;
	for (i = 0; i < match_count(dm->m); i++) {
		p = match_pattern_at(dm->m, i, &hits);
		if (strlen(p->id) == n && strncmp(p->id, reason, n) == 0)
			return (unsigned)p->kind - 1;
	}
	return METRICS_KIND_OTHER;
}

static void
on_ledger(void *arg, bool banned, const struct ban *b, const char *how,
    int64_t now)
{
	struct daemon *dm = arg;

	if (banned) {
		metrics_ban(&dm->mx, b->origin, reason_kind(dm, b->reason),
		    mono());
		/* Local bans are in the report from their verdicts, as in
		 * replay; the others (manual, peers...) from here. */
		if (strcmp(b->origin, LEDGER_ORIGIN_LOCAL) != 0)
			daemon_rollup_ban(dm, now, &b->target, b->offences,
			    b->origin, b->reason);
	} else
		metrics_end(&dm->mx, b->origin, how);
}

#ifdef HAVE_MHD
static char *
http_body(void *arg, size_t *len)
{
	return daemon_stats_prom(arg, len);
}
#endif

void
daemon_stats_open(struct daemon *dm)
{
	const char *at = dm->conf.metrics_listen;
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;

	metrics_init(&dm->mx);
	if (ledger_observe(dm->ledger, on_ledger, dm) == -1)
		log_warn("metrics: ledger observer");
	if (at == NULL)
		return;
	if (listen_parse(at, &ss, &len, &why) == -1)
		fatalx(EX_CONFIG, "[metrics] listen = %s: %s", at, why);
#ifdef HAVE_MHD
	if ((dm->httpd = httpd_open((struct sockaddr *)&ss, len, dm->loop,
		 http_body, dm)) == NULL)
		fatal(EX_UNAVAILABLE, "[metrics] listen = %s: cannot listen "
		    "there", at);
	log_info("metrics http listen=%s path=/metrics", at);
#else
	fatalx(EX_CONFIG, "[metrics] listen is configured, but this dominoban "
	    "was built without libmicrohttpd (configure --with-microhttpd; "
	    "Debian: libmicrohttpd-dev, EL9: libmicrohttpd-devel); use "
	    "[metrics] textfile or `dominoban metrics`");
#endif
}

void
daemon_stats_close(struct daemon *dm)
{
#ifdef HAVE_MHD
	httpd_close(dm->httpd);
#endif
	dm->httpd = NULL;
}

void
daemon_stats_read(struct daemon *dm)
{
	metrics_read_start(&dm->mx, mono());
}

void
daemon_stats_read_end(struct daemon *dm)
{
	metrics_read_end(&dm->mx);
}

/* ---- gathering ------------------------------------------------------------ */

static void
add_bans(struct daemon *dm, struct stats *s, int64_t now)
{
	const struct bans *bans = ledger_bans(dm->ledger);
	uint64_t n[METRICS_ORIGINS][2][ROLLUP_TIERS];
	const struct ban *b;
	unsigned o, f, t;
	size_t i;

	memset(n, 0, sizeof(n));
	for (i = 0; i < bans_count(bans); i++) {
		b = bans_at(bans, i);
		if (b->expires <= now || b->kstate == BAN_PENDING)
			continue;
		n[metrics_origin_of(b->origin)][b->target.family == AF_INET6]
		 [rollup_tier_of(&b->target, &dm->conf)]++;
	}
	for (o = 0; o < METRICS_ORIGINS; o++)
		for (f = 0; f < 2; f++)
			for (t = 0; t < ROLLUP_TIERS; t++)
				stats_add_labels(s, &defs[D_ACTIVE_BY],
				    n[o][f][t], "origin",
				    metrics_origin_name(o), "family",
				    f ? "ipv6" : "ipv4", "tier",
				    rollup_tier_name(t), NULL);
	for (o = 0; o < METRICS_ORIGINS; o++)
		for (t = 0; t < METRICS_KINDS; t++)
			if (t != MATCH_SESSION_OPEN - 1 &&
			    t != MATCH_SESSION_CLOSE - 1)
				stats_add_labels(s, &defs[D_BANS_BY],
				    dm->mx.bans[o][t], "origin",
				    metrics_origin_name(o), "kind",
				    metrics_kind_name(t), NULL);
	for (o = 0; o < METRICS_ORIGINS; o++)
		for (t = 0; t < METRICS_ENDS; t++)
			stats_add_labels(s, &defs[D_ENDS_BY], dm->mx.ends[o][t],
			    "origin", metrics_origin_name(o), "reason",
			    metrics_end_name(t), NULL);
}

/* n values of d, value i with the label name = vals[i]. */
static void
add_each(struct stats *s, const struct stats_def *d, const char *name,
    const char *const *vals, const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		stats_add_labels(s, d, v[i], name, vals[i], NULL);
}

/* The cluster's, CrowdSec's and the HTTP endpoint's values, when built
 * and configured. */
static void
add_optional(struct daemon *dm, struct stats *s)
{
#ifdef HAVE_MQTT
	static const char *const dir[] = {"out", "in"};
	static const char *const refused[] = {"allowlisted", "wide",
	    "rate_limited", "other"};
	struct cluster_figures cf;

	if (dm->cluster != NULL) {
		cluster_figures(dm->cluster, &cf);
		stats_add(s, &defs[D_CL_UP], cf.connected);
		stats_add(s, &defs[D_CL_PEERS], cf.peers);
		stats_add(s, &defs[D_CL_CONNECTS], cf.connects);
		stats_add(s, &defs[D_CL_DISCONNECTS], cf.disconnects);
		add_each(s, &defs[D_CL_BANS], "direction", dir,
		    (const uint64_t[]){cf.bans_out, cf.bans_in}, 2);
		add_each(s, &defs[D_CL_UNBANS], "direction", dir,
		    (const uint64_t[]){cf.unbans_out, cf.unbans_in}, 2);
		add_each(s, &defs[D_CL_REFUSED], "reason", refused,
		    (const uint64_t[]){cf.refused_allow, cf.refused_wide,
		    cf.limited, cf.refused_other}, 4);
		add_each(s, &defs[D_CL_EVENTS], "direction", dir,
		    (const uint64_t[]){cf.events_out, cf.events_in}, 2);
		stats_add(s, &defs[D_CL_DROPPED], cf.dropped);
	}
#endif
#ifdef HAVE_CROWDSEC
	static const char *const decided[] = {"banned", "lifted", "skipped"};
	static const char *const alerts[] = {"queued", "sent", "dropped",
	    "rejected"};
	struct crowdsec_figures sf;

	if (dm->crowdsec != NULL) {
		crowdsec_figures(dm->crowdsec, &sf);
		stats_add(s, &defs[D_CS_UP], sf.up);
		add_each(s, &defs[D_CS_DECISIONS], "result", decided,
		    (const uint64_t[]){sf.banned, sf.lifted, sf.skipped}, 3);
		add_each(s, &defs[D_CS_ALERTS], "result", alerts,
		    (const uint64_t[]){sf.alerts_queued, sf.alerts_sent,
		    sf.alerts_dropped, sf.alerts_rejected}, 4);
		stats_add(s, &defs[D_CS_WAITING], sf.queue);
		stats_add(s, &defs[D_CS_ERRORS], sf.errors);
	}
#endif
#ifdef HAVE_MHD
	static const char *const codes[] = {"200", "404", "405", "500"};
	struct httpd_stats hs;

	if (dm->httpd != NULL) {
		httpd_get_stats(dm->httpd, &hs);
		add_each(s, &defs[D_HTTP], "code", codes,
		    (const uint64_t[]){hs.served, hs.not_found, hs.bad_method,
		    hs.failed}, 4);
	}
#endif
	(void)dm;
	(void)s;
	(void)add_each;
}

void
daemon_stats_gather(struct daemon *dm, struct stats *s)
{
	struct decide_stats ds;
	struct tail_stats ts;
	struct enforce_stats es;
	struct ledger_stats ls;
	struct match_stats ms;
	const struct match_pattern *p;
	uint64_t served, refused, bad, lines, longl, hits;
	int64_t now = daemon_now();
	size_t i;

	decide_get_stats(dm->d, &ds);
	tail_stats(dm->tail, &ts);
	enforce_get_stats(dm->enf, &es);
	ledger_get_stats(dm->ledger, now, &ls);
	match_get_stats(dm->m, &ms);
	ctl_stats(dm->ctl, &served, &refused, &bad);

	stats_add(s, &defs[D_UPTIME], (uint64_t)(now - dm->started));
	stats_add_labels(s, &defs[D_INFO], 1, "version", PACKAGE_VERSION,
	    "regex_engine", match_jit(dm->m) ? "jit" : "interpreter", NULL);
	stats_add(s, &defs[D_DRY], dm->conf.dry_run);
	stats_add(s, &defs[D_LINES], ts.lines);
	stats_add(s, &defs[D_LONG], ts.long_lines);
	stats_add(s, &defs[D_ROT], ts.rotations);
	stats_add(s, &defs[D_TRUNC], ts.truncations);
	stats_add(s, &defs[D_WRAPS], ts.wraps);
	for (i = 0; i < dm->nfollowed; i++) {
		tail_file_counts(dm->tail, (unsigned)i, &lines, &longl);
		stats_add_labels(s, &defs[D_FILE_LINES], lines, "file",
		    dm->followed[i], NULL);
		stats_add_labels(s, &defs[D_FILE_LONG], longl, "file",
		    dm->followed[i], NULL);
	}
	stats_add(s, &defs[D_EVENTS], dm->events);
	for (i = 0; i < match_count(dm->m); i++) {
		p = match_pattern_at(dm->m, i, &hits);
		stats_add_labels(s, &defs[D_PATTERN], hits, "pattern", p->id,
		    "kind", match_kind_name(p->kind), NULL);
	}
	stats_add(s, &defs[D_DEDUPED], ds.deduped);
	stats_add(s, &defs[D_ALLOWED], ds.allowlisted);
	stats_add(s, &defs[D_BADADDR], ms.bad_addr);
	stats_add(s, &defs[D_LIMIT], ms.limit_hits);
	stats_add(s, &defs[D_OVERFLOW], ts.overflows);
	stats_add(s, &defs[D_READERR], ts.read_errors);
	stats_add(s, &defs[D_UNTIMED], dm->clock.st.untimed);
	stats_add(s, &defs[D_AHEAD], dm->clock.st.ahead);
	stats_add(s, &defs[D_JUMPS], dm->clock.st.jumps);
	stats_add(s, &defs[D_OUTOFRANGE], dm->clock.st.out_of_range);
	stats_add(s, &defs[D_RECORDS], ds.records);
	stats_add(s, &defs[D_EVICT], ds.evictions);
	stats_add(s, &defs[D_ACTIVE], ls.active);
	stats_add(s, &defs[D_COVERED], ls.shadowed);
	stats_add(s, &defs[D_DECIDED], ds.verdicts);
	stats_add(s, &defs[D_REFUSED], ls.refused);
	stats_add(s, &defs[D_BANERR], es.ban_errors);
	stats_add(s, &defs[D_EXPIRED], ls.expired);
	stats_add(s, &defs[D_UNBANS], ls.unbans);
	stats_add(s, &defs[D_LIFTS], ls.lifted_allow);
	stats_add(s, &defs[D_SPLITS], ls.splits);
	add_bans(dm, s, now);
	stats_add(s, &defs[D_PACKETS], es.packets);
	stats_add(s, &defs[D_BYTES], es.bytes);
	stats_add(s, &defs[D_CUT], es.sessions_cut);
	stats_add(s, &defs[D_RECONCILE], ls.reconciles);
	stats_add(s, &defs[D_PUTBACK], ls.put_back);
	stats_add(s, &defs[D_REMOVED], ls.removed);
	stats_add(s, &defs[D_ADOPTED], ls.adopted);
	stats_add(s, &defs[D_RESTORED], ls.restored);
	stats_add(s, &defs[D_REPAIRS], dm->repairs);
	stats_add(s, &defs[D_RESYNCS], dm->resyncs);
	stats_add(s, &defs[D_ATTRIB], ds.attributed);
	stats_add(s, &defs[D_AMBIG], ds.ambiguous);
	stats_add(s, &defs[D_NOSESS], ds.unattributed);
	stats_add(s, &defs[D_SESSOPEN], ds.sessions);
	stats_add(s, &defs[D_BLIND], ds.blind_until > now ?
	    (uint64_t)(ds.blind_until - now) : 0);
	stats_add(s, &defs[D_SAVEFAIL], (uint64_t)dm->save_failing_since);
	stats_add(s, &defs[D_SAVEFAILS], dm->save_failures);
	stats_add(s, &defs[D_SERVED], served);
	stats_add(s, &defs[D_CTLREF], refused);
	stats_add(s, &defs[D_CTLBAD], bad);
	stats_add(s, &defs[D_DENIED], ctl_denied(dm->ctl));
	stats_add_hist(s, &defs[D_LATENCY], &dm->mx.latency);
	stats_add(s, &defs[D_TEXTFILE_ERR], dm->textfile_errors);
	add_optional(dm, s);
}

/* ---- the textfile ---------------------------------------------------------- */

/* The exposition into a malloc'd buffer; NULL with errno. */
char *
daemon_stats_prom(struct daemon *dm, size_t *len)
{
	struct stats s;
	char *buf = NULL;
	FILE *f;

	stats_init(&s);
	if ((f = open_memstream(&buf, len)) == NULL)
		return NULL;
	daemon_stats_gather(dm, &s);
	stats_prom(&s, f);
	if (fclose(f) != 0 || s.oom) {
		free(buf);
		stats_free(&s);
		errno = ENOMEM;
		return NULL;
	}
	stats_free(&s);
	return buf;
}

/* Write the exposition to path through path.tmp and rename(2), so that
 * node_exporter never reads half a file (no fsync: it is rewritten soon).
 * 0, or -1 with errno. */
static int
write_textfile(struct daemon *dm, const char *path)
{
	char tmp[4096], *buf;
	size_t len;
	int rc, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((buf = daemon_stats_prom(dm, &len)) == NULL)
		return -1;
	rc = wfile_write(path, tmp, buf, len, 0644, false);
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}

void
daemon_stats_tick(struct daemon *dm, int64_t now)
{
	const char *path = dm->conf.metrics_textfile;

#ifdef HAVE_MHD
	if (dm->httpd != NULL)
		httpd_tick(dm->httpd);
#endif
	if (path == NULL || path[0] == '\0' ||
	    now - dm->textfile_at < (int64_t)dm->conf.metrics_interval)
		return;
	dm->textfile_at = now;
	if (write_textfile(dm, path) == -1) {
		dm->textfile_errors++;
		if (log_limit_allow(&dm->warn_limit, now))
			log_warn("metrics textfile path=%s not written", path);
	}
}
