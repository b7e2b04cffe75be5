/*
 * session: see session.h for the rule and its limits. Sessions are a small
 * array (the number open at once on a Domino server is small; a flood is
 * capped at SESSION_MAX, the oldest forgotten first); waiting rejections are
 * a ring of SESSION_PENDING_MAX, the oldest dropped first. A session that
 * opens twice without closing (a missed line) is simply refreshed.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "session.h"

struct sess {
	struct addr a;
	int64_t opened;
};

struct sessions {
	struct sess open[SESSION_MAX];
	size_t nopen;
	struct session_pending ring[SESSION_PENDING_MAX];
	size_t head, npending;   /* oldest at head */
	uint64_t dropped;
};

struct sessions *
session_new(void)
{
	return calloc(1, sizeof(struct sessions));
}

void
session_free(struct sessions *s)
{
	free(s);
}

static void
age(struct sessions *s, int64_t now)
{
	size_t i;

	for (i = 0; i < s->nopen;) {
		if (now - s->open[i].opened > SESSION_MAX_AGE)
			s->open[i] = s->open[--s->nopen];
		else
			i++;
	}
	while (s->npending > 0 &&
	    now - s->ring[s->head].t > SESSION_PENDING_MAX_AGE) {
		s->head = (s->head + 1) % SESSION_PENDING_MAX;
		s->npending--;
		s->dropped++;
	}
}

static size_t
find(const struct sessions *s, const struct addr *a)
{
	size_t i;

	for (i = 0; i < s->nopen; i++)
		if (addr_cmp(&s->open[i].a, a) == 0)
			return i;
	return SIZE_MAX;
}

void
session_open(struct sessions *s, const struct addr *a, int64_t now)
{
	size_t i, oldest = 0;

	age(s, now);
	if ((i = find(s, a)) != SIZE_MAX) {
		s->open[i].opened = now;
		return;
	}
	if (s->nopen == SESSION_MAX) {
		for (i = 1; i < s->nopen; i++)
			if (s->open[i].opened < s->open[oldest].opened)
				oldest = i;
		s->open[oldest] = s->open[--s->nopen];
	}
	s->open[s->nopen].a = *a;
	s->open[s->nopen++].opened = now;
}

size_t
session_close(struct sessions *s, const struct addr *a, long messages,
    int64_t now, struct session_pending *out, size_t max)
{
	size_t i, k, n = 0, kept = 0, idx;
	int64_t opened;

	age(s, now);
	if ((i = find(s, a)) == SIZE_MAX)
		return 0;
	opened = s->open[i].opened;
	s->open[i] = s->open[--s->nopen];
	if (messages != 0)
		return 0;
	/* Take the waiting rejections from this session's lifetime; keep the
	 * others in order. */
	for (k = 0; k < s->npending; k++) {
		idx = (s->head + k) % SESSION_PENDING_MAX;
		if (s->ring[idx].t >= opened && n < max) {
			out[n++] = s->ring[idx];
			continue;
		}
		s->ring[(s->head + kept++) % SESSION_PENDING_MAX] = s->ring[idx];
	}
	s->npending = kept;
	return n;
}

int
session_reject(struct sessions *s, unsigned pattern, double weight,
    uint64_t tag, int64_t now, struct addr *a)
{
	struct session_pending *p;

	age(s, now);
	if (s->nopen == 1) {
		*a = s->open[0].a;
		return 1;
	}
	if (s->npending == SESSION_PENDING_MAX) {
		s->head = (s->head + 1) % SESSION_PENDING_MAX;
		s->npending--;
		s->dropped++;
	}
	p = &s->ring[(s->head + s->npending++) % SESSION_PENDING_MAX];
	p->t = now;
	p->pattern = pattern;
	p->weight = weight;
	p->tag = tag;
	return 0;
}

void
session_forget(struct sessions *s, const struct addr *target)
{
	size_t i;

	for (i = 0; i < s->nopen;) {
		if (addr_contains(target, &s->open[i].a))
			s->open[i] = s->open[--s->nopen];
		else
			i++;
	}
}

size_t
session_open_count(const struct sessions *s)
{
	return s->nopen;
}

size_t
session_pending_count(const struct sessions *s)
{
	return s->npending;
}

uint64_t
session_dropped(const struct sessions *s)
{
	return s->dropped;
}
