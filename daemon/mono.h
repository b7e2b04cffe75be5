/*
 * mono: the monotonic clock, the one reading every timer, backoff and
 * latency in the daemon takes (wall time is daemon_now()).
 */
#ifndef DOMINOBAN_MONO_H
#define DOMINOBAN_MONO_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds of CLOCK_MONOTONIC. */
static inline int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Milliseconds of CLOCK_MONOTONIC. */
static inline int64_t
mono_ms(void)
{
	return mono_ns() / 1000000;
}

#endif
