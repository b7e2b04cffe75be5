/*
 * daemon_query: `check ADDRESS [json]` on the control socket, the answer
 * to "is X blocked, and why?". Read-only, open to whoever may use the
 * socket: it changes no ban, no score and no table.
 *
 * The answer joins what the daemon holds (the ledger's bans covering the
 * address, the allowlist and why, the scores of the host and of its
 * blocks against the thresholds) with what the kernel holds: the element
 * of host4/host6 and the block of net4/net6 that would drop the address,
 * asked for that address alone (nft_lookup: three round trips at most,
 * whatever the size of the sets; never a dump). When the two differ the
 * answer says DISAGREE; the 30 s check of the daemon repairs the kernel.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "daemon.h"
#include "dur.h"

/* Bans that cover one address shown at most: itself and its blocks. */
#define QUERY_BANS 16

struct query {
	struct addr host;
	int64_t now;
	const struct ban *bans[QUERY_BANS]; /* widest first, then the host */
	size_t nbans;
	const struct ban *held_net;         /* the block the kernel should hold */
	const struct ban *held_host;        /* the host element it should hold */
	const struct ban *by;               /* what drops it, or NULL */
	int kbits;                          /* nft_lookup's, or -1 */
	int kerr;                           /* its errno */
	struct nft_entry kh, kn;
	bool agree;
	const char *allowed;                /* why allowlisted, or NULL */
	char allowed_cidr[ADDR_STRLEN];
	bool own;
	struct decide_peek peek[DECIDE_PEEK_MAX];
	size_t npeek;
};

struct own_find {
	const struct addr *host;
	bool found;
};

static void
own_cb(void *arg, const struct addr *a)
{
	struct own_find *o = arg;

	if (addr_cmp(a, o->host) == 0)
		o->found = true;
}

/* Why host is allowlisted: loopback, an own address, a configured CIDR. */
static void
query_allow(struct daemon *dm, struct query *q)
{
	struct own_find o = {&q->host, false};
	size_t i;

	if (dm->ifaddr != NULL)
		ifaddr_foreach(dm->ifaddr, own_cb, &o);
	q->own = o.found;
	if (!allow_overlaps(&dm->allow, &q->host))
		return;
	for (i = 0; i < dm->conf.nallow; i++)
		if (addr_contains(&dm->conf.allow[i], &q->host)) {
			addr_format(&dm->conf.allow[i], q->allowed_cidr,
			    sizeof(q->allowed_cidr));
			q->allowed = "[allow] cidrs";
			return;
		}
	if (q->own && dm->conf.allow_own)
		q->allowed = "own address (own_addresses = yes)";
	else
		q->allowed = "loopback";
}

/* The daemon's bans and the kernel's elements for q->host. */
static void
query_bans(struct daemon *dm, struct query *q)
{
	const struct ban *c[QUERY_BANS];
	const struct ban *h;
	size_t n, i;

	n = ledger_covering(dm->ledger, &q->host, q->now, c, QUERY_BANS - 1);
	for (i = 0; i < n && i < QUERY_BANS - 1; i++) {
		q->bans[q->nbans++] = c[i];
		if (c[i]->kstate == BAN_HELD && q->held_net == NULL)
			q->held_net = c[i];
	}
	h = bans_find(ledger_bans(dm->ledger), &q->host);
	if (h != NULL && h->expires > q->now) {
		q->bans[q->nbans++] = h;
		if (h->kstate == BAN_HELD)
			q->held_host = h;
	}
	q->by = q->held_net != NULL ? q->held_net : q->held_host;
	q->kbits = enforce_lookup(dm->enf, &q->host, &q->kh, &q->kn);
	q->kerr = q->kbits == -1 ? errno : 0;
	if (q->kbits == -1) {
		q->agree = dm->conf.dry_run;
		return;
	}
	q->agree = ((q->kbits & NFT_LOOKUP_HOST) != 0) == (q->held_host != NULL);
	if (q->held_net == NULL)
		q->agree = q->agree && (q->kbits & NFT_LOOKUP_NET) == 0;
	else
		q->agree = q->agree && (q->kbits & NFT_LOOKUP_NET) != 0 &&
		    addr_cmp(&q->kn.target, &q->held_net->target) == 0;
}

/* The tier of score record i: host, net (net4/6_prefix) or wide. */
static const char *
tier_name(const struct daemon *dm, const struct query *q, size_t i)
{
	unsigned net = q->host.family == AF_INET ? dm->conf.net4_prefix :
	    dm->conf.net6_prefix;

	return i == 0 ? "host" : q->peek[i].key.len == net ? "net" : "wide";
}

