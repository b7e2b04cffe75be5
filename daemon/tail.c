/*
 * tail: follow log files by name with raw inotify(7).
 *
 * Model. Events only say where to look; what to do is decided from what the
 * filesystem says now, so lost, merged or reordered events (and
 * IN_Q_OVERFLOW, which just marks every file) cost nothing but a look.
 * A look at a file (file_sync) is: (1) make sure its directory, or while
 * that is missing its nearest existing ancestor, is watched, then look again
 * one level down since mkdir -p races the watch; (2) drain the open
 * descriptor to its end, so lines written to a file just before it was
 * renamed away are kept; (3) if the open file has no links left it was
 * deleted: close it; (4) if the name now holds another inode, that is a
 * rotation: close the old descriptor and read the new file from offset 0;
 * if the name is gone but the old file still has links (renamed), keep
 * reading it until a new file appears. A size below what we consumed is a
 * truncation (copytruncate, archivelog): read again from 0.
 *
 * Watches. A directory watch (one per directory inode, shared by files in
 * it; inotify returns the same wd) and a watch on the open file, which
 * follows the inode, so late writes to a renamed file still wake us. A
 * watch is removed when no file uses it any more. IN_IGNORED (directory
 * removed) forgets the wd and triggers a look, which falls back to the
 * ancestor and walks down again when the directory comes back.
 *
 * Lines. Data is read with pread() into one fixed buffer; a line being
 * assembled lives in a per-file buffer of MATCH_LINE_MAX + 2 bytes. Longer
 * lines are counted, dropped, and reading resyncs after the next newline.
 * An unterminated last line is kept until its newline arrives; if the file
 * is rotated, truncated or wraps first, it is dropped and counted, never
 * handed out (a cut line could carry a cut address).
 *
 * Positions. off is the offset just past the last complete line, fp the
 * FNV-1a 64 of that line's last TAIL_FP_MAX bytes (the newline excluded),
 * which can be checked later by reading at most TAIL_FP_MAX + 1 bytes back.
 * A saved position whose file was rotated meanwhile is looked up by inode
 * in the file's directory (resume_rotated); the rotated file, when found
 * intact, is followed as if we had never stopped. A rotated file moved to
 * another directory, or compressed, cannot be found: the new file is then
 * read from its start.
 *
 * console.log wrap (CONSOLE_LOG_MAX_KBYTES). Domino overwrites the file
 * from offset 0 while the size stays put, so the file is [new | old]. We
 * keep, per file, the end offsets and full-line hashes of its first
 * TAIL_WRAP_LINES lines ("head"). Detection: when a look finds no growth
 * (size equals what we consumed), and either the first line no longer
 * matches the head or the line ending at our offset no longer hashes to fp,
 * the file has wrapped. Recovery: read again from 0, but only up to where
 * Domino writes. Old content keeps its offsets, so a line counts as old
 * when a line with the same end offset and hash was there at the previous
 * look (the "window": up to TAIL_WRAP_LINES lines, TAIL_WRAP_BYTES bytes
 * past our offset, refreshed at every look). At each look we scan the
 * window range and hand out the lines before the final run of old lines,
 * except the last such line, which is held back: it may be Domino's
 * half-written line glued to the tail of an old line. It is handed out once
 * more is written after it (or dropped if it changes). Once our offset
 * passes the old end of file, or only new data lies ahead, normal reading
 * resumes.
 * Limits: if Domino writes more than the window between two looks, the
 * lines beyond the window are skipped (counted in wrap_overruns); a new line
 * that ends exactly where an old line ended, with the same bytes, is taken
 * for old; a held line waits for the next write; a wrap that rewrites the
 * first line with identical bytes is only seen once our last line changes;
 * a resume saved while a wrap was being followed may re-read old lines;
 * a truncation followed by growth past our offset before we look is only
 * seen as a wrap (its first lines may be read twice).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tail_int.h"

/* Remove watch wd unless some file still uses it. */
static void
watch_release(struct tail *t, int wd)
{
	unsigned i;

	if (wd < 0)
		return;
	for (i = 0; i < t->nfiles; i++)
		if (t->files[i]->file_wd == wd || t->files[i]->dir_wd == wd)
			return;
	inotify_rm_watch(t->ifd, wd);
}

/* Length of the parent of path[0..n) ("/" is 0). */
static size_t
parent_len(const char *path, size_t n)
{
	while (n > 0 && path[n - 1] != '/')
		n--;
	return n > 0 ? n - 1 : 0;
}

