#!/usr/bin/env python3
"""Golden values for core/map/memory_map_test.cc, computed independently of
the C++ code: a direct transcription of docs/PROTOCOL.md ("Map", "Map proof")
using only hashlib.

The map: five leaves named "a".."e", leaf i (0-based) with
  index   = SHA-256(name)
  version = i + 1
  head    = SHA-256("head " + name)

Prints the root and the encoded proofs for every leaf and for a few absent
indexes (SHA-256 of "f", "g", ...: the first whose terminal is empty and the
first whose terminal is another leaf). Run: python3 map_golden.py
"""
import hashlib


def H(b):
    return hashlib.sha256(b).digest()


def bit(index, i):
    return (index[i // 8] >> (7 - i % 8)) & 1


def map_leaf(leaf):
    index, version, head = leaf
    return index + version.to_bytes(8, "big") + head


def leaf_hash(leaf):
    return H(b"\x10" + map_leaf(leaf))


def map_hash(leaves, d):
    if not leaves:
        return bytes(32)
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    s0 = [l for l in leaves if bit(l[0], d) == 0]
    s1 = [l for l in leaves if bit(l[0], d) == 1]
    return H(b"\x11" + map_hash(s0, d + 1) + map_hash(s1, d + 1))


def prove(leaves, y):
    """Returns (terminal, siblings, other_leaf)."""
    siblings, sub, d = [], leaves, 0
    while len(sub) > 1:
        b = bit(y, d)
        siblings.append(map_hash([l for l in sub if bit(l[0], d) != b], d + 1))
        sub = [l for l in sub if bit(l[0], d) == b]
        d += 1
    if not sub:
        return 0, siblings, None
    if sub[0][0] == y:
        return 1, siblings, None
    return 2, siblings, sub[0]


def encode_proof(terminal, siblings, other):
    d = len(siblings)
    out = bytes([1, terminal]) + d.to_bytes(2, "big")
    if terminal == 2:
        out += map_leaf(other)
    bitmap = bytearray((d + 7) // 8)
    for i, s in enumerate(siblings):
        if s == bytes(32):
            bitmap[i // 8] |= 0x80 >> (i % 8)
    out += bytes(bitmap)
    for s in siblings:
        if s != bytes(32):
            out += s
    return out


def main():
    names = ["a", "b", "c", "d", "e"]
    leaves = [(H(n.encode()), i + 1, H(("head " + n).encode()))
              for i, n in enumerate(names)]
    print("root", map_hash(leaves, 0).hex())
    for n, leaf in zip(names, leaves):
        print("proof", n, encode_proof(*prove(leaves, leaf[0])).hex())
    wanted = {0: None, 2: None}
    for c in "fghijklmnopqrstuvwxyz":
        t, sibs, other = prove(leaves, H(c.encode()))
        if t in wanted and wanted[t] is None:
            wanted[t] = c
            print("absent", c, "terminal", t,
                  encode_proof(t, sibs, other).hex())
        if all(wanted.values()):
            break


if __name__ == "__main__":
    main()
