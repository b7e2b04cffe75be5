/* Unit tests for daemon/cluster_wire.c: broker URLs, names, topics, and the
 * ban and evidence payloads, good and hostile. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_wire.h"
#include "suite_run.h"

static struct addr
A(const char *s)
{
	struct addr a;

	ck_assert_int_eq(addr_parse_prefix(s, false, &a), 0);
	return a;
}

START_TEST(test_broker)
{
	static const char *bad[] = {
	    "", "mqtt://", "http://192.0.2.1", "mqtt://broker.example.com",
	    "mqtts://mx1.example.com:8883", "mqtt://192.0.2.1:0",
	    "mqtt://192.0.2.1:65536", "mqtt://192.0.2.1:", "mqtt://192.0.2.1:1x",
	    "mqtt://2001:db8::1:1883", "mqtt://[2001:db8::1", "mqtt://[]:1",
	    "mqtt://[2001:db8::1]x", "unix:", "unix:relative/path",
	    "mqtt://192.0.2.1:-1", "mqtt://192.0.2.1:+1",
	};
	struct cluster_broker b;
	const char *why = NULL;
	size_t i;

	ck_assert_int_eq(cluster_wire_broker("mqtt://192.0.2.1", &b, &why), 0);
	ck_assert_int_eq(b.scheme, CLUSTER_MQTT);
	ck_assert_str_eq(b.host, "192.0.2.1");
	ck_assert_int_eq(b.port, 1883);
	ck_assert_int_eq(cluster_wire_broker("mqtts://[2001:db8::1]:9883", &b,
	    &why), 0);
	ck_assert_int_eq(b.scheme, CLUSTER_MQTTS);
	ck_assert_str_eq(b.host, "2001:db8::1");
	ck_assert_int_eq(b.port, 9883);
	ck_assert_int_eq(cluster_wire_broker("mqtts://127.0.0.1", &b, &why), 0);
	ck_assert_int_eq(b.port, 8883);
	ck_assert_int_eq(cluster_wire_broker("unix:/run/mosquitto/m.sock", &b,
	    &why), 0);
	ck_assert_int_eq(b.scheme, CLUSTER_UNIX);
	ck_assert_str_eq(b.host, "/run/mosquitto/m.sock");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(cluster_wire_broker(bad[i], &b, &why) == -1,
		    "accepted %s", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	cluster_wire_broker("mqtt://mx.example.com", &b, &why);
	ck_assert_ptr_nonnull(strstr(why, "numeric"));
}
END_TEST

START_TEST(test_names)
{
	ck_assert(cluster_wire_node_ok("mx1"));
	ck_assert(cluster_wire_node_ok("mx-1.site_a"));
	ck_assert(!cluster_wire_node_ok(""));
	ck_assert(!cluster_wire_node_ok("mx 1"));
	ck_assert(!cluster_wire_node_ok("mx/1"));
	ck_assert(!cluster_wire_node_ok("mx+"));
	ck_assert(!cluster_wire_node_ok("abcdefghijklmnopqrstuvwxyz0123456"));
	ck_assert(cluster_wire_node_ok("abcdefghijklmnopqrstuvwxyz012345"));
	ck_assert(cluster_wire_prefix_ok("dominoban/v1"));
	ck_assert(cluster_wire_prefix_ok("acme/mail/dominoban"));
	ck_assert(!cluster_wire_prefix_ok(""));
	ck_assert(!cluster_wire_prefix_ok("/dominoban"));
	ck_assert(!cluster_wire_prefix_ok("dominoban/"));
	ck_assert(!cluster_wire_prefix_ok("a//b"));
	ck_assert(!cluster_wire_prefix_ok("dominoban/#"));
	ck_assert(!cluster_wire_prefix_ok("dominoban/+/x"));
	ck_assert(!cluster_wire_prefix_ok("$SYS/x"));
}
END_TEST

START_TEST(test_topics)
{
	static const char *bad[] = {
	    "P/ban/", "P/ban/192.0.2.1", "P/ban/192.0.2.1_24",
	    "P/ban/192.0.2.01_32", "P/ban/2001:DB8::_64",
	    "P/ban/2001:db8:0::_64", "P/ban/::ffff:192.0.2.1_128",
	    "P/ban/192.0.2.1_032", "P/ban/192.0.2.1/32", "P/ban/x_32",
	    "P/evidence/", "P/evidence/a b", "P/evidence/a/b",
	};
	char buf[CLUSTER_TOPIC_MAX], node[CLUSTER_NODE_MAX];
	struct addr a, t = A("192.0.2.1");
	size_t i;

	ck_assert_int_gt(cluster_wire_ban_topic("P", &t, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "P/ban/192.0.2.1_32");
	ck_assert_int_eq(cluster_wire_topic("P", buf, &a, node),
	    CLUSTER_TOPIC_BAN);
	ck_assert_int_eq(addr_cmp(&a, &t), 0);
	t = A("2001:db8::/64");
	cluster_wire_ban_topic("a/b", &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a/b/ban/2001:db8::_64");
	ck_assert_int_eq(cluster_wire_topic("a/b", buf, &a, node),
	    CLUSTER_TOPIC_BAN);
	ck_assert_int_eq(addr_cmp(&a, &t), 0);
	t = A("0.0.0.0/0");
	cluster_wire_ban_topic("P", &t, buf, sizeof(buf));
	ck_assert_str_eq(buf, "P/ban/0.0.0.0_0");
	cluster_wire_evidence_topic("P", "mx1", buf, sizeof(buf));
	ck_assert_str_eq(buf, "P/evidence/mx1");
	ck_assert_int_eq(cluster_wire_topic("P", buf, &a, node),
	    CLUSTER_TOPIC_EVIDENCE);
	ck_assert_str_eq(node, "mx1");
	ck_assert_int_eq(cluster_wire_topic("P", "Q/ban/192.0.2.1_32", &a,
	    node), CLUSTER_TOPIC_OTHER);
	ck_assert_int_eq(cluster_wire_topic("P", "PP/ban/192.0.2.1_32", &a,
	    node), CLUSTER_TOPIC_OTHER);
	ck_assert_int_eq(cluster_wire_topic("P", "P/other", &a, node),
	    CLUSTER_TOPIC_OTHER);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cluster_wire_topic("P", bad[i], &a, node) ==
		    CLUSTER_TOPIC_BAD, "accepted %s", bad[i]);
	ck_assert_int_eq(cluster_wire_ban_topic("P", &t, buf, 8), -1);
}
END_TEST

static int
ban_parse(const char *s, struct cluster_ban *m)
{
	const char *why = NULL;
	int rc = cluster_wire_ban_parse(s, strlen(s), m, &why);

	if (rc == -1)
		ck_assert_ptr_nonnull(why);
	return rc;
}

START_TEST(test_ban_roundtrip)
{
	struct cluster_ban m, back;
	char buf[CLUSTER_BAN_MSG_MAX + 1];
	int n;

	memset(&m, 0, sizeof(m));
	snprintf(m.node, sizeof(m.node), "mx1");
	m.target = A("2001:db8:bad::/48");
	m.seconds = 3600;
	m.offences = 2;
	snprintf(m.reason, sizeof(m.reason), "smtp-auth=4,http-auth=1");
	n = cluster_wire_ban_format(&m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_str_eq(buf, "dominoban-ban 1 mx1 2001:db8:bad::_48 3600 2 "
	    "smtp-auth=4,http-auth=1");
	ck_assert_int_eq(ban_parse(buf, &back), 0);
	ck_assert_str_eq(back.node, "mx1");
	ck_assert_int_eq(addr_cmp(&back.target, &m.target), 0);
	ck_assert_uint_eq(back.seconds, 3600);
	ck_assert_uint_eq(back.offences, 2);
	ck_assert_str_eq(back.reason, m.reason);
	/* A reason with a space or a control byte is masked, not split. */
	snprintf(m.reason, sizeof(m.reason), "a b\tc");
	ck_assert_int_gt(cluster_wire_ban_format(&m, buf, sizeof(buf)), 0);
	ck_assert_int_eq(ban_parse(buf, &back), 0);
	ck_assert_str_eq(back.reason, "a?b?c");
	m.seconds = 0;
	ck_assert_int_eq(cluster_wire_ban_format(&m, buf, sizeof(buf)), -1);
}
END_TEST

