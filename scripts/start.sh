#!/usr/bin/env bash
# Starts a whole local keytrail deployment on loopback and, the first time,
# tells the rogue-device story against it (README.md, "The story"):
#   - a log server on its embedded RocksDB, requiring both monitors'
#     cosignatures on every checkpoint it serves (--required_cosignatures=2),
#     publishing its log as C2SP tlog-tiles and serving them over HTTP
#     (--tiles_listen);
#   - two monitors that audit the log, cosign it as tlog-witnesses and gossip
#     with each other: monitor A reads the log over gRPC, monitor B from its
#     tiles (docs/MONITOR.md §1.1);
#   - a read replica (log_server --replica, docs/REPLICAS.md): it follows the
#     log's tiles and sealed private bundles, verifies every epoch (and both
#     monitors' cosignatures) and answers the log's read calls; updates go to
#     the log.
# On a fresh Debian 12 machine it installs what is missing (the run-time set
# of scripts/install_deps.sh), builds (-c opt) and makes keys on first run.
# Everything lives under one directory, reused when run again. Services run
# until Ctrl-C, which stops them all cleanly.
#
#   scripts/start.sh [--story | --no-story] [--reset] [--help]
#     --story     tell the story again (it is told by itself only the first time)
#     --no-story  not even the first time
#     --reset     delete the directory's keys and data first: a new deployment
# The story's last step makes monitor A flag the log (its key signed a
# fork), after which the log publishes nothing new; for a deployment to try
# things on, start one with --reset --no-story.
#
# Environment:
#   KEYTRAIL_HOME     the directory (default: ./keytrail-home)
#   KEYTRAIL_PORTS    eight loopback ports: log gRPC, monitor A gRPC, monitor A
#                     HTTP, monitor B gRPC, monitor B HTTP, log tiles HTTP,
#                     replica gRPC, replica /metrics HTTP (default:
#                     8090,8091,8092,8093,8094,8095,8096,8097; with five, six
#                     or seven, the rest are the defaults)
#   KEYTRAIL_BIN_DIR  a directory with prebuilt log_server, monitor and
#                     keytrail binaries: no install, no build (tests use it)
set -euo pipefail
cd "$(dirname "$0")/.."

STORY=0
RESET=0
for arg in "$@"; do
  case "$arg" in
    --story) STORY=1 ;;
    --no-story) STORY=-1 ;;
    --reset) RESET=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "start: unknown argument $arg (see --help)" >&2; exit 2 ;;
  esac
done

HOME_DIR="${KEYTRAIL_HOME:-$PWD/keytrail-home}"
IFS=, read -r LOG_PORT A_GRPC A_HTTP B_GRPC B_HTTP TILES_PORT R_GRPC R_METRICS EXTRA \
  <<<"${KEYTRAIL_PORTS:-8090,8091,8092,8093,8094,8095,8096,8097}"
TILES_PORT="${TILES_PORT:-8095}"
R_GRPC="${R_GRPC:-8096}"
R_METRICS="${R_METRICS:-8097}"
for p in "$LOG_PORT" "$A_GRPC" "$A_HTTP" "$B_GRPC" "$B_HTTP" "$TILES_PORT" "$R_GRPC" \
  "$R_METRICS"; do
  [[ "$p" =~ ^[0-9]+$ ]] || { echo "start: KEYTRAIL_PORTS needs five to eight port numbers" >&2; exit 2; }
done
[ -z "${EXTRA:-}" ] || { echo "start: KEYTRAIL_PORTS needs five to eight port numbers" >&2; exit 2; }
ORIGIN="keytrail.localhost/log"

if [ -n "${KEYTRAIL_BIN_DIR:-}" ]; then
  BIN="$KEYTRAIL_BIN_DIR"
