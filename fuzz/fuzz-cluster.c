/*
 * fuzz-cluster: the cluster's wire parsers (cluster_wire.c), which read
 * whatever anyone the broker lets publish sends. The first byte picks the
 * parser: ban payload, evidence payload, topic, or broker URL; the rest is
 * the input.
 *
 * Invariants: a refusal says why; an accepted ban formats back to exactly
 * the bytes it came from (one spelling per value, so one topic per
 * target); accepted evidence has only hosts, weights in (0, 100] and
 * formats back to a message that parses to the same events; an accepted
 * topic names a normalised target whose topic is the input.
 */
#include "config.h"

#include <string.h>

#include "cluster_wire.h"
#include "fuzz.h"

static struct cluster_event ev[CLUSTER_EVIDENCE_BATCH];
static struct cluster_event back[CLUSTER_EVIDENCE_BATCH];
static char buf[CLUSTER_EVIDENCE_MSG_MAX + 1];

FUZZ_NO_INIT

static void
ban(const uint8_t *p, size_t n)
{
	struct cluster_ban m;
	const char *why = NULL;
	int k;

	if (cluster_wire_ban_parse(p, n, &m, &why) == -1) {
		FUZZ_CHECK(why != NULL, "a refusal without a reason");
		return;
	}
	k = cluster_wire_ban_format(&m, buf, sizeof(buf));
	FUZZ_CHECK(k >= 0 && (size_t)k == n && memcmp(buf, p, n) == 0,
	    "an accepted ban formats to other bytes: %.*s", k, buf);
}

static void
evidence(const uint8_t *p, size_t n)
{
	struct cluster_evhead h, h2;
	const char *why = NULL;
	size_t off, i;
	int k, k2;

	if ((k = cluster_wire_evidence_parse(p, n, &h, ev,
	    CLUSTER_EVIDENCE_BATCH, &why)) == -1) {
		FUZZ_CHECK(why != NULL, "a refusal without a reason");
		return;
	}
	FUZZ_CHECK(k > 0 && (size_t)k == h.count, "count %d", k);
	off = (size_t)cluster_wire_evidence_head(&h, buf, sizeof(buf));
	for (i = 0; i < (size_t)k; i++) {
		FUZZ_CHECK(addr_is_host(&ev[i].addr), "a prefix as an event");
		FUZZ_CHECK(ev[i].weight > 0 && ev[i].weight <= CLUSTER_WEIGHT_MAX,
		    "weight %f", ev[i].weight);
		k2 = cluster_wire_evidence_line(&ev[i], buf + off,
		    sizeof(buf) - off);
		FUZZ_CHECK(k2 > 0, "an accepted event does not format");
		off += (size_t)k2;
	}
	k2 = cluster_wire_evidence_parse(buf, off, &h2, back,
	    CLUSTER_EVIDENCE_BATCH, &why);
	FUZZ_CHECK(k2 == k && h2.seq == h.seq && h2.boot == h.boot &&
	    strcmp(h2.node, h.node) == 0, "re-parse: %s", k2 < 0 ? why : "");
	for (i = 0; i < (size_t)k; i++)
		FUZZ_CHECK(addr_cmp(&back[i].addr, &ev[i].addr) == 0 &&
		    back[i].weight == ev[i].weight && back[i].at == ev[i].at &&
		    strcmp(back[i].pattern, ev[i].pattern) == 0,
		    "event %zu changed", i);
}

static void
topic(const char *s)
{
	char node[CLUSTER_NODE_MAX], t[CLUSTER_TOPIC_MAX];
	struct addr a;

	switch (cluster_wire_topic("dominoban/v1", s, &a, node)) {
	case CLUSTER_TOPIC_BAN:
		FUZZ_CHECK(cluster_wire_ban_topic("dominoban/v1", &a, t,
		    sizeof(t)) > 0 && strcmp(t, s) == 0, "topic %s", t);
		break;
	case CLUSTER_TOPIC_EVIDENCE:
		FUZZ_CHECK(cluster_wire_node_ok(node), "node %s", node);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cluster_broker b;
	const char *why = NULL;

	if (size == 0)
		return 0;
	switch (data[0] % 4) {
	case 0:
		ban(data + 1, size - 1);
		break;
	case 1:
		evidence(data + 1, size - 1);
		break;
	default:
		/* Topics and URLs are C strings. */
		if (size - 1 >= sizeof(buf))
			return 0;
		memcpy(buf, data + 1, size - 1);
		buf[size - 1] = '\0';
		if (data[0] % 4 == 2)
			topic(buf);
		else if (cluster_wire_broker(buf, &b, &why) == -1)
			FUZZ_CHECK(why != NULL, "a refusal without a reason");
		break;
	}
	return 0;
}
