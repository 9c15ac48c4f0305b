#!/usr/bin/env bash
# Installs what keytrail builds and tests with, from Debian 12's archive.
# Idempotent: when everything is present it only checks (a few seconds).
#   scripts/install_deps.sh                  everything but Ceph (build, tests,
#                                            interop, fuzzing)
#   scripts/install_deps.sh --run            only what building and running
#                                            needs (scripts/start.sh): no
#                                            test-only packages
#   scripts/install_deps.sh --with-s3-tests  everything and Ceph's radosgw, the
#                                            real S3 server the S3 tile store's
#                                            tests start (scripts/test.sh's s3
#                                            stage; ~2 min and ~500 MB the log
#                                            never needs)
set -euo pipefail

RUN_PACKAGES=(
  # build
  bazel-bootstrap bazel-bootstrap-source g++ pkg-config openssl
  # libraries (nlohmann-json3-dev: the keytrail tool's --json; libmicrohttpd and
  # libcurl: core/http's server and client)
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libabsl-dev libssl-dev android-libboringssl-dev libcpp-httplib-dev
  libmicrohttpd-dev libcurl4-openssl-dev nlohmann-json3-dev
)
PACKAGES=(
  "${RUN_PACKAGES[@]}"
  # tests and benchmarks (chromium: the monitor status page's browser test)
  libgtest-dev googletest libbenchmark-dev curl chromium
  # static serving of the published tiles (log_server:tiles_nginx_test)
  nginx-light
  # sanitizers and fuzzing (--config=asan, --config=fuzz): clang with libFuzzer
  clang-14 libclang-rt-14-dev
  # independent implementations the interop tests check against
  golang-go golang-golang-x-mod-dev python3-grpcio python3-grpc-tools
)

# Test-only: a single-node Ceph cluster with radosgw (testing/radosgw.h).
# Without recommends: ceph-mgr and friends are not needed.
S3_TEST_PACKAGES=(ceph-mon ceph-osd radosgw ceph-common)
for arg in "$@"; do
  case "$arg" in
    --run) PACKAGES=("${RUN_PACKAGES[@]}") ;;
    --with-s3-tests) PACKAGES+=("${S3_TEST_PACKAGES[@]}") ;;
    *) echo "install_deps: unknown argument $arg" >&2; exit 2 ;;
  esac
done

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
