#!/usr/bin/env bash
# Runs every keytrail test, each in at least one of three stages:
#  1. openssl: everything outside core/, verifier/ and log_server/ (monitor,
#     cli, interop, testing, the benchmarks' build) against OpenSSL 3, plus
#     the two tests whose checks are ordinary-build only (the history paging
#     RSS bound, the verifier's Python ctypes test);
#  2. boringssl: the whole tree against BoringSSL (--config=boringssl skips
#     the targets that link gRPC: in effect the core and the verifier library);
#  3. sanitized: one clang-14 build with ASan + UBSan (--config=fuzz) of the
#     core, verifier and log_server tests (against OpenSSL 3) and every fuzz
#     target for a short fixed number of runs (each //fuzz:<name>_smoke test
#     replays its seed corpus and runs 2,000 inputs).
#  4. s3: the tests that start Ceph's radosgw, a real S3 server (tag
#     "radosgw": testing/radosgw, the S3 tile store, the log server
#     publishing to S3), unsanitized at --config=ci. The other stages leave
#     them out. Its own stage because it costs a Ceph install (~2 min on a
#     fresh machine, ~500 MB; scripts/install_deps.sh --with-s3-tests runs
#     just before it) and ~20 s per radosgw start (docs/FUZZING.md, "CI
#     time"). `scripts/test.sh --no-s3` runs the first three stages only
#     (for a CI job that runs the s3 stage apart: `scripts/test.sh --only-s3`).
# The core/, verifier/ and log_server/ tests are not run a second time
# unsanitized against OpenSSL: stage 3 runs them with more checks. Every
# stage uses --config=ci (.bazelrc): -O0 except the CPU-bound map, Merkle and
# crypto code, because compiling gRPC-heavy code is most of CI's time
# (docs/FUZZING.md, "CI time"). The monitor's
# tests under ASan are run by hand (docs/FUZZING.md, "Sanitized test suite"):
#   bazel test --config=asan //core/... //verifier/... //log_server/... //monitor/...
# Installs what is missing first (Ceph only for stage 4).
# Ends with one line "N passed, N failed", counting test targets per run.
set -uo pipefail
cd "$(dirname "$0")/.."

stages="main s3"
case "${1:-}" in
  "") ;;
  --no-s3) stages="main" ;;
  --only-s3) stages="s3" ;;
  *) echo "usage: scripts/test.sh [--no-s3 | --only-s3]" >&2; exit 2 ;;
esac

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
  # CI keeps only this script's output: show the end of each failed test's
  # log, so a failure seen only there can be diagnosed.
  grep -oE "^(FAIL|TIMEOUT): //[^ ]+ \(see [^)]+\)" "$log" | sed -E 's/.*\(see ([^)]+)\)/\1/' |
    while read -r testlog; do
      echo "-- end of $testlog:"
      tail -n 60 "$testlog" 2>/dev/null || true
    done
  passed=$((passed + p))
  failed=$((failed + f))
  rm -f "$log"
}

if [[ " $stages " == *" main "* ]]; then
  run openssl --config=ci --test_tag_filters=-radosgw -- //... -//core/... -//verifier/... \
    -//log_server/... //log_server:history_paging_e2e_test //verifier:keytrail_verifier_py_test
  run boringssl --config=ci --config=boringssl --test_tag_filters=-radosgw //...
  run sanitized --config=ci --config=fuzz --test_tag_filters=-radosgw -- //core/... //verifier/... \
    //log_server/... //fuzz/...
fi
if [[ " $stages " == *" s3 "* ]]; then
  s3_start=$(date +%s)
  if scripts/install_deps.sh --with-s3-tests; then
    echo "== s3: Ceph present after $(( $(date +%s) - s3_start )) s"
    run s3 --config=ci --test_tag_filters=radosgw --build_tests_only -- //...
  else
    echo "-- s3: installing Ceph failed"
    failed=$((failed + 1))
  fi
fi

echo "${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
