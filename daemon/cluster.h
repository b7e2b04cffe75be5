/*
 * cluster: the servers of a Domino shop defend together. Each node shares
 * its bans and its evidence with the others through an MQTT 5 broker
 * (docs/CLUSTER.md), with libmosquitto driven by the daemon's epoll loop:
 * no thread, no blocking call (the broker address is numeric, the connect
 * asynchronous).
 *
 * - Bans this node makes (ledger origins "local" and "manual") are
 *   published as retained QoS 1 messages, one topic per target, with an
 *   MQTT 5 message-expiry of the remaining time; a manual unban publishes
 *   the empty retained message. The broker's retained set is the snapshot
 *   a node gets when it subscribes. On every (re)connect the node
 *   publishes its own active bans again (a broker restarted without
 *   persistence lost them).
 * - Peers' bans go through the ledger with origin "peer:NODE", extend-only
 *   (the longer expiry wins), never wider than this node's widest tier,
 *   capped at ban_max, rate-limited per peer, and are never published
 *   again (loop-free); the ledger refuses allowlisted and own addresses.
 * - Counted events are published per loop iteration on the node's evidence
 *   topic; peers' events are counted here (decide_remote) scaled by
 *   evidence_weight; a message counts once (boot and sequence numbers).
 *
 * Not pure: it owns a socket; time is read from the clock for lag figures
 * and comes in as an argument elsewhere.
 */
#ifndef DB_CLUSTER_H
#define DB_CLUSTER_H

#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "ctl.h"
#include "decide.h"
#include "ledger.h"
#include "loop.h"

struct cluster;

/*
 * Start the client for c's [cluster] section: observe l, count peers'
 * evidence into d (verdicts through cb), add the socket to loop. The first
 * connect is tried at once; a broker that is down is retried with backoff
 * and never stops the daemon. NULL with errno and a message in why (a
 * password file that cannot be read, a node name that cannot be made
 * from the host name, libmosquitto refusing an option).
 */
struct cluster *cluster_open(const struct conf *c, struct loop *loop,
    struct ledger *l, struct decide *d, const struct decide_cb *cb,
    int64_t now, char *why, size_t whysize);

/* Disconnect and free. NULL is a no-op. */
void cluster_close(struct cluster *cl);

/* Take the reloadable keys of c (evidence_weight, peer_ban_rate, share,
 * ban_max); the broker, node, topic and credentials need a restart
 * (logged when they changed). */
void cluster_set_conf(struct cluster *cl, const struct conf *c);

/* decide_cb.counted: an event counted here, to be shared. */
void cluster_counted(void *arg, const struct addr *a, const char *pattern,
    double weight, int64_t at);

/* After each loop iteration: publish the evidence batched in it. */
void cluster_flush(struct cluster *cl, int64_t now);

/* Every second: keepalive, connect timeouts, reconnect with backoff. */
void cluster_tick(struct cluster *cl, int64_t now);

/* What the metrics show of the cluster (docs/METRICS.md). */
struct cluster_figures {
	bool connected;            /* to the broker, now */
	uint64_t peers;            /* other nodes heard from */
	uint64_t connects, disconnects;
	uint64_t bans_out, unbans_out, bans_in, unbans_in;
	uint64_t refused_allow, refused_wide, refused_other, limited;
	uint64_t events_out, events_in;
	uint64_t dropped;          /* malformed messages */
	double lag_s;              /* the last live peer ban's lag, seconds */
};

/* The figures of cl into f. */
void cluster_figures(const struct cluster *cl, struct cluster_figures *f);

/* The status lines, and the "cluster" member of status --json (with its
 * leading comma). */
void cluster_status_text(const struct cluster *cl, FILE *f,
    int64_t now);
void cluster_status_json(const struct cluster *cl, FILE *f,
    int64_t now);

#endif
