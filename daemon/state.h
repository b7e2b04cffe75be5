/*
 * state: the daemon's persistent state file (state_dir/state). It holds
 * where each log was read up to, the active bans with their absolute expiry,
 * and the offence history that drives escalation. The format is versioned
 * text, one record per line, closed by a checksum line so that a truncated
 * or corrupt file is always detected:
 *
 *   dominoban-state 2
 *   tail DEV INO OFFSET FINGERPRINT PATH
 *   ban TARGET EXPIRES OFFENCES ORIGIN REASON
 *   offence TARGET COUNT LAST
 *   sessions BLIND_UNTIL
 *   session ADDRESS COUNT SINCE
 *   end RECORDS FNV1A64
 *
 * Numbers are decimal but FINGERPRINT and FNV1A64 (hex); times are seconds
 * since the epoch, from 0 to 2^32-1 (other times are refused); PATH and
 * The sessions records carry the SMTP session tracker (session.h) across
 * a restart; a file without them makes it start blind, as after lost
 * lines. ORIGIN and REASON are %XX-escaped so they hold no blank. Version 1 files
 * (no ORIGIN: "manual" when the reason is, else "local") are read too.
 */
#ifndef DB_STATE_H
#define DB_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bans.h"
#include "verdict.h"

#define STATE_VERSION 2
#define STATE_FILE "state"
#define STATE_MAX_BYTES (256u << 20) /* refuse larger files: 256 MiB */
#define STATE_PATH_MAX 4096

struct state_tail {
	char *path;
	uint64_t dev, ino, offset, fingerprint;
};

struct state_ban {
	struct addr target;
	int64_t expires;    /* seconds since the epoch */
	uint32_t offences;
	char origin[BAN_ORIGIN_MAX];
	char reason[VERDICT_REASON_MAX];
};

struct state_offence {
	struct addr target;
	uint32_t count;
	int64_t last;       /* seconds since the epoch */
};

struct state_session {
	struct addr a;
	uint32_t count;     /* sessions open */
	int64_t since;      /* open since (log time) */
};

struct state {
	struct state_tail *tails;
	size_t ntails, captails;
	struct state_ban *bans;
	size_t nbans, capbans;
	struct state_offence *offences;
	size_t noffences, capoffences;
	bool have_sessions;         /* the tracker was saved */
	int64_t blind_until;        /* its blind spell's end (log time) */
	struct state_session *sessions;
	size_t nsessions, capsessions;
};

/* Append records; path is copied. Return 0, or -1 with errno ENOMEM. */
int state_add_tail(struct state *s, const char *path, uint64_t dev,
    uint64_t ino, uint64_t offset, uint64_t fingerprint);
int state_add_ban(struct state *s, const struct addr *target, int64_t expires,
    uint32_t offences, const char *origin, const char *reason);
int state_add_session(struct state *s, const struct addr *a, uint32_t count,
    int64_t since);
int state_add_offence(struct state *s, const struct addr *target,
    uint32_t count, int64_t last);

/* Release everything a state holds and zero it. */
void state_clear(struct state *s);

/*
 * Render s into a malloc'd buffer (*out, *outlen). Returns 0, or -1 with
 * errno ENOMEM.
 */
int state_format(const struct state *s, char **out, size_t *outlen);

/*
 * Parse len bytes of text into s (which must be zeroed or cleared). On a
 * malformed, truncated or foreign file, returns -1 with errno EINVAL and a
 * message with the line number in err; s is then left cleared.
 */
int state_parse(struct state *s, const char *text, size_t len, char *err,
    size_t errlen);

/*
 * Write s to dir/state atomically: a temporary file, fsync, rename, fsync
 * of the directory. Returns 0, or -1 with errno set.
 */
int state_save(const char *dir, const struct state *s);

/*
 * Read dir/state into s. Returns 1 when loaded, 0 when there is no state
 * file (a first start), or -1 on error with a message in err. When the file
 * is corrupt it is renamed to state.corrupt-EPOCH (named in err) so the
 * caller can start clean and the evidence is kept.
 */
int state_load(const char *dir, struct state *s, int64_t now, char *err,
    size_t errlen);

#endif
