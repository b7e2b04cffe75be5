/*
 * cluster_wire: what dominoban nodes say to each other over MQTT, and the
 * broker's address: topics, the ban and evidence payloads, the broker URL,
 * node names and topic prefixes. Pure: no I/O, no clock, no allocation;
 * every parser takes hostile bytes (a peer, or anyone the broker lets
 * publish) and refuses anything but the exact forms below, saying why.
 *
 * Topics, under the configured prefix P (default dominoban/v1):
 *   P/ban/ADDR_LEN      one per target, retained: "192.0.2.1_32",
 *                       "2001:db8::_64" (canonical text, '/' as '_')
 *   P/evidence/NODE     each node's counted events, not retained
 *
 * Ban payload, one line (an empty payload is an unban):
 *   dominoban-ban 1 NODE TARGET SECONDS OFFENCES REASON
 * Evidence payload, a head line and one line per event:
 *   dominoban-evidence 1 NODE BOOT SEQ COUNT
 *   ADDR PATTERN WEIGHT TIME
 * Fields are separated by one space; every byte is printable ASCII. The
 * remaining ban time travels as the MQTT 5 message-expiry interval too
 * (the broker counts it down for a retained snapshot); SECONDS is the time
 * at publication and caps it.
 */
#ifndef DB_CLUSTER_WIRE_H
#define DB_CLUSTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "verdict.h"

#define CLUSTER_WIRE_VERSION 1
/* Node names: 1 to 32 of [A-Za-z0-9._-], with the NUL. */
#define CLUSTER_NODE_MAX 33
/* Topic prefixes: at most this many bytes. */
#define CLUSTER_PREFIX_MAX 128
/* Any topic we build or accept, with the NUL. */
#define CLUSTER_TOPIC_MAX 256
/* Pattern ids in evidence: 1 to 64 of [A-Za-z0-9._-], with the NUL. */
#define CLUSTER_PATTERN_MAX 65
/* Largest ban payload accepted (bytes). */
#define CLUSTER_BAN_MSG_MAX 512
/* Events in one evidence message, and its largest size (bytes). */
#define CLUSTER_EVIDENCE_BATCH 256
#define CLUSTER_EVIDENCE_MSG_MAX 32768
/* One evidence event's weight is in (0, CLUSTER_WEIGHT_MAX]. */
#define CLUSTER_WEIGHT_MAX 100.0
/* Remaining ban time accepted at most (seconds): ten years. */
#define CLUSTER_SECONDS_MAX (10u * 365 * 86400)
/* Longest host name or socket path in a broker URL, with the NUL. */
#define CLUSTER_HOST_MAX 108

enum cluster_scheme {
	CLUSTER_MQTT = 0,        /* mqtt://ADDRESS[:PORT], port 1883 */
	CLUSTER_MQTTS,           /* mqtts://ADDRESS[:PORT], port 8883 */
	CLUSTER_UNIX,            /* unix:/PATH */
};

struct cluster_broker {
	enum cluster_scheme scheme;
	char host[CLUSTER_HOST_MAX]; /* numeric address, or the socket path */
	int port;                    /* 0 for unix */
};

/*
 * Parse a broker URL: mqtt://ADDRESS[:PORT], mqtts://ADDRESS[:PORT] (an
 * IPv6 address in brackets) or unix:/PATH. The address must be numeric:
 * libmosquitto resolves a name with a blocking getaddrinfo on the caller's
 * thread, which would stall the daemon's loop. 0, or -1 and *why.
 */
int cluster_wire_broker(const char *url, struct cluster_broker *b,
    const char **why);

/* True for a node name: 1 to 32 of [A-Za-z0-9._-]. */
bool cluster_wire_node_ok(const char *s);

/* True for a topic prefix: levels of [A-Za-z0-9._-] separated by '/',
 * no wildcard, no empty level, at most CLUSTER_PREFIX_MAX bytes. */
bool cluster_wire_prefix_ok(const char *s);

/* P/ban/ADDR_LEN of target into buf. Length, or -1 (ENOSPC). */
int cluster_wire_ban_topic(const char *prefix, const struct addr *target,
    char *buf, size_t size);
/* P/evidence/NODE into buf. Length, or -1 (ENOSPC). */
int cluster_wire_evidence_topic(const char *prefix, const char *node,
    char *buf, size_t size);

enum cluster_topic {
	CLUSTER_TOPIC_BAD = -1,  /* under P, but malformed */
	CLUSTER_TOPIC_OTHER = 0, /* not ours */
	CLUSTER_TOPIC_BAN,       /* *target set: canonical, normalised */
	CLUSTER_TOPIC_EVIDENCE,  /* node set */
};

/* What a received topic is. */
enum cluster_topic cluster_wire_topic(const char *prefix, const char *topic,
    struct addr *target, char node[CLUSTER_NODE_MAX]);

struct cluster_ban {
	char node[CLUSTER_NODE_MAX];
	struct addr target;
	uint32_t seconds;        /* remaining at publication, >= 1 */
	uint32_t offences;       /* >= 1 */
	char reason[VERDICT_REASON_MAX];
};

/* The payload of m into buf. Length, or -1 (ENOSPC, or EINVAL for a field
 * that would not parse back). */
int cluster_wire_ban_format(const struct cluster_ban *m, char *buf,
    size_t size);

/* Parse a ban payload (len bytes, no NUL needed). 0, or -1 and *why. */
int cluster_wire_ban_parse(const void *p, size_t len, struct cluster_ban *m,
    const char **why);

struct cluster_evhead {
	char node[CLUSTER_NODE_MAX];
	uint64_t boot;           /* the sender's start, a random number */
	uint64_t seq;            /* per boot, from 1, one per message */
	size_t count;            /* events that follow */
};

struct cluster_event {
	struct addr addr;        /* a host */
	char pattern[CLUSTER_PATTERN_MAX];
	double weight;
	int64_t at;              /* seconds since the epoch */
};

/* The head line (with its newline) into buf. Length, or -1 (ENOSPC). */
int cluster_wire_evidence_head(const struct cluster_evhead *h, char *buf,
    size_t size);
/* One event line (with its newline) into buf. Length, or -1 (ENOSPC, or
 * EINVAL for a field that would not parse back). */
int cluster_wire_evidence_line(const struct cluster_event *ev, char *buf,
    size_t size);

/*
 * Parse an evidence payload into h and ev (room for max events). The
 * message is taken whole or refused whole. Returns the number of events,
 * or -1 and *why.
 */
int cluster_wire_evidence_parse(const void *p, size_t len,
    struct cluster_evhead *h, struct cluster_event *ev, size_t max,
    const char **why);

#endif
