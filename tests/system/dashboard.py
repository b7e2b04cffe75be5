#!/usr/bin/env python3
"""The Grafana dashboard rendered without Grafana, for tests/system/dashboard.sh.

  dashboard.py serve PORT FILE
      a tiny exporter: serves FILE (the daemon's metrics textfile) as
      GET /metrics on 127.0.0.1:PORT, for Prometheus to scrape.

  dashboard.py render PROM_URL DASHBOARD START END EXPECT OUT.html
      runs every query of every panel of DASHBOARD through Prometheus'
      HTTP API (query_range from START to END, Unix seconds), checks each
      against EXPECT, and draws the panels in the dashboard's grid as one
      self-contained HTML page of inline SVG (no script, no external
      resource). Prints one line per query; exits 1 if a query fails or
      a result is not what EXPECT says.

EXPECT holds one rule a line, `PANEL TITLE | LEGEND | WANT`, WANT being
`nonzero` (some sample of some series is a number other than 0), `data`
(at least one series), `empty` (none) or `any` (the query is valid).
A query no rule names must be valid; every panel must have a rule for at
least one of its queries, so a panel added to the dashboard is not left
unchecked. Grafana's variables are given the values Grafana would:
$instance every instance of dominoban_build_info (one row per instance
for a repeated row), $__rate_interval four scrape intervals.

Standard library only.
"""
import html
import http.server
import json
import math
import re
import sys
import urllib.parse
import urllib.request

SCRAPE = 1          # seconds between scrapes (the test's prometheus.yml)
STEP = 1            # seconds between points of a query_range
RATE_INTERVAL = "%ds" % (4 * SCRAPE)  # Grafana's $__rate_interval floor
COL = 60            # pixels per grid column (24 columns)
ROW = 30            # pixels per grid row, as Grafana
GAP = 8             # pixels between panels
PALETTE = ["#73bf69", "#f2cc0c", "#8ab8ff", "#ff780a", "#f2495c",
           "#5794f2", "#b877d9", "#705da0", "#37872d", "#fade2a"]


def serve(port, path):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] != "/metrics":
                self.send_error(404)
                return
            try:
                body = open(path, "rb").read()
            except OSError as e:
                self.send_error(503, str(e))
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()


def api(base, path, **params):
    url = "%s/api/v1/%s?%s" % (base, path, urllib.parse.urlencode(params))
    with urllib.request.urlopen(url, timeout=30) as r:
        doc = json.load(r)
    if doc.get("status") != "success":
        raise RuntimeError("%s: %s" % (path, doc))
    return doc["data"]


def legend(fmt, metric, expr):
    if not fmt:
        return "{" + ", ".join("%s=%s" % kv for kv in sorted(metric.items())
                               if kv[0] != "__name__") + "}" if metric else expr
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: metric.get(m.group(1), ""), fmt)


def human(v, unit):
    if v is None or math.isnan(v):
        return "NaN"
    if unit == "s":
        for lim, div, suf in ((1e-3, 1e-6, " µs"), (1, 1e-3, " ms")):
            if abs(v) < lim:
                return "%.3g%s" % (v / div, suf)
        return "%.3g s" % v
    suf = {"pps": " p/s", "Bps": " B/s", "bytes": " B", "ops": "/s",
           "reqps": " req/s"}.get(unit, "")
    for div, p in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(v) >= div:
            return "%.3g %s%s" % (v / div, p, suf.strip() or "")
    return ("%d" % v if v == int(v) else "%.3g" % v) + suf


def promre(values):
    """A regular expression matching exactly VALUES, quoted for the inside
    of a PromQL string (whose backslashes escape)."""
    return "|".join(re.escape(v) for v in values).replace("\\", "\\\\")