else
  scripts/install_deps.sh --run
  echo "start: building (-c opt; the first build takes a while)"
  bazel build -c opt //log_server //monitor //cli:keytrail >/dev/null 2>&1 ||
    bazel build -c opt //log_server //monitor //cli:keytrail
  BIN_ROOT="$(bazel info -c opt bazel-bin 2>/dev/null)"
  BIN="$HOME_DIR/bin"
  mkdir -p "$BIN"
  # Copies, so that a later build can't change what this deployment runs.
  cp -f "$BIN_ROOT/log_server/log_server" "$BIN_ROOT/monitor/monitor" "$BIN_ROOT/cli/keytrail" "$BIN/"
fi
KEYTRAIL="$BIN/keytrail"
for b in log_server monitor keytrail; do
  [ -x "$BIN/$b" ] || { echo "start: no $BIN/$b" >&2; exit 1; }
done

if [ "$RESET" = 1 ] && [ -d "$HOME_DIR" ]; then
  echo "start: --reset: deleting the keys and data in $HOME_DIR"
  rm -rf "$HOME_DIR/keys" "$HOME_DIR/log" "$HOME_DIR/private" "$HOME_DIR/replica" \
    "$HOME_DIR/monitor-a" "$HOME_DIR/monitor-b" "$HOME_DIR/run" "$HOME_DIR/story" \
    "$HOME_DIR/story.told"
fi

# ---- Keys (first run) ----
mkdir -p "$HOME_DIR/keys" "$HOME_DIR/run" "$HOME_DIR/logs"
chmod 700 "$HOME_DIR" "$HOME_DIR/keys"
K="$HOME_DIR/keys"
FIRST=0
[ -f "$K/note.key" ] || FIRST=1
keygen() { "$KEYTRAIL" keygen "$@" >/dev/null; }
[ -f "$K/note.key" ] || keygen note "$ORIGIN" "$K/note.key" "$K/note.pub"
[ -f "$K/vrf.key" ] || keygen vrf "$ORIGIN" "$K/vrf.key" "$K/vrf.pub"
[ -f "$K/write.token" ] || keygen token "$K/write.token"
# Seals the log's private epoch bundles; the replica opens them with it. A
# log started by an older start.sh (data, no replica key) published no
# private bundles for its earlier epochs, so no replica could catch up with
# it: that deployment runs without one (--reset makes a new one).
REPLICA=1
if [ ! -f "$K/replica.key" ] && [ -d "$HOME_DIR/log" ]; then
  REPLICA=0
  echo "start: no read replica: this deployment's log predates it (start.sh --reset for one)"
fi
[ -f "$K/replica.key" ] || [ "$REPLICA" = 0 ] || keygen replica "$K/replica.key"
LOG_REPLICA_FLAGS=()
[ "$REPLICA" = 0 ] ||
  LOG_REPLICA_FLAGS=(--replica_key_file="$K/replica.key" --private_dir="$HOME_DIR/private")
for m in a b; do
  [ -f "$K/monitor-$m.key" ] || keygen cosigner "monitor.localhost/$m" "$K/monitor-$m.key" "$K/monitor-$m.pub"
done
NOTE_VKEY="$(cat "$K/note.pub")"
A_VKEY="$(cat "$K/monitor-a.pub")"
B_VKEY="$(cat "$K/monitor-b.pub")"

