/*
 * daemon: `dominoban run`, the glue. It owns every module instance (conf,
 * loop, tail, matcher, decide, nft, ctl) and carries each log line through
 * match and decide; the bans decided in one loop iteration go to the
 * kernel in one batch. See docs/ARCHITECTURE.md.
 */
#ifndef DB_DAEMON_H
#define DB_DAEMON_H

/* Interval of the housekeeping timer: expiry, rescans, state, repairs. */
#define DAEMON_TICK_MS 1000
/* The kernel sets are compared with our bans this often (seconds). */
#define DAEMON_RECHECK 30
/* The state file is written this long after a change (seconds), and at
 * least this often while anything changes. */
#define DAEMON_STATE_DEBOUNCE 2
#define DAEMON_STATE_PERIOD 60

#endif
