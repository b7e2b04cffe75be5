/*
 * ledger_recheck: the periodic comparison of the ledger with the kernel
 * sets, off the loop. With 100,000 bans a dump and comparison on the loop
 * held it 360 to 1,000 ms, and every ban decided meanwhile waited. Reading
 * the dump a reply at a time does not bound it: the kernel resumes a hash
 * set's dump by walking it again from the start up to where it stopped,
 * so the later replies of a 100,000-element dump cost 10 to 25 ms each
 * (764 ms in all, measured in a namespace with bench-like sets).
 *
 * So a forked child does it, as the state save does (Redis's BGSAVE): it
 * dumps the sets on a netlink socket of its own, compares them with its
 * copy of the table (what ledger_reconcile() compares, without adopt) and
 * writes each difference to a pipe: an element the table does not hold
 * (delete it), a held ban the kernel lacks or holds with a time off by
 * more than LEDGER_DRIFT (put it back). The loop reads the pipe when it is
 * readable, LEDGER_RECHECK_READ bytes at a time, and checks each
 * difference against the table as it is then, since bans come and go
 * between the fork and the read: an element deleted only if still not
 * held, a ban put back only if still held and not shadowed, with a time
 * still off. The kernel resumes a hash set's dump by position, so an
 * element added or deleted while the child reads may shift another out of
 * the dump: that one is put back with an add, which changes nothing for
 * an element that is there. The child owns nothing of the parent's: it
 * exits with _exit() and never touches the parent's sockets.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ledger_int.h"
#include "log.h"
#include "nft.h"

/* One difference the child found. */
struct diff {
	struct addr target;
	int64_t kexp;   /* the kernel's expiry (absolute; 0: never), or -1:
	                 * not in the kernel */
	uint8_t del;    /* 1: delete the element; 0: put the ban back */
};

static bool
near(int64_t kexp, int64_t expires)
{
	return kexp == 0 || (kexp >= 0 && kexp <= expires + LEDGER_DRIFT &&
	    kexp + LEDGER_DRIFT >= expires);
}

