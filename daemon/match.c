/*
 * match: pattern files in, events out.
 *
 * Loading: each *.pat file is read whole (bounded), parsed into sections,
 * and every regex compiled before the file is accepted; one error refuses
 * the whole file, so a half-loaded file can never change what is banned.
 * Regexes may use the built-in macros %{prefix} (Domino's optional
 * "[pid:tid-thread] date time" line prefix, bounded and anchorable) and
 * %{ip} (the named address capture). Every pattern is compiled with
 * PCRE2_NO_UTF (lines are bytes) and run under match and depth limits.
 *
 * Matching is in match_run.c: a pattern runs only on lines that contain
 * its prefilter literal; the literals searched over whole buffers are
 * chosen here, at load time (build_literals).
 *
 * Trust: the (?<ip>) capture must parse with addr_parse() (inet_pton);
 * anything else is counted as bad_addr and yields no event. The shipped
 * patterns anchor at the start of the message and take the address from
 * where Domino writes it (after the user name, anchored at the end of the
 * line), so text an attacker puts in a user name cannot choose the address.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errs.h"
#include "ini.h"
#include "match_int.h"
#include "near.h"
#include "rfile.h"

#define MAX_FILES 256

static const char *const kind_names[] = {
    [MATCH_AUTH] = "auth",
    [MATCH_UNKNOWN_RCPT] = "unknown_rcpt",
    [MATCH_RELAY] = "relay",
    [MATCH_DNSBL] = "dnsbl",
    [MATCH_TLS] = "tls",
    [MATCH_POLICY] = "policy",
    [MATCH_SESSION_OPEN] = "session_open",
    [MATCH_SESSION_CLOSE] = "session_close",
};

static const char *const services[] = {"smtp", "http", "ldap", "imap",
    "pop3", "tls"};
#define NKINDS (sizeof(kind_names) / sizeof(kind_names[0]))
#define NSERVICES (sizeof(services) / sizeof(services[0]))
static const char *const keys[] = {"service", "kind", "weight", "prefilter",
    "dedupe", "regex", "ignore", "enabled"};

/* "a, b or c" of v[from..n), into buf; returns buf. */
static const char *
valid_list(const char *const *v, size_t n, size_t from, char *buf,
    size_t size)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = from; i < n && off < size; i++)
		off += (size_t)snprintf(buf + off, size - off, "%s%s",
		    i == from ? "" : i + 1 == n ? " or " : ", ", v[i]);
	return buf;
}

/* "unknown WHAT 'val' (did you mean X?; valid: ...)" at file:line. */
static void
unknown(struct errs *e, const char *file, unsigned line, const char *what,
    const char *val, const char *const *v, size_t n, size_t from)
{
	const char *best = near_best(val, v + from, n - from);
	char list[256];

	errs_add(e, file, line, "unknown %s '%.32s' (%s%s%svalid: %s)", what,
	    val, best ? "did you mean " : "", best ? best : "", best ? "?; " :
	    "", valid_list(v, n, from, list, sizeof(list)));
}

const char *
match_kind_name(enum match_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]) ||
	    kind_names[k] == NULL)
		return "?";
	return kind_names[k];
}

static char *
own(struct matcher *m, const char *s, size_t n)
{
	char **v, *c;

	v = realloc(m->strings, (m->nstrings + 1) * sizeof(*v));
	if (v == NULL)
		return NULL;
	m->strings = v;
	if ((c = strndup(s, n)) == NULL)
		return NULL;
	m->strings[m->nstrings++] = c;
	return c;
}

void
match_pattern_free(struct pattern *p)
{
	size_t i;

	pcre2_code_free(p->re);
	for (i = 0; i < p->nignore; i++)
		pcre2_code_free(p->ignore[i]);
	free(p->prefilter);
}

static int
parse_kind(const char *v, enum match_kind *k)
{
	size_t i;

	for (i = 1; i < NKINDS; i++) {
		if (strcmp(v, kind_names[i]) == 0) {
			*k = (enum match_kind)i;
			return 0;
		}
	}
	return -1;
}

