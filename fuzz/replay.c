/*
 * replay: a main() for a fuzz harness without libFuzzer. It runs
 * LLVMFuzzerTestOneInput once on every file named on the command line
 * (directories are read in name order), or, with no argument, on the
 * checked-in seed corpus of its harness (FUZZ_CORPUS). Each input is handed
 * over in a buffer of exactly its size, as libFuzzer does, so a sanitizer
 * build catches a read past the end. An empty corpus is a failure, never a
 * silent pass. Also the way to re-run a crash file with gcc and a debugger.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define REPLAY_MAX_FILE (16u << 20) /* bytes: larger inputs are refused */

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (st.st_size > REPLAY_MAX_FILE) {
		fprintf(stderr, "replay: %s: larger than %u bytes\n", path,
		    REPLAY_MAX_FILE);
		fclose(f);
		return -1;
	}
	/* malloc(0) may return NULL: keep one byte, pass size 0. */
	if ((buf = malloc((size_t)st.st_size + (st.st_size == 0))) == NULL) {
		fclose(f);
		return -1;
	}
	n = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir in name order; returns how many, or -1. */
static long
run_dir(const char *dir)
{
	char **names = NULL, **tmp, path[4096];
	struct dirent *de;
	size_t n = 0, i;
	long done = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((tmp = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (tmp[n] = strdup(de->d_name)) == NULL) {
			names = tmp != NULL ? tmp : names;
			done = -1;
			break;
		}
		names = tmp;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_name);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (done >= 0 && run_file(path) == 0)
			done++;
		else
			done = -1;
		free(names[i]);
	}
	free(names);
	return done;
}

int
main(int argc, char **argv)
{
	static const char *const dflt[] = {FUZZ_CORPUS};
	const char *const *args = dflt;
	long total = 0, n;
	struct stat st;
	int i, nargs = 1;

	LLVMFuzzerInitialize(&argc, &argv);
	if (argc > 1) {
		args = (const char *const *)argv + 1;
		nargs = argc - 1;
	}
	for (i = 0; i < nargs; i++) {
		if (stat(args[i], &st) == -1) {
			fprintf(stderr, "replay: %s: %s\n", args[i],
			    strerror(errno));
			return EXIT_FAILURE;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(args[i]) :
		    run_file(args[i]) == 0 ? 1 : -1;
		if (n < 0)
			return EXIT_FAILURE;
		total += n;
	}
	printf("replayed %ld inputs\n", total);
	return total > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
