#!/usr/bin/env bash
# S1 (GET /hello, h2load -t 1 -c 64 -m 16) with the access log off and on, interleaved, server
# on CPU 0 and h2load on CPU 1; the access log goes to a file (slf4j-simple on stderr, redirected).
# Prints, per run, req/s and the server's CPU time per request (user+system, /proc/PID/stat, over
# the measured run only), and the on/off ratios of the medians. CPU per request is the steadier
# figure on a shared machine: it is what the log costs a CPU-bound server, whatever else runs.
# Bounded: ROUNDS x 2 x (WARMUP+DURATION) s.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS="${ROUNDS:-3}" DURATION="${DURATION:-8}" WARMUP="${WARMUP:-4}" PORT="${PORT:-26080}"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
ticks_per_second=$(getconf CLK_TCK)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() { # $1 = label, rest = extra flags; prints "req/s cpu-microseconds-per-request"
  local label="$1"; shift
  WEFT_NO_BUILD=1 taskset -c 0 ./weft serve --port "$PORT" --transport nio --loops 1 "$@" 2>"$out/$label.log" &
  local pid=$!
  for _ in $(seq 100); do curl -s --http2-prior-knowledge "http://127.0.0.1:$PORT/hello" >/dev/null 2>&1 && break; sleep 0.1; done
  taskset -c 1 h2load -t 1 -c 64 -m 16 -D "$WARMUP" "http://127.0.0.1:$PORT/hello" >/dev/null
  local before after report
  before=$(cpu_ticks "$pid")
  report=$(taskset -c 1 h2load -t 1 -c 64 -m 16 -D "$DURATION" "http://127.0.0.1:$PORT/hello")
  after=$(cpu_ticks "$pid")
  kill -TERM "$pid"; wait "$pid" || true
  awk -v before="$before" -v after="$after" -v hz="$ticks_per_second" '
    /^finished in/ {gsub(",", "", $4); rate = $4}
    /^requests:/ {done = $8}
    END {printf "%s %.3f\n", rate, (after - before) / hz * 1e6 / done}' <<<"$report"
}
off=(); on=(); off_cpu=(); on_cpu=()
for r in $(seq "$ROUNDS"); do
  read -r rate cpu < <(run off); off+=("$rate"); off_cpu+=("$cpu")
  read -r rate cpu < <(run on --access-log); on+=("$rate"); on_cpu+=("$cpu")
  echo "round $r: off ${off[-1]} req/s ${off_cpu[-1]} CPU-us/req, on ${on[-1]} req/s ${on_cpu[-1]} CPU-us/req" \
    "(access log lines: $(grep -c ' h2 "GET /hello"' "$out/on.log"))"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_off=$(median "${off[@]}"); m_on=$(median "${on[@]}")
c_off=$(median "${off_cpu[@]}"); c_on=$(median "${on_cpu[@]}")
echo "median off $m_off req/s, on $m_on req/s, on/off $(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a/b}')"
echo "median CPU per request off $c_off us, on $c_on us, on/off $(awk -v a="$c_on" -v b="$c_off" 'BEGIN {printf "%.3f", a/b}')"
