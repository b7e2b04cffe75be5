/*
 * crowdsec_status: the client's lines of `dominoban status` (text and
 * JSON, the JSON built with jansson), and the bans held per origin.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crowdsec_int.h"

/* ---- status ------------------------------------------------------------ */

/* Bans held per origin, at most this many origins named (then "other"). */
#define BY_ORIGIN_MAX 32

struct by_origin {
	char origin[BAN_ORIGIN_MAX];
	size_t n;
};

static size_t
count_origins(const struct ledger *l, struct by_origin *v)
{
	const struct bans *bans = ledger_bans(l);
	size_t i, k, n = 0;

	for (i = 0; i < bans_count(bans); i++) {
		const char *o = bans_at(bans, i)->origin;
		for (k = 0; k < n; k++)
			if (strcmp(v[k].origin, o) == 0)
				break;
		if (k == n && n == BY_ORIGIN_MAX)
			k = n - 1;
		else if (k == n)
			snprintf(v[n++].origin, sizeof(v[0].origin), "%s", o);
		if (k == BY_ORIGIN_MAX - 1 && strcmp(v[k].origin, o) != 0)
			snprintf(v[k].origin, sizeof(v[0].origin), "other");
		v[k].n++;
	}
	return n;
}

static const char *
state_of(const struct crowdsec *cs)
{
	return cs->down_since != 0 ? "down" : cs->ever_up ? "up" : "unknown";
}

static void
status_json(const struct crowdsec *cs, const struct crowdsec_pull_stats *ps,
    const struct crowdsec_push_stats *qs, const struct by_origin *v, size_t n,
    FILE *f)
{
	json_t *o, *by = json_object();
	char *text;
	size_t i;

	for (i = 0; by != NULL && i < n; i++)
		json_object_set_new(by, v[i].origin,
		    json_integer((json_int_t)v[i].n));
	o = json_pack("{s:s, s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:I, s:I,"
	    " s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
	    " s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I},"
	    " s:o}",
	    "lapi_url", cs->url, "state", state_of(cs), "error", cs->error,
	    "push", cs->push_on, "pull", cs->pull_on,
	    "down_since", (json_int_t)cs->down_since,
	    "last_pull", (json_int_t)cs->last_pull_ok,
	    "last_push", (json_int_t)cs->last_push_ok,
	    "pull_errors", (json_int_t)cs->pull_errors,
	    "push_errors", (json_int_t)cs->push_errors,
	    "pulled", "answers", (json_int_t)ps->answers,
	    "decisions", (json_int_t)ps->decisions,
	    "banned", (json_int_t)ps->banned,
	    "lifted", (json_int_t)ps->lifted,
	    "resync_lifted", (json_int_t)ps->resync_lifted,
	    "malformed", (json_int_t)ps->bad,
	    "other_type", (json_int_t)ps->other_type,
	    "other_scope", (json_int_t)ps->other_scope,
	    "other_origin", (json_int_t)ps->other_origin,
	    "bad_value", (json_int_t)ps->bad_value,
	    "allowlisted", (json_int_t)ps->allowlisted,
	    "never_source", (json_int_t)ps->never_source,
	    "too_wide", (json_int_t)ps->too_wide,
	    "expired", (json_int_t)ps->expired,
	    "unbanned_by_hand", (json_int_t)ps->unbanned,
	    "overflow", (json_int_t)ps->overflow,
	    "failed", (json_int_t)ps->failed,
	    "pushed", "queued", (json_int_t)qs->queued,
	    "sent", (json_int_t)qs->sent, "dropped", (json_int_t)qs->dropped,
	    "rejected", (json_int_t)qs->rejected,
	    "queue", (json_int_t)qs->length, "logins", (json_int_t)cs->logins,
	    "bans_by_origin", by);
	text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	fprintf(f, ",\"crowdsec\":%s", text != NULL ? text : "null");
	free(text);
	json_decref(o);
}

static void
ago(char *buf, size_t size, int64_t t)
{
	if (t == 0)
		snprintf(buf, size, "never");
	else
		snprintf(buf, size, "%llds ago", (long long)(crowdsec_wall() - t));
}

