/*
 * follow: see follow.h. A path that stat(2) refuses with EACCES lies under
 * a directory we may not search; which one is found by stat'ing each
 * leading part of the path in turn: the last part that answers is the
 * culprit. The same walk names the first missing directory. Everything is
 * decided by what the kernel answers for this process (its uid, groups,
 * capabilities and ACLs), never by reading modes ourselves.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "follow.h"
#include "rfile.h"

void
follow_whoami(char *buf, size_t size)
{
	struct passwd *pw;
	uid_t uid = geteuid();

	if ((pw = getpwuid(uid)) != NULL && pw->pw_name != NULL)
		snprintf(buf, size, "user %s", pw->pw_name);
	else
		snprintf(buf, size, "uid %lu", (unsigned long)uid);
}

/*
 * The first leading part of path (a directory, "/" excluded) whose stat
 * fails with errno want, and the part before it, into bad and good.
 * Returns 0 when found, else -1.
 */
static int
walk(const char *path, int want, char *good, char *bad, size_t size)
{
	char part[PATH_MAX];
	struct stat st;
	size_t i, len = strlen(path);

	if (len >= sizeof(part))
		return -1;
	snprintf(good, size, "%s", path[0] == '/' ? "/" : ".");
	for (i = 1; i <= len; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(part, path, i);
		part[i] = '\0';
		if (stat(part, &st) == -1) {
			if (errno != want)
				return -1;
			snprintf(bad, size, "%s", part);
			return 0;
		}
		snprintf(good, size, "%s", part);
	}
	return -1;
}

int
follow_problem(const char *path, const char *who, char *buf, size_t size)
{
	char good[PATH_MAX], bad[PATH_MAX];
	struct stat st;
	int fd, err;

	buf[0] = '\0';
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			snprintf(buf, size, "not a regular file: %s",
			    rfile_type_name(st.st_mode));
			return 1;
		}
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno == EACCES || errno == EPERM)
			snprintf(buf, size, "permission denied on the file (the "
			    "daemon runs as %s)", who);
		else
			snprintf(buf, size, "cannot open: %s", strerror(errno));
		return 1;
	}
	err = errno;
	if (err == EACCES && walk(path, EACCES, good, bad, sizeof(good)) == 0)
		snprintf(buf, size, "permission denied on directory %s (the "
		    "daemon runs as %s)", good, who);
	else if (err == ENOENT && walk(path, ENOENT, good, bad,
	    sizeof(good)) == 0 && strcmp(bad, path) != 0)
		snprintf(buf, size, "missing directory %s", bad);
	else if (err == ENOENT)
		snprintf(buf, size, "missing");
	else if (err == ENOTDIR)
		snprintf(buf, size, "a part of the path is not a directory");
	else
		snprintf(buf, size, "%s", strerror(err));
	return 1;
}
