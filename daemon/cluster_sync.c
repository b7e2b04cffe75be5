/*
 * cluster_sync: bans and evidence in and out (see cluster.h).
 *
 * Loop-freedom: only bans of origin "local" or "manual" are published; a
 * peer's ban enters the ledger as "peer:NODE" and is never published. One
 * case needs care: a peer's longer ban that lengthens a ban this node made
 * keeps the ban's own origin (extend-only), so the ledger reports a local
 * ban; the echo cache remembers that expiry and the observer stays quiet
 * for it. A peer's ban that would move an expiry by CLUSTER_SLACK seconds
 * or less changes nothing, so rounding of the expiry interval between two
 * nodes cannot make them answer each other forever.
 *
 * Trust: every message is parsed by cluster_wire (malformed: counted and
 * dropped); a peer's ban is extend-only, not forced (the ledger refuses a
 * prefix wider than this node's widest tier, allowlisted and own
 * addresses), capped at ban_max, and a peer's live bans are rate-limited
 * (a token bucket per peer; the retained snapshot at subscribe is not, so
 * a restart gets every ban at once). A peer's evidence is counted like a
 * local event (the allowlist applies in decide), once per message.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mqtt_protocol.h>

#include "cluster_int.h"
#include "hash.h"

/* Space kept before the evidence lines for the head line. */
#define HEAD_ROOM 128

static bool
own_origin(const char *origin)
{
	return strcmp(origin, LEDGER_ORIGIN_LOCAL) == 0 ||
	    strcmp(origin, LEDGER_ORIGIN_MANUAL) == 0;
}

static size_t
echo_slot(const struct cluster *cl, const struct addr *target)
{
	return (size_t)(hash_siphash(cl->seed, target, sizeof(*target)) %
	    CLUSTER_ECHO);
}

/* A user property name=value on *props; the time it is sent, in ms. */
static void
add_sent(mosquitto_property **props)
{
	char v[24];

	snprintf(v, sizeof(v), "%lld", (long long)cluster_ms());
	mosquitto_property_add_string_pair(props, MQTT_PROP_USER_PROPERTY,
	    "sent", v);
}

/* The value of user property name, copied into out (empty if none). */
static void
user_prop(const mosquitto_property *props, const char *name, char *out,
    size_t size)
{
	const mosquitto_property *p = props;
	char *n = NULL, *v = NULL;
	bool skip = false;

	out[0] = '\0';
	while ((p = mosquitto_property_read_string_pair(p,
	    MQTT_PROP_USER_PROPERTY, &n, &v, skip)) != NULL) {
		skip = true;
		if (n != NULL && v != NULL && strcmp(n, name) == 0 &&
		    out[0] == '\0')
			snprintf(out, size, "%s", v);
		free(n);
		free(v);
		n = v = NULL;
	}
}

static int
publish(struct cluster *cl, const char *topic, const void *payload,
    size_t len, bool retain, mosquitto_property *props)
{
	int rc = mosquitto_publish_v5(cl->mosq, NULL, topic, (int)len, payload,
	    1, retain, props);

	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS && log_limit_allow(&cl->warn, time(NULL)))
		log_warnx("cluster publish topic=%s: %s", topic,
		    mosquitto_strerror(rc));
	return rc == MOSQ_ERR_SUCCESS ? 0 : -1;
}

/* b, retained, with its remaining time as the message expiry. */
static void
publish_ban(struct cluster *cl, const struct ban *b, int64_t now)
{
	char topic[CLUSTER_TOPIC_MAX], buf[CLUSTER_BAN_MSG_MAX];
	mosquitto_property *props = NULL;
	struct cluster_ban m;
	int64_t left = b->expires - now;
	int n;

	/* A dry run bans nothing, here or through the peers. */
	if (left <= 0 || ledger_dry(cl->ledger))
		return;
	memset(&m, 0, sizeof(m));
	snprintf(m.node, sizeof(m.node), "%s", cl->node);
	m.target = b->target;
	m.seconds = left > CLUSTER_SECONDS_MAX ? CLUSTER_SECONDS_MAX :
	    (uint32_t)left;
	m.offences = b->offences > 0 ? b->offences : 1;
	snprintf(m.reason, sizeof(m.reason), "%s", b->reason);
	if (cluster_wire_ban_topic(cl->prefix, &b->target, topic,
	    sizeof(topic)) == -1 ||
	    (n = cluster_wire_ban_format(&m, buf, sizeof(buf))) == -1)
		return;
	mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
	    m.seconds);
	add_sent(&props);
	if (publish(cl, topic, buf, (size_t)n, true, props) == 0)
		cl->st.bans_out++;
}

