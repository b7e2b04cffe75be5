/* TEMPORARY development shim for nft_apply() over nft_ban/nft_unban, not
 * atomic; replaced by the real one from the nftown branch at merge. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "nft.h"

size_t
nft_apply(struct nft *n, struct nft_op *ops, size_t count)
{
	size_t i, failed = 0;

	for (i = 0; i < count; i++) {
		struct nft_op *o = &ops[i];
		o->e.error = 0;
		if (o->kind == NFT_OP_DEL) {
			if (nft_unban(n, &o->e, 1) != 0 && o->e.error != ENOENT)
				failed++;
		} else {
			if (nft_ban(n, &o->e, 1, o->kind == NFT_OP_REFRESH) != 0)
				failed++;
		}
	}
	return failed;
}
