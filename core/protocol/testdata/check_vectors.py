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
def u64(v): return struct.pack(">Q", v)
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


# ---- Key set signatures (PROTOCOL.md, "Key set") ----

KS_CONTEXT = b"keytrail key-set v1\x00"


def parse_key_set(ks):
    """Returns (account_key or None, [(id, key)], signature) of a canonical
    key set, walking it field by field as PROTOCOL.md lays it out."""
    assert ks[0] == 1, "format"
    has_key = ks[1]
    assert has_key in (0, 1)
    pos = 2
    account_key = None
    if has_key:
        account_key = ks[pos:pos + 32]
        pos += 32
    count = struct.unpack(">H", ks[pos:pos + 2])[0]
    pos += 2
    devices = []
    for _ in range(count):
        n = ks[pos]
        device_id = ks[pos + 1:pos + 1 + n]
        pos += 1 + n
        n = struct.unpack(">H", ks[pos:pos + 2])[0]
        devices.append((device_id, ks[pos + 2:pos + 2 + n]))
        pos += 2 + n
    assert [d[0] for d in devices] == sorted(d[0] for d in devices)
    signature = ks[pos:pos + 64] if has_key else b""
    pos += len(signature)
    assert pos == len(ks), "trailing bytes"
    return account_key, devices, signature


def ks_message(account, version, account_key, devices):
    body = b"\x01\x01" + account_key + u16(len(devices))
    for device_id, key in devices:
        body += bytes([len(device_id)]) + device_id + opaque16(key)
    return KS_CONTEXT + opaque16(account) + u64(version) + body


def check_key_set_signatures():
    try:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric import ed25519
        from cryptography.hazmat.primitives import serialization
    except ImportError:
        fail("the `cryptography` package is needed for Ed25519")
    with open(os.path.join(HERE, "key_set_signature_vectors.json")) as f:
        v = json.load(f)
    if bytes.fromhex(v["context"]) != KS_CONTEXT:
        fail("context")
    for i, t in enumerate(v["vectors"]):
        account = bytes.fromhex(t["account"])
        key_set = bytes.fromhex(t["key_set"])
        account_key, devices, signature = parse_key_set(key_set)
        message = ks_message(account, t["version"], account_key, devices)
        if message.hex() != t["message"]:
            fail("vectors[%d].message (%s)" % (i, t["name"]))
        public = ed25519.Ed25519PublicKey.from_public_bytes(account_key)
        try:
            public.verify(signature, message)
            valid = True
        except InvalidSignature:
            valid = False
        if valid != t["valid"]:
            fail("vectors[%d].valid (%s): want %s" % (i, t["name"], valid))
        seed_key = ed25519.Ed25519PrivateKey.from_private_bytes(
            bytes.fromhex(t["seed"]))
        raw = seed_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if raw != account_key:
            fail("vectors[%d]: account key is not the seed's" % i)
        # Ed25519 is deterministic: a valid signature is exactly the seed's.
        if valid and seed_key.sign(message) != signature:
            fail("vectors[%d].signature (%s)" % (i, t["name"]))
    print("key_set_signature_vectors.json: %d vectors OK" % len(v["vectors"]))


if __name__ == "__main__":
    check_verification_codes()
    check_key_set_signatures()
