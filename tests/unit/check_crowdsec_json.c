/*
 * Unit tests for daemon/crowdsec_json.c: Go durations, the incremental
 * decision-stream reader on answers captured from a real LAPI (crowdsec
 * 1.4.6: null lists, fractional and negative durations, ranges, other
 * scopes and types) and on hostile ones, fed whole and byte by byte; the
 * login and alert bodies read back with jansson.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crowdsec_json.h"
#include "suite_run.h"

#define FIX TEST_SRCDIR "/tests/fixtures/crowdsec/"

static struct crowdsec_decision got[64];
static size_t ngot;

static void
collect(void *arg, const struct crowdsec_decision *d)
{
	(void)arg;
	if (ngot < 64)
		got[ngot] = *d;
	ngot++;
}

static char *
slurp(const char *name, size_t *len)
{
	char path[512], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), FIX "%s", name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Read fixture name in chunks of step bytes (0: whole); returns what
 * crowdsec_json_stream_end() said, the stream in *out. */
static int
read_fixture(const char *name, size_t step, struct crowdsec_json_stream **out)
{
	struct crowdsec_json_stream *s = crowdsec_json_stream_new(collect, NULL);
	size_t len, off;
	char *buf = slurp(name, &len);
	int rc = 0;

	ck_assert_ptr_nonnull(s);
	crowdsec_json_stream_reset(s);
	ngot = 0;
	for (off = 0; off < len && rc == 0; off += step ? step : len)
		rc = crowdsec_json_stream_feed(s, buf + off,
		    step && len - off > step ? step : len - off);
	if (rc == 0)
		rc = crowdsec_json_stream_end(s);
	free(buf);
	*out = s;
	return rc;
}

static double
dur(const char *s)
{
	double v = -12345;

	ck_assert_msg(crowdsec_json_duration(s, &v) == 0, "%s refused", s);
	return v;
}

START_TEST(test_durations)
{
	double v;
	static const char *const bad[] = {"", "-", "h", "1", "1x", "1..5s",
	    "--1s", "1e3s", ".s", "1h-1m", "99999999999h", "1 s", "1hh",
	    "1\xc2s"};
	size_t i;

	ck_assert(fabs(dur("3h59m59.71s") - 14399.71) < 1e-6);
	ck_assert(fabs(dur("-1.376493449s") + 1.376493449) < 1e-9);
	ck_assert(fabs(dur("-327.247485ms") + 0.327247485) < 1e-9);
	ck_assert(fabs(dur("148.788088ms") - 0.148788088) < 1e-9);
	ck_assert(dur("1h0m0s") == 3600);
	ck_assert(dur("167h59m59s") == 167 * 3600 + 59 * 60 + 59);
	ck_assert(dur("0s") == 0 && dur("0") == 0 && dur("-0s") == 0);
	ck_assert(fabs(dur("1.5\xc2\xb5s") - 1.5e-6) < 1e-12);
	ck_assert(fabs(dur("2\xce\xbcs") - 2e-6) < 1e-12);
	ck_assert(fabs(dur("300ns") - 3e-7) < 1e-12);
	ck_assert(fabs(dur("1m30.5s") - 90.5) < 1e-9);
	ck_assert(dur("+5s") == 5);
	ck_assert(dur(".5s") == 0.5 && dur("5.s") == 5);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(crowdsec_json_duration(bad[i], &v) == -1,
		    "'%s' accepted", bad[i]);
		ck_assert_int_eq(errno, EINVAL);
	}
}
END_TEST

START_TEST(test_nulls)
{
	struct crowdsec_json_stream *s;

	ck_assert_int_eq(read_fixture("empty-nulls.json", 0, &s), 0);
	ck_assert_uint_eq(ngot, 0);
	ck_assert_uint_eq(crowdsec_json_stream_bad(s), 0);
	ck_assert_str_eq(crowdsec_json_stream_error(s), "");
	crowdsec_json_stream_free(s);
}
END_TEST

