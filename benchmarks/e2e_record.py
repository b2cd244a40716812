#!/usr/bin/env python3
"""Turns one scenario's load-generator output into one JSON line (used by e2e.sh)."""
import argparse
import json
import re

p = argparse.ArgumentParser()
for name in ("round", "server", "scenario", "payload", "out", "tsv", "cpu-ticks", "clk-tck", "t0", "t1", "hwm-kib"):
    p.add_argument("--" + name, required=True)
p.add_argument("--rss-kib", default="0", help="largest RSS sampled under load, KiB")
a = p.parse_args()

record = {"round": int(a.round), "server": a.server, "scenario": a.scenario}
text = open(a.out).read()
wall = float(a.t1) - float(a.t0)
record["cpu_pct"] = round(100.0 * int(a.cpu_ticks) / int(a.clk_tck) / wall, 1)
record["hwm_kib"] = int(a.hwm_kib)
record["rss_kib"] = int(a.rss_kib) or None
payload = int(a.payload)

if a.scenario == "S5":
    line = [l for l in text.splitlines() if l.startswith("{")]
    if line:
        s5 = json.loads(line[-1])
        record.update(rps=s5["rps"], mibps=s5["mibps"], p50_ms=s5["p50_us"] / 1000, p99_ms=s5["p99_us"] / 1000,
                      failures=s5["failures"], requests=s5["requests"])
    else:
        record.update(rps=0, mibps=0, p50_ms=None, p99_ms=None, failures=-1, requests=0, error=text[-300:])
else:
    m = re.search(r"finished in ([\d.]+)(m?s), ([\d.]+) req/s", text)
    r = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout", text)
    s = re.search(r"status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx", text)
    rps = float(m.group(3)) if m else 0.0
    failures = (int(r.group(5)) + int(r.group(6)) + int(r.group(7))) if r else -1
    if s:
        failures += int(s.group(3)) + int(s.group(4))
    latencies = []
    try:
        with open(a.tsv) as f:
            for row in f:
                parts = row.split("\t")
                if len(parts) >= 3:
                    latencies.append(int(parts[2]))
    except FileNotFoundError:
        pass
    latencies.sort()

    def pct(q):
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] / 1000, 3) if latencies else None

    record.update(rps=rps, mibps=round(rps * payload / 1048576, 2), p50_ms=pct(0.50), p99_ms=pct(0.99),
                  failures=failures, requests=int(r.group(4)) if r else 0)
print(json.dumps(record))
