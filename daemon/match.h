/*
 * match: Domino log line -> event. Pattern files (INI-like, see
 * patterns/README and dominoban-patterns(5)) are compiled with PCRE2 (JIT
 * when the system allows it) behind a literal prefilter. Pure after
 * loading: no I/O, never prints, never reads the clock. Lines are bytes and
 * may hold NULs and invalid UTF-8.
 */
#ifndef DB_MATCH_H
#define DB_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errs.h"

/* Longest line matched; the tailer drops longer lines before they get here. */
#define MATCH_LINE_MAX 4096
/* PCRE2 limits per line: backtracking steps and nesting depth. */
#define MATCH_LIMIT 200000
#define MATCH_DEPTH_LIMIT 2000
/* Size of a pattern file read by match_load(), at most. */
#define MATCH_FILE_MAX (1u << 20)

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
	const char *dedupe;    /* its dedupe group (dedupe.h), or NULL */
	unsigned index;        /* its place: match_pattern_at(m, index) */
};

/* One hit. Pointers are valid until the next match call or match_free(). */
struct match_event {
	const struct match_pattern *pattern;
	bool has_addr;         /* false for lines that carry no address */
	struct addr addr;      /* canonical; v4-mapped folded to IPv4 */
	const char *user;      /* (?<user>...) capture in the line, or NULL */
	size_t user_len;
	long messages;         /* (?<msgs>...) of a session close, or -1 */
};

/* Counters for `status` and `test`. */
struct match_stats {
	uint64_t lines;        /* lines offered */
	uint64_t too_long;     /* lines over MATCH_LINE_MAX, not matched */
	uint64_t regex_runs;   /* lines that passed a prefilter */
	uint64_t bad_addr;     /* (?<ip>) captures that were no valid address */
	uint64_t limit_hits;   /* matches stopped by the PCRE2 limits */
};

/* Flags for match_load() and match_load_text(). */
#define MATCH_NO_JIT 0x1       /* never use the JIT (tests, hardened hosts) */
#define MATCH_STRICT 0x2       /* match_load(): refuse files and directories
				* not trusted (rfile.h RFILE_STRICT) */

struct matcher;

/*
 * Load every *.pat file from the directories, in name order; a file in a
 * later directory replaces one of the same name in an earlier directory.
 * A file with any error is refused as a whole and reported in err; the
 * matcher is then NULL (errno EINVAL). A missing directory is skipped.
 * Returns NULL with errno ENOENT when no pattern was loaded at all.
 */
struct matcher *match_load(const char *const *dirs, size_t ndirs,
    unsigned flags, struct errs *err);

/*
 * The same parser on one file's text held in memory (len bytes, no NUL
 * needed; a NUL byte refuses it); name is used in messages. Returns the
 * matcher, or NULL with errno EINVAL and every problem in err.
 */
struct matcher *match_load_text(const char *name, const char *text,
    size_t len, unsigned flags, struct errs *err);

/*
 * What loaded but deserves a word, as "file:line: message" lines ("" when
 * none): a pattern without a prefilter, whose regex runs on every line.
 * Owned by m.
 */
const char *match_warnings(const struct matcher *m);

/* Release a matcher and everything it owns. */
void match_free(struct matcher *m);

/*
 * Match one line (len bytes, no newline needed). Returns 1 and fills ev on
 * the first pattern (in load order) that matches, 0 when none does.
 */
int match_line(struct matcher *m, const char *line, size_t len,
    struct match_event *ev);

/* Callback of match_buffer(): one matched line (as in the buffer: len
 * includes a trailing '\r', if any) and its event. */
typedef void (*match_cb)(void *arg, const char *line, size_t len,
    const struct match_event *ev);

/*
 * Match every line of buf (len bytes; a last line without newline counts).
 * The prefilter literals are searched over the whole buffer, so lines that
 * hold none of them cost no per-line work. cb is called in line order.
 * A trailing '\r' is not matched (CRLF logs read as the tailer reads
 * them). Lines over MATCH_LINE_MAX without it are skipped and counted.
 */
void match_buffer(struct matcher *m, const char *buf, size_t len,
    match_cb cb, void *arg);

/* Number of '\n' bytes in the len bytes at buf (fast; for line numbers). */
size_t match_count_newlines(const char *buf, size_t len);

/* Number of patterns loaded, and pattern i with its hit counter. */
size_t match_count(const struct matcher *m);
const struct match_pattern *match_pattern_at(const struct matcher *m,
    size_t i, uint64_t *hits);

/* The patterns switched off (enabled = no, match_off.c): how many, and
 * the i-th, its file and line the place that switched it off. */
size_t match_off_count(const struct matcher *m);
const struct match_pattern *match_off_at(const struct matcher *m, size_t i);

/* True when the JIT compiled every pattern; false means the interpreter. */
bool match_jit(const struct matcher *m);

/* The counters so far. */
void match_get_stats(const struct matcher *m, struct match_stats *st);

/* Text name of a kind ("auth", "unknown_rcpt", ...). */
const char *match_kind_name(enum match_kind k);

#endif