def expand(panels, instances):
    """Grafana's layout of the panels: a repeated row and the panels under
    it once per value of its variable, pushed down by the copies before."""
    out, i, shift = [], 0, 0
    ordered = sorted(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    while i < len(ordered):
        p = ordered[i]
        if p["type"] == "row" and p.get("repeat"):
            j = i + 1
            while j < len(ordered) and ordered[j]["type"] != "row":
                j += 1
            group = ordered[i:j]
            top = p["gridPos"]["y"]
            height = max(q["gridPos"]["y"] + q["gridPos"]["h"] for q in group) - top
            for n, inst in enumerate(instances):
                for q in group:
                    g = dict(q["gridPos"], y=q["gridPos"]["y"] + shift + n * height)
                    out.append((q, g, {"instance": promre([inst])},
                                q["title"].replace("$instance", inst),
                                " [%s]" % inst))
            shift += (len(instances) - 1) * height
            i = j
            continue
        g = dict(p["gridPos"], y=p["gridPos"]["y"] + shift)
        out.append((p, g, {"instance": promre(instances)},
                    p["title"], ""))
        i += 1
    return out


def series_of(base, expr, start, end):
    data = api(base, "query_range", query=expr, start=start, end=end, step=STEP)
    out = []
    for s in data["result"]:
        pts = [(float(t), float(v)) for t, v in s["values"]]
        out.append((s["metric"], pts))
    return out


def check(want, series):
    vals = [v for _, pts in series for _, v in pts if not math.isnan(v)]
    if want == "nonzero":
        return any(v != 0 for v in vals)
    if want == "data":
        return bool(series)
    if want == "empty":
        return not series
    return True


def svg_timeseries(w, h, lines, start, end, unit):
    """lines: [(label, colour, [(t, v)])]: axes, grid, one polyline each."""
    left, right, top, bottom = 66, 8, 8, 20
    pw, ph = w - left - right, h - top - bottom
    vals = [v for _, _, pts in lines for _, v in pts if not math.isnan(v)]
    hi = max(vals) if vals else 1
    lo = min(0, min(vals)) if vals else 0
    if hi <= lo:
        hi = lo + 1
    hi *= 1.1

    def x(t):
        return left + (t - start) / max(end - start, 1) * pw

    def y(v):
        return top + ph - (v - lo) / (hi - lo) * ph

    parts = ['<svg class="chart" width="%d" height="%d" viewBox="0 0 %d %d">' % (w, h, w, h)]
    for k in range(5):
        v = lo + (hi - lo) * k / 4
        parts.append('<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"/>'
                     % (left, w - right, y(v), y(v)))
        parts.append('<text class="tick" x="%d" y="%.1f" text-anchor="end">%s</text>'
                     % (left - 4, y(v) + 4, html.escape(human(v, unit))))
    for k in range(5):
        t = start + (end - start) * k / 4
        parts.append('<text class="tick" x="%.1f" y="%d" text-anchor="middle">%+ds</text>'
                     % (x(t), h - 4, round(t - end)))
    for label, colour, pts in lines:
        run = []
        for t, v in pts + [(None, math.nan)]:
            if t is not None and not math.isnan(v):
                run.append("%.1f,%.1f" % (x(t), y(v)))
                continue
            if len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append('<circle class="series" cx="%s" cy="%s" r="2" fill="%s"/>'
                             % (cx, cy, colour))
            elif run:
                parts.append('<polyline class="series" fill="none" stroke="%s" '
                             'stroke-width="1.5" points="%s"/>' % (colour, " ".join(run)))
            run = []
    parts.append("</svg>")
    return "".join(parts)


def render(base, dash_path, start, end, expect_path, out_path):
    start, end = int(start), int(end)
    dash = json.load(open(dash_path))
    rules = {}
    for line in open(expect_path):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        title, leg, want = [f.strip() for f in line.split("|")]
        assert want in ("nonzero", "data", "empty", "any"), line
        rules[(title, leg)] = [want, False]
    instances = sorted(api(base, "label/instance/values",
                           **{"match[]": "dominoban_build_info"}))
    if not instances:
        print("FAIL: no instance of dominoban_build_info in Prometheus")
        return 1
    errors, blocks, nqueries = [], [], 0
    width = 24 * COL
    bottom = 0
    for p, g, var, title, where in expand(dash["panels"], instances):
        px, py = g["x"] * COL, g["y"] * ROW
        pw, ph = g["w"] * COL - GAP, g["h"] * ROW - GAP
        bottom = max(bottom, py + ph + GAP)
        style = "left:%dpx;top:%dpx;width:%dpx;height:%dpx" % (px, py, pw, ph)
        if p["type"] == "row":
            blocks.append('<div class="row" style="%s">%s</div>'
                          % (style, html.escape(title)))
            continue
        unit = p.get("fieldConfig", {}).get("defaults", {}).get("unit", "")
        # Grafana's byName overrides of the unit, for the legend's values.
        units = {o["matcher"]["options"]: pr["value"]
                 for o in p.get("fieldConfig", {}).get("overrides", [])
                 if o["matcher"].get("id") == "byName"
                 for pr in o["properties"] if pr["id"] == "unit"}
        lines, stats, checked = [], [], False
        for t in p["targets"]:
            expr = t["expr"].replace("$__rate_interval", RATE_INTERVAL)
            expr = expr.replace("$instance", var["instance"])
            leg = t.get("legendFormat") or t["refId"]
            nqueries += 1
            try:
                series = series_of(base, expr, start, end)
            except Exception as e:  # the query is invalid: that is the finding
                errors.append("%s / %s: %s" % (title, leg, e))
                continue
            rule = rules.get((p["title"], leg))
            if rule:
                rule[1] = checked = True
                ok = check(rule[0], series)
                if not ok:
                    errors.append("%s%s / %s: want %s, got %d series %s"
                                  % (title, where, leg, rule[0], len(series),
                                     [pts[-3:] for _, pts in series][:3]))
            print("%s %s%s / %s: %d series%s" % (
                "ok:" if not rule or ok else "FAIL:", title, where, leg,
                len(series), " (%s)" % rule[0] if rule else ""))
            for metric, pts in series:
                name = legend(t.get("legendFormat"), metric, expr)
                colour = PALETTE[len(lines) % len(PALETTE)]
                lines.append((name, colour, pts))
                last = next((v for _, v in reversed(pts) if not math.isnan(v)), None)
                stats.append((name, colour, last))
            if not series:
                stats.append((t.get("legendFormat") or t["refId"], "#888", None))
        if not checked:
            errors.append("%s: no rule in %s checks any of its queries"
                          % (p["title"], expect_path))
        head = '<div class="title">%s</div>' % html.escape(title)
        if p["type"] == "stat":
            cells = "".join(
                '<div class="stat"><div class="v" style="color:%s">%s</div>'
                '<div class="k">%s</div></div>'
                % (c if v is not None else "#888",
                   "No data" if v is None else html.escape(human(v, unit)),
                   html.escape(n)) for n, c, v in stats)
            body = '<div class="stats">%s</div>' % cells
        else:
            legw = 190
            chart = svg_timeseries(pw - legw - 12, ph - 34, lines, start, end, unit)
            # As Grafana's legend, but the series at 0 from start to end
            # folded into one line, so that the ones that moved show.
            moved = {n for n, _, pts in lines
                     if any(v != 0 and not math.isnan(v) for _, v in pts)}
            shown = [x for x in stats if x[1] != "#888" and
                     (x[0] in moved or len(stats) <= 6)]
            rows = "".join(
                '<tr><td><span class="sw" style="background:%s"></span>%s</td>'
                '<td class="n">%s</td></tr>'
                % (c, html.escape(n), "" if v is None else
                   html.escape(human(v, units.get(n, unit))))
                for n, c, v in shown)
            if len(lines) > len(shown):
                rows += ('<tr><td class="nodata">%d more at 0</td></tr>'
                         % (len(lines) - len(shown)))
            if not lines:
                rows = '<tr><td class="nodata">No data</td></tr>'
            body = ('<div class="ts">%s<table class="legend" style="width:%dpx">%s'
                    '</table></div>' % (chart, legw, rows))
        blocks.append('<div class="panel" style="%s">%s%s</div>' % (style, head, body))
    for (title, leg), (want, seen) in rules.items():
        if not seen:
            errors.append("rule %s / %s: no such panel and query" % (title, leg))
    page = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>%(title)s</title>
<style>
body { margin: 0; background: #111217; color: #ccccdc;
  font: 12px/1.3 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 16px; font-weight: 500; margin: 0; padding: 10px 12px; }
h1 span { color: #8e8e9e; font-weight: 400; font-size: 12px; margin-left: 12px; }
.grid { position: relative; width: %(width)dpx; height: %(height)dpx; margin: 0 8px; }
.panel { position: absolute; background: #181b1f; border: 1px solid #2c3235;
  border-radius: 2px; overflow: hidden; }
.row { position: absolute; font-size: 14px; font-weight: 500; padding-top: 6px; }
.title { font-weight: 500; padding: 6px 8px; height: 16px; white-space: nowrap; }
.ts { display: flex; }
.legend { font-size: 11px; margin-left: 4px; border-collapse: collapse; align-self: flex-start; }
.legend td { padding: 1px 4px; white-space: nowrap; overflow: hidden; max-width: 150px; }
.legend td.n { text-align: right; }
.nodata { color: #888; }
.sw { display: inline-block; width: 10px; height: 3px; margin-right: 5px; vertical-align: middle; }
svg line.grid { stroke: #2c3235; stroke-width: 1; }
svg text.tick { fill: #8e8e9e; font-size: 10px; }
.stats { display: flex; flex-wrap: wrap; gap: 6px; padding: 4px 10px; }
.stat { min-width: 100px; flex: 1; }
.stat .v { font-size: 28px; font-weight: 500; }
.stat .k { color: #8e8e9e; }
</style></head><body>
<h1>%(title)s<span>rendered from %(file)s by tests/system/dashboard.sh: Prometheus query_range, last %(span)d s, %(n)d queries</span></h1>
<div class="grid">
%(blocks)s
</div></body></html>
""" % {"title": html.escape(dash["title"]), "width": width, "height": bottom,
       "blocks": "\n".join(blocks), "span": end - start, "n": nqueries,
       "file": "packaging/grafana/dominoban.json"}
    with open(out_path, "w") as f:
        f.write(page)
    print("panels: %d, queries: %d, instances: %s" % (
        sum(1 for b in blocks if b.startswith('<div class="panel"')), nqueries,
        " ".join(instances)))
    for e in errors:
        print("FAIL: " + e)
    return 1 if errors else 0


def main(argv):
    if len(argv) == 4 and argv[1] == "serve":
        serve(int(argv[2]), argv[3])
        return 0
    if len(argv) == 8 and argv[1] == "render":
        return render(*argv[2:])
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
