/* logclock: see logclock.h. Called for events only, not for every line. */
#include "config.h"

#include "logclock.h"

void
logclock_init(struct logclock *c)
{
	c->now = -1;
	c->pending = -1;
	logtime_zone_init(&c->zone);
	c->st = (struct logclock_stats){0, 0, 0, 0};
}

/* The time of an event whose line gives none we can use. */
static int64_t
previous(const struct logclock *c, int64_t wall)
{
	if (c->now >= 0)
		return c->now;
	return wall >= 0 ? wall : 0;
}

int64_t
logclock_event(struct logclock *c, const char *line, size_t len,
    enum conf_date_order order, int64_t wall)
{
	int64_t t = logtime_parse(line, len, order), bound;

	if (t == -1) {
		c->st.untimed++;
		return previous(c, wall);
	}
	t = logtime_local(&c->zone, t, c->now);
	if (t > LOGCLOCK_MAX) {
		c->st.out_of_range++;
		return previous(c, wall);
	}
	if (wall >= 0 && t > wall + LOGCLOCK_AHEAD) {
		c->st.ahead++;
		c->pending = -1;
		bound = wall + LOGCLOCK_AHEAD;
		return bound > c->now ? bound : c->now;
	}
	if (c->now >= 0 && t > c->now + LOGCLOCK_JUMP &&
	    !(c->pending >= 0 && t >= c->pending - LOGCLOCK_JUMP &&
		t <= c->pending + LOGCLOCK_JUMP)) {
		/* Its own time, but the clock waits for a confirmation. */
		c->st.jumps++;
		c->pending = t;
		return t;
	}
	c->pending = -1;
	if (t > c->now)
		c->now = t;
	return c->now;
}
