/*
 * enforce: the daemon's hands on the kernel. It sets up the table, applies
 * the element changes the ledger (ledger.c, the owner of every ban) sends
 * it, lists the sets for the ledger's reconcile, cuts the established
 * sessions of banned peers (SOCK_DESTROY) and watches the table for
 * changes behind our back. What to ban is never decided here. In dry run
 * it holds no netlink socket and changes nothing. Logs its failures (it is
 * daemon glue, not a library).
 */
#ifndef DB_ENFORCE_H
#define DB_ENFORCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/types.h>

#include "conf.h"
#include "nft.h"

/* Session cutting, as `status` reports it. */
enum enforce_cut {
	ENFORCE_CUT_OFF = 0,      /* kill_sessions = no, or dry run */
	ENFORCE_CUT_ON,
	ENFORCE_CUT_UNSUPPORTED,  /* the kernel lacks SOCK_DESTROY */
	ENFORCE_CUT_DENIED,       /* no CAP_NET_ADMIN for sock_diag */
};

struct enforce_stats {
	uint64_t ban_errors;      /* changes the kernel refused */
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

/*
 * Switch dry run on or off while running (reload). On: our table is
 * deleted (nothing is dropped any more) and netlink closed. Off: netlink
 * opened and the table of c set up, empty (the ledger's reconcile then
 * puts its bans in). 0, or -1 with errno, nothing changed (off: EPERM
 * without CAP_NET_ADMIN, EEXIST when the table is someone else's).
 */
int enforce_set_dry(struct enforce *e, const struct conf *c, bool dry);

/* True when the firewall is left alone (dry run). */
bool enforce_dry(const struct enforce *e);

/*
 * Set up (again) the table, chain, rules and ports of c: at start, on
 * reload and after the table was removed. 0, or -1 with errno.
 */
int enforce_setup(struct enforce *e, const struct conf *c);

/*
 * Apply ops to the kernel sets (nft_apply(): one transaction where
 * possible, each group on its own when not); e.error says how each went.
 * In dry run nothing is sent and every op succeeds. Failures are counted.
 * Returns the number of ops that failed.
 */
size_t enforce_apply(struct enforce *e, struct nft_op *ops, size_t n);

/* Every element of the kernel sets; *out is malloc'd. The count, or -1
 * with errno (in dry run: 0). */
ssize_t enforce_list(struct enforce *e, struct nft_entry **out);

/* The same, on a netlink socket of its own: for a child process, which
 * must leave the parent's socket alone. */
ssize_t enforce_list_apart(struct enforce *e, struct nft_entry **out);

/* The kernel's elements dropping host (nft_lookup()): the NFT_LOOKUP_*
 * bits, or -1 with errno (ENOTCONN in dry run: there is no table). */
int enforce_lookup(struct enforce *e, const struct addr *host,
    struct nft_entry *h, struct nft_entry *net);

/*
 * Cut the established sessions of every peer on our ports for which
 * covered(arg, peer) is true. Counted; a kernel without SOCK_DESTROY is
 * reported once, and cutting stops.
 */
void enforce_cut(struct enforce *e,
    bool (*covered)(void *arg, const struct addr *peer), void *arg);

/* True when our table, its sets, chain and rules are all there (or in dry
 * run): after lost notices, a whole table needs only a reconcile. */
bool enforce_intact(struct enforce *e);

/* What the nftables notifications told. */
enum enforce_watch {
	ENFORCE_WATCH_NONE,     /* nothing of concern */
	ENFORCE_WATCH_CHANGED,  /* our table lost something behind our back:
	                         * set up again and reconcile */
	ENFORCE_WATCH_RESYNC,   /* notices were lost: reconcile if intact */
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
