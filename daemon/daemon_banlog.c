/*
 * daemon_banlog: the daemon's ban history (banlog.h) and `history` on the
 * control socket. A ledger observer records every ban and every end of a
 * ban as it holds, in the ring and as one line appended to
 * state_dir/history, so the history outlives restarts and crashes (a line
 * cut by a crash is dropped at the next start, like any malformed line).
 *
 * The file stays bounded: when it holds twice history_records lines it is
 * rewritten (atomically, wfile.h) with the ring's records alone. At start
 * it is read into the ring; malformed lines are counted, logged and
 * dropped (the file is then rewritten clean); a file that cannot be read
 * (too large, not a regular file) is set aside as history.corrupt-EPOCH
 * and the history starts empty. history_records takes effect at start.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "banlog.h"
#include "daemon.h"
#include "dur.h"
#include "rfile.h"
#include "wfile.h"

static int
banlog_path(const struct daemon *dm, char *path, size_t size, const char *ext)
{
	if (snprintf(path, size, "%s/history%s", dm->conf.state_dir, ext) >=
	    (int)size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void
reopen(struct daemon *dm)
{
	char path[4096];

	if (dm->banlog_fd != -1)
		close(dm->banlog_fd);
	dm->banlog_fd = -1;
	if (banlog_path(dm, path, sizeof(path), "") == -1 ||
	    (dm->banlog_fd = open(path, O_WRONLY | O_APPEND | O_CREAT |
		 O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600)) == -1)
		log_warn("ban history: cannot open %s/history",
		    dm->conf.state_dir);
}

/* Rewrite the file with the ring's records alone. */
static void
compact(struct daemon *dm)
{
	char path[4096], tmp[4200], line[BANLOG_LINE_MAX], *buf = NULL;
	size_t i, len = 0;
	FILE *f;

	if (banlog_path(dm, path, sizeof(path), "") == -1 ||
	    banlog_path(dm, tmp, sizeof(tmp), ".tmp") == -1)
		return;
	if ((f = open_memstream(&buf, &len)) == NULL) {
		log_warn("ban history: compaction");
		return;
	}
	for (i = 0; i < dm->banlog.n; i++)
		fwrite(line, 1, banlog_format(banlog_at(&dm->banlog, i), line,
		    sizeof(line)), f);
	if (fclose(f) != 0) {
		free(buf);
		log_warn("ban history: compaction");
		return;
	}
	if (wfile_write(path, tmp, buf, len, 0600, false) == -1) {
		dm->banlog_errors++;
		log_warn("ban history: cannot rewrite %s", path);
	} else {
		dm->banlog_lines = dm->banlog.n;
		reopen(dm);
	}
	free(buf);
}

static void
on_ledger(void *arg, bool banned, const struct ban *b, const char *how,
    int64_t now)
{
	struct daemon *dm = arg;
	struct banlog_rec r;
	char line[BANLOG_LINE_MAX];
	size_t len;

	banlog_make(&r, banned, b, how, now);
	banlog_add(&dm->banlog, &r);
	if (dm->banlog_fd == -1)
		return;
	len = banlog_format(&r, line, sizeof(line));
	if (write(dm->banlog_fd, line, len) != (ssize_t)len) {
		dm->banlog_errors++;
		if (log_limit_allow(&dm->warn_limit, now))
			log_warn("ban history: write to %s/history",
			    dm->conf.state_dir);
		return;
	}
	if (++dm->banlog_lines >= 2 * dm->banlog.cap)
		compact(dm);
}

void
daemon_banlog_open(struct daemon *dm, int64_t now)
{
	char path[4096], aside[4200], msg[RFILE_MSG_MAX], *text = NULL;
	size_t len = 0, bad, lines = 0;

	dm->banlog_fd = -1;
	if (banlog_init(&dm->banlog, dm->conf.history_records) == -1)
		fatalx(EX_OSERR, "out of memory (history_records = %zu)",
		    dm->conf.history_records);
	if (ledger_observe(dm->ledger, on_ledger, dm) == -1)
		log_warn("ban history: ledger observer");
	if (banlog_path(dm, path, sizeof(path), "") == -1)
		return;
	if (rfile_read(path, (2 * dm->banlog.cap + 64) * BANLOG_LINE_MAX,
		RFILE_NOFOLLOW, &text, &len, msg, sizeof(msg)) == -1) {
		if (errno != ENOENT) {
			snprintf(aside, sizeof(aside), "%s.corrupt-%lld", path,
			    (long long)now);
			if (rename(path, aside) == 0)
				log_warnx("ban history %s refused (%s): kept as "
				    "%s, the history starts from now", path,
				    msg, aside);
			else
				log_warnx("ban history %s refused (%s)", path,
				    msg);
		}
		reopen(dm);
		return;
	}
	bad = banlog_load(&dm->banlog, text, len, &lines);
	free(text);
	dm->banlog_lines = lines;
	reopen(dm);
	if (bad > 0) {
		log_warnx("ban history %s: %zu malformed line%s dropped (of %zu)",
		    path, bad, bad == 1 ? "" : "s", lines);
		compact(dm);
	} else if (lines > dm->banlog.cap) {
		compact(dm);
	}
	log_info("ban history loaded records=%zu", dm->banlog.n);
}

