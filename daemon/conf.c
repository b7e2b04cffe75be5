/*
 * conf: the INI configuration. The parser works on a string, reads nothing
 * and prints nothing, so it is tested and fuzzed directly; conf_load() adds
 * the file read. Each key is described once in the table below (section,
 * name, type, bounds, field), so parsing, validation and the error messages
 * cannot drift apart. Every problem is collected with its file:line before
 * the caller decides: the daemon refuses to start, reload keeps the old
 * configuration.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cluster_conf.h"
#include "cluster_wire.h"
#include "conf.h"
#include "conf_int.h"
#include "conf_value.h"
#include "crowdsec_conf.h"
#include "dur.h"
#include "ini.h"
#include "listen.h"
#include "near.h"
#include "rfile.h"

#define F(x) offsetof(struct conf, x)
const struct conf_key conf_keys[] = {
    {"daemon", "logs", T_STRLIST, 0, 0, F(logs), F(nlogs)},
    {"daemon", "patterns", T_STRLIST, 0, 0, F(patterns), F(npatterns)},
    {"daemon", "control_socket", T_STR, 0, 0, F(control_socket), 0},
    {"daemon", "control_group", T_STR, 0, 0, F(control_group), 0},
    {"daemon", "state_dir", T_STR, 0, 0, F(state_dir), 0},
    {"daemon", "dry_run", T_BOOL, 0, 0, F(dry_run), 0},
    {"daemon", "from_start", T_BOOL, 0, 0, F(from_start), 0},
    {"daemon", "date_order", T_DATEORDER, 0, 0, F(date_order), 0},
    {"score", "half_life", T_DURATION, 1, 30 * 86400, F(half_life), 0},
    {"score", "host_threshold", T_DOUBLE, 0.1, 1e6, F(host_threshold), 0},
    {"score", "net_threshold", T_DOUBLE, 0.1, 1e6, F(net_threshold), 0},
    {"score", "net_min_hosts", T_UINT, 1, 64, F(net_min_hosts), 0},
    {"score", "net4_prefix", T_PREFIX, 0, 31, F(net4_prefix), 0},
    {"score", "net6_prefix", T_PREFIX, 0, 127, F(net6_prefix), 0},
    {"score", "wide_threshold", T_DOUBLE, 0.1, 1e6, F(wide_threshold), 0},
    {"score", "wide_min_hosts", T_UINT, 1, 64, F(wide_min_hosts), 0},
    {"score", "wide4_prefix", T_PREFIX, 0, 31, F(wide4_prefix), 0},
    {"score", "wide6_prefix", T_PREFIX, 0, 127, F(wide6_prefix), 0},
    {"score", "max_records", T_SIZE, 1024, 1 << 26, F(max_records), 0},
    {"score", "dedupe_window", T_DURATION, 0, 3600, F(dedupe_window), 0},
    {"score", "smtp_session_max", T_DURATION32, 1, 7 * 86400.0,
	F(smtp_session_max), 0},
    {"ban", "ban_time", T_DURATION32, 1, 365 * 86400.0, F(ban_time), 0},
    {"ban", "ban_factor", T_DOUBLE, 1, 100, F(ban_factor), 0},
    {"ban", "ban_max", T_DURATION32, 1, 10 * 365 * 86400.0, F(ban_max), 0},
    {"ban", "history_forget", T_DURATION32, 1, 10 * 365 * 86400.0,
	F(history_forget), 0},
    {"ban", "history_max", T_SIZE, 16, 1 << 24, F(history_max), 0},
    {"ban", "history_records", T_SIZE, 1, 1 << 20, F(history_records), 0},
    {"nft", "table", T_TABLE, 0, 0, F(table), 0},
    {"nft", "ports", T_PORTS, 0, 0, F(ports), F(nports)},
    {"nft", "action", T_ACTION, 0, 0, F(action), 0},
    {"nft", "priority", T_INT, -400, 400, F(priority), 0},
    {"nft", "kill_sessions", T_BOOL, 0, 0, F(kill_sessions), 0},
    {"metrics", "textfile", T_STR, 0, 0, F(metrics_textfile), 0},
    {"metrics", "listen", T_LISTEN, 0, 0, F(metrics_listen), 0},
    {"metrics", "interval", T_DURATION, 1, 3600, F(metrics_interval), 0},
    {"report", "retention", T_DURATION, 3600, 366 * 86400.0,
	F(report_retention), 0},
    {"allow", "cidrs", T_CIDRS, 0, 0, F(allow), F(nallow)},
    {"allow", "own_addresses", T_BOOL, 0, 0, F(allow_own), 0},
    {"crowdsec", "lapi_url", T_STR, 0, 0, F(cs_lapi_url), 0},
    {"crowdsec", "push", T_BOOL, 0, 0, F(cs_push), 0},
    {"crowdsec", "machine_id", T_STR, 0, 0, F(cs_machine_id), 0},
    {"crowdsec", "password_file", T_STR, 0, 0, F(cs_password_file), 0},
    {"crowdsec", "pull", T_BOOL, 0, 0, F(cs_pull), 0},
    {"crowdsec", "bouncer_key_file", T_STR, 0, 0, F(cs_bouncer_key_file), 0},
    {"crowdsec", "pull_interval", T_DURATION, 0.25, 3600,
	F(cs_pull_interval), 0},
    {"crowdsec", "scopes", T_STRLIST, 0, 0, F(cs_scopes), F(ncs_scopes)},
    {"crowdsec", "origins", T_STRLIST, 0, 0, F(cs_origins), F(ncs_origins)},
    {"crowdsec", "wide_ranges", T_BOOL, 0, 0, F(cs_wide_ranges), 0},
    {"cluster", "broker", T_BROKER, 0, 0, F(cluster_broker), 0},
    {"cluster", "node", T_NODE, 0, 0, F(cluster_node), 0},
    {"cluster", "topic", T_TOPIC, 0, 0, F(cluster_topic), 0},
    {"cluster", "share", T_SHARE, 0, 0, F(cluster_evidence), 0},
    {"cluster", "evidence_weight", T_DOUBLE, 0, 1, F(cluster_evidence_weight),
	0},
    {"cluster", "peer_ban_rate", T_UINT, 1, 1000000, F(cluster_peer_ban_rate),
	0},
    {"cluster", "username", T_STR, 0, 0, F(cluster_username), 0},
    {"cluster", "password_file", T_STR, 0, 0, F(cluster_password_file), 0},
    {"cluster", "ca_file", T_STR, 0, 0, F(cluster_ca_file), 0},
    {"cluster", "cert_file", T_STR, 0, 0, F(cluster_cert_file), 0},
    {"cluster", "key_file", T_STR, 0, 0, F(cluster_key_file), 0},
};
#undef F
#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))
const size_t conf_nkeys = NKEYS;

#define FIELD(c, off, type) ((type *)(void *)((char *)(c) + (off)))

void
conf_free(struct conf *c)
{
	free(c->path);
	conf_value_free(c->logs, c->nlogs);
	conf_value_free(c->patterns, c->npatterns);
	free(c->control_socket);
	free(c->control_group);
	free(c->state_dir);
	free(c->table);
	free(c->metrics_textfile);
	free(c->metrics_listen);
	free(c->ports);
	free(c->allow);
	free(c->cs_lapi_url);
	free(c->cs_machine_id);
	free(c->cs_password_file);
	free(c->cs_bouncer_key_file);
	conf_value_free(c->cs_scopes, c->ncs_scopes);
	conf_value_free(c->cs_origins, c->ncs_origins);
	free(c->cluster_broker);
	free(c->cluster_node);
	free(c->cluster_topic);
	free(c->cluster_username);
	free(c->cluster_password_file);
	free(c->cluster_ca_file);
	free(c->cluster_cert_file);
	free(c->cluster_key_file);
	memset(c, 0, sizeof(*c));
}

/* Set one key; returns NULL on success or a message (in buf, size bytes,
 * when it names the value and the valid range). */
