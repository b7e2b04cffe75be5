/*
 * cluster_conf: the [cluster] section's checks beyond single keys
 * (cluster_conf.c).
 */
#ifndef DB_CLUSTER_CONF_H
#define DB_CLUSTER_CONF_H

#include "conf.h"
#include "errs.h"

/* Add to e every problem of c's [cluster] section (when present) that
 * its keys make together: no broker, a certificate without its key, TLS
 * files without mqtts://, a password file without a user name. Pure. */
void cluster_conf_check(const struct conf *c, const char *name,
    struct errs *e);
/* The broker password file, when set: it must be a regular file only its
 * owner may read or change. 0, or -1 with the reason in e. */
int cluster_conf_check_files(const struct conf *c, const char *name,
    struct errs *e);

#endif
