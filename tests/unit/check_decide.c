/*
 * Unit tests for daemon/decide.c (with allow.c and session.c): thresholds,
 * netblocks, the allowlist, deduplication, escalation, harvest attribution
 * and the scenarios, all with injected time.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "errs.h"
#include "suite_run.h"

static const uint8_t seed[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static const struct match_pattern p_auth = {"smtp-auth", "smtp", MATCH_AUTH,
    1, "t", 1, "smtp-auth", 0};
static const struct match_pattern p_inet = {"inet-auth", "smtp", MATCH_AUTH,
    1, "t", 2, "smtp-auth", 0};
static const struct match_pattern p_http = {"http-auth", "http", MATCH_AUTH,
    1, "t", 3, NULL, 0};
static const struct match_pattern p_rcpt = {"smtp-unknown-rcpt", "smtp",
    MATCH_UNKNOWN_RCPT, 1, "t", 4, NULL, 0};
static const struct match_pattern p_rcpt_noip = {"smtp-unknown-rcpt-noip",
    "smtp", MATCH_UNKNOWN_RCPT, 1, "t", 5, NULL, 0};
static const struct match_pattern p_open = {"smtp-connect", "smtp",
    MATCH_SESSION_OPEN, 0, "t", 6, NULL, 0};
static const struct match_pattern p_close = {"smtp-disconnect", "smtp",
    MATCH_SESSION_CLOSE, 0, "t", 7, NULL, 0};

struct out {
	struct verdict v[512];
	size_t n;
	char attributed[64][ADDR_STRLEN];
	uint64_t tags[64];
	size_t na;
};

static void
on_verdict(void *arg, const struct verdict *v)
{
	struct out *o = arg;

	ck_assert_uint_lt(o->n, 512);
	o->v[o->n++] = *v;
}

static void
on_attributed(void *arg, uint64_t tag, const struct addr *a)
{
	struct out *o = arg;

	if (o->na < 64) {
		o->tags[o->na] = tag;
		addr_format(a, o->attributed[o->na++], ADDR_STRLEN);
	}
}

static struct out out;
static struct decide_cb cb = {on_verdict, on_attributed, &out};
static struct conf conf;
static struct allow allow;

/* Reset the outputs, the configuration (defaults) and the allowlist (empty)
 * for a test, which then changes them and calls start(). */
static void
reset(void)
{
	memset(&out, 0, sizeof(out));
	conf_free(&conf);
	ck_assert_int_eq(conf_defaults(&conf), 0);
	allow_init(&allow);
}

static struct decide *
start(void)
{
	struct decide *d = decide_new(&conf, seed, &allow);

	ck_assert_ptr_nonnull(d);
	return d;
}

static void
event(struct decide *d, const struct match_pattern *p, const char *addr,
    const char *user, long msgs, int64_t now, uint64_t tag)
{
	struct match_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.pattern = p;
	ev.messages = msgs;
	if (addr != NULL) {
		ck_assert_int_eq(addr_parse(addr, strlen(addr), &ev.addr), 0);
		ev.has_addr = true;
	}
	if (user != NULL) {
		ev.user = user;
		ev.user_len = strlen(user);
	}
	decide_event(d, &ev, tag, now, &cb);
}

static const char *
target(size_t i)
{
	static char buf[ADDR_STRLEN];

	ck_assert_uint_lt(i, out.n);
	addr_format(&out.v[i].target, buf, sizeof(buf));
	return buf;
}

/* decide_peek (check): what the engine holds about one address, read
 * without changing it: the host's and its blocks' decayed scores against
 * their thresholds, the distinct hosts, the reason, the decided ban. */