static const char *
set_key(struct conf *c, const struct conf_key *k, const char *val, char *buf,
    size_t size)
{
	char **words = NULL, *copy;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const char *why;
	size_t n = 0, i;
	double d;
	bool b;
	int msg_is_list = k->type == T_STRLIST || k->type == T_PORTS ||
	    k->type == T_CIDRS;

	if (msg_is_list && conf_value_words(val, &words, &n) == -1)
		return errno == E2BIG ? "too many values" : "out of memory";
	switch (k->type) {
	case T_SHARE:
		if (strcmp(val, "bans+evidence") == 0)
			*FIELD(c, k->off, bool) = true;
		else if (strcmp(val, "bans") == 0)
			*FIELD(c, k->off, bool) = false;
		else
			return conf_value_expected(val, "bans+evidence or bans", buf,
			    size);
		return NULL;
	case T_STR:
	case T_TABLE:
	case T_BROKER:
	case T_NODE:
	case T_TOPIC:
	case T_LISTEN:
		if (*val == '\0')
			return "empty value (give one, or remove the line for "
			       "the default)";
		if (k->type == T_LISTEN && listen_parse(val, &ss, &sslen,
		    &why) == -1)
			return why;
		if (k->type == T_TABLE && !conf_value_table(val))
			return conf_value_expected(val, "a table name of 1 to 31 letters, "
			    "digits or _", buf, size);
		if (k->type == T_BROKER) {
			struct cluster_broker url;
			if (cluster_wire_broker(val, &url, &why) == -1)
				return why;
		}
		if (k->type == T_NODE && !cluster_wire_node_ok(val))
			return "a node name is 1 to 32 letters, digits, '.', "
			       "'_' or '-'";
		if (k->type == T_TOPIC && !cluster_wire_prefix_ok(val))
			return "a topic prefix is levels of letters, digits, "
			       "'.', '_' or '-' separated by '/' (no "
			       "wildcards, no empty level), at most 128 bytes";
		if ((copy = strdup(val)) == NULL)
			return "out of memory";
		free(*FIELD(c, k->off, char *));
		*FIELD(c, k->off, char *) = copy;
		return NULL;
	case T_STRLIST:
		conf_value_free(*FIELD(c, k->off, char **), *FIELD(c, k->off_n, size_t));
		*FIELD(c, k->off, char **) = words;
		*FIELD(c, k->off_n, size_t) = n;
		return NULL;
	case T_BOOL:
		if (conf_value_bool(val, &b) == -1)
			return conf_value_expected(val, "yes or no (or true/false, on/off, "
			    "1/0)", buf, size);
		*FIELD(c, k->off, bool) = b;
		return NULL;
	case T_DOUBLE:
		if (conf_value_number(val, k->min, k->max, true, &d) == -1)
			return conf_value_bad_number(val, true, k->min, k->max, buf,
			    size);
		*FIELD(c, k->off, double) = d;
		return NULL;
	case T_DURATION:
	case T_DURATION32:
		if (dur_parse(val, k->min, k->max, &d) == -1) {
			dur_error(val, errno, k->min, k->max, buf, size);
			return buf;
		}
		if (k->type == T_DURATION)
			*FIELD(c, k->off, double) = d;
		else
			*FIELD(c, k->off, uint32_t) = (uint32_t)d;
		return NULL;
	case T_UINT:
	case T_SIZE:
	case T_INT:
	case T_PREFIX:
		if (conf_value_number(val, k->min, k->max, false, &d) == -1)
			return conf_value_bad_number(val, false, k->min, k->max, buf,
			    size);
		if (k->type == T_UINT || k->type == T_PREFIX)
			*FIELD(c, k->off, unsigned) = (unsigned)d;
		else if (k->type == T_SIZE)
			*FIELD(c, k->off, size_t) = (size_t)d;
		else
			*FIELD(c, k->off, int) = (int)d;
		return NULL;
	case T_ACTION:
		if (strcmp(val, "drop") == 0)
			c->action = CONF_ACTION_DROP;
		else if (strcmp(val, "reject") == 0)
			c->action = CONF_ACTION_REJECT;
		else
			return conf_value_expected(val, "drop or reject", buf, size);
		return NULL;
	case T_DATEORDER:
		if (strcmp(val, "dmy") == 0)
			c->date_order = CONF_DATE_DMY;
		else if (strcmp(val, "mdy") == 0)
			c->date_order = CONF_DATE_MDY;
		else
			return conf_value_expected(val, "dmy (day first: 31.12.2026) or "
			    "mdy (12/31/2026)", buf, size);
		return NULL;
	case T_PORTS: {
		uint16_t *ports = n > 0 ? calloc(n, sizeof(*ports)) : NULL;
		if (n > 0 && ports == NULL) {
			conf_value_free(words, n);
			return "out of memory";
		}
		for (i = 0; i < n; i++) {
			if (conf_value_number(words[i], 1, 65535, false, &d) == -1) {
				snprintf(buf, size, "'%.40s' is not a port: "
				    "decimal whole numbers from 1 to 65535",
				    words[i]);
				free(ports);
				conf_value_free(words, n);
				return buf;
			}
			ports[i] = (uint16_t)d;
		}
		conf_value_free(words, n);
		if (n == 0)
			return "at least one port is needed";
		free(c->ports);
		c->ports = ports;
		c->nports = n;
		return NULL;
	}
	case T_CIDRS: {
		struct addr *a = n > 0 ? calloc(n, sizeof(*a)) : NULL;
		if (n > 0 && a == NULL) {
			conf_value_free(words, n);
			return "out of memory";
		}
		for (i = 0; i < n; i++) {
			if (addr_parse_prefix(words[i], false, &a[i]) == -1) {
				conf_value_bad_cidr(words[i], buf, size);
				free(a);
				conf_value_free(words, n);
				return buf;
			}
		}
		conf_value_free(words, n);
		free(c->allow);
		c->allow = a;
		c->nallow = n;
		return NULL;
	}
	}
	return "internal: unknown key type";
}

