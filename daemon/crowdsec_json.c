/*
 * crowdsec_json: see crowdsec_json.h.
 *
 * The stream reader is a byte-at-a-time state machine over the answer's
 * outer structure only: {"KEY": VALUE, ...}, where the values of "new"
 * and "deleted" are null or arrays of objects. It tracks strings and
 * escapes so that braces inside strings do not count, copies each element
 * object of those arrays into a bounded buffer and hands that to jansson
 * (json_loadb), which does all the JSON parsing proper. Values of other
 * keys are stepped over without being kept. Memory is one element buffer,
 * whatever the size of the answer; nesting is a counter, not recursion.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "crowdsec_json.h"

/* Longest key of the outer object kept ("new", "deleted"); longer keys
 * are some other key. */
#define KEY_MAX 16

enum st {
	S_START,      /* before the outer '{' */
	S_KEY0,       /* after '{': a key or '}' */
	S_KEY1,       /* after ',': a key */
	S_KEY,        /* inside a key string */
	S_COLON,
	S_VALUE,
	S_NULL,       /* inside the literal null of new/deleted */
	S_ARR0,       /* after '[': an element or ']' */
	S_ARR1,       /* after ',': an element */
	S_ELEM,       /* inside an element object, kept */
	S_ARRNEXT,    /* after an element: ',' or ']' */
	S_SKIP,       /* inside a value of another key, not kept */
	S_SKIPPRIM,   /* inside a number or literal of another key */
	S_NEXT,       /* after a value: ',' or '}' */
	S_DONE,       /* after the outer '}': only blanks */
	S_ERROR,
};

struct crowdsec_json_stream {
	crowdsec_json_cb cb;
	void *arg;
	enum st st;
	bool in_str, esc;         /* inside a string, after a backslash */
	unsigned depth;           /* of the element or skipped value */
	char key[KEY_MAX + 1];
	size_t keylen;
	bool key_long;
	int list;                 /* 0 another key, 1 new, 2 deleted */
	size_t lit;               /* bytes of "null" matched */
	char *elem;
	size_t elen;
	bool elem_long;
	size_t bad, count;
	uint64_t offset;          /* bytes read, for the error */
	char error[128];
};

struct crowdsec_json_stream *
crowdsec_json_stream_new(crowdsec_json_cb cb, void *arg)
{
	struct crowdsec_json_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	if ((s->elem = malloc(CROWDSEC_JSON_ELEM_MAX)) == NULL) {
		free(s);
		return NULL;
	}
	s->cb = cb;
	s->arg = arg;
	return s;
}

void
crowdsec_json_stream_free(struct crowdsec_json_stream *s)
{
	if (s == NULL)
		return;
	free(s->elem);
	free(s);
}

void
crowdsec_json_stream_reset(struct crowdsec_json_stream *s)
{
	s->st = S_START;
	s->in_str = s->esc = false;
	s->depth = 0;
	s->keylen = 0;
	s->key_long = false;
	s->list = 0;
	s->lit = 0;
	s->elen = 0;
	s->elem_long = false;
	s->bad = s->count = 0;
	s->offset = 0;
	s->error[0] = '\0';
}

const char *
crowdsec_json_stream_error(const struct crowdsec_json_stream *s)
{
	return s->error;
}

size_t
crowdsec_json_stream_bad(const struct crowdsec_json_stream *s)
{
	return s->bad;
}

size_t
crowdsec_json_stream_count(const struct crowdsec_json_stream *s)
{
	return s->count;
}

static bool
blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copy the string member name of o into out; false when it is missing,
 * not a string, empty or too long. */
static bool
get_str(json_t *o, const char *name, char *out, size_t size)
{
	json_t *v = json_object_get(o, name);
	size_t n;

	if (!json_is_string(v))
		return false;
	n = json_string_length(v);
	if (n == 0 || n >= size || memchr(json_string_value(v), '\0', n) != NULL)
		return false;
	memcpy(out, json_string_value(v), n + 1);
	return true;
}

