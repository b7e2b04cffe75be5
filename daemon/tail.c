/*
 * tail: raw inotify log follower.
 *
 * Model: inotify only says "something changed". On any event, and on the
 * periodic rescan, every file is re-evaluated from what the filesystem says
 * now: first the open descriptor is drained to its end (so lines written to
 * a file just before it was renamed away are not lost), then the name is
 * looked up again. A different inode under the name is a rotation: the old
 * descriptor is closed and the new file read from offset 0. A name that is
 * gone while the open file has no links left is a deletion. A size below
 * our offset is a truncation (copytruncate, `archivelog`): read from 0.
 * This does not depend on the order or completeness of events, so a queue
 * overflow costs nothing but a rescan.
 *
 * Watches: the file's directory, or its nearest existing ancestor while the
 * directory does not exist (re-checked after each watch is added, since
 * mkdir -p races it); and the open file itself, so writes to a renamed file
 * still wake us.
 *
 * console.log wrap (CONSOLE_LOG_MAX_KBYTES): Domino overwrites the file from
 * offset 0 while its size stays put, so the file is [new lines | old lines].
 * Heuristic: when the file was modified (mtime moved) but neither grew past
 * our offset nor shrank, or the bytes before our offset no longer hash to
 * the last line we read, the file has wrapped. We then read from 0 and stop
 * at the first line that we already read in the previous cycle (kept as a
 * set of line hashes, TAIL_SEEN_MAX per cycle), which marks where Domino is
 * writing; later writes are read from there. Limits: a cycle longer than
 * TAIL_SEEN_MAX lines may re-deliver old lines after a wrap; the fragment
 * of an old line just after Domino's write position is delivered once as a
 * line (the shipped patterns are anchored at the line start, so such a
 * suffix does not match); a wrap and a rewrite that leaves size, mtime and
 * the last line unchanged cannot be seen.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "tail.h"

#define TAIL_READ 65536 /* bytes read per call */
#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
	IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR)
#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)

/* An open-addressing set of line hashes for one wrap cycle. */
struct seen {
	uint64_t *h;
	size_t n;
};

struct tfile {
	char *path;
	char *dir;
	int fd;
	uint64_t dev, ino;
	uint64_t offset;      /* end of the last whole line */
	uint64_t rpos;        /* bytes consumed: offset plus a partial line */
	uint64_t fingerprint;
	size_t lastlen;       /* length of that line, for the wrap check */
	uint64_t first;       /* hash of the file's first line, 0 if none */
	int wd_file, wd_dir;
	char *watched;        /* directory the dir watch is on */
	struct timespec mtime;
	bool circular;        /* wrapped at least once: stop at old lines */
	struct seen cur, prev;
	char *part;           /* partial line carried between reads */
	size_t plen;
	bool skipping;        /* inside an over-long line */
};

struct tail {
	int ifd;
	tail_line_cb cb;
	void *arg;
	struct tfile files[TAIL_MAX_FILES];
	unsigned n;
	struct tail_stats st;
	char buf[TAIL_READ];
};

uint64_t
tail_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h | 1; /* never 0: 0 means "no line yet" */
}

static bool
seen_has(const struct seen *s, uint64_t h)
{
	size_t i;

	if (s->h == NULL)
		return false;
	for (i = h & (TAIL_SEEN_MAX - 1); s->h[i] != 0;
	     i = (i + 1) & (TAIL_SEEN_MAX - 1))
		if (s->h[i] == h)
			return true;
	return false;
}

static void
seen_add(struct seen *s, uint64_t h)
{
	size_t i;

	if (s->h == NULL &&
	    (s->h = calloc(TAIL_SEEN_MAX, sizeof(*s->h))) == NULL)
		return;
	/* Keep the table at most half full: past that, start the cycle's
	 * record afresh (the documented TAIL_SEEN_MAX limit). */
	if (s->n >= TAIL_SEEN_MAX / 2) {
		memset(s->h, 0, TAIL_SEEN_MAX * sizeof(*s->h));
		s->n = 0;
	}
	for (i = h & (TAIL_SEEN_MAX - 1); s->h[i] != 0;
	     i = (i + 1) & (TAIL_SEEN_MAX - 1))
		if (s->h[i] == h)
			return;
	s->h[i] = h;
	s->n++;
}

