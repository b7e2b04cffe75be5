/*
 * session: tell whose SMTP rejection it is when the line carries no
 * address (directory harvest, relay), from the "<ip> connected" and "<ip>
 * disconnected. N message[s] received" lines, and only when the log proves
 * it. Pure, bounded, O(1) per line.
 *
 * The rule. A rejection without address at time t belongs to address A
 * only when every SMTP session open at t is A's and the tracker has seen
 * every session that could be open at t. It is then attributed at once.
 * Otherwise it is never guessed: it is ambiguous (sessions of two
 * addresses or more open, or the tracker blind) or without a session (the
 * tracker sees none open). Nothing is settled later: a close line does not
 * say whose rejections they were (a client that delivered mail may have
 * had typos, one that delivered nothing may have had none), so a close
 * never takes a rejection; and a banned session counts as open until its
 * close line, so an attacker's rejections still in the log never fall to
 * the next session. The Domino thread id is not a session key (one
 * session's lines move between threads), so it is never used.
 *
 * Blind: the tracker may not know every open session, so nothing is
 * attributed, for `unseen` seconds (smtp_session_max) after
 * - the first line it is given, session_start() (sessions opened before
 *   it started are unknown: a daemon (re)start, replay, test),
 * - session_lost() (log lines may have been lost: truncation, wrap,
 *   rotation not resumed, a partial line dropped),
 * - dropping an address: open for SESSION_MAX_AGE without a break (a close
 *   line was lost, or a client holds a session that long), or the oldest,
 *   to make room when SESSION_MAX addresses are open,
 * - a close line of a session it did not know, or a rejection while no
 *   session was open: both prove a session it did not see.
 *
 * Assumed, not proven: Domino logs each session's lines in order (connect,
 * then its rejections, then its close) and logs both session lines for
 * every SMTP session (log_sessions); a session the tracker did not see, or
 * lost sight of, ends within `unseen` seconds. Limits, from these: an
 * attacker holding a session across a daemon restart (or across lost
 * lines) for longer than `unseen`, or open SESSION_MAX_AGE + `unseen`, or
 * opened while it filled the table with SESSION_MAX addresses and held
 * `unseen` after, is no longer seen; a session line the patterns do not
 * recognise (say a PTR name with spaces) hides its session.
 */
#ifndef DB_SESSION_H
#define DB_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define SESSION_MAX 4096        /* addresses with a session open, tracked */
#define SESSION_MAX_AGE 86400   /* seconds an address stays open without
				   a break before it is dropped */

/* Whose rejection it is (session_reject). */
enum session_owner {
	SESSION_PROVEN,     /* the one address open: *a */
	SESSION_AMBIGUOUS,  /* several addresses open, or the tracker blind */
	SESSION_NONE,       /* no session open (are session lines logged?) */
};

struct session_stats {
	size_t open;           /* addresses with a session open */
	int64_t blind_until;   /* nothing attributed before; 0: not started */
	uint64_t dropped;      /* addresses dropped (age, room) */
	uint64_t strays;       /* closes of sessions not known open */
	uint64_t lost;         /* session_lost() calls */
};

struct sessions;

/*
 * A tracker keyed by seed (the hash of addresses), blind for unseen
 * seconds after each reason above. NULL with errno.
 */
struct sessions *session_new(const uint8_t seed[16], uint32_t unseen);
void session_free(struct sessions *s);

/* Change unseen (on reload); a blind spell already begun keeps its end. */
void session_set_unseen(struct sessions *s, uint32_t unseen);

/* "<addr> connected" at now. An address may have several sessions. */
void session_open(struct sessions *s, const struct addr *a, int64_t now);

/* "<addr> disconnected" at now (whatever number of messages). */
void session_close(struct sessions *s, const struct addr *a, int64_t now);

/* A rejection without address at now: whose it is (see above); *a is set
 * for SESSION_PROVEN only. */
enum session_owner session_reject(struct sessions *s, int64_t now,
    struct addr *a);

/* A log line at now, whatever it is: the first one starts the first blind
 * spell (sessions opened before it are unknown). */
void session_start(struct sessions *s, int64_t now);

/* Log lines may have been lost just before now: blind for unseen. */
void session_lost(struct sessions *s, int64_t now);

void session_get_stats(const struct sessions *s, struct session_stats *st);

/*
 * The tracker across a restart (the state file): every open address with
 * its count of sessions and since when, oldest first; and back. A daemon
 * that resumes every log exactly where it stopped has missed no session
 * line: session_resume() marks the tracker started (not blind beyond
 * blind_until, the end of the spell it was in) and session_restore()
 * opens the saved sessions again.
 */
#define SESSION_RESTORE_MAX 1024  /* sessions of one address restored */
void session_foreach(const struct sessions *s,
    void (*fn)(void *arg, const struct addr *a, uint32_t count, int64_t since),
    void *arg);
void session_resume(struct sessions *s, int64_t blind_until);
void session_restore(struct sessions *s, const struct addr *a, uint32_t count,
    int64_t since);

#endif
