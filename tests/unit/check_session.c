/*
 * Unit tests for daemon/session.c: whose rejection it is when the line
 * carries no address (only what the log proves), the blind spells (start,
 * lost lines, an address dropped for age or room, a stray close, a
 * rejection with no session open), the attacks on it played through
 * decide.c as the daemon drives it (bans, not just owners), and the O(1)
 * layout against a plain reference (a list scanned at every line) on
 * generated busy logs. Time is injected.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "session.h"
#include "suite_run.h"

static const uint8_t seed[16] = {3, 1, 4, 1, 5, 9, 2, 6};

/* smtp_session_max in these tests, seconds. */
#define UNSEEN 600

static struct addr
ip(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse(s, strlen(s), &a), 0);
	return a;
}

/* A tracker that has seen UNSEEN seconds of log by t0: not blind at t0. */
static struct sessions *
tracker(int64_t t0)
{
	struct sessions *s = session_new(seed, UNSEEN);

	ck_assert_ptr_nonnull(s);
	session_lost(s, t0 - UNSEEN);
	return s;
}

/* session_reject() at now must say owner (and, when proven, want). */
static void
expect(struct sessions *s, int64_t now, enum session_owner owner,
    const char *want)
{
	struct addr a, w;

	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(session_reject(s, now, &a), owner);
	if (want != NULL) {
		w = ip(want);
		ck_assert_int_eq(addr_cmp(&a, &w), 0);
	}
}

/* A blind spell began at from: rejections are ambiguous from at to its
 * end, then the one address open (want, unless NULL) has them. */
static void
blind_spell(struct sessions *s, int64_t from, int64_t at, const char *want)
{
	expect(s, at, SESSION_AMBIGUOUS, NULL);
	expect(s, from + UNSEEN - 1, SESSION_AMBIGUOUS, NULL);
	if (want != NULL)
		expect(s, from + UNSEEN, SESSION_PROVEN, want);
}

static void
open_(struct sessions *s, const char *a, int64_t now)
{
	struct addr x = ip(a);

	session_open(s, &x, now);
}

static void
close_(struct sessions *s, const char *a, int64_t now)
{
	struct addr x = ip(a);

	session_close(s, &x, now);
}

/* The one address open has it, with one session or several. */
START_TEST(test_one_address_proven)
{
	struct sessions *s = tracker(100);

	open_(s, "203.0.113.9", 100);
	expect(s, 101, SESSION_PROVEN, "203.0.113.9");
	open_(s, "203.0.113.9", 102);
	expect(s, 103, SESSION_PROVEN, "203.0.113.9");
	close_(s, "203.0.113.9", 104);
	expect(s, 105, SESSION_PROVEN, "203.0.113.9");
	close_(s, "203.0.113.9", 106);
	expect(s, 107 + UNSEEN, SESSION_NONE, NULL);
	session_free(s);
}
END_TEST

/* Two addresses open: nobody's, whoever closes first and however; once the
 * partner is gone, the attacker's next rejection is its own. */
START_TEST(test_two_addresses_ambiguous)
{
	struct sessions *s = tracker(0);
	struct session_stats st;
	int i;

	open_(s, "198.51.100.121", 0);
	open_(s, "203.0.113.51", 1);
	for (i = 0; i < 12; i++)
		expect(s, 2, SESSION_AMBIGUOUS, NULL);
	close_(s, "198.51.100.121", 3);   /* 0 messages: says nothing */
	expect(s, 4, SESSION_PROVEN, "203.0.113.51");
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.open, 1);
	ck_assert_uint_eq(st.strays, 0);
	session_free(s);
}
END_TEST

/* A daemon (re)start mid-session: the attacker's session opened before the
 * first line read; the partner is the only one seen. Blind for UNSEEN
 * from the first line: the limit is the assumption that an unseen session
 * ends by then. */
