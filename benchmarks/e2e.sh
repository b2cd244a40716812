#!/usr/bin/env bash
# e2e.sh: Weft against its peers end to end, in one interleaved run, and docs/PERFORMANCE.md from it.
#
# Peers: Netty 4.2 (NettyPeer) and Jetty 12.1 (JettyPeer), both in benchmarks.jar; h2o and nghttpd
# (Debian packages h2o, nghttp2-server), which serve only the GET scenarios (no POST /sink route).
# Every server (Weft on each transport, and each peer) runs pinned to CPU $SERVER_CPU with
# one event loop; h2load and the wireproto load generator run pinned to CPU $CLIENT_CPU. Each
# round starts every server in turn (the order rotates per round), warms its JIT, then measures:
#   S1 GET /hello          -t 1 -c 64 -m 16     S2 GET /files/1m.bin  -c 8 -m 1
#   S3 POST /sink 1 MiB    -c 8 -m 1            S4 GET /files/64k.bin -c 16 -m 64
#   S5 wireproto echo over TCP (Weft only; Netty has no wireproto)
# each for $DURATION s after $WARMUP s, recording req/s, MiB/s, p50/p99 latency, failures, the
# server's CPU (utime+stime from /proc/<pid>/stat), peak RSS (VmHWM, reset per scenario) and the
# largest RSS sampled every 0.5 s under load (summed over the server's processes).
# Then, unless IDLE=0, it holds $IDLE_COUNT idle HTTP/2 connections on each server and measures
# heap (live bytes after a full GC, from jcmd GC.class_histogram) and RSS per connection.
#
# Knobs (environment): ROUNDS=2 DURATION=10 WARMUP=3 JIT_WARMUP=30 TRANSPORTS="nio epoll"
#   SCENARIOS="S1 S2 S3 S4 S5" PEER=1 PEERS="netty jetty h2o nghttpd" IDLE=1 IDLE_COUNT=10000
#   PORT=20080 SERVER_CPU=0 CLIENT_CPU=1
#   JVM_OPTS="..." JVM flags for every JVM server (Weft, Netty, Jetty) alike, e.g. the SerialGC
#   variant of issue 12: JVM_OPTS="-Xms64m -Xmx1g -XX:+UseSerialGC" (a container with under 2 CPUs
#   gets SerialGC by default). CHART=docs/performance-s.svg (the chart of the page; CHART= for none).
#   PAGE=docs/PERFORMANCE.md WEFT_NO_BUILD=1 (skip the build). Defaults take about 12 minutes.
#   EXTRA_SERVERS="weft-NAME=TRANSPORT:JVM_FLAGS;..." adds Weft variants to the rotation, e.g.
#   EXTRA_SERVERS="weft-epoll-nocoalesce=epoll:-Dweft.transport.coalesceFlushes=false".
#   REPORT_ONLY=benchmarks/results/e2e-<time> only regenerates the page from that run.
#   TLS=1 then runs benchmarks/e2e-tls.sh (S1/S2 over TLS: Weft vs Netty, nghttpd, h2o) and prints its
#   table, which PERFORMANCE-notes.md quotes (its own knobs: see that script).
# Every load run is bounded in time; servers are stopped by pid when the script ends.
#
# Extending: a scenario is a case in h2load_args (or its own load generator in measure) plus
# payload_bytes and, in e2e_report.py, a line in SCEN; a server is a case in start_server and, if
# it cannot serve every scenario, a case in serves.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
JIT_WARMUP="${JIT_WARMUP:-30}"
TRANSPORTS="${TRANSPORTS:-nio epoll}"
SCENARIOS="${SCENARIOS:-S1 S2 S3 S4 S5}"
PEER="${PEER:-1}"
PEERS="${PEERS:-netty jetty h2o nghttpd}"
JVM_OPTS="${JVM_OPTS:-}"
CHART="${CHART-docs/performance-s.svg}"
IDLE="${IDLE:-1}"
IDLE_COUNT="${IDLE_COUNT:-10000}"
PORT="${PORT:-20080}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
PAGE="${PAGE:-docs/PERFORMANCE.md}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n 1)}"
JAVA="$JDK/bin/java"
JAR="$HERE/target/benchmarks.jar"
COMMAND_LINE="$(for v in ROUNDS DURATION WARMUP JIT_WARMUP TRANSPORTS SCENARIOS PEER PEERS JVM_OPTS IDLE IDLE_COUNT EXTRA_SERVERS; do
  if [ -n "${!v:-}" ]; then printf '%s=%q ' "$v" "${!v}"; fi; done)./benchmarks/e2e.sh"

