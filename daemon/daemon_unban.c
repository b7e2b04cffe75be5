/*
 * daemon_unban: `unban` on the control socket (privileged). Every lift
 * goes through the ledger (ledger_unban, how "manual"), so the kernel,
 * the history, the metrics and the cluster's peers all hear of it. Only
 * what the admin named is lifted:
 *
 *   unban TARGET           the ban of exactly that host or prefix;
 *   unban covering ADDR    ADDR's own ban and every netblock ban over it;
 *   unban inside PREFIX    every ban inside PREFIX, PREFIX's own too;
 *   unban all              every ban, of every origin.
 *
 * When TARGET is not banned itself, the answer says why it may still be
 * dropped (the wider bans that cover it) or what is banned inside it, and
 * the command that lifts those; it lifts nothing by itself.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "conf_value.h"
#include "daemon.h"
#include "dur.h"

/* Bans named, one line each, in a refusal's body at most. */
#define UNBAN_TELL_MAX 16

static void
tell(const struct ban *b, int64_t now, struct ctl_reply *r)
{
	char a[ADDR_STRLEN], left[DUR_STRLEN];

	addr_format(&b->target, a, sizeof(a));
	dur_format((double)(b->expires - now), left, sizeof(left));
	ctl_reply_printf(r, "  %s: origin %s, %s left, reason %s\n", a,
	    b->origin, left, b->reason);
}

/* The bans covering host, one line each, into r; how many there are. */
static size_t
tell_covering(struct daemon *dm, const struct addr *host, int64_t now,
    struct ctl_reply *r)
{
	const struct ban *c[UNBAN_TELL_MAX];
	size_t n, i;

	n = ledger_covering(dm->ledger, host, now, c, UNBAN_TELL_MAX);
	for (i = 0; i < n && i < UNBAN_TELL_MAX; i++)
		tell(c[i], now, r);
	return n;
}

/* Longer prefixes first: a narrower ban lifted while a wider one still
 * shadows it costs the kernel nothing, and the wider one's lift then has
 * nothing left to hand back. */
static int
cmp_len_desc(const void *x, const void *y)
{
	const struct addr *a = x, *b = y;

	return (int)b->len - (int)a->len;
}

/*
 * The targets of the live bans inside net (NULL: every ban), malloc'd
 * into *out, longest prefixes first; their number, or -1 (ENOMEM). With
 * r, the first UNBAN_TELL_MAX are also told into r.
 */
static ssize_t
collect(struct daemon *dm, const struct addr *net, int64_t now,
    struct addr **out, struct ctl_reply *r)
{
	const struct bans *bans = ledger_bans(dm->ledger);
	size_t i, n = 0, count = bans_count(bans);
	struct addr *v;

