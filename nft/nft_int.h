/*
 * nft_int: what the files of the nft module share: nft.c writes the table
 * and owns the batch buffer, nft_apply.c writes elements, nft_own.c tells
 * our table from anyone else's, nft_read.c reads (dumps, counters, change
 * notifications). Not an API: only those files include it.
 */
#ifndef DB_NFT_INT_H
#define DB_NFT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

struct nftnl_set;
struct nftnl_table;

enum set_id { SET_HOST4 = 1, SET_HOST6, SET_NET4, SET_NET6, SET_PORTS };
extern const char *const nft_set_names[];

/* How each set is declared (indexed by enum set_id): nft's datatype id,
 * key length in bytes, NFT_SET_* flags. */
struct nft_set_def {
	uint32_t type, len, flags;
};
extern const struct nft_set_def nft_set_defs[];

/* Bound on one message we build, in bytes. */
#define NFT_MSG_MAX (32 * 1024)
/* The batch buffer: one full batch, one message over it, the batch end. */
#define NFT_BUF_SIZE (NFT_BATCH_MAX + 2 * NFT_MSG_MAX)
/* Messages in one batch: none is shorter than 32 bytes. */
#define NFT_MSGS_MAX (NFT_BUF_SIZE / 32)
/* Errors kept from one batch (the kernel reports every failing message). */
#define NFT_ERRS_MAX 64
/* The tag of a message no error should be pinned on (setup). */
#define NFT_TAG_NONE UINT32_MAX

/* One error of the last batch: the tag its message was ended with
 * (NFT_TAG_NONE for the batch itself or the send), and the errno. */
struct nft_err {
	uint32_t tag;
	int err;
};

struct nft {
	struct mnl_socket *nl;
	struct mnl_socket *watch;
	uint32_t portid, seq;
	char table[32];
	char *buf;                /* NFT_BUF_SIZE: the batch being built */
	size_t len;               /* bytes of it used */
	uint32_t first_seq;       /* seq of the batch's first message */
	size_t nmsg;              /* messages in it; message k has seq
	                           * first_seq + k */
	uint32_t *tags;           /* NFT_MSGS_MAX: each message's tag */
	struct nft_err errs[NFT_ERRS_MAX];
	size_t nerrs;             /* errors of the last batch sent */
};

/* A new libnftnl set naming our set id (table, name, family). NULL with
 * ENOMEM. */
struct nftnl_set *nft_set_new(const struct nft *n, enum set_id id);

/* A netlink socket of NETLINK_NETFILTER bound to groups (0: none), with
 * CAP_ACK, EXT_ACK and a large receive buffer; *portid is set unless NULL.
 * NULL with errno. */
struct mnl_socket *nft_socket(unsigned groups, uint32_t *portid);

/* Start a batch in n->buf. genid: the ruleset generation the batch was
 * built from (the kernel refuses it with ERESTART if the ruleset changed
 * since); 0: no check. */
void nft_batch_begin(struct nft *n, uint32_t genid);

/* The header of the batch's next message, or NULL with EMSGSIZE when the
 * buffer has no room for one more. Close it with nft_msg_end(). */
struct nlmsghdr *nft_msg_start(struct nft *n, uint16_t type, uint16_t flags);

/* Close the message nft_msg_start() gave; tag names it in n->errs. */
void nft_msg_end(struct nft *n, uint32_t tag);

/* End and send the batch; collect its errors in n->errs. 0 when it was
 * committed, else the first error (the whole batch was refused). */
int nft_batch_send(struct nft *n);

/* Send one request (a dump or a get with NLM_F_ACK) built in n->buf and
 * run cb over the replies. 0, or -1 with errno. */
int nft_dump(struct nft *n, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg);

/* How the table called n->table stands, for nft_setup(). */
enum nft_own {
	NFT_OWN_NONE,      /* there is none */
	NFT_OWN_OURS,      /* it carries our mark */
	NFT_OWN_OLD,       /* unmarked, but exactly what an older dominoban
	                    * made: ours to adopt */
	NFT_OWN_FOREIGN,   /* anything else: never touch it */
};

/* Read the ruleset generation into *genid, then how the table stands.
 * An enum nft_own, or -1 with errno. */
int nft_own_check(struct nft *n, uint32_t *genid);

/* Put our mark on t (NFTNL_TABLE_USERDATA). 0, or -1 with ENOMEM. */
int nft_own_mark(struct nftnl_table *t);

#endif
