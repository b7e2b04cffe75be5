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
 */
int nft_setup(struct nft *n, const uint16_t *ports, size_t nports,
    bool reject, int prio);

/* Delete the whole table (tests; an admin's explicit teardown). */
int nft_teardown(struct nft *n);

/*
 * Ban: add the elements with their timeouts; refresh = delete and add
 * again, which moves the expiry on every kernel (6.1 keeps the old expiry
 * on a plain re-add). Unban: delete them. Batches are split at
 * NFT_BATCH_MAX. When a batch fails, its elements are retried one per batch
 * so that only the bad ones fail; their e[i].error says why (ENOENT: not
 * there; EEXIST: overlaps another prefix). Returns the number that failed.
 */
size_t nft_ban(struct nft *n, struct nft_elem *e, size_t count, bool refresh);
size_t nft_unban(struct nft *n, struct nft_elem *e, size_t count);

enum nft_op_kind {
	NFT_OP_ADD,      /* add the element with e.timeout_ms */
	NFT_OP_DEL,      /* delete the element */
	NFT_OP_REFRESH,  /* delete + add in one transaction: moves the expiry */
};

struct nft_op {
	struct nft_elem e;       /* e.error: out, 0 or the errno */
	enum nft_op_kind kind;
	uint32_t group;          /* ops of one group commit or fail together */
};

/*
 * Apply ops, in the order given, in as few transactions as possible (split
 * at NFT_BATCH_MAX, only between groups; ops of one group are contiguous).
 * When a transaction fails, each of its groups is retried in a transaction
 * of its own, so one bad group never costs the others. Inside a group, a
 * delete (or the delete half of a refresh) that fails with ENOENT is
 * dropped and the group retried: what it wanted is true. Every op of a
 * group that still fails gets an error: the failing op its errno, the
 * others ECANCELED. Returns the number of ops that failed (dropped ENOENT
 * deletes do not count; their e.error stays ENOENT).
 */
size_t nft_apply(struct nft *n, struct nft_op *ops, size_t count);

/*
 * Every element of the four sets, intervals paired into prefixes (orphan
 * END elements left after an expiry are skipped). *out is malloc'd.
 * Returns the count, or -1 with errno.
 */
ssize_t nft_list(struct nft *n, struct nft_entry **out);

/* The counters of our rules, summed. 0, or -1 with errno. */
int nft_counters(struct nft *n, struct nft_counters *c);

/*
 * A socket subscribed to nftables change notifications, for the daemon's
 * loop; nft_watch_read() drains it and returns 1 when something of our
 * table was deleted behind our back (flush ruleset, a firewall reload),
 * 0 otherwise, -1 on error.
 */
int nft_watch_fd(struct nft *n);
int nft_watch_read(struct nft *n);

#endif
