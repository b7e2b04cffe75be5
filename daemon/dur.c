/*
 * dur: see dur.h. A number is digits with at most one '.', at most 15
 * characters, read by strtod from a bounded copy, so that nothing like
 * "1e9", "inf", "0x10" or a sign gets through. Units must come largest
 * first and once each, as dur_format() writes them, so "30m1h" (most
 * likely a typo) is refused rather than guessed.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dur.h"

#define DUR_NUM_MAX 15 /* characters of one number, at most */

static const struct {
	char unit;
	double secs;
} units[] = {
    {'w', 7 * 86400.0}, {'d', 86400.0}, {'h', 3600.0}, {'m', 60.0},
    {'s', 1.0},
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

/* A number at *s; *s moves past it. Returns 0, or -1. */
static int
number(const char **s, double *out)
{
	char buf[DUR_NUM_MAX + 1];
	size_t n = 0, dots = 0, digits = 0;
	const char *p = *s;

	while ((p[n] >= '0' && p[n] <= '9') || p[n] == '.') {
		if (p[n] == '.')
			dots++;
		else
			digits++;
		if (++n > DUR_NUM_MAX)
			return -1;
	}
	if (digits == 0 || dots > 1)
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	*out = strtod(buf, NULL);
	*s = p + n;
	return isfinite(*out) ? 0 : -1;
}

int
dur_parse(const char *s, double min, double max, double *out)
{
	double v, total = 0;
	size_t u, next = 0;
	const char *p = s;

	if (number(&p, &v) == -1)
		goto bad;
	if (*p == '\0') {
		total = v;
		goto range;
	}
	for (;;) {
		for (u = next; u < NUNITS && units[u].unit != *p; u++)
			;
		if (u == NUNITS)
			goto bad;
		total += v * units[u].secs;
		next = u + 1;
		if (*++p == '\0')
			break;
		if (number(&p, &v) == -1)
			goto bad;
	}
range:
	if (!(total >= min && total <= max)) {
		errno = ERANGE;
		return -1;
	}
	*out = total;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

void
dur_format(double s, char *buf, size_t size)
{
	long long t = s > 0 && s < 1e15 ? (long long)s : 0;
	long long big, small;
	size_t u;

	/* The largest unit that fits; days, never weeks (14d reads at once,
	 * 2w needs a sum). */
	for (u = 1; u < NUNITS - 1 && t < (long long)units[u].secs; u++)
		;
	big = t / (long long)units[u].secs;
	if (u == NUNITS - 1) {
		snprintf(buf, size, "%lld%c", big, units[u].unit);
		return;
	}
	small = t % (long long)units[u].secs / (long long)units[u + 1].secs;
	if (small == 0)
		snprintf(buf, size, "%lld%c", big, units[u].unit);
	else
		snprintf(buf, size, "%lld%c%lld%c", big, units[u].unit, small,
		    units[u + 1].unit);
}

void
dur_error(const char *val, int err, double min, double max, char *buf,
    size_t size)
{
	char lo[DUR_STRLEN], hi[DUR_STRLEN];

	dur_format(min, lo, sizeof(lo));
	if (min > 0 && min < 1)
		snprintf(lo, sizeof(lo), "%gs", min);
	dur_format(max, hi, sizeof(hi));
	if (err == ERANGE)
		snprintf(buf, size, "'%.40s' is out of range: from %s to %s",
		    val, lo, hi);
	else
		snprintf(buf, size, "'%.40s' is not a duration: seconds, or "
		    "numbers with units s, m, h, d, w, largest first (90, "
		    "1.5h, 1h30m, 2d12h), from %s to %s", val, lo, hi);
}
