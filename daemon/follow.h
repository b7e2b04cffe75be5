/*
 * follow: why a configured log cannot be followed, in words an admin can
 * act on ("permission denied on directory /local/notesdata/IBM_TECHNICAL_
 * SUPPORT (the daemon runs as user dominoban)", "missing", "not a regular
 * file: a directory"). Used by `run` at start and each second while a log
 * is unread, by `run -n` and by `status`. Never prints.
 */
#ifndef DB_FOLLOW_H
#define DB_FOLLOW_H

#include <stddef.h>

/* Size of a problem text filled in by this module, at most (bytes). */
#define FOLLOW_MSG_MAX 512

/*
 * Who this process is, for the messages: "user NAME", or "uid N" when the
 * name is unknown, in buf (size bytes). Looks up the password database
 * (NSS): call it at start, never in the loop.
 */
void follow_whoami(char *buf, size_t size);

/*
 * Can path be opened for reading as a regular file now? Returns 0 (buf
 * empty) when it can, else 1 with the reason in buf (size bytes, at most
 * FOLLOW_MSG_MAX is useful): "missing", "missing directory D",
 * "permission denied on directory D (the daemon runs as WHO)",
 * "permission denied on the file (the daemon runs as WHO)", "not a
 * regular file: a directory", or the system's words for anything else.
 * who is follow_whoami()'s text. Only stat(2) and a non-blocking open(2)
 * of a regular file: safe in the loop.
 */
int follow_problem(const char *path, const char *who, char *buf, size_t size);

#endif
