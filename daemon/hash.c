/*
 * hash: SipHash-1-3 and FNV-1a 64 (hash.h says which serves what).
 *
 * SipHash-1-3 is SipHash (Aumasson and Bernstein) with one compression
 * and three finalisation rounds, as Rust's HashMap and Redis use it: the
 * keys hashed are short (an address is 20 bytes), and the seed, not the
 * number of rounds, is what keeps an attacker from aiming collisions.
 * Words are read in the host's order: the hashes place entries in this
 * process's tables and are never stored or sent.
 */
#include "config.h"

#include <string.h>

#include "hash.h"

#define FNV_PRIME 0x100000001b3ULL

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

uint64_t
hash_siphash(const uint8_t k[16], const void *p, size_t n)
{
	const uint8_t *in = p;
	uint64_t k0, k1, v0, v1, v2, v3, m, b = (uint64_t)n << 56;
	size_t i;

	memcpy(&k0, k, 8);
	memcpy(&k1, k + 8, 8);
	v0 = 0x736f6d6570736575ULL ^ k0;
	v1 = 0x646f72616e646f6dULL ^ k1;
	v2 = 0x6c7967656e657261ULL ^ k0;
	v3 = 0x7465646279746573ULL ^ k1;
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&m, in + i, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	for (; i < n; i++) /* the last 0-7 bytes, little-endian */
		b |= (uint64_t)in[i] << (8 * (i & 7));
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t
hash_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}