START_TEST(test_ban_hostile)
{
	static const char *bad[] = {
	    "garbage",
	    "dominoban-ban",
	    "dominoban-ban 2 mx1 192.0.2.1_32 60 1 r",    /* version */
	    "dominoban-ban 01 mx1 192.0.2.1_32 60 1 r",
	    "dominoban-ban 99999999999999999999999 mx1 192.0.2.1_32 60 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 99999999999 1 r", /* huge time */
	    "dominoban-ban 1 mx1 192.0.2.1_32 315360001 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 18446744073709551616 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 0 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 -5 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 0 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r ",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r x",
	    "dominoban-ban 1 mx1 192.0.2.1_32  60 1 r",
	    " dominoban-ban 1 mx1 192.0.2.1_32 60 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r\n",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r\nx",
	    "dominoban-ban 1 mx1 192.0.2.1/32 60 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_33 60 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_24 60 1 r",
	    "dominoban-ban 1 mx1 example.com_32 60 1 r",
	    "dominoban-ban 1 m:x 192.0.2.1_32 60 1 r",
	    "dominoban-ban 1 abcdefghijklmnopqrstuvwxyz0123456 192.0.2.1_32 60 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 6e1 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 0x3c 1 r",
	    "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r\xc3\xa9",
	};
	static const char nul[] = "dominoban-ban 1 mx1 192.0.2.1_32 60 1 r\0x";
	struct cluster_ban m;
	char big[CLUSTER_BAN_MSG_MAX + 64];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(ban_parse(bad[i], &m) == -1, "accepted '%s'",
		    bad[i]);
	ck_assert_int_eq(ban_parse("dominoban-ban 2 mx1 192.0.2.1_32 60 1 r",
	    &m), -1);
	cluster_wire_ban_parse("dominoban-ban 2 x", 17, &m, &why);
	ck_assert_str_eq(why, "unsupported version");
	cluster_wire_ban_parse("dominoban-ban 1 mx1 192.0.2.1_32 99999999999 1 "
	    "r", 46, &m, &why);
	ck_assert_str_eq(why, "ban time out of range");
	/* A NUL inside is no end of the message. */
	ck_assert_int_eq(cluster_wire_ban_parse(nul, sizeof(nul) - 1, &m, &why),
	    -1);
	/* Oversize, even when well formed. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "dominoban-ban 1 mx1 192.0.2.1_32 60 1 ", 38);
	ck_assert_int_eq(cluster_wire_ban_parse(big, sizeof(big), &m, &why),
	    -1);
	ck_assert_str_eq(why, "oversize");
	/* The largest /0 parses: the wire takes it, the ledger refuses it. */
	ck_assert_int_eq(ban_parse("dominoban-ban 1 mx1 0.0.0.0_0 60 1 r", &m),
	    0);
	ck_assert_uint_eq(m.target.len, 0);
	ck_assert_int_eq(ban_parse("dominoban-ban 1 mx1 192.0.2.1_32 "
	    "315360000 4294967295 r", &m), 0);
}
END_TEST