START_TEST(test_start_blind)
{
	struct sessions *s = session_new(seed, UNSEEN);
	struct session_stats st;

	ck_assert_ptr_nonnull(s);
	session_get_stats(s, &st);
	ck_assert_int_eq(st.blind_until, 0);
	open_(s, "198.51.100.121", 1000);
	session_get_stats(s, &st);
	ck_assert_int_eq(st.blind_until, 1000 + UNSEEN);
	blind_spell(s, 1000, 1001, "198.51.100.121");
	session_free(s);
}
END_TEST

/*
 * At 30, lines lost (a truncation, a wrap), a close line of a session
 * never seen open (its open line was lost, or came before the start), or
 * a rejection with no session open: each says a session may be open
 * unseen, so the tracker is blind for UNSEEN from it, then the partner
 * open alone has the rejections.
 */
START_TEST(test_blind_causes)
{
	struct sessions *s = tracker(0);
	struct session_stats st;

	if (_i != 2) {
		open_(s, "198.51.100.121", 10);
		expect(s, 11, SESSION_PROVEN, "198.51.100.121");
	}
	if (_i == 0)
		session_lost(s, 30);
	else if (_i == 1)
		close_(s, "192.0.2.99", 30);
	else
		expect(s, 30, SESSION_NONE, NULL);
	if (_i == 2)
		open_(s, "198.51.100.121", 31);
	blind_spell(s, 30, 31, "198.51.100.121");
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.lost, _i == 0 ? 2 : 1);   /* tracker() one */
	ck_assert_uint_eq(st.strays, _i == 1 ? 1 : 0);
	session_free(s);
}
END_TEST

/* An address open SESSION_MAX_AGE without a break is dropped (a lost
 * close line, or a client holding its session): it may still be open, so
 * blind for UNSEEN after. */
START_TEST(test_aged_out_blind)
{
	struct sessions *s = tracker(0);
	struct session_stats st;
	int64_t t = SESSION_MAX_AGE + 1;

	open_(s, "203.0.113.66", 0);          /* the attacker, holding on */
	open_(s, "198.51.100.121", t);        /* a partner, made to connect */
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_uint_eq(st.open, 1);
	blind_spell(s, t, t + 1, NULL);
	session_free(s);
}
END_TEST

/* SESSION_MAX addresses open: the oldest is dropped to make room, and the
 * tracker is blind, since that session may still be open. */
START_TEST(test_table_full_blind)
{
	struct sessions *s = tracker(0);
	struct session_stats st;
	struct addr a;
	unsigned i;
	char buf[64];

	open_(s, "203.0.113.66", 1);          /* the attacker */
	for (i = 0; i < SESSION_MAX; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:f::%x", i);
		a = ip(buf);
		session_open(s, &a, 2);
	}
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.open, SESSION_MAX);
	ck_assert_uint_eq(st.dropped, 1);
	for (i = 0; i < SESSION_MAX; i++) {
		snprintf(buf, sizeof(buf), "2001:db8:f::%x", i);
		a = ip(buf);
		session_close(s, &a, 3);
	}
	open_(s, "198.51.100.121", 4);        /* a partner, made to connect */
	blind_spell(s, 2, 5, NULL);
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.open, 1);
	ck_assert_uint_eq(st.strays, 0);
	session_free(s);
}
END_TEST

/* ---- the attacks, through decide.c ------------------------------------ */

static const struct match_pattern p_open = {"smtp-connect", "smtp",
    MATCH_SESSION_OPEN, 0, "t", 1, NULL, 0};
static const struct match_pattern p_close = {"smtp-disconnect", "smtp",
    MATCH_SESSION_CLOSE, 0, "t", 2, NULL, 0};
static const struct match_pattern p_probe = {"smtp-unknown-rcpt-noip",
    "smtp", MATCH_UNKNOWN_RCPT, 1, "t", 3, NULL, 0};

/* A log line: 'O' ip connected, 'C' ip disconnected with 0 messages, 'R' n
 * rejections without address, 'L' lines lost; at time t. */
struct line {
	char op;
	const char *ip;
	int n;
	int64_t t;
};

/* A session seen an hour (smtp_session_max) before 0: not blind at 0. */
#define SETTLED {'O', "192.0.2.250", 0, -3600}, {'C', "192.0.2.250", 0, -3600}