/* The empty retained message: the ban of target is lifted everywhere. */
static void
publish_unban(struct cluster *cl, const struct addr *target)
{
	char topic[CLUSTER_TOPIC_MAX];
	mosquitto_property *props = NULL;

	if (cluster_wire_ban_topic(cl->prefix, target, topic,
	    sizeof(topic)) == -1)
		return;
	mosquitto_property_add_string_pair(&props, MQTT_PROP_USER_PROPERTY,
	    "node", cl->node);
	if (publish(cl, topic, "", 0, true, props) == 0)
		cl->st.unbans_out++;
}

void
cluster_on_ledger(void *arg, bool banned, const struct ban *b,
    const char *how, int64_t now)
{
	struct cluster *cl = arg;
	size_t slot;

	if (!banned) {
		/* Expiry needs no message (the broker expires it too); an
		 * allowlist lift is this node's own policy. */
		if (strcmp(how, "manual") != 0)
			return;
		if (cl->state == CLUSTER_UP)
			publish_unban(cl, &b->target);
		else if (cl->nunbans < CLUSTER_UNBANS_MAX)
			cl->unbans[cl->nunbans++] = b->target;
		return;
	}
	if (!own_origin(b->origin))
		return;
	slot = echo_slot(cl, &b->target);
	if (cl->echo[slot].expires == b->expires &&
	    addr_cmp(&cl->echo[slot].target, &b->target) == 0) {
		cl->echo[slot].expires = 0;
		return;
	}
	/* While down, the reconnect publishes every own ban. */
	if (cl->state == CLUSTER_UP)
		publish_ban(cl, b, now);
}

void
cluster_republish(struct cluster *cl, int64_t now)
{
	const struct bans *bs = ledger_bans(cl->ledger);
	const struct ban *b;
	size_t i, n = bans_count(bs);

	for (i = 0; i < cl->nunbans; i++)
		publish_unban(cl, &cl->unbans[i]);
	cl->nunbans = 0;
	for (i = 0; i < n && !ledger_dry(cl->ledger); i++) {
		b = bans_at(bs, i);
		if (own_origin(b->origin) && b->expires > now) {
			publish_ban(cl, b, now);
			cl->st.republished++;
		}
	}
}

/* ---- bans in ------------------------------------------------------------ */

/* Take one token of the peer's live-ban bucket; false when empty. */
static bool
within_rate(struct cluster *cl, struct cluster_peer *p)
{
	int64_t ms = cluster_ms();
	double cap = (double)cl->peer_rate * CLUSTER_BURST;

	p->tokens += (double)(ms - p->refill) / 1000.0 * cl->peer_rate;
	if (p->tokens > cap)
		p->tokens = cap;
	p->refill = ms;
	if (p->tokens < 1)
		return false;
	p->tokens -= 1;
	return true;
}

static void
refused(struct cluster *cl, const struct cluster_ban *m, int err)
{
	char s[ADDR_STRLEN];
	const char *why;

	if (err == EPERM) {
		cl->st.refused_allow++;
		why = "it overlaps the allowlist";
	} else if (err == E2BIG) {
		cl->st.refused_wide++;
		why = "wider than this node's widest tier";
	} else {
		cl->st.refused_other++;
		why = err == EINVAL ? "never a source address" : strerror(err);
	}
	if (!log_limit_allow(&cl->warn, time(NULL)))
		return;
	addr_format(&m->target, s, sizeof(s));
	log_warnx("cluster ban from peer=%s addr=%s refused: %s", m->node, s,
	    why);
}