static void
put(int fd, const struct diff *d)
{
	const char *p = (const char *)d;
	size_t left = sizeof(*d);
	ssize_t w;

	while (left > 0) {
		if ((w = write(fd, p, left)) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		p += w;
		left -= (size_t)w;
	}
}

/* The child: dump, compare with the table as it was at the fork, write
 * the differences to fd. Never returns. */
static void
child(struct ledger *l, int fd, int64_t now)
{
	struct nft_entry *have = NULL;
	struct bans *kernel;
	struct ban *b, *kb;
	struct diff d;
	ssize_t k, j;
	size_t i;

	if ((k = enforce_list_apart(l->enf, &have)) == -1 ||
	    (kernel = bans_new(l->seed)) == NULL)
		_exit(1);
	memset(&d, 0, sizeof(d));
	for (j = 0; j < k; j++) {
		if ((kb = bans_put(kernel, &have[j].target)) != NULL)
			kb->expires = have[j].expires_ms == 0 ? 0 :
			    now + (int64_t)(have[j].expires_ms / 1000);
		b = bans_find(l->bans, &have[j].target);
		if (b != NULL && b->expires > now && b->kstate != BAN_SHADOWED)
			continue;
		/* One the kernel is about to expire was most likely ours,
		 * expired here a moment ago. */
		if (b == NULL && have[j].expires_ms > 0 &&
		    have[j].expires_ms <= LEDGER_EXPIRING_MS)
			continue;
		d.target = have[j].target;
		d.kexp = kb != NULL ? kb->expires : 0;
		d.del = 1;
		put(fd, &d);
	}
	for (i = 0; i < bans_count(l->bans); i++) {
		b = bans_at(l->bans, i);
		if (b->expires <= now || b->kstate != BAN_HELD ||
		    ledger_shadowed(l, &b->target, now))
			continue;
		kb = bans_find(kernel, &b->target);
		if (kb != NULL && near(kb->expires, b->expires))
			continue;
		d.target = b->target;
		d.kexp = kb != NULL ? kb->expires : -1;
		d.del = 0;
		put(fd, &d);
	}
	_exit(0);
}

int
ledger_recheck_start(struct ledger *l, int64_t now)
{
	int p[2];
	pid_t pid;

	if (ledger_dry(l) || l->rc.open)
		return -1;
	if (pipe2(p, O_CLOEXEC) == -1) {
		log_warn("recheck of the kernel sets: pipe");
		return -1;
	}
	if ((pid = fork()) == -1) {
		log_warn("recheck of the kernel sets: fork");
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child(l, p[1], now);
	}
	close(p[1]);
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("recheck of the kernel sets: pipe");
		close(p[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	memset(&l->rc, 0, sizeof(l->rc));
	l->rc.pid = pid;
	l->rc.fd = p[0];
	l->rc.open = true;
	return p[0];
}

/* One difference, checked against the table as it is now. */
static void
apply(struct ledger *l, const struct diff *d, int64_t now)
{
	struct ban *b = bans_find(l->bans, &d->target);

	if (d->del) {
		if (b != NULL && b->expires > now && b->kstate != BAN_SHADOWED)
			return; /* held since the fork */
		ledger_next_group(l);
		ledger_queue(l, NFT_OP_DEL, &d->target, 0, ROLE_REMOVE, 0);
		l->rc.del++;
		return;
	}
	if (b == NULL || b->expires <= now || b->kstate != BAN_HELD ||
	    near(d->kexp, b->expires))
		return;
	if (ledger_shadowed(l, &b->target, now)) {
		b->kstate = BAN_SHADOWED;
		return;
	}
	b->kstate = BAN_PENDING;
	ledger_next_group(l);
	ledger_queue(l, d->kexp == -1 ? NFT_OP_ADD : NFT_OP_REFRESH,
	    &b->target, b->expires - now, ROLE_PUTBACK, 0);
	l->rc.put++;
}

/* The child is done (or gone, or killed: quiet): reap it, report,
 * forget it. */
static void
finish(struct ledger *l, bool quiet)
{
	int status = 0;

	if (waitpid(l->rc.pid, &status, 0) == l->rc.pid && !quiet &&
	    !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		log_warnx("recheck of the kernel sets: the child failed "
		    "(status %d); the next recheck tries again", status);
	if (l->rc.put + l->rc.del > 0) {
		l->st.reconciles++;
		l->st.put_back += l->rc.put;
		l->st.removed += l->rc.del;
		log_info("reconcile reason=recheck put_back=%zu removed=%zu",
		    l->rc.put, l->rc.del);
	}
	l->rc.pid = 0;
	l->rc.put = l->rc.del = 0;
}

int
ledger_recheck_read(struct ledger *l, int64_t now)
{
	struct diff d[LEDGER_RECHECK_READ / sizeof(struct diff)];
	size_t i, n;
	ssize_t r;

	if (l->rc.pid == 0)
		return 1;
	/* Complete records only: a partial one waits in rc.part. */
	memcpy(d, l->rc.part, l->rc.npart);
	r = read(l->rc.fd, (char *)d + l->rc.npart, sizeof(d) - l->rc.npart);
	if (r == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r <= 0) {
		if (r == -1)
			log_warn("recheck of the kernel sets: read");
		finish(l, false);
		return 1;
	}
	n = (l->rc.npart + (size_t)r) / sizeof(*d);
	l->rc.npart = (l->rc.npart + (size_t)r) % sizeof(*d);
	memcpy(l->rc.part, (char *)&d[n], l->rc.npart);
	/* What is queued goes out at the end of the loop iteration, with
	 * everything else decided in it (daemon.c, flush). */
	for (i = 0; i < n; i++)
		apply(l, &d[i], now);
	return 0;
}

void
ledger_recheck_close(struct ledger *l)
{
	if (l->rc.pid != 0) {
		kill(l->rc.pid, SIGKILL);
		finish(l, true);
	}
	if (l->rc.open)
		close(l->rc.fd);
	l->rc.open = false;
}