struct tail *
tail_open(tail_line_cb cb, void *arg)
{
	struct tail *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd == -1) {
		free(t);
		return NULL;
	}
	t->cb = cb;
	t->arg = arg;
	return t;
}

static void
close_file(struct tail *t, struct tfile *f)
{
	if (f->wd_file >= 0)
		inotify_rm_watch(t->ifd, f->wd_file);
	f->wd_file = -1;
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	f->plen = 0;
	f->skipping = false;
}

void
tail_close(struct tail *t)
{
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		struct tfile *f = &t->files[i];
		if (f->fd >= 0)
			close(f->fd);
		free(f->path);
		free(f->dir);
		free(f->watched);
		free(f->part);
		free(f->cur.h);
		free(f->prev.h);
	}
	close(t->ifd);
	free(t);
}

int
tail_fd(const struct tail *t)
{
	return t->ifd;
}

/* Watch f's directory or, while it is missing, its nearest ancestor. */
static void
watch_dir(struct tail *t, struct tfile *f)
{
	char path[PATH_MAX], *slash;
	struct stat st;
	int wd;

	snprintf(path, sizeof(path), "%s", f->dir);
	for (;;) {
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (f->watched != NULL && strcmp(f->watched, path) == 0)
				return;
			wd = inotify_add_watch(t->ifd, path, DIR_EVENTS);
			if (wd == -1)
				return;
			f->wd_dir = wd;
			free(f->watched);
			f->watched = strdup(path);
			/* A deeper directory may have appeared meanwhile. */
			if (strcmp(path, f->dir) == 0)
				return;
			snprintf(path, sizeof(path), "%s", f->dir);
			continue;
		}
		slash = strrchr(path, '/');
		if (slash == NULL || slash == path) {
			snprintf(path, sizeof(path), "/");
			if (stat(path, &st) == 0 && f->watched != NULL &&
			    strcmp(f->watched, "/") == 0)
				return;
			continue;
		}
		*slash = '\0';
	}
}

static void
deliver(struct tail *t, unsigned idx, struct tfile *f, const char *line,
    size_t len)
{
	uint64_t h;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	h = tail_hash(line, len);
	f->fingerprint = h;
	f->lastlen = len;
	seen_add(&f->cur, h);
	t->st.lines++;
	t->cb(t->arg, idx, line, len);
}

/*
 * Read from f->rpos to the end of the file, delivering whole lines. In
 * circular mode, stop before the first line of the previous cycle.
 */
static size_t
read_file(struct tail *t, unsigned idx, struct tfile *f)
{
	size_t delivered = 0, take = 0, len;
	const char *p, *end, *nl = NULL;
	ssize_t r;

	if (f->fd < 0)
		return 0;
	for (;;) {
		r = pread(f->fd, t->buf, sizeof(t->buf), (off_t)f->rpos);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		end = t->buf + r;
		for (p = t->buf; p < end; p += take + (nl != NULL)) {
			nl = memchr(p, '\n', (size_t)(end - p));
			take = (size_t)((nl != NULL ? nl : end) - p);
			if (!f->skipping && f->plen + take > MATCH_LINE_MAX) {
				t->st.long_lines++;
				f->skipping = true;
				f->plen = 0;
			}
			if (!f->skipping) {
				memcpy(f->part + f->plen, p, take);
				f->plen += take;
			}
			if (nl == NULL) {
				f->rpos += take;
				continue;
			}
			if (f->skipping) {
				/* The end of an over-long line: resync. */
				f->skipping = false;
				f->rpos += take + 1;
				f->offset = f->rpos;
				continue;
			}
			len = f->plen;
			if (len > 0 && f->part[len - 1] == '\r')
				len--;
			if (f->circular && seen_has(&f->prev,
					       tail_hash(f->part, len))) {
				/* Old content: where Domino writes next. */
				f->plen = 0;
				f->rpos = f->offset;
				return delivered;
			}
			f->rpos += take + 1;
			f->offset = f->rpos;
			if (f->offset == f->plen + 1)
				f->first = tail_hash(f->part, len);
			deliver(t, idx, f, f->part, f->plen);
			f->plen = 0;
			delivered++;
		}
	}
	return delivered;
}