START_TEST(test_peek)
{
	struct decide_peek pk[DECIDE_PEEK_MAX];
	struct addr a;
	struct decide *d;
	char u[8];
	size_t n;
	int i;

	reset();
	conf.wide4_prefix = 16;
	d = start();
	ck_assert_int_eq(addr_parse("192.0.2.7", 9, &a), 0);
	n = decide_peek(d, &a, 100, pk);
	ck_assert_uint_eq(n, 3);
	ck_assert(!pk[0].known && !pk[1].known && !pk[2].known);
	ck_assert_uint_eq(pk[1].key.len, 24);
	ck_assert_uint_eq(pk[2].key.len, 16);
	for (i = 0; i < 3; i++) {
		snprintf(u, sizeof(u), "u%d", i);
		event(d, &p_auth, "192.0.2.7", u, -1, 100, 0);
	}
	event(d, &p_http, "192.0.2.9", "x", -1, 100, 0);
	n = decide_peek(d, &a, 100, pk);
	ck_assert(pk[0].known);
	ck_assert_double_eq_tol(pk[0].score, 3.0, 0.01);
	ck_assert(pk[0].threshold == conf.host_threshold);
	ck_assert_uint_eq(pk[0].min_hosts, 0);
	ck_assert_str_eq(pk[0].reason, "smtp-auth=3");
	ck_assert_int_eq(pk[0].banned_until, 0);
	ck_assert_double_eq_tol(pk[1].score, 4.0, 0.01);
	ck_assert(pk[1].threshold == conf.net_threshold);
	ck_assert_uint_eq(pk[1].hosts, 2);
	ck_assert_uint_eq(pk[1].min_hosts, conf.net_min_hosts);
	ck_assert(pk[2].threshold == conf.wide_threshold);
	/* Decayed at a later time, one half-life on: half. */
	n = decide_peek(d, &a, 100 + (int64_t)conf.half_life, pk);
	ck_assert_double_eq_tol(pk[0].score, 1.5, 0.01);
	/* Reading changed nothing: two more failures ban at 5. */
	event(d, &p_auth, "192.0.2.7", "u8", -1, 100, 0);
	ck_assert_uint_eq(out.n, 0);
	event(d, &p_auth, "192.0.2.7", "u9", -1, 100, 0);
	ck_assert_uint_eq(out.n, 1);
	decide_peek(d, &a, 101, pk);
	ck_assert_int_eq(pk[0].banned_until, 100 + 3600);
	decide_free(d);
}
END_TEST

START_TEST(test_host_threshold_and_reason)
{
	struct decide *d;
	char u[8];
	int i;

	reset();
	d = start();
	for (i = 0; i < 4; i++) {
		snprintf(u, sizeof(u), "u%d", i);
		event(d, &p_auth, "192.0.2.7", u, -1, 100 + i, 0);
	}
	ck_assert_uint_eq(out.n, 0);
	event(d, &p_auth, "192.0.2.7", "u9", -1, 104, 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(target(0), "192.0.2.7");
	ck_assert_uint_eq(out.v[0].seconds, 3600);
	ck_assert_uint_eq(out.v[0].offences, 1);
	ck_assert_str_eq(out.v[0].reason, "smtp-auth=5");
	/* Banned already: more failures decide nothing new. */
	event(d, &p_auth, "192.0.2.7", "u10", -1, 105, 0);
	ck_assert_uint_eq(out.n, 1);
	decide_free(d);
}
END_TEST

START_TEST(test_decay_keeps_slow_guessers_out)
{
	struct decide *d;
	char u[8];
	int i;

	reset();
	d = start();
	/* One failure every 15 minutes never reaches 5 with a 10 min
	 * half-life. */
	for (i = 0; i < 50; i++) {
		snprintf(u, sizeof(u), "u%d", i);
		event(d, &p_auth, "192.0.2.8", u, -1, i * 900, 0);
	}
	ck_assert_uint_eq(out.n, 0);
	decide_free(d);
}
END_TEST

START_TEST(test_dedupe_two_styles)
{
	struct decide_stats st;
	struct decide *d;
	int i;

	reset();
	d = start();
	/* Each attempt logged in both styles in the same second. */
	for (i = 0; i < 4; i++) {
		event(d, &p_inet, "81.82.251.231", "drweb", -1, 1000 + 10 * i, 0);
		event(d, &p_auth, "81.82.251.231", "drweb", -1, 1000 + 10 * i, 0);
	}
	ck_assert_uint_eq(out.n, 0);
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.deduped, 4);
	decide_free(d);
}
END_TEST

/* The lockout line: "http: IP Address [x] authentication failure using
 * internet password: User is locked out", the same user every time. Ten 3 s
 * apart, and five 1.1 s apart (times as the log gives them, rounded to the
 * second), are ten and five failures: banned. */
START_TEST(test_lockout_never_pairs_with_itself)
{
	struct decide_stats st;
	struct decide *d;
	int i;

	reset();
	d = start();
	for (i = 0; i < 10; i++)
		event(d, &p_http, "80.94.95.90", "IP Address", -1, 1000 + 3 * i,
		    0);
	for (i = 0; i < 5; i++)
		event(d, &p_http, "80.94.95.91", "IP Address", -1,
		    5000 + i * 11 / 10, 0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(target(0), "80.94.95.90");
	ck_assert_str_eq(target(1), "80.94.95.91");
	ck_assert_str_eq(out.v[1].reason, "http-auth=5");
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.deduped, 0);
	decide_free(d);
}
END_TEST