# REPORT_ONLY=DIR: regenerate the page from an earlier run's results (e.g. after editing the notes).
if [ -n "${REPORT_ONLY:-}" ]; then
  [ -z "$CHART" ] || python3 "$HERE/e2e_chart.py" --results "$REPORT_ONLY/results.jsonl" >"$CHART"
  python3 "$HERE/e2e_report.py" --results "$REPORT_ONLY/results.jsonl" --command "$(cat "$REPORT_ONLY/command.txt")" \
    --java "$JAVA" --notes "$HERE/PERFORMANCE-notes.md" --jmh-dir "$HERE/results" --chart "$CHART" >"$PAGE"
  echo "e2e.sh: wrote $PAGE from $REPORT_ONLY" >&2
  exit 0
fi

command -v h2load >/dev/null || { echo "e2e.sh: h2load missing: apt-get install nghttp2-client" >&2; exit 3; }
[ -x "$JAVA" ] || { echo "e2e.sh: no JDK 25 found (set JDK=...)" >&2; exit 3; }

if [ -z "${WEFT_NO_BUILD:-}" ]; then
  echo "e2e.sh: building server and benchmarks ..." >&2
  mvn -B -q -pl server,benchmarks -am package -DskipTests >&2
fi

STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT="$HERE/results/e2e-$STAMP"
mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: > "$RESULTS"
echo "$COMMAND_LINE" > "$OUT/command.txt"
printf 'Hello, world!' > "$OUT/hello" # /hello of the file-serving peers (h2o, nghttpd): the same 13 bytes
BODY="$OUT/body-1m.bin"
head -c 1048576 /dev/urandom > "$BODY"
echo "e2e.sh: results in $OUT" >&2

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
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "e2e.sh: server died at start" >&2; return 1; }
    sleep 0.2
  done
  echo "e2e.sh: server did not listen on $PORT" >&2
  return 1
}

declare -A TRANSPORT_OF=() OPTS_OF=()
for t in $TRANSPORTS; do TRANSPORT_OF["weft-$t"]="$t"; OPTS_OF["weft-$t"]="${WEFT_JAVA_OPTS:-}"; done
EXTRA_NAMES=()
IFS=';' read -ra EXTRA_SPECS <<<"${EXTRA_SERVERS:-}"
for spec in "${EXTRA_SPECS[@]}"; do
  [ -n "$spec" ] || continue
  name="${spec%%=*}"; rest="${spec#*=}"
  [[ "$name" == weft-* ]] || { echo "e2e.sh: EXTRA_SERVERS names start with weft-: $name" >&2; exit 2; }
  TRANSPORT_OF["$name"]="${rest%%:*}"; OPTS_OF["$name"]="${rest#*:}"; EXTRA_NAMES+=("$name")
done

# start_server NAME: a Weft name of TRANSPORT_OF, or a peer; sets SERVER_PID. Extra flags in $EXTRA_FLAGS.
start_server() {
  local name="$1" log="$OUT/$1.log"
  case "$name" in
    weft-*)
      WEFT_NO_BUILD=1 JAVA_OPTS="$JVM_OPTS ${OPTS_OF[$name]}" taskset -c "$SERVER_CPU" "$ROOT/weft" serve --port "$PORT" \
        --transport "${TRANSPORT_OF[$name]}" --loops 1 --root "$ROOT/demo" ${EXTRA_FLAGS:-} >>"$log" 2>&1 &
      ;;
    netty)
      taskset -c "$SERVER_CPU" "$JAVA" $JVM_OPTS ${NETTY_JAVA_OPTS:-} --enable-native-access=ALL-UNNAMED -cp "$JAR" \
        dev.weft.benchmarks.load.NettyPeer --port "$PORT" --loops 1 --root "$ROOT/demo" >>"$log" 2>&1 &
      ;;
    jetty)
      taskset -c "$SERVER_CPU" "$JAVA" $JVM_OPTS -cp "$JAR" \
        dev.weft.benchmarks.load.JettyPeer --port "$PORT" --root "$ROOT/demo" >>"$log" 2>&1 &
      ;;
    h2o)
      # one worker thread, cleartext HTTP/2 with prior knowledge; /hello is a file with Weft's answer
      cat >"$OUT/h2o.conf" <<CONF
user: $(id -un)
listen:
  host: 127.0.0.1
  port: $PORT
num-threads: 1
error-log: $OUT/h2o-error.log
hosts:
  default:
    paths:
      /hello:
        file.file: $OUT/hello
      /files:
        file.dir: $ROOT/demo
CONF
      taskset -c "$SERVER_CPU" h2o -c "$OUT/h2o.conf" >>"$log" 2>&1 &
      ;;
    nghttpd)
      mkdir -p "$OUT/nghttpd-root"
      cp "$OUT/hello" "$OUT/nghttpd-root/hello"
      ln -sfn "$ROOT/demo" "$OUT/nghttpd-root/files"
      taskset -c "$SERVER_CPU" nghttpd --no-tls -n 1 -d "$OUT/nghttpd-root" "$PORT" >>"$log" 2>&1 &
      ;;
  esac
  SERVER_PID=$!
  wait_for_port
}

