/*
 * conf_int: what the files of the conf module share: the one table of
 * keys (conf.c) that parsing and conf_show.c (the effective configuration,
 * `dominoban config`) both walk, so that what is shown is what is read.
 * Not an API: only those files include it.
 */
#ifndef DB_CONF_INT_H
#define DB_CONF_INT_H

#include <stddef.h>

enum conf_type {
	T_STR,       /* char * */
	T_STRLIST,   /* char **, size_t count right after it */
	T_BOOL,
	T_DOUBLE,
	T_DURATION,  /* double seconds */
	T_DURATION32,/* uint32_t seconds */
	T_UINT,      /* unsigned */
	T_SIZE,      /* size_t */
	T_INT,       /* int */
	T_PREFIX,    /* unsigned prefix length, 0 disables */
	T_ACTION,
	T_DATEORDER,
	T_PORTS,
	T_CIDRS,
	T_TABLE,
	T_BROKER,    /* char *, a broker URL (cluster_wire_broker) */
	T_NODE,      /* char *, a node name */
	T_TOPIC,     /* char *, an MQTT topic prefix */
	T_LISTEN,    /* char *, ADDR:PORT or [IPV6]:PORT (listen_parse) */
	T_SHARE,     /* bool: bans+evidence (true) or bans */
};

struct conf_key {
	const char *section, *name;
	enum conf_type type;
	double min, max;
	size_t off;      /* offset of the field in struct conf */
	size_t off_n;    /* offset of the count, for lists */
};

/* Every key, in the order `config` shows them (section by section). */
extern const struct conf_key conf_keys[];
extern const size_t conf_nkeys;

#endif
