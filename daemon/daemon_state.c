/*
 * daemon_state: the daemon's state file. Load at start, restore the bans
 * through the ledger, and save: debounced saves run in a forked child (as
 * Redis's BGSAVE does), so building and fsyncing a state of 100,000 bans
 * never holds the loop; the child sees a copy-on-write snapshot of the
 * daemon taken at the fork. Only the final save at exit runs in the
 * process itself. A failed save stays pending and is retried each tick.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "session.h"
#include "state.h"

static void
add_offence(void *arg, const struct addr *a, uint32_t count, int64_t last,
    int64_t expires)
{
	(void)expires;
	state_add_offence(arg, a, count, last);
}

static void
add_session(void *arg, const struct addr *a, uint32_t count, int64_t since)
{
	state_add_session(arg, a, count, since);
}

/* Build the state of dm and write it: 0, or -1 with errno. Run in the
 * save's child, and in the process itself for the final save. */
static int
build_and_write(struct daemon *dm)
{
	const struct bans *bans = ledger_bans(dm->ledger);
	const struct ban *b;
	struct state s;
	struct tail_pos pos;
	struct session_stats ss;
	unsigned i;
	size_t k;
	int rc, e;

	memset(&s, 0, sizeof(s));
	for (i = 0; dm->tail != NULL && i < dm->nfollowed; i++)
		if (tail_pos(dm->tail, i, &pos) == 0 && pos.ino != 0)
			state_add_tail(&s, dm->followed[i], (uint64_t)pos.dev,
			    (uint64_t)pos.ino, pos.offset, pos.fingerprint);
	for (k = 0; k < bans_count(bans); k++) {
		b = bans_at(bans, k);
		state_add_ban(&s, &b->target, b->expires, b->offences,
		    b->origin, b->reason);
	}
	decide_foreach_history(dm->d, add_offence, &s);
	session_get_stats(decide_sessions(dm->d), &ss);
	if (ss.blind_until != 0) {
		/* Started: the tracker's sessions go with the positions. */
		s.have_sessions = true;
		s.blind_until = ss.blind_until;
		session_foreach(decide_sessions(dm->d), add_session, &s);
	}
	if (mkdir(dm->conf.state_dir, 0700) == -1 && errno != EEXIST)
		rc = -1;
	else
		rc = state_save(dm->conf.state_dir, &s);
	e = errno;
	state_clear(&s);
	errno = e;
	return rc;
}

/* A save finished (ok) or failed (errno e): bookkeeping and the log. */
static void
save_result(struct daemon *dm, bool ok, int e, uint64_t gen)
{
	if (!ok) {
		dm->save_errno = e;
		dm->save_failures++;
		dm->dirty = true;
		if (dm->save_failing_since == 0) {
			dm->save_failing_since = daemon_now();
			errno = e;
			log_warn("state %s: save failed; retrying every second",
			    dm->conf.state_dir);
		}
		return;
	}
	if (dm->save_failing_since != 0)
		log_info("state %s: saved again after %llds of failures",
		    dm->conf.state_dir,
		    (long long)(daemon_now() - dm->save_failing_since));
	dm->save_failing_since = 0;
	dm->save_errno = 0;
	dm->saved_gen = gen;
}

void
daemon_state_save_bg(struct daemon *dm)
{
	uint64_t gen = ledger_gen(dm->ledger);
	pid_t pid;

	if (dm->save_pid > 0) {
		/* One at a time: the next tick saves what came since. */
		dm->dirty = true;
		return;
	}
	dm->dirty = false;
	dm->last_save = daemon_now();
	if ((pid = fork()) == -1) {
		log_warn("fork for the state save; saving in the loop");
		(void)daemon_state_save(dm);
		return;
	}
	if (pid == 0) {
		/* The child: write, and say how it went in the exit code. */
		dm->save_pid = -1;
		_exit(build_and_write(dm) == 0 ? 0 :
		    errno > 0 && errno < 256 ? errno : EIO);
	}
	dm->save_pid = pid;
	dm->save_gen = gen;
}

