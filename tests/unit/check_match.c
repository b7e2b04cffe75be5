/*
 * Unit tests for daemon/match.c and the shipped patterns/. The corpus in
 * tests/fixtures/corpus.tsv (real Domino lines, marked inferred ones, and
 * hostile lines of our own) is the specification: every row must give its
 * expected address and kind.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "match.h"
#include "suite_run.h"

static const char *shipped[] = {TEST_SRCDIR "/patterns"};

static struct matcher *
load_shipped(unsigned flags)
{
	struct errs e;
	struct matcher *m = match_load(shipped, 1, flags, &e);

	ck_assert_msg(m != NULL, "shipped patterns refused: %s", e.text);
	return m;
}

static const char *
kind_of(const char *corpus_kind)
{
	static const char *map[][2] = {
	    {"auth_smtp", "auth"}, {"auth_http", "auth"},
	    {"auth_ldap", "auth"}, {"auth_imap", "auth"},
	    {"auth_pop3", "auth"}, {"tls_fail", "tls"},
	    {"unknown_rcpt", "unknown_rcpt"}, {"relay_denied", "relay"},
	    {"dnsbl", "dnsbl"}, {"policy_reject", "policy"},
	    {"session_connect", "session_open"},
	    {"session_close", "session_close"}};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], corpus_kind) == 0)
			return map[i][1];
	return NULL;
}

static void
check_corpus(unsigned flags)
{
	char line[8192], got[ADDR_STRLEN], *kind, *want, *text, *save;
	struct matcher *m = load_shipped(flags);
	struct match_event ev;
	unsigned rows = 0, hits = 0;
	FILE *f;
	int r;

	f = fopen(TEST_SRCDIR "/tests/fixtures/corpus.tsv", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		kind = strtok_r(line, "\t", &save);
		want = strtok_r(NULL, "\t", &save);
		if (strtok_r(NULL, "\t", &save) == NULL ||
		    strcmp(kind, "kind") == 0)
			continue;
		text = save;
		rows++;
		r = match_line(m, text, strlen(text), &ev);
		if (strcmp(want, "-") == 0) {
			ck_assert_msg(r == 0, "matched (%s) but must not: %s",
			    r ? ev.pattern->id : "", text);
			continue;
		}
		hits++;
		ck_assert_msg(r == 1, "no match: %s", text);
		ck_assert_msg(strcmp(match_kind_name(ev.pattern->kind),
				  kind_of(kind)) == 0,
		    "kind %s, want %s: %s", match_kind_name(ev.pattern->kind),
		    kind_of(kind), text);
		if (strncmp(want, "session=", 8) == 0) {
			ck_assert_msg(!ev.has_addr, "address in a no-IP line: "
			    "%s", text);
			continue;
		}
		ck_assert_msg(ev.has_addr, "no address: %s", text);
		addr_format(&ev.addr, got, sizeof(got));
		ck_assert_msg(strcmp(got, want) == 0, "got %s, want %s: %s",
		    got, want, text);
	}
	fclose(f);
	ck_assert_uint_ge(rows, 90);
	ck_assert_uint_ge(hits, 60);
	match_free(m);
}

START_TEST(test_corpus_jit)
{
	check_corpus(0);
}
END_TEST

START_TEST(test_corpus_interpreter)
{
	struct matcher *m = load_shipped(MATCH_NO_JIT);

	ck_assert(!match_jit(m));
	match_free(m);
	check_corpus(MATCH_NO_JIT);
}
END_TEST

/* Write a pattern file into dir; returns its path in a static buffer. */
static void
write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static char *
make_dir(void)
{
	char *d = strdup("/tmp/check_match.XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static void
remove_dir(char *d)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	ck_assert_int_eq(system(cmd), 0);
	free(d);
}

START_TEST(test_errors_carry_location)
{
	char *d = make_dir();
	const char *dirs[] = {d};
	struct errs e;

	write_file(d, "a.pat",
	    "# comment\n"
	    "[good]\nservice = smtp\nkind = auth\nregex = x %{ip}\n"
	    "[bad-regex]\nservice = smtp\nkind = auth\nregex = (%{ip}\n"
	    "[no-ip]\nservice = http\nkind = auth\nregex = nothing\n"
	    "[bad-kind]\nservice = smtp\nkind = nonsense\nregex = %{ip}\n"
	    "frobnicate = 1\n"
	    "[good]\nservice = smtp\nkind = auth\nregex = y %{ip}\n");
	ck_assert_ptr_null(match_load(dirs, 1, 0, &e));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(e.text, "a.pat:9: pattern bad-regex: regex error "
				     "at offset 6 of the regex as written: "
				     "missing closing parenthesis") != NULL,
	    "%s", e.text);
	ck_assert_msg(strstr(e.text, "a.pat:10: pattern no-ip: regex has no "
				     "(?<ip>...) capture") != NULL,
	    "%s", e.text);
	ck_assert_msg(strstr(e.text, "a.pat:16: unknown kind 'nonsense'") !=
		NULL, "%s", e.text);
	ck_assert_msg(strstr(e.text, "a.pat:18: unknown key 'frobnicate'") !=
		NULL, "%s", e.text);
	ck_assert_msg(strstr(e.text, "a.pat:19: pattern good: id already "
				     "defined at") != NULL, "%s", e.text);
	ck_assert_uint_ge(e.count, 5);
	remove_dir(d);
}
END_TEST

