#!/bin/bash
# Sourced by the shell tests that run nginx-light with docs/nginx/tiles.conf
# over a published tile directory (//log_server:tiles_nginx_test,
# //monitor:tiles_nginx_follow_test). Needs `die` from the caller, and runs
# from the workspace root (docs/nginx/tiles.conf).
#
# start_nginx_tiles TILES_DIR TMP: starts nginx on a free loopback port and
# sets NGINX_DIR (its pid, logs and config; the caller's cleanup stops it:
# kill -TERM "$(cat "$NGINX_DIR/nginx.pid")", and removes NGINX_DIR when it
# is under /tmp/keytrail-nginx.*), RUN (how nginx was run), PORT and BASE
# (http://127.0.0.1:PORT).
#
# grow_log_past_one_tile ORIGIN TMP: makes keys for ORIGIN under TMP/keys,
# runs the real log_server (TMP/data, tiles in TMP/tiles) making empty
# epochs until its published checkpoint passes one full tile (300 entries),
# stops it cleanly and sets SIZE to the published size. Appends the server's
# pid to the caller's PIDS while it runs (the caller's cleanup kills it).
#
# nginx runs as an unprivileged user. Started by real root, its workers would
# run as nobody, and a 0700 directory on the way (TEST_TMPDIR is under /root)
# gives 403: so as real root the whole of nginx runs as nobody on a 0755 copy
# in /tmp. Inside Bazel's sandbox "root" is an unprivileged user namespace
# that has no nobody: there nginx keeps that user (user root). Otherwise it
# runs as ourselves on the directory as it is.
start_nginx_tiles() {
  local tiles="$1" tmp="$2"
  local nginx=/usr/sbin/nginx
  [[ -x "$nginx" ]] || die "no nginx: install nginx-light (scripts/install_deps.sh)"
  local user_line=""
  RUN=()
  if [[ "$(id -u)" == 0 ]] && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    NGINX_DIR="$(mktemp -d /tmp/keytrail-nginx.XXXXXX)"
    chmod 777 "$NGINX_DIR"
    cp -r "$tiles" "$NGINX_DIR/tiles"
    chmod -R a+rX "$NGINX_DIR/tiles"
    RUN=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  else
    NGINX_DIR="$tmp/nginx"
    mkdir -p "$NGINX_DIR"
    ln -s "$tiles" "$NGINX_DIR/tiles"
    [[ "$(id -u)" == 0 ]] && user_line="user root root;"
  fi
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  sed -e "s|@LISTEN@|127.0.0.1:$PORT|" -e "s|@TILES_DIR@|$NGINX_DIR/tiles|" \
    docs/nginx/tiles.conf >"$NGINX_DIR/tiles.conf"
  cat >"$NGINX_DIR/nginx.conf" <<CONF
$user_line
daemon on;
worker_processes 1;
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/client_temp;
  proxy_temp_path $NGINX_DIR/proxy_temp;
  fastcgi_temp_path $NGINX_DIR/fastcgi_temp;
  uwsgi_temp_path $NGINX_DIR/uwsgi_temp;
  scgi_temp_path $NGINX_DIR/scgi_temp;
  include $NGINX_DIR/tiles.conf;
}
CONF
  chmod a+r "$NGINX_DIR"/*.conf
  "${RUN[@]}" "$nginx" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -e "$NGINX_DIR/error.log" \
    2>"$tmp/nginx.stderr" || die "nginx did not start: $(cat "$tmp/nginx.stderr")"
  for _ in $(seq 100); do [[ -s "$NGINX_DIR/nginx.pid" ]] && break; sleep 0.05; done
  BASE="http://127.0.0.1:$PORT"
}

grow_log_past_one_tile() {
  local origin="$1" tmp="$2"
  mkdir -p "$tmp/keys"
  cli/keytrail keygen note "$origin" "$tmp/keys/note.key" "$tmp/keys/note.pub" >/dev/null
  cli/keytrail keygen vrf "$origin" "$tmp/keys/vrf.key" "$tmp/keys/vrf.pub" >/dev/null
  cli/keytrail keygen token "$tmp/keys/write.token" >/dev/null
  log_server/log_server --listen=127.0.0.1:0 --port_file="$tmp/port" --data_dir="$tmp/data" \
    --tiles_dir="$tmp/tiles" --note_key="$tmp/keys/note.key" --vrf_key="$tmp/keys/vrf.key" \
    --write_token_file="$tmp/keys/write.token" --epoch_interval=5ms --max_epoch_age=5ms \
    --block_cache_mb=16 >"$tmp/server.log" 2>&1 &
  local server=$!
  PIDS+=("$server")
  for _ in $(seq 600); do
    [[ -s "$tmp/tiles/checkpoint" && "$(sed -n 2p "$tmp/tiles/checkpoint")" -gt 300 ]] && break
    sleep 0.05
  done
  kill -TERM "$server"
  wait "$server" || die "log_server exited with $?: $(tail -3 "$tmp/server.log")"
  SIZE="$(sed -n 2p "$tmp/tiles/checkpoint")"
  [[ "$SIZE" -gt 300 ]] || die "the log reached only $SIZE entries"
}