/* Why [section] (key NULL) or key in [section] is unknown, into buf: the
 * nearest valid name (near.c), the section the key belongs to, or the
 * valid names. */
static void
unknown(const char *section, const char *key, char *buf, size_t size)
{
	const char *names[NKEYS], *best;
	size_t i, n = 0, off;

	for (i = 0; i < NKEYS; i++)
		if (key == NULL && (n == 0 || strcmp(names[n - 1],
			conf_keys[i].section) != 0))
			names[n++] = conf_keys[i].section;
		else if (key != NULL && strcmp(conf_keys[i].section, section) == 0)
			names[n++] = conf_keys[i].name;
	best = near_best(key != NULL ? key : section, names, n);
	if (key == NULL)
		off = (size_t)snprintf(buf, size, "unknown section [%.32s]%s%s%s"
		    "; the sections are", section, best ? " (did you mean [" :
		    "", best ? best : "", best ? "]?)" : "");
	else
		off = (size_t)snprintf(buf, size, "unknown key '%.32s' in [%s]"
		    "%s%s%s; its keys are", key, section, best ? " (did you "
		    "mean " : "", best ? best : "", best ? "?)" : "");
	for (i = 0; key != NULL && best == NULL && i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, key) == 0) {
			snprintf(buf, size, "'%.32s' is a key of [%s], not of "
			    "[%s]", key, conf_keys[i].section, section);
			return;
		}
	for (i = 0; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		    i ? ", " : ": ", names[i]);
}

