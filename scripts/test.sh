#!/usr/bin/env bash
# Runs every keytrail test: the whole tree against OpenSSL 3, then the shared
# core and the verifier library against BoringSSL (--config=boringssl skips
# the targets that link gRPC), then, from one sanitized build (clang-14, ASan
# + UBSan, --config=fuzz), the core and verifier library tests and every fuzz
# target for a short fixed number of runs (each //fuzz:<name>_smoke test
# replays its seed corpus and runs 2,000 inputs).
# The sanitized stage leaves out the tests that start the gRPC log server:
# compiling gRPC-heavy code with clang again would double CI's time. The
# whole sanitized suite (log_server/ and monitor/ too) is run by hand:
#   bazel test --config=asan //core/... //verifier/... //log_server/... //monitor/...
# (docs/FUZZING.md records its last results).
# Installs what is missing first.
# Ends with one line "N passed, N failed", counting test targets per run.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh || { echo "0 passed, 1 failed (dependency install)"; exit 1; }

passed=0
failed=0
run() {
  local name="$1"; shift
  local log
  log=$(mktemp)
  echo "== bazel test $* ($name)"
  bazel test --test_summary=short "$@" 2>&1 | tee "$log" | grep -E "^(//|INFO: Build|ERROR|FAIL|Executed)" || true
  local p f
  p=$(grep -cE "^//.* PASSED" "$log" || true)
  f=$(grep -cE "^//.* (FAILED|TIMEOUT|NO STATUS|INCOMPLETE|FLAKY)" "$log" || true)
  if ! grep -q "^INFO: Build completed successfully" "$log" && [ "$f" -eq 0 ]; then
    # The build itself failed before any test could run.
    echo "-- build failed ($name):"
    grep -E "error|ERROR" "$log" | head -30
    f=$((f + 1))
  fi
  passed=$((passed + p))
  failed=$((failed + f))
  rm -f "$log"
}

run openssl //...
run boringssl --config=boringssl //...
run sanitized --config=fuzz -- //core/... //verifier/... //fuzz/... \
  -//verifier:verifier_e2e_test -//verifier/example/...

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
