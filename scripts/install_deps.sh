#!/usr/bin/env bash
# Installs what keytrail builds and tests with, from Debian 12's archive.
# Idempotent: when everything is present it only checks (a few seconds).
#   scripts/install_deps.sh         everything (build, tests, interop, fuzzing)
#   scripts/install_deps.sh --run   only what building and running needs
#                                   (scripts/start.sh): no test-only packages
set -euo pipefail

RUN_PACKAGES=(
  # build
  bazel-bootstrap bazel-bootstrap-source g++ pkg-config openssl
  # libraries (nlohmann-json3-dev: the keytrail tool's --json)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev android-libboringssl-dev libcpp-httplib-dev
  nlohmann-json3-dev
)
PACKAGES=(
  "${RUN_PACKAGES[@]}"
  # tests and benchmarks (chromium: the monitor status page's browser test)
  libgtest-dev googletest libbenchmark-dev curl chromium
  # sanitizers and fuzzing (--config=asan, --config=fuzz): clang with libFuzzer
  clang-14 libclang-rt-14-dev
  # independent implementations the interop tests check against
  golang-go golang-golang-x-mod-dev python3-grpcio python3-grpc-tools
)

if [ "${1:-}" = "--run" ]; then PACKAGES=("${RUN_PACKAGES[@]}"); fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install_deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
echo "install_deps: installing ${missing[*]}"
# The package lists start empty or stale on a fresh machine.
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install_deps: done"