static const struct conf_key *
find_key(const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < conf_nkeys; i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
		    strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
set_default_lists(struct conf *c)
{
	char buf[128];

	if (set_key(c, find_key("daemon", "patterns"), CONF_DEFAULT_PATTERNS,
		buf, sizeof(buf)) != NULL ||
	    set_key(c, find_key("nft", "ports"), CONF_DEFAULT_PORTS, buf,
		sizeof(buf)) != NULL ||
	    set_key(c, find_key("crowdsec", "scopes"), CONF_DEFAULT_CS_SCOPES,
		buf, sizeof(buf)) != NULL)
		return -1;
	return 0;
}

int
conf_defaults(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->control_socket = strdup(CONF_DEFAULT_CONTROL_SOCKET);
	c->control_group = strdup(CONF_DEFAULT_CONTROL_GROUP);
	c->state_dir = strdup(CONF_DEFAULT_STATE_DIR);
	c->table = strdup(CONF_DEFAULT_TABLE);
	c->half_life = CONF_DEFAULT_HALF_LIFE;
	c->host_threshold = CONF_DEFAULT_HOST_THRESHOLD;
	c->net_threshold = CONF_DEFAULT_NET_THRESHOLD;
	c->net_min_hosts = CONF_DEFAULT_NET_MIN_HOSTS;
	c->net4_prefix = CONF_DEFAULT_NET4_PREFIX;
	c->net6_prefix = CONF_DEFAULT_NET6_PREFIX;
	c->wide_threshold = CONF_DEFAULT_WIDE_THRESHOLD;
	c->wide_min_hosts = CONF_DEFAULT_WIDE_MIN_HOSTS;
	c->max_records = CONF_DEFAULT_MAX_RECORDS;
	c->dedupe_window = CONF_DEFAULT_DEDUPE_WINDOW;
	c->smtp_session_max = CONF_DEFAULT_SMTP_SESSION_MAX;
	c->ban_time = CONF_DEFAULT_BAN_TIME;
	c->ban_factor = CONF_DEFAULT_BAN_FACTOR;
	c->ban_max = CONF_DEFAULT_BAN_MAX;
	c->history_forget = CONF_DEFAULT_HISTORY_FORGET;
	c->history_max = CONF_DEFAULT_HISTORY_MAX;
	c->history_records = CONF_DEFAULT_HISTORY_RECORDS;
	c->priority = CONF_DEFAULT_PRIORITY;
	c->metrics_interval = CONF_DEFAULT_METRICS_INTERVAL;
	c->report_retention = CONF_DEFAULT_REPORT_RETENTION;
	c->action = CONF_ACTION_DROP;
	c->kill_sessions = true;
	c->allow_own = true;
	c->cs_lapi_url = strdup(CONF_DEFAULT_CS_LAPI_URL);
	c->cs_push = true;
	c->cs_pull = true;
	c->cs_pull_interval = CONF_DEFAULT_CS_PULL_INTERVAL;
	c->cluster_topic = strdup(CONF_DEFAULT_CLUSTER_TOPIC);
	c->cluster_evidence = true;
	c->cluster_evidence_weight = 1.0;
	c->cluster_peer_ban_rate = CONF_DEFAULT_PEER_BAN_RATE;
	if (c->control_socket == NULL || c->control_group == NULL ||
	    c->state_dir == NULL || c->table == NULL || c->cs_lapi_url == NULL ||
	    c->cluster_topic == NULL ||
	    set_default_lists(c) == -1) {
		conf_free(c);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

/* The wide tier must be wider (a shorter prefix) than the net tier when
 * both are on; 0 turns a tier off. */
static void
check_tiers(const char *name, const char *v, unsigned net, unsigned wide,
    struct errs *e)
{
	if (net != 0 && wide != 0 && wide >= net)
		errs_add(e, name, 0, "wide%s_prefix (/%u) is not wider than "
		    "net%s_prefix (/%u): it must be shorter, or 0 to turn the "
		    "wide tier off", v, wide, v, net);
}

int
conf_parse(struct conf *c, const char *name, const char *text, size_t len,
    struct errs *e)
{
	char *buf, *next, *key, *val, *eq, *hash, section[32] = "";
	char why[1024];
	unsigned lineno = 0, before = e->count;
	const struct conf_key *k;
	const char *msg;
	size_t i;

	if (memchr(text, '\0', len) != NULL) {
		errs_add(e, name, 0, "binary file (NUL byte)");
		errno = EINVAL;
		return -1;
	}
	if ((buf = strndup(text, len)) == NULL)
		return -1;
	/* Comments: a line starting with # or ; (ini_next), or " #" inline. */
	for (next = buf; (key = ini_next(&next, &lineno)) != NULL;) {
		if ((hash = strstr(key, " #")) != NULL ||
		    (hash = strstr(key, "\t#")) != NULL) {
			*hash = '\0';
			key = ini_trim(key);
		}
		if (*key == '[') {
			eq = strchr(key, ']');
			if (eq == NULL || eq[1] != '\0' ||
			    (size_t)(eq - key) > sizeof(section)) {
				errs_add(e, name, lineno, "malformed section "
				    "header");
				continue;
			}
			*eq = '\0';
			snprintf(section, sizeof(section), "%s", key + 1);
			if (strcmp(section, "crowdsec") == 0)
				c->cs_on = true;
			for (i = 0; i < conf_nkeys; i++)
				if (strcmp(conf_keys[i].section, section) == 0)
					break;
			if (i == conf_nkeys) {
				unknown(section, NULL, why, sizeof(why));
				errs_add(e, name, lineno, "%s", why);
				/* Its keys are not reported one by one. */
				snprintf(section, sizeof(section), "?");
			}
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			errs_add(e, name, lineno, "expected 'key = value'");
			continue;
		}
		*eq = '\0';
		val = ini_trim(eq + 1);
		key = ini_trim(key);
		if (strcmp(section, "?") == 0)
			continue; /* already reported */
		if (section[0] == '\0') {
			errs_add(e, name, lineno, "'%.32s' before any "
			    "[section]", key);
			continue;
		}
		if ((k = find_key(section, key)) == NULL) {
			unknown(section, key, why, sizeof(why));
			errs_add(e, name, lineno, "%s", why);
			continue;
		}
		if ((msg = set_key(c, k, val, why, sizeof(why))) != NULL)
			errs_add(e, name, lineno, "%s: %s", key, msg);
		if (strcmp(section, "cluster") == 0)
			c->cluster = true;
	}
	free(buf);
	crowdsec_conf_check(c, name, e);
	cluster_conf_check(c, name, e);
	if (c->ban_max < c->ban_time)
		errs_add(e, name, 0, "ban_max (%u s) is shorter than ban_time "
		    "(%u s)", c->ban_max, c->ban_time);
	check_tiers(name, "4", c->net4_prefix, c->wide4_prefix, e);
	check_tiers(name, "6", c->net6_prefix, c->wide6_prefix, e);
	if (e->count != before) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* conf_defaults(), then the file at path over them. */
static int
load(struct conf *c, const char *path, unsigned flags, struct errs *e)
{
	char msg[RFILE_MSG_MAX], *buf;
	size_t len;
	int rc;

	if (conf_defaults(c) == -1)
		return -1;
	if ((c->path = strdup(path)) == NULL)
		return -1;
	if (rfile_read(path, CONF_FILE_MAX, (flags & CONF_STRICT) != 0 ?
		RFILE_STRICT : 0, &buf, &len, msg, sizeof(msg)) == -1) {
		rc = errno;
		errs_add(e, path, 0, "%s", msg);
		errno = rc;
		return -1;
	}
	rc = conf_parse(c, path, buf, len, e);
	free(buf);
	if (cluster_conf_check_files(c, path, e) == -1) {
		errno = EINVAL;
		rc = -1;
	}
	return rc;
}

int
conf_load(struct conf *c, const char *path, struct errs *e)
{
	return load(c, path, 0, e);
}

int
conf_load_or_defaults(struct conf *c, const char *path, bool given,
    unsigned flags, struct errs *e)
{
	if (load(c, path, flags, e) == 0)
		return 0;
	if (errno != ENOENT || given)
		return -1;
	conf_free(c);
	memset(e, 0, sizeof(*e));
	if (conf_defaults(c) == -1)
		return -1;
	return 1;
}

size_t
conf_allow_all(const struct conf *c, char *buf, size_t size)
{
	size_t i, n = 0, off = 0;
	char a[ADDR_STRLEN];
	int w;

	if (size > 0)
		buf[0] = '\0';
	for (i = 0; i < c->nallow; i++) {
		if (c->allow[i].len != 0)
			continue;
		n++;
		if (size == 0)
			continue;
		addr_format(&c->allow[i], a, sizeof(a));
		w = snprintf(buf + off, size - off, "%s%s", off > 0 ? " " : "",
		    a);
		if (w > 0 && (size_t)w < size - off)
			off += (size_t)w;
	}
	return n;
}

int
conf_expand_logs(struct conf *c)
{
	char **out = NULL, **tmp;
	size_t n = 0, i, k;
	glob_t g;
	int rc;

	for (i = 0; i < c->nlogs; i++) {
		memset(&g, 0, sizeof(g));
		rc = glob(c->logs[i], GLOB_NOCHECK | GLOB_NOSORT, NULL, &g);
		if (rc != 0) {
			globfree(&g);
			continue;
		}
		for (k = 0; k < g.gl_pathc; k++) {
			if ((tmp = realloc(out, (n + 1) * sizeof(*out))) ==
			    NULL)
				goto nomem;
			out = tmp;
			if ((out[n] = strdup(g.gl_pathv[k])) == NULL)
				goto nomem;
			n++;
		}
		globfree(&g);
	}
	conf_value_free(c->logs, c->nlogs);
	c->logs = out;
	c->nlogs = n;
	return 0;
nomem:
	globfree(&g);
	conf_value_free(out, n);
	errno = ENOMEM;
	return -1;
}
