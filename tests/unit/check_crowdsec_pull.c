/*
 * Unit tests for daemon/crowdsec_pull.c: the LAPI's decisions applied to
 * a ledger in dry run (no kernel: the ledger's table is the oracle), with
 * injected time. Which decisions become bans, which are counted and
 * skipped, what deleted ones lift and what they never lift, extend-only,
 * the startup resync, an admin's unban, and 100,000 decisions in one
 * answer.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crowdsec_pull.h"
#include "log.h"
#include "suite_run.h"

#define T0 1790000000

static struct conf c;
static struct allow al;
static struct enforce *enf;
static struct ledger *l;
static struct crowdsec_pull *p;

static void
setup(void)
{
	static const uint8_t seed[16] = {7, 7};
	struct addr a;

	log_set_level(LOG_LEVEL_WARNING);
	ck_assert_int_eq(conf_defaults(&c), 0);
	c.dry_run = true;
	allow_init(&al);
	ck_assert_int_eq(addr_parse_prefix("192.0.2.128/25", false, &a), 0);
	ck_assert_int_eq(allow_add(&al, &a), 0);
	enf = enforce_open(&c);
	ck_assert_ptr_nonnull(enf);
	l = ledger_new(seed, enf, &al, &c, NULL);
	ck_assert_ptr_nonnull(l);
	p = crowdsec_pull_new(seed);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(crowdsec_pull_set_conf(p, &c), 0);
}

static void
teardown(void)
{
	crowdsec_pull_free(p);
	ledger_free(l);
	enforce_close(enf);
	conf_free(&c);
}

/* One decision of the answer being built. */
static void
dec(bool deleted, const char *type, const char *scope, const char *value,
    const char *origin, double secs)
{
	struct crowdsec_decision d;

	memset(&d, 0, sizeof(d));
	d.deleted = deleted;
	d.seconds = secs;
	snprintf(d.type, sizeof(d.type), "%s", type);
	snprintf(d.scope, sizeof(d.scope), "%s", scope);
	snprintf(d.value, sizeof(d.value), "%s", value);
	snprintf(d.origin, sizeof(d.origin), "%s", origin);
	snprintf(d.scenario, sizeof(d.scenario), "manual 'ban' from 'cli'");
	crowdsec_pull_add(p, &d);
}

static const struct ban *
held(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return bans_find(ledger_bans(l), &a);
}

static void
local_ban(const char *s, uint32_t secs, int64_t now)
{
	struct ledger_req r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(addr_parse_prefix(s, false, &r.target), 0);
	r.seconds = secs;
	r.offences = 3;
	r.reason = "smtp-auth=5";
	r.origin = LEDGER_ORIGIN_LOCAL;
	r.force = true;
	ck_assert_int_eq(ledger_ban(l, &r, now), 0);
}

START_TEST(test_new)
{
	struct crowdsec_pull_stats st;
	const struct ban *b;

	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 7199.6);
	dec(false, "ban", "Range", "198.51.100.0/24", "cscli", 600);
	dec(false, "ban", "ip", "2001:db8::5", "crowdsec", 60);
	dec(false, "ban", "Range", "203.0.113.130/25", "lists", 60); /* masked */
	dec(false, "captcha", "Ip", "203.0.113.10", "cscli", 60);
	dec(false, "ban", "Country", "FR", "cscli", 60);
	dec(false, "ban", "AS", "64496", "cscli", 60);
	dec(false, "ban", "Ip", "not-an-address", "cscli", 60);
	dec(false, "ban", "Ip", "203.0.113.0/24", "cscli", 60); /* not a host */
	dec(false, "ban", "Ip", "192.0.2.200", "cscli", 60);   /* allowlisted */
	dec(false, "ban", "Ip", "224.0.0.1", "cscli", 60);     /* never a source */
	dec(false, "ban", "Range", "10.0.0.0/8", "lists", 60); /* too wide */
	dec(false, "ban", "Ip", "203.0.113.11", "cscli", 0.8); /* expired */
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0), 4);

	b = held("203.0.113.9");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->origin, "crowdsec:cscli");
	ck_assert_str_eq(b->reason, "manual 'ban' from 'cli'");
	ck_assert_int_eq(b->expires, T0 + 7199);
	ck_assert_ptr_nonnull(held("198.51.100.0/24"));
	ck_assert_str_eq(held("2001:db8::5")->origin, "crowdsec:crowdsec");
	ck_assert_str_eq(held("203.0.113.128/25")->origin, "crowdsec:lists");
	ck_assert_ptr_null(held("203.0.113.10"));
	ck_assert_ptr_null(held("192.0.2.200"));
	ck_assert_ptr_null(held("10.0.0.0/8"));
	ck_assert_ptr_null(held("203.0.113.11"));
	ck_assert_uint_eq(bans_count(ledger_bans(l)), 4);

	crowdsec_pull_get_stats(p, &st);
	ck_assert_uint_eq(st.decisions, 13);
	ck_assert_uint_eq(st.banned, 4);
	ck_assert_uint_eq(st.other_type, 1);
	ck_assert_uint_eq(st.other_scope, 2);
	ck_assert_uint_eq(st.bad_value, 2);
	ck_assert_uint_eq(st.allowlisted, 1);
	ck_assert_uint_eq(st.never_source, 1);
	ck_assert_uint_eq(st.too_wide, 1);
	ck_assert_uint_eq(st.expired, 1);
	ck_assert_uint_eq(st.answers, 1);
}
END_TEST

