#!/usr/bin/env bash
# wireproto.sh: scenario S5 (wireproto echo of 4 KiB over TCP, 8 connections) with several
# commands in flight per connection, in both framing revisions, interleaved in one run so that
# the ratios between the variants are fair on a busy machine.
#
#   0001 x1   revision 0001, one command at a time (S5 as benchmarks/e2e.sh runs it)
#   0001 xN   revision 0001, N pipelined: the server runs them one at a time, answers in order
#   0002 x1   revision 0002 (request ids), one at a time
#   0002 xN   revision 0002, N in flight: the server runs them side by side
#
# Two servers (one per revision, `./weft serve --protocol wireproto --loops 1`) pinned to CPU
# $SERVER_CPU; the load generator pinned to CPU $CLIENT_CPU. Each round runs every variant for
# $DURATION s after $WARMUP s, in an order that rotates per round. Prints one JSON line per
# measurement and a Markdown table of req/s and latency with each variant's ratio to 0001 x1
# of the same round.
#
# Knobs: ROUNDS=3 DURATION=8 WARMUP=2 JIT_WARMUP=10 INFLIGHT=8 TRANSPORT=nio PORT=25080
#   SERVER_CPU=0 CLIENT_CPU=1 WEFT_NO_BUILD=1 (skip the build). Defaults take about 2.5 minutes.
# Every load run is bounded in time; the servers are stopped by pid when the script ends.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-8}"
WARMUP="${WARMUP:-2}"
JIT_WARMUP="${JIT_WARMUP:-10}"
INFLIGHT="${INFLIGHT:-8}"
TRANSPORT="${TRANSPORT:-nio}"
PORT="${PORT:-25080}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n 1)}"
JAVA="$JDK/bin/java"
JAR="$HERE/target/benchmarks.jar"
[ -x "$JAVA" ] || { echo "wireproto.sh: no JDK 25 found (set JDK=...)" >&2; exit 3; }

if [ -z "${WEFT_NO_BUILD:-}" ]; then
  echo "wireproto.sh: building server and benchmarks ..." >&2
  mvn -B -q -pl server,benchmarks -am package -DskipTests >&2
fi

OUT="$HERE/results/wireproto-$(date -u +%Y%m%dT%H%M%S)"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

port_of() { [ "$1" = 0001 ] && echo "$PORT" || echo $((PORT + 1)); }

for revision in 0001 0002; do
  WEFT_NO_BUILD=1 taskset -c "$SERVER_CPU" "$ROOT/weft" serve --port "$(port_of $revision)" --protocol wireproto \
    --transport "$TRANSPORT" --loops 1 --wireproto-revision "$revision" >"$OUT/server-$revision.log" 2>&1 &
  PIDS+=($!)
done
for revision in 0001 0002; do
  for _ in $(seq 300); do
    grep -q "Weft listening" "$OUT/server-$revision.log" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "Weft listening" "$OUT/server-$revision.log" || { echo "wireproto.sh: server $revision did not start" >&2; exit 1; }
done

load() { # load REVISION INFLIGHT WARMUP DURATION
  taskset -c "$CLIENT_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.WireprotoLoad --port "$(port_of "$1")" \
    --connections 8 --size 4096 --revision "$1" --inflight "$2" --warmup "$3" --duration "$4"
}

echo "wireproto.sh: JIT warm-up ${JIT_WARMUP}s per server" >&2
load 0001 "$INFLIGHT" 0 "$JIT_WARMUP" >/dev/null
load 0002 "$INFLIGHT" 0 "$JIT_WARMUP" >/dev/null

VARIANTS=("0001 1" "0001 $INFLIGHT" "0002 1" "0002 $INFLIGHT")
for round in $(seq 1 "$ROUNDS"); do
  n=${#VARIANTS[@]}
  for i in $(seq 0 $((n - 1))); do
    read -r revision inflight <<<"${VARIANTS[$(( (i + round - 1) % n ))]}"
    line=$(load "$revision" "$inflight" "$WARMUP" "$DURATION")
    echo "{\"round\": $round, ${line#\{}" | tee -a "$RESULTS" >&2
  done
done

python3 - "$RESULTS" "$INFLIGHT" <<'EOF'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
inflight = int(sys.argv[2])
base = {r["round"]: r["rps"] for r in rows if r["revision"] == "0001" and r["inflight"] == 1}
print("| variant | req/s (median of rounds) | MiB/s | p50 µs | p99 µs | failures | req/s ratio to 0001 x1, per round |")
print("|---|---:|---:|---:|---:|---:|---|")
for revision, n in (("0001", 1), ("0001", inflight), ("0002", 1), ("0002", inflight)):
    mine = sorted((r for r in rows if r["revision"] == revision and r["inflight"] == n), key=lambda r: r["round"])
    ratios = ", ".join("%.2f" % (r["rps"] / base[r["round"]]) for r in mine if base.get(r["round"]))
    print("| %s x%d | %s | %.1f | %.0f | %.0f | %d | %s |" % (revision, n,
          format(round(statistics.median(r["rps"] for r in mine)), ","), statistics.median(r["mibps"] for r in mine),
          statistics.median(r["p50_us"] for r in mine), statistics.median(r["p99_us"] for r in mine),
          sum(r["failures"] for r in mine), ratios))
EOF
echo "wireproto.sh: results in $RESULTS" >&2