/* Hash of the line that ends at off (which must follow a newline), or 0;
 * its length in *lenp. */
static uint64_t
line_before(int fd, uint64_t off, size_t *lenp)
{
	char buf[MATCH_LINE_MAX + 2], *nl;
	size_t n = off < sizeof(buf) ? (size_t)off : sizeof(buf), len, start;
	ssize_t r;

	if (off == 0)
		return 0;
	r = pread(fd, buf, n, (off_t)(off - n));
	if (r != (ssize_t)n || buf[n - 1] != '\n')
		return 0;
	nl = n > 1 ? memrchr(buf, '\n', n - 1) : NULL;
	if (nl == NULL && n < off)
		return 0; /* longer than any line we deliver */
	start = nl != NULL ? (size_t)(nl - buf) + 1 : 0;
	len = n - 1 - start;
	if (len > 0 && buf[start + len - 1] == '\r')
		len--;
	*lenp = len;
	return tail_hash(buf + start, len);
}

/* Hash of the file's first whole line, or 0. */
static uint64_t
first_line(int fd)
{
	char buf[MATCH_LINE_MAX + 2], *nl;
	size_t len;
	ssize_t r;

	r = pread(fd, buf, sizeof(buf), 0);
	if (r <= 0 || (nl = memchr(buf, '\n', (size_t)r)) == NULL)
		return 0;
	len = (size_t)(nl - buf);
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	return tail_hash(buf, len);
}

/* Does the line ending at f->offset still hash to f->fingerprint? */
static bool
last_line_intact(struct tfile *f)
{
	size_t len;

	if (f->offset == 0 || f->fingerprint == 0)
		return true;
	return line_before(f->fd, f->offset, &len) == f->fingerprint;
}

static void
start_over(struct tfile *f)
{
	f->offset = 0;
	f->rpos = 0;
	f->first = 0;
	f->plen = 0;
	f->skipping = false;
	f->fingerprint = 0;
	f->lastlen = 0;
}

static int
open_file(struct tail *t, struct tfile *f)
{
	struct stat st;
	int fd;

	fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	f->fd = fd;
	f->dev = (uint64_t)st.st_dev;
	f->ino = (uint64_t)st.st_ino;
	f->mtime = st.st_mtim;
	f->wd_file = inotify_add_watch(t->ifd, f->path, FILE_EVENTS);
	return 0;
}

/* Re-evaluate one file: see the comment at the top. */
static size_t
check(struct tail *t, unsigned idx)
{
	struct tfile *f = &t->files[idx];
	size_t n = 0;
	struct stat st, cur;
	bool same, changed;

	watch_dir(t, f);
	n += read_file(t, idx, f);
	if (stat(f->path, &st) == -1 || !S_ISREG(st.st_mode)) {
		/* Gone: keep a renamed file open for late writes; drop a
		 * deleted one. */
		if (f->fd >= 0 && fstat(f->fd, &cur) == 0 && cur.st_nlink == 0)
			close_file(t, f);
		return n;
	}
	same = f->fd >= 0 && (uint64_t)st.st_dev == f->dev &&
	    (uint64_t)st.st_ino == f->ino;
	if (!same) {
		if (f->fd >= 0)
			t->st.rotations++;
		close_file(t, f);
		if (open_file(t, f) == -1)
			return n;
		start_over(f);
		f->circular = false;
		return n + read_file(t, idx, f);
	}
	if ((uint64_t)st.st_size < f->rpos) {
		t->st.truncations++;
		start_over(f);
		f->circular = false;
		f->mtime = st.st_mtim;
		return n + read_file(t, idx, f);
	}
	changed = st.st_mtim.tv_sec != f->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != f->mtime.tv_nsec;
	f->mtime = st.st_mtim;
	if (!changed)
		return n;
	/* Written below our position: the first line or our last line was
	 * overwritten in place (a touch, or appends, change neither). */
	if ((f->first != 0 && first_line(f->fd) != f->first) ||
	    !last_line_intact(f)) {
		t->st.wraps++;
		free(f->prev.h);
		f->prev = f->cur;
		f->cur.h = NULL;
		f->cur.n = 0;
		f->circular = true;
		start_over(f);
		n += read_file(t, idx, f);
	}
	return n;
}

