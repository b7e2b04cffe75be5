/*
 * gen-domino-log: write a deterministic Domino console log for benchmarks.
 *   gen-domino-log [-b] LINES ATTACK_PERCENT [SEED] > notes.log
 * Benign lines are drawn from the shapes a busy Domino server writes (router
 * deliveries, replication, SMTP sessions that receive mail, HTTP and agent
 * chatter); attack lines mix every kind the shipped patterns cover, from
 * documentation address ranges.
 *
 * -b, a busy server with log_sessions on: a fifth of all lines open or
 * close an SMTP session ("connected", "disconnected. N messages
 * received"), BUSY_SESSIONS of them open at once, from benchmark-range
 * addresses (198.18.0.0/15), as a busy MX logs them.
 */
#include <stdint.h>

/* The line shapes are tables of formats: checked by hand, not by -Wformat. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#include <stdio.h>
#include <stdlib.h>

#define BUSY_SESSIONS 200 /* sessions open at once with -b */
#define BUSY_PERMILLE 200 /* session lines per 1,000 lines with -b */

static uint64_t rng;

static uint32_t
next(void)
{
	/* xorshift64*: deterministic across machines. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

/* One attack line of kind k, from documentation address ranges. */
static void
attack_line(unsigned k)
{
	unsigned id = next() % 0xffff, a = next() % 256, b = next() % 256;

	switch (k) {
	case 0:
		printf("SMTP Server: Authentication failed for user guess%X ; "
		    "connecting host 203.0.113.%u", id, a);
		break;
	case 1:
		printf("smtp: guess%X [198.51.100.%u] authentication failure "
		    "using internet password", id, a);
		break;
	case 2:
		printf("http: admin%X [192.0.2.%u] authentication failure "
		    "using internet password: User is locked out", id, a);
		break;
	case 3:
		printf("SMTP Server: Rejected recipient <u%X@example.com> from "
		    "host [203.0.113.%u]: not listed in Domino Directory", id,
		    a);
		break;
	case 4:
		printf("TLS/SSL connection 198.51.100.%u(%u) -> 192.0.2.1(443) "
		    "failed with no supported ciphers", a, 1024 + id);
		break;
	case 5:
		printf("SMTP Server [001984:000017-00007F3A9C5FE700] Connection "
		    "from [203.0.113.%u] rejected for policy reasons. IP address "
		    "of connecting host not found in reverse DNS lookup.", a);
		break;
	case 6:
		printf("ldap: cn=u%X [2001:db8:%x::%x] authentication failure "
		    "using internet password", id, a, b);
		break;
	default:
		printf("POP3 Server: Authentication failure for u%X, connecting "
		    "host 192.0.2.%u: Password not found in the Name and "
		    "Address Book entry or password did not verify", id, a);
		break;
	}
}

/* One session line of a busy server: open one while fewer than
 * BUSY_SESSIONS are, else close a random open one. */
static void
session_line(void)
{
	static uint32_t open[BUSY_SESSIONS];
	static unsigned n;
	unsigned i, m;
	uint32_t a;

	if (n < BUSY_SESSIONS) {
		a = open[n++] = next() % 131072;
		printf("SMTP Server: mx%u.example.net (198.%u.%u.%u) connected",
		    a % 97, 18 + (a >> 16), (a >> 8) & 255, a & 255);
		return;
	}
	i = next() % n;
	a = open[i];
	open[i] = open[--n];
	m = next() % 4;
	printf("SMTP Server: mx%u.example.net (198.%u.%u.%u) disconnected. "
	    "%u message%s received", a % 97, 18 + (a >> 16), (a >> 8) & 255,
	    a & 255, m, m == 1 ? "" : "[s]");
}

int
main(int argc, char **argv)
{
	static const char *benign[] = {
	    "Router: Message 00%06X delivered to User %u/Acme from sender%u@example.org OID: 8F3A2C1B:00A1B2C3 Size: %u KB Time: 00:00:01",
	    "Router: Message 00%06X transferred to mx.example.org for friend%u@example.org from User %u/Acme OID: 8F3A2C1B:00A1B2C4 Size: %u KB via SMTP",
	    "SMTP Server: Message 00%06X (MessageID: <%u.%u@example.org>) received from mx%u.example.org size 5123 bytes",
	    "Finished replication with server pluto%X/NotesLab: %u documents, %u updated, %u deleted",
	    "HTTP Server: Request %X for /names.nsf?Login from user %u took %u ms (%u bytes)",
	    "AMgr: Agent 'Archive%X' in 'mail/user%u.nsf' completed, %u documents processed in %u s",
	    "Database Server: User %X/Acme opened database mail/user%u.nsf in %u ms, %u views",
	    "IMAP Server: user%X logged in from 198.51.100.%u port %u",
	};
	unsigned long lines, i;
	unsigned pct, t, r, busy = 0;

	if (argc > 1 && argv[1][0] == '-' && argv[1][1] == 'b' &&
	    argv[1][2] == '\0') {
		busy = BUSY_PERMILLE;
		argc--;
		argv++;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: gen-domino-log [-b] LINES "
		    "ATTACK_PERCENT [SEED]\n");
		return 64;
	}
	lines = strtoul(argv[1], NULL, 10);
	pct = (unsigned)strtoul(argv[2], NULL, 10);
	rng = argc > 3 ? strtoull(argv[3], NULL, 10) : 0x9e3779b97f4a7c15ULL;
	if (rng == 0)
		rng = 1;
	for (i = 0; i < lines; i++) {
		t = (unsigned)(i / 7);
		printf("[%06u:%06u-00007F3A9C5FE700] %02u.03.2025 %02u:%02u:%02u   ",
		    1984u, 10 + next() % 40, 10 + (t / 86400) % 18,
		    (t / 3600) % 24, (t / 60) % 60, t % 60);
		r = next() % 1000;
		if (r < pct * 10)
			attack_line(next() % 8);
		else if (r < pct * 10 + busy)
			session_line();
		else
			printf(benign[next() % 8], next() % 0xffffff,
			    next() % 5000, next() % 5000, next() % 900);
		putchar('\n');
	}
	return 0;
}
