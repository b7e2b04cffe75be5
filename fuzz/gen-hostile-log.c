/*
 * gen-hostile-log: a deterministic Domino console log written by attackers,
 * for tests/system/hostile.sh and bench/hostile.sh.
 *
 *   gen-hostile-log [-n LINES] [-s SEED] [-a ATTACK_PERCENT] [-m MANIFEST]
 *
 * -a sets the share of lines from the strong attackers (default 38: the
 * other hostile shapes and chatter keep their proportions among the rest);
 * the benchmark uses -a 2 to compare with a benign log of the same attack
 * density.
 *
 * Lines (LINES of them, 100,000 by default, each ending in '\n'):
 * - real attacker lines: well-formed failures from a known set of attacker
 *   addresses, many with hostile user names (injection text such as
 *   "; connecting host 192.0.2.77", "[192.0.2.77]", "from host [...]",
 *   NUL bytes, invalid UTF-8, CR bytes), CRLF endings, lines of exactly
 *   MATCH_LINE_MAX bytes, and catastrophic-backtracking paddings (runs of
 *   spaces, brackets, 'a's, repeated anchors) before a real tail;
 * - lines that must never count: over-long lines (over MATCH_LINE_MAX
 *   after the '\r') that end in a well-formed failure, console lines that
 *   quote a failure mid-line (agents, add-ins), address-like strings that
 *   inet_pton refuses (octal, integer, five parts, zone ids), binary junk
 *   and runs of anchors with no real tail. Every address they hold is an
 *   "innocent" one;
 * - benign Domino chatter.
 *
 * The MANIFEST is the oracle, written from what was generated, one record
 * a line, tab-separated:
 *   lines N               lines written
 *   long N                lines over MATCH_LINE_MAX without a trailing '\r'
 *                         (what the daemon and `dominoban test` drop)
 *   innocent ADDR         an address that appears only where it must never
 *                         count (ADDR in canonical form)
 *   attacker ADDR MUST MAY  score the daemon must at least count for ADDR
 *                         (weight-1 auth and unknown-recipient lines only)
 *                         and an upper bound of all it may count
 * Attackers are either far over the default host threshold (MUST >= 8) or
 * under it (MAY <= 2), each in its own /24 or /64, so no netblock tier
 * applies and the expected bans follow from the manifest alone.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#define GEN_LINE_MAX 4096           /* MATCH_LINE_MAX, the daemon's cap */
#define GEN_BUF (3 * GEN_LINE_MAX)  /* longest line written */
#define GEN_STRONG 40               /* attackers far over the threshold */
#define GEN_WEAK 40                 /* attackers under it */
#define GEN_ATTACK_PCT 38           /* percent of lines from strong attackers */

struct attacker {
	char addr[48];
	double must, may;
};

static const char *const innocents[] = {"192.0.2.77", "192.0.2.63",
    "203.0.113.200", "2001:db8:bad:77::1", "100.64.0.77"};

static struct attacker att[GEN_STRONG + GEN_WEAK];
static uint64_t rng;
static unsigned long seq;          /* makes every user name unique */
static unsigned long nlong;