/* A startup answer from crowdsec 1.4.6, whole and byte by byte. */
START_TEST(test_startup)
{
	struct crowdsec_json_stream *s;
	size_t step;

	for (step = 0; step <= 1; step++) {
		ck_assert_int_eq(read_fixture("startup.json", step, &s), 0);
		ck_assert_uint_eq(ngot, 8);
		ck_assert_uint_eq(crowdsec_json_stream_count(s), 8);
		ck_assert_uint_eq(crowdsec_json_stream_bad(s), 0);
		/* deleted first, as in the answer */
		ck_assert(got[0].deleted && got[0].id == 3);
		ck_assert_str_eq(got[0].value, "203.0.113.9");
		ck_assert(fabs(got[0].seconds + 7.353598469) < 1e-9);
		ck_assert(got[2].deleted && got[2].seconds < 0 &&
		    got[2].seconds > -1);
		ck_assert(!got[3].deleted && got[3].id == 4);
		ck_assert_str_eq(got[3].scope, "Range");
		ck_assert_str_eq(got[3].value, "203.0.113.128/25");
		ck_assert_str_eq(got[3].origin, "cscli");
		ck_assert_str_eq(got[3].scenario, "manual 'ban' from 'localcli'");
		ck_assert(fabs(got[3].seconds - (29 * 60 + 45.178477138)) < 1e-6);
		ck_assert_str_eq(got[4].origin, "dominoban");
		ck_assert_str_eq(got[6].value, "2001:db8::5");
		ck_assert_str_eq(got[7].type, "captcha");
		crowdsec_json_stream_free(s);
	}
}
END_TEST

START_TEST(test_delta)
{
	struct crowdsec_json_stream *s;

	ck_assert_int_eq(read_fixture("delta.json", 7, &s), 0);
	ck_assert_uint_eq(ngot, 5);
	ck_assert_str_eq(got[3].scope, "Country");
	ck_assert_str_eq(got[3].value, "FR");
	ck_assert_str_eq(got[4].origin, "lists");
	ck_assert(got[4].seconds == 167 * 3600 + 59 * 60 + 59);
	crowdsec_json_stream_free(s);
}
END_TEST

/* Elements that are not decisions are counted and skipped; the rest of
 * the answer is read; values of other keys are stepped over. */
START_TEST(test_hostile)
{
	struct crowdsec_json_stream *s;
	size_t step;

	for (step = 0; step <= 3; step += 3) {
		ck_assert_int_eq(read_fixture("hostile.json", step, &s), 0);
		/* jansson refuses \u0000 in a string: the element with one
		 * is malformed as a whole. */
		ck_assert_uint_eq(ngot, 2);
		ck_assert_uint_eq(crowdsec_json_stream_bad(s), 6);
		ck_assert_str_eq(got[0].value, "192.0.2.20");
		ck_assert(got[0].seconds == 3600 && got[0].id == 20);
		ck_assert_str_eq(got[0].scenario, "");
		ck_assert_str_eq(got[1].value, "192.0.2.28");
		ck_assert_str_eq(got[1].origin, "unknown");
		crowdsec_json_stream_free(s);
	}
}
END_TEST

/* An element longer than the buffer is skipped, not cut. */
START_TEST(test_long_element)
{
	struct crowdsec_json_stream *s = crowdsec_json_stream_new(collect, NULL);
	char *big = malloc(3 * CROWDSEC_JSON_ELEM_MAX);
	const char *head = "{\"new\":[{\"duration\":\"1h\",\"id\":1,\"scope\":"
	    "\"Ip\",\"type\":\"ban\",\"value\":\"192.0.2.1\",\"x\":\"";
	const char *tail = "\"},{\"duration\":\"1h\",\"id\":2,\"scope\":\"Ip\","
	    "\"type\":\"ban\",\"value\":\"192.0.2.2\"}],\"deleted\":null}";

	ck_assert_ptr_nonnull(big);
	crowdsec_json_stream_reset(s);
	ngot = 0;
	memset(big, 'a', 2 * CROWDSEC_JSON_ELEM_MAX);
	ck_assert_int_eq(crowdsec_json_stream_feed(s, head, strlen(head)), 0);
	ck_assert_int_eq(crowdsec_json_stream_feed(s, big,
	    2 * CROWDSEC_JSON_ELEM_MAX), 0);
	ck_assert_int_eq(crowdsec_json_stream_feed(s, tail, strlen(tail)), 0);
	ck_assert_int_eq(crowdsec_json_stream_end(s), 0);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_str_eq(got[0].value, "192.0.2.2");
	ck_assert_uint_eq(crowdsec_json_stream_bad(s), 1);
	crowdsec_json_stream_free(s);
	free(big);
}
END_TEST