static void
json_ban(FILE *f, const struct ban *b, int64_t now)
{
	char a[ADDR_STRLEN];

	addr_format(&b->target, a, sizeof(a));
	fprintf(f, "{\"target\":\"%s\",\"kind\":\"%s\",\"remaining\":%lld,"
	    "\"expires\":%lld,\"offences\":%u,\"kernel\":\"%s\",\"origin\":\"",
	    a, addr_is_host(&b->target) ? "host" : "netblock",
	    (long long)(b->expires - now), (long long)b->expires, b->offences,
	    b->kstate == BAN_HELD ? "element" : b->kstate == BAN_SHADOWED ?
	    "covered" : "pending");
	stats_json_escape(f, b->origin);
	fprintf(f, "\",\"reason\":\"");
	stats_json_escape(f, b->reason);
	fprintf(f, "\"}");
}

static void
json_kernel(FILE *f, const struct daemon *dm, const struct query *q)
{
	char a[ADDR_STRLEN];

	if (q->kbits == -1) {
		fprintf(f, "\"kernel\":{\"checked\":false,\"agree\":%s,"
		    "\"error\":\"", q->agree ? "true" : "false");
		stats_json_escape(f, dm->conf.dry_run ? "dry run: no table "
		    "exists" : strerror(q->kerr));
		fprintf(f, "\"},");
		return;
	}
	fprintf(f, "\"kernel\":{\"checked\":true,\"agree\":%s,\"host\":",
	    q->agree ? "true" : "false");
	if (q->kbits & NFT_LOOKUP_HOST)
		fprintf(f, "{\"remaining_ms\":%llu}",
		    (unsigned long long)q->kh.expires_ms);
	else
		fprintf(f, "null");
	fprintf(f, ",\"net\":");
	if (q->kbits & NFT_LOOKUP_NET) {
		addr_format(&q->kn.target, a, sizeof(a));
		fprintf(f, "{\"target\":\"%s\",\"remaining_ms\":%llu}", a,
		    (unsigned long long)q->kn.expires_ms);
	} else {
		fprintf(f, "null");
	}
	fprintf(f, "},");
}

static void
render_json(struct daemon *dm, const struct query *q, FILE *f)
{
	char a[ADDR_STRLEN];
	size_t i;

	addr_format(&q->host, a, sizeof(a));
	fprintf(f, "{\"address\":\"%s\",\"dropped\":%s,\"dry_run\":%s,"
	    "\"by\":", a, q->by != NULL && !dm->conf.dry_run ? "true" :
	    "false", dm->conf.dry_run ? "true" : "false");
	if (q->by != NULL)
		json_ban(f, q->by, q->now);
	else
		fprintf(f, "null");
	fprintf(f, ",\"bans\":[");
	for (i = 0; i < q->nbans; i++) {
		fprintf(f, "%s", i ? "," : "");
		json_ban(f, q->bans[i], q->now);
	}
	fprintf(f, "],");
	json_kernel(f, dm, q);
	fprintf(f, "\"allowlisted\":%s,\"allowlist_entry\":",
	    q->allowed != NULL ? "true" : "false");
	if (q->allowed == NULL)
		fprintf(f, "null");
	else
		fprintf(f, "\"%s%s%s\"", q->allowed,
		    q->allowed_cidr[0] ? " " : "", q->allowed_cidr);
	fprintf(f, ",\"own_address\":%s,\"scores\":[",
	    q->own ? "true" : "false");
	for (i = 0; i < q->npeek; i++) {
		addr_format(&q->peek[i].key, a, sizeof(a));
		fprintf(f, "%s{\"target\":\"%s\",\"tier\":\"%s\",\"score\":%.2f,"
		    "\"threshold\":%.2f,\"hosts\":%u,\"min_hosts\":%u,"
		    "\"banned_hosts\":%u,\"reason\":\"", i ? "," : "", a,
		    tier_name(dm, q, i), q->peek[i].score, q->peek[i].threshold,
		    q->peek[i].hosts, q->peek[i].min_hosts, q->peek[i].banned);
		stats_json_escape(f, q->peek[i].reason);
		fprintf(f, "\"}");
	}
	fprintf(f, "]}\n");
}

static void
text_ban(FILE *f, const char *label, const struct ban *b, int64_t now)
{
	char a[ADDR_STRLEN], left[32];

	addr_format(&b->target, a, sizeof(a));
	dur_format((double)(b->expires - now), left, sizeof(left));
	fprintf(f, "%-14s%s (%s), origin %s, %s left, banned %u time%s, "
	    "reason %s%s\n", label, a, addr_is_host(&b->target) ? "host" :
	    "netblock", b->origin, left, b->offences, b->offences == 1 ? "" :
	    "s", b->reason, b->kstate == BAN_SHADOWED ? " (inside a wider "
	    "ban)" : "");
}

