/*
 * score-bench: events per second through the score table and through the
 * whole decision engine, on one core, and the table's bytes per record.
 *   score-bench [EVENTS]
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "score.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const uint8_t seed[16] = {42};
	static const struct match_pattern pat = {"smtp-auth", "smtp",
	    MATCH_AUTH, 1, "bench", 1};
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000;
	struct decide_cb cb = {NULL, NULL, NULL};
	struct match_event ev;
	struct allow allow;
	struct score *s;
	struct decide *d;
	struct conf c;
	struct addr a, net;
	struct score_key ka, kn;
	unsigned long i;
	uint32_t x;
	int k;
	double t0, t1;

	conf_defaults(&c);
	memset(&a, 0, sizeof(a));
	a.family = 2; /* AF_INET */
	a.len = 32;
	a.a[0] = 198;
	/* Three loads: attackers from 10,000 addresses (a large attack; the
	 * records touched fit the caches), from 100,000 (the table holds them
	 * all, but nearly every event is a cache miss), and a flood from 4
	 * million (the table is full and evicts on nearly every event). Each
	 * event raises the host and its /24. */
	for (k = 0; k < 3; k++) {
		static const uint32_t spreads[] = {10000u, 100000u, 4000000u};
		uint32_t spread = spreads[k];
		s = score_new(c.max_records, seed);
		t0 = now_s();
		for (i = 0; i < n; i++) {
			x = (uint32_t)(i * 2654435761u) % spread;
			a.a[1] = (uint8_t)(x >> 16);
			a.a[2] = (uint8_t)(x >> 8);
			a.a[3] = (uint8_t)x;
			/* As decide does: hash each key once, prefetch both
			 * records, then add. */
			score_key(s, &a, &ka);
			score_prefetch(s, &ka);
			addr_mask(&net, &a, 24);
			score_key(s, &net, &kn);
			score_prefetch(s, &kn);
			score_add_key(s, &ka, 1, 0, NULL, (int64_t)(i / 100000),
			    600);
			score_add_key(s, &kn, 1, 0, &ka, (int64_t)(i / 100000),
			    600);
		}
		t1 = now_s();
		printf("score table, %u addresses: %lu events (host + /24 each) "
		       "in %.3f s: %.0f events/s\n", spread, n, t1 - t0,
		    (double)n / (t1 - t0));
		printf("  %zu records, %zu bytes, %.1f bytes/record (capacity "
		       "%.1f), %llu evictions\n", score_count(s), score_bytes(s),
		    (double)score_bytes(s) / (double)score_count(s),
		    (double)score_bytes(s) / (double)(c.max_records),
		    (unsigned long long)score_evictions(s));
		score_free(s);
	}

	allow_init(&allow);
	d = decide_new(&c, seed, &allow);
	memset(&ev, 0, sizeof(ev));
	ev.pattern = &pat;
	ev.has_addr = true;
	ev.user = "admin";
	ev.user_len = 5;
	ev.messages = -1;
	n /= 4;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		x = (uint32_t)(i * 2654435761u) % 100000u;
		ev.addr = a;
		ev.addr.a[1] = (uint8_t)(x >> 16);
		ev.addr.a[2] = (uint8_t)(x >> 8);
		ev.addr.a[3] = (uint8_t)x;
		decide_event(d, &ev, i, (int64_t)(i / 100000), &cb);
	}
	t1 = now_s();
	printf("decide engine, 100000 addresses: %lu auth events in %.3f s: %.0f events/s\n", n,
	    t1 - t0, (double)n / (t1 - t0));
	decide_free(d);
	conf_free(&c);
	return 0;
}
