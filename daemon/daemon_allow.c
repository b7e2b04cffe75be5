/*
 * daemon_allow: the daemon's allowlist, kept true while it runs: loopback,
 * the configured CIDRs and (own_addresses = yes) this machine's addresses,
 * which nft/ifaddr.c follows as they change. An address that comes up
 * after start (a VIP moved by failover, an IPv6 temporary address) is
 * allowlisted as soon as its notice is read, and every ban that then
 * covers an allowlisted address is lifted, so the machine never keeps a
 * ban of itself. The allowlist lives in struct daemon; decide gets a copy
 * at each change (decide_set_allow).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "daemon.h"

struct own {
	struct allow *al;
	size_t dropped;     /* addresses that did not fit */
};

static void
add_own(void *arg, const struct addr *a)
{
	struct own *o = arg;

	if (allow_add(o->al, a) == -1)
		o->dropped++;
}

void
daemon_allow_build(struct daemon *dm)
{
	struct own o = {&dm->allow, 0};
	size_t i;

	allow_init(&dm->allow);
	for (i = 0; i < dm->conf.nallow; i++)
		allow_add(&dm->allow, &dm->conf.allow[i]);
	if (!dm->conf.allow_own || dm->ifaddr == NULL)
		return;
	ifaddr_foreach(dm->ifaddr, add_own, &o);
	if (o.dropped > 0)
		log_warnx("allowlist full (%d entries): %zu of this machine's "
		    "addresses are not allowlisted; allow their prefixes in "
		    "[allow] cidrs instead", ALLOW_MAX, o.dropped);
}

/*
 * Every ban that covers an allowlisted address is lifted or split around
 * it, in the kernel at once: the ledger does it (ledger_apply_allow()),
 * and tells decide, which forgets the lifted bans.
 */
void
daemon_allow_lift(struct daemon *dm)
{
	ledger_apply_allow(dm->ledger, daemon_now());
	ledger_flush(dm->ledger, daemon_now(), NULL);
}

void
daemon_allow_update(struct daemon *dm)
{
	daemon_allow_build(dm);
	decide_set_allow(dm->d, &dm->allow);
	daemon_allow_lift(dm);
}

void
daemon_allow_on_ifaddr(void *arg, int fd, uint32_t events)
{
	struct daemon *dm = arg;
	int rc;

	(void)fd;
	(void)events;
	rc = ifaddr_read(dm->ifaddr);
	if (rc == -1 && log_limit_allow(&dm->warn_limit, daemon_now()))
		log_warn("this machine's addresses (rtnetlink)");
	if (rc == 0 || !dm->conf.allow_own)
		return;
	log_info("own addresses changed count=%zu",
	    ifaddr_count(dm->ifaddr));
	daemon_allow_update(dm);
}