/* One mistake, one error, which names what is valid; offsets are in the
 * regex as written, not in its %{prefix}/%{ip} expansion. */
START_TEST(test_error_messages)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"[a]\nservice = smpt\nkind = auth\nprefilter = x\n"
	     "regex = x %{ip}\n", "t.pat:2: unknown service 'smpt' (did you "
	     "mean smtp?; valid: smtp, http, ldap, imap, pop3 or tls)"},
	    {"[a]\nservice = smtp\nkind = authentication\nregex = x\n",
	     "t.pat:3: unknown kind 'authentication' (did you mean auth?; "
	     "valid: auth, unknown_rcpt, relay, dnsbl, tls, policy, "
	     "session_open or session_close)"},
	    {"[a]\nservice = smtp\nkind = auth\nprefiltre = x\n"
	     "regex = x %{ip}\n", "t.pat:4: unknown key 'prefiltre' (did you "
	     "mean prefilter?; valid: service, kind"},
	    /* PCRE2 stops at the end, offset 24 of what the admin wrote
	     * (over 300 in the expansion of %{prefix} and %{ip}). */
	    {"[a]\nservice = smtp\nkind = auth\n"
	     "regex = ^%{prefix}SMTP: %{ip} [x\n", "t.pat:4: pattern a: "
	     "regex error at offset 24 of the regex as written: missing "
	     "terminating ] for character class (here: '^%{prefix}SMTP: "
	     "%{ip} [x' <--)"},
	    {"[a]\nservice = smtp\nkind = auth\nregex = ^%{prefix}(?<ip)x\n",
	     "t.pat:4: pattern a: regex error at offset 15 of the regex as "
	     "written"},
	    {"[a b]\nservice = smtp\nkind = auth\nregex = x %{ip}\n",
	     "t.pat:1: invalid pattern id 'a b'"},
	};
	struct errs e;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_ptr_null(match_load_text("t.pat", cases[i].text,
		    strlen(cases[i].text), 0, &e));
		ck_assert_msg(strstr(e.text, cases[i].want) != NULL, "want "
		    "'%s' in:\n%s", cases[i].want, e.text);
		/* No cascade: no "no kind", "no (?<ip>)", "outside a
		 * [pattern] section" after the one mistake. */
		ck_assert_msg(e.count == 1, "%u errors for one mistake:\n%s",
		    e.count, e.text);
	}
}
END_TEST