void
daemon_banlog_close(struct daemon *dm)
{
	if (dm->banlog_fd != -1)
		close(dm->banlog_fd);
	dm->banlog_fd = -1;
	banlog_free(&dm->banlog);
}

static void
when(int64_t at, char *buf, size_t size)
{
	time_t t = (time_t)at;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M:%S %z", &tm) == 0)
		snprintf(buf, size, "@%lld", (long long)at);
}

static void
render_json(FILE *f, const struct banlog_rec *r, bool first)
{
	char a[ADDR_STRLEN];

	addr_format(&r->target, a, sizeof(a));
	fprintf(f, "%s{\"at\":%lld,\"event\":\"%s\",\"target\":\"%s\","
	    "\"seconds\":%lld,\"offences\":%u,\"origin\":\"", first ? "" : ",",
	    (long long)r->at, r->event == BANLOG_BAN ? "ban" : "end", a,
	    (long long)r->seconds, r->offences);
	stats_json_escape(f, r->origin);
	fprintf(f, "\",\"reason\":\"");
	stats_json_escape(f, r->reason);
	fprintf(f, "\",\"how\":\"");
	stats_json_escape(f, r->how);
	fprintf(f, "\"}");
}

static void
render_text(FILE *f, const struct banlog_rec *r, bool first)
{
	char a[ADDR_STRLEN], t[64], d[DUR_STRLEN], span[48];

	if (first)
		fprintf(f, "%-25s %-5s %-30s %-18s %-12s %s\n", "WHEN", "EVENT",
		    "TARGET", "FOR / LEFT", "ORIGIN", "REASON / HOW");
	addr_format(&r->target, a, sizeof(a));
	when(r->at, t, sizeof(t));
	dur_format((double)r->seconds, d, sizeof(d));
	if (r->event == BANLOG_BAN)
		snprintf(span, sizeof(span), "for %s", d);
	else if (strcmp(r->how, "expired") == 0)
		snprintf(span, sizeof(span), "expired");
	else
		snprintf(span, sizeof(span), "%s left", d);
	if (r->event == BANLOG_BAN)
		fprintf(f, "%-25s %-5s %-30s %-18s %-12s %s (offence %u)\n", t,
		    "ban", a, span, r->origin, r->reason, r->offences);
	else
		fprintf(f, "%-25s %-5s %-30s %-18s %-12s %s: %s\n", t, "end", a,
		    span, r->origin, r->how, r->reason);
}

/* history [TARGET] [since SECONDS] [json] */
void
daemon_banlog_history(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	struct addr target;
	bool json = false, have_target = false;
	int64_t since = 0, now = daemon_now();
	unsigned long long secs;
	char *buf = NULL, *end;
	size_t len = 0, i, shown = 0;
	int k;
	FILE *f;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "json") == 0) {
			json = true;
		} else if (strcmp(argv[k], "since") == 0 && k + 1 < argc) {
			errno = 0;
			secs = strtoull(argv[++k], &end, 10);
			if (errno != 0 || *end != '\0' || argv[k][0] < '0' ||
			    argv[k][0] > '9' || secs > (unsigned long long)now)
				goto usage;
			since = now - (int64_t)secs;
		} else if (!have_target &&
		    addr_parse_prefix(argv[k], false, &target) == 0) {
			have_target = true;
		} else {
			goto usage;
		}
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	if (json)
		fprintf(f, "[");
	for (i = 0; i < dm->banlog.n; i++) {
		const struct banlog_rec *rec = banlog_at(&dm->banlog, i);
		if (!banlog_match(rec, have_target ? &target : NULL, since))
			continue;
		if (json)
			render_json(f, rec, shown == 0);
		else
			render_text(f, rec, shown == 0);
		shown++;
	}
	if (json)
		fprintf(f, "]\n");
	if (fclose(f) != 0) {
		free(buf);
		ctl_reply_status(r, EX_OSERR, "out of memory");
		return;
	}
	ctl_reply_write(r, buf, len);
	free(buf);
	ctl_reply_status(r, 0, "%zu record%s (the history keeps the last %zu: "
	    "[ban] history_records)", shown, shown == 1 ? "" : "s",
	    dm->banlog.cap);
	return;
usage:
	ctl_reply_status(r, EX_USAGE, "usage: history [ADDRESS[/LEN]] "
	    "[--since DURATION] [--json]");
}
