/*
 * stats: the one list of named values and its three renderings (stats.h).
 * The list is built fresh for each request (daemon_stats.c gathers it from
 * the modules' counters), so it holds no state of its own between
 * requests. Values keep the order they were added in; the exposition
 * groups the values of one family wherever they stand, because Prometheus
 * wants a family's samples together under one HELP and TYPE.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void
stats_init(struct stats *s)
{
	memset(s, 0, sizeof(*s));
}

void
stats_free(struct stats *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static struct stats_value *
grow(struct stats *s, const struct stats_def *d)
{
	struct stats_value *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? 2 * s->cap : 64;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL) {
			s->oom = true;
			errno = ENOMEM;
			return NULL;
		}
		s->v = v;
		s->cap = cap;
	}
	v = &s->v[s->n++];
	memset(v, 0, sizeof(*v));
	v->def = d;
	return v;
}

int
stats_add(struct stats *s, const struct stats_def *d, uint64_t x)
{
	struct stats_value *v = grow(s, d);

	if (v == NULL)
		return -1;
	v->v = x;
	return 0;
}

int
stats_add_labels(struct stats *s, const struct stats_def *d, uint64_t x, ...)
{
	struct stats_value *v = grow(s, d);
	const char *name;
	va_list ap;

	if (v == NULL)
		return -1;
	v->v = x;
	va_start(ap, x);
	while ((name = va_arg(ap, const char *)) != NULL &&
	    v->nlabels < STATS_LABELS) {
		v->labels[v->nlabels].name = name;
		snprintf(v->labels[v->nlabels].value, STATS_LABEL_MAX, "%s",
		    va_arg(ap, const char *));
		v->nlabels++;
	}
	va_end(ap);
	return 0;
}

int
stats_add_hist(struct stats *s, const struct stats_def *d,
    const struct stats_hist *h)
{
	struct stats_value *v = grow(s, d);
	size_t i;

	if (v == NULL)
		return -1;
	v->hist = h;
	for (i = 0; i <= h->n; i++)
		v->v += h->counts[i];
	return 0;
}

void
stats_hist_observe(struct stats_hist *h, double x)
{
	size_t i;

	for (i = 0; i < h->n && x > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += x;
}

uint64_t
stats_get(const struct stats *s, const char *name)
{
	const struct stats_def *d;
	size_t i;

	for (i = 0; i < s->n; i++) {
		d = s->v[i].def;
		if (s->v[i].nlabels == 0 && ((d->key != NULL &&
			strcmp(d->key, name) == 0) || (d->metric != NULL &&
			strcmp(d->metric, name) == 0)))
			return s->v[i].v;
	}
	return 0;
}

/* ---- text --------------------------------------------------------------- */

void
stats_text(const struct stats *s, FILE *f)
{
	const struct stats_def *d;
	bool open = false;        /* a heading line is being written */
	size_t inner = 0, i;      /* values after its first one */
	int w;

	for (i = 0; i < s->n; i++) {
		d = s->v[i].def;
		if (d->line != NULL) {
			if (open)
				fputs(inner > 0 ? ")\n" : "\n", f);
			w = fprintf(f, "%s:", d->line);
			fprintf(f, "%*s%llu", w < 17 ? 17 - w : 1, "",
			    (unsigned long long)s->v[i].v);
			if (d->words != NULL)
				fprintf(f, " %s", d->words);
			open = true;
			inner = 0;
		} else if (d->words != NULL && strcmp(d->words, "*") == 0) {
			/* Indented lines come after the line they belong to;
			 * they are written when they are reached, so the list
			 * puts them last among that line's values. */
			if (s->v[i].v == 0 || s->v[i].nlabels == 0)
				continue;
			if (open)
				fputs(inner > 0 ? ")\n" : "\n", f);
			open = false;
			fprintf(f, "  %-26s %llu\n", s->v[i].labels[0].value,
			    (unsigned long long)s->v[i].v);
		} else if (d->words != NULL && open) {
			fprintf(f, "%s%llu %s", inner++ ? ", " : " (",
			    (unsigned long long)s->v[i].v, d->words);
		}
	}
	if (open)
		fputs(inner > 0 ? ")\n" : "\n", f);
}

/* ---- JSON --------------------------------------------------------------- */

void
stats_json_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

