/*
 * crowdsec_json: the JSON of the CrowdSec Local API, both ways, with
 * jansson; no JSON is written or read by hand. Pure: no I/O, no clock.
 *
 * - the decision stream (GET /v1/decisions/stream) is read incrementally:
 *   the bytes are fed as they arrive, each element of "new" and "deleted"
 *   is cut out (at most CROWDSEC_JSON_ELEM_MAX bytes) and parsed on its
 *   own, so a startup answer of 100,000 decisions (15 MB) never sits in
 *   memory as a whole; a malformed element is counted and skipped, a
 *   malformed stream is refused;
 * - Go durations ("3h59m59.71s", "-1.37s", "148.78ms") into seconds;
 * - the bodies we send: the watcher login and an array of alerts, each
 *   carrying its ban decision.
 */
#ifndef DB_CROWDSEC_JSON_H
#define DB_CROWDSEC_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "verdict.h"

/* Longest element of "new" or "deleted" kept for parsing (bytes): a real
 * decision is about 200; longer ones are counted as malformed. */
#define CROWDSEC_JSON_ELEM_MAX 4096
/* Longest string field of a decision kept, with the NUL; a longer one
 * makes the decision malformed (never cut: a cut value is another one). */
#define CROWDSEC_JSON_FIELD_MAX 64

/* One decision of the stream, as the LAPI gives it. */
struct crowdsec_decision {
	int64_t id;
	bool deleted;             /* from "deleted" (else "new") */
	double seconds;           /* remaining; negative when expired */
	char type[CROWDSEC_JSON_FIELD_MAX];   /* "ban", "captcha"... */
	char scope[CROWDSEC_JSON_FIELD_MAX];  /* "Ip", "Range", "Country"... */
	char origin[CROWDSEC_JSON_FIELD_MAX]; /* "cscli", "crowdsec", "lists"... */
	char value[CROWDSEC_JSON_FIELD_MAX];  /* "192.0.2.1", "10.0.0.0/8"... */
	char scenario[CROWDSEC_JSON_FIELD_MAX]; /* informative: "" when missing or long */
};

/* Called for every well-formed decision; d is valid during the call. */
typedef void (*crowdsec_json_cb)(void *arg, const struct crowdsec_decision *d);

struct crowdsec_json_stream;

/* A stream reader calling cb(arg, ...). NULL with errno ENOMEM. */
struct crowdsec_json_stream *crowdsec_json_stream_new(crowdsec_json_cb cb,
    void *arg);
void crowdsec_json_stream_free(struct crowdsec_json_stream *s);

/* Start reading a new answer (counters back to zero). */
void crowdsec_json_stream_reset(struct crowdsec_json_stream *s);

/*
 * Read the next len bytes of the answer. 0, or -1 with errno EBADMSG when
 * the answer is not a JSON object whose "new" and "deleted" are null or
 * arrays of objects (crowdsec_json_stream_error() says where); what was
 * delivered before stands, the rest is ignored.
 */
int crowdsec_json_stream_feed(struct crowdsec_json_stream *s, const char *buf,
    size_t len);

/* The answer ended: 0, or -1 with errno EBADMSG when it was cut short or
 * refused. */
int crowdsec_json_stream_end(struct crowdsec_json_stream *s);

/* Why the answer was refused ("" when it was not). */
const char *crowdsec_json_stream_error(const struct crowdsec_json_stream *s);

/* Elements skipped as malformed, and decisions delivered, in this answer. */
size_t crowdsec_json_stream_bad(const struct crowdsec_json_stream *s);
size_t crowdsec_json_stream_count(const struct crowdsec_json_stream *s);

/*
 * A Go duration (time.Duration.String(): "1h0m0s", "3h59m59.71s",
 * "-1.376s", "148.788088ms", "0s") into seconds, sign kept. 0, or -1 with
 * errno EINVAL when malformed or beyond +-10^10 s.
 */
int crowdsec_json_duration(const char *s, double *out);

/* The body of POST /v1/watchers/login, malloc'd; NULL with errno. */
char *crowdsec_json_login(const char *machine_id, const char *password);

/*
 * The token of a login answer into out (size bytes). 0, or -1 with errno
 * EBADMSG (no "token" string) or ENAMETOOLONG (it does not fit).
 */
int crowdsec_json_token(const char *body, size_t len, char *out, size_t size);

/* One of our bans, as an alert carrying its ban decision. */
struct crowdsec_alert {
	struct addr target;       /* host (scope Ip) or prefix (scope Range) */
	int64_t at;               /* when it was decided, seconds since the epoch */
	uint32_t seconds;         /* its duration */
	uint32_t offences;        /* times banned, this one included */
	char origin[16];          /* "local", "manual" */
	char reason[VERDICT_REASON_MAX]; /* "smtp-auth=5,smtp-harvest=2", "manual" */
};

/*
 * The body of POST /v1/alerts for n alerts (an array), malloc'd, NUL
 * terminated; its length in *len. Scenario "dominoban/PATTERN" (the
 * reason's first pattern), events_count the reason's counts summed,
 * decision origin "dominoban". NULL with errno ENOMEM.
 */
char *crowdsec_json_alerts(const struct crowdsec_alert *a, size_t n,
    size_t *len);

/* The scenario of a reason, "dominoban/smtp-auth", into out. */
void crowdsec_json_scenario(const char *reason, char *out, size_t size);

/* The events a reason counts ("a=3,b=2": 5); at least 1. */
uint32_t crowdsec_json_events(const char *reason);

#endif