START_TEST(test_refused)
{
	static const char *const bad[] = {"bad-not-object.json",
	    "bad-new-number.json", "bad-new-elements.json", "bad-trailing.json",
	    "bad-cut.json", "bad-literal.json"};
	struct crowdsec_json_stream *s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		ck_assert_msg(read_fixture(bad[i], 0, &s) == -1, "%s", bad[i]);
		ck_assert_int_eq(errno, EBADMSG);
		ck_assert_msg(strstr(crowdsec_json_stream_error(s), "at byte") !=
		    NULL, "%s: %s", bad[i], crowdsec_json_stream_error(s));
		/* Feeding after a refusal refuses again. */
		ck_assert_int_eq(crowdsec_json_stream_feed(s, "{", 1), -1);
		crowdsec_json_stream_free(s);
	}
	/* The cut answer delivered its first decision before it was cut. */
	ck_assert_int_eq(read_fixture("bad-cut.json", 0, &s), -1);
	ck_assert_uint_eq(ngot, 1);
	ck_assert_str_eq(crowdsec_json_stream_error(s),
	    "answer cut short at byte 101");
	crowdsec_json_stream_free(s);
	/* Nothing at all. */
	s = crowdsec_json_stream_new(collect, NULL);
	crowdsec_json_stream_reset(s);
	ck_assert_int_eq(crowdsec_json_stream_end(s), -1);
	ck_assert_str_eq(crowdsec_json_stream_error(s), "empty answer at byte 0");
	/* A reset makes it usable again. */
	crowdsec_json_stream_reset(s);
	ck_assert_int_eq(crowdsec_json_stream_feed(s, "{}", 2), 0);
	ck_assert_int_eq(crowdsec_json_stream_end(s), 0);
	crowdsec_json_stream_free(s);
}
END_TEST