START_TEST(test_evidence_roundtrip)
{
	struct cluster_event ev[3], back[CLUSTER_EVIDENCE_BATCH];
	struct cluster_evhead h, bh;
	char buf[CLUSTER_EVIDENCE_MSG_MAX];
	const char *why = NULL;
	size_t off = 0, i;
	int n;

	memset(&h, 0, sizeof(h));
	snprintf(h.node, sizeof(h.node), "mx2");
	h.boot = 18446744073709551615ULL;
	h.seq = 7;
	h.count = 3;
	memset(ev, 0, sizeof(ev));
	ev[0].addr = A("192.0.2.9");
	ev[1].addr = A("2001:db8::9");
	ev[2].addr = A("198.51.100.1");
	for (i = 0; i < 3; i++) {
		snprintf(ev[i].pattern, sizeof(ev[i].pattern), "smtp-auth");
		ev[i].weight = 0.5 * (double)(i + 1);
		ev[i].at = 1700000000 + (int64_t)i;
	}
	off += (size_t)cluster_wire_evidence_head(&h, buf, sizeof(buf));
	for (i = 0; i < 3; i++) {
		n = cluster_wire_evidence_line(&ev[i], buf + off,
		    sizeof(buf) - off);
		ck_assert_int_gt(n, 0);
		off += (size_t)n;
	}
	n = cluster_wire_evidence_parse(buf, off, &bh, back,
	    CLUSTER_EVIDENCE_BATCH, &why);
	ck_assert_msg(n == 3, "%s: %s", why, buf);
	ck_assert_str_eq(bh.node, "mx2");
	ck_assert(bh.boot == h.boot);
	ck_assert(bh.seq == 7);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(addr_cmp(&back[i].addr, &ev[i].addr), 0);
		ck_assert_str_eq(back[i].pattern, "smtp-auth");
		ck_assert(back[i].weight == ev[i].weight);
		ck_assert_int_eq(back[i].at, ev[i].at);
	}
	/* Without the last newline too. */
	ck_assert_int_eq(cluster_wire_evidence_parse(buf, off - 1, &bh, back,
	    CLUSTER_EVIDENCE_BATCH, &why), 3);
	/* More events than the receiver has room for. */
	ck_assert_int_eq(cluster_wire_evidence_parse(buf, off, &bh, back, 2,
	    &why), -1);
	ev[0].weight = 0;
	ck_assert_int_eq(cluster_wire_evidence_line(&ev[0], buf, sizeof(buf)),
	    -1);
	ev[0].weight = 1;
	ev[0].addr = A("192.0.2.0/24");
	ck_assert_int_eq(cluster_wire_evidence_line(&ev[0], buf, sizeof(buf)),
	    -1);
}
END_TEST

