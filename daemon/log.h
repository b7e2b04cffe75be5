/*
 * log: the daemon's one logger (the only singleton). Lines go to stderr as
 * key=value records; under systemd (JOURNAL_STREAM set) each line carries an
 * sd-daemon(3) priority prefix so journald files it at the right level.
 */
#ifndef DB_LOG_H
#define DB_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERR = 3,
	LOG_LEVEL_WARNING = 4,
	LOG_LEVEL_INFO = 6,
	LOG_LEVEL_DEBUG = 7,
};

/* Set the program name and the most verbose level that is printed. */
void log_init(const char *ident, enum log_level max);

/* Change the most verbose level printed. */
void log_set_level(enum log_level max);

/* True when records of level are printed (to skip costly formatting). */
bool log_enabled(enum log_level level);

/* Informational record. */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Debug record, dropped unless the level is LOG_LEVEL_DEBUG. */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning with ": strerror(errno)" appended; errno is preserved. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Warning without errno. */
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Error record, errno appended; then exit(code). code is a sysexits value. */
void fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
/* Error record without errno; then exit(code). */
void fatalx(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/*
 * Copy the n bytes at src into dst (size bytes, always NUL-terminated) so
 * that attacker text cannot forge records or fields: backslash, quote and
 * every byte outside printable ASCII become \\, \" or \xHH. Output that does
 * not fit is cut and ends with "...". Returns strlen(dst).
 */
size_t log_escape(char *dst, size_t size, const char *src, size_t n);

/*
 * A rate limit for warnings about hostile input: at most burst records per
 * window seconds; the rest are dropped (what they were about is counted
 * by the module that warns, in its own statistics).
 */
struct log_limit {
	int64_t window_start; /* seconds */
	unsigned used;
	unsigned burst;
	unsigned window;     /* seconds */
};

/* True when a record may be written at time now (seconds). */
bool log_limit_allow(struct log_limit *l, int64_t now);

#endif
