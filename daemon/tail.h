/*
 * tail: follow log files by name with raw inotify(7) and hand their complete
 * lines to a callback. Survives rename + recreate, copytruncate, delete +
 * recreate, missing files and directories, queue overflow and the in-place
 * wrap of Domino's console.log. Lines are bytes (NULs, invalid UTF-8) of at
 * most MATCH_LINE_MAX bytes; longer ones are counted and dropped. Never
 * prints. See tail.c for the rotation and wrap rules and their limits.
 */
#ifndef DB_TAIL_H
#define DB_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "match.h"

/* Bytes at the end of a line that its position fingerprint covers. */
#define TAIL_FP_MAX (MATCH_LINE_MAX + 1)

/*
 * Where a file was read up to, for the state file: the file's identity, the
 * offset just past the last complete line handed out (or dropped), and the
 * fingerprint of that line (FNV-1a 64 of its last TAIL_FP_MAX bytes, the
 * newline excluded; 0 at offset 0). dev and ino are 0 while no file is open.
 */
struct tail_pos {
	dev_t dev;
	ino_t ino;
	uint64_t offset;      /* bytes */
	uint64_t fingerprint;
};

/* Counters over all files, for `dominoban status`. */
struct tail_stats {
	uint64_t lines;           /* lines handed to the callback */
	uint64_t long_lines;      /* lines over MATCH_LINE_MAX, dropped */
	uint64_t partial_dropped; /* unterminated lines lost to a rotation */
	uint64_t truncations;     /* same file, size fell below our offset */
	uint64_t rotations;       /* the name moved on to a new file */
	uint64_t wraps;           /* in-place wraps (console.log) detected */
	uint64_t wrap_overruns;   /* wraps where the writer got too far ahead */
	uint64_t overflows;       /* inotify queue overflows (IN_Q_OVERFLOW) */
	uint64_t read_errors;     /* failed read/stat calls on a followed file */
	uint64_t resume_lost;     /* saved positions that could not be resumed
				     (file rewritten, or rotated away) */
};

/*
 * Called once per complete line, in file order. line holds len bytes without
 * the newline and without a trailing '\r', followed by a NUL that is not
 * counted (the line itself may hold NULs). The memory is only valid during
 * the call. file_index is the value tail_add() returned. The callback must
 * not call tail_add() or tail_close(); tail_pos() and tail_stats() are fine.
 */
typedef void tail_line_fn(void *arg, unsigned file_index, const char *line,
    size_t len);

struct tail;

/*
 * Create a tailer that calls cb(arg, ...) for every line. Returns NULL with
 * errno set (ENOMEM, or the inotify_init1() error).
 */
struct tail *tail_open(tail_line_fn *cb, void *arg);

/* Close every file and watch and free t. NULL is a no-op. */
void tail_close(struct tail *t);

/*
 * The inotify descriptor (non-blocking, close-on-exec): when it is readable,
 * call tail_process(). Owned by t.
 */
int tail_fd(const struct tail *t);

/*
 * Follow path (an absolute path, or one relative to the current directory;
 * "." and ".." components are refused) by name. The file and its directories
 * need not exist yet; a file that appears later is read from offset 0.
 * For a file that exists now:
 * - with resume, if dev and ino match, the offset is within the file and
 *   the line ending at it still has the fingerprint, reading resumes there;
 *   if the name holds another file (rotated while we were stopped) and the
 *   old one is still in the same directory under another name with the
 *   fingerprint intact, the rest of the old file is read first, then the
 *   new one from offset 0; otherwise the file was rotated or rewritten and
 *   is read from offset 0;
 * - else from offset 0 when from_start, or else from the end of the last
 *   complete line (a line being written is read once it is complete).
 * Nothing is read yet: call tail_process() once afterwards.
 * Returns the file's index (0, 1, ... in order of addition), or -1 with errno
 * EINVAL (bad path), ENAMETOOLONG or ENOMEM.
 */
int tail_add(struct tail *t, const char *path, bool from_start,
    const struct tail_pos *resume);

/*
 * Drain pending inotify events, follow renames, truncations and wraps, read
 * new data and call the callback for each complete line. Also does work left
 * by tail_add(). Returns 0, or -1 with errno when reading the inotify fd
 * failed. Errors on single files are counted (read_errors) and retried at the
 * next event or tail_rescan().
 */
int tail_process(struct tail *t);

/*
 * Safety net, for a periodic timer (a few seconds): check every file as if
 * all events had been lost (names, sizes, wraps, watches), then read.
 * Returns what tail_process() returns: -1 with errno when reading the
 * inotify fd failed (every file is checked all the same); errors on single
 * files are counted, not returned.
 */
int tail_rescan(struct tail *t);

/*
 * Store the position of file index in *pos. Returns 0, or -1 with errno
 * EINVAL for an unknown index.
 */
int tail_pos(const struct tail *t, unsigned index, struct tail_pos *pos);

/*
 * The errno of the last failed attempt to open file index while it exists
 * (EACCES: no read permission), or 0 when it is open or simply absent. A
 * file that was there but unreadable at tail_add() is placed by
 * tail_add()'s rules (its end, a resume) once it can be read, if it is
 * still the same file; one that appears later is read from offset 0.
 */
int tail_open_error(const struct tail *t, unsigned index);

/* Copy the counters into *st. */
void tail_stats(const struct tail *t, struct tail_stats *st);

/* Lines handed to the callback and over-long lines dropped, of file index
 * alone (0 for an unknown index). */
void tail_file_counts(const struct tail *t, unsigned index, uint64_t *lines,
    uint64_t *long_lines);

#endif