/* Watch f's directory or, while it is missing, its nearest ancestor. */
static void
file_watch_dir(struct tail *t, struct tail_file *f)
{
	size_t full = parent_len(f->path, strlen(f->path)), len, next;
	struct stat st;
	unsigned walk;
	int wd, old;

	for (walk = 0; walk < TAIL_WALK_MAX; walk++) {
		for (len = full;; len = parent_len(f->path, len)) {
			memcpy(t->pbuf, f->path, len);
			t->pbuf[len] = '\0';
			wd = inotify_add_watch(t->ifd, len > 0 ? t->pbuf : "/",
			    DIR_EVENTS);
			if (wd >= 0 || len == 0)
				break;
		}
		old = f->dir_wd;
		f->dir_wd = wd;
		f->wlen = len;
		if (old != wd)
			watch_release(t, old);
		if (wd < 0 || len == full)
			return;
		/* Watching an ancestor: did the next level appear meanwhile? */
		next = len + 1;
		while (f->path[next] != '/')
			next++;
		memcpy(t->pbuf, f->path, next);
		t->pbuf[next] = '\0';
		if (stat(t->pbuf, &st) == -1 || !S_ISDIR(st.st_mode))
			return;
	}
}

static void
file_close(struct tail *t, struct tail_file *f)
{
	int wd = f->file_wd;

	tail_file_rewind(t, f);
	f->file_wd = -1;
	watch_release(t, wd);
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

/* Open f->path at offset 0. Returns 0, or -1 with errno. */
static int
file_open(struct tail *t, struct tail_file *f)
{
	struct stat st;
	int fd;

	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK |
	    O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->file_wd = inotify_add_watch(t->ifd, f->path, FILE_EVENTS);
	tail_file_rewind(t, f);
	f->ever_open = true;
	return 0;
}

static void file_start(struct tail *t, struct tail_file *f, bool from_start,
    const struct tail_pos *resume);

/* One full look at a file: see the top of the file. */
static void
file_sync(struct tail *t, unsigned idx, struct tail_file *f)
{
	struct stat st, ost;
	unsigned n;

	for (n = 0; n < TAIL_SYNC_MAX; n++) {
		file_watch_dir(t, f);
		if (f->fd >= 0) {
			tail_file_check(t, idx, f);
			if (fstat(f->fd, &ost) == 0 && ost.st_nlink == 0)
				file_close(t, f);
		}
		if (stat(f->path, &st) == -1 || !S_ISREG(st.st_mode))
			return;
		if (f->fd >= 0 && st.st_dev == f->dev && st.st_ino == f->ino)
			return;
		if (f->ever_open)
			t->st.rotations++;
		if (f->fd >= 0)
			file_close(t, f);
		if (file_open(t, f) == -1) {
			f->open_err = errno != ENOENT ? errno : 0;
			return;
		}
		f->open_err = 0;
		if (f->pending_start) {
			/* Readable at last: where tail_add() would have put
			 * it, unless another file took its name meanwhile. */
			f->pending_start = false;
			if (f->dev == f->pending_dev && f->ino == f->pending_ino)
				file_start(t, f, f->pending_from_start,
				    f->pending_resume ? &f->resume : NULL);
		}
	}
}

struct tail *
tail_open(tail_line_fn *cb, void *arg)
{
	struct tail *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	if ((t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		free(t);
		return NULL;
	}
	t->cb = cb;
	t->arg = arg;
	return t;
}

static void
file_free(struct tail_file *f)
{
	if (f == NULL)
		return;
	if (f->fd >= 0)
		close(f->fd);
	free(f->path);
	free(f->head);
	free(f->win);
	free(f);
}

void
tail_close(struct tail *t)
{
	unsigned i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nfiles; i++)
		file_free(t->files[i]);
	free(t->files);
	close(t->ifd);
	free(t);
}

int
tail_fd(const struct tail *t)
{
	return t->ifd;
}

/* Absolute, without "//" or a trailing "/"; refuse "." and "..". */
static char *
normalise(const char *path)
{
	char cwd[PATH_MAX], *out, *o;
	const char *p, *c;
	size_t n;

	if (path[0] == '\0') {
		errno = EINVAL;
		return NULL;
	}
	if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = (path[0] != '/' ? strlen(cwd) + 1 : 0) + strlen(path) + 1;
	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((out = malloc(n)) == NULL)
		return NULL;
	o = out;
	if (path[0] != '/') {
		memcpy(o, cwd, strlen(cwd));
		o += strlen(cwd);
	}
	for (p = path; *p != '\0'; p = c) {
		while (*p == '/')
			p++;
		for (c = p; *c != '\0' && *c != '/'; c++)
			;
		if (c == p)
			break;
		if ((c - p == 1 && p[0] == '.') ||
		    (c - p == 2 && p[0] == '.' && p[1] == '.')) {
			free(out);
			errno = EINVAL;
			return NULL;
		}
		if (o == out || o[-1] != '/')
			*o++ = '/';
		memcpy(o, p, (size_t)(c - p));
		o += c - p;
	}
	*o = '\0';
	if (o == out || strcmp(out, "/") == 0) {
		free(out);
		errno = EINVAL;
		return NULL;
	}
	return out;
}

/*
 * The file was rotated while we were stopped. If the old file (dev, ino of
 * the saved position) is still in the same directory under another name
 * (logrotate's notes.log.1, the start script's notes_YYMMDD_HHMMSS.log)
 * and still ends our last line where we left it, follow it instead: the
 * first look drains it to its end, then moves on to the new file from
 * offset 0 like any rotation. Returns true when switched.
 */
static bool
resume_rotated(struct tail *t, struct tail_file *f,
    const struct tail_pos *resume)
{
	char dir[PATH_MAX], old[PATH_MAX];
	const char *slash = strrchr(f->path, '/');
	struct dirent *de;
	struct stat st;
	unsigned seen = 0;
	uint64_t fp;
	DIR *d;
	int fd = -1;

	if (slash == NULL || (size_t)(slash - f->path) >= sizeof(dir))
		return false;
	memcpy(dir, f->path, (size_t)(slash - f->path));
	dir[slash - f->path] = '\0';
	if ((d = opendir(dir[0] != '\0' ? dir : "/")) == NULL)
		return false;
	while ((de = readdir(d)) != NULL && seen++ < TAIL_ROTATED_SCAN) {
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
		    -1 || !S_ISREG(st.st_mode) || st.st_dev != resume->dev ||
		    st.st_ino != resume->ino ||
		    (uint64_t)st.st_size < resume->offset)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_CLOEXEC |
		    O_NONBLOCK | O_NOCTTY);
		if (fd != -1 && (tail_fp_at(t, fd, resume->offset, &fp) == -1 ||
		    fp != resume->fingerprint)) {
			close(fd);
			fd = -1;
		}
		if (fd != -1 && snprintf(old, sizeof(old), "%s/%s", dir,
		    de->d_name) >= (int)sizeof(old)) {
			close(fd);
			fd = -1;
		}
		break;
	}
	closedir(d);
	if (fd == -1)
		return false;
	file_close(t, f);
	f->fd = fd;
	f->dev = resume->dev;
	f->ino = resume->ino;
	f->off = f->rd = resume->offset;
	f->fp = fp;
	f->file_wd = inotify_add_watch(t->ifd, old, FILE_EVENTS);
	f->need_sync = true;
	return true;
}

