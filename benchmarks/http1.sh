#!/usr/bin/env bash
# http1.sh: HTTP/1.1 with wrk: Weft (nio, epoll) against Netty 4.2's HttpServerCodec (NettyHttp1Peer)
# and Jetty 12.1's HttpConnectionFactory (JettyPeer --protocol http1), interleaved in one run, as ratios.
#
# Every server runs pinned to CPU $SERVER_CPU with one event loop; wrk runs pinned to CPU $CLIENT_CPU.
# Each round starts every server in turn (the order rotates per round), warms its JIT, then measures:
#   H1 GET /hello          wrk -t 1 -c 64 (keep-alive, no pipelining)
#   H2 GET /files/64k.bin  wrk -t 1 -c 16
# each for $DURATION s, recording req/s, MiB/s, p50/p99 latency, socket errors and the server's
# CPU seconds (utime+stime from /proc/<pid>/stat), reported as CPU microseconds per request: on a
# busy machine req/s says who got the CPU, CPU per request says who needs less of it.
#
# Knobs (environment): ROUNDS=2 DURATION=10 JIT_WARMUP=20 TRANSPORTS="nio epoll" PEERS="netty jetty" SCENARIOS="H1 H2"
#   PORT=24080 SERVER_CPU=0 CLIENT_CPU=1 WEFT_NO_BUILD=1 (skip the build) WEFT_JAVA_OPTS=...
# Prints a markdown table (and writes it to benchmarks/results/http1-<time>/table.md).
# Every load run is bounded in time; servers are stopped by pid when the script ends.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-10}"
JIT_WARMUP="${JIT_WARMUP:-20}"
TRANSPORTS="${TRANSPORTS:-nio epoll}"
SCENARIOS="${SCENARIOS:-H1 H2}"
PEERS="${PEERS:-netty jetty}"
PORT="${PORT:-24080}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n 1)}"
JAVA="$JDK/bin/java"
JAR="$HERE/target/benchmarks.jar"

command -v wrk >/dev/null || { echo "http1.sh: wrk missing: apt-get install wrk" >&2; exit 3; }
[ -x "$JAVA" ] || { echo "http1.sh: no JDK 25 found (set JDK=...)" >&2; exit 3; }
if [ -z "${WEFT_NO_BUILD:-}" ]; then
  echo "http1.sh: building server and benchmarks ..." >&2
  mvn -B -q -pl server,benchmarks -am package -DskipTests >&2
fi

STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT="$HERE/results/http1-$STAMP"
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
printf 'round\tserver\tscenario\treq_s\tmib_s\tp50_ms\tp99_ms\terrors\tcpu_s\n' > "$RESULTS"

SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap stop_server EXIT

wait_for_port() {
  for _ in $(seq 150); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/hello" 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "http1.sh: server died at start" >&2; return 1; }
    sleep 0.2
  done
  echo "http1.sh: server did not answer on $PORT" >&2
  return 1
}

start_server() {
  local name="$1" log="$OUT/$1.log"
  case "$name" in
    weft-*)
      WEFT_NO_BUILD=1 JAVA_OPTS="${WEFT_JAVA_OPTS:-}" taskset -c "$SERVER_CPU" "$ROOT/weft" serve --port "$PORT" \
        --transport "${name#weft-}" --loops 1 --root "$ROOT/demo" >>"$log" 2>&1 &
      ;;
    netty)
      taskset -c "$SERVER_CPU" "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR" \
        dev.weft.benchmarks.load.NettyHttp1Peer --port "$PORT" --loops 1 --root "$ROOT/demo" >>"$log" 2>&1 &
      ;;
    jetty)
      taskset -c "$SERVER_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.JettyPeer --protocol http1 \
        --port "$PORT" --root "$ROOT/demo" >>"$log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  wait_for_port
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

wrk_args() {
  local base="http://127.0.0.1:$PORT"
  case "$1" in
    H1) echo "-t 1 -c 64 $base/hello" ;;
    H2) echo "-t 1 -c 16 $base/files/64k.bin" ;;
  esac
}

