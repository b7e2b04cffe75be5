/*
 * scan: see scan.h. Files are read in SCAN_CHUNK pieces; the partial last
 * line is carried into the next piece, and a piece with no newline at all
 * is one over-long line, which match_buffer() counts and skips. The bytes
 * come through logread: plain or gzip, anything else refused (EX_DATAERR).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "log.h"
#include "logread.h"
#include "scan.h"

uint64_t
scan_line_number(struct scan *s, const char *p)
{
	s->line += match_count_newlines(s->counted, (size_t)(p - s->counted));
	s->counted = p;
	return s->line + 1;
}

static void
on_match(void *arg, const char *line, size_t len, const struct match_event *ev)
{
	struct scan *s = arg;

	if (s->gap != NULL) {
		s->gap(s->arg, s->gap_from, line);
		s->gap_from = line + len + 1;
	}
	s->cb(s->arg, line, len, ev);
}

static void
run_chunk(struct scan *s, const char *buf, size_t len)
{
	s->counted = buf;
	s->gap_from = buf;
	match_buffer(s->m, buf, len, on_match, s);
	if (s->gap != NULL && s->gap_from < buf + len)
		s->gap(s->arg, s->gap_from, buf + len);
	scan_line_number(s, buf + len);
}

static ssize_t
read_fd(void *arg, void *buf, size_t n)
{
	return read(*(int *)arg, buf, n);
}

int
scan_file(struct scan *s, const char *path)
{
	struct logread lr;
	size_t have = 0, whole;
	const char *nl;
	ssize_t n;
	int fd, rc = EX_OK;

	if (s->buf == NULL && (s->buf = malloc(SCAN_CHUNK)) == NULL) {
		log_warn("malloc");
		return EX_OSERR;
	}
	fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1) {
		log_warn("%s", path);
		return EX_NOINPUT;
	}
	logread_open(&lr, read_fd, &fd);
	s->line = 0;
	for (;;) {
		n = logread_read(&lr, s->buf + have, SCAN_CHUNK - have);
		if (n == -1) {
			log_warnx("%s: %s", path, logread_why(&lr));
			rc = errno == EILSEQ ? EX_DATAERR : EX_IOERR;
			break;
		}
		have += (size_t)n;
		if (n == 0 || have == SCAN_CHUNK) {
			nl = n == 0 ? s->buf + have : memrchr(s->buf, '\n', have);
			whole = nl == NULL ? have :
			    (size_t)(nl - s->buf) + (n == 0 ? 0 : 1);
			if (whole > 0)
				run_chunk(s, s->buf, whole);
			memmove(s->buf, s->buf + whole, have - whole);
			have -= whole;
		}
		if (n == 0)
			break;
	}
	logread_close(&lr);
	if (fd != 0)
		close(fd);
	return rc;
}

void
scan_free(struct scan *s)
{
	free(s->buf);
	s->buf = NULL;
}