static void
ban_in(struct cluster *cl, const struct mosquitto_message *msg,
    const mosquitto_property *props, const struct addr *target, int64_t now)
{
	char origin[BAN_ORIGIN_MAX], v[24];
	bool own;
	const struct ban *have;
	struct cluster_peer *p = NULL;
	struct ledger_req r;
	struct cluster_ban m;
	const char *why;
	uint32_t secs, expiry;
	size_t slot;

	if (cluster_wire_ban_parse(msg->payload, (size_t)msg->payloadlen, &m,
	    &why) == -1) {
		cluster_drop(cl, msg->topic, why);
		return;
	}
	if (addr_cmp(&m.target, target) != 0) {
		cluster_drop(cl, msg->topic, "target differs from the topic");
		return;
	}
	if (msg->retain) {
		if (cl->snap.seen++ == 0)
			cl->snap.start_ms = cluster_ms();
		cl->snap.last_ms = cluster_ms();
	}
	/* Ours, from before a restart (No-Local keeps the live ones away):
	 * the state file has it, unless it was lost; then it is ours again. */
	own = strcmp(m.node, cl->node) == 0;
	if (own && !msg->retain) {
		cluster_drop(cl, msg->topic, "a live ban in this node's name "
		    "from another client (two nodes with one name?)");
		return;
	}
	if (own)
		cl->st.bans_own++;
	else if ((p = cluster_peer(cl, m.node)) != NULL) {
		p->heard = now;
		if (!msg->retain && !within_rate(cl, p)) {
			p->limited++;
			cl->st.limited++;
			return;
		}
	}
	secs = m.seconds;
	if (mosquitto_property_read_int32(props,
	    MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, &expiry, false) != NULL &&
	    expiry < secs)
		secs = expiry;
	if (secs > cl->ban_max)
		secs = cl->ban_max;
	if (secs == 0)
		return;
	user_prop(props, "sent", v, sizeof(v));
	if (!msg->retain && v[0] != '\0') {
		double lag = (double)(cluster_ms() - strtoll(v, NULL, 10));
		if (lag >= 0 && lag < 3600e3) {
			cl->st.lag_ms = lag;
			if (lag > cl->st.lag_max_ms)
				cl->st.lag_max_ms = lag;
			cl->st.lag_n++;
		}
	}
	have = bans_find(ledger_bans(cl->ledger), target);
	if (have != NULL && have->expires > now &&
	    now + secs <= have->expires + CLUSTER_SLACK) {
		cl->st.bans_same++;
		cl->snap.same += msg->retain;
		return;
	}
	if (have != NULL && have->expires > now && own_origin(have->origin)) {
		slot = echo_slot(cl, target);
		cl->echo[slot].target = *target;
		cl->echo[slot].expires = now + secs;
	}
	if (own)
		snprintf(origin, sizeof(origin), "%s", strcmp(m.reason,
		    "manual") == 0 ? LEDGER_ORIGIN_MANUAL : LEDGER_ORIGIN_LOCAL);
	else
		snprintf(origin, sizeof(origin), "peer:%s", m.node);
	memset(&r, 0, sizeof(r));
	r.target = *target;
	r.seconds = secs;
	r.offences = m.offences;
	r.reason = m.reason;
	r.origin = origin;
	r.extend_only = true;
	r.force = false;
	/* A snapshot's bans are logged as one record (cluster_snapshot_tick). */
	r.quiet = msg->retain;
	if (ledger_ban(cl->ledger, &r, now) == -1) {
		cl->snap.refused += msg->retain;
		refused(cl, &m, errno);
		return;
	}
	cl->snap.taken += msg->retain;
	cl->st.bans_in++;
	if (p != NULL)
		p->bans++;
}

static void
unban_in(struct cluster *cl, const mosquitto_property *props,
    const struct addr *target, int64_t now)
{
	char node[CLUSTER_NODE_MAX + 8], how[BAN_ORIGIN_MAX];
	struct cluster_peer *p = NULL;

	user_prop(props, "node", node, sizeof(node));
	if (cluster_wire_node_ok(node)) {
		if (strcmp(node, cl->node) == 0)
			return;
		if ((p = cluster_peer(cl, node)) != NULL)
			p->heard = now;
		snprintf(how, sizeof(how), "peer:%s", node);
	} else {
		snprintf(how, sizeof(how), "peer");
	}
	if (ledger_unban(cl->ledger, target, how, now) == 0) {
		cl->st.unbans_in++;
		if (p != NULL)
			p->unbans++;
	}
}

void
cluster_snapshot_tick(struct cluster *cl)
{
	struct cluster_snap *s = &cl->snap;

	if (s->seen == 0)
		return;
	if (s->seen != s->seen_at_tick) {
		s->seen_at_tick = s->seen;
		return;
	}
	/* None came for a whole tick: the snapshot is in. */
	log_info("cluster snapshot bans=%llu taken=%llu held_already=%llu "
	    "refused=%llu seconds=%.3f", (unsigned long long)s->seen,
	    (unsigned long long)s->taken, (unsigned long long)s->same,
	    (unsigned long long)s->refused,
	    (double)(s->last_ms - s->start_ms) / 1000.0);
	memset(s, 0, sizeof(*s));
}

/* ---- evidence ----------------------------------------------------------- */