# ---- Monitor configuration (rewritten each start: the ports may change) ----
monitor_config() {  # NAME GRPC HTTP PEER_NAME PEER_VKEY PEER_HTTP READS_FROM
  mkdir -p "$HOME_DIR/monitor-$1"
  local source="  grpc_address: \"127.0.0.1:$LOG_PORT\""
  if [ "$7" = tiles ]; then
    # Entries, checkpoints and proofs from the public tiles; gRPC only for
    # the log's info (its max epoch age).
    source="  tiles_url: \"http://127.0.0.1:$TILES_PORT/\"
$source"
  fi
  cat >"$HOME_DIR/monitor-$1/monitor.textproto" <<EOF
# Written by scripts/start.sh (docs/MONITOR.md explains each field).
data_dir: "$HOME_DIR/monitor-$1/data"
cosigner_key_file: "$K/monitor-$1.key"
grpc_listen: "127.0.0.1:$2"
http_listen: "127.0.0.1:$3"
logs {
  origin: "$ORIGIN"
  note_verifier_key: "$NOTE_VKEY"
$source
  poll_interval_ms: 500
}
peers {
  name: "monitor.localhost/$4"
  cosigner_key: "$5"
  url: "http://127.0.0.1:$6/"
}
EOF
}
monitor_config a "$A_GRPC" "$A_HTTP" b "$B_VKEY" "$B_HTTP" grpc
monitor_config b "$B_GRPC" "$B_HTTP" a "$A_VKEY" "$A_HTTP" tiles

# ---- Start; Ctrl-C (or TERM) stops everything ----
PIDS=()
NAMES=()
DEMO=""
stop_all() {
  trap - INT TERM
  [ -n "$DEMO" ] && kill -TERM "$DEMO" 2>/dev/null && wait "$DEMO" 2>/dev/null
  echo
  echo "start: stopping ${NAMES[*]}"
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  local rc=0
  for i in "${!PIDS[@]}"; do
    if wait "${PIDS[$i]}"; then :; else
      echo "start: ${NAMES[$i]} exited with status $? (log: $HOME_DIR/logs/${NAMES[$i]}.log)" >&2
      rc=1
    fi
  done
  [ "$rc" = 0 ] && echo "start: all stopped"
  exit "$rc"
}
trap stop_all INT TERM

