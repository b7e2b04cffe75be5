/*
 * ledger_int: what the two halves of the ledger share (ledger.c: the
 * lifecycle of one ban and the kernel queue; ledger_sync.c: the
 * allowlist, reconcile and restore). Nothing else includes it.
 */
#ifndef DB_LEDGER_INT_H
#define DB_LEDGER_INT_H

#include <sys/types.h>

#include "ledger.h"

/* Bans one change may shadow or release at most (a /16 holds 256 /24s;
 * a forced /8 more than fits is handled in passes by reconcile). */
#define LEDGER_NEST_MAX 4096
/* An element the kernel expires within this many ms is left alone. */
#define LEDGER_EXPIRING_MS 2000
/* Queue entries kept allocated between flushes (each about 300 bytes). */
#define LEDGER_QUEUE_KEEP 4096
/* The kernel's remaining time may differ from ours by this many seconds
 * (the add's own delay, a slow tick) before it is refreshed. */
#define LEDGER_DRIFT 60
/* Bytes of the recheck's differences read per loop wakeup (each about
 * 40: a hash lookup or two apiece, well under a millisecond). */
#define LEDGER_RECHECK_READ 16384

enum role {
	ROLE_NEW,        /* add of a new ban: refused -> the ban is dropped */
	ROLE_REFRESH,    /* a held ban's expiry moved: refused -> old one */
	ROLE_SHADOW,     /* delete of a narrower element a wider one replaces */
	ROLE_LIFT,       /* delete of a lifted ban */
	ROLE_RELEASE,    /* add of a narrower ban its wider one handed back */
	ROLE_PUTBACK,    /* reconcile: an add the kernel lacked */
	ROLE_REMOVE,     /* reconcile: delete of what the table does not hold */
};

struct opinfo {
	enum role role;
	int64_t prev;    /* ROLE_REFRESH: the expiry before */
	bool snapped;    /* snap holds the ban as this change made it */
	bool quiet;      /* told to the observers only, not logged */
	struct ban snap; /* announced when the kernel takes it, so a ban
	                  * moved again in the same flush is told twice,
	                  * each time as it was made */
};

struct hent {
	int64_t at;
	struct addr target;
};

struct ledger {
	struct bans *bans;
	struct enforce *enf;
	const struct allow *allow;
	struct ledger_cb cb;
	uint8_t seed[16];
	unsigned net4, wide4, net6, wide6;
	uint32_t ban_max;
	uint64_t gen;
	struct ledger_stats st;
	struct nft_op *ops;
	struct opinfo *info;
	size_t nops, capops;
	uint32_t group;
	struct hent *heap;
	size_t nheap, capheap;
	struct addr nest[LEDGER_NEST_MAX]; /* scratch for nested bans */
	struct {                  /* the periodic recheck (ledger_recheck.c) */
		pid_t pid;             /* its child, or 0 once reaped */
		int fd;                /* the pipe from it, while open */
		bool open;
		size_t put, del;       /* differences applied */
		char part[64];         /* a record read in part */
		size_t npart;
	} rc;
	struct {
		ledger_observer fn;
		void *arg;
	} obs[LEDGER_OBSERVERS];
	size_t nobs;
};


/* A prefix shorter than its family's width (a net set element). */
bool ledger_is_net(const struct addr *a);
/* Note target's expiry at in the heap. */
void ledger_heap_push(struct ledger *l, int64_t at, const struct addr *target);
/* Queue one kernel op in the current group. */
void ledger_queue(struct ledger *l, enum nft_op_kind kind, const struct addr *target,
    int64_t seconds, enum role role, int64_t prev);
/* Start a new group of ops. */
void ledger_next_group(struct ledger *l);
/* The one log record of a ban the kernel took (banned) or of a ban that
 * ended, and the observers told. */
void ledger_announce(struct ledger *l, bool banned, const struct ban *b,
    int64_t now, const char *reason);
/* The observers told of a change, without a log record (a quiet ban). */
void ledger_tell(struct ledger *l, bool banned, const struct ban *b,
    int64_t now, const char *reason);
/* True when a live net ban wider than target covers it. */
bool ledger_shadowed(const struct ledger *l, const struct addr *target,
    int64_t now);
/* Put b (new in the table) into the kernel, or mark it shadowed. */
void ledger_place(struct ledger *l, struct ban *b, int64_t now);
/* Take target out of the table (and the kernel when del), handing back
 * the narrower bans it shadowed. */
void ledger_remove_ban(struct ledger *l, const struct addr *target, bool del,
    int64_t now);
/* snprintf of src (NULL: empty) into dst. */
void ledger_set_text(char *dst, size_t size, const char *src);
/* Tell the owner that target's ban ended early. */
void ledger_lifted(struct ledger *l, const struct addr *target);

#endif
