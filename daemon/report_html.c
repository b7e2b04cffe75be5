/*
 * report_html: the report as one self-contained HTML page: inline CSS and
 * inline SVG charts, no JavaScript, no external font, image or link, so it
 * reads the same in a browser and in a mail client. Colours come from CSS
 * variables with a prefers-color-scheme: dark block, and the palette is
 * chosen to stay legible on both backgrounds. Attacker text (names,
 * reasons) is HTML-escaped.
 */
#include "config.h"

#include <string.h>

#include "report.h"

/* Chart geometry, in SVG user units. */
#define CHART_W 720
#define CHART_H 180
#define CHART_LEFT 48
#define CHART_BOTTOM 24

static const char *const kind_colors[REPORT_KINDS] = {"#d9534f", "#f0ad4e",
    "#5bc0de", "#9b59b6", "#2ecc71", "#7f8c8d"};
static const char *const tier_colors[ROLLUP_TIERS] = {"#3b82f6", "#ef4444",
    "#a855f7", "#64748b"};

static void
html_escape(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				fprintf(f, "&#%u;", (unsigned char)*s < 0x20 ?
				    0x2400u + (unsigned char)*s : 0xfffdu);
			else
				fputc(*s, f);
		}
	}
}

static const char css[] =
    ":root{--bg:#ffffff;--fg:#1f2933;--muted:#52606d;--grid:#d9e2ec;"
    "--card:#f5f7fa}\n"
    "@media (prefers-color-scheme: dark){:root{--bg:#111827;--fg:#e5e7eb;"
    "--muted:#9ca3af;--grid:#374151;--card:#1f2937}}\n"
    "body{background:var(--bg);color:var(--fg);font-family:-apple-system,"
    "'Segoe UI',Helvetica,Arial,sans-serif;margin:0;padding:16px;"
    "line-height:1.4}\n"
    "main{max-width:760px;margin:0 auto}\n"
    "h1{font-size:1.4em;margin:0 0 4px}h2{font-size:1.1em;margin:24px 0 8px}\n"
    ".muted{color:var(--muted)}\n"
    ".cards{display:flex;flex-wrap:wrap;gap:8px}\n"
    ".card{background:var(--card);border-radius:6px;padding:8px 12px;"
    "min-width:150px}\n"
    ".card b{display:block;font-size:1.5em}\n"
    "table{border-collapse:collapse;width:100%;font-size:.9em}\n"
    "th,td{text-align:left;padding:3px 6px;border-bottom:1px solid "
    "var(--grid)}\n"
    "td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
    "code{font-family:Menlo,Consolas,monospace;font-size:.95em}\n"
    "svg{width:100%;height:auto;color:var(--fg)}\n"
    "svg .grid{stroke:var(--grid)}svg text{fill:var(--muted);font-size:10px}\n"
    ".key{display:inline-block;width:10px;height:10px;margin:0 4px 0 10px;"
    "border-radius:2px}\n";

/* Largest stacked total over the hours (at least 1). */
static uint64_t
peak(const struct report *rep, bool kinds)
{
	uint64_t best = 1, t;
	size_t x, k;

	for (x = 0; x < rep->nhours; x++) {
		t = 0;
		if (kinds)
			for (k = 0; k < REPORT_KINDS; k++)
				t += rep->kinds[x][report_kinds[k]];
		else
			for (k = 0; k < ROLLUP_TIERS; k++)
				t += rep->tiers[x][k];
		if (t > best)
			best = t;
	}
	return best;
}

/* A stacked bar chart, one bar per hour: kinds (attack lines) or tiers
 * (bans). Each segment is a <rect class="bar"> with a <title>. */
static void
chart(FILE *f, const struct report *rep, bool kinds, const char *label)
{
	double plot_w = CHART_W - CHART_LEFT - 8, plot_h = CHART_H -
	    CHART_BOTTOM - 8, bw, y, hgt;
	uint64_t top = peak(rep, kinds), v;
	size_t nk = kinds ? REPORT_KINDS : ROLLUP_TIERS, x, k, step;
	char hs[32];
	int g;

	bw = plot_w / (double)(rep->nhours ? rep->nhours : 1);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d "
	    "%d\" role=\"img\" aria-label=\"%s\">\n", CHART_W, CHART_H, label);
	for (g = 0; g <= 4; g++) {
		y = 8 + plot_h - plot_h * g / 4.0;
		fprintf(f, "<line class=\"grid\" x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
		    "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">"
		    "%llu</text>\n", CHART_LEFT, y, CHART_W - 8, y,
		    CHART_LEFT - 4, y + 3,
		    (unsigned long long)((double)top * g / 4.0 + 0.5));
	}
	for (x = 0; x < rep->nhours; x++) {
		y = 8 + plot_h;
		for (k = 0; k < nk; k++) {
			v = kinds ? rep->kinds[x][report_kinds[k]] :
			    rep->tiers[x][k];
			if (v == 0)
				continue;
			hgt = plot_h * (double)v / (double)top;
			y -= hgt;
			report_hour_str(rep->from + (int64_t)x * ROLLUP_HOUR,
			    hs, sizeof(hs));
			fprintf(f, "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" "
			    "width=\"%.2f\" height=\"%.2f\" fill=\"%s\"><title>"
			    "%s %s: %llu</title></rect>\n",
			    CHART_LEFT + bw * (double)x + bw * 0.1, y, bw * 0.8,
			    hgt, kinds ? kind_colors[k] : tier_colors[k], hs,
			    kinds ? report_kind_name(report_kinds[k]) :
			    rollup_tier_name((unsigned)k),
			    (unsigned long long)v);
		}
	}
	step = rep->nhours > 48 ? 24 : rep->nhours > 12 ? 6 : 1;
	for (x = 0; x < rep->nhours; x += step) {
		report_hour_str(rep->from + (int64_t)x * ROLLUP_HOUR, hs,
		    sizeof(hs));
		fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n",
		    CHART_LEFT + bw * (double)x, CHART_H - 8,
		    step >= 24 ? hs : hs + 11);
	}
	fprintf(f, "</svg>\n<div class=\"muted\">");
	for (k = 0; k < nk; k++)
		fprintf(f, "<span class=\"key\" style=\"background:%s\"></span>%s",
		    kinds ? kind_colors[k] : tier_colors[k],
		    kinds ? report_kind_name(report_kinds[k]) :
		    rollup_tier_name((unsigned)k));
	fprintf(f, "</div>\n");
}

