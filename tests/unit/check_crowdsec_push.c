/*
 * Unit tests for daemon/crowdsec_push.c, the queue of alerts on their way
 * to the LAPI: which origins are ours, batches leave the queue only once
 * taken, a failed send keeps them in order, a full queue drops the oldest
 * (also while a batch is in flight) and counts them. The bodies are read
 * back with jansson.
 */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crowdsec_push.h"
#include "suite_run.h"

#define T0 1790000000

static void
queue(struct crowdsec_push *q, unsigned i)
{
	struct ban b;
	char s[32];

	memset(&b, 0, sizeof(b));
	snprintf(s, sizeof(s), "192.0.2.%u", i);
	ck_assert_int_eq(addr_parse_prefix(s, false, &b.target), 0);
	b.expires = T0 + 3600;
	b.offences = 1;
	snprintf(b.origin, sizeof(b.origin), "local");
	snprintf(b.reason, sizeof(b.reason), "smtp-auth=5");
	crowdsec_push_ban(q, &b, T0);
}

/* The values of the alerts of a batch body, in order, as "a b c". */
static void
values(const char *body, char *out, size_t size)
{
	json_error_t err;
	json_t *arr = json_loads(body, 0, &err), *o;
	size_t i, off = 0;

	ck_assert(json_is_array(arr));
	out[0] = '\0';
	json_array_foreach(arr, i, o) {
		const char *v = json_string_value(json_object_get(
		    json_object_get(o, "source"), "value"));
		off += (size_t)snprintf(out + off, size - off, "%s%s",
		    i ? " " : "", v + strlen("192.0.2."));
	}
	json_decref(arr);
}

START_TEST(test_ours)
{
	ck_assert(crowdsec_push_ours("local"));
	ck_assert(crowdsec_push_ours("manual"));
	ck_assert(!crowdsec_push_ours("crowdsec:cscli"));
	ck_assert(!crowdsec_push_ours("peer:mx2"));
	ck_assert(!crowdsec_push_ours("kernel"));
}
END_TEST

START_TEST(test_batches)
{
	struct crowdsec_push *q = crowdsec_push_new(1000);
	struct crowdsec_push_stats st;
	char v[1024], *body;
	size_t len;
	unsigned i;

	ck_assert_ptr_null(crowdsec_push_batch(q, &len));
	for (i = 1; i <= CROWDSEC_PUSH_BATCH + 5; i++)
		queue(q, i % 250);
	body = crowdsec_push_batch(q, &len);
	ck_assert_ptr_nonnull(body);
	values(body, v, sizeof(v));
	ck_assert(strncmp(v, "1 2 3 ", 6) == 0);
	free(body);
	/* Not delivered: the same batch again. */
	crowdsec_push_retry(q);
	body = crowdsec_push_batch(q, &len);
	values(body, v, sizeof(v));
	ck_assert(strncmp(v, "1 2 3 ", 6) == 0);
	free(body);
	crowdsec_push_done(q, true);
	body = crowdsec_push_batch(q, &len);
	values(body, v, sizeof(v));
	ck_assert_str_eq(v, "101 102 103 104 105");
	crowdsec_push_done(q, false);
	free(body);
	crowdsec_push_get_stats(q, &st);
	ck_assert_uint_eq(st.queued, 105);
	ck_assert_uint_eq(st.sent, 100);
	ck_assert_uint_eq(st.rejected, 5);
	ck_assert_uint_eq(st.length, 0);
	crowdsec_push_free(q);
}
END_TEST

START_TEST(test_full)
{
	struct crowdsec_push *q = crowdsec_push_new(4);
	struct crowdsec_push_stats st;
	char v[256], *body;
	size_t len;
	unsigned i;

	for (i = 1; i <= 6; i++)
		queue(q, i);
	body = crowdsec_push_batch(q, &len);
	values(body, v, sizeof(v));
	ck_assert_str_eq(v, "3 4 5 6");
	free(body);
	/* Two more while the batch is out: 3 and 4 make room. */
	queue(q, 7);
	queue(q, 8);
	crowdsec_push_done(q, true);
	body = crowdsec_push_batch(q, &len);
	values(body, v, sizeof(v));
	ck_assert_str_eq(v, "7 8");
	crowdsec_push_done(q, true);
	free(body);
	crowdsec_push_get_stats(q, &st);
	ck_assert_uint_eq(st.dropped, 4);
	ck_assert_uint_eq(st.sent, 4);
	ck_assert_uint_eq(st.length, 0);
	crowdsec_push_free(q);
}
END_TEST

static Suite *
crowdsec_push_suite(void)
{
	Suite *s = suite_create("crowdsec_push");
	TCase *tc = tcase_create("queue");

	tcase_add_test(tc, test_ours);
	tcase_add_test(tc, test_batches);
	tcase_add_test(tc, test_full);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(crowdsec_push_suite());
}
