/*
 * logtime: the timestamp at the start of a Domino log line. Domino writes
 * local time without an offset: logtime_parse() reads the civil time,
 * logtime_local() turns it into seconds since the epoch in the C library's
 * zone (TZ, else /etc/localtime). Pure but for the zone rules the C
 * library reads once. logclock.c keeps the clock the decisions run on.
 */
#ifndef DB_LOGTIME_H
#define DB_LOGTIME_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/*
 * Parse "[pid:tid-thread] DATE TIME[ AM|PM]" (the block optional) at the
 * start of the len bytes at line. DATE is D.M.Y, D-M-Y, D/M/Y, M/D/Y or
 * Y-M-D with a four-digit year; when both day and month are 12 or less,
 * order decides. TIME is H:MM:SS with optional hundredths after '.' or ','.
 * Returns the civil time, counted like seconds since the epoch as if the
 * zone were UTC (logtime_local() places it in the zone), or -1 when the
 * line has no valid timestamp.
 */
int64_t logtime_parse(const char *line, size_t len,
    enum conf_date_order order);

/* A local time that occurs twice (the hour repeated when daylight saving
 * time ends) is its first occurrence unless that lies more than this many
 * seconds before the previous line's time: lines a little out of order
 * stay in the first pass, a log running through the change moves on. */
#define LOGTIME_DST_SLACK 60

/* The UTC offsets of the last civil minute converted: the C library is
 * asked again only when the minute changes (zone changes fall on whole
 * minutes). */
struct logtime_zone {
	int64_t minute;       /* civil minute cached, or -1 */
	int n;                /* 1; 2 in a repeated hour; 0 in a skipped one */
	long off[2];          /* seconds east of UTC; off[0] the earlier
				 instant; n 0: off[0] the offset before */
};

/* An empty cache; reads the zone (tzset) for the C library. */
void logtime_zone_init(struct logtime_zone *z);

/*
 * Seconds since the epoch of civil (a logtime_parse() result) read as
 * local time. prev is the previous line's time (or -1): a time that occurs
 * twice is the first occurrence, unless that is more than
 * LOGTIME_DST_SLACK before prev, then the second. A time that does not
 * exist (the hour skipped in spring) is read with the offset before the
 * change, as mktime() does.
 */
int64_t logtime_local(struct logtime_zone *z, int64_t civil, int64_t prev);

#endif
