/*
 * cluster_wire: see cluster_wire.h. The parsers read hostile bytes: each
 * works on (pointer, length) without a NUL, copies a field only after its
 * length is checked, accepts one spelling of every value (canonical
 * addresses, decimal numbers without sign or leading zeros) so that two
 * nodes can never name one target two ways, and says why it refused.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster_wire.h"

#define BAN_MAGIC "dominoban-ban"
#define EVIDENCE_MAGIC "dominoban-evidence"

static bool
name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
}

/* n bytes at s are 1 to max name characters. */
static bool
name_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!name_char(s[i]))
			return false;
	return true;
}

bool
cluster_wire_node_ok(const char *s)
{
	return name_ok(s, strlen(s), CLUSTER_NODE_MAX - 1);
}

bool
cluster_wire_prefix_ok(const char *s)
{
	size_t n = strlen(s), i, level = 0;

	if (n == 0 || n > CLUSTER_PREFIX_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '/') {
			if (level == 0)
				return false;
			level = 0;
		} else if (name_char(s[i])) {
			level++;
		} else {
			return false;
		}
	}
	return level > 0;
}

int
cluster_wire_broker(const char *url, struct cluster_broker *b,
    const char **why)
{
	const char *h, *end, *colon;
	struct addr a;
	char num[8];
	long port;
	size_t n;

	memset(b, 0, sizeof(*b));
	if (strncmp(url, "unix:", 5) == 0) {
		b->scheme = CLUSTER_UNIX;
		if (url[5] != '/' || strlen(url + 5) >= CLUSTER_HOST_MAX) {
			*why = "unix: needs an absolute socket path of at most "
			       "107 bytes (unix:/run/mosquitto/mqtt.sock)";
			return -1;
		}
		snprintf(b->host, sizeof(b->host), "%s", url + 5);
		return 0;
	}
	if (strncmp(url, "mqtt://", 7) == 0) {
		b->scheme = CLUSTER_MQTT;
		b->port = 1883;
		h = url + 7;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		b->scheme = CLUSTER_MQTTS;
		b->port = 8883;
		h = url + 8;
	} else {
		*why = "expected mqtt://ADDRESS[:PORT], mqtts://ADDRESS[:PORT] "
		       "or unix:/PATH";
		return -1;
	}
	if (*h == '[') {
		if ((end = strchr(h, ']')) == NULL)
			goto badhost;
		h++;
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			goto badhost;
	} else {
		colon = strchr(h, ':');
		end = colon != NULL ? colon : h + strlen(h);
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			*why = "an IPv6 address goes in brackets: "
			       "mqtt://[2001:db8::1]:1883";
			return -1;
		}
	}
	n = (size_t)(end - h);
	if (n == 0 || n >= sizeof(b->host))
		goto badhost;
	memcpy(b->host, h, n);
	b->host[n] = '\0';
	if (addr_parse(b->host, n, &a) == -1) {
		*why = "the broker must be a numeric address (a host name "
		       "would be resolved by a blocking lookup in the daemon's "
		       "loop): use its IP address, or unix:/PATH";
		return -1;
	}
	if (colon != NULL) {
		n = strlen(colon + 1);
		if (n == 0 || n >= sizeof(num) ||
		    strspn(colon + 1, "0123456789") != n)
			goto badport;
		port = strtol(colon + 1, NULL, 10);
		if (port < 1 || port > 65535)
			goto badport;
		b->port = (int)port;
	}
	return 0;
badhost:
	*why = "malformed address in the broker URL";
	return -1;
badport:
	*why = "the port must be a number from 1 to 65535";
	return -1;
}

/* ---- topics ------------------------------------------------------------- */