static bool
valid_id(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			(*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
			*s == '.'))
			return false;
	}
	return n > 0 && n <= 64;
}

/* Where a section's regex and ignore lines are, for error messages. */
struct section_src {
	const char *regex;
	unsigned regex_line;
	const char *ignores[MAX_IGNORES];
	unsigned ignore_lines[MAX_IGNORES];
	size_t nignores;
	bool bad_service, bad_kind; /* reported already: no cascade */
};

/* Finish the section being parsed: check it and compile it. */
static int
finish(struct matcher *m, const struct pattern *file_pats, struct pattern *p,
    const struct section_src *src, bool jit, bool *jit_ok,
    struct errs *e)
{
	const struct pattern *q;
	const char *file = p->info.file;
	unsigned line = p->info.line;
	char list[256];
	int errs = 0, n;
	size_t i;

	/* "enabled = no" alone: it names a pattern of another file. */
	p->override = p->off && src->regex == NULL &&
	    p->info.service == NULL && p->info.kind == 0 &&
	    !src->bad_service && !src->bad_kind;
	if (p->override)
		return 0;
	if (p->info.service == NULL && !src->bad_service) {
		errs_add(e, file, line, "pattern %s: no service (service = "
		    "%s)", p->info.id, valid_list(services, NSERVICES, 0,
		    list, sizeof(list)));
		errs++;
	}
	if (p->info.kind == 0 && !src->bad_kind) {
		errs_add(e, file, line, "pattern %s: no kind (kind = %s)",
		    p->info.id, valid_list(kind_names, NKINDS, 1, list,
		    sizeof(list)));
		errs++;
	}
	if (src->regex == NULL) {
		errs_add(e, file, line, "pattern %s: no regex", p->info.id);
		return -1;
	}
	p->re = match_re_compile(src->regex, p->info.id, jit, jit_ok, file,
	    src->regex_line, e);
	if (p->re == NULL)
		return -1;
	for (i = 0; i < src->nignores; i++) {
		p->ignore[i] = match_re_compile(src->ignores[i], p->info.id,
		    jit, jit_ok, file, src->ignore_lines[i], e);
		if (p->ignore[i] == NULL)
			return -1;
		p->nignore++;
	}
	n = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR) "ip");
	p->g_ip = n > 0 ? (uint32_t)n : 0;
	n = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR) "user");
	p->g_user = n > 0 ? (uint32_t)n : 0;
	n = pcre2_substring_number_from_name(p->re, (PCRE2_SPTR) "msgs");
	p->g_msgs = n > 0 ? (uint32_t)n : 0;
	/* Only rejections that Domino may log without the address may lack
	 * it; they are attributed to SMTP sessions later. */
	if (p->g_ip == 0 && p->info.kind != 0 &&
	    p->info.kind != MATCH_UNKNOWN_RCPT &&
	    p->info.kind != MATCH_RELAY) {
		errs_add(e, file, line, "pattern %s: regex has no (?<ip>...) "
		    "capture", p->info.id);
		errs++;
	}
	/* Ids are unique across every file loaded, and within this one. */
	for (i = 0; i < m->npats + (size_t)(p - file_pats); i++) {
		q = i < m->npats ? &m->pats[i] : &file_pats[i - m->npats];
		if (!q->override && strcmp(q->info.id, p->info.id) == 0) {
			errs_add(e, file, line, "pattern %s: id already defined "
			    "at %s:%u", p->info.id, q->info.file, q->info.line);
			errs++;
			break;
		}
	}
	if (errs == 0 && p->prefilter == NULL)
		errs_add(&m->warn, file, line, "pattern %s: no prefilter: its "
		    "regex runs on every line read%s; a prefilter (a literal "
		    "every matching line holds) lets other lines cost no "
		    "regex run", p->info.id, match_re_anchored(p->re) ? "" :
		    ", and with no ^ anchor it is tried at every position of "
		    "the line");
	return errs > 0 ? -1 : 0;
}

