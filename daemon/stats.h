/*
 * stats: one list of named values, rendered three ways: the `status` text,
 * the `status --json` fields and the Prometheus text exposition
 * (`dominoban metrics`, the textfile). Each value points at its definition
 * (struct stats_def): JSON key, metric family, type, unit, help, and where
 * it stands in the text, so a counter defined once shows everywhere.
 * Labels come from bounded sets (a file, a pattern, an origin class, a
 * tier), never from an address. Pure: no I/O but the FILE given, no clock.
 */
#ifndef DB_STATS_H
#define DB_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Every metric family name starts with this. */
#define STATS_PREFIX "dominoban_"
/* Longest label value kept (bytes, with the NUL); longer ones are cut. */
#define STATS_LABEL_MAX 128
/* Label pairs a value may carry. */
#define STATS_LABELS 3
/* Buckets of a histogram, +Inf not counted. */
#define STATS_BUCKETS 16

enum stats_type {
	STATS_COUNTER = 0,
	STATS_GAUGE,
	STATS_HISTOGRAM,
};

struct stats_def {
	const char *key;      /* status JSON field; NULL: not in the JSON */
	const char *metric;   /* family after STATS_PREFIX; NULL: status only */
	enum stats_type type;
	const char *unit;     /* "seconds", "bytes"... or NULL; the family
				 name ends with it (before _total) */
	const char *label;    /* fixed labels of this value ('a="b"'), or NULL */
	const char *line;     /* status text: opens a line with this heading */
	const char *words;    /* status text: "N words" on the current line;
				 "*" puts one indented line per labelled value
				 that is not 0 (its first label's value) */
	const char *help;     /* the family's HELP text */
};

/* A histogram: counts per bucket (not cumulative), bounds[i] is the upper
 * bound of bucket i; counts[n] is the overflow (+Inf). */
struct stats_hist {
	size_t n;
	double bounds[STATS_BUCKETS];
	uint64_t counts[STATS_BUCKETS + 1];
	double sum;
};

struct stats_label {
	const char *name;     /* a static string */
	char value[STATS_LABEL_MAX];
};

struct stats_value {
	const struct stats_def *def;
	uint64_t v;
	const struct stats_hist *hist; /* STATS_HISTOGRAM: valid while rendering */
	size_t nlabels;
	struct stats_label labels[STATS_LABELS];
};

struct stats {
	struct stats_value *v;
	size_t n, cap;
	bool oom;             /* a value could not be added */
};

/* An empty list (zeroed), and its release. */
void stats_init(struct stats *s);
void stats_free(struct stats *s);

/* Add a value of d. 0, or -1 with errno ENOMEM (s->oom is set). */
int stats_add(struct stats *s, const struct stats_def *d, uint64_t v);

/* Add a value of d with up to STATS_LABELS label pairs given as name,
 * value, ... and a NULL name at the end. 0, or -1 with errno ENOMEM. */
int stats_add_labels(struct stats *s, const struct stats_def *d, uint64_t v,
    ...);

/* Add a histogram of d (h must stay valid while s is rendered). */
int stats_add_hist(struct stats *s, const struct stats_def *d,
    const struct stats_hist *h);

/* Count one observation x in h. */
void stats_hist_observe(struct stats_hist *h, double x);

/* The value with JSON key or metric name and no label (first match), or
 * 0 when there is none; for tests and for messages. */
uint64_t stats_get(const struct stats *s, const char *name);

/*
 * The status text: one line per value with a heading, "heading: N words
 * (N words, N words...)" with the values that follow it, in list order.
 */
void stats_text(const struct stats *s, FILE *f);

/*
 * The status JSON fields, "key":N separated by commas, in list order; a key
 * carried by labelled values becomes an object {"label value":N,...}. No
 * braces around them and no comma at either end.
 */
void stats_json(const struct stats *s, FILE *f);

/*
 * The Prometheus text exposition (format 0.0.4): each family once, with
 * its HELP and TYPE, its values together, label values escaped.
 */
void stats_prom(const struct stats *s, FILE *f);

/* Write s (a C string) into f as the body of a JSON string: quote,
 * backslash and bytes outside printable ASCII escaped. */
void stats_json_escape(FILE *f, const char *s);

#endif
