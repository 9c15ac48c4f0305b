#!/bin/bash
# Interoperability: a checkpoint cosigned by keytrail's monitor (witness)
# opens with Go's golang.org/x/mod/sumdb/note under the log's key, and its
# tlog-cosignature/v1 line verifies with Go's crypto/ed25519 from the spec
# alone. See interop/README.md and interop/open_cosigned.go.
set -euo pipefail

die() {
  echo "cosigned_checkpoint_test: FAIL: $*" >&2
  exit 1
}

if [[ -n "${TEST_SRCDIR:-}" && -d "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}" ]]; then
  cd "${TEST_SRCDIR}/${TEST_WORKSPACE:-keytrail}"
fi
TMP="${TEST_TMPDIR:?run me with bazel test //interop:cosigned_checkpoint_test}"
GO="$(command -v go || echo /usr/bin/go)"
GOCODE=/usr/share/gocode
[[ -x "$GO" ]] || die "no go toolchain: install golang-go (scripts/install_deps.sh)"
[[ -d "$GOCODE/src/golang.org/x/mod/sumdb/note" ]] ||
  die "no $GOCODE/src/golang.org/x/mod/sumdb: install golang-golang-x-mod-dev (scripts/install_deps.sh)"

mkdir -p "$TMP/out" "$TMP/home" "$TMP/gocache"
monitor/witness_interop_fixture "$TMP/out" || die "the fixture failed"
HOME="$TMP/home" GOCACHE="$TMP/gocache" GOPATH="$GOCODE" GO111MODULE=off GOFLAGS= GOPROXY=off CGO_ENABLED=0 \
  "$GO" run interop/open_cosigned.go "$TMP/out" || die "Go could not check the cosigned checkpoint"