/*
 * Parse one file's text; append its patterns to m only if all is well.
 */
static int
load_text(struct matcher *m, const char *file, char *text, bool jit,
    bool *jit_ok, struct errs *e)
{
	struct pattern *pats = NULL, *p = NULL, *tmp;
	struct section_src src;
	size_t npats = 0, i;
	unsigned lineno = 0, before = e->count;
	char *next, *key, *val, *eq, *end;
	const char *fname;
	bool skip = false;

	if ((fname = own(m, file, strlen(file))) == NULL)
		return -1;
	for (next = text; (key = ini_next(&next, &lineno)) != NULL;) {
		if (*key == '[') {
			if (p != NULL)
				finish(m, pats, p, &src, jit, jit_ok, e);
			end = strchr(key, ']');
			if (end == NULL || end[1] != '\0') {
				errs_add(e, fname, lineno, "malformed section "
				    "header (expected [ID])");
				p = NULL;
				skip = true;
				continue;
			}
			*end = '\0';
			if (!valid_id(key + 1)) {
				errs_add(e, fname, lineno, "invalid pattern id "
				    "'%.64s' (letters, digits, - _ . only)",
				    key + 1);
				p = NULL;
				skip = true;
				continue;
			}
			tmp = realloc(pats, (npats + 1) * sizeof(*pats));
			if (tmp == NULL)
				goto nomem;
			pats = tmp;
			p = &pats[npats++];
			memset(p, 0, sizeof(*p));
			p->info.weight = 1.0;
			p->info.file = fname;
			p->info.line = lineno;
			if ((p->info.id = own(m, key + 1, strlen(key + 1))) ==
			    NULL)
				goto nomem;
			memset(&src, 0, sizeof(src));
			skip = false;
			continue;
		}
		if ((eq = strchr(key, '=')) == NULL) {
			errs_add(e, fname, lineno, "expected 'key = value'");
			continue;
		}
		*eq = '\0';
		val = ini_trim(eq + 1);
		key = ini_trim(key);
		if (p == NULL) {
			/* After a bad header its keys are not errors too. */
			if (!skip)
				errs_add(e, fname, lineno, "'%.32s' outside a "
				    "[pattern] section", key);
			continue;
		}
		if (strcmp(key, "service") == 0) {
			for (i = 0; i < NSERVICES; i++)
				if (strcmp(val, services[i]) == 0)
					p->info.service = services[i];
			if ((src.bad_service = p->info.service == NULL))
				unknown(e, fname, lineno, "service", val,
				    services, NSERVICES, 0);
		} else if (strcmp(key, "kind") == 0) {
			if ((src.bad_kind = parse_kind(val, &p->info.kind) ==
				-1))
				unknown(e, fname, lineno, "kind", val,
				    kind_names, NKINDS, 1);
		} else if (strcmp(key, "weight") == 0) {
			errno = 0;
			p->info.weight = strtod(val, &end);
			if (errno != 0 || end == val || *end != '\0' ||
			    !(p->info.weight >= 0 && p->info.weight <= 1000))
				errs_add(e, fname, lineno, "weight must be a "
				    "number from 0 to 1000");
		} else if (strcmp(key, "prefilter") == 0) {
			/* A repeated key replaces the earlier value, as
			 * for the other single-valued keys. */
			free(p->prefilter);
			p->prefilter = NULL;
			if (*val == '\0' || strlen(val) > 128)
				errs_add(e, fname, lineno, "prefilter must be "
				    "1 to 128 bytes");
			else if ((p->prefilter = strdup(val)) == NULL)
				goto nomem;
			else
				p->prefilter_len = strlen(val);
		} else if (strcmp(key, "enabled") == 0) {
			if (strcmp(val, "yes") == 0 || strcmp(val, "no") == 0)
				p->off = strcmp(val, "no") == 0;
			else
				errs_add(e, fname, lineno, "enabled must be yes "
				    "or no, not '%.32s'", val);
		} else if (strcmp(key, "dedupe") == 0) {
			if (!valid_id(val))
				errs_add(e, fname, lineno, "invalid dedupe group "
				    "'%.64s' (letters, digits, - _ . only)", val);
			else if ((p->info.dedupe = own(m, val, strlen(val))) ==
			    NULL)
				goto nomem;
		} else if (strcmp(key, "regex") == 0) {
			if (src.regex != NULL)
				errs_add(e, fname, lineno, "second regex in one "
				    "pattern");
			src.regex = val;
			src.regex_line = lineno;
		} else if (strcmp(key, "ignore") == 0) {
			if (src.nignores == MAX_IGNORES) {
				errs_add(e, fname, lineno, "more than %d ignore "
				    "lines", MAX_IGNORES);
			} else {
				src.ignore_lines[src.nignores] = lineno;
				src.ignores[src.nignores++] = val;
			}
		} else {
			unknown(e, fname, lineno, "key", key, keys,
			    sizeof(keys) / sizeof(keys[0]), 0);
		}
	}
	if (p != NULL)
		finish(m, pats, p, &src, jit, jit_ok, e);
	if (npats == 0 && e->count == before)
		errs_add(e, fname, lineno, "no [pattern] section");
	if (e->count != before) {
		for (i = 0; i < npats; i++)
			match_pattern_free(&pats[i]);
		free(pats);
		return -1;
	}
	tmp = realloc(m->pats, (m->npats + npats) * sizeof(*tmp));
	if (tmp == NULL && npats > 0)
		goto nomem;
	if (npats > 0) {
		m->pats = tmp;
		memcpy(m->pats + m->npats, pats, npats * sizeof(*pats));
		m->npats += npats;
	}
	free(pats);
	return 0;
nomem:
	errs_add(e, fname, lineno, "out of memory");
	for (i = 0; i < npats; i++)
		match_pattern_free(&pats[i]);
	free(pats);
	return -1;
}

