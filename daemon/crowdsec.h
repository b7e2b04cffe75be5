/*
 * crowdsec: dominoban as a member of a CrowdSec deployment, talking to its
 * Local API over HTTP (docs/CROWDSEC.md). Both ways:
 *
 * - push (a watcher): every ban this node decides (origin local or
 *   manual) is queued (crowdsec_push.c) and sent in batches to
 *   POST /v1/alerts, after POST /v1/watchers/login; a 401 logs in again
 *   and resends the same batch; while the LAPI is away the queue waits
 *   with backoff. Bans that came from the LAPI are never pushed back;
 *   In dry run nothing is pushed (other bouncers would enforce it);
 * - pull (a bouncer): GET /v1/decisions/stream every pull_interval, with
 *   startup=true at start, every CROWDSEC_RESYNC seconds and after any
 *   failed pull; each answer goes through crowdsec_pull.c into the ledger.
 *
 * libcurl's multi interface runs inside the daemon's epoll loop: curl
 * tells which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to wake
 * it (CURLMOPT_TIMERFUNCTION, a timerfd); nothing blocks and no thread is
 * made by us. A lapi_url with a host name needs a libcurl with an
 * asynchronous resolver (threaded or c-ares), else it is refused: use an
 * address. The LAPI being down never touches local banning.
 */
#ifndef DB_CROWDSEC_H
#define DB_CROWDSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "conf.h"
#include "ledger.h"
#include "loop.h"

/* A startup=true pull this often (seconds), besides start and errors. */
#define CROWDSEC_RESYNC 600
/* Alerts wait this long (ms) for others to join their batch. */
#define CROWDSEC_PUSH_DELAY_MS 50
/* Retry delays after a failure (ms): doubled each time up to the max.
 * The pull, a cheap GET, retries more often: its success also wakes the
 * push, so a LAPI that comes back is noticed within PULL_MAX. */
#define CROWDSEC_BACKOFF_MIN_MS 1000
#define CROWDSEC_BACKOFF_MAX_MS 60000
#define CROWDSEC_BACKOFF_PULL_MAX_MS 8000
/* Limits of one request (ms): connecting, and the whole of it. */
#define CROWDSEC_CONNECT_MS 5000
#define CROWDSEC_PULL_TIMEOUT_MS 120000
#define CROWDSEC_PUSH_TIMEOUT_MS 15000
/* curl's receive buffer for the decision stream (bytes): a startup answer
 * of 15 MB comes in fewer, larger pieces. */
#define CROWDSEC_PULL_BUFFER (256 * 1024)
/* Longest secret file (bytes). */
#define CROWDSEC_SECRET_MAX 1024

struct crowdsec;

/*
 * Connect dominoban to the LAPI of c's [crowdsec] section: read the
 * secret files (regular files of mode 0600 or stricter, else refused),
 * register with the loop and observe the ledger. Requests start from the
 * loop. NULL with errno and a message for the admin in err (EACCES or
 * EPERM: a secret file; EINVAL: lapi_url).
 */
struct crowdsec *crowdsec_open(const struct conf *c, struct loop *loop,
    struct ledger *l, const uint8_t seed[16], char *err, size_t errsize);

/* Abort what is in flight and release everything. NULL is a no-op. */
void crowdsec_close(struct crowdsec *cs);

/* What the metrics show of the CrowdSec client (docs/METRICS.md). */
struct crowdsec_figures {
	bool up;                  /* the LAPI answered the last request */
	uint64_t decisions;       /* well-formed decisions read */
	uint64_t banned, lifted;  /* bans made or lengthened; lifted */
	uint64_t skipped;         /* decisions not applied, any reason */
	uint64_t alerts_queued, alerts_sent, alerts_dropped, alerts_rejected;
	uint64_t queue;           /* alerts waiting */
	uint64_t errors;          /* failed pulls and pushes */
};

/* The figures of cs into f. */
void crowdsec_figures(const struct crowdsec *cs, struct crowdsec_figures *f);

/* The status lines (text) or the member "crowdsec" of the status object
 * (json, starting with ','), into f; the bans by origin come from l. */
void crowdsec_status(const struct crowdsec *cs, const struct ledger *l,
    bool json, FILE *f);

#endif