static char banned[32][ADDR_STRLEN];
static size_t nbanned;

static void
on_ban(void *arg, const struct verdict *v)
{
	(void)arg;
	ck_assert_uint_lt(nbanned, 32);
	addr_format(&v->target, banned[nbanned++], ADDR_STRLEN);
}

static const struct decide_cb ban_cb = {on_ban, NULL, NULL};

/* The daemon's engine with the default configuration. */
static struct decide *
engine(void)
{
	struct decide *d;
	struct allow allow;
	struct conf c;

	ck_assert_int_eq(conf_defaults(&c), 0);
	allow_init(&allow);
	d = decide_new(&c, seed, &allow);
	ck_assert_ptr_nonnull(d);
	conf_free(&c);
	nbanned = 0;
	return d;
}

/* Decide the lines in order, each as the daemon would. */
static void
play(struct decide *d, const struct line *l, size_t n)
{
	struct match_event ev;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		memset(&ev, 0, sizeof(ev));
		if (l[i].op == 'L') {
			decide_lost(d, l[i].t, &ban_cb);
			continue;
		}
		ev.pattern = l[i].op == 'O' ? &p_open :
		    l[i].op == 'C' ? &p_close : &p_probe;
		if (l[i].ip != NULL) {
			ev.addr = ip(l[i].ip);
			ev.has_addr = true;
		}
		for (k = 0; k < (l[i].op == 'R' ? l[i].n : 1); k++)
			decide_event(d, &ev, i, l[i].t, &ban_cb);
	}
}

/* After the lines, these bans (in order), these rejections ambiguous. */
static void
expect_bans(struct decide *d, uint64_t ambiguous, const char *const *want,
    size_t nwant)
{
	struct decide_stats st;
	size_t i;

	ck_assert_uint_eq(nbanned, nwant);
	for (i = 0; i < nwant; i++)
		ck_assert_str_eq(banned[i], want[i]);
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.ambiguous, ambiguous);
}

#define PLAY(d, ...)                                                         \
	do {                                                                 \
		const struct line l_[] = {__VA_ARGS__};                      \
		play(d, l_, sizeof(l_) / sizeof(l_[0]));                     \
	} while (0)

/*
 * The legitimate case: a harvester alone on the server is banned at its
 * 5th probe, mid-session; once its close line is read, the next one alone
 * is banned the same way.
 */
START_TEST(test_lone_harvester_banned)
{
	static const char *const want[] = {"203.0.113.60", "203.0.113.61"};
	struct decide *d = engine();

	PLAY(d, SETTLED, {'O', "203.0.113.60", 0, 0}, {'R', NULL, 4, 1});
	ck_assert_uint_eq(nbanned, 0);
	PLAY(d, {'R', NULL, 1, 1}, {'C', "203.0.113.60", 0, 2},
	    {'O', "203.0.113.61", 0, 3}, {'R', NULL, 5, 4});
	expect_bans(d, 0, want, 2);
	decide_free(d);
}
END_TEST

/*
 * Attack: with a partner's session open beside the attacker's, 12
 * address-less rejections, then the partner (a sender callout, a
 * monitoring probe: 0 messages) closes first. The log does not say whose
 * they were: nobody is charged, whoever closes and however.
 */
START_TEST(test_attack_partner_closes_first)
{
	struct decide *d = engine();

	PLAY(d, SETTLED, {'O', "203.0.113.51", 0, 0},
	    {'O', "198.51.100.121", 0, 1}, {'R', NULL, 12, 2},
	    {'C', "198.51.100.121", 0, 3}, {'C', "203.0.113.51", 0, 4});
	expect_bans(d, 12, NULL, 0);
	decide_free(d);
}
END_TEST

/*
 * Attack: the attacker, alone, is banned at its 5th probe. Its session
 * stays open (no close line yet: its packets are dropped, its session not
 * cut), and its rejections still in the log keep coming while a partner
 * connects: they are not the partner's. Once its close line is read, the
 * next harvester alone is charged again.
 */
