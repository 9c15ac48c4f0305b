// Fuzzes ByteReader: the input is a program (each op byte picks a Read*) run
// over the rest of the input. Properties: a read never returns bytes past
// the end; a failed read consumes nothing; writing every value read back
// with ByteWriter reproduces exactly the bytes consumed; Finish() is OK iff
// nothing remains.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "core/bytes/reader.h"
#include "fuzz/fuzz_check.h"

using keytrail::ByteReader;
using keytrail::ByteWriter;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // The first byte says how many op bytes follow; the rest is the data.
  const size_t n_ops = std::min<size_t>(data[0], size - 1);
  absl::string_view ops(reinterpret_cast<const char*>(data + 1), n_ops);
  absl::string_view input(reinterpret_cast<const char*>(data + 1 + n_ops), size - 1 - n_ops);
  ByteReader reader(input);
  ByteWriter writer;
  for (char op_char : ops) {
    const size_t before = reader.remaining();
    bool ok = false;
    switch (static_cast<uint8_t>(op_char) % 10) {
      case 0: {
        uint8_t v;
        ok = reader.ReadU8(&v);
        if (ok) writer.U8(v);
        break;
      }
      case 1: {
        uint16_t v;
        ok = reader.ReadU16(&v);
        if (ok) writer.U16(v);
        break;
      }
      case 2: {
        uint32_t v;
        ok = reader.ReadU32(&v);
        if (ok) writer.U32(v);
        break;
      }
      case 3: {
        uint64_t v;
        ok = reader.ReadU64(&v);
        if (ok) writer.U64(v);
        break;
      }
      case 4: {
        absl::string_view v;
        const size_t n = static_cast<uint8_t>(op_char) / 10;
        ok = reader.ReadBytes(n, &v);
        if (ok) {
          FUZZ_CHECK(v.size() == n);
          writer.Bytes(v);
        }
        break;
      }
      case 5: {
        absl::string_view v;
        ok = reader.ReadU8Prefixed(&v);
        if (ok) writer.U8Prefixed(v);
        break;
      }
      case 6: {
        absl::string_view v;
        ok = reader.ReadU16Prefixed(&v);
        if (ok) writer.U16Prefixed(v);
        break;
      }
      case 7: {
        absl::string_view v;
        ok = reader.ReadU32Prefixed(&v);
        if (ok) writer.U32Prefixed(v);
        break;
      }
      case 8: {
        bool v;
        ok = reader.ReadBool(&v);
        if (ok) writer.Bool(v);
        break;
      }
      case 9: {
        std::array<uint8_t, 3> v;
        ok = reader.ReadArray(&v);
        if (ok) writer.Array(v);
        break;
      }
    }
    if (!ok) FUZZ_CHECK(reader.remaining() == before);
    FUZZ_CHECK(reader.remaining() <= before);
  }
  const size_t consumed = input.size() - reader.remaining();
  FUZZ_CHECK(writer.data() == input.substr(0, consumed));
  FUZZ_CHECK(reader.Finish("fuzz").ok() == reader.empty());
  return 0;
}
