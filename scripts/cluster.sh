#!/usr/bin/env bash
# scripts/cluster.sh: HAProxy in front of three `weft serve` instances on this machine.
#
#   scripts/cluster.sh [start|stop|status|config]     (default: start; runs until Ctrl-C, then stops all)
#
# Clients speak h2c (HTTP/2 with prior knowledge) or HTTP/1.1 to HAProxy on 127.0.0.1:$FRONT_PORT; HAProxy
# speaks h2c to each backend and checks each one's /health on its admin port (503 while it drains,
# so a stopping instance leaves the rotation before it closes). Ports: 26100 (front), 26101-26103
# (weft), 26111-26113 (their admin ports), 26199 (HAProxy stats). Files under $CLUSTER_DIR.
# Environment: WEFT_FLAGS (extra `weft serve` flags), CLUSTER_DIR (default /tmp/weft-cluster).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CLUSTER_DIR="${CLUSTER_DIR:-/tmp/weft-cluster}"
FRONT_PORT="${FRONT_PORT:-26100}"
INSTANCES=(1 2 3)
mkdir -p "$CLUSTER_DIR"

weft_port() { echo $((26100 + $1)); }
admin_port() { echo $((26110 + $1)); }

config() {
  cat <<CFG
global
    maxconn 4096
    log stderr format short local0 notice

defaults
    mode http
    log global
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout http-keep-alive 30s
    # A backend that is stopping refuses new connections: try again, on another server.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend weft_front
    bind 127.0.0.1:${FRONT_PORT} proto h2
    bind 127.0.0.1:$((FRONT_PORT + 90))
    default_backend weft

backend weft
    balance roundrobin
    # /health is 200 "ready", 503 "draining" once SIGTERM arrived (HTTP/1.1 on the admin port).
    option httpchk GET /health
    http-check expect status 200
    # (proto and check-proto on each server line: HAProxy 2.6 does not apply check-proto from default-server)
    default-server inter 500ms fall 1 rise 2
CFG
  for i in "${INSTANCES[@]}"; do
    echo "    server weft$i 127.0.0.1:$(weft_port "$i") proto h2 check port $(admin_port "$i") check-proto h1"
  done
  cat <<CFG

listen stats
    bind 127.0.0.1:26199
    stats enable
    stats uri /
CFG
}

start_weft() { # $1 = instance number; waits until its health says ready
  local i="$1"
  WEFT_NO_BUILD=1 "$ROOT/weft" serve --port "$(weft_port "$i")" --admin-port "$(admin_port "$i")" \
      --tmp-dir "$CLUSTER_DIR/tmp$i" ${WEFT_FLAGS:-} >>"$CLUSTER_DIR/weft$i.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/weft$i.pid"
  for _ in $(seq 200); do
    curl -sf "http://127.0.0.1:$(admin_port "$i")/health" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$CLUSTER_DIR/weft$i.pid")" 2>/dev/null || { echo "weft$i died: $(tail -3 "$CLUSTER_DIR/weft$i.log")" >&2; return 1; }
    sleep 0.1
  done
  echo "weft$i not ready within 20 s" >&2; return 1
}

stop_weft() { # $1 = instance number: SIGTERM (GOAWAY, drain, exit) and wait
  local i="$1" pid
  pid="$(cat "$CLUSTER_DIR/weft$i.pid" 2>/dev/null)" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$CLUSTER_DIR/weft$i.pid"
}

start() {
  if [ -z "${WEFT_NO_BUILD:-}" ]; then "$ROOT/weft" --help >/dev/null; fi  # builds once if needed
  for i in "${INSTANCES[@]}"; do start_weft "$i"; done
  config >"$CLUSTER_DIR/haproxy.cfg"
  haproxy -W -db -f "$CLUSTER_DIR/haproxy.cfg" >>"$CLUSTER_DIR/haproxy.log" 2>&1 &
  echo $! >"$CLUSTER_DIR/haproxy.pid"
  for _ in $(seq 100); do
    curl -sf --http2-prior-knowledge "http://127.0.0.1:$FRONT_PORT/hello" >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "cluster up: h2c http://127.0.0.1:$FRONT_PORT/ (HTTP/1.1 on $((FRONT_PORT + 90))), stats http://127.0.0.1:26199/, logs in $CLUSTER_DIR"
}

stop() {
  if [ -f "$CLUSTER_DIR/haproxy.pid" ]; then
    kill -TERM "$(cat "$CLUSTER_DIR/haproxy.pid")" 2>/dev/null || true
    rm -f "$CLUSTER_DIR/haproxy.pid"
  fi
  for i in "${INSTANCES[@]}"; do stop_weft "$i"; done
}

case "${1:-start}" in
  config) config ;;
  stop) stop ;;
  status) for i in "${INSTANCES[@]}"; do echo "weft$i: $(curl -s "http://127.0.0.1:$(admin_port "$i")/health" || echo down)"; done ;;
  start)
    if [ -n "${CLUSTER_SOURCED:-}" ]; then return 0 2>/dev/null || exit 0; fi
    trap stop EXIT INT TERM
    start
    echo "Ctrl-C stops the cluster"
    wait "$(cat "$CLUSTER_DIR/haproxy.pid")" ;;
  *) echo "usage: $0 [start|stop|status|config]" >&2; exit 2 ;;
esac
