/*
 * report: the period's figures from the rollup (report.h), and their text
 * and JSON renderings. The top lists come from the hours' records merged
 * by sorting (ban records by target, names by text), so a week of hours
 * with thousands of bans costs a sort, not a quadratic merge.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "match.h"
#include "report.h"
#include "stats.h"

const unsigned report_kinds[REPORT_KINDS] = {MATCH_AUTH, MATCH_UNKNOWN_RCPT,
    MATCH_RELAY, MATCH_DNSBL, MATCH_TLS, MATCH_POLICY};

const char *
report_kind_name(unsigned kind)
{
	return match_kind_name((enum match_kind)kind);
}

void
report_hour_str(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

void
report_free(struct report *rep)
{
	free(rep->kinds);
	free(rep->tiers);
	free(rep->dropped);
	memset(rep, 0, sizeof(*rep));
}

/* ---- top targets ----------------------------------------------------------- */

static int
cmp_ban(const void *a, const void *b)
{
	const struct rollup_ban *x = *(const struct rollup_ban *const *)a;
	const struct rollup_ban *y = *(const struct rollup_ban *const *)b;

	return addr_cmp(&x->target, &y->target);
}

static int
cmp_target(const void *a, const void *b)
{
	const struct report_target *x = a, *y = b;

	if (x->lines != y->lines)
		return x->lines > y->lines ? -1 : 1;
	if (x->bans != y->bans)
		return x->bans > y->bans ? -1 : 1;
	return addr_cmp(&x->target, &y->target);
}

static int
cmp_name_count(const void *a, const void *b)
{
	const struct rollup_name *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->s, y->s);
}

static int
cmp_name_text(const void *a, const void *b)
{
	return strcmp(((const struct rollup_name *)a)->s,
	    ((const struct rollup_name *)b)->s);
}

/* Add the "id=n,id=n" of reason into the table v (at most cap ids). */
static uint64_t
add_reason(struct rollup_name *v, size_t *n, size_t cap, const char *reason)
{
	char id[ROLLUP_NAME_MAX];
	const char *p = reason, *eq, *end;
	unsigned long long c;
	uint64_t lines = 0;
	size_t i, len;

	while (*p != '\0') {
		end = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(end - p));
		c = eq != NULL ? strtoull(eq + 1, NULL, 10) : 1;
		len = (size_t)((eq != NULL ? eq : end) - p);
		if (len >= sizeof(id))
			len = sizeof(id) - 1;
		memcpy(id, p, len);
		id[len] = '\0';
		lines += c;
		for (i = 0; i < *n && strcmp(v[i].s, id) != 0; i++)
			;
		if (i == *n && *n < cap)
			snprintf(v[(*n)++].s, sizeof(v[0].s), "%s", id);
		if (i < *n)
			v[i].n += c;
		p = *end == ',' ? end + 1 : end;
	}
	return lines;
}

/*
 * One target from its ban records b[0..n) (all of one target). A ban's
 * reason counts the lines of its score record so far, which outlives a
 * ban, so a returning host's later reasons include the earlier lines: the
 * target's lines and reasons are those of its ban that counted most.
 */
static void
make_target(struct report_target *t, struct rollup_ban *const *b, size_t n)
{
	struct rollup_name ids[32], best[32];
	size_t nids, nbest = 0, i, off = 0;
	uint64_t lines;

	memset(t, 0, sizeof(*t));
	t->target = b[0]->target;
	t->tier = b[0]->tier;
	t->bans = n;
	for (i = 0; i < n; i++) {
		memset(ids, 0, sizeof(ids));
		nids = 0;
		lines = add_reason(ids, &nids, 32, b[i]->reason);
		if (i == 0 || lines > t->lines) {
			t->lines = lines;
			memcpy(best, ids, sizeof(best));
			nbest = nids;
		}
		if (b[i]->offences > t->offences)
			t->offences = b[i]->offences;
	}
	qsort(best, nbest, sizeof(best[0]), cmp_name_count);
	for (i = 0; i < nbest && i < REPORT_REASONS; i++)
		off += (size_t)snprintf(t->reasons + off,
		    off < sizeof(t->reasons) ? sizeof(t->reasons) - off : 0,
		    "%s%s=%llu", i ? "," : "", best[i].s,
		    (unsigned long long)best[i].n);
	if (nbest > REPORT_REASONS && off + 4 < sizeof(t->reasons))
		snprintf(t->reasons + off, sizeof(t->reasons) - off, ",...");
}

