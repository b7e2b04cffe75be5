/*
 * wfile: write a whole file atomically: a temporary file in the same
 * directory, then rename(2) over the path, so a reader sees the old file or
 * the new one, never half of one. The state file, the rollup and the
 * metrics textfile are written this way.
 */
#ifndef DB_WFILE_H
#define DB_WFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Write len bytes of buf to path through tmp (a path in the same
 * directory) with mode. durable: fsync the file before the rename and the
 * directory after it. The temporary file is never followed if it is a
 * symbolic link, and is removed on failure. 0, or -1 with errno.
 */
int wfile_write(const char *path, const char *tmp, const char *buf,
    size_t len, mode_t mode, bool durable);

#endif