static void
evidence_in(struct cluster *cl, const struct mosquitto_message *msg,
    const char *node, int64_t now)
{
	struct cluster_evhead h;
	struct cluster_peer *p;
	const char *why;
	double w;
	int n, i;

	n = cluster_wire_evidence_parse(msg->payload, (size_t)msg->payloadlen,
	    &h, cl->rx, CLUSTER_EVIDENCE_BATCH, &why);
	if (n < 0) {
		cluster_drop(cl, msg->topic, why);
		return;
	}
	if (strcmp(h.node, node) != 0) {
		cluster_drop(cl, msg->topic, "node differs from the topic");
		return;
	}
	if (strcmp(node, cl->node) == 0 || !cl->evidence)
		return;
	if ((p = cluster_peer(cl, node)) != NULL) {
		p->heard = now;
		if (h.boot == p->boot && h.seq <= p->seq) {
			cl->st.evmsgs_dup++;
			return;
		}
		p->boot = h.boot;
		p->seq = h.seq;
	}
	for (i = 0; i < n; i++) {
		if (cl->rx[i].at < now - CLUSTER_EVIDENCE_AGE ||
		    cl->rx[i].at > now + CLUSTER_EVIDENCE_AHEAD) {
			cl->st.events_stale++;
			continue;
		}
		w = cl->rx[i].weight * cl->evidence_weight;
		if (w <= 0)
			continue;
		decide_remote(cl->d, &cl->rx[i].addr, cl->rx[i].pattern, w, now,
		    &cl->cb);
		cl->st.events_in++;
		if (p != NULL)
			p->events++;
	}
}

void
cluster_on_message(struct mosquitto *m, void *arg,
    const struct mosquitto_message *msg, const mosquitto_property *props)
{
	struct cluster *cl = arg;
	char node[CLUSTER_NODE_MAX];
	int64_t now = (int64_t)time(NULL);
	struct addr target;

	(void)m;
	cl->rx_msgs++;
	switch (cluster_wire_topic(cl->prefix, msg->topic, &target, node)) {
	case CLUSTER_TOPIC_BAN:
		if (msg->payloadlen == 0)
			unban_in(cl, props, &target, now);
		else
			ban_in(cl, msg, props, &target, now);
		break;
	case CLUSTER_TOPIC_EVIDENCE:
		evidence_in(cl, msg, node, now);
		break;
	case CLUSTER_TOPIC_BAD:
		cluster_drop(cl, msg->topic, "malformed topic");
		break;
	case CLUSTER_TOPIC_OTHER:
		break;
	}
}

/* ---- evidence out ------------------------------------------------------- */

void
cluster_send_evidence(struct cluster *cl)
{
	struct cluster_evhead h;
	mosquitto_property *props = NULL;
	char head[HEAD_ROOM];
	int n;

	if (cl->ecount == 0)
		return;
	if (cl->state != CLUSTER_UP) {
		cl->st.events_unsent += cl->ecount;
		goto out;
	}
	memset(&h, 0, sizeof(h));
	snprintf(h.node, sizeof(h.node), "%s", cl->node);
	h.boot = cl->boot;
	h.seq = ++cl->seq;
	h.count = cl->ecount;
	if ((n = cluster_wire_evidence_head(&h, head, sizeof(head))) == -1)
		goto out;
	memcpy(cl->ebuf + HEAD_ROOM - n, head, (size_t)n);
	add_sent(&props);
	if (publish(cl, cl->evtopic, cl->ebuf + HEAD_ROOM - n,
	    (size_t)n + cl->elen, false, props) == 0) {
		cl->st.evmsgs_out++;
		cl->st.events_out += cl->ecount;
	} else {
		cl->st.events_unsent += cl->ecount;
	}
out:
	cl->ecount = 0;
	cl->elen = 0;
}

void
cluster_counted(void *arg, const struct addr *a, const char *pattern,
    double weight, int64_t at)
{
	struct cluster *cl = arg;
	struct cluster_event ev;
	char *p;
	int n;

	if (cl == NULL || !cl->evidence)
		return;
	if (cl->state != CLUSTER_UP) {
		cl->st.events_unsent++;
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.addr = *a;
	snprintf(ev.pattern, sizeof(ev.pattern), "%s", pattern);
	ev.weight = weight > CLUSTER_WEIGHT_MAX ? CLUSTER_WEIGHT_MAX : weight;
	ev.at = at;
	for (;;) {
		p = cl->ebuf + HEAD_ROOM + cl->elen;
		n = cluster_wire_evidence_line(&ev, p, CLUSTER_EVIDENCE_MSG_MAX -
		    HEAD_ROOM - cl->elen);
		if (n > 0 && cl->ecount < CLUSTER_EVIDENCE_BATCH)
			break;
		if (n == -1 && errno != ENOSPC)
			return; /* a pattern id the wire cannot carry */
		if (cl->ecount == 0)
			return;
		cluster_send_evidence(cl);
	}
	cl->elen += (size_t)n;
	cl->ecount++;
}