static void
text_kernel(FILE *f, const struct daemon *dm, const struct query *q)
{
	char a[ADDR_STRLEN], left[32];

	if (q->kbits == -1) {
		fprintf(f, "kernel:       %s\n", dm->conf.dry_run ? "dry run: "
		    "no table exists, nothing is dropped" : strerror(q->kerr));
		return;
	}
	fprintf(f, "kernel:       %s: ", q->agree ? "agrees" : "DISAGREE");
	if (q->kbits == 0)
		fprintf(f, "no element of inet %s drops it\n", dm->conf.table);
	if (q->kbits & NFT_LOOKUP_HOST) {
		dur_format((double)(q->kh.expires_ms / 1000), left,
		    sizeof(left));
		fprintf(f, "host%c holds it, %s left%s",
		    q->host.family == AF_INET ? '4' : '6', left,
		    q->kbits & NFT_LOOKUP_NET ? "; " : "\n");
	}
	if (q->kbits & NFT_LOOKUP_NET) {
		addr_format(&q->kn.target, a, sizeof(a));
		dur_format((double)(q->kn.expires_ms / 1000), left,
		    sizeof(left));
		fprintf(f, "net%c holds %s, %s left\n",
		    q->host.family == AF_INET ? '4' : '6', a, left);
	}
	if (!q->agree)
		fprintf(f, "              the daemon holds %s; its check every "
		    "%d s puts the kernel right\n", q->by == NULL ? "no ban" :
		    "the ban above", DAEMON_RECHECK);
}

static void
render_text(struct daemon *dm, const struct query *q, FILE *f)
{
	char a[ADDR_STRLEN], head[24];
	size_t i;

	if (q->by != NULL)
		text_ban(f, dm->conf.dry_run ? "would drop:" : "dropped by:",
		    q->by, q->now);
	else
		fprintf(f, "dropped by:   nothing\n");
	for (i = 0; i < q->nbans; i++)
		if (q->bans[i] != q->by)
			text_ban(f, "also banned:", q->bans[i], q->now);
	text_kernel(f, dm, q);
	if (q->allowed != NULL)
		fprintf(f, "allowlisted:  yes, %s%s%s: never banned\n",
		    q->allowed, q->allowed_cidr[0] ? " " : "",
		    q->allowed_cidr);
	else
		fprintf(f, "allowlisted:  no\n");
	fprintf(f, "own address:  %s\n", q->own ? "yes" : "no");
	for (i = 0; i < q->npeek; i++) {
		const struct decide_peek *p = &q->peek[i];
		addr_format(&p->key, a, sizeof(a));
		if (i == 0)
			snprintf(head, sizeof(head), "score host:");
		else
			snprintf(head, sizeof(head), "score /%u:", p->key.len);
		fprintf(f, "%-14s%s %.2f of %g", head, a, p->score,
		    p->threshold);
		if (p->min_hosts > 0)
			fprintf(f, ", %u of %u hosts (%u banned)", p->hosts,
			    p->min_hosts, p->banned);
		fprintf(f, "%s%s\n", p->reason[0] ? ", " : "", p->reason);
	}
}

/* check ADDRESS [json] */
void
daemon_query_check(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	struct query *q;
	bool json = argc == 3 && strcmp(argv[2], "json") == 0;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (argc != 2 && !json) {
		ctl_reply_status(r, EX_USAGE, "usage: check ADDRESS [--json]");
		return;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	if (addr_parse_prefix(argv[1], false, &q->host) == -1 ||
	    !addr_is_host(&q->host)) {
		free(q);
		ctl_reply_status(r, EX_USAGE, "check: '%s' is not an address "
		    "(one IPv4 or IPv6 address, such as 192.0.2.7 or "
		    "2001:db8::7; the bans of a netblock: dominoban list)",
		    argv[1]);
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		free(q);
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	q->now = daemon_now();
	query_allow(dm, q);
	query_bans(dm, q);
	q->npeek = decide_peek(dm->d, &q->host, q->now, q->peek);
	if (json)
		render_json(dm, q, f);
	else
		render_text(dm, q, f);
	if (fclose(f) != 0) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
	} else {
		ctl_reply_write(r, buf, len);
		ctl_reply_status(r, 0, "%s is %s%s", argv[1], q->by == NULL ?
		    "not dropped" : dm->conf.dry_run ? "banned (dry run: "
		    "not dropped)" : "dropped", q->agree ? "" :
		    " (DISAGREE: the kernel differs from the daemon)");
	}
	free(buf);
	free(q);
}