START_TEST(test_attack_banned_session_stays_open)
{
	static const char *const want[] = {"203.0.113.60", "203.0.113.61"};
	struct decide *d = engine();

	PLAY(d, SETTLED, {'O', "203.0.113.60", 0, 0}, {'R', NULL, 5, 1},
	    {'O', "198.51.100.121", 0, 2}, {'R', NULL, 7, 3},
	    {'C', "198.51.100.121", 0, 4});
	expect_bans(d, 7, want, 1);
	PLAY(d, {'C', "203.0.113.60", 0, 60}, {'O', "203.0.113.61", 0, 61},
	    {'R', NULL, 5, 62});
	expect_bans(d, 7, want, 2);
	decide_free(d);
}
END_TEST

/*
 * Attack, repeated: the attacker makes three partner hosts of one /24
 * connect and close with 0 messages beside its session, 12 probes each,
 * every day for 18 days. Charged at the close, that banned each partner
 * and their /24 again as each ban ended, up to 30 days on the 18th day.
 * Nobody is charged now.
 */
START_TEST(test_attack_partner_netblock)
{
	static const char *const partner[] = {"203.0.113.10", "203.0.113.11",
	    "203.0.113.12"};
	struct decide_stats st;
	struct decide *d = engine();
	int64_t t;
	int day, h;

	PLAY(d, SETTLED);
	for (day = 0; day < 18; day++) {
		for (h = 0; h < 3; h++) {
			t = day * 86400 + h * 300;
			PLAY(d, {'O', "198.51.100.66", 0, t},
			    {'O', partner[h], 0, t + 1}, {'R', NULL, 12, t + 2},
			    {'C', partner[h], 0, t + 3},
			    {'C', "198.51.100.66", 0, t + 4});
		}
	}
	expect_bans(d, 18 * 3 * 12, NULL, 0);
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.history, 0);
	decide_free(d);
}
END_TEST

/*
 * Attack on what the tracker cannot see: the attacker's session opened
 * before dominoban started (or while it was down), or while log lines were
 * lost (a truncation, a wrap); the partner is the only session it saw. For
 * smtp_session_max after the start (_i 0) or the loss (_i 1) nothing is
 * attributed.
 */
START_TEST(test_attack_unseen)
{
	static const struct line partner_alone[] = {
	    {'O', "198.51.100.121", 0, 0}, {'R', NULL, 12, 1},
	    {'C', "198.51.100.121", 0, 2}};
	struct decide_stats st;
	struct decide *d = engine();

	if (_i == 1)
		PLAY(d, SETTLED, {'L', NULL, 0, 0});
	play(d, partner_alone, 3);
	expect_bans(d, 12, NULL, 0);
	decide_get_stats(d, &st);
	ck_assert_int_eq(st.blind_until, 3600);
	decide_free(d);
}
END_TEST

/* decide_lost() decides what was queued before the loss as it was. */
START_TEST(test_lost_flushes_first)
{
	struct decide_stats st;
	struct match_event ev;
	struct decide *d = engine();
	int i;

	PLAY(d, SETTLED);
	memset(&ev, 0, sizeof(ev));
	ev.pattern = &p_open;
	ev.addr = ip("198.51.100.121");
	ev.has_addr = true;
	decide_queue(d, &ev, 1, 10, &ban_cb);
	memset(&ev, 0, sizeof(ev));
	ev.pattern = &p_probe;
	for (i = 0; i < 2; i++)
		decide_queue(d, &ev, 2, 11, &ban_cb);
	decide_lost(d, 12, &ban_cb);
	for (i = 0; i < 3; i++)
		decide_queue(d, &ev, 3, 13, &ban_cb);
	decide_flush(d, &ban_cb);
	decide_get_stats(d, &st);
	ck_assert_uint_eq(st.attributed, 2);
	ck_assert_uint_eq(st.ambiguous, 3);
	ck_assert_uint_eq(st.sessions, 1);
	decide_free(d);
}
END_TEST

/* ---- the reference: the same rule over a list scanned at every line ---- */

