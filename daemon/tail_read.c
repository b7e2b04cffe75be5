/*
 * tail_read: the reading half of the tail module (tail.h); tail.c follows
 * the names. See tail.c for the rules: whole lines only, over-long lines
 * counted and dropped, positions as (offset, fingerprint), truncation, and
 * the in-place wrap of console.log with its limits.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tail_int.h"

/* pread() that retries EINTR. */
ssize_t
tail_pread(int fd, char *buf, size_t n, uint64_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, n, (off_t)off);
	while (r == -1 && errno == EINTR);
	return r;
}

/*
 * Position fingerprint of the line ending at off (off - 1 must hold '\n').
 * Returns 0, or -1 when off is not at the end of a line or on read error.
 */
int
tail_fp_at(struct tail *t, int fd, uint64_t off, uint64_t *fp)
{
	size_t n, start;
	char *nl;

	if (off == 0) {
		*fp = 0;
		return 0;
	}
	n = off < sizeof(t->sbuf) ? (size_t)off : sizeof(t->sbuf);
	if (tail_pread(fd, t->sbuf, n, off - n) != (ssize_t)n ||
	    t->sbuf[n - 1] != '\n')
		return -1;
	nl = n > 1 ? memrchr(t->sbuf, '\n', n - 1) : NULL;
	start = nl != NULL ? (size_t)(nl - t->sbuf) + 1 : 0;
	*fp = hash_fnv1a(HASH_FNV_BASIS, t->sbuf + start, n - 1 - start);
	return 0;
}

/*
 * Scan complete lines from offset from into t->cur: at most TAIL_WRAP_LINES
 * lines ending within TAIL_WRAP_BYTES of from. *eof tells whether the end
 * of the file was reached. Returns the number of lines, or -1.
 */
ssize_t
tail_scan(struct tail *t, struct tail_file *f, uint64_t from, size_t max,
    bool *eof)
{
	uint64_t pos = from, h = HASH_FNV_BASIS;
	size_t n = 0, want, take;
	const char *p, *end, *nl;
	ssize_t r;

	*eof = false;
	while (n < max && pos - from < TAIL_WRAP_BYTES) {
		want = sizeof(t->rbuf);
		if (want > TAIL_WRAP_BYTES - (pos - from))
			want = TAIL_WRAP_BYTES - (size_t)(pos - from);
		if ((r = tail_pread(f->fd, t->rbuf, want, pos)) == -1)
			return -1;
		if (r == 0) {
			*eof = true;
			break;
		}
		end = t->rbuf + r;
		for (p = t->rbuf; p < end && n < max; p += take + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			take = (size_t)((nl != NULL ? nl : end) - p);
			h = hash_fnv1a(h, p, take);
			if (nl == NULL)
				break;
			t->cur[n].end = pos + (uint64_t)(nl - t->rbuf) + 1;
			t->cur[n++].hash = h;
			h = HASH_FNV_BASIS;
		}
		pos += (uint64_t)r;
	}
	return (ssize_t)n;
}

/* Record a completed line [start, end) in the head if it extends it. */
static void
head_record(struct tail_file *f, uint64_t start, uint64_t end, uint64_t h)
{
	uint64_t last = f->head_n > 0 ? f->head[f->head_n - 1].end : 0;

	if (f->head_n < TAIL_WRAP_LINES && start == last &&
	    end <= TAIL_WRAP_BYTES) {
		f->head[f->head_n].end = end;
		f->head[f->head_n++].hash = h;
	}
}

/* A newline was consumed: f->rd is just past it. */
static void
line_end(struct tail *t, unsigned idx, struct tail_file *f)
{
	uint64_t start = f->off, fp = 0;
	size_t len = f->plen;

	head_record(f, start, f->rd, f->lhash);
	if (f->skip != 0) {
		if (f->skip == 1) {
			t->st.long_lines++;
			f->long_lines++;
		}
		if (tail_fp_at(t, f->fd, f->rd, &fp) == -1)
			fp = 0;
	} else {
		fp = f->lhash;
		if (len > 0 && f->line[len - 1] == '\r')
			len--;
		if (len > MATCH_LINE_MAX) {
			t->st.long_lines++;
			f->long_lines++;
		}
	}
	f->off = f->rd;
	f->fp = fp;
	f->lhash = HASH_FNV_BASIS;
	f->plen = 0;
	if (f->skip == 0 && len <= MATCH_LINE_MAX) {
		f->line[len] = '\0';
		t->st.lines++;
		f->lines++;
		t->cb(t->arg, idx, f->line, len);
	}
	f->skip = 0;
}

/*
 * Read from f->rd up to limit (or the end of file), handing out complete
 * lines. Returns 0, or -1 on a read error (counted).
 */
