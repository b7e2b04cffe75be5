/*
 * rfile: see rfile.h. The configuration, the pattern files and the state
 * file are all read through rfile_read(), so the rules are in one place:
 * open without blocking (O_NONBLOCK: a FIFO's open(2) returns at once
 * instead of waiting for a writer; O_NOCTTY: a terminal never becomes
 * ours), decide on the descriptor, never on the name, then read at most
 * what fstat() said. Under RFILE_STRICT the file's directory is checked by
 * its real path, so a symbolic link cannot lead the check elsewhere.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rfile.h"

const char *
rfile_type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFIFO:
		return "a FIFO";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	}
	return "of an unknown type";
}

int
rfile_trusted(const struct stat *st, char *msg, size_t msglen)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		if (me == 0)
			snprintf(msg, msglen, "owned by uid %u, not root; "
			    "refusing (chown root)", (unsigned)st->st_uid);
		else
			snprintf(msg, msglen, "owned by uid %u, not root or "
			    "uid %u (ours); refusing (chown root)",
			    (unsigned)st->st_uid, (unsigned)me);
		errno = EPERM;
		return -1;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(msg, msglen, "mode %04o is group/world writable; "
		    "refusing (chmod go-w)", (unsigned)(st->st_mode & 07777));
		errno = EPERM;
		return -1;
	}
	return 0;
}

/* rfile_trusted() on the directory that really holds path. */
static int
trusted_dir(const char *path, char *msg, size_t msglen)
{
	char real[PATH_MAX], why[RFILE_MSG_MAX], *slash;
	struct stat st;

	int saved;

	if (realpath(path, real) == NULL) {
		saved = errno;
		snprintf(msg, msglen, "its directory: %s", strerror(saved));
		errno = saved;
		return -1;
	}
	slash = strrchr(real, '/');
	if (slash == real)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	if (stat(real, &st) == -1) {
		saved = errno;
		snprintf(msg, msglen, "its directory %s: %s", real,
		    strerror(saved));
		errno = saved;
		return -1;
	}
	if (rfile_trusted(&st, why, sizeof(why)) == -1) {
		snprintf(msg, msglen, "its directory %s: %s", real, why);
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
rfile_read(const char *path, size_t max, unsigned flags, char **out,
    size_t *len, char *msg, size_t msglen)
{
	int oflags = O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
	struct stat st;
	size_t off = 0;
	char *buf = NULL;
	int fd, saved;
	ssize_t r;

	*out = NULL;
	*len = 0;
	if ((flags & RFILE_NOFOLLOW) != 0)
		oflags |= O_NOFOLLOW;
	if ((fd = open(path, oflags)) == -1) {
		saved = errno;
		snprintf(msg, msglen, "%s", saved == ELOOP &&
		    (flags & RFILE_NOFOLLOW) != 0 ? "a symbolic link; refusing"
		    : strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(msg, msglen, "%s", strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(msg, msglen, "is %s, not a regular file",
		    rfile_type_name(st.st_mode));
		errno = EINVAL;
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		snprintf(msg, msglen, "larger than %zu bytes", max);
		errno = EFBIG;
		goto fail;
	}
	if ((flags & RFILE_STRICT) != 0 &&
	    (rfile_trusted(&st, msg, msglen) == -1 ||
		trusted_dir(path, msg, msglen) == -1))
		goto fail;
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(msg, msglen, "%s", strerror(errno));
		goto fail;
	}
	/* What fstat() said, at most: a file that grows meanwhile is cut
	 * there, one that shrinks ends early. */
	while (off < (size_t)st.st_size) {
		r = read(fd, buf + off, (size_t)st.st_size - off);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(msg, msglen, "%s", strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	*out = buf;
	*len = off;
	return 0;
fail:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return -1;
}
