/*
 * addr: numeric IP addresses and prefixes. Parsing (inet_pton only, never
 * a name lookup), canonical formatting (dotted IPv4, RFC 5952 IPv6) and
 * prefix math. Pure: no I/O, no allocation.
 */
#ifndef DB_ADDR_H
#define DB_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text addr_format() writes, with the NUL: an IPv6 address and "/128". */
#define ADDR_STRLEN 48

/*
 * An address or a prefix. A host is a prefix of full length (32 or 128).
 * IPv4 uses a[0..3]; every byte past the family's length and every host bit
 * past len is zero, so the struct can be compared and hashed as bytes.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is always stored as IPv4.
 */
struct addr {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;    /* prefix length in bits */
	uint8_t pad[2]; /* always zero */
	uint8_t a[16];  /* network byte order */
};

/*
 * Parse the n bytes at s (no NUL needed) as a numeric IPv4 or IPv6 address.
 * Accepts no zone id, no brackets, no prefix. ::ffff:a.b.c.d becomes IPv4.
 * Returns 0, or -1 with errno EINVAL.
 */
int addr_parse(const char *s, size_t n, struct addr *out);

/*
 * The host at bytes (network order: 4 bytes for AF_INET, 16 for AF_INET6),
 * as the kernel gives it; ::ffff:a.b.c.d becomes IPv4. Returns 0, or -1
 * with errno EINVAL for another family.
 */
int addr_from_bytes(int family, const void *bytes, struct addr *out);

/*
 * Parse "ADDR" or "ADDR/LEN" (NUL-terminated). Host bits past LEN must be
 * zero, unless mask is true, in which case they are cleared.
 * A v4-mapped address with /LEN >= 96 becomes IPv4 /(LEN-96).
 * Returns 0, or -1 with errno EINVAL.
 */
int addr_parse_prefix(const char *s, bool mask, struct addr *out);

/* Write the canonical form of a; "/len" is added unless it is a host.
 * Returns the length written, or -1 with errno ENOSPC if size is too small. */
int addr_format(const struct addr *a, char *buf, size_t size);

/* Full length of a's family: 32 or 128. */
unsigned addr_maxlen(const struct addr *a);

/* True when a is a single host (len equals the family's full length). */
bool addr_is_host(const struct addr *a);

/* Copy src to dst truncated to len bits (len is clamped to the family). */
void addr_mask(struct addr *dst, const struct addr *src, unsigned len);

/* True when prefix net contains a (a host or a prefix at least as long). */
bool addr_contains(const struct addr *net, const struct addr *a);

/* Total order: family, then bytes, then length. Returns <0, 0 or >0. */
int addr_cmp(const struct addr *x, const struct addr *y);

/*
 * The first address after the block a covers. Returns 0, or -1 when the
 * block reaches the top of the address space (nothing follows it).
 */
int addr_next_block(const struct addr *a, struct addr *out);

/* True when a (a host, or a prefix inside one of these) can never be the
 * source of a connection: 0.0.0.0/8, multicast, 255.255.255.255, ::,
 * ff00::/8. Such a target is never banned. */
bool addr_never_source(const struct addr *a);

#endif
