#!/usr/bin/env bash
# profile.sh SCENARIO [TRANSPORT]: profiles Weft under one h2load scenario with JFR.
# Starts `./weft serve` pinned to CPU 0 (one loop), warms it for $WARM s under the scenario's
# load, records $SECONDS_REC s with JFR's `profile` settings while the load goes on, then prints
# the hottest frames and allocation sites (benchmarks/jfr_top.py). Bounded in time.
# Example: ./benchmarks/profile.sh S1 epoll
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
cd "$ROOT"
SCENARIO="${1:-S1}"
TRANSPORT="${2:-epoll}"
WARM="${WARM:-20}"
SECONDS_REC="${SECONDS_REC:-10}"
PORT="${PORT:-18090}"
JDK="${JDK:-$(ls -d /usr/lib/jvm/*25* | head -n 1)}"
OUT="$HERE/results/profile-$SCENARIO-$TRANSPORT-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"
head -c 1048576 /dev/urandom > "$OUT/body.bin"
case "$SCENARIO" in
  S1) ARGS="-t 1 -c 64 -m 16 http://127.0.0.1:$PORT/hello" ;;
  S2) ARGS="-t 1 -c 8 -m 1 http://127.0.0.1:$PORT/files/1m.bin" ;;
  S3) ARGS="-t 1 -c 8 -m 1 -d $OUT/body.bin http://127.0.0.1:$PORT/sink" ;;
  S4) ARGS="-t 1 -c 16 -m 64 http://127.0.0.1:$PORT/files/64k.bin" ;;
  *) echo "profile.sh: scenario S1..S4" >&2; exit 2 ;;
esac
WEFT_NO_BUILD=1 JAVA_OPTS="${WEFT_JAVA_OPTS:-}" taskset -c 0 ./weft serve --port "$PORT" --transport "$TRANSPORT" --loops 1 \
  --root demo >"$OUT/server.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.2; done
# shellcheck disable=SC2086
taskset -c 1 h2load -D $((WARM + SECONDS_REC + 2)) $ARGS >"$OUT/h2load.out" 2>&1 &
LOAD=$!
sleep "$WARM"
"$JDK/bin/jcmd" "$PID" JFR.start name=bench settings=profile duration="${SECONDS_REC}s" filename="$OUT/rec.jfr" >/dev/null
sleep $((SECONDS_REC + 1))
wait "$LOAD" || true
for _ in $(seq 50); do [ -s "$OUT/rec.jfr" ] && break; sleep 0.2; done
grep -E 'finished|requests:' "$OUT/h2load.out" || true
python3 "$HERE/jfr_top.py" "$OUT/rec.jfr" "$JDK/bin/jfr" | tee "$OUT/summary.txt"