START_TEST(test_smtp_and_http_host)
{
	struct decide *d;

	reset();
	d = start();
	event(d, &p_auth, "198.51.100.7", "a", -1, 0, 0);
	event(d, &p_http, "198.51.100.7", "b", -1, 1, 0);
	event(d, &p_auth, "198.51.100.7", "c", -1, 2, 0);
	event(d, &p_http, "198.51.100.7", "d", -1, 3, 0);
	event(d, &p_http, "198.51.100.7", "e", -1, 4, 0);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(target(0), "198.51.100.7");
	ck_assert_ptr_nonnull(strstr(out.v[0].reason, "http-auth=3"));
	ck_assert_ptr_nonnull(strstr(out.v[0].reason, "smtp-auth=2"));
	decide_free(d);
}
END_TEST

START_TEST(test_escalation)
{
	struct decide *d;
	int64_t t = 0;
	int round, i;
	char u[8];

	reset();
	d = start();
	ck_assert_uint_eq(decide_ban_seconds(d, 1), 3600);
	ck_assert_uint_eq(decide_ban_seconds(d, 2), 4 * 3600);
	ck_assert_uint_eq(decide_ban_seconds(d, 3), 16 * 3600);
	ck_assert_uint_eq(decide_ban_seconds(d, 5), 256 * 3600);
	ck_assert_uint_eq(decide_ban_seconds(d, 6), 30 * 86400);
	ck_assert_uint_eq(decide_ban_seconds(d, 40), 30 * 86400);
	/* A host that comes back after its ban expires gets a longer one. */
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 5; i++) {
			snprintf(u, sizeof(u), "u%d", i);
			event(d, &p_auth, "203.0.113.5", u, -1, t + i, 0);
		}
		ck_assert_uint_eq(out.n, (size_t)round + 1);
		ck_assert_uint_eq(out.v[round].offences, (uint32_t)round + 1);
		t = out.v[round].at + out.v[round].seconds + 1;
	}
	ck_assert_uint_eq(out.v[1].seconds, 4 * out.v[0].seconds);
	ck_assert_uint_eq(out.v[2].seconds, 4 * out.v[1].seconds);
	decide_free(d);
}
END_TEST

START_TEST(test_allowlist_absolute)
{
	struct verdict v;
	struct decide *d;
	struct addr a;
	int i;

	reset();
	ck_assert_int_eq(addr_parse_prefix("192.0.2.0/28", false, &a), 0);
	allow_add(&allow, &a);
	d = start();
	/* Far beyond every threshold, from allowlisted and loopback hosts. */
	for (i = 0; i < 1000; i++) {
		event(d, &p_auth, "192.0.2.5", "x", -1, i, 0);
		event(d, &p_auth, "127.0.0.1", "y", -1, i, 0);
		event(d, &p_auth, "::1", "z", -1, i, 0);
	}
	ck_assert_uint_eq(out.n, 0);
	/* Manual bans are checked too. */
	ck_assert_int_eq(addr_parse_prefix("192.0.2.5", false, &a), 0);
	ck_assert_int_eq(decide_manual(d, VERDICT_BAN, &a, 60, 0, &v), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(addr_parse_prefix("192.0.0.0/16", false, &a), 0);
	ck_assert_int_eq(decide_manual(d, VERDICT_BAN, &a, 60, 0, &v), -1);
	ck_assert_int_eq(addr_parse_prefix("198.51.100.0/24", false, &a), 0);
	ck_assert_int_eq(decide_manual(d, VERDICT_BAN, &a, 60, 0, &v), 0);
	ck_assert_uint_eq(v.seconds, 60);
	ck_assert_str_eq(v.reason, "manual");
	decide_free(d);
}
END_TEST

/* A /24 that would be banned but holds an allowlisted address: the
 * offending hosts are banned one by one instead. */
START_TEST(test_netblock_split)
{
	struct decide_stats st;
	struct decide *d;
	struct addr a;
	char ip[32];
	size_t i;
	int h, k;

	reset();
	ck_assert_int_eq(addr_parse_prefix("203.0.113.200", false, &a), 0);
	allow_add(&allow, &a);
	d = start();
	for (h = 1; h <= 5; h++)
		for (k = 0; k < 4; k++) {
			snprintf(ip, sizeof(ip), "203.0.113.%d", h);
			event(d, &p_rcpt, ip, NULL, -1, h * 10 + k, 0);
		}
	ck_assert_uint_ge(out.n, 1);
	for (i = 0; i < out.n; i++) {
		ck_assert_msg(addr_is_host(&out.v[i].target), "banned %s",
		    target(i));
		ck_assert_str_ne(target(i), "203.0.113.200");
	}
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.splits, 1);
	decide_free(d);
}
END_TEST