/* Keep t in the top list v (n entries of REPORT_TOP), best first. */
static void
keep_top(struct report_target *v, size_t *n, const struct report_target *t)
{
	size_t i;

	if (*n == REPORT_TOP && cmp_target(t, &v[REPORT_TOP - 1]) >= 0)
		return;
	for (i = *n < REPORT_TOP ? (*n)++ : REPORT_TOP - 1;
	     i > 0 && cmp_target(t, &v[i - 1]) < 0; i--)
		v[i] = v[i - 1];
	v[i] = *t;
}

static int
build_targets(struct report *rep, const struct rollup *r, size_t h0,
    size_t h1)
{
	struct rollup_ban **all;
	struct report_target t;
	size_t n = 0, i, j, k;

	for (i = h0; i < h1; i++)
		n += r->h[i].nbans;
	if (n == 0)
		return 0;
	if ((all = calloc(n, sizeof(*all))) == NULL)
		return -1;
	for (n = 0, i = h0; i < h1; i++)
		for (k = 0; k < r->h[i].nbans; k++)
			all[n++] = &r->h[i].bans[k];
	qsort(all, n, sizeof(*all), cmp_ban);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && addr_cmp(&all[j]->target,
			 &all[i]->target) == 0; j++)
			;
		make_target(&t, all + i, j - i);
		if (t.tier == ROLLUP_HOST) {
			rep->hosts_banned++;
			keep_top(rep->hosts, &rep->nhosts, &t);
		} else {
			rep->nets_banned++;
			keep_top(rep->nets, &rep->nnets, &t);
		}
	}
	free(all);
	return 0;
}

/* ---- names ----------------------------------------------------------------- */

/* The REPORT_TOP names seen most over hours [h0, h1) (users or rcpts). */
static int
build_names(const struct rollup *r, size_t h0, size_t h1, bool users,
    struct rollup_name *top, size_t *ntop, uint64_t *distinct)
{
	struct rollup_name *all;
	size_t n = 0, i, j, k;

	for (i = h0; i < h1; i++)
		n += users ? r->h[i].nusers : r->h[i].nrcpts;
	*ntop = 0;
	*distinct = 0;
	if (n == 0)
		return 0;
	if ((all = calloc(n, sizeof(*all))) == NULL)
		return -1;
	for (n = 0, i = h0; i < h1; i++) {
		k = users ? r->h[i].nusers : r->h[i].nrcpts;
		if (k == 0)
			continue; /* its table may not exist */
		memcpy(all + n, users ? r->h[i].users : r->h[i].rcpts,
		    k * sizeof(*all));
		n += k;
	}
	qsort(all, n, sizeof(*all), cmp_name_text);
	for (i = 0, k = 0; i < n; i = j) {
		all[k] = all[i];
		for (j = i + 1; j < n && strcmp(all[j].s, all[i].s) == 0; j++)
			all[k].n += all[j].n;
		k++;
	}
	qsort(all, k, sizeof(*all), cmp_name_count);
	*distinct = k;
	*ntop = k < REPORT_TOP ? k : REPORT_TOP;
	memcpy(top, all, *ntop * sizeof(*top));
	free(all);
	return 0;
}

/* Patterns that matched steadily before the quiet time (in many hours, so
 * not one burst of an attack) and never in it. */