struct ref_sess {
	struct addr a;
	uint32_t count;
	uint64_t gen;
	int64_t since;
};

struct ref {
	struct ref_sess e[SESSION_MAX];
	size_t n;
	uint64_t gen, dropped, aged, strays;
	int64_t blind_until;
	bool started;
};

static void
ref_blind(struct ref *r, int64_t now)
{
	if (now + UNSEEN > r->blind_until)
		r->blind_until = now + UNSEEN;
}

static size_t
ref_find(const struct ref *r, const struct addr *a)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (addr_cmp(&r->e[i].a, a) == 0)
			return i;
	return SIZE_MAX;
}

static size_t
ref_oldest(const struct ref *r)
{
	size_t i, o = 0;

	for (i = 1; i < r->n; i++)
		if (r->e[i].gen < r->e[o].gen)
			o = i;
	return o;
}

static void
ref_drop(struct ref *r, size_t i, int64_t now)
{
	r->e[i] = r->e[--r->n];
	r->dropped++;
	ref_blind(r, now);
}

static void
ref_tick(struct ref *r, int64_t now)
{
	size_t o;

	if (!r->started) {
		r->started = true;
		ref_blind(r, now);
	}
	while (r->n > 0 &&
	    now - r->e[o = ref_oldest(r)].since > SESSION_MAX_AGE) {
		ref_drop(r, o, now);
		r->aged++;
	}
}

static void
ref_open(struct ref *r, const struct addr *a, int64_t now)
{
	size_t i;

	ref_tick(r, now);
	if ((i = ref_find(r, a)) != SIZE_MAX) {
		r->e[i].count++;
		return;
	}
	if (r->n == SESSION_MAX)
		ref_drop(r, ref_oldest(r), now);
	r->e[r->n++] = (struct ref_sess){*a, 1, ++r->gen, now};
}

static void
ref_close(struct ref *r, const struct addr *a, int64_t now)
{
	size_t i;

	ref_tick(r, now);
	if ((i = ref_find(r, a)) == SIZE_MAX) {
		r->strays++;
		ref_blind(r, now);
	} else if (--r->e[i].count == 0) {
		r->e[i] = r->e[--r->n];
	}
}

static enum session_owner
ref_reject(struct ref *r, int64_t now, struct addr *a)
{
	ref_tick(r, now);
	if (now < r->blind_until)
		return SESSION_AMBIGUOUS;
	if (r->n == 0) {
		ref_blind(r, now);
		return SESSION_NONE;
	}
	if (r->n > 1)
		return SESSION_AMBIGUOUS;
	*a = r->e[0].a;
	return SESSION_PROVEN;
}

static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static struct addr
client(uint64_t r)
{
	char buf[64];

	if (r % 4 == 0)
		snprintf(buf, sizeof(buf), "2001:db8:%x::%x",
		    (unsigned)(r >> 8) % 256, (unsigned)(r >> 16) % 256);
	else
		snprintf(buf, sizeof(buf), "198.51.%u.%u",
		    (unsigned)(r >> 8) % 256, (unsigned)(r >> 16) % 256);
	return ip(buf);
}

/*
 * Generated busy logs, in phases: quiet (a session or two at once, so
 * rejections are proven), busy (dozens at once), floods (past SESSION_MAX
 * addresses, so the oldest make room) and day-long gaps (addresses age
 * out); stray closes and lost lines now and then. The O(1) tracker and the
 * reference must give every rejection the same owner and agree on the
 * counters and the blind spell after every line.
 */