/* The mission's attack: 50 unknown recipients from a new host every 5
 * minutes, all in one /24. Each host is banned as it reaches the threshold
 * (mid-burst), and the /24 soon after the third host. */
START_TEST(test_scenario_rotating_harvest)
{
	struct decide *d;
	bool net_banned = false;
	size_t before, i;
	int64_t t;
	char ip[32];
	int h, k, hosts_to_net = 0;

	reset();
	d = start();
	for (h = 10; h < 20; h++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", h);
		before = out.n;
		t = (h - 10) * 300;
		event(d, &p_open, ip, NULL, -1, t, 0);
		for (k = 0; k < 50; k++)
			event(d, &p_rcpt, ip, NULL, -1, t + k / 50, 0);
		event(d, &p_close, ip, NULL, 0, t + 1, 0);
		for (i = before; i < out.n; i++)
			if (!addr_is_host(&out.v[i].target)) {
				ck_assert_str_eq(target(i), "198.51.100.0/24");
				if (!net_banned)
					hosts_to_net = h - 9;
				net_banned = true;
			}
		if (!net_banned) {
			/* The host itself, banned once. */
			ck_assert_uint_eq(out.n, before + 1);
			ck_assert_str_eq(target(before), ip);
		}
	}
	ck_assert(net_banned);
	ck_assert_int_le(hosts_to_net, 3);
	decide_free(d);
}
END_TEST

/*
 * The field's pace: a new host every 5 minutes, each cut after 5 probes
 * (so 5 rejections per host reach the log). The decayed /24 score stays
 * under net_threshold (5, 8.5, 11.0, ...), but 3 banned hosts in the
 * still-active block ban it at host 3. A block quiet for long starts over.
 */
START_TEST(test_scenario_field_pace_cut_hosts)
{
	struct decide *d;
	int64_t t = 0;
	size_t before;
	char ip[32];
	int h, k, net_at = 0;

	reset();
	d = start();
	for (h = 1; h <= 6 && net_at == 0; h++) {
		snprintf(ip, sizeof(ip), "203.0.113.%d", h);
		t = (h - 1) * 300;
		before = out.n;
		event(d, &p_open, ip, NULL, -1, t, 0);
		for (k = 0; k < 5; k++)
			event(d, &p_rcpt, ip, NULL, -1, t, 0);
		/* The host at its 5th probe, then maybe its block. */
		ck_assert_uint_ge(out.n, before + 1);
		ck_assert_str_eq(target(before), ip);
		if (out.n == before + 2) {
			ck_assert_str_eq(target(before + 1), "203.0.113.0/24");
			net_at = h;
		}
		ck_assert_uint_le(out.n, before + 2);
	}
	ck_assert_int_eq(net_at, 3);
	decide_free(d);

	/* Three cut hosts, but a day apart: the block went quiet between
	 * them, so no /24 ban. */
	reset();
	d = start();
	for (h = 1; h <= 3; h++) {
		snprintf(ip, sizeof(ip), "198.51.100.%d", h);
		for (k = 0; k < 5; k++)
			event(d, &p_rcpt, ip, NULL, -1, (h - 1) * 86400, 0);
	}
	ck_assert_uint_eq(out.n, 3);
	for (h = 0; h < 3; h++)
		ck_assert(addr_is_host(&out.v[h].target));
	decide_free(d);
}
END_TEST

START_TEST(test_scenario_typos_never_banned)
{
	struct decide *d;
	int day;

	reset();
	d = start();
	for (day = 0; day < 30; day++) {
		int64_t t = day * 86400;
		event(d, &p_open, "192.0.2.50", NULL, -1, t, 0);
		event(d, &p_rcpt, "192.0.2.50", NULL, -1, t + 1, 0);
		event(d, &p_rcpt, "192.0.2.50", NULL, -1, t + 2, 0);
		event(d, &p_close, "192.0.2.50", NULL, 1, t + 3, 0);
	}
	ck_assert_uint_eq(out.n, 0);
	decide_free(d);
}
END_TEST

/*
 * The SMTP session tracker is blind for smtp_session_max (1 h by default)
 * after the first line it reads: sessions opened before are unknown. A
 * session seen an hour before t ends that spell by t.
 */
static void
settle(struct decide *d, int64_t t)
{
	event(d, &p_open, "192.0.2.250", NULL, -1, t - 3600, 0);
	event(d, &p_close, "192.0.2.250", NULL, 1, t - 3600, 0);
	memset(&out, 0, sizeof(out));
}

