/*
 * daemon_peers: the daemon's joins to other engines, each optional at
 * configure time: the cluster of dominoban peers over MQTT
 * (docs/CLUSTER.md) and the CrowdSec Local API (docs/CROWDSEC.md). A
 * section configured in a build without its support stops the start
 * with EX_CONFIG.
 */
#include "config.h"

#include <stdint.h>
#include <sysexits.h>

#include "daemon.h"
#include "log.h"
#ifdef HAVE_CROWDSEC
#include "crowdsec.h"
#endif
#ifdef HAVE_MQTT
#include "cluster.h"
#endif

/* Join the CrowdSec LAPI when [crowdsec] is configured (docs/CROWDSEC.md). */
void
daemon_peers_open_crowdsec(struct daemon *dm, const uint8_t seed[16])
{
#ifdef HAVE_CROWDSEC
	char err[512];

	if (dm->conf.cs_on && (dm->crowdsec = crowdsec_open(&dm->conf,
		 dm->loop, dm->ledger, seed, err, sizeof(err))) == NULL)
		fatalx(EX_CONFIG, "%s", err);
#else
	(void)seed;
	if (dm->conf.cs_on)
		fatalx(EX_CONFIG, "[crowdsec] is configured, but this dominoban "
		    "was built without CrowdSec support (configure "
		    "--with-crowdsec needs libcurl and jansson)");
#endif
}

/* [cluster]: peers over MQTT, after the ledger and its restore. */
void
daemon_peers_open_cluster(struct daemon *dm, 
    void (*on_verdict)(void *arg, const struct verdict *v), int64_t now)
{
#ifdef HAVE_MQTT
	struct decide_cb cb = {on_verdict, NULL, dm};
	char why[512];

	if (dm->conf.cluster && (dm->cluster = cluster_open(&dm->conf,
	    dm->loop, dm->ledger, dm->d, &cb, now, why, sizeof(why))) == NULL)
		fatalx(EX_CONFIG, "cluster: %s", why);
	if (dm->cluster != NULL)
		decide_set_counted(dm->d, cluster_counted, dm->cluster);
#else
	(void)now;
	if (dm->conf.cluster)
		fatalx(EX_CONFIG, "%s: [cluster] needs dominoban built with "
		    "MQTT (configure --with-mqtt, libmosquitto)",
		    dm->config_path);
#endif
}

void
daemon_peers_close(struct daemon *dm)
{
#ifdef HAVE_CROWDSEC
	crowdsec_close(dm->crowdsec);
	dm->crowdsec = NULL;
#endif
#ifdef HAVE_MQTT
	cluster_close(dm->cluster);
	dm->cluster = NULL;
#endif
	(void)dm;
}
