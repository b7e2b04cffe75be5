/*
 * logclock: the clock decisions run on, taken from the log lines. Each
 * event is decided at its line's time (logtime.h), within bounds, so that
 * the live daemon, its catch-up after a restart and `dominoban replay`
 * decide the same lines at the same times. Pure but for the zone rules
 * (logtime_local); the caller passes the wall clock.
 *
 * The clock moves forward only, to the latest time accepted. An event is
 * decided at:
 * - its line's time, or the clock's when that is later (lines a little out
 *   of order, or several logs read one after the other);
 * - the clock's time when the line has no time we can read (the wall
 *   clock's, live, while no line had one), or a time past LOGCLOCK_MAX,
 *   which the score table's 32-bit times could not hold with a ban added;
 * - at most LOGCLOCK_AHEAD after the wall clock, live: a later line is
 *   counted and decided at that bound, and the clock stays where it was.
 * A line dated more than LOGCLOCK_JUMP after the clock is counted and its
 * event decided at its own time, but the clock stays where it was unless
 * the next line with a time confirms the jump (is within LOGCLOCK_JUMP of
 * it): a real gap in the log (a quiet night), after which the clock
 * follows the lines again. So one line dated in the future can neither
 * freeze decay for the rest of a log nor move its clock; it only moves
 * the records of its own address. (Deciding it at its own time, not at a
 * bound, keeps the two lines Domino may write for one failure at one time
 * after a gap, so they still count once.)
 */
#ifndef DB_LOGCLOCK_H
#define DB_LOGCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "logtime.h"

/* Seconds a live line may be dated after the wall clock. */
#define LOGCLOCK_AHEAD 300
/* Seconds one line may move the clock forward unless the next confirms. */
#define LOGCLOCK_JUMP 3600
/* The latest time accepted, 2096-01-01 00:00:00 UTC: with the longest ban
 * (ban_max, at most 10 years) it still fits the score table's uint32. */
#define LOGCLOCK_MAX INT64_C(3976214400)
/* The wall clock argument of a replay: there is none. */
#define LOGCLOCK_NO_WALL (-1)

struct logclock_stats {
	uint64_t untimed;      /* events whose line had no time we can read */
	uint64_t ahead;        /* ... dated over LOGCLOCK_AHEAD after the wall clock */
	uint64_t jumps;        /* ... over LOGCLOCK_JUMP after the clock, unconfirmed */
	uint64_t out_of_range; /* ... dated after LOGCLOCK_MAX */
};

struct logclock {
	int64_t now;           /* latest time accepted, or -1 before the first */
	int64_t pending;       /* the last line's unconfirmed jump, or -1 */
	struct logtime_zone zone;
	struct logclock_stats st;
};

/* A clock that has seen no line. */
void logclock_init(struct logclock *c);

/*
 * The time to decide the event of this line at (len bytes; only its first
 * 80 are read), in seconds since the epoch. order: how to read NN/NN/YYYY.
 * wall: the wall clock, or LOGCLOCK_NO_WALL in a replay.
 */
int64_t logclock_event(struct logclock *c, const char *line, size_t len,
    enum conf_date_order order, int64_t wall);

#endif