START_TEST(test_attribution_single_session)
{
	struct decide_stats st;
	struct decide *d;

	reset();
	d = start();
	settle(d, 0);
	event(d, &p_open, "203.0.113.51", NULL, -1, 0, 1);
	event(d, &p_rcpt_noip, NULL, "bob@example.com", -1, 1, 2);
	ck_assert_uint_eq(out.na, 2);
	ck_assert_uint_eq(out.tags[1], 2);
	ck_assert_str_eq(out.attributed[1], "203.0.113.51");
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.attributed, 1);
	ck_assert_uint_eq(st.ambiguous, 0);
	decide_free(d);
}
END_TEST

START_TEST(test_history_roundtrip)
{
	struct decide *d, *e;
	struct addr a;
	int i;

	reset();
	d = start();
	for (i = 0; i < 5; i++)
		event(d, &p_auth, "192.0.2.99", i % 2 ? "a" : "b", -1, i * 2, 0);
	ck_assert_uint_eq(out.n, 1);
	/* Restore the history into a fresh engine: the next ban escalates
	 * and a still-active ban is not decided again. */
	e = start();
	ck_assert_int_eq(addr_parse("192.0.2.99", 10, &a), 0);
	ck_assert_int_eq(decide_restore(e, &a, 1, 8, 8 + 3600), 0);
	for (i = 0; i < 5; i++)
		event(e, &p_auth, "192.0.2.99", i % 2 ? "c" : "d", -1, 100 + i * 2,
		    0);
	ck_assert_uint_eq(out.n, 1);
	for (i = 0; i < 5; i++)
		event(e, &p_auth, "192.0.2.99", i % 2 ? "e" : "f", -1, 4000 + i * 2,
		    0);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_uint_eq(out.v[1].offences, 2);
	ck_assert_uint_eq(out.v[1].seconds, 4 * 3600);
	decide_free(d);
	decide_free(e);
}
END_TEST

/* A digest of everything an engine reported, for comparing two runs. */
struct digest {
	uint64_t h;
	size_t verdicts, attributed;
};

static void
digest_bytes(struct digest *g, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		g->h = (g->h ^ b[i]) * 0x100000001b3ULL;
}

static void
digest_verdict(void *arg, const struct verdict *v)
{
	struct digest *g = arg;
	char t[ADDR_STRLEN];

	addr_format(&v->target, t, sizeof(t));
	digest_bytes(g, t, strlen(t));
	digest_bytes(g, &v->action, sizeof(v->action));
	digest_bytes(g, &v->seconds, sizeof(v->seconds));
	digest_bytes(g, &v->offences, sizeof(v->offences));
	digest_bytes(g, &v->at, sizeof(v->at));
	digest_bytes(g, v->reason, strlen(v->reason));
	g->verdicts++;
}

static void
digest_attributed(void *arg, uint64_t tag, const struct addr *a)
{
	struct digest *g = arg;
	char t[ADDR_STRLEN];

	addr_format(a, t, sizeof(t));
	digest_bytes(g, &tag, sizeof(tag));
	digest_bytes(g, t, strlen(t));
	g->attributed++;
}

static void
digest_history(void *arg, const struct addr *a, uint32_t count, int64_t last,
    int64_t expires)
{
	struct digest *g = arg;

	digest_bytes(g, a, sizeof(*a));
	digest_bytes(g, &count, sizeof(count));
	digest_bytes(g, &last, sizeof(last));
	digest_bytes(g, &expires, sizeof(expires));
}

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The queue (decide_queue, flushed at random points, as the daemon flushes
 * after each read) decides exactly what one decide_event() per event does:
 * the same verdicts, in the same order, with the same times and reasons,
 * the same attributions, counters and history. The stream mixes every
 * kind of event, dedupe pairs, address-less rejections, IPv6 and an
 * allowlisted host inside an attacked /24 (netblock splits).
 */
