/*
 * errs: a bounded list of "file:line: message" errors, collected while a
 * configuration or pattern file is parsed so that every problem is reported
 * at once (and can travel back over the control socket on reload).
 */
#ifndef DB_ERRS_H
#define DB_ERRS_H

struct errs {
	char text[4096];  /* messages, one per line; cut when full */
	unsigned count;   /* errors added, including any cut off */
};

/* Append "file:line: message\n" (no ":line" when line is 0). */
void errs_add(struct errs *e, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
