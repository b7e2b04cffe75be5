/*
 * match_off: switching a pattern off without copying its file. A section
 * that says only "enabled = no" names a pattern defined in another file
 * (a shipped one, say) and switches it off:
 *
 *     # /etc/dominoban/patterns.d/local.pat
 *     [smtp-auth]
 *     enabled = no
 *
 * A whole definition with "enabled = no" is checked and compiled like any
 * other, then kept off. Patterns switched off are taken out of the
 * matcher before its literals are built, so they cost nothing at match
 * time; they are listed (match_off_at) with the place that switched them
 * off. An override naming no loaded pattern is an error, as any other
 * mistake in a pattern file: a typo must not leave a pattern on unseen.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "match_int.h"

static struct pattern *
defined(struct matcher *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->npats; i++)
		if (!m->pats[i].override && strcmp(m->pats[i].info.id, id) == 0)
			return &m->pats[i];
	return NULL;
}

/* Does an "enabled = no" section of its own switch id off? */
static bool
overridden(const struct matcher *m, const char *id)
{
	size_t i;

	for (i = 0; i < m->npats; i++)
		if (m->pats[i].override && strcmp(m->pats[i].info.id, id) == 0)
			return true;
	return false;
}

int
match_apply_off(struct matcher *m, struct errs *e)
{
	struct match_pattern *off;
	struct pattern *p, *q;
	size_t i, k = 0, before = e->count;

	for (i = 0; i < m->npats; i++)
		if (m->pats[i].override &&
		    (q = defined(m, m->pats[i].info.id)) != NULL)
			q->off = true;
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		if (p->override && defined(m, p->info.id) == NULL)
			errs_add(e, p->info.file, p->info.line, "[%s] enabled "
			    "= no: no pattern file defines a pattern '%s' "
			    "(ids are case-sensitive; dominoban test lists "
			    "the patterns loaded)", p->info.id, p->info.id);
	}
	if (e->count != before)
		return -1;
	if ((off = calloc(m->npats + 1, sizeof(*off))) == NULL) {
		errs_add(e, "patterns", 0, "out of memory");
		return -1;
	}
	/* What is off is listed once, where it was switched off (an
	 * override, or its own definition); then it goes. Two overrides of
	 * one id are listed twice: both say so. */
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		if (p->override)
			off[m->noff++] = p->info;
		else if (p->off && !overridden(m, p->info.id))
			off[m->noff++] = p->info;
	}
	for (i = 0; i < m->npats; i++) {
		if (m->pats[i].off || m->pats[i].override)
			match_pattern_free(&m->pats[i]);
		else
			m->pats[k++] = m->pats[i];
	}
	m->npats = k;
	free(m->off);
	m->off = off;
	return 0;
}

size_t
match_off_count(const struct matcher *m)
{
	return m->noff;
}

const struct match_pattern *
match_off_at(const struct matcher *m, size_t i)
{
	return &m->off[i];
}
