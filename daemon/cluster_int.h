/*
 * cluster_int: what the two halves of the cluster client share
 * (cluster.c: the connection, the loop and status; cluster_sync.c: bans
 * and evidence in and out). Nothing else includes it.
 */
#ifndef DB_CLUSTER_INT_H
#define DB_CLUSTER_INT_H

#include <mosquitto.h>
#include <stdbool.h>

#include "cluster.h"
#include "cluster_wire.h"
#include "log.h"

/* Peers remembered (status, evidence sequence, rate limits); more are
 * served without them being listed. */
#define CLUSTER_PEERS 64
/* Manual unbans kept while the broker is down, sent on reconnect. */
#define CLUSTER_UNBANS_MAX 1024
/* Evidence older (or newer) than this by its log time is not counted
 * (seconds): after an outage only recent events matter, and a replayed
 * message must not count again. */
#define CLUSTER_EVIDENCE_AGE 600
#define CLUSTER_EVIDENCE_AHEAD 60
/* A peer's ban that moves an expiry by less than this (seconds) changes
 * nothing: rounding of the expiry interval never ping-pongs. */
#define CLUSTER_SLACK 2
/* Echo cache: a local ban a peer's ban lengthened is not published. */
#define CLUSTER_ECHO 256
/* Reconnect backoff (seconds), doubled from MIN up to MAX. */
#define CLUSTER_BACKOFF_MIN 1
#define CLUSTER_BACKOFF_MAX 30
/* A connect not answered within this long is given up (seconds). */
#define CLUSTER_CONNECT_TIMEOUT 10
/* Packets read in one go before the loop runs again. */
#define CLUSTER_READ_BURST 4096
/* MQTT keepalive (seconds). */
#define CLUSTER_KEEPALIVE 30
/* A peer's live bans may come in bursts of this many times its rate. */
#define CLUSTER_BURST 10

enum cluster_state { CLUSTER_DOWN = 0, CLUSTER_CONNECTING, CLUSTER_UP };

struct cluster_peer {
	char node[CLUSTER_NODE_MAX];
	int64_t heard;             /* last message, seconds */
	uint64_t boot, seq;        /* last evidence message counted */
	double tokens;             /* live bans it may still make */
	int64_t refill;            /* when tokens were last refilled (ms) */
	uint64_t bans, unbans, events, limited;
};

struct cluster_stats {
	uint64_t connects, disconnects;
	uint64_t bans_out, unbans_out, republished;
	uint64_t bans_in, unbans_in, bans_same, bans_own;
	uint64_t refused_allow, refused_wide, refused_other, limited;
	uint64_t events_out, evmsgs_out, events_unsent;
	uint64_t events_in, events_stale, evmsgs_dup;
	uint64_t dropped;          /* malformed messages */
	double lag_ms, lag_max_ms; /* live bans: last, and max */
	uint64_t lag_n;
};

/* Retained bans taken since the last summary (one log record for a
 * snapshot, not one per ban). */
struct cluster_snap {
	uint64_t seen, taken, same, refused;
	uint64_t seen_at_tick;     /* seen at the last tick */
	int64_t start_ms, last_ms; /* the first and the last of them */
};

struct cluster {
	struct mosquitto *mosq;
	struct loop *loop;
	struct ledger *ledger;
	struct decide *d;
	struct decide_cb cb;
	struct cluster_broker broker;
	char *url;
	char node[CLUSTER_NODE_MAX];
	char origin[BAN_ORIGIN_MAX]; /* "peer:" of our own node, for checks */
	char *prefix;
	char evtopic[CLUSTER_TOPIC_MAX];
	bool evidence;
	double evidence_weight;
	unsigned peer_rate;
	uint32_t ban_max;
	int fd;                    /* in the loop, or -1 */
	uint32_t events;           /* what the loop watches on fd */
	enum cluster_state state;
	int64_t since;             /* of the state */
	int64_t next_try;
	unsigned backoff;
	char error[160];           /* why the last connect failed */
	char last_drop[96];        /* why the last message was dropped */
	uint64_t boot, seq;
	char *ebuf;                /* evidence lines waiting (after a head) */
	size_t elen, ecount;
	struct cluster_event rx[CLUSTER_EVIDENCE_BATCH];
	struct cluster_peer peers[CLUSTER_PEERS];
	size_t npeers;
	struct addr unbans[CLUSTER_UNBANS_MAX];
	size_t nunbans;
	struct {
		struct addr target;
		int64_t expires;
	} echo[CLUSTER_ECHO];
	uint8_t seed[16];
	struct cluster_stats st;
	struct cluster_snap snap;
	uint64_t rx_msgs;          /* messages delivered, for read_packets */
	struct log_limit warn;
};

/* Milliseconds since the epoch (lag figures). */
int64_t cluster_ms(void);
/* The peer named node, added when new and there is room; or NULL. */
struct cluster_peer *cluster_peer(struct cluster *cl, const char *node);
/* Note a dropped message and why (counted, logged at a limited rate). */
void cluster_drop(struct cluster *cl, const char *topic, const char *why);
/* After publishing or reading: watch for writability when libmosquitto
 * has bytes waiting. */
void cluster_want(struct cluster *cl);

/* cluster_sync.c */
/* The ledger's observer: publish this node's bans and manual unbans. */
void cluster_on_ledger(void *arg, bool banned, const struct ban *b,
    const char *how, int64_t now);
/* Connected: publish every own active ban and the unbans kept. */
void cluster_republish(struct cluster *cl, int64_t now);
/* A message arrived. */
void cluster_on_message(struct mosquitto *m, void *arg,
    const struct mosquitto_message *msg, const mosquitto_property *props);
/* Publish the evidence batch. */
void cluster_send_evidence(struct cluster *cl);
/* Each tick: a snapshot whose retained bans stopped coming is logged. */
void cluster_snapshot_tick(struct cluster *cl);

#endif
