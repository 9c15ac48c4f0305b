#!/usr/bin/env python3
"""Recomputes the vector files in this directory from docs/PROTOCOL.md alone,
with code that shares nothing with keytrail's C++: Python's hashlib and
struct (and, for Ed25519 signatures, the `cryptography` package).

keytrail's make_*_vectors binaries wrote the files; this script checks every
derived value in them and exits non-zero on the first mismatch.

Run: python3 core/protocol/testdata/check_vectors.py
(or bazel test //core/protocol/testdata:check_vectors)
"""
import hashlib
import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def u16(v): return struct.pack(">H", v)
def opaque16(b): assert len(b) < 65536; return u16(len(b)) + b


def fail(msg):
    print("MISMATCH: " + msg)
    sys.exit(1)


# ---- Verification codes (PROTOCOL.md, "Verification codes") ----

VC_CONTEXT = b"keytrail verification code v1\x00"
VC_ITERATIONS = 5200


def vc_identity(key_set):
    assert key_set[0] == 1, "key set format"
    if key_set[1] == 1:
        return b"\x01" + key_set[2:34]
    assert key_set[1] == 0 and len(key_set) > 4, "keyless, not empty"
    return b"\x02" + key_set


def vc_half(account, key_set):
    seed = hashlib.sha256(VC_CONTEXT + opaque16(account) +
                          vc_identity(key_set)).digest()
    h = seed
    for _ in range(VC_ITERATIONS):
        h = hashlib.sha256(h + seed).digest()
    return "".join("%05d" % (int.from_bytes(h[5 * g:5 * g + 5], "big") % 100000)
                   for g in range(6))


def check_verification_codes():
    with open(os.path.join(HERE, "verification_code_vectors.json")) as f:
        v = json.load(f)
    if v["iterations"] != VC_ITERATIONS:
        fail("iterations")
    halves = []
    for i, a in enumerate(v["accounts"]):
        account = bytes.fromhex(a["account"])
        key_set = bytes.fromhex(a["key_set"])
        if vc_identity(key_set).hex() != a["identity"]:
            fail("accounts[%d].identity" % i)
        half = vc_half(account, key_set)
        if half != a["code"]:
            fail("accounts[%d].code: want %s" % (i, half))
        halves.append(half)
    for i, p in enumerate(v["pairs"]):
        code = "".join(sorted([halves[p["a"]], halves[p["b"]]]))
        if code != p["code"]:
            fail("pairs[%d].code: want %s" % (i, code))
        display = " ".join(code[k:k + 5] for k in range(0, len(code), 5))
        if display != p["display"]:
            fail("pairs[%d].display" % i)
    print("verification_code_vectors.json: %d accounts, %d pairs OK" %
          (len(v["accounts"]), len(v["pairs"])))


if __name__ == "__main__":
    check_verification_codes()