/* Place a newly added, open file according to tail_add()'s rules. */
static void
file_start(struct tail *t, struct tail_file *f, bool from_start,
    const struct tail_pos *resume)
{
	uint64_t size, fp;
	struct stat st;
	size_t n;
	char *nl;
	bool eof;
	ssize_t k;

	if (fstat(f->fd, &st) == -1)
		return;
	size = (uint64_t)st.st_size;
	if (resume != NULL) {
		if (resume->dev == f->dev && resume->ino == f->ino &&
		    resume->offset <= size &&
		    tail_fp_at(t, f->fd, resume->offset, &fp) == 0 &&
		    fp == resume->fingerprint) {
			f->off = f->rd = resume->offset;
			f->fp = fp;
		} else if (resume->dev == f->dev && resume->ino == f->ino) {
			t->st.truncations++;
			t->st.resume_lost++;
		} else if (resume_rotated(t, f, resume)) {
			return;
		} else {
			t->st.rotations++;
			t->st.resume_lost++;
		}
	} else if (!from_start && size > 0) {
		/* The end of the last complete line: a line being written is
		 * read once complete. */
		n = size < TAIL_LINE_BUF + 1 ? (size_t)size : TAIL_LINE_BUF + 1;
		if (tail_pread(f->fd, t->rbuf, n, size - n) == (ssize_t)n &&
		    (nl = memrchr(t->rbuf, '\n', n)) != NULL)
			f->off = size - n + (uint64_t)(nl - t->rbuf) + 1;
		else if (n == size)
			f->off = 0;
		else {
			f->off = size;
			f->skip = 2;
		}
		f->rd = f->off;
		if (tail_fp_at(t, f->fd, f->off, &f->fp) == -1)
			f->fp = 0;
	}
	if (f->off > 0 && (k = tail_scan(t, f, 0, TAIL_WRAP_LINES, &eof)) > 0) {
		/* The head of the file, for wrap detection. */
		for (n = 0; n < (size_t)k && t->cur[n].end <= f->off; n++)
			f->head[n] = t->cur[n];
		f->head_n = n;
	}
}

