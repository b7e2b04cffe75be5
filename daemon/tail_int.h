/*
 * tail_int: what the two halves of the tail module share: tail.c follows
 * names (inotify watches, rotation, resume), tail_read.c reads the open
 * files (lines, truncation, console.log's wrap). Not an API: only those two
 * files include it (tail.h is the module's API).
 */
#ifndef DB_TAIL_INT_H
#define DB_TAIL_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/inotify.h>
#include <sys/types.h>

#include "hash.h"
#include "tail.h"

#define TAIL_READ_BUF 65536          /* bytes per pread() */
#define TAIL_EVENT_BUF 4096          /* bytes per read() of inotify events */
#define TAIL_LINE_BUF (MATCH_LINE_MAX + 1) /* raw line bytes kept, with \r */
#define TAIL_WRAP_LINES 1024         /* lines in the head and wrap window */
#define TAIL_WRAP_BYTES (256u << 10) /* bytes the window spans, at most */
#define TAIL_WALK_MAX 64             /* descents per watch walk (mkdir -p) */
#define TAIL_SYNC_MAX 4              /* name changes followed per look */
#define TAIL_ROTATED_SCAN 4096       /* directory entries searched for a rotated file */
#define NOLIMIT UINT64_MAX

#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | \
	IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define FILE_EVENTS (IN_MODIFY | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)

/* A line of a file: where it ends (past its newline) and its full hash. */
struct tail_mark {
	uint64_t end;
	uint64_t hash;
};

struct tail_file {
	char *path;             /* absolute, normalised */
	size_t wlen;            /* path[0..wlen) is the watched dir; 0 is "/" */
	int fd;                 /* -1 while no file is open */
	int file_wd, dir_wd;    /* -1 when not watched */
	dev_t dev;
	ino_t ino;
	uint64_t off;           /* past the last complete line */
	uint64_t rd;            /* bytes consumed (off + partial line) */
	uint64_t fp;            /* position fingerprint of the line ending at off */
	uint64_t lhash;         /* running full hash of the line being read */
	size_t plen;            /* bytes in line */
	int skip;               /* 1: over-long line, 2: resync after a start */
	bool ever_open;
	int open_err;           /* errno of the last failed open of an existing
				   file (EACCES...), 0 otherwise */
	bool pending_start;     /* tail_add() could not open the file that was
				   there: place it by tail_add()'s rules once
				   it opens, if it is still the same file */
	bool pending_from_start, pending_resume;
	dev_t pending_dev;
	ino_t pending_ino;
	struct tail_pos resume; /* copy, for pending_start */
	bool need_read, need_sync;
	bool wrapping;          /* following a wrap: stop where Domino writes */
	uint64_t wrap_eof;      /* size when the wrap was seen */
	struct tail_mark *head; /* first lines of the file, from offset 0 */
	size_t head_n;
	struct tail_mark *win;  /* lines past off at the previous look */
	size_t win_n;
	uint64_t lines, long_lines; /* counted as in struct tail_stats */
	char line[TAIL_LINE_BUF + 1];
};

struct tail {
	int ifd;
	tail_line_fn *cb;
	void *arg;
	struct tail_file **files;
	unsigned nfiles, cap;
	struct tail_stats st;
	struct tail_mark cur[TAIL_WRAP_LINES]; /* scratch for one scan */
	char rbuf[TAIL_READ_BUF];
	char sbuf[TAIL_FP_MAX + 1];
	char pbuf[PATH_MAX];
};

/* pread() that retries EINTR. */
ssize_t tail_pread(int fd, char *buf, size_t n, uint64_t off);

/*
 * Position fingerprint of the line ending at off (off - 1 must hold '\n').
 * Returns 0, or -1 when off is not at the end of a line or on read error.
 */
int tail_fp_at(struct tail *t, int fd, uint64_t off, uint64_t *fp);

/*
 * Scan complete lines from offset from into t->cur: at most TAIL_WRAP_LINES
 * lines ending within TAIL_WRAP_BYTES of from. *eof tells whether the end
 * of the file was reached. Returns the number of lines, or -1.
 */
ssize_t tail_scan(struct tail *t, struct tail_file *f, uint64_t from, size_t max,
    bool *eof);

/* Forget the partial line and restart reading at offset 0. */
void tail_file_rewind(struct tail *t, struct tail_file *f);

/* Check an open file for truncation and wraps, then read what is new. */
void tail_file_check(struct tail *t, unsigned idx, struct tail_file *f);

#endif
