/*
 * daemon_follow: the followed logs: added to the tailer (resumed from the
 * state file), and which of them cannot be read and why, said at start,
 * each second while it lasts (once per change), by `run -n` and `status`.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "daemon.h"
#include "follow.h"
#include "state.h"
#include "tail.h"

/* Follow the configured logs not followed yet, resuming from st. */
void
daemon_follow_add(struct daemon *dm, const struct state *st)
{
	const struct tail_pos *resume;
	struct tail_stats ts;
	struct tail_pos pos;
	uint64_t lost;
	size_t i, k;
	char **v, **e;

	tail_stats(dm->tail, &ts);
	lost = ts.resume_lost;

	for (i = 0; i < dm->conf.nlogs; i++) {
		for (k = 0; k < dm->nfollowed; k++)
			if (strcmp(dm->followed[k], dm->conf.logs[i]) == 0)
				break;
		if (k < dm->nfollowed)
			continue;
		resume = NULL;
		for (k = 0; st != NULL && k < st->ntails; k++) {
			if (strcmp(st->tails[k].path, dm->conf.logs[i]) != 0)
				continue;
			memset(&pos, 0, sizeof(pos));
			pos.dev = (dev_t)st->tails[k].dev;
			pos.ino = (ino_t)st->tails[k].ino;
			pos.offset = st->tails[k].offset;
			pos.fingerprint = st->tails[k].fingerprint;
			resume = &pos;
		}
		if (tail_add(dm->tail, dm->conf.logs[i], dm->from_start ||
			dm->conf.from_start, resume) == -1) {
			log_warn("cannot follow %s", dm->conf.logs[i]);
			continue;
		}
		v = realloc(dm->followed, (dm->nfollowed + 1) * sizeof(*v));
		if (v == NULL)
			fatal(EX_OSERR, "out of memory");
		dm->followed = v;
		if ((e = realloc(dm->follow_msg, (dm->nfollowed + 1) *
			 sizeof(*e))) == NULL)
			fatal(EX_OSERR, "out of memory");
		dm->follow_msg = e;
		if ((e[dm->nfollowed] = strdup("")) == NULL)
			fatal(EX_OSERR, "out of memory");
		if ((v[dm->nfollowed++] = strdup(dm->conf.logs[i])) == NULL)
			fatal(EX_OSERR, "out of memory");
		tail_stats(dm->tail, &ts);
		if (ts.resume_lost != lost)
			log_warnx("follow path=%s: the saved position is gone (the "
			    "file was rewritten, or rotated and moved or "
			    "compressed while dominoban was stopped): reading "
			    "it from its start; lines written before the "
			    "rotation may have been missed", dm->conf.logs[i]);
		else
			log_info("follow path=%s resume=%s", dm->conf.logs[i],
			    resume != NULL ? "yes" : "no");
		lost = ts.resume_lost;
	}
}

void
daemon_follow_problem(struct daemon *dm, size_t i, char *buf, size_t size)
{
	struct tail_pos pos;

	memset(&pos, 0, sizeof(pos));
	buf[0] = '\0';
	if (tail_pos(dm->tail, (unsigned)i, &pos) == 0 && pos.ino != 0 &&
	    tail_open_error(dm->tail, (unsigned)i) == 0)
		return;
	/* Readable now (buf ""): the tailer opens it at its next look. */
	(void)follow_problem(dm->followed[i], dm->whoami, buf, size);
}

/* Say when a followed file cannot be read, why, and when it can be again:
 * the usual cause is a missing ACL or group (docs/DOMINO.md §4). */
void
daemon_follow_check(struct daemon *dm)
{
	char why[FOLLOW_MSG_MAX];
	size_t i;

	for (i = 0; i < dm->nfollowed; i++) {
		daemon_follow_problem(dm, i, why, sizeof(why));
		if (strcmp(why, dm->follow_msg[i]) == 0)
			continue;
		if (why[0] != '\0')
			log_warnx("NOT following path=%s: %s%s; checking again "
			    "every second", dm->followed[i], why,
			    strstr(why, "permission") != NULL ? " (dominoban "
			    "needs read access to the log: a group or an ACL, "
			    "see docs/DOMINO.md)" : "");
		else
			log_info("follow path=%s readable now", dm->followed[i]);
		free(dm->follow_msg[i]);
		if ((dm->follow_msg[i] = strdup(why)) == NULL)
			fatal(EX_OSERR, "out of memory");
	}
}

/* run -n: every configured log that cannot be read now, on stderr. */
void
daemon_follow_print(const struct daemon *dm)
{
	char why[FOLLOW_MSG_MAX];
	size_t i;

	for (i = 0; i < dm->conf.nlogs; i++)
		if (follow_problem(dm->conf.logs[i], dm->whoami, why,
			sizeof(why)) != 0)
			fprintf(stderr, "dominoban: warning: NOT following: %s: "
			    "%s\n", dm->conf.logs[i], why);
}