/* wide_ranges, scopes and origins from the configuration. */
START_TEST(test_conf)
{
	struct crowdsec_pull_stats st;
	struct conf k;
	struct errs e = {.count = 0};
	static const char text[] = "[crowdsec]\nbouncer_key_file = /k\n"
	    "push = no\nscopes = range\norigins = lists\nwide_ranges = yes\n";

	ck_assert_int_eq(conf_defaults(&k), 0);
	ck_assert_int_eq(conf_parse(&k, "t", text, strlen(text), &e), 0);
	ck_assert_int_eq(crowdsec_pull_set_conf(p, &k), 0);
	conf_free(&k);
	crowdsec_pull_begin(p);
	dec(false, "ban", "Range", "10.0.0.0/8", "lists", 60);
	dec(false, "ban", "Ip", "203.0.113.9", "lists", 60);
	dec(false, "ban", "Range", "198.51.100.0/24", "cscli", 60);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0), 1);
	ck_assert_ptr_nonnull(held("10.0.0.0/8"));
	crowdsec_pull_get_stats(p, &st);
	ck_assert_uint_eq(st.other_scope, 1);
	ck_assert_uint_eq(st.other_origin, 1);
}
END_TEST

/* Deleted decisions lift only crowdsec:* bans, and not when the same
 * answer brings a new decision for the target. */
START_TEST(test_deleted)
{
	struct crowdsec_pull_stats st;

	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 600);
	dec(false, "ban", "Ip", "203.0.113.12", "cscli", 600);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0), 2);
	local_ban("203.0.113.20", 600, T0);

	crowdsec_pull_begin(p);
	dec(true, "ban", "Ip", "203.0.113.9", "cscli", -1.3);
	dec(true, "ban", "Ip", "203.0.113.20", "cscli", -1.3);  /* local */
	dec(true, "ban", "Ip", "203.0.113.12", "cscli", -0.2);
	dec(false, "ban", "Ip", "203.0.113.12", "lists", 900);  /* stays */
	dec(true, "captcha", "Ip", "203.0.113.12", "cscli", -1); /* not a ban */
	dec(true, "ban", "Ip", "203.0.113.99", "cscli", -1);    /* unknown */
	crowdsec_pull_end(p, l, false, T0 + 10);
	ck_assert_ptr_null(held("203.0.113.9"));
	ck_assert_ptr_nonnull(held("203.0.113.20"));
	ck_assert_str_eq(held("203.0.113.20")->origin, "local");
	ck_assert_ptr_nonnull(held("203.0.113.12"));
	ck_assert_int_eq(held("203.0.113.12")->expires, T0 + 910);
	crowdsec_pull_get_stats(p, &st);
	ck_assert_uint_eq(st.lifted, 1);
	/* The same deletion again (the LAPI repeats the last 2 s): nothing. */
	crowdsec_pull_begin(p);
	dec(true, "ban", "Ip", "203.0.113.9", "cscli", -3);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0 + 11), 0);
}
END_TEST

/* A pulled decision only lengthens a ban; lengthening another origin's
 * ban keeps its origin and is known as an extension (not to be pushed). */
START_TEST(test_extend)
{
	const struct ban *b;

	local_ban("203.0.113.9", 100, T0);
	local_ban("203.0.113.10", 5000, T0);
	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 1000);
	dec(false, "ban", "Ip", "203.0.113.10", "cscli", 1000);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0), 1);
	b = held("203.0.113.9");
	ck_assert_int_eq(b->expires, T0 + 1000);
	ck_assert_str_eq(b->origin, "local");
	ck_assert_uint_eq(b->offences, 3);
	ck_assert(crowdsec_pull_extended(p, b));
	b = held("203.0.113.10");
	ck_assert_int_eq(b->expires, T0 + 5000);
	ck_assert(!crowdsec_pull_extended(p, b));
	/* A later local decision is not an extension of the LAPI's. */
	local_ban("203.0.113.9", 2000, T0 + 1);
	ck_assert(!crowdsec_pull_extended(p, held("203.0.113.9")));
	/* The marks last until the next answer. */
	crowdsec_pull_begin(p);
	crowdsec_pull_end(p, l, false, T0 + 2);
	local_ban("203.0.113.9", 999, T0 + 2);
	ck_assert(!crowdsec_pull_extended(p, held("203.0.113.9")));
}
END_TEST

