/*
 * crowdsec_int: what crowdsec.c (the client) and crowdsec_status.c (its
 * status lines) share; nothing else includes it.
 */
#ifndef DB_CROWDSEC_INT_H
#define DB_CROWDSEC_INT_H

#include <curl/curl.h>

#include "crowdsec.h"
#include "crowdsec_json.h"
#include "crowdsec_pull.h"
#include "crowdsec_push.h"
#include "log.h"

/* Longest answer kept from a login or a push (bytes): a token, an error. */
#define SMALL_MAX 16384
/* Longest JWT kept (bytes, with the NUL). */
#define TOKEN_MAX 4096

enum xkind { X_NONE = 0, X_PULL, X_LOGIN, X_ALERTS };

struct xfer {
	CURL *h;
	enum xkind kind;          /* what is in flight, X_NONE when idle */
	struct curl_slist *hdrs;
	char *body;               /* what we send */
	char small[SMALL_MAX];    /* what we got (login, push, errors) */
	size_t nsmall;
	bool startup;             /* pull: startup=true */
};

struct crowdsec {
	struct loop *loop;
	struct ledger *ledger;
	CURLM *multi;
	int curl_tfd, sched_tfd;
	char *url;                /* lapi_url, ending in '/' */
	bool push_on, pull_on;
	char machine_id[128];
	char password[CROWDSEC_SECRET_MAX];
	char key_header[CROWDSEC_SECRET_MAX + 16];
	char token[TOKEN_MAX];    /* "" until logged in */
	bool token_fresh;         /* no batch sent with it yet */
	char scopes[32];          /* "ip,range" */
	uint64_t pull_every_ms;
	struct xfer pull, push;
	struct crowdsec_json_stream *stream;
	struct crowdsec_pull *pulled;
	struct crowdsec_push *queue;
	uint64_t next_pull, next_push;  /* monotonic ms; 0: not due */
	uint64_t last_startup;    /* monotonic ms of the last startup pull */
	uint64_t pull_started;    /* monotonic ms the pull in flight began */
	bool need_startup;
	uint64_t pull_backoff, push_backoff;   /* ms */
	int64_t last_pull_ok, last_push_ok;    /* wall seconds, 0: never */
	int64_t down_since;       /* first failure of a run of them, or 0 */
	bool ever_up;
	char error[256];          /* the last failure */
	uint64_t logins, pull_errors, push_errors;
	struct log_limit limit;
};

/* The wall clock, seconds since the epoch. */
int64_t crowdsec_wall(void);

#endif
