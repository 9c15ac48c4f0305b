#!/usr/bin/env bash
# Runs one libFuzzer binary briefly: every seed in its corpus, then $3 more
# generated inputs. New inputs go to a scratch directory, never the source
# tree. Fails on any crash, leak, sanitizer report or timeout.
set -euo pipefail
fuzzer="$1"
corpus="$2"
runs="$3"
scratch="${TEST_TMPDIR:-$(mktemp -d)}/corpus"
mkdir -p "$scratch"
seeds=()
[ -d "$corpus" ] && seeds+=("$corpus")
exec "$fuzzer" -runs="$runs" -max_total_time=120 -timeout=10 \
  -artifact_prefix="${TEST_UNDECLARED_OUTPUTS_DIR:-$scratch}/" \
  "$scratch" "${seeds[@]}"
