/*
 * metrics: counters kept only to be watched (metrics.h). The latency of a
 * ban is measured from the start of the read that brought its line to the
 * flush in which the kernel took it: a ban decided in a batch is sent at
 * the end of the same loop iteration, so the batch's start bounds the
 * line's arrival from above, and one clock reading per batch keeps the
 * clock off the per-line path.
 */
#include "config.h"

#include <string.h>

#include "match.h"
#include "metrics.h"

static const char *const origin_names[METRICS_ORIGINS] = {
    "local", "manual", "kernel", "peer", "crowdsec", "other"};
static const char *const end_names[METRICS_ENDS] = {
    "expired", "manual", "allowlist", "peer", "crowdsec", "other"};

void
metrics_init(struct metrics *m)
{
	static const double bounds[] = METRICS_LATENCY_BOUNDS;

	memset(m, 0, sizeof(*m));
	m->latency.n = sizeof(bounds) / sizeof(bounds[0]);
	memcpy(m->latency.bounds, bounds, sizeof(bounds));
}

/* Whether s starts with word followed by ':' or its end. */
static bool
starts(const char *s, const char *word)
{
	size_t n = strlen(word);

	return strncmp(s, word, n) == 0 && (s[n] == '\0' || s[n] == ':');
}

enum metrics_origin
metrics_origin_of(const char *origin)
{
	unsigned i;

	for (i = 0; i < METRICS_OTHER_ORIGIN; i++)
		if (starts(origin, origin_names[i]))
			return (enum metrics_origin)i;
	return METRICS_OTHER_ORIGIN;
}

const char *
metrics_origin_name(enum metrics_origin o)
{
	return (unsigned)o < METRICS_ORIGINS ? origin_names[o] : "other";
}

enum metrics_end
metrics_end_of(const char *how)
{
	if (strcmp(how, "expired") == 0)
		return METRICS_END_EXPIRED;
	if (strcmp(how, "manual") == 0)
		return METRICS_END_MANUAL;
	if (strncmp(how, "allowlisted", 11) == 0)
		return METRICS_END_ALLOWLIST;
	if (starts(how, "peer"))
		return METRICS_END_PEER;
	if (starts(how, "crowdsec"))
		return METRICS_END_CROWDSEC;
	return METRICS_END_OTHER;
}

const char *
metrics_end_name(enum metrics_end e)
{
	return (unsigned)e < METRICS_ENDS ? end_names[e] : "other";
}

const char *
metrics_kind_name(unsigned k)
{
	if (k < METRICS_KIND_MANUAL)
		return match_kind_name((enum match_kind)(k + 1));
	return k == METRICS_KIND_MANUAL ? "manual" : "other";
}

void
metrics_read_start(struct metrics *m, double t)
{
	m->batch_start = t;
	m->reading = true;
}

void
metrics_read_end(struct metrics *m)
{
	m->reading = false;
}

void
metrics_decided(struct metrics *m)
{
	if (m->reading)
		m->waiting++;
}

void
metrics_ban(struct metrics *m, const char *origin, unsigned kind, double t)
{
	enum metrics_origin o = metrics_origin_of(origin);

	m->bans[o][kind < METRICS_KINDS ? kind : METRICS_KIND_OTHER]++;
	if (o == METRICS_LOCAL && m->waiting > 0) {
		m->waiting--;
		stats_hist_observe(&m->latency, t > m->batch_start ?
		    t - m->batch_start : 0);
	}
}

void
metrics_end(struct metrics *m, const char *origin, const char *how)
{
	m->ends[metrics_origin_of(origin)][metrics_end_of(how)]++;
}

void
metrics_flushed(struct metrics *m)
{
	m->waiting = 0;
}