/* Check, copy (NUL-terminated, so the parser may cut it into lines) and
 * parse one file's len bytes. */
static int
add_text(struct matcher *m, const char *file, const char *text, size_t len,
    bool jit, bool *jit_ok, struct errs *e)
{
	char *copy;
	int rc;

	if (len > MATCH_FILE_MAX) {
		errs_add(e, file, 0, "larger than %u bytes", MATCH_FILE_MAX);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		errs_add(e, file, 0, "binary file (NUL byte)");
		return -1;
	}
	if ((copy = malloc(len + 1)) == NULL) {
		errs_add(e, file, 0, "out of memory");
		return -1;
	}
	memcpy(copy, text, len);
	copy[len] = '\0';
	rc = load_text(m, file, copy, jit, jit_ok, e);
	free(copy);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collect "name\0dir" for every *.pat, later directories winning. Under
 * MATCH_STRICT a directory that is not trusted (rfile_trusted()) is
 * refused in err, and none of its files is read. */
static size_t
list_files(const char *const *dirs, size_t ndirs, unsigned flags,
    char **names, const char **owners, struct errs *err)
{
	char msg[RFILE_MSG_MAX];
	size_t n = 0, i, k, len;
	struct dirent *de;
	struct stat st;
	DIR *d;

	for (i = 0; i < ndirs; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		if ((flags & MATCH_STRICT) != 0 &&
		    (fstat(dirfd(d), &st) == -1 ||
			rfile_trusted(&st, msg, sizeof(msg)) == -1)) {
			errs_add(err, dirs[i], 0, "%s", msg);
			closedir(d);
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			len = strlen(de->d_name);
			if (len < 5 || de->d_name[0] == '.' ||
			    strcmp(de->d_name + len - 4, ".pat") != 0)
				continue;
			for (k = 0; k < n; k++)
				if (strcmp(names[k], de->d_name) == 0)
					break;
			if (k == n) {
				if (n == MAX_FILES)
					continue;
				if ((names[n] = strdup(de->d_name)) == NULL)
					continue;
				n++;
			}
			owners[k] = dirs[i];
		}
		closedir(d);
	}
	return n;
}

/* The long literals go into one mlit, searched in one pass, when there
 * are at least two of them (one is as fast with memmem()). */
static void
build_mlit(struct matcher *m)
{
	const char *s[MLIT_MAX];
	size_t len[MLIT_MAX], i;
	unsigned n = 0;

	for (i = 0; i < m->nliterals && n < MLIT_MAX; i++) {
		if (m->literals[i].len < MATCH_MLIT_MIN)
			continue;
		s[n] = m->literals[i].s;
		len[n] = m->literals[i].len;
		m->ml_lit[n++] = (uint8_t)i;
	}
	if (n < 2 || mlit_init(&m->ml, s, len, n) == -1)
		return;
	for (i = 0; i < n; i++)
		m->ml_known |= (uint64_t)1 << m->ml_lit[i];
}

/*
 * The literals match_buffer() searches over whole buffers: one per distinct
 * prefilter, minus any that contains another (a line holding "Relay
 * rejected for policy reasons" also holds "rejected for policy reasons", so
 * the shorter search finds it; match_one() then checks each pattern's own
 * prefilter on the line). Fewer passes over the buffer, same candidates.
 * Each pattern records the literal its prefilter holds, so a candidate
 * line is never searched again for what the buffer search already found:
 * hostile lines that carry the literals cost one regex run, not twenty
 * memmem() calls. Literals that share a long substring are not searched
 * as that substring: fewer passes, but glibc's memmem skips less with a
 * shorter needle, and the total is the same.
 */
static void
build_literals(struct matcher *m)
{
	const char *pf[MAX_LITERALS];
	size_t pl[MAX_LITERALS], n = 0, i, k;
	struct pattern *p;
	bool covered;

	m->all_prefiltered = true;
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		if (p->prefilter == NULL) {
			m->all_prefiltered = false;
			continue;
		}
		for (k = 0; k < n; k++)
			if (pl[k] == p->prefilter_len &&
			    memcmp(pf[k], p->prefilter, pl[k]) == 0)
				break;
		if (k < n)
			continue;
		if (n == MAX_LITERALS) {
			m->all_prefiltered = false;
			continue;
		}
		pf[n] = p->prefilter;
		pl[n++] = p->prefilter_len;
	}
	for (i = 0; i < n; i++) {
		covered = false;
		for (k = 0; k < n && !covered; k++)
			covered = k != i && pl[k] < pl[i] &&
			    memmem(pf[i], pl[i], pf[k], pl[k]) != NULL;
		if (covered)
			continue;
		m->literals[m->nliterals].s = pf[i];
		m->literals[m->nliterals++].len = pl[i];
	}
	build_mlit(m);
	/* Each prefilter holds a kept literal (or is one): a line without
	 * that literal cannot pass the prefilter. */
	for (i = 0; i < m->npats; i++) {
		p = &m->pats[i];
		p->lit = -1;
		for (k = 0; k < m->nliterals && p->prefilter != NULL; k++) {
			if (memmem(p->prefilter, p->prefilter_len,
				m->literals[k].s, m->literals[k].len) == NULL)
				continue;
			p->lit = (int)k;
			p->lit_exact = m->literals[k].len == p->prefilter_len;
			break;
		}
	}
}