static void
card(FILE *f, const char *what, uint64_t n)
{
	fprintf(f, "<div class=\"card\"><b>%llu</b>%s</div>\n",
	    (unsigned long long)n, what);
}

/* A list's heading; "none" and false when it has no rows. */
static bool
heading(FILE *f, const char *title, uint64_t count, const char *what,
    size_t rows)
{
	fprintf(f, "<h2>%s <span class=\"muted\">(%llu %s)</span></h2>\n",
	    title, (unsigned long long)count, what);
	if (rows == 0)
		fprintf(f, "<p class=\"muted\">none</p>\n");
	return rows > 0;
}

static void
targets(FILE *f, const char *title, const struct report_target *v, size_t n,
    uint64_t distinct)
{
	char a[ADDR_STRLEN];
	size_t i;

	if (!heading(f, title, distinct, "banned", n))
		return;
	fprintf(f, "<table><tr><th>address</th><th class=\"n\">lines</th>"
	    "<th class=\"n\">bans</th><th class=\"n\">max</th>"
	    "<th>reasons</th></tr>\n");
	for (i = 0; i < n; i++) {
		addr_format(&v[i].target, a, sizeof(a));
		fprintf(f, "<tr><td><code>%s</code></td><td class=\"n\">%llu</td>"
		    "<td class=\"n\">%llu</td><td class=\"n\">%u</td><td>", a,
		    (unsigned long long)v[i].lines,
		    (unsigned long long)v[i].bans, v[i].offences);
		html_escape(f, v[i].reasons);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void
names(FILE *f, const char *title, const struct rollup_name *v, size_t n,
    uint64_t distinct)
{
	size_t i;

	if (!heading(f, title, distinct, "distinct", n))
		return;
	fprintf(f, "<table><tr><th class=\"n\">times</th><th>name</th></tr>\n");
	for (i = 0; i < n; i++) {
		fprintf(f, "<tr><td class=\"n\">%llu</td><td><code>",
		    (unsigned long long)v[i].n);
		html_escape(f, v[i].s);
		fprintf(f, "</code></td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void
looks(FILE *f, const struct report *rep)
{
	char v[REPORT_LOOKS][REPORT_LOOK_MAX];
	size_t n = report_looks(rep, v, REPORT_LOOKS), k;

	fprintf(f, "<h2>Needs a look</h2>\n<ul>\n");
	for (k = 0; k < n; k++) {
		fprintf(f, "<li>");
		html_escape(f, v[k]);
		fprintf(f, "</li>\n");
	}
	if (n == 0)
		fprintf(f, "<li>nothing</li>\n");
	fprintf(f, "</ul>\n");
}

void
report_html(const struct report *rep, FILE *f)
{
	char a[32], b[32];

	report_hour_str(rep->from, a, sizeof(a));
	report_hour_str(rep->to, b, sizeof(b));
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\">\n<meta name=\"color-scheme\" content=\"light "
	    "dark\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>dominoban report %s to %s</title>\n<style>\n%s</style>\n"
	    "</head><body><main>\n<h1>dominoban report</h1>\n<div "
	    "class=\"muted\">%s to %s (%zu hours)</div>\n<h2>Summary</h2>\n"
	    "<div class=\"cards\">\n", a, b, css, a, b, rep->nhours);
	card(f, "attack lines", rep->attacks);
	card(f, "bans", rep->bans);
	card(f, "packets dropped", rep->values[RV_PACKETS]);
	card(f, "sessions cut", rep->values[RV_SESSIONS_CUT]);
	fprintf(f, "</div>\n<h2>Attack lines per hour, by kind</h2>\n");
	chart(f, rep, true, "attack lines per hour by kind");
	fprintf(f, "<h2>Bans per hour, by tier</h2>\n");
	chart(f, rep, false, "bans per hour by tier");
	report_lists(rep, targets, names, f);
	fprintf(f, "<h2>Dropped</h2>\n<p>%llu packets, %llu bytes dropped by "
	    "the ban rules; %llu sessions of banned peers cut.</p>\n",
	    (unsigned long long)rep->values[RV_PACKETS],
	    (unsigned long long)rep->values[RV_BYTES],
	    (unsigned long long)rep->values[RV_SESSIONS_CUT]);
	looks(f, rep);
	fprintf(f, "<p class=\"muted\">%llu log lines read. Generated by "
	    "dominoban %s.</p>\n</main></body></html>\n",
	    (unsigned long long)rep->values[RV_LINES], PACKAGE_VERSION);
}
