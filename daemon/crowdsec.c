/*
 * crowdsec: see crowdsec.h.
 *
 * Two transfers at most are in flight: the pull (GET the decision stream)
 * and the push (login, or POST a batch of alerts); each has its own easy
 * handle, reused. Their schedule is one timerfd armed at the earliest
 * monotonic deadline (next pull, next push); curl's own timeouts are a
 * second timerfd that curl arms through the timer callback. Sockets come
 * and go through the socket callback, straight into the daemon's loop.
 *
 * The stream's body is fed to the incremental reader as it arrives
 * (crowdsec_json.c), so memory stays bounded whatever its size; the
 * decisions are applied to the ledger when the transfer completes, in
 * the same loop iteration, and go to the kernel at its end in one batch.
 */
#include "config.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "crowdsec_int.h"
#include "rfile.h"
#include "log.h"
#include "mono.h"

int64_t
crowdsec_wall(void)
{
	return (int64_t)time(NULL);
}

/* ---- secrets -------------------------------------------------------- */

/* Read the secret at path into out: a regular file that only its owner
 * may read (and only root or we may own: rfile's StrictModes), holding
 * one line. 0, or -1 with errno and err filled. */
static int
read_secret(const char *key, const char *path, char *out, size_t size,
    char *err, size_t errsize)
{
	char msg[RFILE_MSG_MAX], *buf = NULL;
	struct stat st;
	size_t n, i;

	if (rfile_read(path, size - 2, RFILE_STRICT, &buf, &n, msg,
		sizeof(msg)) == -1) {
		snprintf(err, errsize, "[crowdsec] %s %s: %s", key, path, msg);
		return -1;
	}
	if (stat(path, &st) == -1 || (st.st_mode & 077) != 0) {
		snprintf(err, errsize, "[crowdsec] %s %s: mode %04o; it holds "
		    "a secret: mode 0600 is needed (chmod 600 %s)", key, path,
		    (unsigned)(st.st_mode & 07777), path);
		goto refused;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' ||
		buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < ' ' || buf[i] == 0x7f)
			break;
	if (n == 0 || i < n) {
		snprintf(err, errsize, "[crowdsec] %s %s: expected one line "
		    "of at most %zu printable characters", key, path, size - 2);
		goto refused;
	}
	memcpy(out, buf, n + 1);
	explicit_bzero(buf, n);
	free(buf);
	return 0;
refused:
	explicit_bzero(buf, n);
	free(buf);
	errno = EPERM;
	return -1;
}

/* ---- scheduling ------------------------------------------------------ */

static void
arm(int fd, uint64_t at_ms)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (at_ms != 0) {
		its.it_value.tv_sec = (time_t)(at_ms / 1000);
		its.it_value.tv_nsec = (long)(at_ms % 1000) * 1000000L;
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1;
	}
	if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		log_warn("crowdsec timer");
}

/* Arm the schedule at the earliest deadline of an idle side. */
static void
reschedule(struct crowdsec *cs)
{
	uint64_t at = 0;

	if (cs->pull_on && cs->pull.kind == X_NONE && cs->next_pull != 0)
		at = cs->next_pull;
	if (cs->push_on && cs->push.kind == X_NONE && cs->next_push != 0 &&
	    (at == 0 || cs->next_push < at))
		at = cs->next_push;
	arm(cs->sched_tfd, at);
}

static uint64_t
backoff_to(uint64_t *b, uint64_t max)
{
	*b = *b == 0 ? CROWDSEC_BACKOFF_MIN_MS : *b * 2;
	if (*b > max)
		*b = max;
	return *b;
}

static uint64_t
backoff(uint64_t *b)
{
	return backoff_to(b, CROWDSEC_BACKOFF_MAX_MS);
}

/* The LAPI answered as expected: the other side, waiting in backoff,
 * tries again at once. */
static void
lapi_up(struct crowdsec *cs)
{
	uint64_t now = (uint64_t)mono_ms();

	if (cs->down_since != 0) {
		if (cs->push.kind == X_NONE && cs->next_push > now) {
			cs->push_backoff = 0;
			cs->next_push = now;
		}
		if (cs->pull.kind == X_NONE && cs->next_pull > now) {
			cs->pull_backoff = 0;
			cs->next_pull = now;
		}
	}
	if (cs->down_since != 0 || !cs->ever_up)
		log_info("crowdsec lapi=%s up", cs->url);
	cs->down_since = 0;
	cs->ever_up = true;
	cs->error[0] = '\0';
}

