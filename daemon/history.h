/*
 * history: the offence history, what makes a repeat offender's ban longer.
 * One entry per banned address: how many offences, the last one, and when
 * its ban ends. A bounded open-addressing table keyed by the address under
 * the seeded hash (hash.h); when it holds its limit it is rebuilt without
 * its older half, never without an active ban. Pure: time is passed in.
 * decide.c owns one; the state file persists it (decide_foreach_history).
 */
#ifndef DB_HISTORY_H
#define DB_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct history_entry {
	struct addr key;
	uint32_t count;           /* offences; 0 marks an empty slot */
	int64_t last;             /* the last offence, seconds */
	int64_t expires;          /* its ban's end, seconds; 0 when lifted */
};

struct history;

/*
 * A history of at least max entries (it grows beyond while active bans
 * alone fill it); an offence forget seconds after the last one counts as a
 * first again. seed keys the hash. NULL with errno ENOMEM.
 */
struct history *history_new(const uint8_t seed[16], size_t max,
    uint32_t forget);

/* Release h. NULL is a no-op. */
void history_free(struct history *h);

/* New limits (on reload): entries are kept; the limit never shrinks below
 * what the table has grown to. */
void history_set_limits(struct history *h, size_t max, uint32_t forget);

/*
 * Record an offence of a at now: returns its number, 1 for a first one or
 * one after forget seconds of quiet, and in *e its entry (count and last
 * set), whose expires the caller sets. *e is NULL when every entry is an
 * active ban and the table cannot grow: the offence then counts as a
 * first and nothing is kept.
 */
uint32_t history_offence(struct history *h, const struct addr *a, int64_t now,
    struct history_entry **e);

/* a's entry, or NULL. Valid until the next history_offence/history_add. */
struct history_entry *history_find(struct history *h, const struct addr *a);

/*
 * An entry for a (from the state file), made room for as of now, with
 * count 0 when it is new: the caller fills it and must set a count. NULL
 * with errno ENOSPC when the table is full of active bans.
 */
struct history_entry *history_add(struct history *h, const struct addr *a,
    int64_t now);

/* Entries held. */
size_t history_count(const struct history *h);

/* Call fn(arg, entry) for every entry, in table order. */
void history_foreach(const struct history *h,
    void (*fn)(void *arg, const struct history_entry *e), void *arg);

#endif
