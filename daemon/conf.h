/*
 * conf: /etc/dominoban/dominoban.conf, an INI file. conf_load() reads it
 * into a struct conf that main owns; every module takes the values it needs
 * from there. Pure parsing: the file is read whole, then parsed in memory,
 * so the parser can be tested (and fuzzed) on strings.
 */
#ifndef DB_CONF_H
#define DB_CONF_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errs.h"

/* Defaults, chosen for a Domino mail server on the internet. */
#define CONF_DEFAULT_CONTROL_SOCKET DB_RUNSTATEDIR "/dominoban/control.sock"
#define CONF_DEFAULT_CONTROL_GROUP "dominoban"
#define CONF_DEFAULT_STATE_DIR DB_LOCALSTATEDIR "/lib/dominoban"
#define CONF_DEFAULT_PATTERNS DB_PKGDATADIR "/patterns " DB_SYSCONFDIR "/dominoban/patterns.d"
#define CONF_DEFAULT_HALF_LIFE 600          /* seconds: scores halve in 10 min */
#define CONF_DEFAULT_HOST_THRESHOLD 5.0     /* score: 5 auth failures */
#define CONF_DEFAULT_NET_THRESHOLD 15.0     /* score summed over a netblock */
#define CONF_DEFAULT_NET_MIN_HOSTS 3        /* distinct hosts seen in the netblock */
#define CONF_DEFAULT_NET4_PREFIX 24         /* bits */
#define CONF_DEFAULT_NET6_PREFIX 64         /* bits */
#define CONF_DEFAULT_WIDE_THRESHOLD 60.0    /* wider tier, off unless prefixes are set */
#define CONF_DEFAULT_WIDE_MIN_HOSTS 10
#define CONF_DEFAULT_MAX_RECORDS 262144     /* score table records (32 MiB) */
#define CONF_DEFAULT_BAN_TIME 3600          /* seconds: first ban */
#define CONF_DEFAULT_BAN_FACTOR 4.0         /* each repeat multiplies the ban time */
#define CONF_DEFAULT_BAN_MAX (30 * 86400)   /* seconds: escalation cap */
#define CONF_DEFAULT_HISTORY_FORGET (90 * 86400) /* seconds an offence is remembered */
#define CONF_DEFAULT_HISTORY_MAX 65536      /* offence history records */
#define CONF_DEFAULT_HISTORY_RECORDS 10000  /* ban history records (banlog.h) */
#define CONF_DEFAULT_DEDUPE_WINDOW 1        /* seconds: same (addr, user) counted once */
#define CONF_DEFAULT_SMTP_SESSION_MAX 3600  /* seconds an unseen SMTP session may last */
#define CONF_DEFAULT_TABLE "dominoban"
#define CONF_DEFAULT_PORTS "25 465 587 80 443 110 995 143 993 389 636 1352"
#define CONF_DEFAULT_PRIORITY (-10)         /* input hook priority */
#define CONF_DEFAULT_CS_LAPI_URL "http://127.0.0.1:8080/"
#define CONF_DEFAULT_CS_PULL_INTERVAL 1.0   /* seconds between decision pulls */
#define CONF_DEFAULT_CS_SCOPES "ip range"
#define CONF_DEFAULT_CLUSTER_TOPIC "dominoban/v1"
#define CONF_DEFAULT_PEER_BAN_RATE 100      /* live bans a second, per peer */
#define CONF_DEFAULT_METRICS_INTERVAL 15    /* seconds between textfile writes */
#define CONF_DEFAULT_REPORT_RETENTION (31 * 86400) /* seconds of report hours kept */

enum conf_action { CONF_ACTION_DROP = 0, CONF_ACTION_REJECT = 1 };
enum conf_date_order { CONF_DATE_DMY = 0, CONF_DATE_MDY = 1 };

struct conf {
	char *path;                   /* file this came from */

	/* [daemon] */
	char **logs;                  /* files to follow, globs allowed */
	size_t nlogs;
	char **patterns;              /* pattern directories, later ones override */
	size_t npatterns;
	char *control_socket;
	char *control_group;          /* may ban/unban/reload (besides root) */
	char *state_dir;
	bool dry_run;
	bool from_start;              /* first start: read files from the start */
	enum conf_date_order date_order; /* for ambiguous NN/NN/YYYY dates */

	/* [score] */
	double half_life;             /* seconds */
	double host_threshold;
	double net_threshold;
	unsigned net_min_hosts;
	unsigned net4_prefix, net6_prefix;     /* 0 disables the tier */
	double wide_threshold;
	unsigned wide_min_hosts;
	unsigned wide4_prefix, wide6_prefix;   /* 0 (default) disables the tier */
	size_t max_records;
	double dedupe_window;         /* seconds */
	uint32_t smtp_session_max;    /* seconds: blind after a start or lost lines */

