/* allow: see allow.h. Checked immediately before every ban, manual too. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "allow.h"

void
allow_init(struct allow *l)
{
	struct addr a;

	memset(l, 0, sizeof(*l));
	addr_parse_prefix("127.0.0.0/8", false, &a);
	allow_add(l, &a);
	addr_parse_prefix("::1", false, &a);
	allow_add(l, &a);
}

int
allow_add(struct allow *l, const struct addr *p)
{
	if (l->n == ALLOW_MAX) {
		errno = ENOSPC;
		return -1;
	}
	l->a[l->n++] = *p;
	return 0;
}

bool
allow_overlaps(const struct allow *l, const struct addr *target)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (addr_contains(&l->a[i], target) ||
		    addr_contains(target, &l->a[i]))
			return true;
	return false;
}
