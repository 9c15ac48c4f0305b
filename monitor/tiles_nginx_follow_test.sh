#!/bin/bash
# The real monitor binary following a log from its tiles as nginx-light
# serves them (docs/nginx/tiles.conf over the log's tile directory), with the
# log server stopped: its config names only the tiles URL. It audits the
# whole log (status OK, verified size = the tiles' checkpoint size, no
# evidence), reading nothing but static files.
set -euo pipefail

die() {
  echo "tiles_nginx_follow_test: FAIL: $*" >&2
  exit 1
}
if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}" ]]; then
  cd "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}"
fi
TMP="${TEST_TMPDIR:?run me with bazel test //monitor:tiles_nginx_follow_test}"

ORIGIN=example.org/tiles-nginx-follow

PIDS=()
NGINX_DIR=""
cleanup() {
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n "$NGINX_DIR" && -s "$NGINX_DIR/nginx.pid" ]]; then
    kill -TERM "$(cat "$NGINX_DIR/nginx.pid")" 2>/dev/null || true
    sleep 0.2
  fi
  [[ -n "$NGINX_DIR" && "$NGINX_DIR" == /tmp/keytrail-nginx.* ]] && rm -rf "$NGINX_DIR"
  return 0
}
trap cleanup EXIT

# A log grown past one full tile (and into a level-1 partial) by empty
# epochs, then stopped: from here on only nginx serves it.
source testing/nginx_tiles.sh
grow_log_past_one_tile "$ORIGIN" "$TMP"

start_nginx_tiles "$TMP/tiles" "$TMP"

cat >"$TMP/monitor.textproto" <<CONF
data_dir: "$TMP/monitor"
grpc_listen: "127.0.0.1:0"
logs {
  origin: "$ORIGIN"
  note_verifier_key: "$(cat "$TMP/keys/note.pub")"
  tiles_url: "$BASE/"
  poll_interval_ms: 100
}
CONF
monitor/monitor --config="$TMP/monitor.textproto" --port_file="$TMP/monitor.port" \
  >"$TMP/monitor.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 600); do [[ -s "$TMP/monitor.port" ]] && break; sleep 0.05; done
[[ -s "$TMP/monitor.port" ]] || die "the monitor did not start: $(tail -5 "$TMP/monitor.log")"
STATUS=""
for _ in $(seq 300); do
  STATUS="$(cli/keytrail monitor status --server="127.0.0.1:$(cat "$TMP/monitor.port")" 2>&1 || true)"
  grep -q "verified size $SIZE of" <<<"$STATUS" && break
  sleep 0.1
done
grep -q "verified size $SIZE of" <<<"$STATUS" ||
  die "not audited to $SIZE: $STATUS; monitor log: $(tail -5 "$TMP/monitor.log")"
grep -q "^$ORIGIN: OK$" <<<"$STATUS" || die "status: $STATUS"
grep -q "EVIDENCE" <<<"$STATUS" && die "evidence: $STATUS"
grep -q "following tiles at $BASE" "$TMP/monitor.log" || die "monitor log: $(head -3 "$TMP/monitor.log")"
echo "tiles_nginx_follow_test: PASS (tree size $SIZE from nginx, ${RUN[*]:-as $(id -un)})"
