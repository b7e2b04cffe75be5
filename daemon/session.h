/*
 * session: attribute SMTP rejections that carry no address (directory
 * harvest, relay) to an SMTP session, from the "<ip> connected" and
 * "<ip> disconnected. N message[s] received" lines. Pure and bounded.
 *
 * The Domino thread id is not a session key (one session's lines move
 * between threads), so it is never used. The rule:
 * - exactly one SMTP session open: the rejection is that session's, now;
 * - otherwise it waits, unattributed. A session that closes having
 *   received 0 messages takes every waiting rejection that happened while
 *   it was open; one that received mail takes none. Waiting rejections
 *   older than SESSION_PENDING_MAX_AGE are dropped and counted.
 */
#ifndef DB_SESSION_H
#define DB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SESSION_MAX 4096             /* open sessions tracked */
#define SESSION_MAX_AGE 3600         /* seconds before an open session is forgotten */
#define SESSION_PENDING_MAX 8192     /* unattributed rejections held */
#define SESSION_PENDING_MAX_AGE 900  /* seconds one may wait for its session */

struct session_pending {
	int64_t t;
	unsigned pattern;  /* caller's pattern index */
	double weight;
	uint64_t tag;      /* caller's handle, e.g. the line number */
};

struct sessions;

/* A tracker, or NULL with errno. */
struct sessions *session_new(void);
void session_free(struct sessions *s);

/* "<addr> connected" at now. */
void session_open(struct sessions *s, const struct addr *a, int64_t now);

/*
 * "<addr> disconnected. messages received" at now. The rejections this
 * session takes are written to out (at most max); returns their number.
 */
size_t session_close(struct sessions *s, const struct addr *a, long messages,
    int64_t now, struct session_pending *out, size_t max);

/*
 * A rejection without address at now. Returns 1 and sets *a when exactly
 * one session is open (attributed at once), 0 when it waits.
 */
int session_reject(struct sessions *s, unsigned pattern, double weight,
    uint64_t tag, int64_t now, struct addr *a);

/* Forget the open sessions of target (a host or a prefix), banned: they
 * take no rejection any more, now or at their close. */
void session_forget(struct sessions *s, const struct addr *target);

/* Open sessions, waiting rejections, and rejections dropped unattributed. */
size_t session_open_count(const struct sessions *s);
size_t session_pending_count(const struct sessions *s);
uint64_t session_dropped(const struct sessions *s);

#endif