# serves SERVER SCENARIO: whether the server has the scenario's route (h2o and nghttpd serve
# files only: no POST /sink; only Weft speaks wireproto)
serves() {
  case "$2" in
    S5) [[ "$1" == weft-* ]] ;;
    S3) [[ "$1" != h2o && "$1" != nghttpd ]] ;;
    *) true ;;
  esac
}

# server_pids: the server's process and its descendants running the same program (a forking
# server's workers count; h2o's crash-report helper, a perl script, does not)
server_pids() {
  local pids="$SERVER_PID" frontier="$SERVER_PID" next p c comm
  comm="$(cat /proc/"$SERVER_PID"/comm 2>/dev/null)"
  while [ -n "$frontier" ]; do
    next=""
    for p in $frontier; do
      for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
        [ "$(cat /proc/"$c"/comm 2>/dev/null)" = "$comm" ] && next="$next $c"
      done
    done
    frontier="$(echo $next)"
    pids="$pids $frontier"
  done
  echo $pids
}

# rss_sampler FILE: writes the largest summed RSS (KiB) seen every 0.5 s until killed
rss_sampler() {
  local file="$1" max=0 now p
  local pids; pids="$(server_pids)"
  while true; do
    now=0
    for p in $pids; do now=$(( now + $(awk '/VmRSS/ {print $2}' /proc/"$p"/status 2>/dev/null || echo 0) )); done
    [ "$now" -gt "$max" ] && max=$now && echo "$max" >"$file"
    sleep 0.5
  done
}

cpu_ticks() { local t=0 p; for p in $(server_pids); do t=$(( t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0) )); done; echo "$t"; }
hwm_kib() { local t=0 p; for p in $(server_pids); do t=$(( t + $(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0) )); done; echo "$t"; }
reset_hwm() { local p; for p in $(server_pids); do echo 5 > "/proc/$p/clear_refs" 2>/dev/null || true; done; }

# h2load_args SCENARIO: the h2load flags and URL of an HTTP scenario
h2load_args() {
  local base="http://127.0.0.1:$PORT"
  case "$1" in
    S1) echo "-t 1 -c 64 -m 16 $base/hello" ;;
    S2) echo "-t 1 -c 8 -m 1 $base/files/1m.bin" ;;
    S3) echo "-t 1 -c 8 -m 1 -d $BODY $base/sink" ;;
    S4) echo "-t 1 -c 16 -m 64 $base/files/64k.bin" ;;
  esac
}

# payload bytes per request of each scenario, for MiB/s
payload_bytes() {
  case "$1" in S1) echo 13 ;; S2|S3) echo 1048576 ;; S4) echo 65536 ;; S5) echo 4096 ;; esac
}

jit_warmup() { # spreads JIT_WARMUP seconds over the scenarios the server will run
  local server="$1" per s
  [ "$JIT_WARMUP" -gt 0 ] || return 0
  per=$(( (JIT_WARMUP + 3) / 4 ))
  for s in S1 S2 S3 S4; do
    # shellcheck disable=SC2046
    serves "$server" "$s" || continue
    taskset -c "$CLIENT_CPU" h2load -D "$per" $(h2load_args "$s") >/dev/null 2>&1 || true
  done
  if [[ "$server" == weft-* && " $SCENARIOS " == *" S5 "* ]]; then
    taskset -c "$CLIENT_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.WireprotoLoad --port "$PORT" \
      --warmup 0 --duration "$per" >/dev/null 2>&1 || true
  fi
}

measure() { # measure ROUND SERVER SCENARIO: one scenario, one JSON line into $RESULTS
  local round="$1" server="$2" scenario="$3" log="$OUT/r$1-$2-$3"
  local ticks0 ticks1 t0 t1
  reset_hwm
  rss_sampler "$log.rss" &
  local sampler=$!
  ticks0=$(cpu_ticks); t0=$(date +%s.%N)
  if [ "$scenario" = S5 ]; then
    taskset -c "$CLIENT_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.WireprotoLoad --port "$PORT" \
      --connections 8 --size "$(payload_bytes S5)" --warmup "$WARMUP" --duration "$DURATION" >"$log.out" 2>"$log.err" || true
  else
    # shellcheck disable=SC2046
    taskset -c "$CLIENT_CPU" h2load -D "$DURATION" --warm-up-time "$WARMUP" --log-file "$log.tsv" \
      $(h2load_args "$scenario") >"$log.out" 2>"$log.err" || true
  fi
  ticks1=$(cpu_ticks); t1=$(date +%s.%N)
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  python3 "$HERE/e2e_record.py" --round "$round" --server "$server" --scenario "$scenario" \
    --payload "$(payload_bytes "$scenario")" --out "$log.out" --tsv "$log.tsv" \
    --cpu-ticks $((ticks1 - ticks0)) --clk-tck "$(getconf CLK_TCK)" --t0 "$t0" --t1 "$t1" \
    --hwm-kib "$(hwm_kib)" --rss-kib "$(cat "$log.rss" 2>/dev/null || echo 0)" >>"$RESULTS"
  rm -f "$log.tsv" "$log.rss"
  tail -n 1 "$RESULTS" >&2
}

