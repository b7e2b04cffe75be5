/*
 * session: see session.h for the rule, the blind spells and their limits.
 *
 * Layout, O(1) per line. The addresses with a session open are an
 * open-addressing table (linear probing, at most half full, deletion by
 * backward shift, so no tombstones), keyed by SipHash under the daemon's
 * seed so that an attacker cannot aim collisions. Each holds its number of
 * open sessions and the time since when it has had one without a break.
 * A FIFO of (address, generation) in the order addresses were added tells
 * which is oldest, for SESSION_MAX_AGE and for making room; an entry whose
 * address was removed (or added again, with a new generation) since is
 * stale and skipped, and the FIFO is compacted when full (it holds twice
 * SESSION_MAX, so compaction is amortised O(1)). The one address open, when
 * there is just one, is the XOR of the open addresses (struct addr has no
 * padding garbage), kept as they come and go.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "session.h"

#define SLOTS (2 * SESSION_MAX)   /* table slots: at most half full */
#define FIFO (2 * SESSION_MAX)    /* age entries, live or stale */

struct sess {
	struct addr a;
	uint32_t count;   /* sessions open; 0: free slot */
	uint32_t home;    /* hash & (SLOTS - 1) */
	uint64_t gen;     /* which addition this is (the FIFO's key) */
	int64_t since;    /* open without a break since */
};

struct age {
	struct addr a;
	uint64_t gen;
};

struct sessions {
	uint8_t seed[16];
	int64_t unseen;          /* seconds */
	int64_t blind_until;
	bool started;
	size_t naddr;            /* addresses open */
	struct addr xor;         /* of the open addresses */
	uint64_t gen;
	struct session_stats st;
	size_t head, nfifo;      /* oldest at head */
	struct sess slot[SLOTS];
	struct age fifo[FIFO];
};

struct sessions *
session_new(const uint8_t seed[16], uint32_t unseen)
{
	struct sessions *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	memcpy(s->seed, seed, sizeof(s->seed));
	s->unseen = unseen;
	s->blind_until = INT64_MIN;
	return s;
}

void
session_free(struct sessions *s)
{
	free(s);
}

void
session_set_unseen(struct sessions *s, uint32_t unseen)
{
	s->unseen = unseen;
}

/* Blind from now for unseen seconds (a spell already longer stays). */
static void
blind(struct sessions *s, int64_t now)
{
	int64_t end = now > INT64_MAX - s->unseen ? INT64_MAX : now + s->unseen;

	if (end > s->blind_until)
		s->blind_until = end;
}

static void
xor_addr(struct addr *acc, const struct addr *a)
{
	unsigned char *x = (unsigned char *)acc;
	const unsigned char *y = (const unsigned char *)a;
	size_t i;

	for (i = 0; i < sizeof(*acc); i++)
		x[i] ^= y[i];
}

static uint32_t
home_of(const struct sessions *s, const struct addr *a)
{
	return (uint32_t)(hash_siphash(s->seed, a, sizeof(*a)) &
	    (SLOTS - 1));
}

/* The slot holding a, or SIZE_MAX. */
static size_t
find(const struct sessions *s, const struct addr *a)
{
	size_t i = home_of(s, a);

	for (; s->slot[i].count != 0; i = (i + 1) & (SLOTS - 1))
		if (memcmp(&s->slot[i].a, a, sizeof(*a)) == 0)
			return i;
	return SIZE_MAX;
}

/* Empty slot i, shifting back the entries after it that may move. */
static void
remove_at(struct sessions *s, size_t i)
{
	size_t j = i, k;

	xor_addr(&s->xor, &s->slot[i].a);
	s->naddr--;
	for (;;) {
		s->slot[i].count = 0;
		for (;;) {
			j = (j + 1) & (SLOTS - 1);
			if (s->slot[j].count == 0)
				return;
			k = s->slot[j].home;
			/* Stays when its home is cyclically in (i, j]. */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			s->slot[i] = s->slot[j];
			i = j;
			break;
		}
	}
}

/* The slot of the FIFO's head when it is live, or SIZE_MAX; stale heads
 * are dropped on the way. */
static size_t
head_slot(struct sessions *s)
{
	size_t i;

	while (s->nfifo > 0) {
		i = find(s, &s->fifo[s->head].a);
		if (i != SIZE_MAX && s->slot[i].gen == s->fifo[s->head].gen)
			return i;
		s->head = (s->head + 1) % FIFO;
		s->nfifo--;
	}
	return SIZE_MAX;
}