static uint32_t
next(void)
{
	/* xorshift64*: deterministic across machines. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717ULL) >> 32);
}

static unsigned
pick(unsigned n)
{
	return next() % n;
}

/* A line under construction: bytes, not a string (NULs allowed). */
struct line {
	char b[GEN_BUF];
	size_t n;
};

static void
put(struct line *l, const char *s, size_t n)
{
	/* Lines are at most 1.5 caps long: running out is a bug here. */
	if (n > sizeof(l->b) - l->n) {
		fprintf(stderr, "gen-hostile-log: line buffer overflow\n");
		exit(EX_SOFTWARE);
	}
	memcpy(l->b + l->n, s, n);
	l->n += n;
}

static void
put_str(struct line *l, const char *s)
{
	put(l, s, strlen(s));
}

static void
putf(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
putf(struct line *l, const char *fmt, ...)
{
	char tmp[GEN_BUF];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(l, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
fill(struct line *l, const char *unit, size_t upto)
{
	size_t u = strlen(unit);

	while (l->n + u <= upto)
		put(l, unit, u);
}

/* Domino's prefix in one of its shapes (or none). */
static void
prefix(struct line *l, unsigned long i)
{
	unsigned t = (unsigned)(i / 5);

	switch (pick(5)) {
	case 0:
		putf(l, "[%06u:%06u-00007F3A9C5FE700] %02u.03.2025 %02u:%02u:%02u   ",
		    1984u, 10 + pick(40), 10 + t / 86400 % 18, t / 3600 % 24,
		    t / 60 % 60, t % 60);
		break;
	case 1:
		putf(l, "03/%02u/2025 %02u:%02u:%02u %s  ", 10 + t / 86400 % 18,
		    1 + t / 3600 % 12, t / 60 % 60, t % 60,
		    pick(2) ? "AM" : "PM");
		break;
	case 2:
		putf(l, "2025-03-%02u %02u:%02u:%02u   ", 10 + t / 86400 % 18,
		    t / 3600 % 24, t / 60 % 60, t % 60);
		break;
	case 3:
		putf(l, "[%05u:%05u-%u] ", 23671u, 10u, 2690815744u);
		break;
	default:
		break;
	}
}

/* A padding length from 64 to 4095 bytes, short ones the most common
 * (each doubling as likely as the next): mean about 1 KiB. */
static size_t
skewed(void)
{
	size_t base = (size_t)64 << pick(6);

	return base + pick((unsigned)base);
}

static const char *
innocent(void)
{
	return innocents[pick(sizeof(innocents) / sizeof(innocents[0]))];
}

/* Hostile text for a user name: injection, bytes, near-addresses. */
static void
hostile_user(struct line *l)
{
	static const char *const bytes[] = {"\x00", "\xff\xfe", "\xc3(",
	    "\xc0\xaf", "\xed\xa0\x80", "\xe2\x80\xae", "\x80", "\r", "\t",
	    "\x1b[2J", "\xf4\x90\x80\x80"};
	const char *in = innocent();
	unsigned k;

	putf(l, "u%lu", seq++);
	switch (pick(14)) {
	case 0:
		putf(l, " ; connecting host %s", in);
		break;
	case 1:
		putf(l, " ; connecting host [%s]", in);
		break;
	case 2:
		putf(l, " [%s]", in);
		break;
	case 3:
		putf(l, " [%s] authentication failure using internet password",
		    in);
		break;
	case 4:
		putf(l, "> from host [%s]: not listed in Domino Directory <x", in);
		break;
	case 5:
		putf(l, ", connecting host %s: Password not found", in);
		break;
	case 6:
		putf(l, " %s", in);
		break;
	case 7:
		putf(l, " ::ffff:%s ]] [[ ((", in);
		break;
	case 8:
		putf(l, " SMTP Server: Authentication failed for user x ; "
		    "connecting host %s", in);
		break;
	default:
		for (k = 1 + pick(4); k > 0; k--) {
			const char *b = bytes[pick(sizeof(bytes) /
			    sizeof(bytes[0]))];
			put(l, b, b[0] == '\0' ? 1 : strlen(b));
			if (pick(2))
				putf(l, "%s", in);
		}
		break;
	}
}

/* Padding shaped to make a backtracking regex work hard, up to about n. */
static void
redos_pad(struct line *l, size_t n)
{
	static const char *const units[] = {" ", "a", "[", "] ", "a ",
	    " ; connecting host ", "[1.2.3.4] ", "; connecting host x ",
	    "> from host [1.2.3.4]: ", ", connecting host 1.2.3.4: ", ":",
	    "authentication failure using internet password "};

	fill(l, units[pick(sizeof(units) / sizeof(units[0]))], l->n + n);
}

/* The five weight-1 shapes, up to and including the user name. */
static void
auth_head(struct line *l, unsigned long i, unsigned shape, bool hostile)
{
	static const char *const proto[] = {"smtp", "http", "ldap", "imap",
	    "pop3", "SMTP", "HTTP"};

	prefix(l, i);
	switch (shape) {
	case 0:
	case 1:
		put_str(l, "SMTP Server: Authentication failed for user ");
		break;
	case 2:
		putf(l, "%s: ", proto[pick(7)]);
		break;
	case 3:
		put_str(l, "POP3 Server: Authentication failure for ");
		break;
	default:
		put_str(l, "SMTP Server: Rejected recipient <");
		break;
	}
	if (hostile)
		hostile_user(l);
	else
		putf(l, "user%lu", seq++);
}

/* The rest of the line after the user name, with Domino's address. */
static void
auth_tail(struct line *l, unsigned shape, const char *addr)
{
	switch (shape) {
	case 0:
	case 1:
		putf(l, " ; connecting host %s%s%s", shape ? "[" : "", addr,
		    shape ? "]" : "");
		break;
	case 2:
		putf(l, " [%s] authentication failure using internet password%s",
		    addr, pick(3) ? "" : ": User is locked out");
		break;
	case 3:
		putf(l, ", connecting host %s: Password not found in the Name "
		    "and Address Book entry or password did not verify", addr);
		break;
	default:
		putf(l, "> from host [%s]: not listed in Domino Directory", addr);
		break;
	}
}

/*
 * A weight-1 failure: the user part is plain or hostile, followed by pad
 * bytes of backtracking padding, or (pad == SIZE_MAX) by 'a's or blanks up
 * to exactly the cap. Never longer than the cap unless the caller wants it
 * (addr is then an innocent one: the line must be dropped).
 */
static void
auth_line(struct line *l, unsigned long i, const char *addr, bool hostile,
    size_t pad, size_t cap)
{
	unsigned shape = pick(5);
	struct line t;

	auth_head(l, i, shape, hostile);
	t.n = 0;
	auth_tail(&t, shape, addr);
	if (pad == SIZE_MAX)
		fill(l, pick(2) ? "a" : " ", cap - t.n);
	else if (pad > 0 && l->n + pad + t.n <= cap)
		redos_pad(l, pad);
	put(l, t.b, t.n);
}

/* Other kinds from an attacker: counted, but not relied on (MAY only). */
static void
other_line(struct line *l, unsigned long i, struct attacker *a)
{
	const char *in = innocent();

	prefix(l, i);
	switch (pick(5)) {
	case 0:
		putf(l, "TLS/SSL connection %s(%u) -> %s(25) failed with no "
		    "supported ciphers", a->addr, 1024 + pick(60000),
		    strchr(in, ':') ? "10.0.0.1" : in);
		break;
	case 1:
		putf(l, "SMTP Server: %s (%s) found on DNS blacklist "
		    "zen.example.org", in, a->addr);
		break;
	case 2:
		putf(l, "SMTP Server: Relay rejected for policy reasons. "
		    "Connecting host %s attempted relay to <x@[%s]>", a->addr,
		    in);
		break;
	case 3:
		putf(l, "SMTP Server: Connection from [%s] rejected for policy "
		    "reasons. IP address of connecting host not found in "
		    "reverse DNS lookup [%s]", a->addr, in);
		break;
	default:
		/* A PTR name the attacker chose, shaped like an address. */
		putf(l, "SMTP Server: %s (%s) connected\n", in, a->addr);
		prefix(l, i);
		putf(l, "SMTP Server: %s (%s) disconnected. 1 message[s] "
		    "received", in, a->addr);
		break;
	}
	a->may += 2;
}

/* A harvest session: connect, rejections without an address, close. */
static void
session_block(struct line *l, unsigned long i, struct attacker *a)
{
	unsigned k, n = 2 + pick(4);

	prefix(l, i);
	putf(l, "SMTP Server: %s connected\n", a->addr);
	for (k = 0; k < n; k++) {
		prefix(l, i);
		putf(l, "SMTP Server: Recipient <h%lu@example.com> not found in "
		    "Domino Directory\n", seq++);
	}
	prefix(l, i);
	putf(l, "SMTP Server: %s disconnected. 0 message[s] received", a->addr);
	a->must += n;
	a->may += n;
}

/* A line that must never count; every address in it is innocent. */
static void
never_line(struct line *l, unsigned long i)
{
	static const char *const near[] = {"192.0.2.077", "3221226061",
	    "192.0.2.77.1", "192.0.2", "::ffff:192.0.2.777", "fe80::77%eth0",
	    "0xc000024d", "192.000.002.077", "1.2.3.4/24", "::gggg",
	    "2001:db8:bad:77::1::"};
	const char *in = innocent();

	switch (pick(8)) {
	case 0:
		prefix(l, i);
		putf(l, "AMgr: Agent ('Log' in 'mail/x.nsf') printing: SMTP "
		    "Server: Authentication failed for user x ; connecting host "
		    "%s", in);
		break;
	case 1:
		prefix(l, i);
		putf(l, "Addin: HTTP Server: http: x [%s] authentication failure "
		    "using internet password", in);
		break;
	case 2:
		prefix(l, i);
		putf(l, "SMTP Server: Authentication failed for user x ; "
		    "connecting host %s", near[pick(sizeof(near) /
		    sizeof(near[0]))]);
		break;
	case 3:
		prefix(l, i);
		putf(l, "smtp: x [%s] authentication failure using internet "
		    "password", near[pick(sizeof(near) / sizeof(near[0]))]);
		break;
	case 4:
		/* Anchors and padding with no real tail. */
		prefix(l, i);
		put_str(l, "SMTP Server: Authentication failed for user ");
		redos_pad(l, skewed());
		break;
	case 5:
		/* Spaces or brackets before the anchor: not Domino's shape. */
		prefix(l, i);
		put_str(l, "SMTP Server:");
		fill(l, pick(2) ? " " : "[", l->n + skewed());
		putf(l, "Authentication failed for user x ; connecting host %s",
		    in);
		break;
	case 6: {
		unsigned k, n = 20 + pick(200);
		for (k = 0; k < n; k++) {
			char c = (char)next();
			put(l, c == '\n' ? "\x00" : &c, 1);
		}
		putf(l, " %s", in);
		break;
	}
	default:
		prefix(l, i);
		putf(l, "SMTP Server: Authentication failed for user x "
		    "; connecting host %s trailing words", in);
		break;
	}
}

/* An over-long line (over the cap even without its '\r'), shaped as a
 * well-formed failure from an innocent address. */
static void
long_line(struct line *l, unsigned long i)
{
	size_t cap = GEN_LINE_MAX + 1 + pick(GEN_LINE_MAX / 2);

	auth_line(l, i, innocent(), pick(2), SIZE_MAX, cap);
}

static void
benign_line(struct line *l, unsigned long i)
{
	prefix(l, i);
	switch (pick(6)) {
	case 0:
		putf(l, "Router: Message 00%06X delivered to User %u/Acme from "
		    "sender%u@example.org Size: %u KB", next() % 0xffffff,
		    pick(5000), pick(5000), pick(900));
		break;
	case 1:
		putf(l, "Router: Transferred %u messages to mx.example.org "
		    "(host %s)", 1 + pick(9), innocent());
		break;
	case 2:
		putf(l, "Finished replication with server pluto%X/NotesLab: %u "
		    "documents", pick(4096), pick(900));
		break;
	case 3:
		putf(l, "HTTP Server: Request for /names.nsf?Login from %s took "
		    "%u ms", innocent(), pick(900));
		break;
	case 4:
		putf(l, "SMTP Client: connected to mx.example.org [%s] port 25",
		    innocent());
		break;
	default:
		putf(l, "AMgr: Agent 'Archive%X' completed in %u s", pick(4096),
		    pick(60));
		break;
	}
}

/* Write the block (one line, or several for a session) with its final
 * newline; returns how many lines, counting the over-long ones. */
static unsigned long
emit(struct line *l, bool crlf)
{
	const char *p = l->b, *end, *nl;
	unsigned long n = 0;
	size_t len;

	if (crlf)
		put(l, "\r", 1);
	put(l, "\n", 1);
	end = l->b + l->n;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		nlong += len > GEN_LINE_MAX;
		n++;
	}
	fwrite(l->b, 1, l->n, stdout);
	return n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: gen-hostile-log [-n LINES] [-s SEED] "
	    "[-a ATTACK_PERCENT] [-m MANIFEST] > notes.log\n");
	exit(EX_USAGE);
}

int
main(int argc, char **argv)
{
	static struct line l;
	unsigned long lines = 100000, i = 0, k;
	unsigned pct = GEN_ATTACK_PCT;
	const char *manifest = NULL;
	struct attacker *a;
	unsigned kind;
	bool at_cap;
	FILE *m;
	int c;

	rng = 0x243f6a8885a308d3ULL;
	while ((c = getopt(argc, argv, "a:n:s:m:")) != -1) {
		switch (c) {
		case 'a':
			pct = (unsigned)strtoul(optarg, NULL, 10);
			if (pct > 100)
				usage();
			break;
		case 'n':
			lines = strtoul(optarg, NULL, 10);
			break;
		case 's':
			rng = strtoull(optarg, NULL, 10) | 1;
			break;
		case 'm':
			manifest = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || lines < 1000)
		usage();
	/* Each attacker in its own /24 or /64: no netblock tier applies. */
	for (k = 0; k < GEN_STRONG + GEN_WEAK; k++) {
		if (k % 4 == 3)
			snprintf(att[k].addr, sizeof(att[k].addr),
			    "2001:db8:a:%lx::%lx", k + 1, 5 + k);
		else
			snprintf(att[k].addr, sizeof(att[k].addr),
			    "100.64.%lu.%lu", k + 1, 5 + k);
	}
	/* The weak attackers first: one or two lines each. */
	for (k = GEN_STRONG; k < GEN_STRONG + GEN_WEAK; k++) {
		unsigned n = 1 + (unsigned)(k % 2);
		for (; n > 0; n--) {
			l.n = 0;
			auth_line(&l, i, att[k].addr, pick(2), 0, GEN_LINE_MAX);
			i += emit(&l, false);
			att[k].must += 1;
			att[k].may += 1;
		}
	}
	while (i < lines) {
		l.n = 0;
		a = &att[pick(GEN_STRONG)];
		/* Near the end, single lines only, to write exactly LINES. */
		if (lines - i < 8)
			kind = 99;
		else if (pct == GEN_ATTACK_PCT)
			kind = pick(100);
		else
			kind = pick(100) < pct ? pick(GEN_ATTACK_PCT) :
			    GEN_ATTACK_PCT + pick(100 - GEN_ATTACK_PCT);
		if (kind < 28) {
			/* Injection and byte hostility in the user name; a
			 * CRLF ending now and then (the tailer drops it). */
			auth_line(&l, i, a->addr, true, 0, GEN_LINE_MAX);
			i += emit(&l, pick(8) == 0);
			a->must += 1;
			a->may += 1;
		} else if (kind < 32) {
			/* Backtracking padding before a real tail, within
			 * the cap; one in eight exactly at the cap, half of
			 * those with a CRLF ending (still within it). */
			at_cap = pick(8) == 0;
			auth_line(&l, i, a->addr, pick(2),
			    at_cap ? SIZE_MAX : skewed(), GEN_LINE_MAX);
			i += emit(&l, at_cap && pick(2));
			a->must += 1;
			a->may += 1;
		} else if (kind < 36) {
			other_line(&l, i, a);
			i += emit(&l, false);
		} else if (kind < 38) {
			session_block(&l, i, a);
			i += emit(&l, false);
		} else if (kind < 39) {
			long_line(&l, i);
			i += emit(&l, pick(4) == 0);
		} else if (kind < 65) {
			never_line(&l, i);
			i += emit(&l, pick(10) == 0);
		} else {
			benign_line(&l, i);
			i += emit(&l, pick(10) == 0);
		}
	}
	if (fflush(stdout) == EOF) {
		perror("gen-hostile-log: stdout");
		return EX_IOERR;
	}
	if (manifest == NULL)
		return EX_OK;
	if ((m = fopen(manifest, "w")) == NULL) {
		perror(manifest);
		return EX_CANTCREAT;
	}
	fprintf(m, "lines\t%lu\nlong\t%lu\n", i, nlong);
	for (k = 0; k < sizeof(innocents) / sizeof(innocents[0]); k++)
		fprintf(m, "innocent\t%s\n", innocents[k]);
	for (k = 0; k < GEN_STRONG + GEN_WEAK; k++)
		fprintf(m, "attacker\t%s\t%g\t%g\n", att[k].addr, att[k].must,
		    att[k].may);
	if (fclose(m) == EOF) {
		perror(manifest);
		return EX_IOERR;
	}
	return EX_OK;
}
