#!/bin/bash
# nginx (Debian's nginx-light) serving the real log_server's tile directory
# with docs/nginx/tiles.conf, unprivileged, on a loopback port of its own:
# the headers of the checkpoint, full and partial tiles and bundles; 404
# beyond the tree and for temporary files; the bytes are the files'.
set -euo pipefail

die() {
  echo "tiles_nginx_test: FAIL: $*" >&2
  exit 1
}
if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}" ]]; then
  cd "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}"
fi
TMP="${TEST_TMPDIR:?run me with bazel test //log_server:tiles_nginx_test}"


PIDS=()
NGINX_DIR=""
cleanup() {
  for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  if [[ -n "$NGINX_DIR" && -s "$NGINX_DIR/nginx.pid" ]]; then
    kill -TERM "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
    sleep 0.2
  fi
  [[ -n "$NGINX_DIR" && "$NGINX_DIR" == /tmp/keytrail-nginx.* ]] && rm -rf "$NGINX_DIR"
  return 0
}
trap cleanup EXIT

# A log grown past one full tile by empty epochs, then stopped.
source testing/nginx_tiles.sh
grow_log_past_one_tile example.org/tiles-nginx "$TMP"

# nginx (testing/nginx_tiles.sh): sets NGINX_DIR, RUN, PORT and BASE.
start_nginx_tiles "$TMP/tiles" "$TMP"
n=0
# check PATH STATUS [CACHE_CONTROL [CONTENT_TYPE]]
check() {
  local path="$1" want="$2" cache="${3:-}" type="${4:-}"
  n=$((n + 1))
  local status
  status="$(curl -s --path-as-is -D "$TMP/h$n" -o "$TMP/b$n" -w '%{http_code}' "$BASE$path")" ||
    die "curl $path failed"
  [[ "$status" == "$want" ]] || die "$path: status $status, want $want ($(cat "$NGINX_DIR/error.log" | tail -2))"
  if [[ -n "$cache" ]]; then
    grep -qi "^cache-control: $cache"$'\r'"$" "$TMP/h$n" ||
      die "$path: cache-control is not '$cache': $(grep -i cache-control "$TMP/h$n")"
  fi
  if [[ -n "$type" ]]; then
    grep -qi "^content-type: $type"$'\r'"$" "$TMP/h$n" ||
      die "$path: content-type is not '$type': $(grep -i content-type "$TMP/h$n")"
  fi
  if [[ "$want" == 200 ]]; then
    cmp -s "$TMP/b$n" "$TMP/tiles${path}" || die "$path: body differs from the file"
  fi
}
W=$((SIZE % 256))
N=$((SIZE / 256))
pad() { printf '%03d' "$1"; }
check /checkpoint 200 "public, max-age=5" "text/plain; charset=utf-8"
check /tile/0/000 200 "public, max-age=604800, immutable" "application/octet-stream"
check /tile/entries/000 200 "public, max-age=604800, immutable" "application/octet-stream"
if [[ "$W" -gt 0 ]]; then
  check "/tile/0/$(pad $N).p/$W" 200 "public, max-age=5" "application/octet-stream"
  check "/tile/entries/$(pad $N).p/$W" 200 "public, max-age=5" "application/octet-stream"
fi
check "/tile/1/000.p/$N" 200 "public, max-age=5"
# Beyond the tree, non-tlog paths, temporary files: 404.
check "/tile/0/$(pad $((N + 1)))" 404
check "/tile/2/000.p/1" 404
check "/tile/0/0" 404 "no-store"
check "/.tmp/" 404 "no-store"
check "/tile/0/../checkpoint" 404
check "/" 404 "no-store"
echo "tiles_nginx_test: PASS ($n requests, tree size $SIZE, nginx ${RUN[*]:-as $(id -un)})"