static void
build_silent(struct report *rep, const struct rollup *r, size_t h1)
{
	struct rollup_name before[ROLLUP_PATTERNS];
	int64_t quiet = rep->to - REPORT_QUIET, last[ROLLUP_PATTERNS];
	unsigned hours[ROLLUP_PATTERNS];
	bool heard[ROLLUP_PATTERNS];
	size_t n = 0, i, k, p;

	memset(before, 0, sizeof(before));
	memset(heard, 0, sizeof(heard));
	memset(last, 0, sizeof(last));
	memset(hours, 0, sizeof(hours));
	for (i = 0; i < h1; i++) {
		const struct rollup_hour *h = &r->h[i];
		for (k = 0; k < h->npatterns; k++) {
			for (p = 0; p < n && strcmp(before[p].s,
				 h->patterns[k].s) != 0; p++)
				;
			if (p == n) {
				if (n == ROLLUP_PATTERNS)
					continue;
				snprintf(before[n++].s, sizeof(before[0].s),
				    "%s", h->patterns[k].s);
			}
			if (h->start >= quiet) {
				heard[p] = true;
			} else {
				before[p].n += h->patterns[k].n;
				last[p] = h->start;
				hours[p]++;
			}
		}
	}
	for (p = 0; p < n && rep->nsilent < REPORT_TOP; p++) {
		if (heard[p] || before[p].n < REPORT_SILENT_MIN ||
		    hours[p] < REPORT_SILENT_HOURS)
			continue;
		memcpy(rep->silent[rep->nsilent].id, before[p].s,
		    ROLLUP_NAME_MAX);
		rep->silent[rep->nsilent].before = before[p].n;
		rep->silent[rep->nsilent++].last = last[p];
	}
}

int
report_build(struct report *rep, const struct rollup *r, int64_t from,
    int64_t to)
{
	size_t h0, h1, i, k, x;

	memset(rep, 0, sizeof(*rep));
	from -= ((from % ROLLUP_HOUR) + ROLLUP_HOUR) % ROLLUP_HOUR;
	if (to % ROLLUP_HOUR != 0)
		to += ROLLUP_HOUR - ((to % ROLLUP_HOUR) + ROLLUP_HOUR) %
		    ROLLUP_HOUR;
	if (to <= from) {
		errno = EINVAL;
		return -1;
	}
	rep->from = from;
	rep->to = to;
	rep->nhours = (size_t)((to - from) / ROLLUP_HOUR);
	rep->kinds = calloc(rep->nhours, sizeof(*rep->kinds));
	rep->tiers = calloc(rep->nhours, sizeof(*rep->tiers));
	rep->dropped = calloc(rep->nhours, sizeof(*rep->dropped));
	if (rep->kinds == NULL || rep->tiers == NULL || rep->dropped == NULL)
		goto nomem;
	for (h0 = 0; h0 < r->n && r->h[h0].start < from; h0++)
		;
	for (h1 = h0; h1 < r->n && r->h[h1].start < to; h1++)
		;
	for (i = h0; i < h1; i++) {
		const struct rollup_hour *h = &r->h[i];
		x = (size_t)((h->start - from) / ROLLUP_HOUR);
		for (k = 0; k < ROLLUP_KINDS; k++) {
			rep->kinds[x][k] = h->kinds[k];
			rep->total_kinds[k] += h->kinds[k];
		}
		for (k = 0; k < ROLLUP_TIERS; k++) {
			rep->tiers[x][k] = h->tiers[k];
			rep->total_tiers[k] += h->tiers[k];
		}
		for (k = 0; k < RV_COUNT; k++)
			rep->values[k] += h->values[k];
		rep->dropped[x][0] = h->values[RV_PACKETS];
		rep->dropped[x][1] = h->values[RV_BYTES];
		rep->bans_unlisted += h->bans_unlisted;
	}
	if (build_targets(rep, r, h0, h1) == -1 ||
	    build_names(r, h0, h1, true, rep->users, &rep->nusers,
		&rep->distinct_users) == -1 ||
	    build_names(r, h0, h1, false, rep->rcpts, &rep->nrcpts,
		&rep->distinct_rcpts) == -1)
		goto nomem;
	build_silent(rep, r, h1);
	for (k = 0; k < REPORT_KINDS; k++)
		rep->attacks += rep->total_kinds[report_kinds[k]];
	for (k = 0; k < ROLLUP_TIERS; k++)
		rep->bans += rep->total_tiers[k];
	return 0;
nomem:
	report_free(rep);
	errno = ENOMEM;
	return -1;
}

