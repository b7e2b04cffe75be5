/*
 * cluster: see cluster.h. This half holds the connection: libmosquitto
 * without its thread, driven by the daemon's loop. Its socket is in the
 * loop for reading, and for writing only while libmosquitto has bytes
 * waiting (mosquitto_want_write); the 1 s tick runs its keepalive
 * (mosquitto_loop_misc), gives up a connect that hangs, and reconnects
 * with a doubling backoff. The connect is asynchronous and the address
 * numeric (cluster_wire_broker), so nothing here waits.
 *
 * Sessions start clean: on every connect the node subscribes again (the
 * broker sends its retained bans, the snapshot) and publishes its own
 * active bans again. Subscriptions carry No-Local, so a node never gets
 * its own messages back.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mqtt_protocol.h>

#include "cluster_int.h"

int64_t
cluster_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct cluster_peer *
cluster_peer(struct cluster *cl, const char *node)
{
	struct cluster_peer *p;
	size_t i;

	for (i = 0; i < cl->npeers; i++)
		if (strcmp(cl->peers[i].node, node) == 0)
			return &cl->peers[i];
	if (cl->npeers == CLUSTER_PEERS)
		return NULL;
	p = &cl->peers[cl->npeers++];
	memset(p, 0, sizeof(*p));
	snprintf(p->node, sizeof(p->node), "%s", node);
	p->tokens = (double)cl->peer_rate * CLUSTER_BURST;
	p->refill = cluster_ms();
	return p;
}

void
cluster_drop(struct cluster *cl, const char *topic, const char *why)
{
	char t[2 * 64];

	cl->st.dropped++;
	snprintf(cl->last_drop, sizeof(cl->last_drop), "%s", why);
	if (!log_limit_allow(&cl->warn, (int64_t)time(NULL)))
		return;
	log_escape(t, sizeof(t), topic, strlen(topic));
	log_warnx("cluster message dropped topic=\"%s\": %s", t, why);
}

/* ---- the socket in the loop ---------------------------------------------- */

static void down(struct cluster *cl, const char *why);

void
cluster_want(struct cluster *cl)
{
	uint32_t ev;

	if (cl->fd == -1)
		return;
	ev = EPOLLIN | (mosquitto_want_write(cl->mosq) ? EPOLLOUT : 0);
	if (ev != cl->events && loop_mod(cl->loop, cl->fd, ev) == 0)
		cl->events = ev;
}

/*
 * mosquitto_loop_read() takes one packet a call: read on while the socket
 * holds more, up to CLUSTER_READ_BURST, so that a snapshot of many bans
 * goes to the kernel in few transactions (one per loop iteration). A call
 * that delivered a message read a whole packet, so there may be more; only
 * after any other call is the socket asked (FIONREAD) whether it holds
 * more: one syscall less per ban of a snapshot.
 */
static int
read_packets(struct cluster *cl, int fd)
{
	int rc, n = 0, avail;
	uint64_t seen;

	do {
		seen = cl->rx_msgs;
		rc = mosquitto_loop_read(cl->mosq, 1);
	} while (rc == MOSQ_ERR_SUCCESS && cl->fd == fd &&
	    ++n < CLUSTER_READ_BURST && (cl->rx_msgs != seen ||
	    (ioctl(fd, FIONREAD, &avail) == 0 && avail > 0)));
	return rc;
}

