/*
 * dedupe: one failure logged twice, in two wordings, counts once. Domino
 * can log one SMTP AUTH failure in both of its styles in the same second;
 * the patterns that describe one failure share a dedupe group
 * (dominoban-patterns(5)). Pure and bounded: a set-associative cache keyed
 * by the caller's hash of (group, address, user).
 *
 * An event is the second wording of a failure when an event of another
 * pattern with the same key, not yet paired, was counted within the window.
 * Events of one pattern never pair with each other: ten lockout lines are
 * ten failures, and two failures logged in both styles (in any order)
 * count twice.
 */
#ifndef DB_DEDUPE_H
#define DB_DEDUPE_H

#include <stdbool.h>
#include <stdint.h>

/* Keys held: DEDUPE_SETS sets of DEDUPE_WAYS; the oldest of a set makes
 * room, so keys must collide four at once within a window to be lost. */
#define DEDUPE_SETS 1024
#define DEDUPE_WAYS 4

struct dedupe;

/* An empty cache, or NULL with errno. */
struct dedupe *dedupe_new(void);
void dedupe_free(struct dedupe *dd);

/*
 * The event of pattern pat with key h (non-zero) at now: true when it is
 * the other wording of a failure counted within window seconds (do not
 * count it), false when it counts (it is noted). window <= 0: always false.
 */
bool dedupe_seen(struct dedupe *dd, uint64_t h, unsigned pat, int64_t now,
    double window);

/* Start loading h's set into the cache (the decide queue keys ahead). */
void dedupe_prefetch(const struct dedupe *dd, uint64_t h);

#endif