/* ---- text ------------------------------------------------------------------ */

static uint64_t
sum(const uint64_t *v, size_t n)
{
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

/* Attacker text for a terminal or a mail: bytes outside printable ASCII
 * as \xNN. */
static void
text_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e ||
		    *s == '\\')
			fprintf(f, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
}

static void
text_targets(FILE *f, const char *title, const struct report_target *v,
    size_t n, uint64_t distinct)
{
	char a[ADDR_STRLEN];
	size_t i;

	fprintf(f, "\n%s (%llu banned)\n", title, (unsigned long long)distinct);
	if (n == 0) {
		fprintf(f, "  none\n");
		return;
	}
	fprintf(f, "  %-32s %7s %5s %5s  %s\n", "ADDRESS", "LINES", "BANS",
	    "MAX", "REASONS");
	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, a, sizeof(a));
		fprintf(f, "  %-32s %7llu %5llu %5u  %s\n", a,
		    (unsigned long long)v[i].lines,
		    (unsigned long long)v[i].bans, v[i].offences,
		    v[i].reasons);
	}
}

static void
text_names(FILE *f, const char *title, const struct rollup_name *v, size_t n,
    uint64_t distinct)
{
	size_t i;

	fprintf(f, "\n%s (%llu distinct)\n", title,
	    (unsigned long long)distinct);
	if (n == 0)
		fprintf(f, "  none\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "  %7llu  ", (unsigned long long)v[i].n);
		text_escape(f, v[i].s);
		fputc('\n', f);
	}
}

static void
text_hours(const struct report *rep, FILE *f)
{
	char hs[32];
	size_t x, k;

	fprintf(f, "\nAttack lines and bans per hour\n  %-16s", "HOUR");
	for (k = 0; k < REPORT_KINDS; k++)
		fprintf(f, " %12s", report_kind_name(report_kinds[k]));
	for (k = 0; k < ROLLUP_TIERS; k++)
		fprintf(f, " %6s", rollup_tier_name((unsigned)k));
	fputc('\n', f);
	for (x = 0; x < rep->nhours; x++) {
		if (sum(rep->kinds[x], ROLLUP_KINDS) == 0 &&
		    sum(rep->tiers[x], ROLLUP_TIERS) == 0)
			continue;
		report_hour_str(rep->from + (int64_t)x * ROLLUP_HOUR, hs,
		    sizeof(hs));
		fprintf(f, "  %-16s", hs);
		for (k = 0; k < REPORT_KINDS; k++)
			fprintf(f, " %12llu",
			    (unsigned long long)rep->kinds[x][report_kinds[k]]);
		for (k = 0; k < ROLLUP_TIERS; k++)
			fprintf(f, " %6llu",
			    (unsigned long long)rep->tiers[x][k]);
		fputc('\n', f);
	}
}

void
report_lists(const struct report *rep, report_targets_fn *targets,
    report_names_fn *names, FILE *f)
{
	targets(f, "Top attacking hosts", rep->hosts, rep->nhosts,
	    rep->hosts_banned);
	targets(f, "Top attacking netblocks", rep->nets, rep->nnets,
	    rep->nets_banned);
	names(f, "Recipients probed most (directory harvest)", rep->rcpts,
	    rep->nrcpts, rep->distinct_rcpts);
	names(f, "User names tried most (password guessing)", rep->users,
	    rep->nusers, rep->distinct_users);
}