/* A request failed: say why (rate-limited), and note since when. */
static void
lapi_down(struct crowdsec *cs, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
lapi_down(struct crowdsec *cs, const char *what, const char *fmt, ...)
{
	char why[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(cs->error, sizeof(cs->error), "%s: %s", what, why);
	if (cs->down_since == 0)
		cs->down_since = crowdsec_wall();
	if (log_limit_allow(&cs->limit, crowdsec_wall()))
		log_warnx("crowdsec lapi=%s %s failed: %s (local banning goes "
		    "on; retrying)", cs->url, what, why);
}

/* ---- transfers --------------------------------------------------------- */

static size_t
on_small(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n, room = sizeof(x->small) - 1 - x->nsmall;

	if (len > room)
		len = room; /* an error page: its start is enough */
	memcpy(x->small + x->nsmall, p, len);
	x->nsmall += len;
	x->small[x->nsmall] = '\0';
	return size * n;
}

static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct crowdsec *cs = arg;
	long code = 0;

	curl_easy_getinfo(cs->pull.h, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200)
		return on_small(p, size, n, &cs->pull);
	if (crowdsec_json_stream_feed(cs->stream, p, size * n) == -1)
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	return size * n;
}

static int
start(struct crowdsec *cs, struct xfer *x, enum xkind kind, const char *path,
    const char *body, long timeout_ms)
{
	char url[2048];
	CURLMcode mc;

	snprintf(url, sizeof(url), "%s%s", cs->url, path);
	curl_easy_setopt(x->h, CURLOPT_URL, url);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	x->nsmall = 0;
	x->small[0] = '\0';
	if (kind == X_PULL) {
		x->hdrs = curl_slist_append(NULL, cs->key_header);
		curl_easy_setopt(x->h, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_stream);
		curl_easy_setopt(x->h, CURLOPT_WRITEDATA, cs);
	} else {
		char auth[TOKEN_MAX + 32];
		x->hdrs = curl_slist_append(NULL, "Content-Type: "
		    "application/json");
		if (kind == X_ALERTS) {
			snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			    cs->token);
			x->hdrs = curl_slist_append(x->hdrs, auth);
		}
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(x->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
		curl_easy_setopt(x->h, CURLOPT_WRITEFUNCTION, on_small);
		curl_easy_setopt(x->h, CURLOPT_WRITEDATA, x);
	}
	if (x->hdrs == NULL) {
		errno = ENOMEM;
		return -1;
	}
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, x->hdrs);
	if ((mc = curl_multi_add_handle(cs->multi, x->h)) != CURLM_OK) {
		log_warnx("crowdsec: %s", curl_multi_strerror(mc));
		errno = EIO;
		return -1;
	}
	x->kind = kind;
	return 0;
}

static void
start_pull(struct crowdsec *cs)
{
	char path[128];
	uint64_t now = (uint64_t)mono_ms();

	cs->pull.startup = cs->need_startup ||
	    now - cs->last_startup >= (uint64_t)CROWDSEC_RESYNC * 1000;
	snprintf(path, sizeof(path), "v1/decisions/stream?startup=%s&scopes=%s",
	    cs->pull.startup ? "true" : "false", cs->scopes);
	crowdsec_json_stream_reset(cs->stream);
	crowdsec_pull_begin(cs->pulled);
	cs->next_pull = 0;
	cs->pull_started = now;
	if (start(cs, &cs->pull, X_PULL, path, NULL,
		CROWDSEC_PULL_TIMEOUT_MS) == -1)
		cs->next_pull = now + backoff_to(&cs->pull_backoff,
		    CROWDSEC_BACKOFF_PULL_MAX_MS);
}

/* The next push after a failure: later by the backoff. */
static void
push_later(struct crowdsec *cs)
{
	cs->next_push = (uint64_t)mono_ms() + backoff(&cs->push_backoff);
}