static void
on_socket(void *arg, int fd, uint32_t events)
{
	struct cluster *cl = arg;
	int rc = MOSQ_ERR_SUCCESS;

	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		rc = read_packets(cl, fd);
	if (rc == MOSQ_ERR_SUCCESS && cl->fd != -1 && (events & EPOLLOUT))
		rc = mosquitto_loop_write(cl->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		down(cl, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		return;
	}
	cluster_want(cl);
}

static void
unwatch(struct cluster *cl)
{
	if (cl->fd != -1)
		loop_del(cl->loop, cl->fd);
	cl->fd = -1;
	cl->events = 0;
}

static void
set_state(struct cluster *cl, enum cluster_state s)
{
	cl->state = s;
	cl->since = (int64_t)time(NULL);
}

/* The connection is gone (or never came): retry after the backoff. */
static void
down(struct cluster *cl, const char *why)
{
	int64_t now = (int64_t)time(NULL);
	bool was_up = cl->state == CLUSTER_UP;

	unwatch(cl);
	mosquitto_disconnect(cl->mosq);
	if (why != NULL)
		snprintf(cl->error, sizeof(cl->error), "%s", why);
	if (was_up) {
		cl->st.disconnects++;
		cl->backoff = CLUSTER_BACKOFF_MIN;
		log_warnx("cluster broker=%s lost: %s; local banning goes on, "
		    "reconnecting", cl->url, cl->error);
	} else if (log_limit_allow(&cl->warn, now)) {
		log_warnx("cluster broker=%s unreachable: %s; retrying in %us",
		    cl->url, cl->error, cl->backoff);
	}
	set_state(cl, CLUSTER_DOWN);
	cl->next_try = now + cl->backoff;
	cl->backoff = cl->backoff * 2 > CLUSTER_BACKOFF_MAX ?
	    CLUSTER_BACKOFF_MAX : cl->backoff * 2;
}

static void
try_connect(struct cluster *cl)
{
	int rc, fd;

	set_state(cl, CLUSTER_CONNECTING);
	rc = mosquitto_connect_async(cl->mosq, cl->broker.host,
	    cl->broker.scheme == CLUSTER_UNIX ? 0 : cl->broker.port,
	    CLUSTER_KEEPALIVE);
	if (rc != MOSQ_ERR_SUCCESS) {
		down(cl, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
		    mosquitto_strerror(rc));
		return;
	}
	if ((fd = mosquitto_socket(cl->mosq)) == -1) {
		down(cl, "no socket");
		return;
	}
	cl->events = EPOLLIN | EPOLLOUT;
	if (loop_add(cl->loop, fd, cl->events, on_socket, cl) == -1) {
		down(cl, strerror(errno));
		return;
	}
	cl->fd = fd;
}

static void
on_connect(struct mosquitto *m, void *arg, int rc, int flags,
    const mosquitto_property *props)
{
	struct cluster *cl = arg;
	char ban[CLUSTER_TOPIC_MAX], ev[CLUSTER_TOPIC_MAX];

	(void)m;
	(void)flags;
	(void)props;
	if (rc != 0) {
		/* Refused (credentials, ACL): the broker says why. */
		down(cl, mosquitto_reason_string(rc));
		return;
	}
	set_state(cl, CLUSTER_UP);
	cl->backoff = CLUSTER_BACKOFF_MIN;
	cl->error[0] = '\0';
	cl->st.connects++;
	snprintf(ban, sizeof(ban), "%s/ban/#", cl->prefix);
	snprintf(ev, sizeof(ev), "%s/evidence/+", cl->prefix);
	/*
	 * The bans at QoS 0: the retained snapshot (one message per ban)
	 * then costs no PUBACK each, which halved the time to take 100,000
	 * (docs/PERFORMANCE.md). Nothing is lost that QoS 1 would keep: the
	 * session is clean, so a ban published while this node is away is
	 * not queued for it either way, and the retained set brings it at
	 * the next subscribe. Evidence is not retained: it stays QoS 1.
	 */
	rc = mosquitto_subscribe_v5(cl->mosq, NULL, ban, 0,
	    MQTT_SUB_OPT_NO_LOCAL, NULL);
	if (rc == MOSQ_ERR_SUCCESS && cl->evidence)
		rc = mosquitto_subscribe_v5(cl->mosq, NULL, ev, 1,
		    MQTT_SUB_OPT_NO_LOCAL, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		down(cl, mosquitto_strerror(rc));
		return;
	}
	log_info("cluster broker=%s connected node=%s topic=%s share=%s",
	    cl->url, cl->node, cl->prefix, cl->evidence ? "bans+evidence" :
	    "bans");
	cluster_republish(cl, (int64_t)time(NULL));
	cluster_want(cl);
}

static void
on_disconnect(struct mosquitto *m, void *arg, int rc,
    const mosquitto_property *props)
{
	struct cluster *cl = arg;

	(void)m;
	(void)props;
	/* Called from inside mosquitto_loop_*: the caller sees the error
	 * and calls down(); a disconnect we asked for needs nothing. */
	if (rc != 0 && cl->state == CLUSTER_UP)
		snprintf(cl->error, sizeof(cl->error), "%s",
		    mosquitto_reason_string(rc));
}

/* ---- life --------------------------------------------------------------- */

/* The broker password: the first line of the file, which conf_load()
 * checked is readable by its owner only. */
static int
read_password(const char *path, char *buf, size_t size, char *why,
    size_t whysize)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(why, whysize, "password_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0) {
		snprintf(why, whysize, "password_file %s: %s", path,
		    strerror(errno));
		return -1;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The node name: the configured one, or the host name's first label. */
static int
node_name(const struct conf *c, char *out, char *why, size_t whysize)
{
	char host[256];

	if (c->cluster_node != NULL) {
		snprintf(out, CLUSTER_NODE_MAX, "%s", c->cluster_node);
		return 0;
	}
	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, ".")] = '\0';
	if (!cluster_wire_node_ok(host)) {
		snprintf(why, whysize, "[cluster] node: the host name '%.64s' "
		    "is no node name (1 to 32 letters, digits, '.', '_', '-'); "
		    "set node =", host);
		return -1;
	}
	snprintf(out, CLUSTER_NODE_MAX, "%s", host);
	return 0;
}

