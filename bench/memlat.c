/*
 * memlat: the machine's latency of a dependent random memory access, for
 * reading the score table's figures (bench/score.sh). A chain through N
 * random cache lines of a 32 MiB mapping (the score table's size, in huge
 * pages where the kernel allows) is walked 20 million times.
 *
 *   memlat N
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define MEMLAT_BYTES (32u << 20)
#define MEMLAT_STEPS 20000000

int
main(int argc, char **argv)
{
	size_t lines = MEMLAT_BYTES / 64, i, j, t, n, p;
	struct timespec t0, t1;
	uint64_t *b;
	size_t *order;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) < 2 || n > lines) {
		fprintf(stderr, "usage: memlat LINES (2 to %zu)\n", lines);
		return 64;
	}
	b = mmap(NULL, MEMLAT_BYTES, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	order = malloc(lines * sizeof(*order));
	if (b == MAP_FAILED || order == NULL) {
		perror("memlat");
		return 71;
	}
	(void)madvise(b, MEMLAT_BYTES, MADV_HUGEPAGE);
	memset(b, 0, MEMLAT_BYTES);
	for (i = 0; i < lines; i++)
		order[i] = i;
	srandom(1);
	for (i = lines - 1; i > 0; i--) {
		j = ((size_t)random() << 16 ^ (size_t)random()) % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < n; i++)
		b[order[i] * 8] = order[(i + 1) % n];
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0, p = order[0]; i < MEMLAT_STEPS; i++)
		p = b[p * 8];
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("dependent random access over %zu cache lines of 32 MiB: %.1f ns "
	       "(%zu)\n", n, ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	    (double)(t1.tv_nsec - t0.tv_nsec)) / MEMLAT_STEPS, p % 2);
	return 0;
}