static int
file_read(struct tail *t, unsigned idx, struct tail_file *f, uint64_t limit)
{
	const char *p, *end, *nl;
	size_t want, take;
	ssize_t r;

	while (f->fd >= 0 && f->rd < limit) {
		want = sizeof(t->rbuf);
		if (limit != NOLIMIT && limit - f->rd < want)
			want = (size_t)(limit - f->rd);
		if ((r = tail_pread(f->fd, t->rbuf, want, f->rd)) == -1) {
			t->st.read_errors++;
			return -1;
		}
		if (r == 0)
			break;
		end = t->rbuf + r;
		for (p = t->rbuf; p < end; p += take + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			take = (size_t)((nl != NULL ? nl : end) - p);
			f->lhash = hash_fnv1a(f->lhash, p, take);
			if (f->skip == 0 && f->plen + take > TAIL_LINE_BUF) {
				f->skip = 1;
				f->plen = 0;
			}
			if (f->skip == 0) {
				memcpy(f->line + f->plen, p, take);
				f->plen += take;
			}
			f->rd += take;
			if (nl == NULL)
				break;
			f->rd++;
			line_end(t, idx, f);
		}
	}
	return 0;
}

/* Forget the partial line and restart reading at offset 0. */
void
tail_file_rewind(struct tail *t, struct tail_file *f)
{
	if (f->plen > 0 || f->skip == 1 || f->rd > f->off)
		t->st.partial_dropped++;
	f->off = f->rd = f->fp = 0;
	f->lhash = HASH_FNV_BASIS;
	f->plen = 0;
	f->skip = 0;
	f->head_n = 0;
	f->win_n = 0;
	f->wrapping = false;
}

/* Has the file been overwritten in place below our offset? */
static bool
file_wrapped(struct tail *t, struct tail_file *f)
{
	uint64_t fp;
	bool eof;

	if (f->head_n > 0 && (tail_scan(t, f, 0, 1, &eof) != 1 ||
	    t->cur[0].end != f->head[0].end ||
	    t->cur[0].hash != f->head[0].hash))
		return true;
	return f->off > 0 && (tail_fp_at(t, f->fd, f->off, &fp) == -1 ||
	    fp != f->fp);
}

/*
 * One look at a file that wrapped: find where Domino writes (see the top of
 * the file), hand out the new lines before it and refresh the window.
 */
static void
wrap_read(struct tail *t, unsigned idx, struct tail_file *f)
{
	uint64_t wend, limit;
	size_t i, j, m, tr;
	ssize_t n;
	bool eof, done = false;

	if ((n = tail_scan(t, f, f->off, TAIL_WRAP_LINES, &eof)) == -1) {
		t->st.read_errors++;
		return;
	}
	wend = f->win_n > 0 ? f->win[f->win_n - 1].end : 0;
	/* Lines up to wend are old when the window has them unchanged;
	 * [tr, m) is the final run of old lines. */
	for (i = j = m = tr = 0; i < (size_t)n && t->cur[i].end <= wend; i++) {
		while (j < f->win_n && f->win[j].end < t->cur[i].end)
			j++;
		m = i + 1;
		if (j == f->win_n || f->win[j].end != t->cur[i].end ||
		    f->win[j].hash != t->cur[i].hash)
			tr = i + 1;
	}
	if (n == 0) {
		/* Nothing but a partial line ahead: no old content. */
		done = true;
		limit = NOLIMIT;
	} else if (tr < m) {
		/* Hold back the line just before the old run. */
		limit = tr >= 2 ? t->cur[tr - 2].end : f->off;
	} else if ((eof && m == (size_t)n) || (m > 0 && wend >= f->wrap_eof)) {
		/* Only new lines up to the end of file, or past the old one. */
		done = true;
		limit = NOLIMIT;
	} else if (m == 0) {
		/* No window to compare with yet: build it, read nothing. */
		limit = f->off;
	} else {
		/* Every windowed line changed: Domino overran the window. */
		t->st.wrap_overruns++;
		limit = t->cur[m - 1].end;
	}
	file_read(t, idx, f, limit);
	for (i = f->win_n = 0; i < (size_t)n; i++)
		if (t->cur[i].end > f->off)
			f->win[f->win_n++] = t->cur[i];
	if (done || f->off >= f->wrap_eof) {
		f->wrapping = false;
		f->win_n = 0;
		file_read(t, idx, f, NOLIMIT);
	}
}

/* Check an open file for truncation and wraps, then read what is new. */
void
tail_file_check(struct tail *t, unsigned idx, struct tail_file *f)
{
	struct stat st;

	if (f->fd < 0)
		return;
	if (fstat(f->fd, &st) == -1) {
		t->st.read_errors++;
		return;
	}
	if ((uint64_t)st.st_size < f->rd) {
		t->st.truncations++;
		tail_file_rewind(t, f);
	} else if (!f->wrapping && (uint64_t)st.st_size == f->rd &&
	    f->rd > 0 && file_wrapped(t, f)) {
		/* The old head becomes the window the wrap is read
		 * against; a new head starts at offset 0. */
		struct tail_mark *m = f->win;
		size_t n = f->head_n;

		t->st.wraps++;
		tail_file_rewind(t, f);
		f->win = f->head;
		f->head = m;
		f->win_n = n;
		f->wrapping = true;
		f->wrap_eof = (uint64_t)st.st_size;
	}
	if (f->wrapping)
		wrap_read(t, idx, f);
	else
		file_read(t, idx, f, NOLIMIT);
}
