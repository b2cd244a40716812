#!/usr/bin/env python3
"""Writes an SVG chart (to stdout) of an e2e.sh run: per scenario, each server's req/s relative to
Netty's (median over rounds of the per-round ratio; log scale), and the RSS under S1 per server.

Usage: e2e_chart.py --results RESULTS.jsonl. No dependencies beyond Python 3.
"""
import argparse
import json
import math
import statistics

p = argparse.ArgumentParser()
p.add_argument("--results", required=True)
a = p.parse_args()
rows = [json.loads(l) for l in open(a.results) if l.strip()]
runs = [r for r in rows if not r.get("idle") and r.get("rps")]
PEER_ORDER = ["netty", "jetty", "h2o", "nghttpd"]
servers = sorted({r["server"] for r in runs}, key=lambda s: (s in PEER_ORDER, PEER_ORDER.index(s) if s in PEER_ORDER else 0, s))
scenarios = sorted({r["scenario"] for r in runs})
rounds = sorted({r["round"] for r in runs})
base = "netty" if "netty" in servers else servers[0]
PALETTE = ["#1f77b4", "#4a9fd9", "#8cc4ec", "#0b4f7c", "#d62728", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"]
color = {}
weft_i, peer_i = 0, 4
for s in servers:
    if s.startswith("weft-"):
        color[s] = PALETTE[weft_i % 4]
        weft_i += 1
    else:
        color[s] = PALETTE[peer_i % len(PALETTE)]
        peer_i += 1


def ratio(scenario, server, key="rps"):
    values = []
    for rnd in rounds:
        x = [r[key] for r in runs if r["scenario"] == scenario and r["server"] == server and r["round"] == rnd and r.get(key)]
        y = [r[key] for r in runs if r["scenario"] == scenario and r["server"] == base and r["round"] == rnd and r.get(key)]
        if x and y:
            values.append(x[0] / y[0])
    return statistics.median(values) if values else None


def med(scenario, server, key):
    values = [r[key] for r in runs if r["scenario"] == scenario and r["server"] == server and r.get(key)]
    return statistics.median(values) if values else None


W, H = 900, 560
left, top, plot_h = 70, 50, 300
groups = [s for s in scenarios if base in {r["server"] for r in runs if r["scenario"] == s}]
group_w = (W - left - 20) / max(1, len(groups))
bar_w = min(26, (group_w - 16) / max(1, len(servers)))
lo, hi = 0.1, 10.0  # log scale 0.1x .. 10x
def y_of(v):
    v = min(max(v, lo), hi)
    return top + plot_h * (1 - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)))


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="11">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{left}" y="22" font-size="14" font-weight="bold">req/s relative to {base} (same run, median of per-round ratios; log scale)</text>']
for tick in (0.1, 0.2, 0.5, 1, 2, 5, 10):
    y = y_of(tick)
    out.append(f'<line x1="{left}" x2="{W - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="{"#444" if tick == 1 else "#ddd"}"/>')
    out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}x</text>')
for gi, scenario in enumerate(groups):
    x0 = left + gi * group_w + 8
    for si, server in enumerate(servers):
        v = ratio(scenario, server)
        if v is None:
            continue
        x = x0 + si * bar_w
        y1, y2 = y_of(v), y_of(1.0)
        out.append(f'<rect x="{x:.1f}" y="{min(y1, y2):.1f}" width="{bar_w - 2:.1f}" height="{abs(y2 - y1):.1f}" '
                   f'fill="{color[server]}"><title>{server} {scenario}: {v:.2f}x</title></rect>')
        out.append(f'<text x="{x + (bar_w - 2) / 2:.1f}" y="{min(y1, y2) - 3:.1f}" text-anchor="middle" font-size="9">{v:.2f}</text>')
    out.append(f'<text x="{x0 + len(servers) * bar_w / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-weight="bold">{scenario}</text>')
# RSS under S1
rss_top = top + plot_h + 60
out.append(f'<text x="{left}" y="{rss_top - 12}" font-size="14" font-weight="bold">RSS under S1, MiB (largest sampled under load, median over rounds)</text>')
rss = {s: med("S1", s, "rss_kib") or med("S1", s, "hwm_kib") for s in servers}
top_rss = max([v for v in rss.values() if v] or [1])
row_h = min(16, (H - rss_top - 10) / max(1, len(servers)))
for si, server in enumerate(servers):
    v = rss[server]
    y = rss_top + si * row_h
    out.append(f'<text x="{left + 110}" y="{y + row_h - 4:.1f}" text-anchor="end">{server}</text>')
    if v:
        width = (W - left - 220) * v / top_rss
        out.append(f'<rect x="{left + 116}" y="{y + 1:.1f}" width="{width:.1f}" height="{row_h - 3:.1f}" fill="{color[server]}"/>')
        out.append(f'<text x="{left + 120 + width:.1f}" y="{y + row_h - 4:.1f}">{v / 1024:,.0f}</text>')
# legend
lx = left
for server in servers:
    out.append(f'<rect x="{lx}" y="30" width="10" height="10" fill="{color[server]}"/><text x="{lx + 14}" y="39">{server}</text>')
    lx += 14 + 7 * len(server) + 16
out.append("</svg>")
print("\n".join(out))
