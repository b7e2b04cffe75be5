/*
 * hash: the two hashes of the daemon, each in one place. Pure.
 * - SipHash-1-3 under a random 16-byte seed, for every table keyed by
 *   what an attacker chooses (addresses, dedupe keys): without the seed
 *   the buckets cannot be aimed at (as Redis's dict.c does).
 * - FNV-1a 64, unkeyed, for checksums and fingerprints of file contents
 *   (the state file's checksum, the tailer's line fingerprints): fast and
 *   stable across runs, never used to place attacker input in a table.
 */
#ifndef DB_HASH_H
#define DB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64's offset basis: the hash of no bytes, where a run starts. */
#define HASH_FNV_BASIS 0xcbf29ce484222325ULL

/* SipHash-1-3 of the n bytes at p under the key k. */
uint64_t hash_siphash(const uint8_t k[16], const void *p, size_t n);

/*
 * FNV-1a 64 of the n bytes at p, continuing from h (HASH_FNV_BASIS to
 * start), so that a hash can be carried over several pieces.
 */
uint64_t hash_fnv1a(uint64_t h, const void *p, size_t n);

#endif
