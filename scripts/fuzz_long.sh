#!/usr/bin/env bash
# The long fuzzing runs of docs/FUZZING.md: each target in turn, at the
# lowest CPU priority, for a fixed number of executions, from its committed
# seed corpus. Results go to $OUT (default /tmp/keytrail-fuzz): one log per
# target, new corpus inputs, and any crash input.
#
#   bazel build --config=fuzz //fuzz:all
#   mkdir -p /tmp/keytrail-fuzz/bin && cp bazel-bin/fuzz/*_fuzzer /tmp/keytrail-fuzz/bin/
#   scripts/fuzz_long.sh [runs] [target...]
#
# Binaries are taken from $OUT/bin (copied out of bazel-bin first, so that
# builds in other configurations cannot replace them mid-run).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT="${OUT:-/tmp/keytrail-fuzz}"
runs="${1:-10000000}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(bytes_reader_fuzzer entry_fuzzer map_proof_fuzzer checkpoint_fuzzer
           key_file_fuzzer key_set_fuzzer note_fuzzer cosignature_fuzzer
           key_string_fuzzer lookup_fuzzer history_fuzzer add_checkpoint_fuzzer
           evidence_fuzzer monitor_config_fuzzer verifier_state_fuzzer)
fi
for t in "${targets[@]}"; do
  mkdir -p "$OUT/corpus/$t" "$OUT/artifacts/$t"
  echo "$(date -u +%FT%TZ) start $t runs=$runs" >>"$OUT/summary.log"
  start=$(date +%s)
  nice -n 19 "$OUT/bin/$t" -runs="$runs" -timeout=25 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$OUT/artifacts/$t/" \
    "$OUT/corpus/$t" "fuzz/corpus/$t" >"$OUT/$t.log" 2>&1
  rc=$?
  end=$(date +%s)
  execs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$OUT/$t.log" | grep -oE "[0-9]+$")
  echo "$(date -u +%FT%TZ) done $t rc=$rc execs=${execs:-?} seconds=$((end - start))" >>"$OUT/summary.log"
done