/* Drop the address at slot i (its FIFO entry at head): we lose sight. */
static void
drop_head(struct sessions *s, size_t i, int64_t now)
{
	remove_at(s, i);
	s->head = (s->head + 1) % FIFO;
	s->nfifo--;
	s->st.dropped++;
	blind(s, now);
}

/* Keep only the live FIFO entries, in order. */
static void
compact(struct sessions *s)
{
	size_t k, n = 0, i;
	struct age *e;

	for (k = 0; k < s->nfifo; k++) {
		e = &s->fifo[(s->head + k) % FIFO];
		i = find(s, &e->a);
		if (i != SIZE_MAX && s->slot[i].gen == e->gen)
			s->fifo[(s->head + n++) % FIFO] = *e;
	}
	s->nfifo = n;
}

void
session_start(struct sessions *s, int64_t now)
{
	if (!s->started) {
		s->started = true;
		blind(s, now);
	}
}

/* Every call starts here: the first line starts a blind spell, then
 * addresses open too long are dropped. */
static void
tick(struct sessions *s, int64_t now)
{
	size_t i;

	session_start(s, now);
	while ((i = head_slot(s)) != SIZE_MAX &&
	    now - s->slot[i].since > SESSION_MAX_AGE)
		drop_head(s, i, now);
}

void
session_open(struct sessions *s, const struct addr *a, int64_t now)
{
	struct sess *e;
	uint32_t home;
	size_t i;

	tick(s, now);
	if ((i = find(s, a)) != SIZE_MAX) {
		if (s->slot[i].count < UINT32_MAX)
			s->slot[i].count++;
		return;
	}
	if (s->naddr == SESSION_MAX)
		drop_head(s, head_slot(s), now);
	if (s->nfifo == FIFO)
		compact(s);
	home = home_of(s, a);
	for (i = home; s->slot[i].count != 0; i = (i + 1) & (SLOTS - 1))
		;
	e = &s->slot[i];
	e->a = *a;
	e->count = 1;
	e->home = home;
	e->gen = ++s->gen;
	e->since = now;
	xor_addr(&s->xor, a);
	s->naddr++;
	s->fifo[(s->head + s->nfifo++) % FIFO] = (struct age){*a, e->gen};
}

void
session_close(struct sessions *s, const struct addr *a, int64_t now)
{
	size_t i;

	tick(s, now);
	if ((i = find(s, a)) == SIZE_MAX) {
		/* A session we did not see: others may be open unseen. */
		s->st.strays++;
		blind(s, now);
		return;
	}
	if (--s->slot[i].count == 0)
		remove_at(s, i);
}

enum session_owner
session_reject(struct sessions *s, int64_t now, struct addr *a)
{
	tick(s, now);
	if (now < s->blind_until)
		return SESSION_AMBIGUOUS;
	if (s->naddr == 0) {
		/* Its session is one we did not see. */
		blind(s, now);
		return SESSION_NONE;
	}
	if (s->naddr > 1 || find(s, &s->xor) == SIZE_MAX)
		return SESSION_AMBIGUOUS;
	*a = s->xor;
	return SESSION_PROVEN;
}

void
session_lost(struct sessions *s, int64_t now)
{
	s->started = true;
	s->st.lost++;
	blind(s, now);
}

void
session_get_stats(const struct sessions *s, struct session_stats *st)
{
	*st = s->st;
	st->open = s->naddr;
	st->blind_until = s->started ? s->blind_until : 0;
}

void
session_foreach(const struct sessions *s,
    void (*fn)(void *arg, const struct addr *a, uint32_t count, int64_t since),
    void *arg)
{
	size_t k, i;

	/* In the FIFO's order, oldest first, so a restore keeps the ages. */
	for (k = 0; k < s->nfifo; k++) {
		const struct age *g = &s->fifo[(s->head + k) % FIFO];
		if ((i = find(s, &g->a)) == SIZE_MAX || s->slot[i].gen != g->gen)
			continue;
		fn(arg, &s->slot[i].a, s->slot[i].count, s->slot[i].since);
	}
}

void
session_resume(struct sessions *s, int64_t blind_until)
{
	s->started = true;
	if (blind_until > s->blind_until)
		s->blind_until = blind_until;
}

void
session_restore(struct sessions *s, const struct addr *a, uint32_t count,
    int64_t since)
{
	uint32_t i;

	s->started = true;
	for (i = 0; i < count && i < SESSION_RESTORE_MAX; i++)
		session_open(s, a, since);
}
