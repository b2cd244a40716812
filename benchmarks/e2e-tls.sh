#!/usr/bin/env bash
# e2e-tls.sh: S1 (GET /hello) and S2 (GET a 1 MiB file) over TLS (h2 by ALPN), Weft on nio and
# epoll against Netty 4.2 and Jetty 12.1 (both JDK SSLEngine, like Weft), nghttpd and h2o (both OpenSSL), in one
# interleaved run. Every server is pinned to CPU $SERVER_CPU with one event loop / thread, h2load
# to $CLIENT_CPU. Each round starts every server in turn (the order rotates per round), warms it,
# then measures each scenario for $DURATION s after $WARMUP s: req/s, MiB/s, failures and the
# server's CPU seconds (utime+stime), hence requests per server CPU-second.
#
# nghttpd and h2o serve files only: their S1 is the 33-byte /hello.txt, their S2 /1m.bin.
# The certificate is an EC P-256 one made by openssl for this run (TLS 1.3, the cipher each
# server prefers; h2load prints it and it is kept in the results).
#
# Knobs: ROUNDS=2 DURATION=10 WARMUP=3 JIT_WARMUP=10 SERVERS="weft-nio weft-epoll netty jetty nghttpd h2o"
#   PORT=23080 SERVER_CPU=0 CLIENT_CPU=1 WEFT_NO_BUILD=1 (skip the build). Prints a markdown table
#   and keeps everything under benchmarks/results/e2e-tls-<time>/. Every load run is bounded in
#   time; servers are stopped by pid.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-10}"
WARMUP="${WARMUP:-3}"
JIT_WARMUP="${JIT_WARMUP:-10}"
SERVERS="${SERVERS:-weft-nio weft-epoll netty jetty nghttpd h2o}"
PORT="${PORT:-23080}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* 2>/dev/null | head -n 1)}"
JAVA="$JDK/bin/java"
JAR="$HERE/target/benchmarks.jar"
TICKS="$(getconf CLK_TCK)"

command -v h2load >/dev/null || { echo "e2e-tls.sh: h2load missing: apt-get install nghttp2-client" >&2; exit 3; }
command -v openssl >/dev/null || { echo "e2e-tls.sh: openssl missing: apt-get install openssl" >&2; exit 3; }
if [ -z "${WEFT_NO_BUILD:-}" ]; then
  echo "e2e-tls.sh: building server and benchmarks ..." >&2
  mvn -B -q -pl server,benchmarks -am package -DskipTests >&2
fi

STAMP="$(date -u +%Y%m%d-%H%M%S)"
OUT="$HERE/results/e2e-tls-$STAMP"
mkdir -p "$OUT"
RESULTS="$OUT/results.tsv"
printf 'round\tserver\tscenario\treq_s\tmib_s\tfailed\tcpu_s\tcipher\n' > "$RESULTS"
CERT="$OUT/cert.pem"; KEY="$OUT/key.pem"
openssl req -x509 -nodes -days 2 -subj /CN=localhost -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
  -keyout "$KEY" -out "$CERT" 2>/dev/null
cat > "$OUT/h2o.conf" <<EOF
num-threads: 1
listen:
  host: 127.0.0.1
  port: $PORT
  ssl:
    certificate-file: $CERT
    key-file: $KEY
hosts:
  default:
    paths:
      /:
        file.dir: $ROOT/demo
EOF
echo "e2e-tls.sh: results in $OUT" >&2

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
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "e2e-tls.sh: server died at start" >&2; return 1; }
    sleep 0.2
  done
  echo "e2e-tls.sh: server did not listen on $PORT" >&2
  return 1
}

start_server() {
  local name="$1" log="$OUT/$1.log"
  case "$name" in
    weft-*)
      WEFT_NO_BUILD=1 taskset -c "$SERVER_CPU" "$ROOT/weft" serve --port "$PORT" --transport "${name#weft-}" --loops 1 \
        --root "$ROOT/demo" --tls-cert "$CERT" --tls-key "$KEY" >>"$log" 2>&1 & ;;
    netty)
      taskset -c "$SERVER_CPU" "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$JAR" dev.weft.benchmarks.load.NettyPeer \
        --port "$PORT" --loops 1 --root "$ROOT/demo" --tls-cert "$CERT" --tls-key "$KEY" >>"$log" 2>&1 & ;;
    jetty)
      taskset -c "$SERVER_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.JettyPeer \
        --port "$PORT" --root "$ROOT/demo" --tls-cert "$CERT" --tls-key "$KEY" >>"$log" 2>&1 & ;;
    nghttpd)
      taskset -c "$SERVER_CPU" nghttpd -n 1 -d "$ROOT/demo" "$PORT" "$KEY" "$CERT" >>"$log" 2>&1 & ;;
    h2o)
      taskset -c "$SERVER_CPU" h2o -c "$OUT/h2o.conf" >>"$log" 2>&1 & ;;
  esac
  SERVER_PID=$!
  wait_for_port
}

