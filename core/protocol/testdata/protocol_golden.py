#!/usr/bin/env python3
"""Golden values for //core/protocol tests, from an implementation that shares
no code with keytrail: Python's hashlib, hmac and struct, following
docs/PROTOCOL.md directly.

Run: python3 core/protocol/testdata/protocol_golden.py
and paste the output into the tests named in each line. Key set signatures
and verification codes have vector files of their own, recomputed by
check_vectors.py.
"""
import hashlib
import hmac
import struct


def u8(v): return struct.pack(">B", v)
def u16(v): return struct.pack(">H", v)
def u64(v): return struct.pack(">Q", v)
def opaque8(b): assert len(b) < 256; return u8(len(b)) + b
def opaque16(b): assert len(b) < 65536; return u16(len(b)) + b


COMMITMENT_KEY = hashlib.sha256(b"keytrail commitment key v1").digest()
assert COMMITMENT_KEY.hex() == (
    "ddbfa8ee9abf43bc6562fa88c8977c295be5dbff0a0bd528795bd7fe624d9fa0")


def key_set(account_key, devices, signature=b""):
    """devices: list of (id, key); sorted here like the spec says. With an
    account key, the key set's 64-byte signature comes after every device."""
    out = u8(1) + u8(1 if account_key is not None else 0)
    if account_key is not None:
        out += account_key
    out += u16(len(devices))
    for device_id, key in sorted(devices):
        out += opaque8(device_id) + opaque16(key)
    if account_key is not None:
        assert len(signature) == 64
        out += signature
    return out


def commit(opening, account, version, ks):
    msg = opaque8(opening) + opaque16(account) + u64(version) + ks
    return hmac.new(COMMITMENT_KEY, msg, hashlib.sha256).digest()


def chain_head(previous, version, epoch, commitment):
    return hashlib.sha256(
        b"\x20" + previous + u64(version) + u64(epoch) + commitment).digest()


def leaf_hash(entry):
    return hashlib.sha256(b"\x00" + entry).digest()


def show(name, b):
    print(f"{name} = {b.hex()}")


# The small key sets the tests also write out by hand.
ks_plain = key_set(None, [(b"phone", b"\x01\x02\x03"), (b"laptop", b"\xaa\xbb")])
ks_signed = key_set(b"\xaa" * 32, [(b"tab", b"\x0f")], b"\x5a" * 64)
ks_empty = key_set(None, [])
show("key_set_plain", ks_plain)
show("key_set_signed", ks_signed)
show("key_set_empty", ks_empty)

# commitment_test: Golden*.
c1 = commit(bytes(range(32)), b"alice@example.com", 1, ks_plain)
c2 = commit(b"\xff" * 64, b"\x00" * 256, 2**64 - 1, ks_empty)
c3 = commit(bytes(range(16)), b"b", 2, ks_signed)
show("commit(00..1f, alice@example.com, 1, key_set_plain)", c1)
show("commit(ff*64, 00*256, 2^64-1, key_set_empty)", c2)
show("commit(00..0f, b, 2, key_set_signed)", c3)

# chain_test: Golden*.
head0 = b"\x00" * 32
head1 = chain_head(head0, 1, 7, c1)
head2 = chain_head(head1, 2, 0x0102030405060708, c3)
show("head1 = chain_head(zeros, 1, 7, c1)", head1)
show("head2 = chain_head(head1, 2, 0x0102030405060708, c3)", head2)

# entry_test: the golden entries and their RFC 6962 leaf hashes.
update = (u8(1) + u8(1) + b"\x11" * 32 + u64(258) + u64(5) + b"\x22" * 32)
epoch = (u8(1) + u8(2) + u64(5) + u64(1700000000000) + b"\x33" * 32 + u64(2))
assert len(update) == 82 and len(epoch) == 58
show("update_entry", update)
show("epoch_entry", epoch)
show("leaf_hash(update_entry)", leaf_hash(update))
show("leaf_hash(epoch_entry)", leaf_hash(epoch))