static void
start_push(struct crowdsec *cs)
{
	size_t len;

	cs->next_push = 0;
	if (cs->push.body != NULL)
		explicit_bzero(cs->push.body, strlen(cs->push.body));
	free(cs->push.body);
	cs->push.body = NULL;
	if (cs->token[0] == '\0') {
		if ((cs->push.body = crowdsec_json_login(cs->machine_id,
			 cs->password)) == NULL ||
		    start(cs, &cs->push, X_LOGIN, "v1/watchers/login",
			cs->push.body, CROWDSEC_PUSH_TIMEOUT_MS) == -1)
			push_later(cs);
		return;
	}
	if ((cs->push.body = crowdsec_push_batch(cs->queue, &len)) == NULL) {
		if (errno != 0)
			push_later(cs);
		return;
	}
	if (start(cs, &cs->push, X_ALERTS, "v1/alerts", cs->push.body,
		CROWDSEC_PUSH_TIMEOUT_MS) == -1) {
		crowdsec_push_retry(cs->queue);
		push_later(cs);
	}
}

static void
pull_done(struct crowdsec *cs, CURLcode rc, long code)
{
	uint64_t now = (uint64_t)mono_ms();

	curl_off_t bytes = 0;
	size_t changes;

	if (rc == CURLE_OK && code == 200 &&
	    crowdsec_json_stream_end(cs->stream) == 0) {
		crowdsec_pull_bad(cs->pulled,
		    crowdsec_json_stream_bad(cs->stream));
		changes = crowdsec_pull_end(cs->pulled, cs->ledger,
		    cs->pull.startup, crowdsec_wall());
		if (cs->pull.startup) {
			/* Once every ten minutes: what the whole state cost. */
			curl_easy_getinfo(cs->pull.h, CURLINFO_SIZE_DOWNLOAD_T,
			    &bytes);
			log_info("crowdsec pull startup=yes bytes=%lld "
			    "decisions=%zu changes=%zu transfer_ms=%llu "
			    "apply_ms=%llu", (long long)bytes,
			    crowdsec_json_stream_count(cs->stream), changes,
			    (unsigned long long)(now - cs->pull_started),
			    (unsigned long long)((uint64_t)mono_ms() - now));
			cs->last_startup = now;
			cs->need_startup = false;
		}
		cs->last_pull_ok = crowdsec_wall();
		lapi_up(cs);
		cs->pull_backoff = 0;
		/* A steady cadence: the pull's own time is not added. */
		cs->next_pull = cs->pull_started + cs->pull_every_ms;
		if (cs->next_pull < now)
			cs->next_pull = now;
		return;
	}
	cs->pull_errors++;
	/* A delta may have been lost with the answer: the next pull takes
	 * the whole state. */
	cs->need_startup = true;
	crowdsec_pull_begin(cs->pulled);
	if (rc == CURLE_WRITE_ERROR || (rc == CURLE_OK && code == 200))
		lapi_down(cs, "pull", "the decision stream was refused: %s",
		    crowdsec_json_stream_error(cs->stream));
	else if (rc != CURLE_OK)
		lapi_down(cs, "pull", "%s", curl_easy_strerror(rc));
	else
		lapi_down(cs, "pull", "HTTP %ld%s%.120s", code,
		    code == 403 ? " (is bouncer_key_file the key cscli "
		    "bouncers add printed?) " : " ", cs->pull.small);
	cs->next_pull = now + (cs->pull_every_ms > backoff_to(&cs->pull_backoff,
	    CROWDSEC_BACKOFF_PULL_MAX_MS) ? cs->pull_every_ms :
	    cs->pull_backoff);
}

