/*
 * addr: the one place where text becomes an address and back.
 *
 * Addresses come only from inet_pton(3) on a bounded copy of the input, so
 * log text is never resolved and never read past its length. Every struct
 * addr leaves this module normalised (v4-mapped folded to IPv4, host bits
 * and padding zero), which lets the score table hash and compare raw bytes.
 * IPv6 output follows RFC 5952 (lower case, longest zero run compressed,
 * leftmost on a tie, never a single zero field) and is written here rather
 * than left to the libc, whose inet_ntop also prints IPv4-compatible
 * addresses in dotted form.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"

static const uint8_t v4mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff};

unsigned
addr_maxlen(const struct addr *a)
{
	return a->family == AF_INET ? 32 : 128;
}

bool
addr_is_host(const struct addr *a)
{
	return a->len == addr_maxlen(a);
}

void
addr_mask(struct addr *dst, const struct addr *src, unsigned len)
{
	unsigned max = addr_maxlen(src), full;

	if (len > max)
		len = max;
	*dst = *src;
	dst->len = (uint8_t)len;
	/* Whole bytes kept, one byte cut, the rest cleared (on the hot path:
	 * every event masks its host into its netblocks). */
	full = len / 8;
	if (len % 8 != 0)
		dst->a[full++] &= (uint8_t)(0xff << (8 - len % 8));
	if (full < sizeof(dst->a))
		memset(dst->a + full, 0, sizeof(dst->a) - full);
}

static void
fold_mapped(struct addr *a)
{
	if (a->family != AF_INET6 || memcmp(a->a, v4mapped_prefix, 12) != 0)
		return;
	memmove(a->a, a->a + 12, 4);
	memset(a->a + 4, 0, 12);
	a->family = AF_INET;
	a->len = a->len >= 96 ? (uint8_t)(a->len - 96) : 0;
}

int
addr_from_bytes(int family, const void *bytes, struct addr *out)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (family != AF_INET && family != AF_INET6) {
		errno = EINVAL;
		return -1;
	}
	a.family = (uint8_t)family;
	a.len = family == AF_INET ? 32 : 128;
	memcpy(a.a, bytes, a.len / 8);
	fold_mapped(&a);
	*out = a;
	return 0;
}

int
addr_parse(const char *s, size_t n, struct addr *out)
{
	char buf[INET6_ADDRSTRLEN];
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (n == 0 || n >= sizeof(buf) || memchr(s, '\0', n) != NULL)
		goto fail;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (memchr(buf, ':', n) == NULL) {
		if (inet_pton(AF_INET, buf, a.a) != 1)
			goto fail;
		a.family = AF_INET;
		a.len = 32;
	} else {
		if (inet_pton(AF_INET6, buf, a.a) != 1)
			goto fail;
		a.family = AF_INET6;
		a.len = 128;
		fold_mapped(&a);
	}
	*out = a;
	return 0;
fail:
	errno = EINVAL;
	return -1;
}

int
addr_parse_prefix(const char *s, bool mask, struct addr *out)
{
	const char *slash = strchr(s, '/');
	struct addr a, m;
	unsigned long len;
	char *end;
	bool v6text;

	if (slash == NULL)
		return addr_parse(s, strlen(s), out);
	if (addr_parse(s, (size_t)(slash - s), &a) == -1)
		return -1;
	if (slash[1] < '0' || slash[1] > '9' || strlen(slash + 1) > 3)
		goto fail;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		goto fail;
	/* "::ffff:1.2.3.0/120" was folded to IPv4 by addr_parse: shift LEN. */
	v6text = memchr(s, ':', (size_t)(slash - s)) != NULL;
	if (v6text && a.family == AF_INET) {
		if (len < 96 || len > 128)
			goto fail;
		len -= 96;
	}
	if (len > addr_maxlen(&a))
		goto fail;
	addr_mask(&m, &a, (unsigned)len);
	if (!mask && memcmp(m.a, a.a, sizeof(a.a)) != 0)
		goto fail;
	*out = m;
	return 0;
fail:
	errno = EINVAL;
	return -1;
}

