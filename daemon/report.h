/*
 * report: the morning report. report_build() sums the hours of a rollup
 * over a period into the figures the report shows: attack lines per hour
 * by kind, bans per hour by tier, the top hosts and netblocks banned (their
 * attack lines, bans, highest offence count and reasons), the recipients
 * and user names seen most, what was dropped, and what needs a look. It
 * is rendered as text and JSON here, as HTML in report_html.c. Pure: the
 * period comes in, nothing reads the clock; attacker text is escaped by
 * each renderer.
 */
#ifndef DB_REPORT_H
#define DB_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "rollup.h"

/* Rows of each top list. */
#define REPORT_TOP 20
/* Pattern ids shown in a target's reasons. */
#define REPORT_REASONS 4
/* A pattern "stopped matching" when it matched at least this often, in at
 * least this many hours, before the last REPORT_QUIET seconds of the
 * period, and never in them. */
#define REPORT_SILENT_MIN 10
#define REPORT_SILENT_HOURS 12
#define REPORT_QUIET (24 * 3600)

struct report_target {
	struct addr target;
	uint8_t tier;                   /* enum rollup_tier */
	uint64_t lines;                 /* attack lines its ban that counted
					   most counted (reasons are
					   cumulative: report.c) */
	uint64_t bans;                  /* times banned in the period */
	uint32_t offences;              /* highest offence count */
	char reasons[VERDICT_REASON_MAX]; /* "id=n,id=n", most first */
};

struct report_silent {
	char id[ROLLUP_NAME_MAX];
	uint64_t before;                /* hits before the quiet time */
	int64_t last;                   /* last hour it matched */
};

struct report {
	int64_t from, to;               /* [from, to), whole hours */
	size_t nhours;
	uint64_t (*kinds)[ROLLUP_KINDS];   /* per hour */
	uint64_t (*tiers)[ROLLUP_TIERS];   /* per hour */
	uint64_t (*dropped)[2];            /* per hour: packets, bytes */
	uint64_t attacks, bans;            /* attack lines (the REPORT_KINDS), bans */
	uint64_t total_kinds[ROLLUP_KINDS];
	uint64_t total_tiers[ROLLUP_TIERS];
	uint64_t values[RV_COUNT];
	uint64_t bans_unlisted;
	struct report_target hosts[REPORT_TOP], nets[REPORT_TOP];
	size_t nhosts, nnets;
	uint64_t hosts_banned, nets_banned; /* distinct targets */
	struct rollup_name users[REPORT_TOP], rcpts[REPORT_TOP];
	size_t nusers, nrcpts;
	uint64_t distinct_users, distinct_rcpts;
	struct report_silent silent[REPORT_TOP];
	size_t nsilent;
};

/*
 * Sum r's hours in [from, to) (rounded out to whole hours) into rep. The
 * hours before from still count for the patterns that stopped matching.
 * 0, or -1 with errno ENOMEM (rep is then empty) or EINVAL (to <= from).
 */
int report_build(struct report *rep, const struct rollup *r, int64_t from,
    int64_t to);
void report_free(struct report *rep);

/* Kinds shown (match kinds of attacks, in order) and their names. */
#define REPORT_KINDS 6
extern const unsigned report_kinds[REPORT_KINDS];
const char *report_kind_name(unsigned kind);

/* "2026-12-01 07:00" in local time (TZ) for the hour starting at t. */
void report_hour_str(int64_t t, char *buf, size_t size);

/* The lines of "needs a look" (plain text, attacker text included as
 * is: escape it), at most max; returns how many. */
#define REPORT_LOOKS 32
#define REPORT_LOOK_MAX 256
size_t report_looks(const struct report *rep, char (*out)[REPORT_LOOK_MAX],
    size_t max);

/* The four lists (top hosts, top netblocks, recipients, user names), in
 * the report's order and with its titles, through a renderer's two
 * functions. */
typedef void report_targets_fn(FILE *f, const char *title,
    const struct report_target *v, size_t n, uint64_t distinct);
typedef void report_names_fn(FILE *f, const char *title,
    const struct rollup_name *v, size_t n, uint64_t distinct);
void report_lists(const struct report *rep, report_targets_fn *targets,
    report_names_fn *names, FILE *f);

/* Render as plain text (readable in a terminal and a mail). */
void report_text(const struct report *rep, FILE *f);
/* Render as one JSON object (every figure, for scripts and the tests). */
void report_json(const struct report *rep, FILE *f);
/* Render as one self-contained HTML page (report_html.c). */
void report_html(const struct report *rep, FILE *f);

/*
 * Mail the report to `to` from `from` through the SMTP server at url, as
 * multipart/alternative (text and HTML), with libcurl (report_mail.c,
 * built only with libcurl). Returns a sysexits code; says what failed on
 * stderr.
 */
int report_mail(const struct report *rep, const char *to, const char *from,
    const char *url);

#endif
