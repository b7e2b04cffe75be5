/*
 * fuzz-conf: the configuration parser, conf_parse() over the defaults, as
 * conf_load() runs it on a file's bytes.
 *
 * Invariants: a refusal comes with errno EINVAL and at least one message,
 * each "NAME:LINE: ..." or "NAME: ..."; an accepted file leaves every value
 * inside the bounds the key table states (so the daemon can trust them:
 * no zero port, no empty table name, ban_max not below ban_time, prefixes
 * normalised, lists bounded), and a second parse of the same text gives
 * the same values (the parser keeps no hidden state).
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/socket.h>

#include "conf.h"
#include "fuzz.h"

#define FUZZ_NAME "fuzz.conf"

FUZZ_NO_INIT

static void
check_messages(const struct errs *e)
{
	const char *p = e->text, *nl;

	FUZZ_CHECK(e->count > 0 && e->text[0] != '\0', "refused silently");
	FUZZ_CHECK(memchr(e->text, '\0', sizeof(e->text)) != NULL,
	    "messages not terminated");
	/* Whole lines only: the last one may be cut when the text filled. */
	for (; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		FUZZ_CHECK(strncmp(p, FUZZ_NAME ":", strlen(FUZZ_NAME) + 1) == 0,
		    "message without the file name: %.80s", p);
}

static bool
valid_table(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 31 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		      "0123456789_") == n;
}

static void
check_list(char **v, size_t n)
{
	size_t i;

	FUZZ_CHECK(n <= CONF_LIST_MAX, "%zu words", n);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(v[i] != NULL && v[i][0] != '\0' &&
			strpbrk(v[i], " \t") == NULL,
		    "list word %zu is empty or holds a blank", i);
}

static void
check_accepted(const struct conf *c)
{
	struct addr m;
	size_t i;

	FUZZ_CHECK(c->control_socket[0] != '\0' && c->state_dir[0] != '\0' &&
		c->control_group[0] != '\0', "empty string value");
	FUZZ_CHECK(valid_table(c->table), "table '%s'", c->table);
	check_list(c->logs, c->nlogs);
	check_list(c->patterns, c->npatterns);
	FUZZ_CHECK(c->half_life >= 1 && c->half_life <= 30 * 86400,
	    "half_life %g", c->half_life);
	FUZZ_CHECK(isfinite(c->host_threshold) && c->host_threshold >= 0.1 &&
		c->net_threshold >= 0.1 && c->wide_threshold >= 0.1 &&
		c->host_threshold <= 1e6 && c->net_threshold <= 1e6 &&
		c->wide_threshold <= 1e6, "threshold out of range");
	FUZZ_CHECK(c->net_min_hosts >= 1 && c->net_min_hosts <= 64 &&
		c->wide_min_hosts >= 1 && c->wide_min_hosts <= 64, "min hosts");
	FUZZ_CHECK(c->net4_prefix <= 31 && c->wide4_prefix <= 31 &&
		c->net6_prefix <= 127 && c->wide6_prefix <= 127, "prefix");
	FUZZ_CHECK(c->max_records >= 1024 && c->max_records <= (1u << 26),
	    "max_records %zu", c->max_records);
	FUZZ_CHECK(c->dedupe_window >= 0 && c->dedupe_window <= 3600,
	    "dedupe_window %g", c->dedupe_window);
	FUZZ_CHECK(c->ban_time >= 1 && c->ban_max >= c->ban_time &&
		c->ban_max <= 10 * 365 * 86400u, "ban_time %u ban_max %u",
	    c->ban_time, c->ban_max);
	FUZZ_CHECK(c->ban_factor >= 1 && c->ban_factor <= 100, "ban_factor");
	FUZZ_CHECK(c->history_forget >= 1 && c->history_max >= 16 &&
		c->history_max <= (1u << 24), "history");
	FUZZ_CHECK(c->nports >= 1 && c->nports <= CONF_LIST_MAX, "%zu ports",
	    c->nports);
	for (i = 0; i < c->nports; i++)
		FUZZ_CHECK(c->ports[i] != 0, "port 0");
	FUZZ_CHECK(c->priority >= -400 && c->priority <= 400, "priority");
	FUZZ_CHECK(c->action == CONF_ACTION_DROP ||
		c->action == CONF_ACTION_REJECT, "action");
	FUZZ_CHECK(c->date_order == CONF_DATE_DMY ||
		c->date_order == CONF_DATE_MDY, "date_order");
	FUZZ_CHECK(c->nallow <= CONF_LIST_MAX, "%zu cidrs", c->nallow);
	for (i = 0; i < c->nallow; i++) {
		FUZZ_CHECK(c->allow[i].family == AF_INET ||
			c->allow[i].family == AF_INET6, "cidr family");
		addr_mask(&m, &c->allow[i], c->allow[i].len);
		FUZZ_CHECK(memcmp(&m, &c->allow[i], sizeof(m)) == 0,
		    "cidr %zu not normalised", i);
	}
}

/* The values a second parse of the same text must reproduce. */
static bool
same(const struct conf *a, const struct conf *b)
{
	return strcmp(a->table, b->table) == 0 &&
	    strcmp(a->state_dir, b->state_dir) == 0 && a->nlogs == b->nlogs &&
	    a->npatterns == b->npatterns && a->nports == b->nports &&
	    memcmp(a->ports, b->ports, a->nports * sizeof(*a->ports)) == 0 &&
	    a->nallow == b->nallow &&
	    (a->nallow == 0 ||
		memcmp(a->allow, b->allow, a->nallow * sizeof(*a->allow)) ==
		    0) &&
	    a->ban_time == b->ban_time && a->ban_max == b->ban_max &&
	    a->half_life == b->half_life && a->allow_own == b->allow_own &&
	    a->dry_run == b->dry_run && a->priority == b->priority;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf c, again;
	struct errs e;
	int rc;

	if (conf_defaults(&c) == -1)
		return 0;
	memset(&e, 0, sizeof(e));
	errno = 0;
	rc = conf_parse(&c, FUZZ_NAME, (const char *)data, size, &e);
	if (rc == -1) {
		if (errno != ENOMEM) {
			FUZZ_CHECK(errno == EINVAL, "errno %d", errno);
			check_messages(&e);
		}
		conf_free(&c);
		return 0;
	}
	FUZZ_CHECK(rc == 0 && e.count == 0, "rc %d with %u errors", rc,
	    e.count);
	check_accepted(&c);
	/* The same text again, over fresh defaults. */
	if (conf_defaults(&again) == 0) {
		memset(&e, 0, sizeof(e));
		FUZZ_CHECK(conf_parse(&again, FUZZ_NAME, (const char *)data, size,
			       &e) == 0, "second parse refused: %s", e.text);
		FUZZ_CHECK(same(&c, &again), "a second parse differs");
		conf_free(&again);
	}
	conf_free(&c);
	return 0;
}
