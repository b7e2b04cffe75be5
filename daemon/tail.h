/*
 * tail: follow log files by name with raw inotify(7), across rename and
 * recreate, copytruncate, delete and recreate, files and directories that
 * do not exist yet, and console.log's in-place circular wrap. Lines are
 * bytes, delivered whole (without the newline or a trailing CR) to a
 * callback; over-long lines are counted and dropped.
 */
#ifndef DB_TAIL_H
#define DB_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Files followed by one tail, at most. */
#define TAIL_MAX_FILES 32
/* Lines kept per wrap generation to recognise old content (see tail.c). */
#define TAIL_SEEN_MAX (1u << 18)

/* Where a file was read up to; persisted by the daemon between runs. */
struct tail_pos {
	uint64_t dev, ino;
	uint64_t offset;      /* bytes up to the end of the last whole line */
	uint64_t fingerprint; /* FNV-1a 64 of that line; 0 at offset 0 */
};

struct tail_stats {
	uint64_t lines;       /* delivered */
	uint64_t long_lines;  /* dropped: longer than the line limit */
	uint64_t truncations; /* size fell below our offset: read from 0 */
	uint64_t rotations;   /* a new file appeared under the name */
	uint64_t wraps;       /* in-place circular wraps (console.log) */
	uint64_t overflows;   /* inotify queue overflows (full rescans) */
};

/* Called for each whole line; idx is the index tail_add() returned. */
typedef void (*tail_line_cb)(void *arg, unsigned idx, const char *line,
    size_t len);

struct tail;

/* A tail delivering lines to cb. NULL with errno on failure. */
struct tail *tail_open(tail_line_cb cb, void *arg);

/* Close every file and the inotify descriptor. */
void tail_close(struct tail *t);

/* The inotify descriptor (non-blocking) to wait on for readability. */
int tail_fd(const struct tail *t);

/*
 * Follow path. With resume, continue where it says if the file there is the
 * same one (dev, inode, and the line before offset hashing to fingerprint),
 * else read the file from its start. Without resume, start at the end, or at
 * the start when from_start. A path that does not exist yet is fine.
 * Returns the file's index, or -1 with errno (E2BIG: too many files).
 */
int tail_add(struct tail *t, const char *path, bool from_start,
    const struct tail_pos *resume);

/*
 * Drain the inotify events and read whatever is new in every file,
 * delivering lines. Call when tail_fd() is readable. Returns the number of
 * lines delivered.
 */
size_t tail_process(struct tail *t);

/* The same without waiting for an event: a periodic safety net. */
size_t tail_rescan(struct tail *t);

/* Current position of file idx. Returns 0, or -1 with errno EINVAL. */
int tail_get_pos(const struct tail *t, unsigned idx, struct tail_pos *pos);

/* Path of file idx, or NULL. */
const char *tail_path(const struct tail *t, unsigned idx);

/* Number of files followed. */
unsigned tail_count(const struct tail *t);

/* Counters since tail_open(). */
void tail_get_stats(const struct tail *t, struct tail_stats *st);

/* FNV-1a 64 of n bytes, the line fingerprint. */
uint64_t tail_hash(const char *p, size_t n);

#endif
