/*
 * score-bench: events per second through the score table and through the
 * whole decision engine, on one core, and the table's bytes per record.
 *   score-bench [EVENTS]
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decide.h"
#include "score_int.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The address of event i among spread attackers. */
static void
address(struct addr *a, unsigned long i, uint32_t spread)
{
	uint32_t x = (uint32_t)(i * 2654435761u) % spread;

	a->a[1] = (uint8_t)(x >> 16);
	a->a[2] = (uint8_t)(x >> 8);
	a->a[3] = (uint8_t)x;
}

/* Hash event i's keys (host, /24) and prefetch their records. */
static void
keys(struct score *s, struct addr *a, unsigned long i, uint32_t spread,
    struct score_key *kh, struct score_key *kn)
{
	struct addr net;

	address(a, i, spread);
	score_key(s, a, kh);
	score_prefetch(s, kh);
	addr_mask(&net, a, 24);
	score_key(s, &net, kn);
	score_prefetch(s, kn);
}

/*
 * n events through the table. ahead 0: each event hashes and prefetches
 * its two keys, then adds them (decide_event()). ahead > 0: event
 * i + ahead is keyed and prefetched before event i is added, as
 * decide_flush() does for queued events.
 */
static void
table_run(const struct conf *c, uint32_t spread, unsigned long n,
    unsigned ahead)
{
	static const uint8_t seed[16] = {42};
	struct score_key kh[DECIDE_AHEAD + 1], kn[DECIDE_AHEAD + 1];
	struct score *s = score_new(c->max_records, seed);
	struct addr a;
	unsigned long i, j;
	unsigned w = ahead + 1;
	double t0, t1;

	memset(&a, 0, sizeof(a));
	a.family = 2; /* AF_INET */
	a.len = 32;
	a.a[0] = 198;
	t0 = now_s();
	for (i = 0; i < ahead && i < n; i++)
		keys(s, &a, i, spread, &kh[i % w], &kn[i % w]);
	for (i = 0; i < n; i++) {
		if (i + ahead < n)
			keys(s, &a, i + ahead, spread, &kh[(i + ahead) % w],
			    &kn[(i + ahead) % w]);
		j = i % w;
		score_add_key(s, &kh[j], 1, 0, NULL, (int64_t)(i / 100000),
		    600);
		score_add_key(s, &kn[j], 1, 0, &kh[j], (int64_t)(i / 100000),
		    600);
	}
	t1 = now_s();
	printf("score table, %u addresses, %s: %lu events (host + /24 each) "
	       "in %.3f s: %.0f events/s\n", spread,
	    ahead == 0 ? "one event at a time" : "keyed 8 events ahead", n,
	    t1 - t0, (double)n / (t1 - t0));
	if (ahead != 0)
		printf("  %zu records, %zu bytes, %.1f bytes/record (capacity "
		       "%.1f), %llu evictions, longest run %zu slots\n",
		    score_count(s), score_bytes(s),
		    (double)score_bytes(s) / (double)score_count(s),
		    (double)score_bytes(s) / (double)(c->max_records),
		    (unsigned long long)score_evictions(s),
		    score_longest_run(s));
	score_free(s);
}

/* n auth failures from spread addresses through the decision engine,
 * one decide_event() each or queued (decide_queue). */
static void
engine_run(const struct conf *c, uint32_t spread, unsigned long n,
    bool queued)
{
	static const uint8_t seed[16] = {42};
	static const struct match_pattern pat = {"smtp-auth", "smtp",
	    MATCH_AUTH, 1, "bench", 1, "smtp-auth", 0};
	struct decide_cb cb = {NULL, NULL, NULL};
	struct match_event ev;
	struct allow allow;
	struct decide *d;
	unsigned long i;
	double t0, t1;

	allow_init(&allow);
	if ((d = decide_new(c, seed, &allow)) == NULL) {
		perror("decide_new");
		exit(1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.pattern = &pat;
	ev.has_addr = true;
	ev.addr.family = 2; /* AF_INET */
	ev.addr.len = 32;
	ev.addr.a[0] = 198;
	ev.user = "admin";
	ev.user_len = 5;
	ev.messages = -1;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		address(&ev.addr, i, spread);
		if (queued)
			decide_queue(d, &ev, i, (int64_t)(i / 100000), &cb);
		else
			decide_event(d, &ev, i, (int64_t)(i / 100000), &cb);
	}
	decide_flush(d, &cb);
	t1 = now_s();
	printf("decide engine, %u addresses, %s: %lu auth events in %.3f s: "
	       "%.0f events/s\n", spread, queued ? "queued" : "decide_event",
	    n, t1 - t0, (double)n / (t1 - t0));
	decide_free(d);
}

int
main(int argc, char **argv)
{
	static const uint32_t spreads[] = {10000u, 100000u, 4000000u};
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000000;
	struct conf c;
	int k;

	conf_defaults(&c);
	/* Three loads: attackers from 10,000 addresses (a large attack; the
	 * records touched fit the caches), from 100,000 (the table holds them
	 * all, but nearly every record touched is a cache miss), and a flood
	 * from 4 million (the table is full and evicts on nearly every
	 * event). Each event raises the host and its /24. */
	for (k = 0; k < 3; k++) {
		table_run(&c, spreads[k], n, 0);
		table_run(&c, spreads[k], n, DECIDE_AHEAD);
	}
	for (k = 0; k < 2; k++) {
		engine_run(&c, spreads[k], n / 4, false);
		engine_run(&c, spreads[k], n / 4, true);
	}
	conf_free(&c);
	return 0;
}