/* Every file is in: refuse on any error, else make m ready to match. */
static struct matcher *
load_done(struct matcher *m, bool jit, struct errs *err)
{
	uint32_t groups, pairs = 32;
	size_t i, k;

	if (err->count == 0)
		match_apply_off(m, err);
	if (err->count > 0 || m->npats == 0) {
		errno = err->count > 0 ? EINVAL : ENOENT;
		if (err->count == 0)
			snprintf(err->text, sizeof(err->text), m->noff > 0 ?
			    "every pattern is switched off (enabled = no)\n" :
			    "no *.pat pattern file found\n");
		goto fail;
	}
	m->jit = jit;
	for (i = 0; i < m->npats; i++)
		m->pats[i].info.index = (unsigned)i;
	/* Room for every capture of the largest regex (ignore lines too):
	 * with fewer pairs pcre2_match() returns 0, so the pattern would
	 * never hit and the ignore line never drop anything. */
	for (i = 0; i < m->npats; i++)
		for (k = 0; k <= m->pats[i].nignore; k++)
			if (pcre2_pattern_info(k == 0 ? m->pats[i].re :
				m->pats[i].ignore[k - 1], PCRE2_INFO_CAPTURECOUNT,
				&groups) == 0 && groups + 1 > pairs)
				pairs = groups + 1;
	m->md = pcre2_match_data_create(pairs, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	if (m->md == NULL || m->mctx == NULL) {
		errno = ENOMEM;
		goto fail;
	}
	pcre2_set_match_limit(m->mctx, MATCH_LIMIT);
	pcre2_set_depth_limit(m->mctx, MATCH_DEPTH_LIMIT);
	build_literals(m);
	return m;
fail:
	match_free(m);
	return NULL;
}

struct matcher *
match_load(const char *const *dirs, size_t ndirs, unsigned flags,
    struct errs *err)
{
	char *names[MAX_FILES], path[4096], *text, msg[RFILE_MSG_MAX];
	const char *owners[MAX_FILES];
	bool jit = (flags & MATCH_NO_JIT) == 0, jit_ok = jit;
	struct matcher *m;
	size_t n, i, k, len;
	char *sorted[MAX_FILES];

	memset(err, 0, sizeof(*err));
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	n = list_files(dirs, ndirs, flags, names, owners, err);
	/* Sort names but keep each name's owning directory. */
	memcpy(sorted, names, n * sizeof(*names));
	qsort(sorted, n, sizeof(*sorted), cmp_str);
	for (i = 0; i < n; i++) {
		for (k = 0; k < n; k++)
			if (names[k] == sorted[i])
				break;
		snprintf(path, sizeof(path), "%s/%s", owners[k], sorted[i]);
		if (rfile_read(path, MATCH_FILE_MAX, (flags & MATCH_STRICT) != 0 ?
			RFILE_STRICT : 0, &text, &len, msg, sizeof(msg)) == -1)
			errs_add(err, path, 0, "%s", msg);
		else
			add_text(m, path, text, len, jit, &jit_ok, err);
		free(text);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	return load_done(m, jit && jit_ok, err);
}

struct matcher *
match_load_text(const char *name, const char *text, size_t len,
    unsigned flags, struct errs *err)
{
	bool jit = (flags & MATCH_NO_JIT) == 0, jit_ok = jit;
	struct matcher *m;

	memset(err, 0, sizeof(*err));
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	add_text(m, name, text, len, jit, &jit_ok, err);
	return load_done(m, jit && jit_ok, err);
}

const char *
match_warnings(const struct matcher *m)
{
	return m->warn.text;
}

void
match_free(struct matcher *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->npats; i++)
		match_pattern_free(&m->pats[i]);
	free(m->pats);
	free(m->off);
	for (i = 0; i < m->nstrings; i++)
		free(m->strings[i]);
	free(m->strings);
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	free(m);
}

size_t
match_count(const struct matcher *m)
{
	return m->npats;
}

const struct match_pattern *
match_pattern_at(const struct matcher *m, size_t i, uint64_t *hits)
{
	if (i >= m->npats)
		return NULL;
	if (hits != NULL)
		*hits = m->pats[i].hits;
	return &m->pats[i].info;
}

bool
match_jit(const struct matcher *m)
{
	return m->jit;
}

void
match_get_stats(const struct matcher *m, struct match_stats *st)
{
	*st = m->st;
}
