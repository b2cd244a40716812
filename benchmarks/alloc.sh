#!/usr/bin/env bash
# alloc.sh: bytes allocated per request under S1 (GET /hello, h2load -c 64 -m 16), for Weft and
# the JVM peers, in one interleaved run. Each server is started pinned to CPU 0 with $JVM_OPTS,
# warmed for $WARM s, then loaded for $DURATION s; allocated bytes are the sum over the JVM's
# threads of HotSpot's per-thread counter (`jcmd PID Thread.print -e`, "allocated=") before and
# after, so a virtual thread's allocations count on its carrier. Divided by the requests done.
# Knobs: SERVERS="weft-epoll weft-nio netty jetty" ROUNDS=2 WARM=15 DURATION=15 PORT=20085
#   JVM_OPTS="-Xms64m -Xmx1g -XX:+UseSerialGC". Prints one line per server and round. Bounded in time.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
SERVERS="${SERVERS:-weft-epoll weft-nio netty jetty}"
ROUNDS="${ROUNDS:-2}"
WARM="${WARM:-15}"
DURATION="${DURATION:-15}"
PORT="${PORT:-20085}"
JVM_OPTS="${JVM_OPTS:--Xms64m -Xmx1g -XX:+UseSerialGC}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* | head -n 1)}"
JAR="$HERE/target/benchmarks.jar"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null || true' EXIT

allocated() { # sum of allocated bytes over the JVM's threads
  "$JDK/bin/jcmd" "$PID" Thread.print -e | grep -o 'allocated=[0-9]*[BKMG]' | awk -F= '
    { n = $2 + 0; u = substr($2, length($2)); m = (u == "K") ? 1024 : (u == "M") ? 1048576 : (u == "G") ? 1073741824 : 1; t += n * m }
    END { printf "%.0f\n", t }'
}

for round in $(seq "$ROUNDS"); do
  for server in $SERVERS; do
    case "$server" in
      weft-*) WEFT_NO_BUILD=1 JAVA_OPTS="$JVM_OPTS" taskset -c 0 ./weft serve --port "$PORT" --transport "${server#weft-}" \
                --loops 1 --root demo >/dev/null 2>&1 & ;;
      netty) taskset -c 0 "$JDK/bin/java" $JVM_OPTS --enable-native-access=ALL-UNNAMED -cp "$JAR" \
                dev.weft.benchmarks.load.NettyPeer --port "$PORT" --loops 1 --root demo >/dev/null 2>&1 & ;;
      jetty) taskset -c 0 "$JDK/bin/java" $JVM_OPTS -cp "$JAR" dev.weft.benchmarks.load.JettyPeer --port "$PORT" \
                --root demo >/dev/null 2>&1 & ;;
      *) echo "alloc.sh: unknown server $server" >&2; exit 2 ;;
    esac
    PID=$!
    for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
    taskset -c 1 h2load -D "$WARM" -t 1 -c 64 -m 16 "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 || true
    a0=$(allocated)
    out=$(taskset -c 1 h2load -D "$DURATION" -t 1 -c 64 -m 16 "http://127.0.0.1:$PORT/hello" 2>&1 || true)
    a1=$(allocated)
    done_=$(echo "$out" | awk '/^requests:/ {print $8}')
    rps=$(echo "$out" | awk '/^finished/ {print $4}')
    echo "round $round $server: $(( (a1 - a0) / (done_ > 0 ? done_ : 1) )) bytes/request over ${done_} requests (${rps} req/s)"
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
  done
done