START_TEST(test_login)
{
	char *body = crowdsec_json_login("mx1", "p\"w\\d");
	char tok[16];
	json_t *o;
	json_error_t err;
	const char *ans = "{\"code\":200,\"expire\":\"2026-12-04T17:58:26Z\","
	    "\"token\":\"eyJhbGc.x.y\"}";

	ck_assert_ptr_nonnull(body);
	o = json_loads(body, 0, &err);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(json_string_value(json_object_get(o, "machine_id")),
	    "mx1");
	ck_assert_str_eq(json_string_value(json_object_get(o, "password")),
	    "p\"w\\d");
	ck_assert(json_is_array(json_object_get(o, "scenarios")));
	json_decref(o);
	free(body);

	ck_assert_int_eq(crowdsec_json_token(ans, strlen(ans), tok,
	    sizeof(tok)), 0);
	ck_assert_str_eq(tok, "eyJhbGc.x.y");
	ck_assert_int_eq(crowdsec_json_token(ans, strlen(ans), tok, 5), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
	ck_assert_int_eq(crowdsec_json_token("{\"code\":401}", 12, tok,
	    sizeof(tok)), -1);
	ck_assert_int_eq(errno, EBADMSG);
	ck_assert_int_eq(crowdsec_json_token("garbage", 7, tok,
	    sizeof(tok)), -1);
}
END_TEST

START_TEST(test_alerts)
{
	struct crowdsec_alert a[2];
	json_error_t err;
	json_t *arr, *o, *d, *src;
	size_t len;
	char *body;

	memset(a, 0, sizeof(a));
	ck_assert_int_eq(addr_parse_prefix("192.0.2.7", false, &a[0].target), 0);
	a[0].at = 1796403506; /* 2026-12-04T16:58:26Z */
	a[0].seconds = 3600;
	a[0].offences = 2;
	snprintf(a[0].origin, sizeof(a[0].origin), "local");
	snprintf(a[0].reason, sizeof(a[0].reason), "smtp-auth=5,smtp-harvest=3");
	ck_assert_int_eq(addr_parse_prefix("2001:db8:bad::/48", false,
	    &a[1].target), 0);
	a[1].at = 1796403506;
	a[1].seconds = 60;
	snprintf(a[1].origin, sizeof(a[1].origin), "manual");
	snprintf(a[1].reason, sizeof(a[1].reason), "manual\x01\xff");

	body = crowdsec_json_alerts(a, 2, &len);
	ck_assert_ptr_nonnull(body);
	ck_assert_uint_eq(len, strlen(body));
	arr = json_loads(body, 0, &err);
	ck_assert_msg(json_is_array(arr) && json_array_size(arr) == 2, "%s",
	    body);
	o = json_array_get(arr, 0);
	ck_assert_str_eq(json_string_value(json_object_get(o, "scenario")),
	    "dominoban/smtp-auth");
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "events_count")), 8);
	ck_assert_str_eq(json_string_value(json_object_get(o, "start_at")),
	    "2026-12-04T16:58:26Z");
	ck_assert(json_is_false(json_object_get(o, "simulated")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(o,
	    "message")), "192.0.2.7 banned for 3600s"));
	src = json_object_get(o, "source");
	ck_assert_str_eq(json_string_value(json_object_get(src, "scope")), "Ip");
	ck_assert_str_eq(json_string_value(json_object_get(src, "ip")),
	    "192.0.2.7");
	d = json_array_get(json_object_get(o, "decisions"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(d, "origin")),
	    "dominoban");
	ck_assert_str_eq(json_string_value(json_object_get(d, "type")), "ban");
	ck_assert_str_eq(json_string_value(json_object_get(d, "scope")), "Ip");
	ck_assert_str_eq(json_string_value(json_object_get(d, "value")),
	    "192.0.2.7");
	ck_assert_str_eq(json_string_value(json_object_get(d, "duration")),
	    "3600s");
	o = json_array_get(arr, 1);
	src = json_object_get(o, "source");
	ck_assert_str_eq(json_string_value(json_object_get(src, "scope")),
	    "Range");
	ck_assert_str_eq(json_string_value(json_object_get(src, "range")),
	    "2001:db8:bad::/48");
	ck_assert_str_eq(json_string_value(json_object_get(o, "scenario")),
	    "dominoban/manual??");
	ck_assert_int_eq(json_integer_value(json_object_get(o,
	    "events_count")), 1);
	json_decref(arr);
	free(body);
}
END_TEST

START_TEST(test_reason)
{
	char sc[64];

	crowdsec_json_scenario("smtp-auth=5", sc, sizeof(sc));
	ck_assert_str_eq(sc, "dominoban/smtp-auth");
	crowdsec_json_scenario("", sc, sizeof(sc));
	ck_assert_str_eq(sc, "dominoban/unknown");
	ck_assert_uint_eq(crowdsec_json_events("a=3,b=2"), 5);
	ck_assert_uint_eq(crowdsec_json_events("manual"), 1);
	ck_assert_uint_eq(crowdsec_json_events("a=x,b=99999999999"), 1);
}
END_TEST

static Suite *
crowdsec_json_suite(void)
{
	Suite *s = suite_create("crowdsec_json");
	TCase *tc = tcase_create("duration");

	tcase_add_test(tc, test_durations);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_add_test(tc, test_nulls);
	tcase_add_test(tc, test_startup);
	tcase_add_test(tc, test_delta);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_long_element);
	tcase_add_test(tc, test_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("bodies");
	tcase_add_test(tc, test_login);
	tcase_add_test(tc, test_alerts);
	tcase_add_test(tc, test_reason);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(crowdsec_json_suite());
}
