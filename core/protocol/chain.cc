#include "core/protocol/chain.h"

#include <string>

#include "core/bytes/reader.h"

namespace keytrail {

Hash GenesisHead() { return Hash{}; }

Hash ChainHead(const Hash& previous, uint64_t version, uint64_t epoch, const Hash& commitment) {
  std::string numbers;
  ByteWriter w(&numbers);
  w.U64(version);
  w.U64(epoch);
  return Sha256()
      .UpdateU8(kChainHeadPrefix)
      .Update(previous)
      .Update(numbers)
      .Update(commitment)
      .Finish();
}

}  // namespace keytrail
