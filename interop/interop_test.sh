#!/bin/bash
# Interoperability test: the real log_server checked by implementations that
# share no code with keytrail, a Python gRPC client (Debian's grpcio, stubs
# generated here from proto/*.proto) and a Go verifier (golang.org/x/mod's
# sumdb/note and sumdb/tlog). See interop/README.md.
#
# Runs from the runfiles root; writes only under $TEST_TMPDIR.
set -euo pipefail

die() {
  echo "interop_test: FAIL: $*" >&2
  exit 1
}

if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}" ]]; then
  cd "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}"
fi
TMP="${TEST_TMPDIR:?interop_test: run me with bazel test //interop:interop_test}"
ORIGIN="example.org/keytrail-interop"
EPOCH_INTERVAL_MS=50
PY=/usr/bin/python3
GO="$(command -v go || echo /usr/bin/go)"
GOCODE=/usr/share/gocode

# ---- what the test needs from the machine (scripts/install_deps.sh installs it)
for f in log_server/log_server cli/keytrail proto/keytrail.proto proto/log_service.proto \
         interop/grpc_client.py interop/verify_tlog.go; do
  [[ -e "$f" ]] || die "missing runfile $f (run from the runfiles root)"
done
"$PY" -c 'import grpc, grpc_tools.protoc' 2>/dev/null ||
  die "$PY cannot import grpc and grpc_tools: install python3-grpcio python3-grpc-tools (scripts/install_deps.sh)"
[[ -x "$GO" ]] || die "no go toolchain: install golang-go (scripts/install_deps.sh)"
[[ -d "$GOCODE/src/golang.org/x/mod/sumdb/tlog" ]] ||
  die "no $GOCODE/src/golang.org/x/mod/sumdb: install golang-golang-x-mod-dev (scripts/install_deps.sh)"

# ---- keys, made by the real keytrail keygen
mkdir -p "$TMP/keys" "$TMP/stubs" "$TMP/home" "$TMP/gocache"
cli/keytrail keygen note "$ORIGIN" "$TMP/keys/note.key" "$TMP/keys/note.pub" >"$TMP/keygen.log" 2>&1 ||
  die "keytrail keygen note failed: $(cat "$TMP/keygen.log")"
cli/keytrail keygen vrf "$ORIGIN" "$TMP/keys/vrf.key" "$TMP/keys/vrf.pub" >>"$TMP/keygen.log" 2>&1 ||
  die "keytrail keygen vrf failed: $(cat "$TMP/keygen.log")"
cli/keytrail keygen token "$TMP/keys/write.token" >>"$TMP/keygen.log" 2>&1 ||
  die "keytrail keygen token failed: $(cat "$TMP/keygen.log")"

# ---- the server, on a port it picks; killed on every exit
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT
server_log() {
  echo "---- server log ($TMP/server.log):" >&2
  cat "$TMP/server.log" >&2 || true
}

log_server/log_server \
  --listen=127.0.0.1:0 --port_file="$TMP/port" --data_dir="$TMP/data" \
  --note_key="$TMP/keys/note.key" --vrf_key="$TMP/keys/vrf.key" \
  --write_token_file="$TMP/keys/write.token" \
  --epoch_interval=${EPOCH_INTERVAL_MS}ms --block_cache_mb=16 \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
  [[ -s "$TMP/port" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { server_log; die "log_server exited before listening"; }
  sleep 0.1
done
[[ -s "$TMP/port" ]] || { server_log; die "log_server wrote no port file within 60s"; }
PORT="$(tr -d '[:space:]' <"$TMP/port")"
[[ "$PORT" =~ ^[0-9]+$ ]] || die "port file holds '$PORT', not a port"
echo "interop_test: log_server pid $SERVER_PID listening on 127.0.0.1:$PORT"

# ---- Python stubs from the repository's .proto files, with Debian's grpc_tools
# (python3-grpc-tools 1.14.1 bundles protoc 3.5.1: no proto3 `optional`,
# which is why UpdateRequest.expected_version is a one-field oneof).
"$PY" -B -m grpc_tools.protoc -I. --python_out="$TMP/stubs" --grpc_python_out="$TMP/stubs" \
  proto/keytrail.proto proto/log_service.proto >"$TMP/protoc.log" 2>&1 ||
  die "$("$PY" -m grpc_tools.protoc --version) (python3-grpc-tools) cannot compile proto/*.proto:" \
    "$(cat "$TMP/protoc.log")"

# ---- 1. the Python gRPC client
# It exits 1 on any failed check. When only checks nothing later depends on
# failed (reflection), it still saves its JSON, so the Go step runs too and
# the test reports everything it found before failing.
py_rc=0
"$PY" -B -u interop/grpc_client.py \
  --server="127.0.0.1:$PORT" --stubs="$TMP/stubs" \
  --token_file="$TMP/keys/write.token" --note_pub="$TMP/keys/note.pub" \
  --origin="$ORIGIN" --epoch_interval_ms=$EPOCH_INTERVAL_MS \
  --out="$TMP/saved.json" || py_rc=$?
[[ -s "$TMP/saved.json" ]] ||
  { server_log; die "the Python gRPC client found a problem (see grpc_client: FAIL above)"; }

# ---- 2. the Go verifier (golang.org/x/mod/sumdb/note and tlog)
env HOME="$TMP/home" GOCACHE="$TMP/gocache" GOPATH="$GOCODE" GO111MODULE=off \
  GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
  "$GO" run interop/verify_tlog.go "$TMP/saved.json" ||
  die "the Go tlog/note verifier found a problem (see verify_tlog: FAIL above)"
# ---- the server stops cleanly on SIGTERM
kill -TERM "$SERVER_PID"
rc=0
wait "$SERVER_PID" || rc=$?
SERVER_PID=""
[[ $rc -eq 0 ]] || { server_log; die "log_server exited $rc on SIGTERM, want 0"; }
[[ $py_rc -eq 0 ]] ||
  die "the Python gRPC client found a problem (see grpc_client: FAIL above); the Go checks passed"

echo "interop_test: PASS: Python grpcio client and Go sumdb/note+tlog agree with log_server"