/* A pattern that loads but runs on every line is said, with its cost. */
START_TEST(test_cost_warning)
{
	static const char both[] =
	    "[fast]\nservice = smtp\nkind = auth\nprefilter = SMTP\n"
	    "regex = SMTP %{ip}\n"
	    "[anchored]\nservice = smtp\nkind = auth\nregex = ^x %{ip}\n"
	    "[slow]\nservice = smtp\nkind = auth\nregex = y %{ip}\n";
	struct matcher *m;
	struct errs e;
	const char *w;

	m = match_load_text("t.pat", both, strlen(both), 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	w = match_warnings(m);
	ck_assert_msg(strstr(w, "fast") == NULL, "%s", w);
	ck_assert_msg(strstr(w, "t.pat:6: pattern anchored: no prefilter: its "
				"regex runs on every line read; a prefilter")
	    != NULL, "%s", w);
	ck_assert_msg(strstr(w, "t.pat:10: pattern slow: no prefilter: its "
				"regex runs on every line read, and with no ^ "
				"anchor it is tried at every position of the "
				"line") != NULL, "%s", w);
	match_free(m);
}
END_TEST

START_TEST(test_bad_file_refused_whole)
{
	char *d = make_dir();
	const char *dirs[] = {d};
	struct errs e;

	/* One good section and one bad one: nothing of the file is kept. */
	write_file(d, "a.pat", "[ok]\nservice = smtp\nkind = auth\n"
			       "regex = x %{ip}\n[broken]\nregex = [\n");
	ck_assert_ptr_null(match_load(dirs, 1, 0, &e));
	ck_assert_uint_ge(e.count, 1);
	/* An empty directory loads nothing: ENOENT, with a message. */
	write_file(d, "a.pat", "# nothing\n");
	ck_assert_ptr_null(match_load(dirs, 1, 0, &e));
	ck_assert_ptr_nonnull(strstr(e.text, "no [pattern] section"));
	remove_dir(d);
}
END_TEST

START_TEST(test_override_by_name)
{
	char *d1 = make_dir(), *d2 = make_dir();
	const char *dirs[] = {d1, d2, "/nonexistent/dir"};
	struct match_event ev;
	struct errs e;
	struct matcher *m;

	write_file(d1, "x.pat", "[orig]\nservice = smtp\nkind = auth\n"
				"regex = ^orig %{ip}$\n");
	write_file(d1, "y.pat", "[kept]\nservice = http\nkind = auth\n"
				"regex = ^kept %{ip}$\n");
	write_file(d2, "x.pat", "[local]\nservice = smtp\nkind = auth\n"
				"weight = 3\nregex = ^local %{ip}$\n");
	m = match_load(dirs, 3, 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_uint_eq(match_count(m), 2);
	ck_assert_int_eq(match_line(m, "orig 192.0.2.1", 14, &ev), 0);
	ck_assert_int_eq(match_line(m, "local 192.0.2.1", 15, &ev), 1);
	ck_assert_str_eq(ev.pattern->id, "local");
	ck_assert(ev.pattern->weight == 3.0);
	ck_assert_int_eq(match_line(m, "kept 192.0.2.1", 14, &ev), 1);
	match_free(m);
	remove_dir(d1);
	remove_dir(d2);
}
END_TEST

/* "enabled = no" in a later directory switches a shipped pattern off
 * without copying its file; a whole definition may be off too; an
 * override that names no pattern is an error with its file:line; a
 * pattern without "enabled" or with "enabled = yes" stays on. */
START_TEST(test_enabled_no)
{
	char *d1 = make_dir(), *d2 = make_dir();
	const char *dirs[] = {d1, d2};
	const struct match_pattern *off;
	struct match_event ev;
	struct errs e;
	struct matcher *m;

	write_file(d1, "shipped.pat", "[smtp-auth]\nservice = smtp\n"
	    "kind = auth\nregex = ^auth %{ip}$\n\n[http-auth]\n"
	    "service = http\nkind = auth\nenabled = yes\n"
	    "regex = ^http %{ip}$\n");
	write_file(d2, "local.pat", "# site overrides\n[smtp-auth]\n"
	    "enabled = no\n\n[mine]\nservice = smtp\nkind = auth\n"
	    "enabled = no\nregex = ^mine %{ip}$\n");
	m = match_load(dirs, 2, 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_uint_eq(match_count(m), 1);
	ck_assert_int_eq(match_line(m, "auth 192.0.2.1", 14, &ev), 0);
	ck_assert_int_eq(match_line(m, "mine 192.0.2.1", 14, &ev), 0);
	ck_assert_int_eq(match_line(m, "http 192.0.2.1", 14, &ev), 1);
	ck_assert_uint_eq(match_off_count(m), 2);
	off = match_off_at(m, 0);
	ck_assert_str_eq(off->id, "smtp-auth");
	ck_assert_ptr_nonnull(strstr(off->file, "/local.pat"));
	ck_assert_uint_eq(off->line, 2);
	ck_assert_str_eq(match_off_at(m, 1)->id, "mine");
	match_free(m);

	/* A typo is an error, with where and what. */
	write_file(d2, "local.pat", "[smtp-uath]\nenabled = no\n");
	ck_assert_ptr_null(match_load(dirs, 2, 0, &e));
	ck_assert_msg(strstr(e.text, "local.pat:1: [smtp-uath] enabled = no: "
	    "no pattern file defines a pattern 'smtp-uath'") != NULL, "%s",
	    e.text);
	/* A bad value names the valid ones. */
	write_file(d2, "local.pat", "[smtp-auth]\nenabled = off\n");
	ck_assert_ptr_null(match_load(dirs, 2, 0, &e));
	ck_assert_msg(strstr(e.text, "local.pat:2: enabled must be yes or no")
	    != NULL, "%s", e.text);
	/* Everything off: said so. */
	write_file(d2, "local.pat", "[smtp-auth]\nenabled = no\n"
	    "[http-auth]\nenabled = no\n");
	ck_assert_ptr_null(match_load(dirs, 2, 0, &e));
	ck_assert_msg(strstr(e.text, "every pattern is switched off") != NULL,
	    "%s", e.text);
	remove_dir(d1);
	remove_dir(d2);
}
END_TEST

/* A FIFO named *.pat is refused at once, by type (open(2) without
 * O_NONBLOCK waits for a writer that never comes: a reload would hang the
 * daemon); the other files of the directory still load. */
START_TEST(test_fifo_refused)
{
	char *d = make_dir(), path[256];
	const char *dirs[] = {d};
	struct errs e;

	write_file(d, "a.pat", "[a]\nservice = smtp\nkind = auth\n"
			       "regex = ^a %{ip}$\n");
	snprintf(path, sizeof(path), "%s/b.pat", d);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	ck_assert_ptr_null(match_load(dirs, 1, 0, &e));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_msg(strstr(e.text, "/b.pat: is a FIFO, not a regular file") !=
		NULL, "%s", e.text);
	ck_assert_uint_eq(e.count, 1);
	remove_dir(d);
}
END_TEST

/* MATCH_STRICT (the daemon): a file or a directory that others can
 * write is refused, with its mode; without it (test, replay) it loads. */
START_TEST(test_strict)
{
	char *d = make_dir(), path[256];
	const char *dirs[] = {d};
	struct matcher *m;
	struct errs e;

	ck_assert_int_eq(chmod(d, 0755), 0);
	write_file(d, "x.pat", "[x]\nservice = smtp\nkind = auth\n"
			       "regex = ^x %{ip}$\n");
	snprintf(path, sizeof(path), "%s/x.pat", d);
	ck_assert_int_eq(chmod(path, 0644), 0);
	m = match_load(dirs, 1, MATCH_STRICT, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	match_free(m);
	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_ptr_null(match_load(dirs, 1, MATCH_STRICT, &e));
	ck_assert_msg(strstr(e.text, "/x.pat: mode 0666 is group/world "
				     "writable; refusing (chmod go-w)") != NULL, "%s",
	    e.text);
	m = match_load(dirs, 1, 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	match_free(m);
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(chmod(d, 0777), 0);
	ck_assert_ptr_null(match_load(dirs, 1, MATCH_STRICT, &e));
	ck_assert_uint_eq(e.count, 1);
	ck_assert_msg(strstr(e.text, ": mode 0777 is group/world writable") !=
		NULL && strstr(e.text, "x.pat") == NULL, "%s", e.text);
	remove_dir(d);
}
END_TEST

/* match_load_text() is the parser match_load() uses, on memory. */
START_TEST(test_load_text)
{
	static const char one[] = "[t]\nservice = smtp\nkind = auth\n"
				  "regex = ^t %{ip}$\nnot part of the text";
	static const char nul[] = "[t]\nservice = smtp\0\nkind = auth\n";
	static const char bad[] = "[t]\nservice = smtp\nkind = auth\n"
				  "regex = (%{ip}\n";
	static const char *files[] = {"domino-auth.pat", "domino-smtp.pat",
	    "domino-tls.pat"};
	struct match_event ev;
	struct matcher *m;
	struct errs e;
	size_t i, n = 0, len;
	char path[512], *text;
	FILE *f;

	/* Only len bytes are read: the tail would be a syntax error. */
	m = match_load_text("mem.pat", one, strlen(one) - 20, 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_uint_eq(match_count(m), 1);
	ck_assert_str_eq(match_pattern_at(m, 0, NULL)->file, "mem.pat");
	ck_assert_int_eq(match_line(m, "t 192.0.2.9", 11, &ev), 1);
	ck_assert_int_eq(ev.addr.a[3], 9);
	match_free(m);
	ck_assert_ptr_null(match_load_text("mem.pat", one, strlen(one), 0, &e));
	ck_assert_ptr_nonnull(strstr(e.text, "mem.pat:5: expected"));

	ck_assert_ptr_null(match_load_text("mem.pat", nul, sizeof(nul) - 1, 0,
	    &e));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "mem.pat: binary file"));
	ck_assert_ptr_null(match_load_text("mem.pat", bad, strlen(bad), 0, &e));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "mem.pat:4: pattern "));
	ck_assert_ptr_nonnull(strstr(e.text, ": regex error at offset"));
	ck_assert_ptr_null(match_load_text("mem.pat", "", 0, 0, &e));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_nonnull(strstr(e.text, "no [pattern] section"));

	/* Each shipped file loads from memory; together they make the same
	 * patterns as the directory. */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", shipped[0], files[i]);
		f = fopen(path, "r");
		ck_assert_ptr_nonnull(f);
		text = malloc(MATCH_FILE_MAX);
		ck_assert_ptr_nonnull(text);
		len = fread(text, 1, MATCH_FILE_MAX, f);
		fclose(f);
		m = match_load_text(path, text, len, MATCH_NO_JIT, &e);
		ck_assert_msg(m != NULL, "%s", e.text);
		n += match_count(m);
		match_free(m);
		free(text);
	}
	m = load_shipped(MATCH_NO_JIT);
	ck_assert_uint_eq(n, match_count(m));
	match_free(m);
}
END_TEST

/* Found by fuzz-pattern: a second prefilter line leaked the first. The
 * last one counts, like any repeated key (leaks show under ASan and
 * valgrind). */
START_TEST(test_repeated_prefilter)
{
	static const char text[] = "[t]\nservice = smtp\nkind = auth\n"
				   "prefilter = first\nprefilter = second\n"
				   "regex = %{ip}$\n";
	struct match_event ev;
	struct matcher *m;
	struct errs e;

	m = match_load_text("mem.pat", text, strlen(text), 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_int_eq(match_line(m, "second 192.0.2.1", 16, &ev), 1);
	ck_assert_int_eq(match_line(m, "first 192.0.2.1", 15, &ev), 0);
	match_free(m);
}
END_TEST

/* The dedupe group: read, checked, and in the shipped files exactly the
 * two wordings of an SMTP AUTH failure share one. */
START_TEST(test_dedupe_group)
{
	static const char good[] = "[t]\nservice = smtp\nkind = auth\n"
				   "dedupe = smtp-auth\nregex = %{ip}$\n"
				   "[u]\nservice = smtp\nkind = auth\n"
				   "regex = u %{ip}$\n";
	static const char bad[] = "[t]\nservice = smtp\nkind = auth\n"
				  "dedupe = two words\nregex = %{ip}$\n";
	struct matcher *m;
	struct errs e;
	size_t i;

	m = match_load_text("mem.pat", good, strlen(good), 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_str_eq(match_pattern_at(m, 0, NULL)->dedupe, "smtp-auth");
	ck_assert_ptr_null(match_pattern_at(m, 1, NULL)->dedupe);
	match_free(m);
	ck_assert_ptr_null(match_load_text("mem.pat", bad, strlen(bad), 0, &e));
	ck_assert_msg(strstr(e.text, "mem.pat:4: invalid dedupe group 'two "
				     "words'") != NULL, "%s", e.text);
	m = load_shipped(MATCH_NO_JIT);
	for (i = 0; i < match_count(m); i++) {
		const struct match_pattern *p = match_pattern_at(m, i, NULL);
		bool pair = strcmp(p->id, "smtp-auth") == 0 ||
		    strcmp(p->id, "inet-auth") == 0;

		ck_assert_msg(pair ? p->dedupe != NULL &&
			strcmp(p->dedupe, "smtp-auth") == 0 : p->dedupe == NULL,
		    "%s: dedupe %s", p->id, p->dedupe ? p->dedupe : "none");
	}
	match_free(m);
}
END_TEST

/* Found while writing fuzz-pattern: a regex with more than 31 capture
 * groups never matched, and such an ignore line never dropped a hit (the
 * match data held 32 pairs, pcre2_match() returned 0). */
START_TEST(test_many_groups)
{
	char text[1024];
	struct match_event ev;
	struct matcher *m;
	struct errs e;
	int n, i;

	n = snprintf(text, sizeof(text), "[t]\nservice = smtp\nkind = auth\n"
	    "regex = ^");
	for (i = 0; i < 40; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "(x?)");
	n += snprintf(text + n, sizeof(text) - (size_t)n, "a %%{ip}$\n"
	    "ignore = ");
	for (i = 0; i < 50; i++) /* more than the regex has */
		n += snprintf(text + n, sizeof(text) - (size_t)n, "(y?)");
	snprintf(text + n, sizeof(text) - (size_t)n, "\\.9$\n");
	m = match_load_text("mem.pat", text, strlen(text), 0, &e);
	ck_assert_msg(m != NULL, "%s", e.text);
	ck_assert_int_eq(match_line(m, "a 192.0.2.1", 11, &ev), 1);
	ck_assert(ev.has_addr);
	ck_assert_int_eq(ev.addr.a[3], 1);
	/* ... and such an ignore line drops what it matches. */
	ck_assert_int_eq(match_line(m, "a 192.0.2.9", 11, &ev), 0);
	match_free(m);
}
END_TEST

START_TEST(test_prefilter_and_counts)
{
	struct matcher *m = load_shipped(0);
	static const char benign[] =
	    "[001984:000017-00007F3A9C5FE700] 14.03.2025 10:21:02   "
	    "Router: Message 0052A1B3 delivered to John Doe/Acme";
	struct match_stats st;
	struct match_event ev;
	uint64_t hits;
	size_t i;

	ck_assert_int_eq(match_line(m, benign, strlen(benign), &ev), 0);
	match_get_stats(m, &st);
	ck_assert_uint_eq(st.lines, 1);
	ck_assert_uint_eq(st.regex_runs, 0);
	for (i = 0; i < match_count(m); i++) {
		match_pattern_at(m, i, &hits);
		ck_assert_uint_eq(hits, 0);
	}
	ck_assert_ptr_null(match_pattern_at(m, match_count(m), NULL));
	match_free(m);
}
END_TEST

START_TEST(test_bytes_not_text)
{
	struct matcher *m = load_shipped(0);
	char line[256], got[ADDR_STRLEN];
	struct match_event ev;
	struct match_stats st;
	int n;

	/* NUL bytes and invalid UTF-8 in the user name. */
	n = snprintf(line, sizeof(line), "smtp: a%cb\xff\xfe\xc3 [192.0.2.5] "
	    "authentication failure using internet password", 'X');
	line[7] = '\0';
	ck_assert_int_eq(match_line(m, line, (size_t)n, &ev), 1);
	addr_format(&ev.addr, got, sizeof(got));
	ck_assert_str_eq(got, "192.0.2.5");
	ck_assert_uint_eq(ev.user_len, 6);
	/* A capture that is no address yields nothing and is counted. */
	n = snprintf(line, sizeof(line), "smtp: u [1.2.3.4.5] authentication "
	    "failure using internet password");
	ck_assert_int_eq(match_line(m, line, (size_t)n, &ev), 0);
	match_get_stats(m, &st);
	ck_assert_uint_eq(st.bad_addr, 1);
	match_free(m);
}
END_TEST

/*
 * Catastrophic-backtracking shapes (fail2ban GHSA-33wh-ccjc-p397 used long
 * space-separated user names). The guard is counted, not timed: none of
 * these lines may reach the PCRE2 match limit, so each costs well under
 * MATCH_LIMIT steps.
 */
START_TEST(test_redos_shapes)
{
	static const char *heads[] = {
	    "SMTP Server: Authentication failed for user ",
	    "smtp: ",
	    "http: ",
	    "POP3 Server: Authentication failure for ",
	    "SMTP Server: Rejected recipient <",
	    "SMTP Server: Recipient <",
	};
	static const char *fills[] = {"a ", " ", "[1.2.3.4] ", "; connecting host ",
	    ", connecting host 1.2.3.4: ", "> from host [1.2.3.4]: ", "a"};
	static const char *tails[] = {"", " ; connecting host x",
	    " [1.2.3.4] authentication failure using internet password x",
	    " [1.2.3.4] authentication failure using internet password"};
	struct matcher *m = load_shipped(0);
	char *line = malloc(MATCH_LINE_MAX + 1);
	struct match_event ev;
	struct match_stats st;
	size_t h, f, t, len;

	for (h = 0; h < sizeof(heads) / sizeof(heads[0]); h++)
		for (f = 0; f < sizeof(fills) / sizeof(fills[0]); f++)
			for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
				len = (size_t)snprintf(line, MATCH_LINE_MAX,
				    "%s", heads[h]);
				while (len + strlen(fills[f]) +
					    strlen(tails[t]) <
				    MATCH_LINE_MAX) {
					memcpy(line + len, fills[f],
					    strlen(fills[f]));
					len += strlen(fills[f]);
				}
				memcpy(line + len, tails[t], strlen(tails[t]));
				len += strlen(tails[t]);
				match_line(m, line, len, &ev);
			}
	match_get_stats(m, &st);
	ck_assert_uint_eq(st.limit_hits, 0);
	ck_assert_uint_gt(st.regex_runs, 100);
	/* Over-long lines are refused before any regex runs. */
	memset(line, 'a', MATCH_LINE_MAX);
	ck_assert_int_eq(match_line(m, line, MATCH_LINE_MAX + 1, &ev), 0);
	match_get_stats(m, &st);
	ck_assert_uint_eq(st.too_long, 1);
	free(line);
	match_free(m);
}
END_TEST

struct collected {
	char out[4096];
	size_t n;
};

static void
collect(void *arg, const char *line, size_t len, const struct match_event *ev)
{
	struct collected *c = arg;
	char a[ADDR_STRLEN] = "-";

	if (ev->has_addr)
		addr_format(&ev->addr, a, sizeof(a));
	c->n += (size_t)snprintf(c->out + c->n, sizeof(c->out) - c->n,
	    "%s %s %.*s|", ev->pattern->id, a, 3, line);
}

START_TEST(test_buffer_equals_lines)
{
	static const char buf[] =
	    "aaa benign\n"
	    "smtp: u [192.0.2.1] authentication failure using internet password\n"
	    "bbb benign connected to nothing\n"
	    "SMTP Server: 192.0.2.2 connected\n"
	    "TLS/SSL connection 192.0.2.3(1) -> x(25) failed with y\n"
	    "SMTP Server: Recipient <z> not found in Domino Directory\n"
	    "http: u [2001:db8::1] authentication failure using internet password";
	struct matcher *m = load_shipped(0);
	struct collected c = {.n = 0};
	struct match_stats st;

	match_buffer(m, buf, sizeof(buf) - 1, collect, &c);
	ck_assert_str_eq(c.out,
	    "inet-auth 192.0.2.1 smt|smtp-connect 192.0.2.2 SMT|"
	    "tls-fail 192.0.2.3 TLS|smtp-unknown-rcpt-noip - SMT|"
	    "http-auth 2001:db8::1 htt|");
	match_get_stats(m, &st);
	ck_assert_uint_eq(st.lines, 7);
	match_free(m);
}
END_TEST

/* Found by tests/system/hostile.sh: match_buffer() (dominoban test and
 * replay) kept the '\r' of CRLF lines, so every pattern ending in " *$"
 * missed a Windows log the daemon's tailer reads fine. */
START_TEST(test_buffer_crlf)
{
	static const char lf[] =
	    "SMTP Server: Authentication failed for user a ; connecting host 192.0.2.1\n"
	    "smtp: b [192.0.2.2] authentication failure using internet password\n"
	    "SMTP Server: 192.0.2.3 disconnected. 1 message[s] received\n";
	static const char crlf[] =
	    "SMTP Server: Authentication failed for user a ; connecting host 192.0.2.1\r\n"
	    "smtp: b [192.0.2.2] authentication failure using internet password\r\n"
	    "SMTP Server: 192.0.2.3 disconnected. 1 message[s] received\r\n";
	struct matcher *m = load_shipped(0);
	struct collected a = {.n = 0}, b = {.n = 0};

	match_buffer(m, lf, sizeof(lf) - 1, collect, &a);
	match_buffer(m, crlf, sizeof(crlf) - 1, collect, &b);
	ck_assert_str_eq(a.out, "smtp-auth 192.0.2.1 SMT|inet-auth 192.0.2.2 smt|"
	    "smtp-disconnect 192.0.2.3 SMT|");
	ck_assert_str_eq(b.out, a.out);
	match_free(m);
}
END_TEST

static Suite *
match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc;

	tc = tcase_create("corpus");
	tcase_add_test(tc, test_corpus_jit);
	tcase_add_test(tc, test_corpus_interpreter);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, test_errors_carry_location);
	tcase_add_test(tc, test_error_messages);
	tcase_add_test(tc, test_cost_warning);
	tcase_add_test(tc, test_bad_file_refused_whole);
	tcase_add_test(tc, test_override_by_name);
	tcase_add_test(tc, test_enabled_no);
	tcase_add_test(tc, test_fifo_refused);
	tcase_add_test(tc, test_strict);
	tcase_add_test(tc, test_load_text);
	tcase_add_test(tc, test_repeated_prefilter);
	tcase_add_test(tc, test_dedupe_group);
	tcase_add_test(tc, test_many_groups);
	suite_add_tcase(s, tc);
	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bytes_not_text);
	tcase_add_test(tc, test_redos_shapes);
	suite_add_tcase(s, tc);
	tc = tcase_create("matching");
	tcase_add_test(tc, test_prefilter_and_counts);
	tcase_add_test(tc, test_buffer_equals_lines);
	tcase_add_test(tc, test_buffer_crlf);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return suite_run(match_suite());
}