rm -f "$HOME_DIR"/run/*.port "$HOME_DIR"/run/*.pid
launch() {  # NAME BINARY ARGS...
  local name="$1"; shift
  "$@" >>"$HOME_DIR/logs/$name.log" 2>&1 &
  PIDS+=("$!")
  echo "$!" >"$HOME_DIR/run/$name.pid"
  NAMES+=("$name")
}
launch monitor-a "$BIN/monitor" --config="$HOME_DIR/monitor-a/monitor.textproto" \
  --port_file="$HOME_DIR/run/monitor-a.port" --http_port_file="$HOME_DIR/run/monitor-a.http.port"
launch monitor-b "$BIN/monitor" --config="$HOME_DIR/monitor-b/monitor.textproto" \
  --port_file="$HOME_DIR/run/monitor-b.port" --http_port_file="$HOME_DIR/run/monitor-b.http.port"
MONITORS="monitor.localhost/a=http://127.0.0.1:$A_HTTP/=$A_VKEY,monitor.localhost/b=http://127.0.0.1:$B_HTTP/=$B_VKEY"
# The log's epoch flags (their defaults, spelled out): the replica announces
# the same in GetLogInfo.
EPOCH_FLAGS=(--epoch_interval=1s --max_epoch_age=60s)
# The tiles (<data_dir>/tiles) are served over HTTP; the private bundles go
# beside them, never inside: only the replica reads them, from the disk.
launch log_server "$BIN/log_server" --listen="127.0.0.1:$LOG_PORT" --data_dir="$HOME_DIR/log" \
  --note_key="$K/note.key" --vrf_key="$K/vrf.key" --write_token_file="$K/write.token" \
  --monitors="$MONITORS" --required_cosignatures=2 --block_cache_mb=64 "${EPOCH_FLAGS[@]}" \
  --tiles_listen="127.0.0.1:$TILES_PORT" --tiles_port_file="$HOME_DIR/run/log_server.tiles.port" \
  "${LOG_REPLICA_FLAGS[@]}" --port_file="$HOME_DIR/run/log_server.port"
# When a service is gone: says so (`what` happened) with the end of its log,
# and stops the others.
stop_if_one_exited() {  # WHAT
  local i
  for i in "${!PIDS[@]}"; do
    if ! kill -0 "${PIDS[$i]}" 2>/dev/null; then
      echo "start: ${NAMES[$i]} $1; its log ($HOME_DIR/logs/${NAMES[$i]}.log) ends:" >&2
      tail -n 20 "$HOME_DIR/logs/${NAMES[$i]}.log" >&2
      stop_all
    fi
  done
}
# Each binary writes its port file once it serves.
wait_for() {  # PORT_FILE_NAME...
  local f
  for f in "$@"; do
    for _ in $(seq 1 600); do
      [ -s "$HOME_DIR/run/$f.port" ] && break
      stop_if_one_exited "did not start"
      sleep 0.1
    done
    [ -s "$HOME_DIR/run/$f.port" ] || { echo "start: $f did not come up within 60 s" >&2; stop_all; }
  done
}
wait_for log_server log_server.tiles
# The read replica, once the log has made its tiles directory (the replica
# refuses to start without it): its own RocksDB, serving only checkpoints
# both monitors cosigned (the log's --required_cosignatures=2, the apps'
# policy).
if [ "$REPLICA" = 1 ]; then
  launch replica "$BIN/log_server" --replica --listen="127.0.0.1:$R_GRPC" \
    --data_dir="$HOME_DIR/replica" --note_vkey="$K/note.pub" --vrf_key="$K/vrf.key" \
    --replica_key_file="$K/replica.key" --tiles_dir="$HOME_DIR/log/tiles" \
    --private_dir="$HOME_DIR/private" --primary="127.0.0.1:$LOG_PORT" \
    --cosigner_vkeys="$A_VKEY,$B_VKEY" --required_cosignatures=2 --block_cache_mb=64 \
    "${EPOCH_FLAGS[@]}" --metrics_listen="127.0.0.1:$R_METRICS" \
    --metrics_port_file="$HOME_DIR/run/replica.metrics.port" --port_file="$HOME_DIR/run/replica.port"
fi
wait_for monitor-a monitor-a.http monitor-b monitor-b.http
[ "$REPLICA" = 0 ] || wait_for replica replica.metrics

REPLICA_LINES=""
if [ "$REPLICA" = 1 ]; then
  REPLICA_LINES="  replica      127.0.0.1:$R_GRPC (gRPC)   http://127.0.0.1:$R_METRICS/metrics   a read replica:
               lookups and proofs may go here (updates go to the log), e.g.
               $KEYTRAIL checkpoint --server=127.0.0.1:$R_GRPC
"
fi
cat <<MSG
start: keytrail is running on loopback (data in $HOME_DIR):
  log server   127.0.0.1:$LOG_PORT (gRPC)   log "$ORIGIN", key $NOTE_VKEY
  log's tiles  http://127.0.0.1:$TILES_PORT/checkpoint (C2SP tlog-tiles; /metrics)
  monitor A    127.0.0.1:$A_GRPC (gRPC)   status page http://127.0.0.1:$A_HTTP/   reads the log over gRPC
  monitor B    127.0.0.1:$B_GRPC (gRPC)   status page http://127.0.0.1:$B_HTTP/   reads the log from its tiles
$REPLICA_LINES  keys         $K      logs  $HOME_DIR/logs
  try:  $KEYTRAIL monitor status --server=127.0.0.1:$A_GRPC
        $KEYTRAIL info --server=127.0.0.1:$LOG_PORT
MSG

# After the story: a new app pins the log at the replica (both monitors'
# cosignatures required, as Alice's and Bob's apps do) and looks Alice and
# Bob up there in one BatchLookup (a group chat's members), verified, once the replica serves the log's checkpoint (it polls
# the tiles every second; it answers UNAVAILABLE before its first verified
# checkpoint). After the story's last step the log gathers no more
# cosignatures, so that stays the last checkpoint before monitor A flagged it.
read_through_replica() {  # APP_DIR
  local alice bob log_cp replica_cp i
  alice="$(grep -o -m1 'alice\.[0-9a-f]*' "$HOME_DIR/logs/story.out" || true)"
  bob="$(grep -o -m1 'bob\.[0-9a-f]*' "$HOME_DIR/logs/story.out" || true)"
  [ -n "$alice" ] && [ -n "$bob" ] ||
    { echo "start: no accounts of Alice's and Bob's in the story's output" >&2; return; }
  echo "start: a new app reads Alice's and Bob's accounts through the replica in one BatchLookup (127.0.0.1:$R_GRPC)"
  for i in $(seq 1 30); do
    # The notes' bodies (origin, size, root); their cosignatures may differ.
    log_cp="$("$KEYTRAIL" checkpoint --server="127.0.0.1:$LOG_PORT" 2>&1 | sed -n 1,3p || true)"
    replica_cp="$("$KEYTRAIL" checkpoint --server="127.0.0.1:$R_GRPC" 2>&1 | sed -n 1,3p || true)"
    [[ "$log_cp" = "$replica_cp" && "$replica_cp" = "$ORIGIN"$'\n'* ]] && break
    sleep 1
  done
  if [[ "$log_cp" != "$replica_cp" || "$replica_cp" != "$ORIGIN"$'\n'* ]]; then
    echo "start: the replica did not catch up with the log within 30 s; it says:" >&2
    echo "$replica_cp" | sed 's/^/  /' >&2
    return
  fi
  rm -rf "$1"
  if "$KEYTRAIL" app pin --dir="$1" --server="127.0.0.1:$R_GRPC" \
    --monitor_keys="$A_VKEY,$B_VKEY" >"$HOME_DIR/logs/reader.out" 2>&1 &&
    "$KEYTRAIL" app lookup --dir="$1" --accounts="$alice,$bob" >>"$HOME_DIR/logs/reader.out" 2>&1; then
    sed 's/^/  /' "$HOME_DIR/logs/reader.out"
  else
    echo "start: reading through the replica failed:" >&2
    sed 's/^/  /' "$HOME_DIR/logs/reader.out" >&2
  fi
}

if { [ "$FIRST" = 1 ] && [ "$STORY" != -1 ]; } || [ "$STORY" = 1 ]; then
  if [ -f "$HOME_DIR/story.told" ]; then
    echo "start: the story was told here before: its last step made monitor A flag this log"
    echo "       for good, so the log can no longer gather both cosignatures. To tell it again,"
    echo "       start a new deployment: scripts/start.sh --reset --story"
  else
    STORY_DIR="$HOME_DIR/story"
    rm -rf "$STORY_DIR"
    echo "start: telling the story (keytrail demo; Alice's and Bob's apps in $STORY_DIR)"
    "$KEYTRAIL" demo --server="127.0.0.1:$LOG_PORT" --token_file="$K/write.token" \
      --note_key="$K/note.key" --work_dir="$STORY_DIR" \
      --monitors="127.0.0.1:$A_GRPC=http://127.0.0.1:$A_HTTP=$A_VKEY,127.0.0.1:$B_GRPC=http://127.0.0.1:$B_HTTP=$B_VKEY" \
      </dev/null > >(tee "$HOME_DIR/logs/story.out") &
    # In the background so that Ctrl-C reaches the trap (which stops it too).
    DEMO=$!
    if wait "$DEMO"; then
      touch "$HOME_DIR/story.told"
      echo "start: the story is told; monitor A now flags this log (see its status page)."
      [ "$REPLICA" = 0 ] || read_through_replica "$STORY_DIR/reader"
    else
      echo "start: the story did not go as told (above); the services keep running." >&2
    fi
    DEMO=""
  fi
fi

echo "start: services running; Ctrl-C stops them"
# Waits until a service exits by itself (or Ctrl-C runs the trap).
while true; do
  stop_if_one_exited "exited"
  sleep 1 &
  wait $! || true
done