static void
push_done(struct crowdsec *cs, enum xkind kind, CURLcode rc, long code)
{
	uint64_t now = (uint64_t)mono_ms();
	struct crowdsec_push_stats st;

	if (kind == X_LOGIN && rc == CURLE_OK && code == 200 &&
	    crowdsec_json_token(cs->push.small, cs->push.nsmall, cs->token,
		sizeof(cs->token)) == 0) {
		cs->logins++;
		cs->token_fresh = true;
		cs->next_push = now; /* the batch that waited for the login */
		return;
	}
	if (kind == X_ALERTS && rc == CURLE_OK && (code == 200 || code == 201)) {
		crowdsec_push_done(cs->queue, true);
		cs->token_fresh = false;
		cs->last_push_ok = crowdsec_wall();
		lapi_up(cs);
		cs->push_backoff = 0;
		crowdsec_push_get_stats(cs->queue, &st);
		cs->next_push = st.length > 0 ? now : 0;
		return;
	}
	if (kind == X_ALERTS)
		crowdsec_push_retry(cs->queue);
	cs->push_errors++;
	if (rc != CURLE_OK) {
		lapi_down(cs, kind == X_LOGIN ? "login" : "push", "%s",
		    curl_easy_strerror(rc));
	} else if (kind == X_ALERTS && code == 401 && !cs->token_fresh) {
		/* The token expired, or the LAPI restarted: log in again
		 * and send the same batch. */
		cs->token[0] = '\0';
		cs->next_push = now;
		return;
	} else if (kind == X_ALERTS && code == 401) {
		/* Refused right after a login: not a stale token. Wait. */
		cs->token[0] = '\0';
		lapi_down(cs, "push", "HTTP 401 with a new token %.120s",
		    cs->push.small);
	} else if (kind == X_ALERTS && code >= 400 && code < 500) {
		/* Refused for what it is: sending it again would not help. */
		crowdsec_push_done(cs->queue, false);
		log_warnx("crowdsec lapi=%s refused a batch of alerts: HTTP "
		    "%ld %.200s", cs->url, code, cs->push.small);
		cs->next_push = now;
		return;
	} else {
		lapi_down(cs, kind == X_LOGIN ? "login" : "push", "HTTP %ld%s"
		    "%.120s", code, kind == X_LOGIN && code == 403 ?
		    " (machine_id and password_file as cscli machines add "
		    "set them?) " : " ", cs->push.small);
	}
	cs->next_push = now + backoff(&cs->push_backoff);
}

/* Collect the finished transfers. */
static void
check_done(struct crowdsec *cs)
{
	CURLMsg *m;
	int left;
	long code;
	enum xkind kind;

	while ((m = curl_multi_info_read(cs->multi, &left)) != NULL) {
		struct xfer *x = m->easy_handle == cs->pull.h ? &cs->pull :
		    &cs->push;
		CURLcode rc = m->data.result;
		if (m->msg != CURLMSG_DONE)
			continue;
		code = 0;
		curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &code);
		curl_multi_remove_handle(cs->multi, x->h);
		kind = x->kind;
		x->kind = X_NONE;
		if (kind == X_PULL)
			pull_done(cs, rc, code);
		else
			push_done(cs, kind, rc, code);
	}
	reschedule(cs);
}

/* ---- the loop and curl ------------------------------------------------ */