void
crowdsec_status(const struct crowdsec *cs, const struct ledger *l, bool json,
    FILE *f)
{
	struct crowdsec_pull_stats ps;
	struct crowdsec_push_stats qs;
	struct by_origin v[BY_ORIGIN_MAX];
	char last[32];
	size_t n, i;

	memset(v, 0, sizeof(v));
	crowdsec_pull_get_stats(cs->pulled, &ps);
	crowdsec_push_get_stats(cs->queue, &qs);
	n = count_origins(l, v);
	if (json) {
		status_json(cs, &ps, &qs, v, n, f);
		return;
	}
	if (cs->down_since != 0)
		fprintf(f, "crowdsec LAPI:   %s DOWN for %llds (%s); "
		    "local banning goes on\n", cs->url,
		    (long long)(crowdsec_wall() - cs->down_since), cs->error);
	else
		fprintf(f, "crowdsec LAPI:   %s %s\n", cs->url,
		    state_of(cs));
	if (cs->pull_on) {
		ago(last, sizeof(last), cs->last_pull_ok);
		fprintf(f, "crowdsec pull:   every %llums, last "
		    "%s; %llu decisions: %llu banned, %llu lifted (%llu at "
		    "resync)\n", (unsigned long long)cs->pull_every_ms, last,
		    (unsigned long long)ps.decisions,
		    (unsigned long long)ps.banned,
		    (unsigned long long)ps.lifted,
		    (unsigned long long)ps.resync_lifted);
		fprintf(f, "  skipped:       %llu other types, %llu "
		    "other scopes, %llu other origins, %llu allowlisted, %llu "
		    "never sources, %llu too wide, %llu bad values, %llu "
		    "expired, %llu unbanned by hand, %llu malformed, %llu "
		    "over the limit\n", (unsigned long long)ps.other_type,
		    (unsigned long long)ps.other_scope,
		    (unsigned long long)ps.other_origin,
		    (unsigned long long)ps.allowlisted,
		    (unsigned long long)ps.never_source,
		    (unsigned long long)ps.too_wide,
		    (unsigned long long)ps.bad_value,
		    (unsigned long long)ps.expired,
		    (unsigned long long)ps.unbanned,
		    (unsigned long long)ps.bad,
		    (unsigned long long)(ps.overflow + ps.failed));
	}
	if (cs->push_on) {
		ago(last, sizeof(last), cs->last_push_ok);
		fprintf(f, "crowdsec push:   last %s; %llu alerts "
		    "sent, %zu queued, %llu dropped (queue full), %llu refused; "
		    "%llu logins\n", last, (unsigned long long)qs.sent,
		    qs.length, (unsigned long long)qs.dropped,
		    (unsigned long long)qs.rejected,
		    (unsigned long long)cs->logins);
	}
	fprintf(f, "bans by origin: ");
	for (i = 0; i < n; i++)
		fprintf(f, " %s %zu%s", v[i].origin, v[i].n,
		    i + 1 < n ? "," : "");
	fprintf(f, "%s\n", n == 0 ? " none" : "");
}

void
crowdsec_figures(const struct crowdsec *cs, struct crowdsec_figures *f)
{
	struct crowdsec_pull_stats ps;
	struct crowdsec_push_stats qs;

	crowdsec_pull_get_stats(cs->pulled, &ps);
	crowdsec_push_get_stats(cs->queue, &qs);
	f->up = cs->ever_up && cs->down_since == 0;
	f->decisions = ps.decisions;
	f->banned = ps.banned;
	f->lifted = ps.lifted + ps.resync_lifted;
	f->skipped = ps.other_type + ps.other_scope + ps.other_origin +
	    ps.bad_value + ps.allowlisted + ps.never_source + ps.too_wide +
	    ps.expired + ps.unbanned + ps.overflow + ps.failed + ps.bad;
	f->alerts_queued = qs.queued;
	f->alerts_sent = qs.sent;
	f->alerts_dropped = qs.dropped;
	f->alerts_rejected = qs.rejected;
	f->queue = qs.length;
	f->errors = cs->pull_errors + cs->push_errors;
}