static int
setup_client(struct cluster *cl, const struct conf *c, char *why,
    size_t whysize)
{
	char id[64], pw[1024];
	int rc;

	snprintf(id, sizeof(id), "dominoban-%s", cl->node);
	if ((cl->mosq = mosquitto_new(id, true, cl)) == NULL) {
		snprintf(why, whysize, "mosquitto_new: %s", strerror(errno));
		return -1;
	}
	mosquitto_int_option(cl->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    MQTT_PROTOCOL_V5);
	mosquitto_int_option(cl->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/* Unacknowledged QoS 1 messages the broker may send at once: a
	 * snapshot of many bans flows in large reads, not 20 at a time. */
	mosquitto_int_option(cl->mosq, MOSQ_OPT_RECEIVE_MAXIMUM, 65535);
	mosquitto_connect_v5_callback_set(cl->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(cl->mosq, on_disconnect);
	mosquitto_message_v5_callback_set(cl->mosq, cluster_on_message);
	if (c->cluster_username != NULL) {
		pw[0] = '\0';
		if (c->cluster_password_file != NULL &&
		    read_password(c->cluster_password_file, pw, sizeof(pw), why,
			whysize) == -1)
			return -1;
		rc = mosquitto_username_pw_set(cl->mosq, c->cluster_username,
		    c->cluster_password_file != NULL ? pw : NULL);
		memset(pw, 0, sizeof(pw));
		if (rc != MOSQ_ERR_SUCCESS)
			goto fail;
	}
	if (cl->broker.scheme == CLUSTER_MQTTS) {
		if (c->cluster_ca_file == NULL)
			mosquitto_int_option(cl->mosq, MOSQ_OPT_TLS_USE_OS_CERTS,
			    1);
		rc = mosquitto_tls_set(cl->mosq, c->cluster_ca_file, NULL,
		    c->cluster_cert_file, c->cluster_key_file, NULL);
		if (rc != MOSQ_ERR_SUCCESS)
			goto fail;
	}
	return 0;
fail:
	snprintf(why, whysize, "libmosquitto refused the [cluster] settings: "
	    "%s (ca_file, cert_file and key_file must be readable PEM files)",
	    rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc));
	return -1;
}

struct cluster *
cluster_open(const struct conf *c, struct loop *loop, struct ledger *l,
    struct decide *d, const struct decide_cb *cb, int64_t now, char *why,
    size_t whysize)
{
	struct cluster *cl;
	const char *w;

	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	mosquitto_lib_init();
	cl->fd = -1;
	cl->loop = loop;
	cl->ledger = l;
	cl->d = d;
	cl->cb = *cb;
	cl->warn.burst = 10;
	cl->warn.window = 60;
	cl->backoff = CLUSTER_BACKOFF_MIN;
	if (cluster_wire_broker(c->cluster_broker, &cl->broker, &w) == -1) {
		snprintf(why, whysize, "[cluster] broker: %s", w);
		goto fail;
	}
	if (node_name(c, cl->node, why, whysize) == -1)
		goto fail;
	snprintf(cl->origin, sizeof(cl->origin), "peer:%s", cl->node);
	cl->url = strdup(c->cluster_broker);
	cl->prefix = strdup(c->cluster_topic);
	cl->ebuf = malloc(CLUSTER_EVIDENCE_MSG_MAX);
	if (cl->url == NULL || cl->prefix == NULL || cl->ebuf == NULL ||
	    getrandom(&cl->boot, sizeof(cl->boot), 0) != sizeof(cl->boot) ||
	    getrandom(cl->seed, sizeof(cl->seed), 0) != sizeof(cl->seed)) {
		snprintf(why, whysize, "%s", strerror(errno));
		goto fail;
	}
	cluster_wire_evidence_topic(cl->prefix, cl->node, cl->evtopic,
	    sizeof(cl->evtopic));
	cluster_set_conf(cl, c);
	if (setup_client(cl, c, why, whysize) == -1)
		goto fail;
	if (ledger_observe(l, cluster_on_ledger, cl) == -1) {
		snprintf(why, whysize, "ledger observers: %s", strerror(errno));
		goto fail;
	}
	log_info("cluster node=%s broker=%s topic=%s", cl->node, cl->url,
	    cl->prefix);
	cluster_tick(cl, now);
	return cl;
fail:
	cluster_close(cl);
	errno = EINVAL;
	return NULL;
}

void
cluster_close(struct cluster *cl)
{
	if (cl == NULL)
		return;
	unwatch(cl);
	if (cl->mosq != NULL) {
		if (cl->state == CLUSTER_UP) {
			cluster_send_evidence(cl);
			mosquitto_disconnect(cl->mosq);
			/* Best effort: the DISCONNECT on its way out. */
			mosquitto_loop_write(cl->mosq, 1);
		}
		mosquitto_destroy(cl->mosq);
	}
	mosquitto_lib_cleanup();
	free(cl->url);
	free(cl->prefix);
	free(cl->ebuf);
	free(cl);
}

void
cluster_set_conf(struct cluster *cl, const struct conf *c)
{
	if (cl->url != NULL && (strcmp(cl->url, c->cluster_broker != NULL ?
	    c->cluster_broker : "") != 0 || strcmp(cl->prefix,
	    c->cluster_topic) != 0 || (c->cluster_node != NULL &&
	    strcmp(cl->node, c->cluster_node) != 0)))
		log_warnx("reload: [cluster] broker, node, topic and "
		    "credentials take effect at restart");
	cl->evidence = c->cluster_evidence;
	cl->evidence_weight = c->cluster_evidence_weight;
	cl->peer_rate = c->cluster_peer_ban_rate;
	cl->ban_max = c->ban_max;
}

void
cluster_tick(struct cluster *cl, int64_t now)
{
	int rc;

	if (cl->state == CLUSTER_DOWN) {
		if (now >= cl->next_try)
			try_connect(cl);
		return;
	}
	if (cl->state == CLUSTER_CONNECTING &&
	    now - cl->since >= CLUSTER_CONNECT_TIMEOUT) {
		down(cl, "connect timed out");
		return;
	}
	cluster_snapshot_tick(cl);
	rc = mosquitto_loop_misc(cl->mosq);
	/* Bytes TLS decrypted ahead wake no epoll: read them here. */
	if (rc == MOSQ_ERR_SUCCESS && cl->state == CLUSTER_UP &&
	    cl->broker.scheme == CLUSTER_MQTTS)
		rc = mosquitto_loop_read(cl->mosq, 1);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
		down(cl, mosquitto_strerror(rc));
		return;
	}
	cluster_want(cl);
}

