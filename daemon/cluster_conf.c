/*
 * cluster_conf: the checks of the [cluster] section that the key table of
 * conf.c cannot express: keys that only make sense together, and the
 * broker password file's mode. Built whether or not the client is, so a
 * configuration is judged the same everywhere.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "cluster_conf.h"
#include "cluster_wire.h"

/* [cluster]: keys that only make sense together. */
void
cluster_conf_check(const struct conf *c, const char *name, struct errs *e)
{
	struct cluster_broker b;
	const char *why;

	if (!c->cluster)
		return;
	if (c->cluster_broker == NULL) {
		errs_add(e, name, 0, "[cluster] needs broker = mqtt://ADDRESS"
		    "[:PORT], mqtts://ADDRESS[:PORT] or unix:/PATH");
		return;
	}
	if (cluster_wire_broker(c->cluster_broker, &b, &why) == -1)
		return; /* reported at its line */
	if ((c->cluster_cert_file == NULL) != (c->cluster_key_file == NULL))
		errs_add(e, name, 0, "[cluster] cert_file and key_file go "
		    "together (a client certificate and its key)");
	if (b.scheme != CLUSTER_MQTTS && (c->cluster_ca_file != NULL ||
	    c->cluster_cert_file != NULL))
		errs_add(e, name, 0, "[cluster] ca_file, cert_file and key_file "
		    "need an mqtts:// broker");
	if (c->cluster_password_file != NULL && c->cluster_username == NULL)
		errs_add(e, name, 0, "[cluster] password_file needs username");
}

/* The broker password is a secret: its file is refused when anyone but
 * its owner may read or change it. */
int
cluster_conf_check_files(const struct conf *c, const char *name, struct errs *e)
{
	const char *p = c->cluster_password_file;
	struct stat st;

	if (p == NULL)
		return 0;
	if (stat(p, &st) == -1) {
		errs_add(e, name, 0, "[cluster] password_file %s: %s", p,
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		errs_add(e, name, 0, "[cluster] password_file %s: not a regular "
		    "file", p);
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		errs_add(e, name, 0, "[cluster] password_file %s has mode %04o: "
		    "others may read the broker password; chmod 600 %s", p,
		    (unsigned)(st.st_mode & 07777), p);
		return -1;
	}
	return 0;
}
