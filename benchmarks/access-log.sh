#!/usr/bin/env bash
# S1 (GET /hello, h2load -t 1 -c 64 -m 16) with the access log off and on, interleaved, server
# on CPU 0 and h2load on CPU 1; the access log goes to a file (slf4j-simple on stderr, redirected).
# Prints req/s of each run and the on/off ratio of the medians. Bounded: ROUNDS x 2 x (WARMUP+DURATION) s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-8}" WARMUP="${WARMUP:-4}" PORT="${PORT:-26080}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
run() { # $1 = label, rest = extra flags; prints req/s
  local label="$1"; shift
  WEFT_NO_BUILD=1 taskset -c 0 ./weft serve --port "$PORT" --transport nio --loops 1 "$@" 2>"$out/$label.log" &
  local pid=$!
  for _ in $(seq 100); do curl -s --http2-prior-knowledge "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break; sleep 0.1; done
  taskset -c 1 h2load -t 1 -c 64 -m 16 -D "$WARMUP" "http://127.0.0.1:$PORT/hello" >/dev/null
  taskset -c 1 h2load -t 1 -c 64 -m 16 -D "$DURATION" "http://127.0.0.1:$PORT/hello" | awk '/^finished in/ {gsub(",","",$4); print $4}'
  kill -TERM "$pid"; wait "$pid" || true
}
off=(); on=()
for r in $(seq "$ROUNDS"); do
  off+=("$(run off)"); on+=("$(run on --access-log)")
  echo "round $r: off ${off[-1]} req/s, on ${on[-1]} req/s (access log lines: $(grep -c ' h2 "GET /hello"' "$out/on.log"))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}")
echo "median off $m_off req/s, on $m_on req/s, on/off $(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a/b}')"