void
cluster_flush(struct cluster *cl, int64_t now)
{
	(void)now;
	if (cl->ecount > 0)
		cluster_send_evidence(cl);
	cluster_want(cl);
}

/* ---- status ------------------------------------------------------------- */

static const char *
state_name(enum cluster_state s)
{
	return s == CLUSTER_UP ? "connected" : s == CLUSTER_CONNECTING ?
	    "connecting" : "down";
}

void
cluster_status_text(const struct cluster *cl, FILE *f,
    int64_t now)
{
	const struct cluster_stats *s = &cl->st;
	size_t i;

	fprintf(f, "cluster:         node %s, broker %s %s for %llds",
	    cl->node, cl->url, state_name(cl->state),
	    (long long)(now - cl->since));
	if (cl->state == CLUSTER_DOWN)
		fprintf(f, " (%s; retry in %llds)", cl->error,
		    (long long)(cl->next_try > now ? cl->next_try - now : 0));
	fprintf(f, "; %llu connects, %llu losses; share %s\n",
	    (unsigned long long)s->connects,
	    (unsigned long long)s->disconnects,
	    cl->evidence ? "bans+evidence" : "bans");
	fprintf(f, "cluster bans:    %llu out, %llu unbans out, "
	    "%llu republished; %llu in, %llu unbans in, %llu unchanged; "
	    "refused %llu allowlisted, %llu too wide, %llu other, %llu over "
	    "the rate\n", (unsigned long long)s->bans_out,
	    (unsigned long long)s->unbans_out,
	    (unsigned long long)s->republished,
	    (unsigned long long)s->bans_in,
	    (unsigned long long)s->unbans_in,
	    (unsigned long long)s->bans_same,
	    (unsigned long long)s->refused_allow,
	    (unsigned long long)s->refused_wide,
	    (unsigned long long)s->refused_other,
	    (unsigned long long)s->limited);
	fprintf(f, "cluster evidence: %llu events out in %llu "
	    "messages (%llu unsent while down); %llu in, %llu too old, %llu "
	    "repeated messages\n", (unsigned long long)s->events_out,
	    (unsigned long long)s->evmsgs_out,
	    (unsigned long long)s->events_unsent,
	    (unsigned long long)s->events_in,
	    (unsigned long long)s->events_stale,
	    (unsigned long long)s->evmsgs_dup);
	fprintf(f, "cluster dropped: %llu malformed messages%s%s%s\n",
	    (unsigned long long)s->dropped, cl->last_drop[0] ? " (last: " : "",
	    cl->last_drop, cl->last_drop[0] ? ")" : "");
	if (s->lag_n > 0)
		fprintf(f, "cluster lag:     last ban %.1f ms, max "
		    "%.1f ms (publication to applied here, %llu bans)\n",
		    s->lag_ms, s->lag_max_ms, (unsigned long long)s->lag_n);
	for (i = 0; i < cl->npeers; i++)
		fprintf(f, "peer %-11s heard %llds ago; %llu bans, "
		    "%llu unbans, %llu events in; %llu bans over the rate\n",
		    cl->peers[i].node, (long long)(now - cl->peers[i].heard),
		    (unsigned long long)cl->peers[i].bans,
		    (unsigned long long)cl->peers[i].unbans,
		    (unsigned long long)cl->peers[i].events,
		    (unsigned long long)cl->peers[i].limited);
}

