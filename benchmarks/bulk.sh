#!/usr/bin/env bash
# bulk.sh: the bulk-byte scenarios (S2 GET 1 MiB -c 8, S3 POST 1 MiB -c 8, S4 GET 64 KiB
# -c 16 -m 64) over Weft variants and the C peers, interleaved, with system-call counts.
#
# A quicker tool than e2e.sh for comparing changes to the file and body paths: every server is
# pinned to CPU $SERVER_CPU, h2load to CPU $CLIENT_CPU; each round starts every server in turn
# (order rotated), warms it, then runs each scenario for $DURATION s. With STRACE=1 it also runs
# each scenario once more for a fixed request count under `strace -c -f` attached to the server
# and prints the system calls per request.
#
# Knobs: SERVERS="weft-epoll weft-nio nghttpd h2o" ROUNDS=1 DURATION=8 WARMUP=2 JIT_WARMUP=10
#   SCENARIOS="S2 S3 S4" STRACE=0 PORT=21080 SERVER_CPU=0 CLIENT_CPU=1 WEFT_NO_BUILD=1
#   VARIANTS="weft-NAME=TRANSPORT:JVM_FLAGS;..." adds Weft variants, as e2e.sh's EXTRA_SERVERS.
# jetty: Jetty 12.1 (JettyPeer in benchmarks/target/benchmarks.jar, built when listed; it has /sink).
# nghttpd and h2o (Debian packages nghttp2-server, h2o) serve the same two files; neither has a
# /sink route, so their S3 rows measure reading and discarding the body and answering 404/405.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"

SERVERS="${SERVERS:-weft-epoll weft-nio nghttpd h2o}"
ROUNDS="${ROUNDS:-1}"
DURATION="${DURATION:-8}"
WARMUP="${WARMUP:-2}"
JIT_WARMUP="${JIT_WARMUP:-10}"
SCENARIOS="${SCENARIOS:-S2 S3 S4}"
STRACE="${STRACE:-0}"
PORT="${PORT:-21080}"
SERVER_CPU="${SERVER_CPU:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"

JAVA="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
if [ -z "${WEFT_NO_BUILD:-}" ]; then
  mvn -B -q -pl server -am package -DskipTests >&2
  if [[ " $SERVERS " == *" jetty "* ]]; then mvn -B -q -pl benchmarks -am package -DskipTests >&2; fi
fi

WORK="$(mktemp -d /tmp/weft-bulk.XXXXXX)"
chmod 755 "$WORK"  # h2o serves as user nobody
mkdir -p "$WORK/root/files"
cp "$ROOT/demo/1m.bin" "$ROOT/demo/64k.bin" "$WORK/root/files/"
head -c 1048576 /dev/urandom > "$WORK/body-1m.bin"
cat > "$WORK/h2o.conf" <<EOF
listen:
  port: $PORT
  host: 127.0.0.1
num-threads: 1
hosts:
  default:
    paths:
      /files:
        file.dir: $WORK/root/files
EOF

declare -A TRANSPORT_OF=([weft-epoll]=epoll [weft-nio]=nio) OPTS_OF=([weft-epoll]="" [weft-nio]="")
IFS=';' read -ra SPECS <<<"${VARIANTS:-}"
for spec in "${SPECS[@]}"; do
  [ -n "$spec" ] || continue
  name="${spec%%=*}"; rest="${spec#*=}"
  TRANSPORT_OF["$name"]="${rest%%:*}"; OPTS_OF["$name"]="${rest#*:}"
  SERVERS="$SERVERS $name"
done

PID=""
stop_server() {
  if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PID" 2>/dev/null || true
  fi
  PID=""
}
trap 'stop_server; rm -rf "$WORK"' EXIT