/* Position f at the end of its file, after the last whole line. */
static void
seek_end(struct tfile *f, uint64_t size)
{
	char buf[MATCH_LINE_MAX + 2], *nl;
	size_t n = size < sizeof(buf) ? (size_t)size : sizeof(buf);
	ssize_t r;

	f->first = first_line(f->fd);
	r = pread(f->fd, buf, n, (off_t)(size - n));
	if (r != (ssize_t)n || (nl = memrchr(buf, '\n', n)) == NULL) {
		f->offset = f->rpos = size > n ? size : 0;
		return;
	}
	f->offset = f->rpos = size - n + (size_t)(nl - buf) + 1;
	f->fingerprint = line_before(f->fd, f->offset, &f->lastlen);
}

int
tail_add(struct tail *t, const char *path, bool from_start,
    const struct tail_pos *resume)
{
	struct tfile *f;
	struct stat st;
	char *slash;

	if (t->n == TAIL_MAX_FILES) {
		errno = E2BIG;
		return -1;
	}
	f = &t->files[t->n];
	memset(f, 0, sizeof(*f));
	f->fd = f->wd_file = f->wd_dir = -1;
	f->path = strdup(path);
	f->dir = strdup(path);
	f->part = malloc(MATCH_LINE_MAX + 1);
	if (f->path == NULL || f->dir == NULL || f->part == NULL)
		goto fail;
	slash = strrchr(f->dir, '/');
	if (slash == NULL)
		snprintf(f->dir, strlen(path) + 1, ".");
	else if (slash == f->dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	watch_dir(t, f);
	if (open_file(t, f) == 0 && fstat(f->fd, &st) == 0) {
		if (resume != NULL && resume->dev == f->dev &&
		    resume->ino == f->ino &&
		    resume->offset <= (uint64_t)st.st_size) {
			f->offset = f->rpos = resume->offset;
			f->fingerprint = resume->fingerprint;
			f->first = first_line(f->fd);
			if (resume->offset > 0 &&
			    line_before(f->fd, f->offset, &f->lastlen) !=
				resume->fingerprint)
				start_over(f);
		} else if (resume == NULL && !from_start) {
			seek_end(f, (uint64_t)st.st_size);
		}
	}
	return (int)t->n++;
fail:
	free(f->path);
	free(f->dir);
	free(f->part);
	errno = ENOMEM;
	return -1;
}

size_t
tail_process(struct tail *t)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t r;
	char *p;

	for (;;) {
		r = read(t->ifd, ev, sizeof(ev));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (p = ev; p < ev + r; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)p;
			if (e->mask & IN_Q_OVERFLOW)
				t->st.overflows++;
		}
	}
	return tail_rescan(t);
}

size_t
tail_rescan(struct tail *t)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; i < t->n; i++)
		n += check(t, i);
	return n;
}

int
tail_get_pos(const struct tail *t, unsigned idx, struct tail_pos *pos)
{
	const struct tfile *f;

	if (idx >= t->n) {
		errno = EINVAL;
		return -1;
	}
	f = &t->files[idx];
	pos->dev = f->dev;
	pos->ino = f->ino;
	pos->offset = f->offset;
	pos->fingerprint = f->offset == 0 ? 0 : f->fingerprint;
	return 0;
}

const char *
tail_path(const struct tail *t, unsigned idx)
{
	return idx < t->n ? t->files[idx].path : NULL;
}

unsigned
tail_count(const struct tail *t)
{
	return t->n;
}

void
tail_get_stats(const struct tail *t, struct tail_stats *st)
{
	*st = t->st;
}
