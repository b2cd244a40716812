#!/usr/bin/env bash
# upload.sh: one large multipart upload through POST /upload of `./weft serve` with a small heap.
#
# Starts the server with -Xmx$HEAP (default 96m) on $PORT, pinned to CPUs $SERVER_CPUS, and posts
# a $SIZE_MIB MiB random file as one multipart file part with curl (HTTP/2 prior knowledge),
# $ROUNDS times. Prints per round the wall time, MiB/s, the server's CPU seconds and peak RSS,
# checks the answer's size and SHA-256 against the file, and checks that the server's temp
# directory is empty afterwards (the body policy deletes its temp files). A benchmark, not a test.
#
# Knobs: SIZE_MIB=1024 ROUNDS=3 HEAP=96m TRANSPORT=epoll PORT=21100 SERVER_CPUS=0 CLIENT_CPU=1
#   JAVA_OPTS_EXTRA="..." (more server JVM flags) WEFT_NO_BUILD=1 JFR=1 (record the last round)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
SIZE_MIB="${SIZE_MIB:-1024}"
ROUNDS="${ROUNDS:-3}"
HEAP="${HEAP:-96m}"
TRANSPORT="${TRANSPORT:-epoll}"
PORT="${PORT:-21100}"
SERVER_CPUS="${SERVER_CPUS:-0}"
CLIENT_CPU="${CLIENT_CPU:-1}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* | head -n 1)}"

if [ -z "${WEFT_NO_BUILD:-}" ]; then
  mvn -B -q -pl server -am package -DskipTests >&2
fi
WORK="$(mktemp -d /tmp/weft-upload.XXXXXX)"
mkdir -p "$WORK/tmp"
head -c $((SIZE_MIB << 20)) /dev/urandom > "$WORK/upload.bin"
want_sha=$(sha256sum "$WORK/upload.bin" | cut -d' ' -f1)

WEFT_NO_BUILD=1 JAVA_OPTS="-Xmx$HEAP ${JAVA_OPTS_EXTRA:-}" taskset -c "$SERVER_CPUS" "$ROOT/weft" serve --port "$PORT" \
  --transport "$TRANSPORT" --loops 1 --root "$ROOT/demo" --tmp-dir "$WORK/tmp" \
  >"$WORK/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }

printf '%-6s %9s %9s %10s %8s %s\n' round seconds MiB/s server-cpu-s rssMiB check
for round in $(seq 1 "$ROUNDS"); do
  if [ -n "${JFR:-}" ] && [ "$round" = "$ROUNDS" ]; then
    "$JDK/bin/jcmd" "$PID" JFR.start name=upload settings=profile filename="$WORK/upload.jfr" >/dev/null
  fi
  echo 5 > "/proc/$PID/clear_refs" 2>/dev/null || true
  t0=$(ticks); w0=$(date +%s.%N)
  answer=$(taskset -c "$CLIENT_CPU" curl -sS --http2-prior-knowledge --max-time 300 \
    -F "file=@$WORK/upload.bin;type=application/octet-stream" "http://127.0.0.1:$PORT/upload")
  w1=$(date +%s.%N); t1=$(ticks)
  check=ok
  [[ "$answer" == *"\"size\":$((SIZE_MIB << 20))"* && "$answer" == *"$want_sha"* ]] || check="BAD ANSWER: $answer"
  left=$(find "$WORK/tmp" -type f ! -name .lock | wc -l) # the run directory keeps its .lock
  [ "$left" = 0 ] || check="$check; $left temp files left"
  python3 -c "
s=$w1-$w0; print('%-6s %9.2f %9.0f %10.2f %8d %s' % ('$round', s, $SIZE_MIB/s, ($t1-$t0)/$(getconf CLK_TCK), $(awk '/VmHWM/ {print int($2/1024)}' /proc/$PID/status), '''$check'''))"
done
if [ -n "${JFR:-}" ]; then
  "$JDK/bin/jcmd" "$PID" JFR.stop name=upload >/dev/null
  python3 "$HERE/jfr_top.py" "$WORK/upload.jfr" "$JDK/bin/jfr" | head -60
fi
