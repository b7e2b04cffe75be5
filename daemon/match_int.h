/*
 * match_int: what the two halves of the match module share: match.c loads
 * and compiles pattern files, match_run.c runs them over lines and
 * buffers. Not an API: only those two files include it (match.h is the
 * module's API).
 */
#ifndef DB_MATCH_INT_H
#define DB_MATCH_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "errs.h"
#include "match.h"
#include "mlit.h"

#define MAX_IGNORES 8
#define MAX_LITERALS 64

struct pattern {
	struct match_pattern info;
	char *prefilter;       /* NULL: run on every line */
	size_t prefilter_len;
	int lit;               /* literal the prefilter holds, or -1 */
	bool lit_exact;        /* ... and the prefilter is that literal */
	pcre2_code *re;
	pcre2_code *ignore[MAX_IGNORES];
	size_t nignore;
	uint32_t g_ip, g_user, g_msgs; /* capture group numbers, 0 = none */
	uint64_t hits;
	bool off;              /* enabled = no */
	bool override;         /* ... in a section that defines nothing
	                        * else: it switches off the pattern of its
	                        * id defined in another file (match_off.c) */
};

struct literal {
	const char *s;
	size_t len;
	const char *next;      /* next occurrence in the current buffer */
};

/* Literals at least this long are searched together in one pass (mlit),
 * when there are two or more; shorter ones each by memmem(). */
#define MATCH_MLIT_MIN 12

/* match_re.c: compile re (a pattern file's text, macros not expanded) for
 * pattern id; *jit_ok turns false when the JIT refuses it. Errors go to e
 * at file:line, with the offset in re as written. Returns NULL on error. */
pcre2_code *match_re_compile(const char *re, const char *id, bool jit,
    bool *jit_ok, const char *file, unsigned line, struct errs *e);

/* Can code match only at the start of a line (^, or PCRE2_ANCHORED)? */
bool match_re_anchored(const pcre2_code *code);

struct matcher {
	struct pattern *pats;
	size_t npats;
	struct literal literals[MAX_LITERALS];
	size_t nliterals;
	struct mlit ml;        /* the long literals, when ml_known != 0 */
	uint8_t ml_lit[MLIT_MAX]; /* ml's literal i is literals[ml_lit[i]] */
	uint64_t ml_known;     /* the bits (struct lits) of those literals;
				   0: no mlit, every literal by memmem() */
	bool all_prefiltered;  /* every pattern has a literal */
	char **strings;        /* ids, services, file names we own */
	size_t nstrings;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	bool jit;
	struct match_stats st;
	struct errs warn;      /* what loaded, but costs (match_warnings) */
	struct match_pattern *off; /* switched off (match_off.c) */
	size_t noff;
};

/* Release what p owns (not p). */
void match_pattern_free(struct pattern *p);

/* Take the patterns switched off (enabled = no) out of m->pats into
 * m->off; an override naming no pattern is an error in e. 0, or -1. */
int match_apply_off(struct matcher *m, struct errs *e);

#endif