	*out = NULL;
	if ((v = malloc((count ? count : 1) * sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < count; i++) {
		const struct ban *b = bans_at(bans, i);
		if (b->expires <= now ||
		    (net != NULL && !addr_contains(net, &b->target)))
			continue;
		if (r != NULL && n < UNBAN_TELL_MAX)
			tell(b, now, r);
		v[n++] = b->target;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_len_desc);
	*out = v;
	return (ssize_t)n;
}

/* Lift every ban inside net (NULL: all) and send the lifts to the kernel;
 * the number lifted, or -1 (ENOMEM). *failed: changes the kernel
 * refused. */
static ssize_t
lift(struct daemon *dm, const struct addr *net, int64_t now, size_t *failed)
{
	struct addr *t;
	ssize_t n, i, done = 0;

	if ((n = collect(dm, net, now, &t, NULL)) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (ledger_unban(dm->ledger, &t[i], "manual", now) == 0)
			done++;
	free(t);
	*failed = 0;
	ledger_flush(dm->ledger, now, failed);
	return done;
}

static void
done_status(struct ctl_reply *r, ssize_t done, size_t failed,
    const char *what)
{
	if (done == -1)
		ctl_reply_status(r, EX_OSERR, "out of memory: nothing lifted");
	else if (failed > 0)
		ctl_reply_status(r, EX_OSERR, "unbanned %zd ban%s %s in the "
		    "daemon, but the kernel refused to delete %zu element%s "
		    "(see the log); the next check retries", done,
		    done == 1 ? "" : "s", what, failed, failed == 1 ? "" : "s");
	else
		ctl_reply_status(r, 0, "unbanned %zd ban%s%s%s", done,
		    done == 1 ? "" : "s", what[0] ? " " : "", what);
}

/* unban TARGET: not banned itself; say what drops it, or what is banned
 * inside it, and how to lift that. */
static void
not_banned(struct daemon *dm, const struct addr *a, const char *what,
    int64_t now, struct ctl_reply *r)
{
	struct addr *t;
	ssize_t n;

	if (tell_covering(dm, a, now, r) > 0) {
		ctl_reply_status(r, EX_DATAERR, "%s is not banned itself, but "
		    "the bans above cover it: lift one with 'dominoban unban "
		    "PREFIX', or all of them with 'dominoban unban --covering "
		    "%s'", what, what);
		return;
	}
	if (!addr_is_host(a) && (n = collect(dm, a, now, &t, r)) > 0) {
		free(t);
		ctl_reply_status(r, EX_DATAERR, "%s is not banned itself, but "
		    "%zd ban%s inside it%s: lift one with 'dominoban unban "
		    "ADDRESS', or all of them with 'dominoban unban --inside "
		    "%s'", what, n, n == 1 ? " is" : "s are", n >
		    UNBAN_TELL_MAX ? " (the first shown above)" : " (above)",
		    what);
		return;
	}
	ctl_reply_status(r, EX_DATAERR, "%s is not banned, and no ban covers "
	    "it%s", what, addr_is_host(a) ? "" : " or lies inside it");
}

void
daemon_unban(void *arg, int argc, char **argv, struct ctl_reply *r)
{
	struct daemon *dm = arg;
	const struct ban *c[64];
	struct addr a, t[64];
	int64_t now = daemon_now();
	const char *mode = argc == 3 ? argv[1] : "";
	const char *what = argv[argc - 1];
	char label[ADDR_STRLEN + 16], msg[160];
	size_t n, i, failed = 0;
	ssize_t done = 0;

	if (argc == 2 && strcmp(argv[1], "all") == 0) {
		done = lift(dm, NULL, now, &failed);
		done_status(r, done, failed, "");
		return;
	}
	if (argc != 2 && strcmp(mode, "covering") != 0 &&
	    strcmp(mode, "inside") != 0) {
		ctl_reply_status(r, EX_USAGE, "usage: dominoban unban "
		    "ADDRESS[/LEN] | --covering ADDRESS | --inside PREFIX | "
		    "--all");
		return;
	}
	if (addr_parse_prefix(what, false, &a) == -1) {
		conf_value_bad_cidr(what, msg, sizeof(msg));
		ctl_reply_status(r, EX_USAGE, "%s", msg);
		return;
	}
	if (strcmp(mode, "inside") == 0) {
		snprintf(label, sizeof(label), "inside %s", what);
		done = lift(dm, &a, now, &failed);
		if (done == 0)
			ctl_reply_status(r, EX_DATAERR, "nothing is banned "
			    "inside %s", what);
		else
			done_status(r, done, failed, label);
		return;
	}
	if (strcmp(mode, "covering") == 0) {
		n = ledger_covering(dm->ledger, &a, now, c, 64);
		for (i = 0; i < n && i < 64; i++)
			t[i] = c[i]->target;
		for (i = 0; i < n && i < 64; i++)
			if (ledger_unban(dm->ledger, &t[i], "manual", now) == 0)
				done++;
		if (ledger_unban(dm->ledger, &a, "manual", now) == 0)
			done++;
		ledger_flush(dm->ledger, now, &failed);
		if (done == 0) {
			ctl_reply_status(r, EX_DATAERR, "%s is not banned and no "
			    "ban covers it", what);
			return;
		}
		snprintf(label, sizeof(label), "covering %s", what);
		done_status(r, done, failed, label);
		return;
	}
	if (ledger_unban(dm->ledger, &a, "manual", now) == -1) {
		not_banned(dm, &a, what, now, r);
		return;
	}
	ledger_flush(dm->ledger, now, &failed);
	if (failed > 0)
		ctl_reply_status(r, EX_OSERR, "unbanned %s in the daemon, but "
		    "the kernel refused to delete an element (see the log); "
		    "the next check retries it", what);
	else
		ctl_reply_status(r, 0, "unbanned %s", what);
}
