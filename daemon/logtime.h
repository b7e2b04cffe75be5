/*
 * logtime: the timestamp at the start of a Domino log line, in seconds since
 * the epoch, for `dominoban replay` (the daemon uses the clock). Pure.
 * Times are taken as UTC: replay needs the intervals, not the zone.
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
 * Returns the time, or -1 when the line has no valid timestamp.
 */
int64_t logtime_parse(const char *line, size_t len,
    enum conf_date_order order);

#endif