START_TEST(test_queue_same_verdicts)
{
	static const struct match_pattern *pats[] = {&p_auth, &p_inet,
	    &p_http, &p_rcpt, &p_rcpt_noip, &p_open, &p_close};
	static const char *users[] = {"admin", "info", "sales", NULL};
	struct digest ga = {0xcbf29ce484222325ULL, 0, 0}, gb = ga;
	struct decide_cb cba = {digest_verdict, digest_attributed, &ga};
	struct decide_cb cbb = {digest_verdict, digest_attributed, &gb};
	struct decide_stats sa, sb;
	struct decide *a, *b;
	struct match_event ev;
	struct addr allowed;
	uint64_t x = 88172645463325252ULL, r;
	int64_t now = 1700000000;
	unsigned i, until_flush = 1;
	char ip[ADDR_STRLEN];

	reset();
	ck_assert_int_eq(addr_parse("192.0.2.77", 10, &allowed), 0);
	ck_assert_int_eq(allow_add(&allow, &allowed), 0);
	conf.max_records = 2048; /* small enough to evict too */
	conf.smtp_session_max = 1; /* short blind spells (stray closes) */
	a = start();
	b = start();
	for (i = 0; i < 60000; i++) {
		r = next_rand(&x);
		memset(&ev, 0, sizeof(ev));
		ev.pattern = pats[r % 7];
		ev.messages = (long)((r >> 8) % 2);
		if ((r >> 12) % 8 == 0)
			snprintf(ip, sizeof(ip), "2001:db8:%x::%x",
			    (unsigned)((r >> 16) % 16),
			    (unsigned)((r >> 24) % 32));
		else
			snprintf(ip, sizeof(ip), "192.0.%u.%u",
			    (unsigned)((r >> 16) % 48),
			    (unsigned)((r >> 24) % 96));
		/* SMTP sessions from two clients, so that one of them is
		 * often alone and address-less rejections are attributed. */
		if (ev.pattern == &p_open || ev.pattern == &p_close)
			snprintf(ip, sizeof(ip), "198.51.100.%u",
			    (unsigned)((r >> 44) % 2));
		if (ev.pattern != &p_rcpt_noip) {
			ck_assert_int_eq(addr_parse(ip, strlen(ip), &ev.addr),
			    0);
			ev.has_addr = true;
		}
		r = next_rand(&x);
		if (users[r % 4] != NULL) {
			ev.user = users[r % 4];
			ev.user_len = strlen(ev.user);
		}
		/* Mostly bursts, with a pause now and then for bans to end. */
		now += (int64_t)((r >> 8) % 512 == 0 ? 3600 + (r >> 20) % 7200 :
		    (r >> 8) % 16 == 0 ? 1 + (r >> 20) % 3 : 0);
		decide_event(a, &ev, i, now, &cba);
		decide_queue(b, &ev, i, now, &cbb);
		if (--until_flush == 0) {
			decide_flush(b, &cbb);
			until_flush = 1 + (unsigned)((r >> 44) % 150);
		}
	}
	decide_flush(b, &cbb);
	ck_assert_uint_eq(ga.verdicts, gb.verdicts);
	ck_assert_uint_eq(ga.attributed, gb.attributed);
	ck_assert_uint_eq(ga.h, gb.h);
	decide_get_stats(a, &sa);
	decide_get_stats(b, &sb);
	ck_assert_uint_eq(sa.events, 60000);
	ck_assert_uint_eq(sb.events, 60000);
	ck_assert_uint_eq(sa.deduped, sb.deduped);
	ck_assert_uint_eq(sa.allowlisted, sb.allowlisted);
	ck_assert_uint_eq(sa.splits, sb.splits);
	ck_assert_uint_eq(sa.attributed, sb.attributed);
	ck_assert_uint_eq(sa.ambiguous, sb.ambiguous);
	ck_assert_uint_eq(sa.unattributed, sb.unattributed);
	ck_assert_uint_eq(sa.evictions, sb.evictions);
	ck_assert_uint_eq(sa.records, sb.records);
	decide_foreach_history(a, digest_history, &ga);
	decide_foreach_history(b, digest_history, &gb);
	ck_assert_uint_eq(ga.h, gb.h);
	/* The stream exercised what it claims to. */
	ck_assert_uint_gt(ga.verdicts, 100);
	ck_assert_uint_gt(ga.attributed, 1000);
	ck_assert_uint_gt(sa.deduped, 0);
	ck_assert_uint_gt(sa.allowlisted, 0);
	ck_assert_uint_gt(sa.splits, 0);
	ck_assert_uint_gt(sa.evictions, 0);
	ck_assert_uint_gt(sa.attributed, 100);
	ck_assert_uint_gt(sa.ambiguous, 100);
	decide_free(a);
	decide_free(b);
}
END_TEST

/* Pattern files in two orders: the same patterns at other indexes. */
static const char pat_text[] =
    "[m-auth]\nservice = smtp\nkind = auth\nprefilter = denied\n"
    "regex = denied %{ip}$\n"
    "[m-open]\nservice = smtp\nkind = session_open\nweight = 0\n"
    "prefilter = open\nregex = open %{ip}$\n"
    "[m-close]\nservice = smtp\nkind = session_close\nweight = 0\n"
    "prefilter = close\nregex = close %{ip}$\n"
    "[m-rcpt]\nservice = smtp\nkind = unknown_rcpt\n"
    "prefilter = no such user\nregex = no such user$\n"
    "[m-http]\nservice = http\nkind = auth\nprefilter = http\n"
    "regex = http %{ip}$\n";