/* RFC 5952 section 4: the longest run of two or more zero fields becomes
 * "::", the first one on a tie; hex in lower case without leading zeros. */
/* Decimal digits of v at p; returns the end. */
static char *
put_dec(char *p, unsigned v)
{
	char t[10];
	int n = 0;

	do
		t[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n > 0)
		*p++ = t[--n];
	return p;
}

/* Lowercase hex digits of a 16-bit group, no leading zeros. */
static char *
put_hex(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 0xf];
	return p;
}

/* RFC 5952: lowercase, no leading zeros, the longest run of two or more
 * zero groups (the first of equals) written "::". At most 39 bytes. */
static char *
format6(const uint8_t *a, char *p)
{
	unsigned w[8], i, best = 8, bestlen = 0, run = 0;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i <= 8; i++) {
		if (i < 8 && w[i] == 0) {
			run++;
			continue;
		}
		if (run >= 2 && run > bestlen) {
			best = i - run;
			bestlen = run;
		}
		run = 0;
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && p[-1] != ':')
			*p++ = ':';
		p = put_hex(p, w[i]);
	}
	return p;
}

/*
 * Formatted by hand into a buffer of ADDR_STRLEN, then copied: this runs
 * once per event in `test --events` and per ban, and snprintf() cost
 * about 2,600 instructions a call.
 */
int
addr_format(const struct addr *a, char *buf, size_t size)
{
	char t[ADDR_STRLEN], *p = t;
	size_t n;
	int i;

	if (a->family == AF_INET) {
		for (i = 0; i < 4; i++) {
			if (i > 0)
				*p++ = '.';
			p = put_dec(p, a->a[i]);
		}
	} else {
		p = format6(a->a, p);
	}
	if (!addr_is_host(a)) {
		*p++ = '/';
		p = put_dec(p, a->len);
	}
	n = (size_t)(p - t);
	if (n >= size) {
		if (size > 0)
			buf[0] = '\0';
		errno = ENOSPC;
		return -1;
	}
	memcpy(buf, t, n);
	buf[n] = '\0';
	return (int)n;
}

bool
addr_contains(const struct addr *net, const struct addr *a)
{
	struct addr m;

	if (net->family != a->family || a->len < net->len)
		return false;
	addr_mask(&m, a, net->len);
	return memcmp(m.a, net->a, sizeof(m.a)) == 0;
}

int
addr_cmp(const struct addr *x, const struct addr *y)
{
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	c = memcmp(x->a, y->a, sizeof(x->a));
	if (c != 0)
		return c;
	return (int)x->len - (int)y->len;
}

int
addr_next_block(const struct addr *a, struct addr *out)
{
	unsigned bit, i, add, v;
	struct addr n;

	if (a->len == 0)
		return -1;
	addr_mask(&n, a, a->len);
	/* Add 1 at bit position len-1, carrying towards the front. */
	bit = a->len - 1;
	i = bit / 8;
	add = 1u << (7 - bit % 8);
	for (;;) {
		v = n.a[i] + add;
		n.a[i] = (uint8_t)v;
		if (v <= 0xff)
			break;
		if (i == 0)
			return -1;
		i--;
		add = 1;
	}
	n.len = (uint8_t)addr_maxlen(a);
	*out = n;
	return 0;
}

bool
addr_never_source(const struct addr *a)
{
	static const struct {
		uint8_t family, len;
		uint8_t a[16];
	} never[] = {
	    {AF_INET, 8, {0}},                  /* 0.0.0.0/8: "this network" */
	    {AF_INET, 4, {224}},                /* multicast */
	    {AF_INET, 32, {255, 255, 255, 255}},/* limited broadcast */
	    {AF_INET6, 128, {0}},               /* unspecified */
	    {AF_INET6, 8, {0xff}},              /* multicast */
	};
	struct addr n;
	size_t i;

	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		memset(&n, 0, sizeof(n));
		n.family = never[i].family;
		n.len = never[i].len;
		memcpy(n.a, never[i].a, sizeof(n.a));
		if (addr_contains(&n, a))
			return true;
	}
	return false;
}
