/*
 * dur: the one way durations are read and written, so that what dominoban
 * prints it also accepts: `list` shows 1h30m, `ban --for 1h30m` takes it,
 * and so does every duration key of the configuration. Pure.
 */
#ifndef DB_DUR_H
#define DB_DUR_H

#include <stddef.h>
#include <stdint.h>

/* Longest text dur_format() writes, with its NUL (bytes). */
#define DUR_STRLEN 32

/*
 * Parse a duration: plain seconds ("90"), or one or more decimal numbers
 * each followed by a unit, s m h d or w, largest first ("1.5h", "1h30m",
 * "2d12h", "1d0h"), within [min, max] seconds. Returns 0 with the seconds
 * in *out, or -1 with errno EINVAL (not a duration) or ERANGE (out of
 * bounds).
 */
int dur_parse(const char *s, double min, double max, double *out);

/*
 * Write s seconds (rounded down) as at most two units, largest first, and
 * without a zero second unit: 45s, 5m30s, 1h, 1h30m, 2d, 2d12h (days,
 * never weeks). Negative
 * s is written as 0s. buf holds size bytes; DUR_STRLEN is always enough.
 */
void dur_format(double s, char *buf, size_t size);

/*
 * A message for a value that dur_parse() refused: "'VAL' is not a
 * duration: ..." or "'VAL' is out of range: ...", naming the units and
 * the bounds in the same notation. err is dur_parse()'s errno.
 */
void dur_error(const char *val, int err, double min, double max, char *buf,
    size_t size);

#endif