/* Parse the element in s->elem and deliver it, or count it as bad. */
static void
element(struct crowdsec_json_stream *s)
{
	struct crowdsec_decision d;
	char dur[CROWDSEC_JSON_FIELD_MAX];
	json_error_t err;
	json_t *o, *id;

	if (s->elem_long) {
		s->bad++;
		return;
	}
	o = json_loadb(s->elem, s->elen, JSON_REJECT_DUPLICATES, &err);
	memset(&d, 0, sizeof(d));
	d.deleted = s->list == 2;
	id = json_object_get(o, "id");
	if (!json_is_object(o) || !json_is_integer(id) ||
	    !get_str(o, "type", d.type, sizeof(d.type)) ||
	    !get_str(o, "scope", d.scope, sizeof(d.scope)) ||
	    !get_str(o, "value", d.value, sizeof(d.value)) ||
	    !get_str(o, "duration", dur, sizeof(dur)) ||
	    crowdsec_json_duration(dur, &d.seconds) == -1) {
		s->bad++;
		json_decref(o);
		return;
	}
	d.id = json_integer_value(id);
	/* The origin is informative: a decision without one is "unknown". */
	if (!get_str(o, "origin", d.origin, sizeof(d.origin)))
		snprintf(d.origin, sizeof(d.origin), "unknown");
	if (!get_str(o, "scenario", d.scenario, sizeof(d.scenario)))
		d.scenario[0] = '\0';
	json_decref(o);
	s->count++;
	s->cb(s->arg, &d);
}

static int
refuse(struct crowdsec_json_stream *s, const char *why)
{
	s->st = S_ERROR;
	snprintf(s->error, sizeof(s->error), "%s at byte %llu", why,
	    (unsigned long long)s->offset);
	errno = EBADMSG;
	return -1;
}

/* Track strings and nesting inside an element or a skipped value; true
 * when c closes it. */
static bool
nest(struct crowdsec_json_stream *s, char c)
{
	if (s->in_str) {
		if (s->esc)
			s->esc = false;
		else if (c == '\\')
			s->esc = true;
		else if (c == '"')
			s->in_str = false;
		return !s->in_str && s->depth == 0;
	}
	if (c == '"')
		s->in_str = true;
	else if (c == '{' || c == '[')
		s->depth++;
	else if ((c == '}' || c == ']') && s->depth > 0)
		s->depth--;
	else
		return false;
	return s->depth == 0 && !s->in_str;
}

static void
keep(struct crowdsec_json_stream *s, char c)
{
	if (s->elen < CROWDSEC_JSON_ELEM_MAX)
		s->elem[s->elen++] = c;
	else
		s->elem_long = true;
}

static int
step(struct crowdsec_json_stream *s, char c)
{
	switch (s->st) {
	case S_START:
		if (blank(c))
			return 0;
		if (c != '{')
			return refuse(s, "not a JSON object");
		s->st = S_KEY0;
		return 0;
	case S_KEY0:
	case S_KEY1:
		if (blank(c))
			return 0;
		if (c == '}' && s->st == S_KEY0) {
			s->st = S_DONE;
			return 0;
		}
		if (c != '"')
			return refuse(s, "expected a key");
		s->keylen = 0;
		s->key_long = false;
		s->esc = false;
		s->st = S_KEY;
		return 0;
	case S_KEY:
		if (s->esc) {
			s->esc = false;
			s->key_long = true; /* an escaped key is no key of ours */
			return 0;
		}
		if (c == '\\') {
			s->esc = true;
			return 0;
		}
		if (c == '"') {
			s->key[s->keylen] = '\0';
			s->list = s->key_long ? 0 : strcmp(s->key, "new") == 0 ? 1 :
			    strcmp(s->key, "deleted") == 0 ? 2 : 0;
			s->st = S_COLON;
			return 0;
		}
		if (s->keylen < KEY_MAX)
			s->key[s->keylen++] = c;
		else
			s->key_long = true;
		return 0;
	case S_COLON:
		if (blank(c))
			return 0;
		if (c != ':')
			return refuse(s, "expected ':'");
		s->st = S_VALUE;
		return 0;
	case S_VALUE:
		if (blank(c))
			return 0;
		s->in_str = s->esc = false;
		s->depth = 0;
		if (s->list != 0) {
			if (c == 'n') {
				s->lit = 1;
				s->st = S_NULL;
			} else if (c == '[') {
				s->st = S_ARR0;
			} else {
				return refuse(s, s->list == 1 ? "\"new\" is not an "
				    "array or null" : "\"deleted\" is not an array "
				    "or null");
			}
			return 0;
		}
		if (c == ',' || c == '}' || c == ']' || c == ':')
			return refuse(s, "expected a value");
		if (c == '"' || c == '{' || c == '[') {
			(void)nest(s, c);
			s->st = S_SKIP;
		} else {
			s->st = S_SKIPPRIM;
		}
		return 0;
	case S_NULL:
		if (c != "null"[s->lit])
			return refuse(s, "bad literal");
		if (++s->lit == 4)
			s->st = S_NEXT;
		return 0;
	case S_ARR0:
	case S_ARR1:
		if (blank(c))
			return 0;
		if (c == ']' && s->st == S_ARR0) {
			s->st = S_NEXT;
			return 0;
		}
		if (c != '{')
			return refuse(s, "a decision is not an object");
		s->elen = 0;
		s->elem_long = false;
		s->in_str = s->esc = false;
		s->depth = 0;
		keep(s, c);
		(void)nest(s, c);
		s->st = S_ELEM;
		return 0;
	case S_ELEM:
		keep(s, c);
		if (nest(s, c)) {
			element(s);
			s->st = S_ARRNEXT;
		}
		return 0;
	case S_ARRNEXT:
		if (blank(c))
			return 0;
		if (c == ',')
			s->st = S_ARR1;
		else if (c == ']')
			s->st = S_NEXT;
		else
			return refuse(s, "expected ',' or ']' after a decision");
		return 0;
	case S_SKIP:
		if (nest(s, c))
			s->st = S_NEXT;
		return 0;
	case S_SKIPPRIM:
		if (c == ',' || c == '}') {
			s->st = S_NEXT;
			return step(s, c);
		}
		if (blank(c))
			s->st = S_NEXT;
		else if (c == '{' || c == '[' || c == '"' || c == ']' || c == ':')
			return refuse(s, "bad value");
		return 0;
	case S_NEXT:
		if (blank(c))
			return 0;
		if (c == ',')
			s->st = S_KEY1;
		else if (c == '}')
			s->st = S_DONE;
		else
			return refuse(s, "expected ',' or '}'");
		return 0;
	case S_DONE:
		if (!blank(c))
			return refuse(s, "data after the object");
		return 0;
	case S_ERROR:
		errno = EBADMSG;
		return -1;
	}
	return refuse(s, "internal state");
}

