/*
 * nft-bench: netlink figures, run inside a private network namespace
 * (bench/nft.sh): 100,000 bans in one nft_ban() call, the same restored into
 * an empty table, a dump of 100,000, and single-ban latency into a set
 * that already holds 10,000.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nft.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
fill(struct nft_elem *e, size_t n, unsigned base)
{
	size_t i;

	memset(e, 0, n * sizeof(*e));
	for (i = 0; i < n; i++) {
		unsigned v = base + (unsigned)i;
		e[i].target.family = 2; /* AF_INET */
		e[i].target.len = 32;
		e[i].target.a[0] = 10;
		e[i].target.a[1] = (uint8_t)(v >> 16);
		e[i].target.a[2] = (uint8_t)(v >> 8);
		e[i].target.a[3] = (uint8_t)v;
		e[i].timeout_ms = 3600000;
	}
}

int
main(void)
{
	static const uint16_t ports[] = {25};
	size_t n = 100000, i;
	struct nft_elem *e = calloc(n, sizeof(*e));
	struct nft_entry *v;
	double t0, t1, lat[200];
	struct nft *nf = nft_open("bench");
	ssize_t k;

	if (nf == NULL || nft_setup(nf, ports, 1, false, -10) == -1) {
		perror("nft");
		return 1;
	}
	fill(e, n, 0);
	t0 = now_s();
	i = nft_ban(nf, e, n, false);
	t1 = now_s();
	printf("100,000 host bans in one call: %.3f s (%zu failed)\n", t1 - t0,
	    i);
	t0 = now_s();
	k = nft_list(nf, &v);
	t1 = now_s();
	printf("dump of %zd elements: %.3f s\n", k, t1 - t0);
	free(v);
	/* Restore after a reboot: an empty table, everything in one call. */
	nft_teardown(nf);
	nft_setup(nf, ports, 1, false, -10);
	t0 = now_s();
	i = nft_ban(nf, e, n, false);
	t1 = now_s();
	printf("restore 100,000 bans into an empty table: %.3f s (%zu "
	       "failed)\n", t1 - t0, i);
	/* Single bans into a set of 10,000 (the daemon's common case). */
	nft_teardown(nf);
	nft_setup(nf, ports, 1, false, -10);
	nft_ban(nf, e, 10000, false);
	fill(e, 200, 200000);
	for (i = 0; i < 200; i++) {
		t0 = now_s();
		nft_ban(nf, &e[i], 1, false);
		lat[i] = (now_s() - t0) * 1e6;
	}
	qsort(lat, 200, sizeof(lat[0]), cmp_d);
	printf("single ban into a set of 10,000: p50 %.0f us, p99 %.0f us\n",
	    lat[100], lat[198]);
	nft_teardown(nf);
	nft_close(nf);
	free(e);
	return 0;
}