/* src with every byte that JSON would need escaped masked as '?'. */
static void
plain(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; src[i] != '\0' && i < size - 1; i++)
		dst[i] = src[i] < 0x20 || src[i] > 0x7e || src[i] == '"' ||
		    src[i] == '\\' ? '?' : src[i];
	dst[i] = '\0';
}

void
cluster_status_json(const struct cluster *cl, FILE *f,
    int64_t now)
{
	const struct cluster_stats *s = &cl->st;
	char e[sizeof(cl->error)], d[sizeof(cl->last_drop)], u[256];
	size_t i;

	/* Node names and prefixes are validated; the rest is masked. */
	plain(e, sizeof(e), cl->error);
	plain(d, sizeof(d), cl->last_drop);
	plain(u, sizeof(u), cl->url);
	fprintf(f, ",\"cluster\":{\"node\":\"%s\",\"broker\":\"%s\","
	    "\"topic\":\"%s\",\"state\":\"%s\",\"since\":%lld,\"error\":\"%s\","
	    "\"share\":\"%s\",\"connects\":%llu,\"disconnects\":%llu,",
	    cl->node, u, cl->prefix, state_name(cl->state),
	    (long long)cl->since, e, cl->evidence ? "bans+evidence" : "bans",
	    (unsigned long long)s->connects,
	    (unsigned long long)s->disconnects);
	fprintf(f, "\"bans_out\":%llu,\"unbans_out\":%llu,"
	    "\"republished\":%llu,\"bans_in\":%llu,\"unbans_in\":%llu,"
	    "\"bans_unchanged\":%llu,\"refused_allowlisted\":%llu,"
	    "\"refused_wide\":%llu,\"refused_other\":%llu,\"rate_limited\":%llu,",
	    (unsigned long long)s->bans_out, (unsigned long long)s->unbans_out,
	    (unsigned long long)s->republished,
	    (unsigned long long)s->bans_in, (unsigned long long)s->unbans_in,
	    (unsigned long long)s->bans_same,
	    (unsigned long long)s->refused_allow,
	    (unsigned long long)s->refused_wide,
	    (unsigned long long)s->refused_other,
	    (unsigned long long)s->limited);
	fprintf(f, "\"events_out\":%llu,\"evidence_messages_out\":%llu,"
	    "\"events_unsent\":%llu,\"events_in\":%llu,\"events_stale\":%llu,"
	    "\"evidence_repeated\":%llu,\"dropped\":%llu,\"last_drop\":\"%s\","
	    "\"lag_ms\":%.3f,\"lag_max_ms\":%.3f,\"lag_count\":%llu,"
	    "\"peers\":[", (unsigned long long)s->events_out,
	    (unsigned long long)s->evmsgs_out,
	    (unsigned long long)s->events_unsent,
	    (unsigned long long)s->events_in,
	    (unsigned long long)s->events_stale,
	    (unsigned long long)s->evmsgs_dup, (unsigned long long)s->dropped,
	    d, s->lag_ms, s->lag_max_ms, (unsigned long long)s->lag_n);
	for (i = 0; i < cl->npeers; i++)
		fprintf(f, "%s{\"node\":\"%s\",\"heard_ago\":%lld,"
		    "\"bans\":%llu,\"unbans\":%llu,\"events\":%llu,"
		    "\"rate_limited\":%llu}", i ? "," : "", cl->peers[i].node,
		    (long long)(now - cl->peers[i].heard),
		    (unsigned long long)cl->peers[i].bans,
		    (unsigned long long)cl->peers[i].unbans,
		    (unsigned long long)cl->peers[i].events,
		    (unsigned long long)cl->peers[i].limited);
	fprintf(f, "]}");
}

void
cluster_figures(const struct cluster *cl, struct cluster_figures *f)
{
	const struct cluster_stats *s = &cl->st;

	f->connected = cl->state == CLUSTER_UP;
	f->peers = cl->npeers;
	f->connects = s->connects;
	f->disconnects = s->disconnects;
	f->bans_out = s->bans_out;
	f->unbans_out = s->unbans_out;
	f->bans_in = s->bans_in;
	f->unbans_in = s->unbans_in;
	f->refused_allow = s->refused_allow;
	f->refused_wide = s->refused_wide;
	f->refused_other = s->refused_other;
	f->limited = s->limited;
	f->events_out = s->events_out;
	f->events_in = s->events_in;
	f->dropped = s->dropped;
	f->lag_s = s->lag_ms / 1000.0;
}
