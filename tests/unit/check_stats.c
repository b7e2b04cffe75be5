/*
 * Tests for daemon/stats.c (one list of named values, three renderings)
 * and daemon/metrics.c (ban counters by origin and reason, the latency
 * histogram with injected time).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "stats.h"
#include "suite_run.h"

static const struct stats_def d_lines = {"lines", "lines_read_total",
    STATS_COUNTER, NULL, NULL, "lines read", NULL, "Lines read."};
static const struct stats_def d_long = {"long_lines", "long_lines_total",
    STATS_COUNTER, NULL, NULL, NULL, "over-long dropped", "Long lines."};
static const struct stats_def d_pat = {"patterns", "events_total",
    STATS_COUNTER, NULL, NULL, NULL, "*", "Events per pattern."};
static const struct stats_def d_served = {"ctl_served",
    "control_requests_total", STATS_COUNTER, NULL, "result=\"served\"",
    "control socket", "served", "Requests."};
static const struct stats_def d_bad = {"ctl_bad", "control_requests_total",
    STATS_COUNTER, NULL, "result=\"bad\"", NULL, "bad requests", NULL};
static const struct stats_def d_gauge = {"records", "records", STATS_GAUGE,
    NULL, NULL, "tracked records", NULL, "Records\\held\nnow."};
static const struct stats_def d_hist = {NULL, "ban_latency_seconds",
    STATS_HISTOGRAM, "seconds", NULL, NULL, NULL, "Latency."};

/* Render with fn into a string (freed by the caller). */
static char *
render(const struct stats *s, void (*fn)(const struct stats *, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	fn(s, f);
	fclose(f);
	return buf;
}

/* A list where one family (control_requests_total) is split by a value in
 * between, and a labelled key (patterns). */
static void
fill(struct stats *s)
{
	stats_init(s);
	ck_assert_int_eq(stats_add(s, &d_lines, 12), 0);
	ck_assert_int_eq(stats_add(s, &d_long, 1), 0);
	ck_assert_int_eq(stats_add_labels(s, &d_pat, 7, "pattern", "smtp-auth",
	    "kind", "auth", NULL), 0);
	ck_assert_int_eq(stats_add_labels(s, &d_pat, 0, "pattern", "x\"y\\z",
	    "kind", "tls", NULL), 0);
	ck_assert_int_eq(stats_add(s, &d_served, 3), 0);
	ck_assert_int_eq(stats_add(s, &d_gauge, 40), 0);
	ck_assert_int_eq(stats_add(s, &d_bad, 2), 0);
}

START_TEST(test_text)
{
	struct stats s;
	char *t;

	fill(&s);
	t = render(&s, stats_text);
	ck_assert_str_eq(t,
	    "lines read:      12 (1 over-long dropped)\n"
	    "  smtp-auth                  7\n"
	    "control socket:  3 served\n"
	    "tracked records: 40 (2 bad requests)\n");
	free(t);
	stats_free(&s);
}
END_TEST

START_TEST(test_json)
{
	struct stats s;
	char *t;

	fill(&s);
	t = render(&s, stats_json);
	ck_assert_str_eq(t, "\"lines\":12,\"long_lines\":1,\"patterns\":"
	    "{\"smtp-auth\":7,\"x\\\"y\\\\z\":0},\"ctl_served\":3,"
	    "\"records\":40,\"ctl_bad\":2");
	free(t);
	ck_assert_uint_eq(stats_get(&s, "lines"), 12);
	ck_assert_uint_eq(stats_get(&s, "records"), 40);
	ck_assert_uint_eq(stats_get(&s, "patterns"), 0); /* labelled only */
	stats_free(&s);
}
END_TEST

/* Each family once, its values together, labels and HELP escaped. */
START_TEST(test_prom)
{
	struct stats s;
	char *t;

	fill(&s);
	t = render(&s, stats_prom);
	ck_assert_str_eq(t,
	    "# HELP dominoban_lines_read_total Lines read.\n"
	    "# TYPE dominoban_lines_read_total counter\n"
	    "dominoban_lines_read_total 12\n"
	    "# HELP dominoban_long_lines_total Long lines.\n"
	    "# TYPE dominoban_long_lines_total counter\n"
	    "dominoban_long_lines_total 1\n"
	    "# HELP dominoban_events_total Events per pattern.\n"
	    "# TYPE dominoban_events_total counter\n"
	    "dominoban_events_total{pattern=\"smtp-auth\",kind=\"auth\"} 7\n"
	    "dominoban_events_total{pattern=\"x\\\"y\\\\z\",kind=\"tls\"} 0\n"
	    "# HELP dominoban_control_requests_total Requests.\n"
	    "# TYPE dominoban_control_requests_total counter\n"
	    "dominoban_control_requests_total{result=\"served\"} 3\n"
	    "dominoban_control_requests_total{result=\"bad\"} 2\n"
	    "# HELP dominoban_records Records\\\\held\\nnow.\n"
	    "# TYPE dominoban_records gauge\n"
	    "dominoban_records 40\n");
	free(t);
	stats_free(&s);
}
END_TEST

START_TEST(test_hist)
{
	struct stats_hist h = {3, {0.001, 0.01, 0.1}, {0}, 0};
	struct stats s;
	char *t;

	stats_hist_observe(&h, 0.0005);
	stats_hist_observe(&h, 0.001);  /* le is inclusive */
	stats_hist_observe(&h, 0.05);
	stats_hist_observe(&h, 3);
	stats_init(&s);
	stats_add_hist(&s, &d_hist, &h);
	t = render(&s, stats_prom);
	ck_assert_str_eq(t,
	    "# HELP dominoban_ban_latency_seconds Latency.\n"
	    "# TYPE dominoban_ban_latency_seconds histogram\n"
	    "dominoban_ban_latency_seconds_bucket{le=\"0.001\"} 2\n"
	    "dominoban_ban_latency_seconds_bucket{le=\"0.01\"} 2\n"
	    "dominoban_ban_latency_seconds_bucket{le=\"0.1\"} 3\n"
	    "dominoban_ban_latency_seconds_bucket{le=\"+Inf\"} 4\n"
	    "dominoban_ban_latency_seconds_sum 3.0515\n"
	    "dominoban_ban_latency_seconds_count 4\n");
	free(t);
	/* Histograms are not status fields. */
	t = render(&s, stats_json);
	ck_assert_str_eq(t, "");
	free(t);
	stats_free(&s);
}
END_TEST

START_TEST(test_origins)
{
	ck_assert_int_eq(metrics_origin_of("local"), METRICS_LOCAL);
	ck_assert_int_eq(metrics_origin_of("manual"), METRICS_MANUAL);
	ck_assert_int_eq(metrics_origin_of("peer:node-2"), METRICS_PEER);
	ck_assert_int_eq(metrics_origin_of("crowdsec:CAPI"), METRICS_CROWDSEC);
	ck_assert_int_eq(metrics_origin_of("peerless"), METRICS_OTHER_ORIGIN);
	ck_assert_int_eq(metrics_origin_of("192.0.2.1"), METRICS_OTHER_ORIGIN);
	ck_assert_int_eq(metrics_end_of("expired"), METRICS_END_EXPIRED);
	ck_assert_int_eq(metrics_end_of("allowlisted (split)"),
	    METRICS_END_ALLOWLIST);
	ck_assert_int_eq(metrics_end_of("peer:n1"), METRICS_END_PEER);
	ck_assert_int_eq(metrics_end_of("smtp-auth=5"), METRICS_END_OTHER);
	ck_assert_str_eq(metrics_kind_name(0), "auth");
	ck_assert_str_eq(metrics_kind_name(METRICS_KIND_MANUAL), "manual");
	ck_assert_str_eq(metrics_kind_name(METRICS_KIND_OTHER), "other");
}
END_TEST

/* Latency: from the batch's start to the ban the kernel took; only the
 * bans decided from lines, only until the flush is over. */
START_TEST(test_latency)
{
	struct metrics m;

	metrics_init(&m);
	metrics_read_start(&m, 100.0);
	metrics_decided(&m);
	metrics_decided(&m);
	metrics_ban(&m, "local", 0, 100.0003);
	metrics_ban(&m, "manual", METRICS_KIND_MANUAL, 100.0004);
	metrics_flushed(&m);
	/* A restored or reconciled local ban after the flush: no latency. */
	metrics_ban(&m, "local", 0, 200.0);
	/* Decided from a peer's evidence, outside a read: no latency. */
	metrics_read_end(&m);
	metrics_decided(&m);
	metrics_ban(&m, "local", 0, 300.0);
	metrics_flushed(&m);
	ck_assert_uint_eq(m.latency.counts[0] + m.latency.counts[1] +
	    m.latency.counts[2], 1);
	ck_assert_uint_eq(m.latency.counts[2], 1); /* 0.3 ms: <= 0.0005 */
	ck_assert_uint_eq(m.bans[METRICS_LOCAL][0], 3);
	ck_assert_uint_eq(m.bans[METRICS_MANUAL][METRICS_KIND_MANUAL], 1);
	metrics_end(&m, "local", "expired");
	metrics_end(&m, "peer:x", "manual");
	ck_assert_uint_eq(m.ends[METRICS_LOCAL][METRICS_END_EXPIRED], 1);
	ck_assert_uint_eq(m.ends[METRICS_PEER][METRICS_END_MANUAL], 1);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = tcase_create("render");

	tcase_add_test(tc, test_text);
	tcase_add_test(tc, test_json);
	tcase_add_test(tc, test_prom);
	tcase_add_test(tc, test_hist);
	suite_add_tcase(s, tc);
	tc = tcase_create("metrics");
	tcase_add_test(tc, test_origins);
	tcase_add_test(tc, test_latency);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(suite());
}