START_TEST(test_evidence_hostile)
{
	static const char *bad[] = {
	    "",
	    "garbage\n",
	    "dominoban-evidence 2 mx2 1 1 1\n192.0.2.1 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 2\n192.0.2.1 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.0 1700000000\nx\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.0 1700000000\n\n",
	    "dominoban-evidence 1 mx2 1 1 0\n",
	    "dominoban-evidence 1 mx2 1 0 1\n192.0.2.1 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 257\n192.0.2.1 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.0/24 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\nhost.example p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p nan 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p inf 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p -1 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1e3 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 101 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.00001 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1. 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p .5 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.0 99999999999999\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.0 0\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p/q 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1 p 1.0 1700000000 x\n",
	    "dominoban-evidence 1 mx2 1 1 1\n192.0.2.1  p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1 \n192.0.2.1 p 1.0 1700000000\n",
	    "dominoban-evidence 1 mx2 1 1 1",
	};
	struct cluster_event ev[CLUSTER_EVIDENCE_BATCH];
	struct cluster_evhead h;
	const char *why;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		ck_assert_msg(cluster_wire_evidence_parse(bad[i], strlen(bad[i]),
		    &h, ev, CLUSTER_EVIDENCE_BATCH, &why) == -1,
		    "accepted '%s'", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
	big = malloc(CLUSTER_EVIDENCE_MSG_MAX + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, '\n', CLUSTER_EVIDENCE_MSG_MAX + 1);
	ck_assert_int_eq(cluster_wire_evidence_parse(big,
	    CLUSTER_EVIDENCE_MSG_MAX + 1, &h, ev, CLUSTER_EVIDENCE_BATCH, &why),
	    -1);
	ck_assert_str_eq(why, "oversize");
	free(big);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("cluster_wire");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, test_broker);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_topics);
	tcase_add_test(tc, test_ban_roundtrip);
	tcase_add_test(tc, test_ban_hostile);
	tcase_add_test(tc, test_evidence_roundtrip);
	tcase_add_test(tc, test_evidence_hostile);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(suite());
}
