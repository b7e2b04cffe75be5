/*
 * nft_int: what the two halves of the nft module share: nft.c writes (the
 * table, batches of elements), nft_read.c reads (dumps, counters, change
 * notifications). Not an API: only those two files include it.
 */
#ifndef DB_NFT_INT_H
#define DB_NFT_INT_H

#include <stdint.h>

#include <libmnl/libmnl.h>

enum set_id { SET_HOST4 = 1, SET_HOST6, SET_NET4, SET_NET6, SET_PORTS };
extern const char *const nft_set_names[];

struct nft {
	struct mnl_socket *nl;
	struct mnl_socket *watch;
	uint32_t portid, seq;
	char table[32];
	char *buf;
	struct mnl_nlmsg_batch *batch;
};

/* A netlink socket of NETLINK_NETFILTER bound to groups (0: none), with
 * CAP_ACK, EXT_ACK and a large receive buffer; *portid is set unless NULL.
 * NULL with errno. */
struct mnl_socket *nft_socket(unsigned groups, uint32_t *portid);

#endif
