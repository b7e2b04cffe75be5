/*
 * match: Domino log line -> event. Pattern files (INI-like, see
 * patterns/README) are compiled with PCRE2 (JIT when allowed) behind a
 * literal prefilter. Pure: no I/O after loading, never prints, never reads
 * the clock. Lines are bytes and may hold NULs.
 */
#ifndef DB_MATCH_H
#define DB_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Longest line matched; the tailer drops longer lines before they get here. */
#define MATCH_LINE_MAX 4096

enum match_kind {
	MATCH_AUTH = 1,        /* password guess (smtp, http, ldap, imap, pop3) */
	MATCH_UNKNOWN_RCPT,    /* RCPT TO for a recipient not in the directory */
	MATCH_RELAY,           /* relay attempt refused */
	MATCH_DNSBL,           /* connecting host found on a DNS blocklist */
	MATCH_TLS,             /* TLS handshake failure */
	MATCH_POLICY,          /* connection refused for policy reasons */
	MATCH_SESSION_OPEN,    /* "<ip> connected" */
	MATCH_SESSION_CLOSE,   /* "<ip> disconnected. N message[s] received" */
};

/* What a pattern is, as read from its section in a pattern file. */
struct match_pattern {
	const char *id;        /* unique across all loaded files */
	const char *service;   /* smtp, http, ldap, imap, pop3, tls */
	enum match_kind kind;
	double weight;         /* score added per hit */
	const char *file;      /* where it was defined, for messages */
	unsigned line;
};

/* One hit. Pointers are valid until the next match_line() or match_free(). */
struct match_event {
	const struct match_pattern *pattern;
	bool has_addr;         /* false for lines that carry no address */
	struct addr addr;      /* canonical; v4-mapped folded to IPv4 */
	const char *user;      /* (?<user>...) capture in the line, or NULL */
	size_t user_len;
	long messages;         /* (?<msgs>...) of a session close, or -1 */
};

struct matcher;

#endif