/* Inside an element, the bytes that change neither strings nor nesting
 * are copied in one go: the run up to the next quote or backslash in a
 * string, or the next quote or bracket outside one. Returns how many. */
static size_t
bulk(struct crowdsec_json_stream *s, const char *buf, size_t len)
{
	size_t n = 0, room;

	if (s->esc)
		return 0;
	if (s->in_str)
		while (n < len && buf[n] != '"' && buf[n] != '\\')
			n++;
	else
		while (n < len && buf[n] != '"' && buf[n] != '{' &&
		    buf[n] != '}' && buf[n] != '[' && buf[n] != ']')
			n++;
	room = CROWDSEC_JSON_ELEM_MAX - s->elen;
	memcpy(s->elem + s->elen, buf, n < room ? n : room);
	s->elen += n < room ? n : room;
	if (n > room)
		s->elem_long = true;
	s->offset += n;
	return n;
}

int
crowdsec_json_stream_feed(struct crowdsec_json_stream *s, const char *buf,
    size_t len)
{
	size_t i = 0;

	while (i < len) {
		if (s->st == S_ELEM && (i += bulk(s, buf + i, len - i)) == len)
			break;
		if (step(s, buf[i]) == -1)
			return -1;
		i++;
		s->offset++;
	}
	return 0;
}

int
crowdsec_json_stream_end(struct crowdsec_json_stream *s)
{
	if (s->st == S_ERROR) {
		errno = EBADMSG;
		return -1;
	}
	if (s->st != S_DONE)
		return refuse(s, s->offset == 0 ? "empty answer" :
		    "answer cut short");
	return 0;
}

/* ---- Go durations ------------------------------------------------------- */

int
crowdsec_json_duration(const char *s, double *out)
{
	static const struct {
		const char *name;
		double secs;
	} units[] = {
	    {"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6},
	    {"\xce\xbcs", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60},
	    {"h", 3600},
	};
	double total = 0, v, frac, scale;
	bool neg = false, digits;
	size_t i, n;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out = 0;
		return 0;
	}
	if (*s == '\0')
		goto bad;
	while (*s != '\0') {
		v = 0;
		digits = false;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (*s++ - '0');
			digits = true;
			if (v > 1e19)
				goto bad;
		}
		if (*s == '.') {
			s++;
			frac = 0;
			scale = 1;
			while (*s >= '0' && *s <= '9') {
				if (scale < 1e18) {
					frac = frac * 10 + (*s - '0');
					scale *= 10;
				}
				s++;
				digits = true;
			}
			v += frac / scale;
		}
		if (!digits)
			goto bad;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			n = strlen(units[i].name);
			/* "m" must not take the "m" of "ms". */
			if (strncmp(s, units[i].name, n) == 0 &&
			    !(n == 1 && s[0] == 'm' && s[1] == 's'))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			goto bad;
		s += strlen(units[i].name);
		total += v * units[i].secs;
		if (total > 1e10)
			goto bad;
	}
	*out = neg ? -total : total;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- what we send ------------------------------------------------------- */