# parse_wrk FILE: req/s, MiB/s, p50 ms, p99 ms, errors (tab-separated) from wrk --latency output
parse_wrk() {
  python3 - "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def unit(value, suffix, table):
    return float(value) * table.get(suffix, 1.0)
ms = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
mib = {"B": 1 / 1048576, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
tr = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", text)
p50 = re.search(r"\s50%\s+([\d.]+)(us|ms|s|m)\b", text)
p99 = re.search(r"\s99%\s+([\d.]+)(us|ms|s|m)\b", text)
errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
err = (sum(int(g) for g in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)
print("\t".join([
    f"{float(rps.group(1)):.0f}" if rps else "0",
    f"{unit(tr.group(1), tr.group(2), mib):.1f}" if tr else "0",
    f"{unit(p50.group(1), p50.group(2), ms):.2f}" if p50 else "-",
    f"{unit(p99.group(1), p99.group(2), ms):.2f}" if p99 else "-",
    str(err)]))
PY
}

SERVERS=()
for t in $TRANSPORTS; do SERVERS+=("weft-$t"); done
for p in $PEERS; do SERVERS+=("$p"); done

for round in $(seq 1 "$ROUNDS"); do
  n=${#SERVERS[@]}
  for i in $(seq 0 $((n - 1))); do
    server="${SERVERS[$(( (i + round - 1) % n ))]}"
    echo "http1.sh: round $round, $server: starting, JIT warm-up ${JIT_WARMUP}s" >&2
    start_server "$server"
    for s in $SCENARIOS; do
      # shellcheck disable=SC2046
      taskset -c "$CLIENT_CPU" wrk -d "$(( (JIT_WARMUP + 1) / 2 ))s" $(wrk_args "$s") >/dev/null 2>&1 || true
    done
    for s in $SCENARIOS; do
      log="$OUT/r$round-$server-$s.txt"
      t0=$(cpu_ticks)
      # shellcheck disable=SC2046
      taskset -c "$CLIENT_CPU" wrk --latency -d "${DURATION}s" $(wrk_args "$s") >"$log" 2>&1 || true
      t1=$(cpu_ticks)
      cpu=$(python3 -c "print(f'{($t1 - $t0) / $(getconf CLK_TCK):.1f}')")
      printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$s" "$(parse_wrk "$log")" "$cpu" >> "$RESULTS"
      tail -n 1 "$RESULTS" >&2
    done
    stop_server
  done
done

python3 - "$RESULTS" "$OUT/table.md" "$DURATION" <<'PY'
import csv, statistics, sys
duration = float(sys.argv[3])
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
servers = list(dict.fromkeys(r["server"] for r in rows))
scenarios = list(dict.fromkeys(r["scenario"] for r in rows))
lines = ["| scenario | server | req/s (median of rounds) | vs netty | server CPU µs per request | MiB/s | p50 ms | p99 ms | errors |",
         "|---|---|---|---|---|---|---|---|---|"]
for s in scenarios:
    def med(server, key):
        values = [float(r[key]) for r in rows if r["server"] == server and r["scenario"] == s and r[key] not in ("-", "")]
        return statistics.median(values) if values else 0.0
    netty = med("netty", "req_s")
    for server in servers:
        rps = med(server, "req_s")
        ratio = f"{rps / netty:.2f}" if netty else "-"
        errors = sum(int(r["errors"]) for r in rows if r["server"] == server and r["scenario"] == s)
        per = [float(r["cpu_s"]) * 1e6 / (float(r["req_s"]) * duration) for r in rows
               if r["server"] == server and r["scenario"] == s and float(r["req_s"]) > 0]
        cpu = f"{statistics.median(per):.1f}" if per else "-"
        lines.append(f"| {s} | {server} | {rps:,.0f} | {ratio} | {cpu} | {med(server, 'mib_s'):.1f} | {med(server, 'p50_ms'):.2f} "
                     f"| {med(server, 'p99_ms'):.2f} | {errors} |")
table = "\n".join(lines) + "\n"
open(sys.argv[2], "w").write(table)
print(table)
PY