void
daemon_state_reap(struct daemon *dm, bool block)
{
	int status;
	pid_t pid;

	if (dm->save_pid <= 0)
		return;
	pid = waitpid(dm->save_pid, &status, block ? 0 : WNOHANG);
	if (pid == 0 || (pid == -1 && errno == EINTR))
		return;
	dm->save_pid = 0;
	if (pid == -1)
		save_result(dm, false, errno, 0);
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		save_result(dm, true, 0, dm->save_gen);
	else
		save_result(dm, false, WIFEXITED(status) ?
		    WEXITSTATUS(status) : EINTR, 0);
}

int
daemon_state_save(struct daemon *dm)
{
	uint64_t gen;
	int rc;

	daemon_state_reap(dm, true);
	gen = ledger_gen(dm->ledger);
	rc = build_and_write(dm);
	save_result(dm, rc == 0, errno, gen);
	if (rc == 0)
		dm->dirty = false;
	dm->last_save = daemon_now();
	return rc;
}

/*
 * Bans restored from the state file: the ledger records them, lifts or
 * splits those the allowlist now covers, then makes the kernel agree with
 * it both ways in one batch (after a reboot it lacks everything; after a
 * crash it may hold bans decided after the last save: those are adopted).
 * The history keeps them from being re-decided.
 */
void
daemon_state_restore(struct daemon *dm, const struct state *st, int64_t now)
{
	const struct ban *b;
	struct ban r;
	size_t i;

	for (i = 0; i < st->nbans; i++) {
		memset(&r, 0, sizeof(r));
		r.target = st->bans[i].target;
		r.expires = st->bans[i].expires;
		r.since = now;
		r.offences = st->bans[i].offences;
		snprintf(r.origin, sizeof(r.origin), "%s", st->bans[i].origin);
		snprintf(r.reason, sizeof(r.reason), "%s", st->bans[i].reason);
		if (ledger_restore(dm->ledger, &r, now) == -1)
			log_warn("state: ban not restored");
	}
	if (bans_count(ledger_bans(dm->ledger)) > 0)
		log_info("restoring bans=%zu",
		    bans_count(ledger_bans(dm->ledger)));
	ledger_apply_allow(dm->ledger, now);
	ledger_flush(dm->ledger, now, NULL);
	ledger_reconcile(dm->ledger, now, "restore", true);
	ledger_apply_allow(dm->ledger, now);
	ledger_flush(dm->ledger, now, NULL);
	for (i = 0; i < bans_count(ledger_bans(dm->ledger)); i++) {
		b = bans_at(ledger_bans(dm->ledger), i);
		decide_restore(dm->d, &b->target, b->offences > 0 ?
		    b->offences : 1, now, b->expires);
	}
}

/* Load state; a corrupt file is kept aside and we start clean. */
void
daemon_state_load(struct daemon *dm, struct state *st, int64_t now)
{
	char err[512];
	size_t i;

	memset(st, 0, sizeof(*st));
	if (mkdir(dm->conf.state_dir, 0700) == -1 && errno != EEXIST)
		log_warn("state directory %s", dm->conf.state_dir);
	switch (state_load(dm->conf.state_dir, st, now, err, sizeof(err))) {
	case -1:
		log_warnx("state refused, starting clean: %s", err);
		memset(st, 0, sizeof(*st));
		break;
	case 0:
		log_info("no state file yet: first start");
		break;
	default:
		log_info("state loaded bans=%zu offences=%zu tails=%zu",
		    st->nbans, st->noffences, st->ntails);
	}
	for (i = 0; i < st->noffences; i++)
		decide_restore(dm->d, &st->offences[i].target,
		    st->offences[i].count, st->offences[i].last, 0);
	/* The SMTP session tracker goes on where it stopped when the state
	 * saved it (a log that cannot resume exactly makes it blind anyway:
	 * check_lost). Without it, the first line read starts a blind spell
	 * at that line's time: sessions opened before are unknown. */
	if (st->have_sessions) {
		session_resume(decide_sessions(dm->d), st->blind_until);
		for (i = 0; i < st->nsessions; i++)
			session_restore(decide_sessions(dm->d),
			    &st->sessions[i].a, st->sessions[i].count,
			    st->sessions[i].since);
	}
}