static const char pat_text_rev[] =
    "[m-http]\nservice = http\nkind = auth\nprefilter = http\n"
    "regex = http %{ip}$\n"
    "[m-rcpt]\nservice = smtp\nkind = unknown_rcpt\n"
    "prefilter = no such user\nregex = no such user$\n"
    "[m-close]\nservice = smtp\nkind = session_close\nweight = 0\n"
    "prefilter = close\nregex = close %{ip}$\n"
    "[m-open]\nservice = smtp\nkind = session_open\nweight = 0\n"
    "prefilter = open\nregex = open %{ip}$\n"
    "[m-auth]\nservice = smtp\nkind = auth\nprefilter = denied\n"
    "regex = denied %{ip}$\n";

/*
 * Events counted by their pattern's index (decide_set_patterns) decide
 * exactly as events counted by their id: the same verdicts, reasons,
 * attributions (the smtp service read from the map) and history, across a
 * reload that puts every pattern at another index.
 */
START_TEST(test_pattern_map_same_verdicts)
{
	struct digest ga = {0xcbf29ce484222325ULL, 0, 0}, gb = ga;
	struct decide_cb cba = {digest_verdict, digest_attributed, &ga};
	struct decide_cb cbb = {digest_verdict, digest_attributed, &gb};
	struct decide_stats sa, sb;
	struct matcher *m[2];
	struct decide *a, *b;
	struct match_event ev;
	struct errs e;
	uint64_t x = 2463534242ULL, r;
	int64_t now = 1700000000;
	unsigned i, k;
	char ip[ADDR_STRLEN];

	reset();
	memset(&e, 0, sizeof(e));
	m[0] = match_load_text("a.pat", pat_text, strlen(pat_text), 0, &e);
	m[1] = match_load_text("b.pat", pat_text_rev, strlen(pat_text_rev), 0,
	    &e);
	ck_assert_msg(m[0] != NULL && m[1] != NULL, "%s", e.text);
	ck_assert_uint_eq(match_count(m[0]), 5);
	conf.smtp_session_max = 1; /* short blind spells */
	a = start();
	b = start();
	ck_assert_int_eq(decide_set_patterns(a, m[0]), 0);
	for (i = 0; i < 20000; i++) {
		if (i == 10000) /* a reload: other indexes, same ids */
			ck_assert_int_eq(decide_set_patterns(a, m[1]), 0);
		r = next_rand(&x);
		k = (unsigned)(r % 5);
		memset(&ev, 0, sizeof(ev));
		ev.pattern = match_pattern_at(m[i >= 10000], k, NULL);
		ev.messages = -1;
		snprintf(ip, sizeof(ip), "192.0.%u.%u",
		    (unsigned)((r >> 16) % 8), (unsigned)((r >> 24) % 64));
		/* SMTP sessions from two clients: often one alone. */
		if (ev.pattern->kind == MATCH_SESSION_OPEN ||
		    ev.pattern->kind == MATCH_SESSION_CLOSE)
			snprintf(ip, sizeof(ip), "198.51.100.%u",
			    (unsigned)((r >> 44) % 2));
		if (ev.pattern->kind != MATCH_UNKNOWN_RCPT) {
			ck_assert_int_eq(addr_parse(ip, strlen(ip), &ev.addr),
			    0);
			ev.has_addr = true;
		}
		now += (int64_t)((r >> 8) % 64 == 0 ? 1 : 0);
		decide_event(a, &ev, i, now, &cba);
		decide_event(b, &ev, i, now, &cbb);
	}
	ck_assert_uint_eq(ga.verdicts, gb.verdicts);
	ck_assert_uint_eq(ga.attributed, gb.attributed);
	ck_assert_uint_eq(ga.h, gb.h);
	decide_get_stats(a, &sa);
	decide_get_stats(b, &sb);
	ck_assert_uint_eq(sa.attributed, sb.attributed);
	ck_assert_uint_eq(sa.ambiguous, sb.ambiguous);
	ck_assert_uint_eq(sa.unattributed, sb.unattributed);
	decide_foreach_history(a, digest_history, &ga);
	decide_foreach_history(b, digest_history, &gb);
	ck_assert_uint_eq(ga.h, gb.h);
	/* The stream banned, and attributed address-less rejections. */
	ck_assert_uint_gt(ga.verdicts, 5);
	ck_assert_uint_gt(sa.attributed, 20);
	decide_free(a);
	decide_free(b);
	match_free(m[0]);
	match_free(m[1]);
}
END_TEST

