/*
 * crowdsec-bench: the daemon's own share of a large startup answer,
 * without the LAPI and the kernel: N decisions in the LAPI's JSON (as
 * 1.4.6 writes them) read by the incremental reader (crowdsec_json.c)
 * in 16 KiB chunks, as curl hands them over, then applied to a ledger in
 * dry run (crowdsec_pull.c). Prints the time of each phase.
 *
 *   bench/crowdsec-bench [N]      (default 100000)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crowdsec_json.h"
#include "crowdsec_pull.h"
#include "log.h"

#define CHUNK 16384

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
count(void *arg, const struct crowdsec_decision *d)
{
	(void)d;
	(*(size_t *)arg)++;
}

/* The answer: N new ban decisions on 10.x.y.z, as the LAPI writes them. */
static char *
answer(size_t n, size_t *len)
{
	size_t cap = n * 200 + 64, off = 0, i;
	char *buf = malloc(cap);

	if (buf == NULL)
		exit(1);
	off += (size_t)snprintf(buf + off, cap - off, "{\"deleted\":null,\"new\":[");
	for (i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s{\"duration\":"
		    "\"23h59m27.123456789s\",\"id\":%zu,\"origin\":\"lists\","
		    "\"scenario\":\"crowdsecurity/ssh-bf\",\"scope\":\"Ip\","
		    "\"type\":\"ban\",\"value\":\"10.%zu.%zu.%zu\"}", i ? "," :
		    "", i + 1, i >> 16 & 255, i >> 8 & 255, i & 255);
	off += (size_t)snprintf(buf + off, cap - off, "]}");
	*len = off;
	return buf;
}

static int
feed(struct crowdsec_json_stream *s, const char *buf, size_t len)
{
	size_t off;

	crowdsec_json_stream_reset(s);
	for (off = 0; off < len; off += CHUNK)
		if (crowdsec_json_stream_feed(s, buf + off,
			len - off < CHUNK ? len - off : CHUNK) == -1)
			return -1;
	return crowdsec_json_stream_end(s);
}

int
main(int argc, char **argv)
{
	static const uint8_t seed[16] = {1};
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, len, got = 0;
	struct crowdsec_json_stream *s;
	struct crowdsec_pull *p;
	struct enforce *e;
	struct ledger *l;
	struct allow al;
	struct conf c;
	double t0, t1, t2;
	char *buf = answer(n, &len);

	log_set_level(LOG_LEVEL_WARNING);
	if (conf_defaults(&c) == -1)
		return 1;
	c.dry_run = true;
	allow_init(&al);
	if ((e = enforce_open(&c)) == NULL ||
	    (l = ledger_new(seed, e, &al, &c, NULL)) == NULL ||
	    (p = crowdsec_pull_new(seed)) == NULL ||
	    crowdsec_pull_set_conf(p, &c) == -1)
		return 1;

	s = crowdsec_json_stream_new(count, &got);
	t0 = now_ms();
	if (s == NULL || feed(s, buf, len) == -1 || got != n)
		return 1;
	t1 = now_ms();
	printf("crowdsec-bench: %zu decisions, %zu bytes of JSON: read in %.0f "
	    "ms (%.0f MB/s)\n", n, len, t1 - t0, len / 1e3 / (t1 - t0));
	crowdsec_json_stream_free(s);

	s = crowdsec_json_stream_new(crowdsec_pull_add, p);
	crowdsec_pull_begin(p);
	t0 = now_ms();
	if (s == NULL || feed(s, buf, len) == -1)
		return 1;
	t1 = now_ms();
	crowdsec_pull_end(p, l, true, (int64_t)time(NULL));
	t2 = now_ms();
	printf("crowdsec-bench: read and kept in %.0f ms, applied to the "
	    "ledger (dry run, no kernel, no log) in %.0f ms: %zu bans\n",
	    t1 - t0, t2 - t1, bans_count(ledger_bans(l)));
	crowdsec_json_stream_free(s);
	crowdsec_pull_free(p);
	ledger_free(l);
	enforce_close(e);
	conf_free(&c);
	free(buf);
	return 0;
}
