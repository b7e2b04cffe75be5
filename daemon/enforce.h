/*
 * enforce: carries the daemon's ban decisions to the kernel. Bans queued
 * during one loop iteration go out in one nft batch (enforce_flush); right
 * after, the established sessions of banned peers are cut (SOCK_DESTROY).
 * It also puts back what the kernel lost: restore after a reboot, repair
 * after `nft flush ruleset` or a firewall reload, and the periodic
 * re-check. In dry run it holds no netlink socket and changes nothing.
 * Logs its failures and repairs (it is daemon glue, not a library).
 */
#ifndef DB_ENFORCE_H
#define DB_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bans.h"
#include "conf.h"

/* Session cutting, as `status` reports it. */
enum enforce_cut {
	ENFORCE_CUT_OFF = 0,      /* kill_sessions = no, or dry run */
	ENFORCE_CUT_ON,
	ENFORCE_CUT_UNSUPPORTED,  /* the kernel lacks SOCK_DESTROY */
	ENFORCE_CUT_DENIED,       /* no CAP_NET_ADMIN for sock_diag */
};

struct enforce_stats {
	uint64_t ban_errors;      /* elements the kernel refused */
	uint64_t repairs;         /* times missing bans were put back */
	uint64_t restored;        /* bans put back by those repairs */
	uint64_t resyncs;         /* times notices were lost (a burst) and the
	                           * kernel was compared, not repaired */
	uint64_t resynced;        /* bans put back by those resyncs */
	uint64_t sessions_cut;    /* TCP sessions destroyed */
	uint64_t packets, bytes;  /* dropped or reset by our rules */
	enum enforce_cut cut;
};

struct enforce;

/*
 * Open netlink and set up the table of c (unless c->dry_run). NULL with
 * errno (EPERM: no CAP_NET_ADMIN). The configuration is read, not kept.
 */
struct enforce *enforce_open(const struct conf *c);
void enforce_close(struct enforce *e);

/* True when the firewall is left alone (dry run). */
bool enforce_dry(const struct enforce *e);

/*
 * Set up (again) the table, chain, rules and ports of c: at start, on
 * reload and after the table was removed. 0, or -1 with errno.
 */
int enforce_setup(struct enforce *e, const struct conf *c);

/* Queue a ban of target for seconds; refresh moves the expiry of an
 * element that may already be in the kernel. */
void enforce_ban(struct enforce *e, const struct addr *target,
    uint32_t seconds, bool refresh);

/*
 * Send everything queued in one batch, then cut the sessions of peers
 * that bans covers at now. Failed elements are logged and counted.
 */
void enforce_flush(struct enforce *e, const struct bans *bans, int64_t now);

/* Lift a ban now. 0, or -1 with errno (ENOENT: not in the kernel). */
int enforce_unban(struct enforce *e, const struct addr *target);

/*
 * Compare the kernel sets with bans and queue every live ban the kernel
 * lacks, with its remaining time, then flush. why names the occasion in the
 * log ("restore", "recheck", "notification"). Returns the number put back.
 */
size_t enforce_reassert(struct enforce *e, const struct bans *bans,
    int64_t now, const char *why);

/*
 * Our table lost something behind our back: set it up again from c and put
 * back every live ban it lacks; logged and counted as one repair.
 */
void enforce_repair(struct enforce *e, const struct conf *c,
    const struct bans *bans, int64_t now);

/*
 * Notices were lost (a burst overflowed the socket): if our table is whole,
 * quietly put back every live ban it lacks (counted as a resync) and return
 * true; false when something of the table is gone, for enforce_repair().
 */
bool enforce_resync(struct enforce *e, const struct bans *bans, int64_t now);

/* What the nftables notifications told. */
enum enforce_watch {
	ENFORCE_WATCH_NONE,     /* nothing of concern */
	ENFORCE_WATCH_CHANGED,  /* our table lost something behind our back:
	                         * enforce_repair() */
	ENFORCE_WATCH_RESYNC,   /* notices were lost: enforce_resync() */
};

/*
 * The descriptor of nftables change notifications (-1 in dry run), and
 * its handler.
 */
int enforce_watch_fd(struct enforce *e);
enum enforce_watch enforce_watch_read(struct enforce *e);

/* Counters, the rule counters read from the kernel now. */
void enforce_get_stats(struct enforce *e, struct enforce_stats *st);

/* Text for enum enforce_cut ("on", "off", ...). */
const char *enforce_cut_name(enum enforce_cut c);

#endif