START_TEST(test_same_as_reference)
{
	static struct ref ref;
	static struct addr open[2 * SESSION_MAX];
	struct sessions *s = session_new(seed, UNSEEN);
	uint64_t x = 0x9e3779b97f4a7c15ULL, r, n[3] = {0, 0, 0};
	struct session_stats st;
	enum session_owner o1, o2;
	struct addr a, b1, b2;
	size_t nopen = 0, k, target = 1;
	int64_t now = 1700000000;
	unsigned i;

	ck_assert_ptr_nonnull(s);
	memset(&ref, 0, sizeof(ref));
	ref.blind_until = INT64_MIN;
	for (i = 0; i < 240000; i++) {
		r = next_rand(&x);
		if (i % 12000 == 0) {
			/* A new phase: a flood, busy or quiet. */
			target = r % 4 == 0 ? 9000 : r % 4 == 1 ? 40 : 1;
			if (r % 7 == 0)
				now += SESSION_MAX_AGE + 60;
		}
		now += (int64_t)((r >> 8) % 8 == 0 ? (r >> 12) % 30 : 0);
		k = (size_t)((r >> 20) % 16);
		if (k < 9) {
			/* A session opens, or one closes. */
			if (nopen < target && (k < 5 || nopen < target / 2)) {
				a = client(next_rand(&x));
				session_open(s, &a, now);
				ref_open(&ref, &a, now);
				if (nopen < 2 * SESSION_MAX)
					open[nopen++] = a;
			} else if (nopen > 0) {
				k = (size_t)((r >> 32) % nopen);
				session_close(s, &open[k], now);
				ref_close(&ref, &open[k], now);
				open[k] = open[--nopen];
			}
		} else if (k == 9) {
			/* Now and then a stray close, or lines lost. */
			if ((r >> 40) % 256 == 0) {
				a = client(next_rand(&x));
				session_close(s, &a, now);
				ref_close(&ref, &a, now);
			} else if ((r >> 40) % 512 == 1) {
				session_lost(s, now);
				ref.started = true;
				ref_blind(&ref, now);
			}
		} else if (nopen > 0 || (r >> 44) % 16 == 0) {
			/* A rejection, from an open session mostly. */
			memset(&b1, 0, sizeof(b1));
			memset(&b2, 0, sizeof(b2));
			o1 = session_reject(s, now, &b1);
			o2 = ref_reject(&ref, now, &b2);
			ck_assert_int_eq(o1, o2);
			ck_assert_int_eq(addr_cmp(&b1, &b2), 0);
			n[o1]++;
		}
		session_get_stats(s, &st);
		ck_assert_uint_eq(st.open, ref.n);
		ck_assert_int_eq(st.blind_until,
		    ref.started ? ref.blind_until : 0);
	}
	session_get_stats(s, &st);
	ck_assert_uint_eq(st.dropped, ref.dropped);
	ck_assert_uint_eq(st.strays, ref.strays);
	/* The logs exercised what they claim to. */
	ck_assert_uint_gt(n[SESSION_PROVEN], 1000);
	ck_assert_uint_gt(n[SESSION_AMBIGUOUS], 1000);
	ck_assert_uint_gt(n[SESSION_NONE], 10);
	ck_assert_uint_gt(st.dropped - ref.aged, 100);   /* for room */
	ck_assert_uint_gt(ref.aged, 10);
	ck_assert_uint_gt(st.strays, 10);
	session_free(s);
}
END_TEST

static Suite *
session_suite(void)
{
	Suite *s = suite_create("session");
	TCase *tc;

	tc = tcase_create("rule");
	tcase_add_test(tc, test_one_address_proven);
	tcase_add_test(tc, test_two_addresses_ambiguous);
	suite_add_tcase(s, tc);
	tc = tcase_create("blind");
	tcase_add_test(tc, test_start_blind);
	tcase_add_loop_test(tc, test_blind_causes, 0, 3);
	tcase_add_test(tc, test_aged_out_blind);
	tcase_add_test(tc, test_table_full_blind);
	suite_add_tcase(s, tc);
	tc = tcase_create("attacks");
	tcase_add_test(tc, test_lone_harvester_banned);
	tcase_add_test(tc, test_attack_partner_closes_first);
	tcase_add_test(tc, test_attack_banned_session_stays_open);
	tcase_add_test(tc, test_attack_partner_netblock);
	tcase_add_loop_test(tc, test_attack_unseen, 0, 2);
	tcase_add_test(tc, test_lost_flushes_first);
	suite_add_tcase(s, tc);
	tc = tcase_create("layout");
	tcase_add_test(tc, test_same_as_reference);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(session_suite());
}