/* A startup answer is the LAPI's whole state. */
START_TEST(test_resync)
{
	struct crowdsec_pull_stats st;

	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 600);
	dec(false, "ban", "Ip", "203.0.113.12", "cscli", 600);
	crowdsec_pull_end(p, l, false, T0);
	local_ban("203.0.113.20", 600, T0);
	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.12", "cscli", 590);
	dec(true, "ban", "Ip", "203.0.113.30", "cscli", -5);
	crowdsec_pull_end(p, l, true, T0 + 10);
	ck_assert_ptr_null(held("203.0.113.9"));
	ck_assert_ptr_nonnull(held("203.0.113.12"));
	ck_assert_ptr_nonnull(held("203.0.113.20"));
	crowdsec_pull_get_stats(p, &st);
	ck_assert_uint_eq(st.resync_lifted, 1);
}
END_TEST

/* An empty startup answer (null lists), the first of a run: a crowdsec
 * ban restored from the state file is lifted, a local one stays. */
START_TEST(test_empty_startup)
{
	struct ledger_req r;

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(addr_parse_prefix("203.0.113.9", false, &r.target), 0);
	r.seconds = 600;
	r.offences = 1;
	r.reason = "manual 'ban' from 'cli'";
	r.origin = "crowdsec:cscli";
	ck_assert_int_eq(ledger_ban(l, &r, T0), 0);
	local_ban("203.0.113.20", 600, T0);
	crowdsec_pull_begin(p);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, true, T0 + 1), 1);
	ck_assert_ptr_null(held("203.0.113.9"));
	ck_assert_ptr_nonnull(held("203.0.113.20"));
	/* A delta with nothing changes nothing. */
	crowdsec_pull_begin(p);
	ck_assert_uint_eq(crowdsec_pull_end(p, l, false, T0 + 2), 0);
}
END_TEST

/* An admin's unban wins over the decision in force then. */
START_TEST(test_unbanned_by_hand)
{
	struct crowdsec_pull_stats st;
	struct ban gone;

	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 600);
	crowdsec_pull_end(p, l, false, T0);
	gone = *held("203.0.113.9");
	ck_assert_int_eq(ledger_unban(l, &gone.target, "manual", T0 + 5), 0);
	crowdsec_pull_unbanned(p, &gone, T0 + 5);
	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 590);
	crowdsec_pull_end(p, l, true, T0 + 10);
	ck_assert_ptr_null(held("203.0.113.9"));
	crowdsec_pull_get_stats(p, &st);
	ck_assert_uint_eq(st.unbanned, 1);
	/* A later, longer decision brings it back. */
	crowdsec_pull_begin(p);
	dec(false, "ban", "Ip", "203.0.113.9", "cscli", 3600);
	crowdsec_pull_end(p, l, false, T0 + 20);
	ck_assert_ptr_nonnull(held("203.0.113.9"));
}
END_TEST

/* 100,000 decisions of one answer are applied together. */
START_TEST(test_many)
{
	char v[ADDR_STRLEN];
	size_t i;

	crowdsec_pull_begin(p);
	for (i = 0; i < 100000; i++) {
		snprintf(v, sizeof(v), "10.%zu.%zu.%zu", i >> 16 & 255,
		    i >> 8 & 255, i & 255);
		dec(false, "ban", "Ip", v, "lists", 86400);
	}
	ck_assert_uint_eq(crowdsec_pull_end(p, l, true, T0), 100000);
	ck_assert_uint_eq(bans_count(ledger_bans(l)), 100000);
	ck_assert_ptr_nonnull(held("10.1.134.159"));
}
END_TEST

static Suite *
crowdsec_pull_suite(void)
{
	Suite *s = suite_create("crowdsec_pull");
	TCase *tc = tcase_create("apply");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_new);
	tcase_add_test(tc, test_conf);
	tcase_add_test(tc, test_deleted);
	tcase_add_test(tc, test_extend);
	tcase_add_test(tc, test_resync);
	tcase_add_test(tc, test_empty_startup);
	tcase_add_test(tc, test_unbanned_by_hand);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(crowdsec_pull_suite());
}
