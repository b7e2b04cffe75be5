/*
 * nft: dominoban's nftables table, programmed over netlink with libnftnl
 * and libmnl. The only module that includes them. Never prints; every
 * function returns 0 or -1 with errno set, or a count.
 *
 * The table (inet, name from the config) holds host4/host6 (hash sets with
 * per-element timeouts), net4/net6 (interval sets with timeouts), ports
 * (inet_service), and one input chain whose rules drop (or reset) TCP
 * packets to those ports from those sets, with counters.
 */
#ifndef DB_NFT_H
#define DB_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

/* Bytes in one netlink batch (one sendmsg, one transaction): below the
 * default socket send buffer of 212992, which a user namespace cannot
 * raise (SO_SNDBUFFORCE needs CAP_NET_ADMIN in the initial namespace). */
#define NFT_BATCH_MAX (200 * 1024)
/* Elements in one NEWSETELEM/DELSETELEM message (well below 64 KiB). */
#define NFT_ELEMS_PER_MSG 256
/* Longest timeout the kernel takes, in ms (U64_MAX / NSEC_PER_MSEC). */
#define NFT_TIMEOUT_MAX 18446744073708ULL

struct nft_elem {
	struct addr target;    /* host -> host4/6, prefix -> net4/6 */
	uint64_t timeout_ms;   /* for a ban; ignored for an unban */
	int error;             /* out: 0, or the errno the kernel gave */
};

struct nft_entry {
	struct addr target;
	uint64_t timeout_ms;   /* as set; 0 when the set default applies */
	uint64_t expires_ms;   /* remaining; 0 when it never expires */
};

struct nft_counters {
	uint64_t packets, bytes;   /* dropped or rejected by our rules */
};

struct nft;

/* Open a netlink socket for table name. NULL with errno. */
struct nft *nft_open(const char *table);
void nft_close(struct nft *n);

/*
 * Create the table, sets and chain if missing, and (re)write the chain's
 * rules and the ports set, atomically, in one transaction. Idempotent: it
 * never duplicates a rule and touches no other table. reject: TCP reset
 * instead of drop. prio: the input hook priority.
 *
 * Never changes a table dominoban did not create: the tables it creates
 * carry its mark (a table comment, "dominoban"; kernel 5.13 or later). An
 * unmarked table that holds exactly what an older dominoban made (the five
 * sets, the input chain, our rules, nothing else) is adopted: made again
 * with the mark in one transaction, its bans put back with the time they
 * had left. The table is read and changed at one ruleset generation, so a
 * concurrent change cannot slip in between (setup reads again).
 * 0, or -1 with errno: EEXIST, the table exists and is not dominoban's
 * (nothing was changed); EAGAIN, the ruleset kept changing under us; EPERM,
 * no CAP_NET_ADMIN; another, the kernel's.
 */
int nft_setup(struct nft *n, const uint16_t *ports, size_t nports,
    bool reject, int prio);

/* Delete the whole table (tests; an admin's explicit teardown), if it is
 * ours (EEXIST if not, ENOENT if there is none). 0, or -1 with errno. */
int nft_teardown(struct nft *n);

enum nft_op_kind {
	NFT_OP_ADD,      /* add the element with e.timeout_ms */
	NFT_OP_DEL,      /* delete the element */
	NFT_OP_REFRESH,  /* delete + add in one transaction: moves the expiry
	                  * (6.1 keeps the old one on a re-add) */
};

struct nft_op {
	struct nft_elem e;       /* e.error: out, 0 or the errno */
	enum nft_op_kind kind;
	uint32_t group;          /* ops with the same group commit or fail
	                          * together */
};

/*
 * Apply ops, in the order given, in as few transactions as possible (split
 * at NFT_BATCH_MAX, only between groups; ops of one group are contiguous:
 * a group ends where the group number changes). When a transaction fails,
 * each of its groups is retried in a transaction of its own, so one bad
 * group never costs the others. Inside a group, a delete (or the delete
 * half of a refresh) that fails with ENOENT (the element had expired or
 * was never there) is dropped and the group retried: what it wanted is
 * true. Every op of a group that still fails gets an error: the failing op
 * its errno, the others ECANCELED (an error the kernel pins on no op, such
 * as EPERM, goes to every op of the group; a group too large for one
 * transaction gets EMSGSIZE; an invalid target EINVAL). Returns the number
 * of ops that failed (dropped ENOENT deletes do not count; their e.error
 * stays ENOENT; a refresh whose delete half was dropped ends with 0 when
 * its add committed).
 *
 * Interval sets (net4, net6) refuse an element that overlaps another
 * (EEXIST); a group {DEL 10.9.1.0/24, DEL 10.9.2.0/24, ADD 10.9.0.0/16}
 * replaces the narrower blocks with the wider one in one transaction.
 */
size_t nft_apply(struct nft *n, struct nft_op *ops, size_t count);

/*
 * Thin wrappers over nft_apply(), each element a group of its own. Ban:
 * add the elements with their timeouts, or refresh them (a refresh of an
 * element that is not there adds it). Unban: delete them. e[i].error says
 * why one failed (ENOENT: not there, counted as a failure by nft_unban;
 * EEXIST: overlaps another prefix). Returns the number that failed.
 */
size_t nft_ban(struct nft *n, struct nft_elem *e, size_t count, bool refresh);
size_t nft_unban(struct nft *n, struct nft_elem *e, size_t count);

/*
 * Every element of the four sets, intervals paired into prefixes (orphan
 * END elements left after an expiry are skipped). *out is malloc'd.
 * Returns the count, or -1 with errno.
 */
ssize_t nft_list(struct nft *n, struct nft_entry **out);

/* The name of the table n was opened for. */
const char *nft_table_name(const struct nft *n);

/*
 * The elements that drop host (an address): its own in host4/host6 into
 * *h, and the block of net4/net6 holding it into *net (its prefix, from
 * the interval's start and end). A few round trips, whatever the size of
 * the sets. Returns the NFT_LOOKUP_* bits of what was found, or -1 with
 * errno. A missing table or set holds no element.
 */
#define NFT_LOOKUP_HOST 1
#define NFT_LOOKUP_NET 2
int nft_lookup(struct nft *n, const struct addr *host, struct nft_entry *h,
    struct nft_entry *net);

/* The counters of our rules, summed. 0, or -1 with errno. */
int nft_counters(struct nft *n, struct nft_counters *c);

/*
 * Is our table whole: marked, with its five sets, its input chain and its
 * four rules? 1 yes, 0 something is missing (or the table), -1 with errno.
 */
int nft_intact(struct nft *n);

/* Bytes of the notification socket's receive buffer (SO_RCVBUFFORCE when
 * permitted, else SO_RCVBUF up to net.core.rmem_max): the notices of a
 * large batch of our own (every element is one) must fit. */
#define NFT_WATCH_RCVBUF (16 * 1024 * 1024)

/* What nft_watch_read() saw. */
enum nft_watch {
	NFT_WATCH_NONE = 0,     /* nothing of concern */
	NFT_WATCH_DELETED = 1,  /* something of our table was deleted behind
	                         * our back (flush ruleset, a firewall reload,
	                         * nft delete element) */
	NFT_WATCH_RESYNC = 2,   /* notices were lost (ENOBUFS): nothing is
	                         * known to be missing; compare and put back */
};

/*
 * A socket subscribed to nftables change notifications, for the daemon's
 * loop; nft_watch_read() drains it and returns an enum nft_watch (DELETED
 * wins over RESYNC when both happened), or -1 on error.
 */
int nft_watch_fd(struct nft *n);
int nft_watch_read(struct nft *n);

#endif
