/*
 * lock: see lock.h. flock(2), not fcntl(2) record locks: an flock belongs
 * to the open file description, so it is not lost when some other
 * descriptor of the file is closed, and it is never shared with a child.
 * The pid is written after the lock is held, so the file names the
 * holder; a loser reads it to say who holds the lock. The file is opened
 * with O_NOFOLLOW and O_NONBLOCK: a link or a FIFO planted at its name is
 * refused or harmless.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"

/* The pid written in the lock file, or 0 when there is none or it is not
 * alive: a holder that has just taken the lock has not replaced the pid
 * of a predecessor killed with -9 yet. */
static long
read_holder(int fd)
{
	char buf[32], *end;
	ssize_t n;
	long pid;

	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || *end != '\n' || pid <= 0 || pid == (long)getpid() ||
	    (kill((pid_t)pid, 0) == -1 && errno != EPERM))
		return 0;
	return pid;
}

int
lock_take(const char *dir, char *msg, size_t msglen)
{
	char path[4096], pid[32];
	struct stat st;
	int fd, saved, n;
	long holder;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, LOCK_NAME) >=
	    sizeof(path)) {
		snprintf(msg, msglen, "state_dir %.64s...: name too long", dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		goto fail;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY, 0600);
	if (fd == -1)
		goto fail;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		holder = saved == EWOULDBLOCK ? read_holder(fd) : 0;
		close(fd);
		errno = saved;
		if (saved != EWOULDBLOCK)
			goto fail;
		if (holder > 0)
			snprintf(pid, sizeof(pid), "pid %ld", holder);
		else
			snprintf(pid, sizeof(pid), "pid unknown");
		snprintf(msg, msglen, "another dominoban (%s) runs on "
		    "state_dir %s: it holds %s; one daemon per state_dir", pid,
		    dir, path);
		errno = EWOULDBLOCK;
		return -1;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, pid, (size_t)n, 0) != n) {
		saved = errno;
		close(fd);
		errno = saved;
		goto fail;
	}
	return fd;
fail:
	saved = errno;
	snprintf(msg, msglen, "cannot lock state_dir %s (%s): %s", dir, path,
	    strerror(saved));
	errno = saved;
	return -1;
}

void
lock_release(int fd)
{
	if (fd == -1)
		return;
	/* Empty, so that no later start names our pid as the holder. */
	if (ftruncate(fd, 0) == -1)
		errno = 0;
	close(fd);
}