static size_t ncounted;
static char counted_pat[32];

static void
on_counted(void *arg, const struct addr *a, const char *pattern,
    double weight, int64_t at)
{
	(void)arg;
	(void)a;
	(void)weight;
	(void)at;
	ncounted++;
	snprintf(counted_pat, sizeof(counted_pat), "%s", pattern);
}

static void
remote(struct decide *d, const char *addr, const char *pattern, double w,
    int64_t now)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(addr, strlen(addr), &a), 0);
	decide_remote(d, &a, pattern, w, now, &cb);
}

/* The cluster: a peer's events count like local ones (host and netblock
 * records, so the netblock tier counts hosts across the cluster), the
 * allowlist applies, and only local events are told to the observer. */
START_TEST(test_remote_evidence)
{
	struct addr al;
	struct decide *d;
	int64_t t = 1700000000;

	reset();
	ck_assert_int_eq(addr_parse_prefix("192.0.2.66/32", false, &al), 0);
	allow_add(&allow, &al);
	d = start();
	ncounted = 0;
	decide_set_counted(d, on_counted, NULL);
	/* 2 local, 2 + 2 from two peers: banned at the fifth. */
	event(d, &p_inet, "198.51.100.9", "a", -1, t, 1);
	event(d, &p_inet, "198.51.100.9", "b", -1, t, 2);
	ck_assert_uint_eq(ncounted, 2);
	ck_assert_str_eq(counted_pat, "inet-auth");
	remote(d, "198.51.100.9", "inet-auth", 1, t);
	remote(d, "198.51.100.9", "smtp-auth", 1, t);
	ck_assert_uint_eq(out.n, 0);
	remote(d, "198.51.100.9", "smtp-auth", 1, t);
	ck_assert_uint_eq(out.n, 1);
	ck_assert_str_eq(target(0), "198.51.100.9");
	ck_assert_ptr_nonnull(strstr(out.v[0].reason, "smtp-auth=2"));
	ck_assert_uint_eq(ncounted, 2);
	/* Scaled weights: ten half-weight events make five. */
	for (int i = 0; i < 9; i++)
		remote(d, "198.51.100.10", "inet-auth", 0.5, t);
	ck_assert_uint_eq(out.n, 1);
	remote(d, "198.51.100.10", "inet-auth", 0.5, t);
	ck_assert_uint_eq(out.n, 2);
	/* Hosts seen by different peers make the netblock. */
	remote(d, "203.0.113.1", "inet-auth", 4, t);
	remote(d, "203.0.113.2", "inet-auth", 4, t);
	remote(d, "203.0.113.3", "inet-auth", 4, t);
	remote(d, "203.0.113.4", "inet-auth", 4, t);
	ck_assert_str_eq(target(out.n - 1), "203.0.113.0/24");
	/* The allowlist is absolute for peers' evidence too. */
	for (int i = 0; i < 10; i++)
		remote(d, "192.0.2.66", "inet-auth", 1, t);
	for (size_t i = 0; i < out.n; i++)
		ck_assert_str_ne(target(i), "192.0.2.66");
	ck_assert_uint_eq(ncounted, 2);
	decide_free(d);
}
END_TEST

static Suite *
decide_suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc;

	tc = tcase_create("thresholds");
	tcase_add_test(tc, test_host_threshold_and_reason);
	tcase_add_test(tc, test_peek);
	tcase_add_test(tc, test_decay_keeps_slow_guessers_out);
	tcase_add_test(tc, test_dedupe_two_styles);
	tcase_add_test(tc, test_lockout_never_pairs_with_itself);
	tcase_add_test(tc, test_escalation);
	tcase_add_test(tc, test_history_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("allowlist");
	tcase_add_test(tc, test_allowlist_absolute);
	tcase_add_test(tc, test_netblock_split);
	suite_add_tcase(s, tc);
	tc = tcase_create("harvest");
	tcase_add_test(tc, test_attribution_single_session);
	suite_add_tcase(s, tc);
	tc = tcase_create("scenarios");
	tcase_add_test(tc, test_scenario_rotating_harvest);
	tcase_add_test(tc, test_scenario_field_pace_cut_hosts);
	tcase_add_test(tc, test_scenario_typos_never_banned);
	tcase_add_test(tc, test_smtp_and_http_host);
	suite_add_tcase(s, tc);
	tc = tcase_create("queue");
	tcase_add_test(tc, test_queue_same_verdicts);
	tcase_add_test(tc, test_pattern_map_same_verdicts);
	tcase_add_test(tc, test_remote_evidence);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(decide_suite());
}
