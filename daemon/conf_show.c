/*
 * conf_show: a configuration written back out, every key once with its
 * value, defaults included: as INI text that conf_parse() reads back to
 * the same values, or as one JSON object of sections. It walks the same
 * table of keys as the parser (conf_int.h), so no key can be left out.
 *
 * Secrets never appear: the configuration holds only the paths of the
 * files that keep them (password_file, bouncer_key_file, key_file), and
 * those paths are what is shown. The [crowdsec] and [cluster] sections
 * are written only when present, since their presence turns them on; a
 * key with no value (an unset path, an empty list) is written as a
 * comment. Pure: writes to the FILE given.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "conf_int.h"
#include "dur.h"
#include "stats.h"

#define FIELD(c, off, type) ((const type *)(const void *)((const char *)(c) + \
	(off)))

/* A decimal number as the parser reads it (no exponent), with the
 * fewest digits that read back to the same double. */
static void
decimal(double v, char *buf, size_t size)
{
	int prec;

	for (prec = 0; prec < 17; prec++) {
		snprintf(buf, size, "%.*f", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, size, "%.17f", v);
}

/* A duration as dur_format() writes it when that reads back exactly, else
 * as plain seconds. */
static void
duration(double s, char *buf, size_t size)
{
	double back;

	dur_format(s, buf, size);
	if (dur_parse(buf, 0, 1e12, &back) == 0 && back == s)
		return;
	decimal(s, buf, size);
}

static bool
section_on(const struct conf *c, const char *section)
{
	if (strcmp(section, "crowdsec") == 0)
		return c->cs_on;
	if (strcmp(section, "cluster") == 0)
		return c->cluster;
	return true;
}

/* Types held as one char * (NULL: no value), and as a list with a
 * count. */
static bool
is_str(enum conf_type t)
{
	return t == T_STR || t == T_TABLE || t == T_BROKER || t == T_NODE ||
	    t == T_TOPIC || t == T_LISTEN;
}

static bool
is_list(enum conf_type t)
{
	return t == T_STRLIST || t == T_PORTS || t == T_CIDRS;
}

/* One JSON string, or null for NULL. */
static void
json_str(FILE *f, const char *s)
{
	if (s == NULL) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	stats_json_escape(f, s);
	fputc('"', f);
}

/* The value of k in c: as INI text (json false; "" when it has none) or
 * as a JSON value. */
static void
value(const struct conf *c, const struct conf_key *k, bool json, FILE *f)
{
	char buf[400];
	size_t n, i;

	if (is_str(k->type)) {
		if (json)
			json_str(f, *FIELD(c, k->off, char *));
		else if (*FIELD(c, k->off, char *) != NULL)
			fputs(*FIELD(c, k->off, char *), f);
		return;
	}
	switch (k->type) {
	case T_STRLIST:
	case T_PORTS:
	case T_CIDRS:
		n = *FIELD(c, k->off_n, size_t);
		if (json)
			fputc('[', f);
		for (i = 0; i < n; i++) {
			fputs(i == 0 ? "" : json ? "," : " ", f);
			if (k->type == T_PORTS) {
				fprintf(f, "%u", c->ports[i]);
				continue;
			}
			if (k->type == T_CIDRS)
				addr_format(&c->allow[i], buf, sizeof(buf));
			if (json)
				json_str(f, k->type == T_CIDRS ? buf :
				    (*FIELD(c, k->off, char **))[i]);
			else
				fputs(k->type == T_CIDRS ? buf :
				    (*FIELD(c, k->off, char **))[i], f);
		}
		if (json)
			fputc(']', f);
		return;
	case T_BOOL:
		fputs(*FIELD(c, k->off, bool) ? (json ? "true" : "yes") :
		    (json ? "false" : "no"), f);
		return;
	case T_SHARE:
		fprintf(f, json ? "\"%s\"" : "%s", *FIELD(c, k->off, bool) ?
		    "bans+evidence" : "bans");
		return;
	case T_DOUBLE:
		decimal(*FIELD(c, k->off, double), buf, sizeof(buf));
		fputs(buf, f);
		return;
	case T_DURATION:
	case T_DURATION32:
		if (json) {
			decimal(k->type == T_DURATION ?
			    *FIELD(c, k->off, double) :
			    (double)*FIELD(c, k->off, uint32_t), buf, sizeof(buf));
			fputs(buf, f);
			return;
		}
		duration(k->type == T_DURATION ? *FIELD(c, k->off, double) :
		    (double)*FIELD(c, k->off, uint32_t), buf, sizeof(buf));
		fputs(buf, f);
		return;
	case T_UINT:
	case T_PREFIX:
		fprintf(f, "%u", *FIELD(c, k->off, unsigned));
		return;
	case T_SIZE:
		fprintf(f, "%zu", *FIELD(c, k->off, size_t));
		return;
	case T_INT:
		fprintf(f, "%d", *FIELD(c, k->off, int));
		return;
	case T_ACTION:
		fprintf(f, json ? "\"%s\"" : "%s",
		    c->action == CONF_ACTION_REJECT ? "reject" : "drop");
		return;
	case T_DATEORDER:
		fprintf(f, json ? "\"%s\"" : "%s",
		    c->date_order == CONF_DATE_MDY ? "mdy" : "dmy");
		return;
	default: /* the strings, above */
		return;
	}
}

/* Does k hold no value (an unset string, an empty list)? */
static bool
empty(const struct conf *c, const struct conf_key *k)
{
	if (is_str(k->type))
		return *FIELD(c, k->off, char *) == NULL;
	if (is_list(k->type))
		return *FIELD(c, k->off_n, size_t) == 0;
	return false;
}

int
conf_show(const struct conf *c, bool json, FILE *f)
{
	const char *section = NULL;
	size_t i;
	bool first = true;

	if (json)
		fputc('{', f);
	else
		fprintf(f, "# dominoban %s: the configuration in force, defaults "
		    "included%s%s\n", PACKAGE_VERSION, c->path ? "; read from " :
		    "", c->path ? c->path : "");
	for (i = 0; i < conf_nkeys; i++) {
		const struct conf_key *k = &conf_keys[i];
		if (section == NULL || strcmp(section, k->section) != 0) {
			if (json && section != NULL && section_on(c, section))
				fputc('}', f);
			section = k->section;
			first = true;
			if (!section_on(c, section)) {
				if (!json)
					fprintf(f, "\n# [%s]: not configured\n",
					    section);
				continue;
			}
			if (json)
				fprintf(f, "%s\"%s\":{", i == 0 ? "" : ",",
				    section);
			else
				fprintf(f, "\n[%s]\n", section);
		}
		if (!section_on(c, section))
			continue;
		if (json) {
			fprintf(f, "%s\"%s\":", first ? "" : ",", k->name);
			value(c, k, true, f);
		} else if (empty(c, k)) {
			fprintf(f, "# %s = (none)\n", k->name);
		} else {
			fprintf(f, "%s = ", k->name);
			value(c, k, false, f);
			fputc('\n', f);
		}
		first = false;
	}
	if (json)
		fprintf(f, "%s}\n", section != NULL && section_on(c, section) ?
		    "}" : "");
	return ferror(f) ? -1 : 0;
}