void
report_text(const struct report *rep, FILE *f)
{
	const uint64_t *v = rep->values;
	char a[32], b[32], looks[REPORT_LOOKS][REPORT_LOOK_MAX];
	size_t k, n;

	report_hour_str(rep->from, a, sizeof(a));
	report_hour_str(rep->to, b, sizeof(b));
	fprintf(f, "dominoban report: %s to %s (%zu hours)\n\n", a, b,
	    rep->nhours);
	fprintf(f, "Attack lines:    %llu (", (unsigned long long)rep->attacks);
	for (k = 0; k < REPORT_KINDS; k++)
		fprintf(f, "%s%s %llu", k ? ", " : "",
		    report_kind_name(report_kinds[k]),
		    (unsigned long long)rep->total_kinds[report_kinds[k]]);
	fprintf(f, ")\nBans:            %llu (", (unsigned long long)rep->bans);
	for (k = 0; k < ROLLUP_TIERS; k++)
		fprintf(f, "%s%s %llu", k ? ", " : "", rollup_tier_name(
		    (unsigned)k), (unsigned long long)rep->total_tiers[k]);
	fprintf(f, ")\nDropped:         %llu packets, %llu bytes; %llu "
	    "sessions cut\nLines read:      %llu\n",
	    (unsigned long long)v[RV_PACKETS], (unsigned long long)v[RV_BYTES],
	    (unsigned long long)v[RV_SESSIONS_CUT],
	    (unsigned long long)v[RV_LINES]);
	text_hours(rep, f);
	report_lists(rep, text_targets, text_names, f);
	n = report_looks(rep, looks, REPORT_LOOKS);
	fprintf(f, "\nNeeds a look\n");
	for (k = 0; k < n; k++) {
		fputs("  ", f);
		text_escape(f, looks[k]);
		fputc('\n', f);
	}
	if (n == 0)
		fprintf(f, "  nothing\n");
}

size_t
report_looks(const struct report *rep, char (*out)[REPORT_LOOK_MAX],
    size_t max)
{
	const uint64_t *v = rep->values;
	char hs[32];
	size_t n = 0, k;

#define LOOK(...) \
	do { \
		if (n < max) \
			snprintf(out[n++], REPORT_LOOK_MAX, __VA_ARGS__); \
	} while (0)
	if (v[RV_SUSPICIOUS] > 0)
		LOOK("%llu lines held a pattern's words but matched no pattern "
		    "(a changed log format?)",
		    (unsigned long long)v[RV_SUSPICIOUS]);
	if (v[RV_UNATTRIBUTED] > 0)
		LOOK("%llu address-less SMTP rejections could not be attributed "
		    "to a session (ambiguous)",
		    (unsigned long long)v[RV_UNATTRIBUTED]);
	if (v[RV_REPAIRS] > 0 || v[RV_RECONCILES] > 0)
		LOOK("%llu table rebuilds after changes behind dominoban's back, "
		    "%llu disagreements with the kernel put right",
		    (unsigned long long)v[RV_REPAIRS],
		    (unsigned long long)v[RV_RECONCILES]);
	if (v[RV_LONG_LINES] > 0)
		LOOK("%llu over-long lines dropped",
		    (unsigned long long)v[RV_LONG_LINES]);
	if (rep->bans_unlisted > 0)
		LOOK("%llu bans not listed (over %d in an hour)",
		    (unsigned long long)rep->bans_unlisted, ROLLUP_BANS);
	for (k = 0; k < rep->nsilent; k++) {
		report_hour_str(rep->silent[k].last, hs, sizeof(hs));
		LOOK("pattern %s matched %llu times, last in the hour of %s, "
		    "and not since", rep->silent[k].id,
		    (unsigned long long)rep->silent[k].before, hs);
	}
#undef LOOK
	return n;
}

/* ---- JSON ------------------------------------------------------------------ */

