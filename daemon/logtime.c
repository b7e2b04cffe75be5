/* logtime: see logtime.h. Reads at most the first 80 bytes of a line. */
#include "config.h"

#include <time.h>

#include "logtime.h"

struct cur {
	const char *p, *end;
};

static int
digits(struct cur *c, int min, int max, int *out)
{
	int n = 0, v = 0;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9' && n < max) {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	if (n < min)
		return -1;
	*out = v;
	return n;
}

static int
lit(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return 0;
	}
	return -1;
}

static void
spaces(struct cur *c)
{
	while (c->p < c->end && *c->p == ' ')
		c->p++;
}

/* Skip a "[pid:tid-thread]" block and the spaces after it. */
static void
block(struct cur *c)
{
	const char *p = c->p;

	if (p >= c->end || *p != '[')
		return;
	for (p++; p < c->end && p - c->p < 48; p++) {
		if (*p == ']') {
			c->p = p + 1;
			spaces(c);
			return;
		}
		if (!((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') ||
			(*p >= 'a' && *p <= 'f') || *p == ':' || *p == '-'))
			return;
	}
}

static int64_t
days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's algorithm: days since 1970-01-01. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
month_days(int y, int m)
{
	static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : md[m - 1];
}

int64_t
logtime_parse(const char *line, size_t len, enum conf_date_order order)
{
	struct cur c = {line, line + (len < 80 ? len : 80)};
	int a, b, y, mo, d, h, mi, s, frac, na;
	char sep;

	block(&c);
	if ((na = digits(&c, 1, 4, &a)) == -1 || c.p >= c.end)
		return -1;
	sep = *c.p;
	if ((sep != '.' && sep != '-' && sep != '/') || lit(&c, sep) == -1 ||
	    digits(&c, 1, 2, &b) == -1 || lit(&c, sep) == -1)
		return -1;
	if (na == 4) {
		y = a;
		mo = b;
		if (digits(&c, 1, 2, &d) == -1)
			return -1;
	} else {
		if (na > 2 || digits(&c, 4, 4, &y) == -1)
			return -1;
		if (a > 12 || (b <= 12 && order == CONF_DATE_DMY)) {
			d = a;
			mo = b;
		} else {
			mo = a;
			d = b;
		}
	}
	if (c.p >= c.end || *c.p != ' ')
		return -1;
	spaces(&c);
	if (digits(&c, 1, 2, &h) == -1 || lit(&c, ':') == -1 ||
	    digits(&c, 2, 2, &mi) == -1 || lit(&c, ':') == -1 ||
	    digits(&c, 2, 2, &s) == -1)
		return -1;
	if (c.p < c.end && (*c.p == '.' || *c.p == ',')) {
		c.p++;
		if (digits(&c, 1, 6, &frac) == -1)
			return -1;
	}
	spaces(&c);
	if (c.end - c.p >= 2 && (c.p[0] == 'A' || c.p[0] == 'P') &&
	    c.p[1] == 'M') {
		if (h < 1 || h > 12)
			return -1;
		h = h % 12 + (c.p[0] == 'P' ? 12 : 0);
	}
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || s > 60)
		return -1;
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
}

void
logtime_zone_init(struct logtime_zone *z)
{
	tzset();
	z->minute = -1;
	z->n = 0;
}

/* The UTC offset in force at instant t (0 if the C library cannot say). */
static long
gmtoff(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return localtime_r(&tt, &tm) != NULL ? tm.tm_gmtoff : 0;
}

/*
 * The offsets a civil minute can be read with. The offsets in force a day
 * before and a day after it (instants at least 10 hours from any reading
 * of it, whatever the zone) are the candidates: each one that gives back
 * itself at its reading is valid. Zones change at most once in two days.
 */
static void
zone_fill(struct logtime_zone *z, int64_t minute)
{
	int64_t civil = minute * 60;
	long before = gmtoff(civil - 86400), after = gmtoff(civil + 86400);
	/* The larger offset reads the civil time as the earlier instant. */
	long hi = before > after ? before : after;
	long lo = before > after ? after : before;

	z->minute = minute;
	z->n = 0;
	if (gmtoff(civil - hi) == hi)
		z->off[z->n++] = hi;
	if (lo != hi && gmtoff(civil - lo) == lo)
		z->off[z->n++] = lo;
	if (z->n == 0)
		/* Skipped: read with the offset before the change. */
		z->off[0] = before;
}

int64_t
logtime_local(struct logtime_zone *z, int64_t civil, int64_t prev)
{
	int64_t minute = civil >= 0 ? civil / 60 : (civil - 59) / 60;
	int64_t first;

	if (minute != z->minute)
		zone_fill(z, minute);
	first = civil - z->off[0];
	if (z->n < 2 || prev < 0 || first >= prev - LOGTIME_DST_SLACK)
		return first;
	return civil - z->off[1];
}
