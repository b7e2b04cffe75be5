/*
 * rfile: a small file (configuration, pattern, state) read whole, safely.
 * The file is opened non-blocking, so a FIFO or a device at its path can
 * never hang the daemon's loop, and checked on the descriptor (fstat)
 * before a byte is read: only a regular file of bounded size is read.
 * Under RFILE_STRICT, as sshd's StrictModes, the file and its directory
 * must be owned by root or by our euid and not be group or world writable,
 * so that nobody but their owner can choose what the daemon loads.
 */
#ifndef DB_RFILE_H
#define DB_RFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Flags for rfile_read(). */
#define RFILE_STRICT 0x1    /* file and directory: trusted owner and mode */
#define RFILE_NOFOLLOW 0x2  /* refuse a symbolic link at the path */

/* Size of a message filled in by this module, at most. */
#define RFILE_MSG_MAX 256

/*
 * Read the regular file at path (at most max bytes) into *out, malloc'd
 * and NUL-terminated; *len is its length. Returns 0, or -1 with errno and
 * a message in msg (msglen bytes, without the path): ENOENT (missing),
 * EINVAL (not a regular file: "is a FIFO, not a regular file"), EFBIG
 * (larger than max), EPERM (refused by RFILE_STRICT), ELOOP (a symbolic
 * link under RFILE_NOFOLLOW), or the errno of open(2) or read(2).
 */
int rfile_read(const char *path, size_t max, unsigned flags, char **out,
    size_t *len, char *msg, size_t msglen);

/*
 * RFILE_STRICT's test of one file or directory: 0 when st is owned by root
 * or our euid and not group or world writable, else -1 (errno EPERM) with
 * msg saying which and how to fix it ("mode 0666 is group/world writable;
 * refusing (chmod go-w)").
 */
int rfile_trusted(const struct stat *st, char *msg, size_t msglen);

/* What a file type is, for messages: "a FIFO", "a directory", ... */
const char *rfile_type_name(mode_t mode);

#endif