int
cluster_wire_ban_topic(const char *prefix, const struct addr *target,
    char *buf, size_t size)
{
	char s[ADDR_STRLEN];
	int n;

	if (addr_format(target, s, sizeof(s)) == -1)
		return -1;
	n = snprintf(buf, size, "%s/ban/%s", prefix, s);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	if (addr_is_host(target)) {
		n += snprintf(buf + n, size - (size_t)n, "_%u", target->len);
		if ((size_t)n >= size) {
			errno = ENOSPC;
			return -1;
		}
	} else {
		*strrchr(buf, '/') = '_';
	}
	return n;
}

int
cluster_wire_evidence_topic(const char *prefix, const char *node, char *buf,
    size_t size)
{
	int n = snprintf(buf, size, "%s/evidence/%s", prefix, node);

	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

/* s (n bytes) as a target "ADDR_LEN" in its one canonical spelling. */
static int
parse_target(const char *s, size_t n, struct addr *out)
{
	char buf[ADDR_STRLEN + 8], back[CLUSTER_TOPIC_MAX], *u;
	struct addr a;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((u = strrchr(buf, '_')) == NULL)
		return -1;
	*u = '/';
	if (addr_parse_prefix(buf, false, &a) == -1)
		return -1;
	*u = '_';
	/* One spelling per target, so one retained topic per target. */
	if (cluster_wire_ban_topic("", &a, back, sizeof(back)) == -1 ||
	    strcmp(back + strlen("/ban/"), buf) != 0)
		return -1;
	*out = a;
	return 0;
}

enum cluster_topic
cluster_wire_topic(const char *prefix, const char *topic, struct addr *target,
    char node[CLUSTER_NODE_MAX])
{
	size_t pn = strlen(prefix), n = strlen(topic);
	const char *rest;

	if (n >= CLUSTER_TOPIC_MAX || strncmp(topic, prefix, pn) != 0 ||
	    topic[pn] != '/')
		return CLUSTER_TOPIC_OTHER;
	rest = topic + pn + 1;
	if (strncmp(rest, "ban/", 4) == 0) {
		if (parse_target(rest + 4, strlen(rest + 4), target) == -1)
			return CLUSTER_TOPIC_BAD;
		return CLUSTER_TOPIC_BAN;
	}
	if (strncmp(rest, "evidence/", 9) == 0) {
		if (!cluster_wire_node_ok(rest + 9))
			return CLUSTER_TOPIC_BAD;
		snprintf(node, CLUSTER_NODE_MAX, "%s", rest + 9);
		return CLUSTER_TOPIC_EVIDENCE;
	}
	return CLUSTER_TOPIC_OTHER;
}

/* ---- fields ------------------------------------------------------------- */

/* A cursor over one line of a payload. */
struct cur {
	const char *p, *end;
};

/* The next field of the line: bytes up to one space or the end of the
 * line. Fails on an empty field, a byte outside printable ASCII, or a
 * field longer than max. */
static int
field(struct cur *c, const char **s, size_t *n, size_t max)
{
	const char *q = c->p;

	while (q < c->end && *q != ' ' && *q != '\n') {
		if (*q < 0x21 || *q > 0x7e)
			return -1;
		q++;
	}
	if (q == c->p || (size_t)(q - c->p) > max)
		return -1;
	*s = c->p;
	*n = (size_t)(q - c->p);
	c->p = q;
	if (q < c->end && *q == ' ')
		c->p++;
	return 0;
}

/* True at the end of the line (no field left, and not after a space). */
static bool
at_eol(const struct cur *c)
{
	return (c->p == c->end || *c->p == '\n') && c->p[-1] != ' ';
}

/* A decimal number in [min, max], no sign, no leading zero. */
static int
number(struct cur *c, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *s;
	uint64_t v = 0;
	size_t n, i;

	if (field(c, &s, &n, 20) == -1 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9' ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A name field of at most max characters, copied with its NUL. */
static int
name(struct cur *c, char *out, size_t max)
{
	const char *s;
	size_t n;

	if (field(c, &s, &n, max) == -1 || !name_ok(s, n, max))
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* The magic word and version of a head line. */
static int
magic(struct cur *c, const char *word, const char **why)
{
	uint64_t v;
	const char *s;
	size_t n;

	if (field(c, &s, &n, 32) == -1 || n != strlen(word) ||
	    memcmp(s, word, n) != 0) {
		*why = "not a dominoban message";
		return -1;
	}
	if (number(c, 0, UINT32_MAX, &v) == -1) {
		*why = "malformed version";
		return -1;
	}
	if (v != CLUSTER_WIRE_VERSION) {
		*why = "unsupported version";
		return -1;
	}
	return 0;
}

/* ---- bans --------------------------------------------------------------- */

int
cluster_wire_ban_format(const struct cluster_ban *m, char *buf, size_t size)
{
	char t[CLUSTER_TOPIC_MAX], r[VERDICT_REASON_MAX];
	size_t i;
	int n;

	if (!cluster_wire_node_ok(m->node) || m->seconds == 0 ||
	    m->seconds > CLUSTER_SECONDS_MAX || m->offences == 0) {
		errno = EINVAL;
		return -1;
	}
	if (cluster_wire_ban_topic("", &m->target, t, sizeof(t)) == -1)
		return -1;
	/* A reason is pattern ids and counts; anything else is masked. */
	for (i = 0; m->reason[i] != '\0' && i < sizeof(r) - 1; i++)
		r[i] = m->reason[i] >= 0x21 && m->reason[i] <= 0x7e ?
		    m->reason[i] : '?';
	r[i] = '\0';
	n = snprintf(buf, size, BAN_MAGIC " %d %s %s %u %u %s",
	    CLUSTER_WIRE_VERSION, m->node, t + strlen("/ban/"), m->seconds,
	    m->offences, r[0] != '\0' ? r : "-");
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

int
cluster_wire_ban_parse(const void *p, size_t len, struct cluster_ban *m,
    const char **why)
{
	struct cur c = {p, (const char *)p + len};
	const char *s;
	uint64_t v;
	size_t n;

	memset(m, 0, sizeof(*m));
	if (len == 0 || len > CLUSTER_BAN_MSG_MAX) {
		*why = len == 0 ? "empty" : "oversize";
		return -1;
	}
	if (memchr(p, '\n', len) != NULL) {
		*why = "more than one line";
		return -1;
	}
	if (magic(&c, BAN_MAGIC, why) == -1)
		return -1;
	if (name(&c, m->node, CLUSTER_NODE_MAX - 1) == -1) {
		*why = "malformed node name";
		return -1;
	}
	if (field(&c, &s, &n, ADDR_STRLEN + 4) == -1 ||
	    parse_target(s, n, &m->target) == -1) {
		*why = "malformed target";
		return -1;
	}
	if (number(&c, 1, CLUSTER_SECONDS_MAX, &v) == -1) {
		*why = "ban time out of range";
		return -1;
	}
	m->seconds = (uint32_t)v;
	if (number(&c, 1, UINT32_MAX, &v) == -1) {
		*why = "malformed offences";
		return -1;
	}
	m->offences = (uint32_t)v;
	if (field(&c, &s, &n, VERDICT_REASON_MAX - 1) == -1 || !at_eol(&c) ||
	    c.p != c.end) {
		*why = "malformed reason";
		return -1;
	}
	memcpy(m->reason, s, n);
	m->reason[n] = '\0';
	return 0;
}

/* ---- evidence ----------------------------------------------------------- */

int
cluster_wire_evidence_head(const struct cluster_evhead *h, char *buf,
    size_t size)
{
	int n = snprintf(buf, size, EVIDENCE_MAGIC " %d %s %llu %llu %zu\n",
	    CLUSTER_WIRE_VERSION, h->node, (unsigned long long)h->boot,
	    (unsigned long long)h->seq, h->count);

	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

int
cluster_wire_evidence_line(const struct cluster_event *ev, char *buf,
    size_t size)
{
	char a[ADDR_STRLEN];
	int n;

	if (!addr_is_host(&ev->addr) ||
	    !name_ok(ev->pattern, strlen(ev->pattern), CLUSTER_PATTERN_MAX - 1) ||
	    !(ev->weight >= 0.0001 && ev->weight <= CLUSTER_WEIGHT_MAX) ||
	    ev->at < 0 || addr_format(&ev->addr, a, sizeof(a)) == -1) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, size, "%s %s %.4f %lld\n", a, ev->pattern,
	    ev->weight, (long long)ev->at);
	if (n < 0 || (size_t)n >= size) {
		errno = ENOSPC;
		return -1;
	}
	return n;
}

/* A weight: digits, one dot, at most 4 decimals, in (0, WEIGHT_MAX]. */
static int
weight(struct cur *c, double *out)
{
	char buf[16];
	const char *s, *dot;
	size_t n;
	double w;

	if (field(c, &s, &n, sizeof(buf) - 1) == -1)
		return -1;
	/* The field is not NUL-terminated: look at the copy only. */
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strspn(buf, "0123456789.") < n)
		return -1;
	dot = strchr(buf, '.');
	if (buf[0] == '.' || (dot != NULL && (strchr(dot + 1, '.') != NULL ||
	    strlen(dot + 1) == 0 || strlen(dot + 1) > 4)))
		return -1;
	w = strtod(buf, NULL);
	if (!(w > 0 && w <= CLUSTER_WEIGHT_MAX))
		return -1;
	*out = w;
	return 0;
}

static int
event(struct cur *c, struct cluster_event *ev, const char **why)
{
	const char *s;
	uint64_t v;
	size_t n;

	memset(ev, 0, sizeof(*ev));
	if (field(c, &s, &n, ADDR_STRLEN) == -1 ||
	    addr_parse(s, n, &ev->addr) == -1) {
		*why = "malformed event address";
		return -1;
	}
	if (name(c, ev->pattern, CLUSTER_PATTERN_MAX - 1) == -1) {
		*why = "malformed pattern id";
		return -1;
	}
	if (weight(c, &ev->weight) == -1) {
		*why = "weight out of range";
		return -1;
	}
	if (number(c, 1, (uint64_t)INT32_MAX * 4, &v) == -1 || !at_eol(c)) {
		*why = "malformed event time";
		return -1;
	}
	ev->at = (int64_t)v;
	return 0;
}

int
cluster_wire_evidence_parse(const void *p, size_t len,
    struct cluster_evhead *h, struct cluster_event *ev, size_t max,
    const char **why)
{
	struct cur c = {p, (const char *)p + len};
	uint64_t v;
	size_t i;

	memset(h, 0, sizeof(*h));
	if (len == 0 || len > CLUSTER_EVIDENCE_MSG_MAX) {
		*why = len == 0 ? "empty" : "oversize";
		return -1;
	}
	if (magic(&c, EVIDENCE_MAGIC, why) == -1)
		return -1;
	if (name(&c, h->node, CLUSTER_NODE_MAX - 1) == -1) {
		*why = "malformed node name";
		return -1;
	}
	if (number(&c, 0, UINT64_MAX, &h->boot) == -1 ||
	    number(&c, 1, UINT64_MAX, &h->seq) == -1) {
		*why = "malformed boot or sequence number";
		return -1;
	}
	if (number(&c, 1, max < CLUSTER_EVIDENCE_BATCH ? max :
		CLUSTER_EVIDENCE_BATCH, &v) == -1 || !at_eol(&c) ||
	    c.p == c.end) {
		*why = "event count out of range";
		return -1;
	}
	h->count = (size_t)v;
	for (i = 0; i < h->count; i++) {
		if (c.p == c.end || *c.p != '\n') {
			*why = "fewer events than announced";
			return -1;
		}
		c.p++;
		if (event(&c, &ev[i], why) == -1)
			return -1;
	}
	if (c.p != c.end && !(c.p + 1 == c.end && *c.p == '\n')) {
		*why = "more than the announced events";
		return -1;
	}
	return (int)h->count;
}