static void
on_sock(void *arg, int fd, uint32_t events)
{
	struct crowdsec *cs = arg;
	int flags = 0, running;

	if (events & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (events & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (events & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(cs->multi, fd, flags, &running);
	check_done(cs);
}

static int
sock_cb(CURL *e, curl_socket_t s, int what, void *arg, void *sockp)
{
	struct crowdsec *cs = arg;
	uint32_t ev = 0;

	(void)e;
	if (what == CURL_POLL_REMOVE) {
		loop_del(cs->loop, s);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= EPOLLIN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= EPOLLOUT;
	if (sockp == NULL) {
		if (loop_add(cs->loop, s, ev, on_sock, cs) == -1) {
			log_warn("crowdsec: watching a socket");
			return -1;
		}
		curl_multi_assign(cs->multi, s, cs);
	} else if (loop_mod(cs->loop, s, ev) == -1) {
		log_warn("crowdsec: watching a socket");
		return -1;
	}
	return 0;
}

static int
timer_cb(CURLM *m, long ms, void *arg)
{
	struct crowdsec *cs = arg;

	(void)m;
	arm(cs->curl_tfd, ms < 0 ? 0 : (uint64_t)mono_ms() + (uint64_t)ms);
	return 0;
}

static void
on_curl_timer(void *arg, int fd, uint32_t events)
{
	struct crowdsec *cs = arg;
	uint64_t n;
	int running;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("crowdsec timer");
	curl_multi_socket_action(cs->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cs);
}

static void
on_schedule(void *arg, int fd, uint32_t events)
{
	struct crowdsec *cs = arg;
	uint64_t n, now = (uint64_t)mono_ms();
	int running;

	(void)events;
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warn("crowdsec timer");
	if (cs->pull_on && cs->pull.kind == X_NONE && cs->next_pull != 0 &&
	    cs->next_pull <= now)
		start_pull(cs);
	if (cs->push_on && cs->push.kind == X_NONE && cs->next_push != 0 &&
	    cs->next_push <= now)
		start_push(cs);
	/* Let curl start what was added. */
	curl_multi_socket_action(cs->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cs);
}

/* The ledger changed: our own bans go to the LAPI; an admin's unban is
 * remembered, so the decision in force does not bring it back. */
static void
on_ledger(void *arg, bool banned, const struct ban *b, const char *how,
    int64_t now)
{
	struct crowdsec *cs = arg;
	uint64_t at;

	if (!banned) {
		if (strcmp(how, "manual") == 0)
			crowdsec_pull_unbanned(cs->pulled, b, now);
		return;
	}
	/* Dry run since a reload: nothing is pushed from now on. */
	if (!cs->push_on || ledger_dry(cs->ledger) ||
	    !crowdsec_push_ours(b->origin) ||
	    crowdsec_pull_extended(cs->pulled, b))
		return;
	crowdsec_push_ban(cs->queue, b, now);
	at = (uint64_t)mono_ms() + CROWDSEC_PUSH_DELAY_MS;
	if (cs->next_push == 0 || cs->next_push > at)
		cs->next_push = at;
	reschedule(cs);
}

/* ---- open and close ---------------------------------------------------- */

/* A lapi_url whose host is a name needs an asynchronous resolver. */
static int
check_url(const char *url, char *err, size_t errsize)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
	CURLU *u = curl_url();
	char *host = NULL;
	struct addr a;
	size_t n;
	int rc = -1;

	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errsize, "[crowdsec] lapi_url '%.200s': not a "
		    "URL (http://127.0.0.1:8080/)", url);
		goto out;
	}
	n = strlen(host);
	if (n > 2 && host[0] == '[' && host[n - 1] == ']')
		rc = addr_parse(host + 1, n - 2, &a);
	else
		rc = addr_parse(host, n, &a);
	if (rc == -1 && (v->features & CURL_VERSION_ASYNCHDNS) != 0)
		rc = 0;
	else if (rc == -1)
		snprintf(err, errsize, "[crowdsec] lapi_url '%.200s': this "
		    "libcurl resolves names with a blocking call; give the "
		    "LAPI's address instead of %s", url, host);
out:
	curl_free(host);
	curl_url_cleanup(u);
	if (rc == -1)
		errno = EINVAL;
	return rc;
}

static int
init_xfer(struct xfer *x)
{
	char ua[64];

	if ((x->h = curl_easy_init()) == NULL)
		return -1;
	snprintf(ua, sizeof(ua), "dominoban/%s", PACKAGE_VERSION);
	curl_easy_setopt(x->h, CURLOPT_USERAGENT, ua);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)CROWDSEC_CONNECT_MS);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS,
	    (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	return 0;
}