int
tail_add(struct tail *t, const char *path, bool from_start,
    const struct tail_pos *resume)
{
	struct tail_file *f, **nf;
	struct stat st;
	unsigned ncap;

	if (t->nfiles == t->cap) {
		ncap = t->cap == 0 ? 4 : t->cap * 2;
		if ((nf = realloc(t->files, ncap * sizeof(*nf))) == NULL)
			return -1;
		t->files = nf;
		t->cap = ncap;
	}
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	f->fd = f->file_wd = f->dir_wd = -1;
	f->lhash = HASH_FNV_BASIS;
	if ((f->path = normalise(path)) == NULL ||
	    (f->head = calloc(TAIL_WRAP_LINES, sizeof(*f->head))) == NULL ||
	    (f->win = calloc(TAIL_WRAP_LINES, sizeof(*f->win))) == NULL) {
		file_free(f);
		return -1;
	}
	t->files[t->nfiles++] = f;
	file_watch_dir(t, f);
	if (file_open(t, f) == 0) {
		file_start(t, f, from_start, resume);
	} else if (errno != ENOENT && stat(f->path, &st) == 0) {
		/* There but not readable (a missing ACL): counted, and placed
		 * by these rules once it can be read. */
		f->open_err = errno;
		f->pending_start = true;
		f->pending_from_start = from_start;
		f->pending_dev = st.st_dev;
		f->pending_ino = st.st_ino;
		if (resume != NULL) {
			f->resume = *resume;
			f->pending_resume = true;
		}
	}
	f->need_read = true;
	return (int)(t->nfiles - 1);
}

/* Mark the files an event concerns. */
static void
event_mark(struct tail *t, const struct inotify_event *e)
{
	struct tail_file *f;
	const char *c;
	size_t clen;
	unsigned i;

	for (i = 0; i < t->nfiles; i++) {
		f = t->files[i];
		if ((e->mask & IN_Q_OVERFLOW) != 0) {
			f->need_sync = true;
			continue;
		}
		if (e->wd == f->file_wd) {
			if ((e->mask & IN_IGNORED) != 0)
				f->file_wd = -1;
			if ((e->mask & ~IN_MODIFY) != 0)
				f->need_sync = true;
			f->need_read = true;
		}
		if (e->wd != f->dir_wd)
			continue;
		if ((e->mask & IN_IGNORED) != 0)
			f->dir_wd = -1;
		if ((e->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) !=
		    0 || e->len == 0) {
			f->need_sync = true;
			continue;
		}
		/* The name inside the watched directory that leads to us. */
		c = f->path + f->wlen + 1;
		clen = strcspn(c, "/");
		if (strncmp(e->name, c, clen) == 0 && e->name[clen] == '\0')
			f->need_sync = true;
	}
}

int
tail_process(struct tail *t)
{
	char ev[TAIL_EVENT_BUF]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	struct tail_file *f;
	int rc = 0, saved = 0;
	unsigned i;
	ssize_t r;
	char *p;

	for (;;) {
		r = read(t->ifd, ev, sizeof(ev));
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && errno != EAGAIN) {
			saved = errno;
			rc = -1;
		}
		if (r <= 0)
			break;
		for (p = ev; p < ev + r; p += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(void *)p;
			if ((e->mask & IN_Q_OVERFLOW) != 0)
				t->st.overflows++;
			event_mark(t, e);
		}
	}
	for (i = 0; i < t->nfiles; i++) {
		f = t->files[i];
		if (f->need_sync)
			file_sync(t, i, f);
		else if (f->need_read)
			tail_file_check(t, i, f);
		f->need_sync = f->need_read = false;
	}
	if (rc == -1)
		errno = saved;
	return rc;
}

int
tail_rescan(struct tail *t)
{
	unsigned i;

	for (i = 0; i < t->nfiles; i++)
		t->files[i]->need_sync = true;
	return tail_process(t);
}

int
tail_pos(const struct tail *t, unsigned index, struct tail_pos *pos)
{
	const struct tail_file *f;

	if (index >= t->nfiles) {
		errno = EINVAL;
		return -1;
	}
	f = t->files[index];
	memset(pos, 0, sizeof(*pos));
	if (f->fd >= 0) {
		pos->dev = f->dev;
		pos->ino = f->ino;
		pos->offset = f->off;
		pos->fingerprint = f->fp;
	}
	return 0;
}

int
tail_open_error(const struct tail *t, unsigned index)
{
	return index < t->nfiles ? t->files[index]->open_err : 0;
}

void
tail_stats(const struct tail *t, struct tail_stats *st)
{
	*st = t->st;
}

void
tail_file_counts(const struct tail *t, unsigned index, uint64_t *lines,
    uint64_t *long_lines)
{
	*lines = index < t->nfiles ? t->files[index]->lines : 0;
	*long_lines = index < t->nfiles ? t->files[index]->long_lines : 0;
}
