/*
 * netns: helpers for unit tests that need the real kernel. A test process
 * (libcheck forks one per test) enters a private network namespace, with
 * a user namespace when not root, so it starts from an empty ruleset and
 * leaves nothing behind.
 */
#ifndef DB_TEST_NETNS_H
#define DB_TEST_NETNS_H

#include <stdbool.h>

/* Enter a private network namespace and bring lo up. 0, or -1 with errno. */
int netns_enter(void);

/* True when netns_enter() works here (tried in a child process). */
bool netns_available(void);

#endif
