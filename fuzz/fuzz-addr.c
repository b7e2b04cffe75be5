/*
 * fuzz-addr: address parsing and formatting (daemon/addr.c), where log
 * text, configuration, the state file and the control socket all become
 * addresses.
 *
 * The input is used three ways:
 * - as text for addr_parse() (bytes, length given) and, NUL-terminated, for
 *   addr_parse_prefix() with and without masking;
 * - its first 18 bytes as a raw family, length and 16 address bytes,
 *   normalised with addr_mask(), so that addr_format() sees every shape.
 *
 * Invariants: whatever parses is normalised and round-trips through
 * addr_format() to the same bytes; the text is RFC 5952 (checked against
 * glibc's inet_ntop(), which agrees except for the embedded-IPv4 forms);
 * addr_format() into every smaller buffer fails with ENOSPC or writes the
 * same text; a prefix contains itself and not the block after it; a strict
 * parse (mask false) agrees with a masking one.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "fuzz.h"

#define FUZZ_TEXT_MAX 128 /* bytes of input tried as text: longer never parses */

FUZZ_NO_INIT

/* glibc prints these IPv6 addresses with an embedded IPv4 part. */
static bool
embeds_v4(const uint8_t *a)
{
	static const uint8_t zero[12];
	unsigned w5 = (unsigned)a[10] << 8 | a[11];
	unsigned w6 = (unsigned)a[12] << 8 | a[13];
	unsigned w7 = (unsigned)a[14] << 8 | a[15];

	if (memcmp(a, zero, 10) != 0)
		return false;
	if (w5 == 0xffff)
		return true;
	/* ::a.b.c.d (IPv4-compatible), but not :: and ::1. */
	return w5 == 0 && w6 != 0 ? true : w5 == 0 && w6 == 0 && w7 > 1;
}

static void
check_formats(const struct addr *a)
{
	char buf[ADDR_STRLEN], small[ADDR_STRLEN], ref[INET6_ADDRSTRLEN];
	struct addr back;
	size_t size, i;
	int n, k;

	n = addr_format(a, buf, sizeof(buf));
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf), "format gave %d", n);
	FUZZ_CHECK(addr_parse_prefix(buf, false, &back) == 0 &&
		memcmp(&back, a, sizeof(back)) == 0,
	    "%s does not parse back to the same address", buf);
	if (a->family == AF_INET6 && addr_is_host(a) && !embeds_v4(a->a)) {
		FUZZ_CHECK(inet_ntop(AF_INET6, a->a, ref, sizeof(ref)) != NULL,
		    "inet_ntop");
		FUZZ_CHECK(strcmp(ref, buf) == 0, "RFC 5952: %s, glibc %s", buf,
		    ref);
	}
	for (size = 0; size <= (size_t)n; size++) {
		memset(small, 'x', sizeof(small));
		errno = 0;
		k = addr_format(a, small, size);
		FUZZ_CHECK(k == -1 && errno == ENOSPC,
		    "%d into a %zu-byte buffer", k, size);
		FUZZ_CHECK(size == 0 || small[0] == '\0',
		    "failed format left text");
		for (i = size; i < sizeof(small); i++)
			FUZZ_CHECK(small[i] == 'x', "wrote byte %zu into a "
			    "%zu-byte buffer", i, size);
	}
	k = addr_format(a, small, (size_t)n + 1);
	FUZZ_CHECK(k == n && strcmp(small, buf) == 0, "exact-size format");
}

static void
check_prefix(const struct addr *p)
{
	struct addr m, next;

	FUZZ_CHECK(p->family == AF_INET || p->family == AF_INET6, "family");
	FUZZ_CHECK(p->len <= addr_maxlen(p), "len %u", p->len);
	FUZZ_CHECK(p->pad[0] == 0 && p->pad[1] == 0, "padding");
	addr_mask(&m, p, p->len);
	FUZZ_CHECK(memcmp(&m, p, sizeof(m)) == 0, "host bits set");
	FUZZ_CHECK(addr_contains(p, p), "a prefix does not contain itself");
	FUZZ_CHECK(addr_cmp(p, p) == 0, "cmp with itself");
	if (addr_next_block(p, &next) == 0) {
		FUZZ_CHECK(addr_is_host(&next) && next.family == p->family,
		    "next block is not a host");
		FUZZ_CHECK(!addr_contains(p, &next), "next block inside");
		FUZZ_CHECK(addr_cmp(&next, p) > 0, "next block not after");
	}
	check_formats(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[FUZZ_TEXT_MAX + 1];
	struct addr a, b, strict;
	size_t n = size < FUZZ_TEXT_MAX ? size : FUZZ_TEXT_MAX;

	if (addr_parse((const char *)data, size, &a) == 0) {
		FUZZ_CHECK(addr_is_host(&a), "addr_parse gave /%u", a.len);
		check_prefix(&a);
		/* The same text through the prefix parser. */
		if (n == size && memchr(data, '\0', size) == NULL) {
			memcpy(text, data, n);
			text[n] = '\0';
			FUZZ_CHECK(addr_parse_prefix(text, false, &b) == 0 &&
				memcmp(&a, &b, sizeof(a)) == 0,
			    "addr_parse_prefix disagrees on %s", text);
		}
	}
	memcpy(text, data, n);
	text[n] = '\0';
	if (addr_parse_prefix(text, true, &a) == 0) {
		check_prefix(&a);
		if (addr_parse_prefix(text, false, &strict) == 0)
			FUZZ_CHECK(memcmp(&a, &strict, sizeof(a)) == 0,
			    "masking changed a strict prefix %s", text);
	} else {
		FUZZ_CHECK(errno == EINVAL, "errno %d", errno);
		FUZZ_CHECK(addr_parse_prefix(text, false, &strict) == -1,
		    "strict parse accepted what masking refused: %s", text);
	}
	/* Raw bytes as an address, normalised the way addr.h promises. */
	if (size >= 18) {
		memset(&b, 0, sizeof(b));
		b.family = (data[0] & 1) ? AF_INET6 : AF_INET;
		memcpy(b.a, data + 2, b.family == AF_INET ? 4 : 16);
		b.len = (uint8_t)addr_maxlen(&b);
		addr_mask(&a, &b, data[1] % (addr_maxlen(&b) + 1));
		/* v4-mapped IPv6 is always stored as IPv4: not a valid
		 * struct addr, so not one to format. */
		if (a.family == AF_INET || !(a.a[10] == 0xff &&
		    a.a[11] == 0xff && memcmp(a.a, "\0\0\0\0\0\0\0\0\0\0",
		    10) == 0))
			check_prefix(&a);
	}
	return 0;
}
