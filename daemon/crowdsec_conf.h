/*
 * crowdsec_conf: the [crowdsec] section's checks beyond single keys
 * (crowdsec_conf.c). Pure.
 */
#ifndef DB_CROWDSEC_CONF_H
#define DB_CROWDSEC_CONF_H

#include "conf.h"
#include "errs.h"

/* Add to e every problem of c's [crowdsec] section (when present): a
 * side without its credentials, a lapi_url that is not http(s), a
 * machine_id, scope or origin that is not a plain word. */
void crowdsec_conf_check(const struct conf *c, const char *name,
    struct errs *e);

#endif
