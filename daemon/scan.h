/*
 * scan: read a log file (or stdin) in large chunks and run the matcher over
 * whole lines with match_buffer(), keeping line numbers. Shared by
 * `dominoban test` and `dominoban replay`.
 */
#ifndef DB_SCAN_H
#define DB_SCAN_H

#include <stdint.h>

#include "match.h"

#define SCAN_CHUNK (4u << 20) /* bytes read at once */

struct scan {
	struct matcher *m;
	match_cb cb;            /* called per matched line */
	/* Optional: called with each chunk's matched-line-free stretches,
	 * [from, to), in order (for `test`'s suspicious-line report). */
	void (*gap)(void *arg, const char *from, const char *to);
	void *arg;
	/* Private. */
	char *buf;
	const char *counted, *gap_from;
	uint64_t line;
};

/* Read path ("-" is stdin) through s, plain or gzip (logread.h). Returns
 * a sysexits code: EX_NOINPUT (cannot open), EX_DATAERR (not a log, or a
 * corrupt gzip stream: said on stderr, after the lines before it were
 * read), EX_IOERR. */
int scan_file(struct scan *s, const char *path);

/* The 1-based number of the line that starts at p in the current chunk
 * (call from the callbacks, in increasing p). */
uint64_t scan_line_number(struct scan *s, const char *p);

/* Release the read buffer. */
void scan_free(struct scan *s);

#endif