	/* [ban] */
	uint32_t ban_time;            /* seconds */
	double ban_factor;
	uint32_t ban_max;             /* seconds */
	uint32_t history_forget;      /* seconds */
	size_t history_max;
	size_t history_records;       /* bans and ends kept for `history` */

	/* [nft] */
	char *table;
	uint16_t *ports;
	size_t nports;
	enum conf_action action;
	int priority;
	bool kill_sessions;           /* SOCK_DESTROY established sockets on ban */

	/* [metrics] */
	char *metrics_textfile;       /* node_exporter textfile, or NULL */
	double metrics_interval;      /* seconds between its writes */
	char *metrics_listen;         /* ADDR:PORT of GET /metrics, or NULL */

	/* [report] */
	double report_retention;      /* seconds of hours kept for the report */

	/* [allow] */
	struct addr *allow;           /* configured CIDRs */
	size_t nallow;
	bool allow_own;               /* also allow the machine's own addresses */

	/* [crowdsec] (docs/CROWDSEC.md): on when the section is present */
	bool cs_on;
	char *cs_lapi_url;
	bool cs_push;                 /* our bans to the LAPI as alerts */
	char *cs_machine_id;
	char *cs_password_file;       /* mode 0600, checked when opened */
	bool cs_pull;                 /* the LAPI's decisions into our sets */
	char *cs_bouncer_key_file;    /* mode 0600, checked when opened */
	double cs_pull_interval;      /* seconds */
	char **cs_scopes;             /* "ip", "range" */
	size_t ncs_scopes;
	char **cs_origins;            /* empty: every origin */
	size_t ncs_origins;
	bool cs_wide_ranges;          /* ranges wider than the widest tier too */
	/* [cluster]: bans and evidence shared over MQTT (cluster.h) */
	bool cluster;                 /* the section is there */
	char *cluster_broker;         /* mqtt://, mqtts:// or unix: URL */
	char *cluster_node;           /* NULL: the host name */
	char *cluster_topic;          /* topic prefix */
	bool cluster_evidence;        /* share = bans+evidence */
	double cluster_evidence_weight; /* 0 to 1 */
	unsigned cluster_peer_ban_rate; /* live bans a second per peer */
	char *cluster_username;
	char *cluster_password_file;  /* mode 0600 (or stricter) */
	char *cluster_ca_file, *cluster_cert_file, *cluster_key_file;
};

/* Largest configuration file conf_load() reads. */
#define CONF_FILE_MAX (1u << 20)
/* Most words in one list value (logs, ports, cidrs, ...). */
#define CONF_LIST_MAX 256

/* Fill c with the defaults (allocating its strings). 0, or -1 ENOMEM. */
int conf_defaults(struct conf *c);

/*
 * Parse len bytes of INI text over c (which holds defaults or an earlier
 * file's values). Every problem is added to e as "name:line: message".
 * Returns 0, or -1 (errno EINVAL) when e has errors; c is then partly
 * updated and should be freed.
 */
int conf_parse(struct conf *c, const char *name, const char *text,
    size_t len, struct errs *e);

/*
 * conf_defaults() then read and parse the file at path (rfile_read(): a
 * regular file, never a wait on a FIFO). Returns 0, or -1 with errno
 * (ENOENT when the file does not exist, so a caller may run on defaults)
 * and a message in e.
 */
int conf_load(struct conf *c, const char *path, struct errs *e);

/* Flags for conf_load_or_defaults(). */
#define CONF_STRICT 0x1  /* file and directory: trusted owner and mode
			  * (rfile.h RFILE_STRICT), for `dominoban run` */

/*
 * The configuration of a command: conf_load(), except that a missing file
 * at the default path (given false: not named with --config) means the
 * defaults. Returns 0 (file read), 1 (defaults), or -1 with errno (ENOENT:
 * the named file is missing) and the problems in e. c must be
 * conf_free()d in every case (after -1 it holds what was parsed).
 */
int conf_load_or_defaults(struct conf *c, const char *path, bool given,
    unsigned flags, struct errs *e);

/*
 * The allowlist entries that allow every address of a family (0.0.0.0/0,
 * ::/0), which turn banning off for it: written blank-separated to buf
 * (size bytes, cut if short; buf may be NULL when size is 0). Returns how
 * many there are.
 */
size_t conf_allow_all(const struct conf *c, char *buf, size_t size);

/* Expand the globs in c->logs (a glob that matches nothing stays as it is:
 * the file may appear later). Returns 0, or -1 with errno. */
int conf_expand_logs(struct conf *c);


/*
 * Write c to f, every key once, defaults included (conf_show.c): as INI
 * text that conf_parse() reads back to the same values, or (json) as one
 * JSON object of sections. Files that hold secrets appear by path only.
 * 0, or -1 when f failed.
 */
int conf_show(const struct conf *c, bool json, FILE *f);

/* Release everything c owns and zero it. */
void conf_free(struct conf *c);

#endif