char *
crowdsec_json_login(const char *machine_id, const char *password)
{
	json_t *o = json_pack("{s:s, s:s, s:[s]}", "machine_id", machine_id,
	    "password", password, "scenarios", "dominoban/*");
	char *body;

	if (o == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	body = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (body == NULL)
		errno = ENOMEM;
	return body;
}

int
crowdsec_json_token(const char *body, size_t len, char *out, size_t size)
{
	json_error_t err;
	json_t *o = json_loadb(body, len, 0, &err);
	json_t *t = json_object_get(o, "token");
	int rc = 0;

	if (!json_is_string(t) || json_string_length(t) == 0) {
		errno = EBADMSG;
		rc = -1;
	} else if (json_string_length(t) >= size) {
		errno = ENAMETOOLONG;
		rc = -1;
	} else {
		memcpy(out, json_string_value(t), json_string_length(t) + 1);
	}
	json_decref(o);
	return rc;
}

void
crowdsec_json_scenario(const char *reason, char *out, size_t size)
{
	size_t n = strcspn(reason, "=,");

	if (n == 0)
		snprintf(out, size, "dominoban/unknown");
	else
		snprintf(out, size, "dominoban/%.*s", (int)n, reason);
}

uint32_t
crowdsec_json_events(const char *reason)
{
	unsigned long sum = 0, v;
	const char *p = reason;
	char *end;

	while ((p = strchr(p, '=')) != NULL) {
		v = strtoul(p + 1, &end, 10);
		if (end != p + 1 && v < 1000000)
			sum += v;
		p = end;
	}
	return sum == 0 ? 1 : sum > 1000000 ? 1000000 : (uint32_t)sum;
}

/* Printable ASCII only: jansson wants UTF-8, and the LAPI shows these. */
static void
printable(char *dst, size_t size, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < size && src[i] != '\0'; i++)
		dst[i] = src[i] >= ' ' && src[i] <= '~' ? src[i] : '?';
	dst[i] = '\0';
}

static void
rfc3339(int64_t t, char *buf, size_t size)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

static json_t *
alert(const struct crowdsec_alert *a)
{
	char value[ADDR_STRLEN], scenario[VERDICT_REASON_MAX + 16];
	char reason[VERDICT_REASON_MAX], origin[sizeof(a->origin)];
	char at[32], dur[32], msg[512];
	bool host = addr_is_host(&a->target);
	const char *scope = host ? "Ip" : "Range";

	addr_format(&a->target, value, sizeof(value));
	printable(reason, sizeof(reason), a->reason);
	printable(origin, sizeof(origin), a->origin);
	crowdsec_json_scenario(reason, scenario, sizeof(scenario));
	rfc3339(a->at, at, sizeof(at));
	snprintf(dur, sizeof(dur), "%us", a->seconds);
	snprintf(msg, sizeof(msg), "dominoban: %s banned for %us (%s), "
	    "offence %u, %s", value, a->seconds, reason, a->offences, origin);
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:i, s:s, s:b,"
	    " s:b, s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}],"
	    " s:{s:s, s:s, s:s}, s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:b}]}",
	    "scenario", scenario, "scenario_hash", "", "scenario_version", "",
	    "message", msg, "events_count",
	    (json_int_t)crowdsec_json_events(reason), "start_at", at,
	    "stop_at", at, "capacity", 0, "leakspeed", "0", "simulated", 0,
	    "remediation", 1,
	    "events", "timestamp", at, "meta", "key", host ? "source_ip" :
	    "source_range", "value", value, "key", "reason", "value", reason,
	    "key", "origin", "value", origin,
	    "source", "scope", scope, "value", value, host ? "ip" : "range",
	    value,
	    "decisions", "origin", "dominoban", "type", "ban", "scope", scope,
	    "value", value, "duration", dur, "scenario", scenario, "simulated",
	    0);
}

char *
crowdsec_json_alerts(const struct crowdsec_alert *a, size_t n, size_t *len)
{
	json_t *arr = json_array(), *o;
	char *body;
	size_t i;

	if (arr == NULL)
		goto nomem;
	for (i = 0; i < n; i++)
		if ((o = alert(&a[i])) == NULL || json_array_append_new(arr,
			o) == -1) {
			json_decref(arr);
			goto nomem;
		}
	body = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (body == NULL)
		goto nomem;
	*len = strlen(body);
	return body;
nomem:
	errno = ENOMEM;
	return NULL;
}
