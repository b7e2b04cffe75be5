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
 * Every ban that covers an allowlisted address is lifted: in the kernel,
 * in our record and in decide (which forgets it, so it is not re-decided
 * as still active). The one place where an allowlist change touches the
 * bans.
 */
void
daemon_allow_lift(struct daemon *dm)
{
	char s[ADDR_STRLEN];
	int64_t now = daemon_now();
	struct verdict v;
	struct addr t;
	size_t i;

	for (i = 0; i < bans_count(dm->bans);) {
		t = bans_at(dm->bans, i)->target;
		if (!allow_overlaps(&dm->allow, &t)) {
			i++;
			continue;
		}
		if (enforce_unban(dm->enf, &t) == -1 && errno != ENOENT) {
			addr_format(&t, s, sizeof(s));
			log_warn("cannot lift the ban of %s from the kernel", s);
		}
		decide_manual(dm->d, VERDICT_UNBAN, &t, 0, now, &v);
		daemon_log_ban(dm, "unban", &t, 0, v.offences, "allowlisted");
		bans_del(dm->bans, &t);
		dm->bans_gen++;
		dm->dirty = true;
	}
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
