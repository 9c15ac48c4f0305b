#!/bin/bash
# Tile serving rate: GETs of random full hash tiles (8 KiB) per second from
#  - the log server's own HTTP server (--tiles_listen, core/http), and
#  - nginx-light with docs/nginx/tiles.conf,
# over the same published tile directory, with curl(1) as a keep-alive
# client: one connection (sequential), and --parallel with 8 connections.
#
#   bazel build -c opt //bench:tiles_serve_bench
#   bazel-bin/bench/tiles_serve_bench DIR [REQUESTS]
#
# DIR is an update_bench --dir (keys in DIR, database in DIR/data, tiles in
# DIR/tiles); the log server is started on it read-only (no writes arrive)
# with --publish_tiles so it serves what is there. Prints one table row per
# server and mode. Writes only under DIR/serve-bench.
set -euo pipefail
cd "${RUNFILES_DIR:-$0.runfiles}/${TEST_WORKSPACE:-keytrail}" 2>/dev/null || true
DIR="${1:?usage: tiles_serve_bench DIR [REQUESTS]}"
REQUESTS="${2:-20000}"
W="$DIR/serve-bench"
rm -rf "$W"
mkdir -p "$W"
SIZE="$(sed -n 2p "$DIR/tiles/checkpoint")"
FULL=$((SIZE / 256))
[[ "$FULL" -gt 0 ]] || { echo "no full tiles in $DIR/tiles"; exit 1; }

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  [[ -s "$W/nginx.pid" ]] && kill -TERM "$(cat "$W/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

cli/keytrail keygen token "$W/token" >/dev/null
log_server/log_server --listen=127.0.0.1:0 --port_file="$W/grpc_port" --data_dir="$DIR/data" \
  --note_key="$DIR/note.key" --vrf_key="$DIR/vrf.key" --write_token_file="$W/token" \
  --tiles_dir="$DIR/tiles" --tiles_listen=127.0.0.1:0 --tiles_port_file="$W/tiles_port" \
  --max_epoch_age=1h >"$W/log_server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do [[ -s "$W/tiles_port" ]] && break; sleep 0.1; done
LOG_PORT="$(cat "$W/tiles_port")"

NGINX_PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
sed -e "s|@LISTEN@|127.0.0.1:$NGINX_PORT|" -e "s|@TILES_DIR@|$DIR/tiles|" docs/nginx/tiles.conf >"$W/tiles.conf"
USER_LINE=""
[[ "$(id -u)" == 0 ]] && USER_LINE="user root root;"  # the tiles are under a root-only dir
cat >"$W/nginx.conf" <<CONF
$USER_LINE
daemon on;
worker_processes 1;
pid $W/nginx.pid;
error_log $W/error.log;
events { worker_connections 256; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $W/client_temp;
  proxy_temp_path $W/proxy_temp;
  fastcgi_temp_path $W/fastcgi_temp;
  uwsgi_temp_path $W/uwsgi_temp;
  scgi_temp_path $W/scgi_temp;
  include $W/tiles.conf;
}
CONF
/usr/sbin/nginx -p "$W" -c "$W/nginx.conf" -e "$W/error.log"

# The same random full tiles for every run.
python3 - "$FULL" "$REQUESTS" >"$W/paths" <<'PY'
import random, sys
full, n = int(sys.argv[1]), int(sys.argv[2])
random.seed(1)
def path(i):
    s = "%03d" % (i % 1000)
    i //= 1000
    while i > 0:
        s = "x%03d/%s" % (i % 1000, s)
        i //= 1000
    return "tile/0/" + s
for _ in range(n):
    print(path(random.randrange(full)))
PY
run() {  # name port mode
  local name="$1" port="$2" mode="$3"
  sed -e "s|^|url = \"http://127.0.0.1:$port/|" -e 's|$|"\noutput = "/dev/null"|' "$W/paths" >"$W/curl.cfg"
  local args=(-s --no-progress-meter -K "$W/curl.cfg" -w '%{http_code}\n')
  [[ "$mode" == parallel ]] && args+=(--parallel --parallel-max 8)
  local start end ok
  start="$(date +%s.%N)"
  ok="$(curl "${args[@]}" | grep -c '^200$' || true)"
  end="$(date +%s.%N)"
  python3 -c "import sys; n, ok, s = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[4]) - float(sys.argv[3]); print('| %-22s | %-12s | %7d GETs/s | %d of %d were 200, %.1f s |' % (sys.argv[5], sys.argv[6], n / s, ok, n, s))" \
    "$REQUESTS" "$ok" "$start" "$end" "$name" "$mode"
}
echo "tree size $SIZE ($FULL full level-0 tiles); $(uptime)"
for round in 1 2 3; do
  run "log_server (core/http)" "$LOG_PORT" "1 connection"
  run "nginx-light" "$NGINX_PORT" "1 connection"
  run "log_server (core/http)" "$LOG_PORT" parallel
  run "nginx-light" "$NGINX_PORT" parallel
done
echo "$(uptime)"
