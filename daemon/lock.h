/*
 * lock: one daemon per state directory. lock_take() creates DIR/lock
 * (mode 0600), takes an exclusive flock(2) on it without waiting and
 * writes our pid into it. The lock lasts as long as the descriptor, which
 * the daemon keeps for its whole life; the kernel drops it however the
 * process ends, so a file left behind by a crash never blocks a start.
 */
#ifndef DB_LOCK_H
#define DB_LOCK_H

#include <stddef.h>

/* Name of the lock file in the state directory. */
#define LOCK_NAME "lock"

/*
 * Take the lock of state directory dir (created 0700 if missing). Returns
 * the descriptor to keep open (O_CLOEXEC), or -1 with errno and a message
 * in msg (msglen bytes) that names dir: EWOULDBLOCK when another process
 * holds the lock (the message gives its pid once it has written it), else
 * the errno of mkdir, open or flock.
 */
int lock_take(const char *dir, char *msg, size_t msglen);

/* Empty the lock file and close fd, which lets the lock go (-1: no-op). */
void lock_release(int fd);

#endif
