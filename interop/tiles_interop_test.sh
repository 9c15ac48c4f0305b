#!/bin/bash
# The real log_server's public tiles read by Go's golang.org/x/mod/sumdb/note
# and sumdb/tlog (read_tiles.go), which share no code with keytrail: the
# checkpoint, inclusion of every entry from the hash tiles, tlog's own tiles
# equal ours, and consistency with an earlier checkpoint. See README.md.
#
# Runs from the runfiles root; writes only under $TEST_TMPDIR.
set -euo pipefail

die() {
  echo "tiles_interop_test: FAIL: $*" >&2
  exit 1
}

if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}" ]]; then
  cd "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}"
fi
TMP="${TEST_TMPDIR:?run me with bazel test //interop:tiles_interop_test}"
ORIGIN="example.org/keytrail-tiles-interop"
GO="$(command -v go || echo /usr/bin/go)"
GOCODE=/usr/share/gocode
[[ -x "$GO" ]] || die "no go toolchain: install golang-go (scripts/install_deps.sh)"
[[ -d "$GOCODE/src/golang.org/x/mod/sumdb/tlog" ]] ||
  die "no $GOCODE/src/golang.org/x/mod/sumdb: install golang-golang-x-mod-dev (scripts/install_deps.sh)"

mkdir -p "$TMP/keys" "$TMP/home" "$TMP/gocache"
cli/keytrail keygen note "$ORIGIN" "$TMP/keys/note.key" "$TMP/keys/note.pub" >"$TMP/keygen.log" 2>&1 ||
  die "keygen note: $(cat "$TMP/keygen.log")"
cli/keytrail keygen vrf "$ORIGIN" "$TMP/keys/vrf.key" "$TMP/keys/vrf.pub" >>"$TMP/keygen.log" 2>&1 ||
  die "keygen vrf: $(cat "$TMP/keygen.log")"
cli/keytrail keygen token "$TMP/keys/write.token" >>"$TMP/keygen.log" 2>&1 ||
  die "keygen token: $(cat "$TMP/keygen.log")"
VKEY="$(tr -d '\n' <"$TMP/keys/note.pub")"

SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

# Empty epochs every 5 ms grow the log by an epoch entry each, so a few
# seconds cross tile boundaries (full level-0 tiles, a level-1 tile).
log_server/log_server \
  --listen=127.0.0.1:0 --port_file="$TMP/port" --data_dir="$TMP/data" \
  --tiles_dir="$TMP/tiles" \
  --note_key="$TMP/keys/note.key" --vrf_key="$TMP/keys/vrf.key" \
  --write_token_file="$TMP/keys/write.token" \
  --epoch_interval=5ms --max_epoch_age=5ms --block_cache_mb=16 \
  >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 600); do
  [[ -s "$TMP/port" ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$TMP/server.log" >&2; die "log_server exited"; }
  sleep 0.1
done
PORT="$(tr -d '[:space:]' <"$TMP/port")"
for i in 1 2 3; do
  cli/keytrail update --server="127.0.0.1:$PORT" --token_file="$TMP/keys/write.token" \
    --account="user$i@example.org" --device="phone=0$i" >>"$TMP/cli.log" 2>&1 ||
    die "keytrail update: $(cat "$TMP/cli.log")"
done

size_of() { sed -n 2p "$1" 2>/dev/null || echo 0; }
for _ in $(seq 300); do
  [[ -s "$TMP/tiles/checkpoint" && "$(size_of "$TMP/tiles/checkpoint")" -ge 40 ]] && break
  sleep 0.05
done
cp "$TMP/tiles/checkpoint" "$TMP/old_checkpoint" || die "no checkpoint published"
for _ in $(seq 600); do
  [[ "$(size_of "$TMP/tiles/checkpoint")" -ge 600 ]] && break
  sleep 0.05
done
# Stop the log so the directory holds still while Go reads it.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || die "log_server exited with $?: $(tail -5 "$TMP/server.log")"
SERVER_PID=""
size="$(size_of "$TMP/tiles/checkpoint")"
[[ "$size" -ge 600 ]] || die "the published log has only $size entries"
echo "tiles_interop_test: old checkpoint size $(size_of "$TMP/old_checkpoint"), new $size"

env HOME="$TMP/home" GOCACHE="$TMP/gocache" GOPATH="$GOCODE" GO111MODULE=off \
  "$GO" build -o "$TMP/read_tiles" interop/read_tiles.go >"$TMP/go_build.log" 2>&1 ||
  die "go build read_tiles.go: $(cat "$TMP/go_build.log")"
"$TMP/read_tiles" "$TMP/tiles" "$VKEY" "$TMP/old_checkpoint" ||
  die "Go's tlog does not accept the tiles"

# Negative control: a flipped byte in a full tile must be caught by tlog.
cp -r "$TMP/tiles" "$TMP/tampered"
printf '\xff' | dd of="$TMP/tampered/tile/0/001" bs=1 seek=100 conv=notrunc status=none
if "$TMP/read_tiles" "$TMP/tampered" "$VKEY" >"$TMP/tampered.log" 2>&1; then
  die "a tampered tile was accepted"
fi
grep -q "read_tiles: FAIL" "$TMP/tampered.log" || die "tampered: $(cat "$TMP/tampered.log")"
echo "tiles_interop_test: PASS"
