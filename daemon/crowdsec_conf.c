/*
 * crowdsec_conf: the checks of the [crowdsec] section that the key table of
 * conf.c cannot express (what each side needs, the words of scopes and
 * origins). Built whether or not the client is, so that a configuration
 * is judged the same everywhere. Pure.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "bans.h"
#include "crowdsec_conf.h"

/* A word of scopes or origins: printable, no quotes or backslashes (the
 * words travel in a URL and in origins "crowdsec:WORD"). */
static bool
plain_word(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\' ||
		    *s == '&' || *s == '#' || *s == '%')
			return false;
	return n >= 1 && n <= max;
}

/* [crowdsec]: what a side needs, and the words of scopes and origins. */
void
crowdsec_conf_check(const struct conf *c, const char *name, struct errs *e)
{
	size_t i;

	if (!c->cs_on)
		return;
	if (strncmp(c->cs_lapi_url, "http://", 7) != 0 &&
	    strncmp(c->cs_lapi_url, "https://", 8) != 0)
		errs_add(e, name, 0, "[crowdsec] lapi_url '%.64s': expected "
		    "http://HOST:PORT/ or https://HOST:PORT/", c->cs_lapi_url);
	if (c->cs_push && (c->cs_machine_id == NULL ||
	    c->cs_password_file == NULL))
		errs_add(e, name, 0, "[crowdsec] push = yes needs machine_id "
		    "and password_file (cscli machines add NAME --password ...), "
		    "or push = no");
	if (c->cs_pull && c->cs_bouncer_key_file == NULL)
		errs_add(e, name, 0, "[crowdsec] pull = yes needs "
		    "bouncer_key_file (cscli bouncers add NAME), or pull = no");
	if (c->cs_machine_id != NULL && !plain_word(c->cs_machine_id, 64))
		errs_add(e, name, 0, "[crowdsec] machine_id: 1 to 64 printable "
		    "characters without blanks");
	for (i = 0; i < c->ncs_scopes; i++)
		if (strcasecmp(c->cs_scopes[i], "ip") != 0 &&
		    strcasecmp(c->cs_scopes[i], "range") != 0)
			errs_add(e, name, 0, "[crowdsec] scopes: '%.32s' is not "
			    "ip or range (the scopes dominoban enforces)",
			    c->cs_scopes[i]);
	if (c->cs_pull && c->ncs_scopes == 0)
		errs_add(e, name, 0, "[crowdsec] scopes: at least one of ip, "
		    "range");
	for (i = 0; i < c->ncs_origins; i++)
		if (!plain_word(c->cs_origins[i], BAN_ORIGIN_MAX - 10))
			errs_add(e, name, 0, "[crowdsec] origins: '%.32s' is not "
			    "a plain word of at most %d characters",
			    c->cs_origins[i], BAN_ORIGIN_MAX - 10);
}