url() { # url SERVER SCENARIO
  local base="https://127.0.0.1:$PORT"
  case "$1:$2" in
    weft-*:S1|netty:S1|jetty:S1) echo "$base/hello" ;;
    weft-*:S2|netty:S2|jetty:S2) echo "$base/files/1m.bin" ;;
    *:S1) echo "$base/hello.txt" ;;
    *:S2) echo "$base/1m.bin" ;;
  esac
}
load_args() { case "$1" in S1) echo "-t 1 -c 64 -m 16" ;; S2) echo "-t 1 -c 8 -m 1" ;; esac; }
payload() { case "$1" in S1) echo 13 ;; S2) echo 1048576 ;; esac; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }

order=($SERVERS)
for round in $(seq 1 "$ROUNDS"); do
  for server in "${order[@]}"; do
    echo "e2e-tls.sh: round $round: $server" >&2
    start_server "$server"
    for s in S1 S2; do
      # shellcheck disable=SC2046
      taskset -c "$CLIENT_CPU" h2load -D "$JIT_WARMUP" $(load_args "$s") "$(url "$server" "$s")" >/dev/null 2>&1 || true
    done
    for s in S1 S2; do
      before=$(cpu_ticks)
      # shellcheck disable=SC2046
      report=$(taskset -c "$CLIENT_CPU" h2load -D "$DURATION" --warm-up-time "$WARMUP" $(load_args "$s") \
        "$(url "$server" "$s")" 2>&1 || true)
      after=$(cpu_ticks)
      echo "$report" > "$OUT/$server-$s-round$round.txt"
      reqs=$(echo "$report" | awk '/^finished in/ {print $4}')
      failed=$(echo "$report" | awk '/^requests:/ {print $10}')
      cipher=$(echo "$report" | awk -F': ' '/^Cipher:/ {print $2}')
      cpu=$(awk -v a="$after" -v b="$before" -v t="$TICKS" -v w="$WARMUP" -v d="$DURATION" \
        'BEGIN {printf "%.2f", (a - b) / t * d / (d + w)}')
      mib=$(awk -v r="${reqs:-0}" -v p="$(payload "$s")" 'BEGIN {printf "%.1f", r * p / 1048576}')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$server" "$s" "${reqs:-0}" "$mib" "${failed:-?}" "$cpu" "${cipher:-?}" >> "$RESULTS"
    done
    stop_server
  done
  order=("${order[@]:1}" "${order[0]}")
done

# The table: the mean over rounds, and each as a ratio to Netty and (S2) Jetty, the JDK-TLS peers.
python3 - "$RESULTS" "$DURATION" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
duration = float(sys.argv[2])
agg = collections.defaultdict(list)
for r in rows:
    agg[(r['server'], r['scenario'])].append(r)
def mean(key, field):
    values = [float(r[field]) for r in agg[key]]
    return sum(values) / len(values) if values else 0.0
servers = list(dict.fromkeys(r['server'] for r in rows))
print("| server | S1 req/s | S1 vs netty | S1 req per CPU-s | S2 MiB/s | S2 vs netty | S2 vs jetty | S2 MiB per CPU-s | failed | cipher |")
print("|---|---|---|---|---|---|---|---|---|---|")
for s in servers:
    s1, s2, n1, n2 = (s, 'S1'), (s, 'S2'), ('netty', 'S1'), ('netty', 'S2')
    r1, m2 = mean(s1, 'req_s'), mean(s2, 'mib_s')
    c1, c2 = mean(s1, 'cpu_s'), mean(s2, 'cpu_s')
    base1, base2 = mean(n1, 'req_s') or float('nan'), mean(n2, 'mib_s') or float('nan')
    jetty2 = mean(('jetty', 'S2'), 'mib_s') or float('nan')
    failed = sum(int(r['failed']) for r in agg[s1] + agg[s2] if r['failed'].isdigit())
    cipher = agg[s1][0]['cipher'] if agg[s1] else '?'
    print(f"| {s} | {r1:,.0f} | {r1 / base1:.2f} | {r1 * duration / c1 if c1 else 0:,.0f} | {m2:,.1f} | {m2 / base2:.2f} | {m2 / jetty2:.2f} "
          f"| {m2 * duration / c2 if c2 else 0:,.1f} | {failed} | {cipher} |")
PY