struct crowdsec *
crowdsec_open(const struct conf *c, struct loop *loop, struct ledger *l,
    const uint8_t seed[16], char *err, size_t errsize)
{
	struct crowdsec *cs;
	char key[CROWDSEC_SECRET_MAX];
	size_t n;
	int e;

	err[0] = '\0';
	if (check_url(c->cs_lapi_url, err, errsize) == -1)
		return NULL;
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(cs);
		snprintf(err, errsize, "[crowdsec] libcurl would not start");
		errno = EIO;
		return NULL;
	}
	cs->curl_tfd = cs->sched_tfd = -1;
	cs->loop = loop;
	cs->ledger = l;
	/* A dry run bans nothing, here or through other bouncers. */
	cs->push_on = c->cs_push && !c->dry_run;
	if (c->cs_push && c->dry_run)
		log_info("crowdsec: dry run: our bans are not pushed");
	cs->pull_on = c->cs_pull;
	cs->limit.burst = 5;
	cs->limit.window = 60;
	cs->need_startup = true;
	cs->pull_every_ms = (uint64_t)(c->cs_pull_interval * 1000);
	n = strlen(c->cs_lapi_url);
	if ((cs->url = malloc(n + 2)) == NULL)
		goto fail;
	snprintf(cs->url, n + 2, "%s%s", c->cs_lapi_url,
	    n > 0 && c->cs_lapi_url[n - 1] == '/' ? "" : "/");
	if (cs->push_on) {
		snprintf(cs->machine_id, sizeof(cs->machine_id), "%s",
		    c->cs_machine_id);
		if (read_secret("password_file", c->cs_password_file,
			cs->password, sizeof(cs->password), err, errsize) == -1)
			goto fail;
	}
	if (cs->pull_on) {
		if (read_secret("bouncer_key_file", c->cs_bouncer_key_file,
			key, sizeof(key), err, errsize) == -1)
			goto fail;
		snprintf(cs->key_header, sizeof(cs->key_header), "X-Api-Key: %s",
		    key);
		explicit_bzero(key, sizeof(key));
		snprintf(cs->scopes, sizeof(cs->scopes), "%s",
		    c->ncs_scopes == 1 && strcasecmp(c->cs_scopes[0], "ip") == 0 ?
		    "ip" : c->ncs_scopes == 1 ? "range" : "ip,range");
	}
	if ((cs->multi = curl_multi_init()) == NULL ||
	    init_xfer(&cs->pull) == -1 || init_xfer(&cs->push) == -1 ||
	    curl_easy_setopt(cs->pull.h, CURLOPT_BUFFERSIZE,
		(long)CROWDSEC_PULL_BUFFER) != CURLE_OK ||
	    (cs->pulled = crowdsec_pull_new(seed)) == NULL ||
	    crowdsec_pull_set_conf(cs->pulled, c) == -1 ||
	    (cs->stream = crowdsec_json_stream_new(crowdsec_pull_add,
		 cs->pulled)) == NULL ||
	    (cs->queue = crowdsec_push_new(CROWDSEC_PUSH_QUEUE)) == NULL)
		goto fail;
	curl_multi_setopt(cs->multi, CURLMOPT_SOCKETFUNCTION, sock_cb);
	curl_multi_setopt(cs->multi, CURLMOPT_SOCKETDATA, cs);
	curl_multi_setopt(cs->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cs->multi, CURLMOPT_TIMERDATA, cs);
	cs->curl_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC);
	cs->sched_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC);
	if (cs->curl_tfd == -1 || cs->sched_tfd == -1 ||
	    loop_add(loop, cs->curl_tfd, EPOLLIN, on_curl_timer, cs) == -1 ||
	    loop_add(loop, cs->sched_tfd, EPOLLIN, on_schedule, cs) == -1 ||
	    ledger_observe(l, on_ledger, cs) == -1)
		goto fail;
	if (cs->pull_on)
		cs->next_pull = (uint64_t)mono_ms();
	reschedule(cs);
	log_info("crowdsec lapi=%s push=%s pull=%s pull_interval_ms=%llu",
	    cs->url, cs->push_on ? "yes" : "no", cs->pull_on ? "yes" : "no",
	    (unsigned long long)cs->pull_every_ms);
	return cs;
fail:
	e = errno;
	if (err[0] == '\0')
		snprintf(err, errsize, "[crowdsec] cannot start the LAPI "
		    "client: %s", strerror(e));
	crowdsec_close(cs);
	errno = e;
	return NULL;
}

static void
free_xfer(struct crowdsec *cs, struct xfer *x)
{
	if (x->h == NULL)
		return;
	if (x->kind != X_NONE)
		curl_multi_remove_handle(cs->multi, x->h);
	curl_easy_cleanup(x->h);
	curl_slist_free_all(x->hdrs);
	if (x->body != NULL)
		explicit_bzero(x->body, strlen(x->body));
	free(x->body);
}

void
crowdsec_close(struct crowdsec *cs)
{
	if (cs == NULL)
		return;
	free_xfer(cs, &cs->pull);
	free_xfer(cs, &cs->push);
	if (cs->multi != NULL)
		curl_multi_cleanup(cs->multi);
	if (cs->curl_tfd != -1) {
		loop_del(cs->loop, cs->curl_tfd);
		close(cs->curl_tfd);
	}
	if (cs->sched_tfd != -1) {
		loop_del(cs->loop, cs->sched_tfd);
		close(cs->sched_tfd);
	}
	crowdsec_json_stream_free(cs->stream);
	crowdsec_pull_free(cs->pulled);
	crowdsec_push_free(cs->queue);
	explicit_bzero(cs->password, sizeof(cs->password));
	explicit_bzero(cs->key_header, sizeof(cs->key_header));
	explicit_bzero(cs->token, sizeof(cs->token));
	free(cs->url);
	free(cs);
	curl_global_cleanup();
}
