/*
 * logread: a log file's bytes for `test` and `replay`, as Domino leaves
 * them: plain text, or gzip (the start script archives notes.log as
 * notes_YYMMDD_HHMMSS.log.gz), decompressed as it is read, several members
 * in a row included. Anything else (another compression, an executable,
 * binary data) is refused with the reason instead of being read as lines.
 * Reads from a source callback, so that a file, standard input and a
 * fuzzer's memory go the same way. No printing.
 */
#ifndef DB_LOGREAD_H
#define DB_LOGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <zlib.h>

#define LOGREAD_IN (64u << 10)  /* compressed bytes read at once */
#define LOGREAD_SNIFF 4096      /* first bytes of text checked */
/* Over this share (percent) of control bytes in the first LOGREAD_SNIFF
 * bytes, the data is binary, not a log. */
#define LOGREAD_BINARY_PCT 10
#define LOGREAD_WHY_MAX 192

/* Read up to n bytes into buf: the count, 0 at the end, or -1 with errno. */
typedef ssize_t logread_src(void *arg, void *buf, size_t n);

struct logread {
	logread_src *src;
	void *arg;
	z_stream z;
	unsigned char in[LOGREAD_IN];
	size_t in_off, in_len;  /* plain: bytes read while sniffing, unsent */
	char head[LOGREAD_SNIFF]; /* gzip: the first text, judged, unsent */
	size_t head_off, head_len;
	int failed;             /* errno of a failure while reading head */
	enum { LR_START, LR_PLAIN, LR_GZIP, LR_END } mode;
	bool z_init, eof;
	uint64_t members;       /* gzip members begun */
	char why[LOGREAD_WHY_MAX];
};

/* Start reading from src(arg, ...). Nothing is read yet. */
void logread_open(struct logread *r, logread_src *src, void *arg);

/*
 * Up to n bytes of text into buf (n >= 1). Returns the count, 0 at the
 * end, or -1 with errno: EILSEQ when the data is refused (not a log, a
 * corrupt or truncated gzip stream: logread_why() says which), or the
 * source's errno.
 */
ssize_t logread_read(struct logread *r, char *buf, size_t n);

/* Why the last logread_read() failed, for the admin. */
const char *logread_why(const struct logread *r);

/* Is the data gzip-compressed (known once something was read)? */
bool logread_gzip(const struct logread *r);

/* Release the decompressor. */
void logread_close(struct logread *r);

#endif
