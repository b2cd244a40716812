#!/usr/bin/env bash
# scripts/rolling-restart.sh: steady h2load through HAProxy (scripts/cluster.sh) while each of the
# three weft instances in turn gets SIGTERM (health 503, GOAWAY, drain, exit) and is started again.
# Passes only with zero failed requests; prints requests, p50/p99 overall and during the restarts.
# Bounded: DURATION seconds of load (default 30), CLIENTS connections at RPS requests/s each.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_SOURCED=1 source "$ROOT/scripts/cluster.sh"
DURATION="${DURATION:-30}" CLIENTS="${CLIENTS:-8}" RPS="${RPS:-100}" PAUSE="${PAUSE:-3}"
rm -f "$CLUSTER_DIR"/*.log "$CLUSTER_DIR"/h2load.*
trap stop EXIT
start
h2load -D "$DURATION" -c "$CLIENTS" --rps "$RPS" --log-file "$CLUSTER_DIR/h2load.tsv" \
    "http://127.0.0.1:$FRONT_PORT/hello" >"$CLUSTER_DIR/h2load.out" 2>&1 &
load=$!
sleep "$PAUSE"
window_start=$(date +%s%6N)
for i in "${INSTANCES[@]}"; do
  began=$(date +%s%N)
  stop_weft "$i"
  stopped=$(date +%s%N)
  start_weft "$i"
  echo "weft$i: SIGTERM to exit $(( (stopped - began) / 1000000 )) ms, back ready after $(( ($(date +%s%N) - stopped) / 1000000 )) ms"
  grep -h "stopping:\|stopped:" "$CLUSTER_DIR/weft$i.log" | tail -2 | sed 's/^/    /'
  sleep "$PAUSE"
done
window_end=$(date +%s%6N)
wait "$load" || true
grep -E "^requests:|^status codes:" "$CLUSTER_DIR/h2load.out"
percentiles() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) {print "no requests"; exit} printf "%d requests, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", NR, a[int(NR*0.5)+1]/1000, a[int(NR*0.99)+1]/1000, a[NR]/1000}'; }
echo "all:             $(awk -F'\t' '{print $3}' "$CLUSTER_DIR/h2load.tsv" | percentiles)"
echo "during restarts: $(awk -F'\t' -v s="$window_start" -v e="$window_end" '$1 >= s && $1 <= e {print $3}' "$CLUSTER_DIR/h2load.tsv" | percentiles)"
failed=$(awk '/^requests:/ {for (i = 1; i <= NF; i++) if ($i ~ /^(failed|errored|timeout),?$/) sum += $(i-1)} END {print sum + 0}' "$CLUSTER_DIR/h2load.out")
non2xx=$(awk '/^status codes:/ {print $5 + $7 + $9}' "$CLUSTER_DIR/h2load.out")
if [ "$failed" != 0 ] || [ "${non2xx:-1}" != 0 ]; then
  echo "FAILED: $failed failed/errored/timed-out requests, $non2xx non-2xx answers" >&2; exit 1
fi
echo "zero failed requests"