void
stats_json(const struct stats *s, FILE *f)
{
	const struct stats_def *d;
	size_t i, k;
	bool first = true, fk;

	for (i = 0; i < s->n; i++) {
		d = s->v[i].def;
		if (d->key == NULL || d->type == STATS_HISTOGRAM)
			continue;
		if (s->v[i].nlabels == 0) {
			fprintf(f, "%s\"%s\":%llu", first ? "" : ",", d->key,
			    (unsigned long long)s->v[i].v);
			first = false;
			continue;
		}
		/* The object of a labelled key: written at its first value,
		 * with every value of that key. */
		for (k = 0; k < i; k++)
			if (s->v[k].def->key != NULL && s->v[k].nlabels > 0 &&
			    strcmp(s->v[k].def->key, d->key) == 0)
				break;
		if (k < i)
			continue;
		fprintf(f, "%s\"%s\":{", first ? "" : ",", d->key);
		first = false;
		fk = true;
		for (k = i; k < s->n; k++) {
			if (s->v[k].def->key == NULL || s->v[k].nlabels == 0 ||
			    strcmp(s->v[k].def->key, d->key) != 0)
				continue;
			fprintf(f, "%s\"", fk ? "" : ",");
			stats_json_escape(f, s->v[k].labels[0].value);
			fprintf(f, "\":%llu", (unsigned long long)s->v[k].v);
			fk = false;
		}
		fputc('}', f);
	}
}

/* ---- Prometheus -------------------------------------------------------- */

/* A label value (quote too) or a HELP text: backslash and newline
 * escaped, as the format wants. */
static void
prom_escape(FILE *f, const char *s, bool quote)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"' && quote)
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* "{a="b",le="0.1"}", or nothing when there is no label at all. */
static void
prom_labels(FILE *f, const struct stats_value *v, const char *le)
{
	size_t i;
	bool any = false;

	if (v->def->label == NULL && v->nlabels == 0 && le == NULL)
		return;
	fputc('{', f);
	if (v->def->label != NULL) {
		fputs(v->def->label, f);
		any = true;
	}
	for (i = 0; i < v->nlabels; i++) {
		fprintf(f, "%s%s=\"", any ? "," : "", v->labels[i].name);
		prom_escape(f, v->labels[i].value, true);
		fputc('"', f);
		any = true;
	}
	if (le != NULL)
		fprintf(f, "%sle=\"%s\"", any ? "," : "", le);
	fputc('}', f);
}

static void
prom_hist(FILE *f, const struct stats_value *v)
{
	const struct stats_hist *h = v->hist;
	const char *m = v->def->metric;
	uint64_t cum = 0;
	char le[32];
	size_t i;

	for (i = 0; i <= h->n; i++) {
		cum += h->counts[i];
		if (i < h->n)
			snprintf(le, sizeof(le), "%g", h->bounds[i]);
		else
			snprintf(le, sizeof(le), "+Inf");
		fprintf(f, STATS_PREFIX "%s_bucket", m);
		prom_labels(f, v, le);
		fprintf(f, " %llu\n", (unsigned long long)cum);
	}
	fprintf(f, STATS_PREFIX "%s_sum", m);
	prom_labels(f, v, NULL);
	fprintf(f, " %.9g\n", h->sum);
	fprintf(f, STATS_PREFIX "%s_count", m);
	prom_labels(f, v, NULL);
	fprintf(f, " %llu\n", (unsigned long long)cum);
}

static const char *const type_name[] = {"counter", "gauge", "histogram"};

void
stats_prom(const struct stats *s, FILE *f)
{
	const struct stats_def *d;
	size_t i, k;

	for (i = 0; i < s->n; i++) {
		d = s->v[i].def;
		if (d->metric == NULL)
			continue;
		for (k = 0; k < i; k++)
			if (s->v[k].def->metric != NULL &&
			    strcmp(s->v[k].def->metric, d->metric) == 0)
				break;
		if (k < i)
			continue; /* written with its family */
		fprintf(f, "# HELP " STATS_PREFIX "%s ", d->metric);
		prom_escape(f, d->help != NULL ? d->help : d->metric, false);
		fprintf(f, "\n# TYPE " STATS_PREFIX "%s %s\n", d->metric,
		    type_name[d->type]);
		for (k = i; k < s->n; k++) {
			const struct stats_value *v = &s->v[k];
			if (v->def->metric == NULL ||
			    strcmp(v->def->metric, d->metric) != 0)
				continue;
			if (v->hist != NULL) {
				prom_hist(f, v);
				continue;
			}
			fprintf(f, STATS_PREFIX "%s", d->metric);
			prom_labels(f, v, NULL);
			fprintf(f, " %llu\n", (unsigned long long)v->v);
		}
	}
}
