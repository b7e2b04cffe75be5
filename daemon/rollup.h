/*
 * rollup: what the morning report needs, kept by the hour, bounded and
 * persistent. Each hour holds its attack lines per kind and per pattern,
 * its bans per tier with one record per ban (target, origin, offences,
 * reason), the user names tried and recipients probed most (bounded
 * tables: exact while an hour has at most ROLLUP_NAMES distinct names,
 * space-saving counts beyond), and counters for what needs a look. Hours
 * older than the retention go. The daemon feeds it as it reads and bans,
 * `replay --rollup` from old logs; `dominoban report` renders it. Pure: no
 * clock; rollup_format()/rollup_parse() turn it into text and back (the
 * file is checked whole, like the state file).
 */
#ifndef DB_ROLLUP_H
#define DB_ROLLUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conf.h"
#include "verdict.h"

#define ROLLUP_HOUR 3600
/* Distinct user names, recipients and patterns kept per hour. */
#define ROLLUP_NAMES 64
#define ROLLUP_PATTERNS 128
/* Ban records kept per hour; more are counted, not listed. */
#define ROLLUP_BANS 1024
/* Bytes of a name or pattern id kept, with the NUL. */
#define ROLLUP_NAME_MAX 64
/* Kinds: enum match_kind values 1..ROLLUP_KINDS-1. */
#define ROLLUP_KINDS 9
/* Default and largest retention, hours. */
#define ROLLUP_RETENTION_DEFAULT (31 * 24)
#define ROLLUP_RETENTION_MAX (366 * 24)
/* Largest rollup file read. */
#define ROLLUP_FILE_MAX (256u << 20)

enum rollup_tier { ROLLUP_HOST = 0, ROLLUP_NET, ROLLUP_WIDE, ROLLUP_PREFIX,
	ROLLUP_TIERS };

/* Counters of an hour for "needs a look" and what was dropped. */
enum rollup_value {
	RV_LINES = 0,         /* log lines read */
	RV_LONG_LINES,        /* over-long lines dropped */
	RV_SUSPICIOUS,        /* lines with a pattern's literal, unmatched */
	RV_UNATTRIBUTED,      /* address-less rejections no session took */
	RV_REPAIRS,           /* table rebuilds after changes behind our back */
	RV_RECONCILES,        /* checks that found the kernel disagreeing */
	RV_PACKETS,           /* packets dropped by the ban rules */
	RV_BYTES,             /* bytes dropped */
	RV_SESSIONS_CUT,
	RV_COUNT
};

struct rollup_name {
	char s[ROLLUP_NAME_MAX];
	uint64_t n;
};

struct rollup_ban {
	struct addr target;
	int64_t at;
	uint32_t offences;
	uint8_t tier;              /* enum rollup_tier */
	char origin[16];
	char reason[VERDICT_REASON_MAX];
};

struct rollup_hour {
	int64_t start;             /* multiple of ROLLUP_HOUR */
	uint64_t kinds[ROLLUP_KINDS];
	uint64_t tiers[ROLLUP_TIERS];
	uint64_t values[RV_COUNT];
	uint64_t bans_unlisted;    /* bans past ROLLUP_BANS */
	struct rollup_name *patterns, *users, *rcpts; /* NULL until used */
	size_t npatterns, nusers, nrcpts;
	struct rollup_ban *bans;
	size_t nbans;
};

struct rollup {
	struct rollup_hour *h;     /* oldest first */
	size_t n, cap;
	unsigned retention;        /* hours */
	uint64_t gen;              /* bumped at every change */
};

/* An empty rollup keeping retention hours (clamped to 1..MAX). */
void rollup_init(struct rollup *r, unsigned retention);
void rollup_free(struct rollup *r);
void rollup_set_retention(struct rollup *r, unsigned retention);

/* The hour holding t, created when missing (and hours past the retention
 * counted from the newest dropped). NULL with errno ENOMEM, or EINVAL for
 * a time before the retention window or before 1970. */
struct rollup_hour *rollup_hour(struct rollup *r, int64_t t);

/* One attack line at t: its pattern's kind and id, and the user name
 * (auth) or recipient (unknown_rcpt) it carried (user may be NULL). */
void rollup_event(struct rollup *r, int64_t t, unsigned kind,
    const char *pattern, const char *user, size_t user_len);

/* One ban taken at t. */
void rollup_ban(struct rollup *r, int64_t t, const struct addr *target,
    enum rollup_tier tier, uint32_t offences, const char *origin,
    const char *reason);

/* Add n to counter v of the hour holding t. */
void rollup_add(struct rollup *r, int64_t t, enum rollup_value v, uint64_t n);

/* Text form (malloc'd): 0, or -1 with errno ENOMEM. */
int rollup_format(const struct rollup *r, char **out, size_t *len);

/* Parse the text form into r (rollup_init'ed); every malformed record
 * refuses the whole file. 0, or -1 with errno EINVAL and a message. */
int rollup_parse(struct rollup *r, const char *text, size_t len, char *err,
    size_t errlen);

/* The tier of a ban's target under c's prefixes: host, net (net4/net6
 * prefix), wide (wide4/wide6 prefix) or any other prefix. */
enum rollup_tier rollup_tier_of(const struct addr *target,
    const struct conf *c);

/* Name of a tier ("host"...) and of a counter ("suspicious"...). */
const char *rollup_tier_name(unsigned t);
const char *rollup_value_name(unsigned v);

#endif