SERVERS=()
for t in $TRANSPORTS; do SERVERS+=("weft-$t"); done
SERVERS+=("${EXTRA_NAMES[@]}")
if [ "$PEER" = 1 ]; then
  for peer in $PEERS; do
    case "$peer" in
      h2o) command -v h2o >/dev/null || { echo "e2e.sh: h2o missing (apt-get install h2o), skipped" >&2; continue; } ;;
      nghttpd) command -v nghttpd >/dev/null || { echo "e2e.sh: nghttpd missing (apt-get install nghttp2-server), skipped" >&2; continue; } ;;
    esac
    SERVERS+=("$peer")
  done
fi

for round in $(seq 1 "$ROUNDS"); do
  # Rotate the order each round, so no server always runs first or last.
  n=${#SERVERS[@]}
  for i in $(seq 0 $((n - 1))); do
    server="${SERVERS[$(( (i + round - 1) % n ))]}"
    echo "e2e.sh: round $round, $server: starting, JIT warm-up ${JIT_WARMUP}s" >&2
    start_server "$server"
    jit_warmup "$server"
    for scenario in $SCENARIOS; do
      serves "$server" "$scenario" || continue
      measure "$round" "$server" "$scenario"
    done
    stop_server
  done
done

if [ "$IDLE" = 1 ]; then
  for server in "${SERVERS[@]}"; do
    [[ " ${EXTRA_NAMES[*]} " == *" $server "* ]] && continue
    [[ "$server" == weft-* || "$server" == netty ]] || continue # heap from jcmd; Jetty's own idle timeout is 30 s
    echo "e2e.sh: idle connections: $IDLE_COUNT on $server" >&2
    EXTRA_FLAGS="--max-connections $((IDLE_COUNT + 100)) --idle-timeout 600"
    [ "$server" = netty ] && EXTRA_FLAGS=""
    EXTRA_FLAGS="$EXTRA_FLAGS" start_server "$server"
    heap0=$("$JDK/bin/jcmd" "$SERVER_PID" GC.class_histogram | awk '/^Total/ {print $3}')
    rss0=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
    fifo="$OUT/idle-$server.out"
    taskset -c "$CLIENT_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.IdleConnections --port "$PORT" \
      --count "$IDLE_COUNT" --hold 120 >"$fifo" 2>&1 &
    client=$!
    for _ in $(seq 1200); do grep -q '^opened' "$fifo" 2>/dev/null && break; kill -0 "$client" 2>/dev/null || break; sleep 0.1; done
    opened=$(awk '/^opened/ {print $2}' "$fifo")
    sleep 2
    heap1=$("$JDK/bin/jcmd" "$SERVER_PID" GC.class_histogram | awk '/^Total/ {print $3}')
    rss1=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
    kill "$client" 2>/dev/null || true
    wait "$client" 2>/dev/null || true
    echo "{\"idle\": true, \"server\": \"$server\", \"opened\": ${opened:-0}, \"heap_before\": $heap0, \"heap_after\": $heap1, \"rss_before_kib\": $rss0, \"rss_after_kib\": $rss1}" >>"$RESULTS"
    tail -n 1 "$RESULTS" >&2
    stop_server
  done
fi

[ -z "$CHART" ] || python3 "$HERE/e2e_chart.py" --results "$RESULTS" >"$CHART"
python3 "$HERE/e2e_report.py" --results "$RESULTS" --command "$COMMAND_LINE" --java "$JAVA" \
  --notes "$HERE/PERFORMANCE-notes.md" --jmh-dir "$HERE/results" --chart "$CHART" >"$PAGE"
echo "e2e.sh: wrote $PAGE from $RESULTS" >&2

if [ "${TLS:-0}" = 1 ]; then
  WEFT_NO_BUILD=1 ROUNDS="$ROUNDS" DURATION="$DURATION" WARMUP="$WARMUP" SERVER_CPU="$SERVER_CPU" CLIENT_CPU="$CLIENT_CPU" \
    "$HERE/e2e-tls.sh"
fi
