/*
 * line-bench: the daemon's line path, match_line() once per line as the
 * tailer hands lines out, over a log file read into memory; lines per
 * second on one core.
 *   line-bench FILE PATTERN_DIR
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "match.h"

int
main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct match_event ev;
	struct matcher *m;
	struct errs err;
	const char *dirs[1], *p, *e, *end;
	unsigned long lines = 0, hits = 0;
	char *buf;
	long n;
	double s;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: line-bench FILE PATTERN_DIR\n");
		return 64;
	}
	dirs[0] = argv[2];
	memset(&err, 0, sizeof(err));
	if ((m = match_load(dirs, 1, 0, &err)) == NULL) {
		fprintf(stderr, "line-bench: patterns refused:\n%s", err.text);
		return 78;
	}
	if ((f = fopen(argv[1], "rb")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(argv[1]);
		return 66;
	}
	fclose(f);
	end = buf + n;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (p = buf; p < end; p = e + 1) {
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			e = end;
		lines++;
		hits += match_line(m, p, (size_t)(e - p), &ev) == 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("match_line (the daemon's line path, JIT %s): %lu lines, %lu "
	       "events in %.3f s: %.0f lines/s\n", match_jit(m) ? "on" : "off",
	    lines, hits, s, (double)lines / s);
	free(buf);
	match_free(m);
	return 0;
}
