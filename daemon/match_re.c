/*
 * match_re: one regex of a pattern file compiled, and what is said about
 * it. The macros %{prefix} and %{ip} are expanded before PCRE2 sees the
 * text, so PCRE2's error offset is in the expanded text: it is mapped
 * back into the text the admin wrote (an error inside a macro points at
 * the macro). A pattern that PCRE2 cannot anchor and that has no literal
 * prefilter is tried at every position of every line: that is worth a
 * warning, not an error.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errs.h"
#include "match_int.h"

/* Domino's line prefix: an optional thread block, an optional date and
 * time in any of the locale forms, and the block again (debug lines put
 * the date first). Every repetition is bounded. */
#define PREFIX_RE                                                            \
	"(?:\\[[0-9A-Fa-f]{1,8}:[0-9A-Fa-f]{1,8}-[0-9A-Fa-f]{1,16}\\] +)?"   \
	"(?:[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4} +"                      \
	"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]{1,6})?)?"               \
	"(?: *[AaPp][Mm])? +)?"                                              \
	"(?:\\[[0-9A-Fa-f]{1,8}:[0-9A-Fa-f]{1,8}-[0-9A-Fa-f]{1,16}\\] +)?"
#define IP_RE "(?<ip>[0-9A-Fa-f:.]{2,45})"

static const struct {
	const char *name, *value;
} macros[] = {{"%{prefix}", PREFIX_RE}, {"%{ip}", IP_RE}};
#define NMACROS (sizeof(macros) / sizeof(macros[0]))

/* The macro at re, or NMACROS. */
static size_t
macro_at(const char *re)
{
	size_t i;

	for (i = 0; i < NMACROS; i++)
		if (strncmp(re, macros[i].name, strlen(macros[i].name)) == 0)
			break;
	return i;
}

/* Replace %{prefix} and %{ip}; returns a malloc'd string or NULL. */
static char *
expand(const char *re)
{
	size_t cap = strlen(re) * 2 + 1024, len = 0, i, n;
	char *out = malloc(cap), *tmp;

	if (out == NULL)
		return NULL;
	while (*re != '\0') {
		if ((i = macro_at(re)) < NMACROS) {
			n = strlen(macros[i].value);
			re += strlen(macros[i].name);
		} else {
			n = 1;
		}
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			if ((tmp = realloc(out, cap)) == NULL) {
				free(out);
				return NULL;
			}
			out = tmp;
		}
		if (i < NMACROS)
			memcpy(out + len, macros[i].value, n);
		else
			out[len] = *re++;
		len += n;
	}
	out[len] = '\0';
	return out;
}

/* Where offset off of expand(re) comes from in re: the same byte, or the
 * start of the macro whose expansion holds it. */
static size_t
written_offset(const char *re, size_t off)
{
	size_t in = 0, out = 0, i, n;

	while (re[in] != '\0') {
		if ((i = macro_at(re + in)) < NMACROS) {
			n = strlen(macros[i].value);
			if (off < out + n)
				return in;
			out += n;
			in += strlen(macros[i].name);
			continue;
		}
		if (out == off)
			return in;
		in++;
		out++;
	}
	return in;
}

pcre2_code *
match_re_compile(const char *re, const char *id, bool jit, bool *jit_ok,
    const char *file, unsigned line, struct errs *e)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	pcre2_code *code;
	size_t at, from;
	char *x;
	int rc;

	if ((x = expand(re)) == NULL) {
		errs_add(e, file, line, "out of memory");
		return NULL;
	}
	code = pcre2_compile((PCRE2_SPTR)x, PCRE2_ZERO_TERMINATED,
	    PCRE2_NEVER_UTF | PCRE2_NEVER_BACKSLASH_C, &rc, &off, NULL);
	free(x);
	if (code == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		at = written_offset(re, (size_t)off);
		from = at > 40 ? at - 40 : 0;
		errs_add(e, file, line, "pattern %s: regex error at offset %zu "
		    "of the regex as written: %s (here: '%s%.*s' <--)", id, at,
		    (char *)msg, from > 0 ? "..." : "", (int)(at - from),
		    re + from);
		return NULL;
	}
	/* SELinux execmem or MemoryDenyWriteExecute make the JIT fail:
	 * the interpreter then runs the same pattern. */
	if (jit && pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) != 0)
		*jit_ok = false;
	return code;
}

bool
match_re_anchored(const pcre2_code *code)
{
	uint32_t opts = 0, first = 0;

	if (pcre2_pattern_info(code, PCRE2_INFO_ALLOPTIONS, &opts) == 0 &&
	    (opts & PCRE2_ANCHORED) != 0)
		return true;
	/* 2: the match can start only at the subject's start or after a
	 * newline (^ without MULTILINE: only the start). */
	return pcre2_pattern_info(code, PCRE2_INFO_FIRSTCODETYPE, &first) ==
	    0 && first == 2;
}
