/*
 * banlog: the ban history, "what happened to X?": every ban and every end
 * of a ban (when, target, why, for how long, origin, and how it ended:
 * expired, unbanned by hand, deleted in CrowdSec, lifted by a peer, for
 * the allowlist). A ring of the most recent records, bounded
 * ([ban] history_records), and its one-line text form, which the daemon
 * appends to state_dir/history (daemon_banlog.c). Pure: no I/O, no clock.
 *
 * The line, tab-separated, ended by '\n':
 *   b1 AT EVENT TARGET SECONDS OFFENCES ORIGIN REASON HOW
 * AT: seconds since the epoch; EVENT: ban or end; TARGET: a host or a
 * prefix with its host bits zero; SECONDS: a ban's length, or the time an
 * ended ban had left (0 when it expired); ORIGIN, REASON, HOW: text
 * without tabs or control bytes, "-" when empty (HOW is empty for a ban).
 * A line that is anything else is refused whole (the file is written by
 * the daemon alone; anything else in it was not).
 */
#ifndef DB_BANLOG_H
#define DB_BANLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bans.h"
#include "verdict.h"

/* Longest line of the text form, with its newline. */
#define BANLOG_LINE_MAX 512
/* Longest "how" text, with the NUL ("crowdsec deleted", "peer:NODE"). */
#define BANLOG_HOW_MAX 64
/* Longest span a SECONDS field may give (twenty years). */
#define BANLOG_SECONDS_MAX (20LL * 366 * 86400)

enum banlog_event {
	BANLOG_BAN = 1,           /* banned (or its time moved) */
	BANLOG_END,               /* ended: expired or lifted */
};

struct banlog_rec {
	int64_t at;               /* seconds since the epoch */
	uint8_t event;            /* enum banlog_event */
	struct addr target;
	int64_t seconds;          /* ban: its length; end: the time it had left */
	uint32_t offences;
	char origin[BAN_ORIGIN_MAX];
	char reason[VERDICT_REASON_MAX];
	char how[BANLOG_HOW_MAX]; /* end: expired, manual, crowdsec deleted ... */
};

/* The ring: the cap most recent records. */
struct banlog {
	struct banlog_rec *v;
	size_t cap, n, head;      /* head: the oldest record's slot */
};

/* An empty ring for cap records (>= 1). 0, or -1 with errno ENOMEM. */
int banlog_init(struct banlog *l, size_t cap);
void banlog_free(struct banlog *l);

/* Add r as the newest record, dropping the oldest when full. */
void banlog_add(struct banlog *l, const struct banlog_rec *r);

/* The i-th record, oldest first (0 <= i < l->n). */
const struct banlog_rec *banlog_at(const struct banlog *l, size_t i);

/* Fill r from a ban b and what happened to it at now (banned: a ban; else
 * an end, how says how). Text is cut to fit and cleaned (tabs and control
 * bytes become '?'). */
void banlog_make(struct banlog_rec *r, bool banned, const struct ban *b,
    const char *how, int64_t now);

/* r as one line into buf (at least BANLOG_LINE_MAX bytes); its length. */
size_t banlog_format(const struct banlog_rec *r, char *buf, size_t size);

/* One line (without its newline, n bytes) into r. 0, or -1 with errno
 * EINVAL when it is not a record. */
int banlog_parse(const char *line, size_t n, struct banlog_rec *r);

/* Add every record of text (len bytes of lines) to l, in order; returns
 * how many lines were refused (dropped). *lines (may be NULL) gets the
 * number of lines read. */
size_t banlog_load(struct banlog *l, const char *text, size_t len,
    size_t *lines);

/* Does r concern target (NULL: every record): the same, inside it (a
 * prefix asked for), or covering it (a host inside a banned netblock),
 * at or after since? */
bool banlog_match(const struct banlog_rec *r, const struct addr *target,
    int64_t since);

#endif
