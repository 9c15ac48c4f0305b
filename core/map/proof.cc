#include "core/map/proof.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "core/bytes/reader.h"

namespace keytrail {
namespace map {
namespace {

constexpr uint8_t kFormat = 1;
constexpr absl::string_view kWhat = "map proof";

using Terminal = MapProof::Terminal;

bool ValidTerminal(Terminal t) {
  return t == Terminal::kEmpty || t == Terminal::kLeaf || t == Terminal::kOtherLeaf;
}

absl::Status Invalid(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(kWhat, ": ", what));
}

bool IsEmpty(const Hash& h) { return h == EmptyMapHash(); }

// The bitmap numbers its bits as indexes do: bit i is the mask below in
// byte i / 8.
uint8_t BitMask(size_t i) { return static_cast<uint8_t>(0x80u >> (i % 8)); }

}  // namespace

bool operator==(const MapProof& a, const MapProof& b) {
  if (a.terminal != b.terminal || a.siblings != b.siblings) return false;
  return a.terminal != Terminal::kOtherLeaf || a.other_leaf == b.other_leaf;
}

std::string EncodeMapProof(const MapProof& proof) {
  const size_t depth = proof.siblings.size();
  if (!ValidTerminal(proof.terminal) || depth > kMaxMapProofDepth) {
    std::abort();
  }
  ByteWriter w;
  w.U8(kFormat);
  w.U8(static_cast<uint8_t>(proof.terminal));
  w.U16(static_cast<uint16_t>(depth));
  if (proof.terminal == Terminal::kOtherLeaf) {
    w.Bytes(EncodeMapLeaf(proof.other_leaf));
  }
  std::string bitmap((depth + 7) / 8, '\0');
  for (size_t i = 0; i < depth; ++i) {
    if (IsEmpty(proof.siblings[i])) bitmap[i / 8] |= BitMask(i);
  }
  w.Bytes(bitmap);
  for (const Hash& sibling : proof.siblings) {
    if (!IsEmpty(sibling)) w.Array(sibling);
  }
  return w.Release();
}

absl::StatusOr<MapProof> DecodeMapProof(absl::string_view data) {
  ByteReader r(data);
  uint8_t format, terminal;
  uint16_t depth;
  if (!r.ReadU8(&format)) return TruncatedError(kWhat, "format");
  if (format != kFormat) {
    return Invalid(absl::StrCat("unknown format ", format));
  }
  if (!r.ReadU8(&terminal)) return TruncatedError(kWhat, "terminal");
  MapProof proof;
  proof.terminal = static_cast<Terminal>(terminal);
  if (!ValidTerminal(proof.terminal)) {
    return Invalid(absl::StrCat("unknown terminal ", terminal));
  }
  if (!r.ReadU16(&depth)) return TruncatedError(kWhat, "depth");
  if (depth > kMaxMapProofDepth) {
    return Invalid(absl::StrCat("depth ", depth, " exceeds ", kMaxMapProofDepth));
  }
  if (proof.terminal == Terminal::kOtherLeaf) {
    absl::string_view leaf;
    if (!r.ReadBytes(kMapLeafSize, &leaf)) {
      return TruncatedError(kWhat, "other_leaf");
    }
    absl::StatusOr<MapLeaf> decoded = DecodeMapLeaf(leaf);
    if (!decoded.ok()) return decoded.status();
    proof.other_leaf = *decoded;
  }
  absl::string_view bitmap;
  if (!r.ReadBytes((depth + 7) / 8, &bitmap)) {
    return TruncatedError(kWhat, "empty_bitmap");
  }
  if (depth % 8 != 0 && (static_cast<uint8_t>(bitmap.back()) & (0xffu >> (depth % 8))) != 0) {
    return Invalid("nonzero bitmap padding");
  }
  proof.siblings.resize(depth);  // all EmptyMapHash()
  for (size_t i = 0; i < depth; ++i) {
    if (static_cast<uint8_t>(bitmap[i / 8]) & BitMask(i)) continue;
    if (!r.ReadArray(&proof.siblings[i])) {
      return TruncatedError(kWhat, "siblings");
    }
    if (IsEmpty(proof.siblings[i])) {
      // Would decode to the same proof as the bitmap bit: a second spelling.
      return Invalid(
          absl::StrCat("sibling at depth ", i + 1, " is 32 zero bytes but not marked empty"));
    }
  }
  if (absl::Status s = r.Finish(kWhat); !s.ok()) return s;
  return proof;
}

absl::StatusOr<Hash> MapRootFromProof(const Hash& index, const MapLeaf* leaf,
                                      const MapProof& proof) {
  // Shape (PROTOCOL.md step 2, plus the inputs step 1 relies on).
  if (!ValidTerminal(proof.terminal)) {
    return Invalid(absl::StrCat("unknown terminal ", static_cast<int>(proof.terminal)));
  }
  const size_t depth = proof.siblings.size();
  if (depth > kMaxMapProofDepth) {
    return Invalid(absl::StrCat("depth ", depth, " exceeds ", kMaxMapProofDepth));
  }
  const bool is_leaf = proof.terminal == Terminal::kLeaf;
  if (is_leaf != (leaf != nullptr)) {
    return Invalid(is_leaf ? "terminal leaf needs the leaf"
                           : "a leaf was given for a non-leaf terminal");
  }
  if (leaf != nullptr && leaf->index != index) {
    return Invalid("leaf index differs from the proven index");
  }
  // The terminal's parent holds at least two leaves and the terminal at most
  // one, so the last sibling holds one or more: it is never empty.
  if (depth > 0 && IsEmpty(proof.siblings.back())) {
    return Invalid(
        absl::StrCat("last sibling (depth ", depth, ") is empty; the walk stops above it"));
  }
  Hash node;
  switch (proof.terminal) {
    case Terminal::kEmpty:
      // A depth-256 node holds at most one leaf, so its parent would hold at
      // most one and the walk would have stopped there.
      if (depth == kMaxMapProofDepth) {
        return Invalid("empty terminal at depth 256");
      }
      node = EmptyMapHash();
      break;
    case Terminal::kLeaf:
      node = MapLeafHash(*leaf);
      break;
    case Terminal::kOtherLeaf: {
      if (proof.other_leaf.index == index) {
        return Invalid("other leaf has the proven index");
      }
      // The other leaf must sit in the subtree the path reached; this also
      // bounds depth below 256, since it differs from index.
      int shared = CommonPrefixBits(proof.other_leaf.index, index);
      if (static_cast<size_t>(shared) < depth) {
        return Invalid(absl::StrCat("other leaf shares ", shared,
                                    " bits with the index, want at least ", depth));
      }
      node = MapLeafHash(proof.other_leaf);
      break;
    }
  }
  // Step 3: fold the siblings from the deepest up.
  for (size_t i = depth; i-- > 0;) {
    node = IndexBit(index, static_cast<int>(i)) ? MapNodeHash(proof.siblings[i], node)
                                                : MapNodeHash(node, proof.siblings[i]);
  }
  return node;
}

namespace {

absl::Status CompareRoot(const absl::StatusOr<Hash>& computed, const Hash& root) {
  if (!computed.ok()) return computed.status();
  if (*computed != root) return Invalid("root mismatch");
  return absl::OkStatus();
}

}  // namespace

absl::Status VerifyMapMembership(const Hash& root, const MapLeaf& leaf, const MapProof& proof) {
  if (proof.terminal != Terminal::kLeaf) {
    return Invalid(
        absl::StrCat("terminal ", static_cast<int>(proof.terminal), " does not prove membership"));
  }
  return CompareRoot(MapRootFromProof(leaf.index, &leaf, proof), root);
}

absl::Status VerifyMapNonMembership(const Hash& root, const Hash& index, const MapProof& proof) {
  if (proof.terminal == Terminal::kLeaf) {
    return Invalid("terminal 1 (leaf) does not prove non-membership");
  }
  return CompareRoot(MapRootFromProof(index, nullptr, proof), root);
}

}  // namespace map
}  // namespace keytrail