static void
json_u64s(FILE *f, const uint64_t *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(f, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
}

static void
json_targets(FILE *f, const char *key, const struct report_target *v,
    size_t n)
{
	char a[ADDR_STRLEN];
	size_t i;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, a, sizeof(a));
		fprintf(f, "%s{\"target\":\"%s\",\"tier\":\"%s\",\"lines\":%llu,"
		    "\"bans\":%llu,\"offences\":%u,\"reasons\":\"", i ? "," : "",
		    a, rollup_tier_name(v[i].tier),
		    (unsigned long long)v[i].lines,
		    (unsigned long long)v[i].bans, v[i].offences);
		stats_json_escape(f, v[i].reasons);
		fprintf(f, "\"}");
	}
	fputc(']', f);
}

static void
json_names(FILE *f, const char *key, const struct rollup_name *v, size_t n)
{
	size_t i;

	fprintf(f, ",\"%s\":[", key);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{\"name\":\"", i ? "," : "");
		stats_json_escape(f, v[i].s);
		fprintf(f, "\",\"count\":%llu}", (unsigned long long)v[i].n);
	}
	fputc(']', f);
}

void
report_json(const struct report *rep, FILE *f)
{
	size_t x, k;

	fprintf(f, "{\"from\":%lld,\"to\":%lld,\"hours\":%zu,\"attack_lines\":"
	    "%llu,\"bans\":%llu,\"kinds\":{", (long long)rep->from,
	    (long long)rep->to, rep->nhours, (unsigned long long)rep->attacks,
	    (unsigned long long)rep->bans);
	for (k = 0; k < REPORT_KINDS; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "",
		    report_kind_name(report_kinds[k]),
		    (unsigned long long)rep->total_kinds[report_kinds[k]]);
	fprintf(f, "},\"tiers\":{");
	for (k = 0; k < ROLLUP_TIERS; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "",
		    rollup_tier_name((unsigned)k),
		    (unsigned long long)rep->total_tiers[k]);
	fprintf(f, "},\"values\":{");
	for (k = 0; k < RV_COUNT; k++)
		fprintf(f, "%s\"%s\":%llu", k ? "," : "",
		    rollup_value_name((unsigned)k),
		    (unsigned long long)rep->values[k]);
	fprintf(f, "},\"per_hour\":[");
	for (x = 0; x < rep->nhours; x++) {
		fprintf(f, "%s{\"start\":%lld,\"kinds\":[", x ? "," : "",
		    (long long)(rep->from + (int64_t)x * ROLLUP_HOUR));
		json_u64s(f, rep->kinds[x], ROLLUP_KINDS);
		fprintf(f, "],\"tiers\":[");
		json_u64s(f, rep->tiers[x], ROLLUP_TIERS);
		fprintf(f, "],\"dropped\":[");
		json_u64s(f, rep->dropped[x], 2);
		fprintf(f, "]}");
	}
	fprintf(f, "],\"hosts_banned\":%llu,\"nets_banned\":%llu,"
	    "\"bans_unlisted\":%llu", (unsigned long long)rep->hosts_banned,
	    (unsigned long long)rep->nets_banned,
	    (unsigned long long)rep->bans_unlisted);
	json_targets(f, "hosts", rep->hosts, rep->nhosts);
	json_targets(f, "nets", rep->nets, rep->nnets);
	json_names(f, "users", rep->users, rep->nusers);
	json_names(f, "recipients", rep->rcpts, rep->nrcpts);
	fprintf(f, ",\"distinct_users\":%llu,\"distinct_recipients\":%llu,"
	    "\"silent_patterns\":[", (unsigned long long)rep->distinct_users,
	    (unsigned long long)rep->distinct_rcpts);
	for (k = 0; k < rep->nsilent; k++) {
		fprintf(f, "%s{\"pattern\":\"", k ? "," : "");
		stats_json_escape(f, rep->silent[k].id);
		fprintf(f, "\",\"before\":%llu,\"last\":%lld}",
		    (unsigned long long)rep->silent[k].before,
		    (long long)rep->silent[k].last);
	}
	fprintf(f, "]}\n");
}
