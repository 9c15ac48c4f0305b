#!/usr/bin/env bash
# Starts a keytrail log server on a fresh machine: installs what is missing,
# builds the server and the keytrail tool, makes keys on first run, and runs
# the server in the foreground (Ctrl-C stops it cleanly).
#
#   scripts/start.sh [ORIGIN]        default ORIGIN: keytrail.localhost/log
#
# Environment: KEYTRAIL_HOME (default ./keytrail-home) holds keys and data;
# KEYTRAIL_LISTEN (default localhost:8090) is the gRPC address.
set -euo pipefail
cd "$(dirname "$0")/.."

ORIGIN="${1:-keytrail.localhost/log}"
HOME_DIR="${KEYTRAIL_HOME:-$PWD/keytrail-home}"
LISTEN="${KEYTRAIL_LISTEN:-localhost:8090}"

scripts/install_deps.sh
echo "start: building (first build takes a few minutes)"
bazel build -c opt //log_server //cli:keytrail >/dev/null 2>&1 || bazel build -c opt //log_server //cli:keytrail
BIN="$(bazel info -c opt bazel-bin 2>/dev/null)"
KEYTRAIL="$BIN/cli/keytrail"
LOG_SERVER="$BIN/log_server/log_server"

mkdir -p "$HOME_DIR/keys"
chmod 700 "$HOME_DIR" "$HOME_DIR/keys"
K="$HOME_DIR/keys"
[ -f "$K/note.key" ] || "$KEYTRAIL" keygen note "$ORIGIN" "$K/note.key" "$K/note.pub"
[ -f "$K/vrf.key" ] || "$KEYTRAIL" keygen vrf "$ORIGIN" "$K/vrf.key" "$K/vrf.pub"
[ -f "$K/write.token" ] || "$KEYTRAIL" keygen token "$K/write.token"

cat <<MSG
start: log "$(sed 's/+.*//' "$K/note.pub")" on $LISTEN, data in $HOME_DIR/data
start: try, in another terminal:
  $KEYTRAIL update --server=$LISTEN --token_file=$K/write.token --account=alice --device=phone=0a0b0c
  $KEYTRAIL lookup --server=$LISTEN --account=alice --state_dir=$HOME_DIR/client
MSG
exec "$LOG_SERVER" --listen="$LISTEN" --data_dir="$HOME_DIR/data" \
  --note_key="$K/note.key" --vrf_key="$K/vrf.key" --write_token_file="$K/write.token"
