/*
 * allow: the absolute allowlist. Loopback always, the machine's own
 * addresses (given by the caller, so tests can fake them), and the
 * configured CIDRs. Pure; a linear scan, since the list is short.
 */
#ifndef DB_ALLOW_H
#define DB_ALLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

/* Entries an allowlist holds at most. */
#define ALLOW_MAX 1024

struct allow {
	struct addr a[ALLOW_MAX];
	size_t n;
};

/* Start with loopback only (127.0.0.0/8 and ::1). */
void allow_init(struct allow *l);

/* Add a prefix or host. Returns 0, or -1 with errno ENOSPC when full. */
int allow_add(struct allow *l, const struct addr *p);

/* True when target (a host or prefix) overlaps any allowed entry: a ban of
 * target would then cover an allowed address. */
bool allow_overlaps(const struct allow *l, const struct addr *target);

#endif