start_server() {
  local name="$1"
  case "$name" in
    weft-*)
      WEFT_NO_BUILD=1 JAVA_OPTS="${OPTS_OF[$name]}" taskset -c "$SERVER_CPU" "$ROOT/weft" serve --port "$PORT" \
        --transport "${TRANSPORT_OF[$name]}" --loops 1 --root "$WORK/root/files" >"$WORK/$name.log" 2>&1 &
      ;;
    jetty)
      taskset -c "$SERVER_CPU" "$JAVA" -cp "$JAR" dev.weft.benchmarks.load.JettyPeer --port "$PORT" \
        --root "$WORK/root/files" >"$WORK/$name.log" 2>&1 &
      ;;
    nghttpd) taskset -c "$SERVER_CPU" nghttpd --no-tls -d "$WORK/root" "$PORT" >"$WORK/$name.log" 2>&1 & ;;
    h2o) taskset -c "$SERVER_CPU" h2o -c "$WORK/h2o.conf" >"$WORK/$name.log" 2>&1 & ;;
  esac
  PID=$!
  for _ in $(seq 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.2
  done
  echo "bulk.sh: $name did not listen on $PORT" >&2
  cat "$WORK/$name.log" >&2
  return 1
}

args() {
  local base="http://127.0.0.1:$PORT"
  case "$1" in
    S2) echo "-t 1 -c 8 -m 1 $base/files/1m.bin" ;;
    S3) echo "-t 1 -c 8 -m 1 -d $WORK/body-1m.bin $base/sink" ;;
    S4) echo "-t 1 -c 16 -m 64 $base/files/64k.bin" ;;
  esac
}
count_for() { case "$1" in S2|S3) echo 2000 ;; S4) echo 20000 ;; esac; }
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

printf '%-22s %-3s %10s %9s %8s %8s %6s %11s %7s\n' server scen req/s rate mean fail cpu% req/cpu-s rssMiB
for round in $(seq 1 "$ROUNDS"); do
  read -ra list <<<"$SERVERS"
  n=${#list[@]}
  for i in $(seq 0 $((n - 1))); do
    name="${list[$(( (i + round - 1) % n ))]}"
    start_server "$name"
    for s in $SCENARIOS; do
      # shellcheck disable=SC2046
      taskset -c "$CLIENT_CPU" h2load -D "$JIT_WARMUP" $(args "$s") >/dev/null 2>&1 || true
    done
    for s in $SCENARIOS; do
      echo 5 > "/proc/$PID/clear_refs" 2>/dev/null || true
      t0=$(ticks); w0=$(date +%s.%N)
      # shellcheck disable=SC2046
      out=$(taskset -c "$CLIENT_CPU" h2load -D "$DURATION" --warm-up-time "$WARMUP" $(args "$s") 2>&1 || true)
      t1=$(ticks); w1=$(date +%s.%N)
      rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' <<<"$out")
      rate=$(awk '/^finished in/ {print $6}' <<<"$out")
      fail=$(awk '/^requests:/ {print $10 + $12 + $14}' <<<"$out")
      mean=$(awk '/^time for request:/ {print $6}' <<<"$out")
      cpu=$(python3 -c "print(round(100*($t1-$t0)/$(getconf CLK_TCK)/($w1-$w0)))")
      # requests per second of server CPU time: steadier than req/s when other work shares CPU 0
      per_cpu=$(python3 -c "t=($t1-$t0)/$(getconf CLK_TCK); print(round(${rps:-0}*($w1-$w0)/t) if t else 0)")
      rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$PID/status")
      printf '%-22s %-3s %10s %9s %8s %8s %6s %11s %7s\n' "$name" "$s" "$rps" "$rate" "$mean" "$fail" "$cpu" "$per_cpu" "$rss"
    done
    if [ "$STRACE" = 1 ] && [ "$round" = 1 ]; then
      for s in $SCENARIOS; do
        n_req=$(count_for "$s")
        strace -c -f -q -p "$PID" -o "$WORK/strace-$name-$s.txt" &
        spid=$!
        sleep 1
        # shellcheck disable=SC2046
        taskset -c "$CLIENT_CPU" h2load -n "$n_req" $(args "$s") >/dev/null 2>&1 || true
        kill -INT "$spid"; wait "$spid" 2>/dev/null || true
        echo "strace -c -f, $name $s, $n_req requests: calls per request" >&2
        awk -v n="$n_req" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" && $NF != "syscall" {
            c = $4; if (c / n >= 0.05) printf "  %-16s %8.2f\n", $NF, c / n }' "$WORK/strace-$name-$s.txt" | sort -k2 -nr >&2
      done
    fi
    stop_server
  done
done
