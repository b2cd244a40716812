#!/usr/bin/env python3
"""Summarises a JFR recording: hottest frames (self and inclusive), threads, allocation sites.

Usage: jfr_top.py RECORDING.jfr [JFR_TOOL]. Reads `jfr print` output (execution and allocation
samples); prints plain-text tables for docs/PERFORMANCE.md.
"""
import collections
import re
import subprocess
import sys

recording = sys.argv[1]
jfr = sys.argv[2] if len(sys.argv) > 2 else "jfr"


def events(kind):
    text = subprocess.run([jfr, "print", "--events", kind, "--stack-depth", "40", recording],
                          capture_output=True, text=True).stdout
    for block in text.split("\n" + kind.split(".")[-1] + " {")[0:]:
        yield block


FRAME = re.compile(r"^\s+([\w$.<>]+)\(.*\)\s+line:")


def parse(kind):
    text = subprocess.run([jfr, "print", "--events", kind, "--stack-depth", "40", recording],
                          capture_output=True, text=True).stdout
    out = []
    for block in re.split(r"\n(?=jdk\.\w+ \{)", text):
        frames = [m.group(1) for m in (FRAME.match(l) for l in block.splitlines()) if m]
        thread = re.search(r'(?:sampledThread|eventThread) = "([^"]*)"', block)
        weight = re.search(r"weight = ([\d.]+) (\w+)", block)
        cls = re.search(r"objectClass = ([\w$.\[\]]+)", block)
        w = 1.0
        if weight:
            w = float(weight.group(1)) * {"bytes": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}.get(weight.group(2), 1)
        if frames:
            out.append((frames, thread.group(1) if thread else "?", w, cls.group(1) if cls else None))
    return out


samples = parse("jdk.ExecutionSample")
total = len(samples) or 1
print(f"execution samples: {len(samples)}")
threads = collections.Counter(re.sub(r"\d+$", "N", t) for _, t, _, _ in samples)
print("\nby thread:")
for t, n in threads.most_common(8):
    print(f"  {100 * n / total:5.1f}%  {t}")
self_ = collections.Counter(f[0] for f, _, _, _ in samples)
print("\ntop frames (self):")
for f, n in self_.most_common(25):
    print(f"  {100 * n / total:5.1f}%  {f}")
incl = collections.Counter()
for f, _, _, _ in samples:
    for m in set(f):
        incl[m] += 1
print("\ninclusive (methods on the stack), Weft and hot JDK entry points:")
for f, n in incl.most_common(200):
    if f.startswith("dev.weft") or "sun.nio.ch" in f or "LinuxNative" in f or "hpack" in f:
        print(f"  {100 * n / total:5.1f}%  {f}")
allocs = parse("jdk.ObjectAllocationSample")
wsum = sum(w for _, _, w, _ in allocs) or 1
print(f"\nallocation samples: {len(allocs)} (weighted {wsum / 1e6:.0f} MB)")
site = collections.Counter()
for f, _, w, cls in allocs:
    first = next((m for m in f if m.startswith("dev.weft") or m.startswith("com.twitter")), f[0])
    site[(cls, first)] += w
for (cls, first), w in site.most_common(20):
    print(f"  {100 * w / wsum:5.1f}%  {cls}  at {first}")
