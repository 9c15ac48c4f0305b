#include "monitor/tiles_log_client.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/http/client.h"
#include "core/merkle/proof_builder.h"
#include "core/note/checkpoint.h"
#include "core/note/note.h"
#include "core/tiles/tile_codec.h"
#include "core/tiles/tile_path.h"
#include "core/tiles/tile_store.h"
#include "monitor/tiles_url.h"

namespace keytrail::monitor {
namespace {

// A checkpoint with its cosignatures is a few KiB; this leaves room for
// extension lines and 100 signatures without letting a server stream more.
constexpr size_t kMaxCheckpointBytes = 256 * 1024;
constexpr size_t kMaxHashTileBytes = size_t{tiles::kTileWidth} * kHashSize;
constexpr uint64_t kWidth = tiles::kTileWidth;

absl::Status CheckHashTile(const std::string& body, int width) {
  return tiles::ParseHashTile(body, width).status();
}

absl::Status CheckBundle(const std::string& body, int width) {
  return tiles::ParseEntryBundle(body, width).status();
}

// The candidate paths of bundle `n` (entries [256n, 256n + 256)), in the
// order to try them: the full bundle first when any size we know of covers
// it, then the partial bundles of the sizes we know that end inside it.
std::vector<TilesLogClient::Candidate> BundleCandidates(uint64_t n,
                                                        std::initializer_list<uint64_t> sizes) {
  const uint64_t begin = n * kWidth;
  std::vector<TilesLogClient::Candidate> partial;
  bool full_first = false;
  for (uint64_t size : sizes) {
    if (size >= begin + kWidth) {
      full_first = true;
    } else if (size > begin) {
      const int w = static_cast<int>(size - begin);
      bool seen = false;
      for (const auto& c : partial) seen = seen || c.width == w;
      if (!seen) partial.push_back({tiles::EntryBundlePath(n, w), w});
    }
  }
  std::vector<TilesLogClient::Candidate> out;
  const TilesLogClient::Candidate full{tiles::EntryBundlePath(n, tiles::kTileWidth),
                                       tiles::kTileWidth};
  if (full_first) out.push_back(full);
  out.insert(out.end(), partial.begin(), partial.end());
  if (!full_first) out.push_back(full);  // completed since
  return out;
}

// The Merkle nodes of the tree of `size` leaves, from its hash tiles.
class TileHashSource : public merkle::HashSource {
 public:
  TileHashSource(TilesLogClient* client, uint64_t size, absl::Time deadline)
      : client_(client), size_(size), deadline_(deadline) {}

  absl::StatusOr<std::vector<Hash>> GetNodes(absl::Span<const merkle::NodeId> ids) override {
    std::vector<Hash> out;
    out.reserve(ids.size());
    for (const merkle::NodeId& id : ids) {
      auto h = Node(id);
      if (!h.ok()) return h.status();
      out.push_back(*h);
    }
    return out;
  }

 private:
  absl::StatusOr<Hash> Node(const merkle::NodeId& id) {
    const int level = id.level / tiles::kTileHeight;  // tile level L
    const int k = id.level % tiles::kTileHeight;
    const uint64_t first = id.index << k;  // in row 8L
    const uint64_t n = first / kWidth;
    const size_t offset = first % kWidth;
    auto tile = Tile(level, n);
    if (!tile.ok()) return tile.status();
    const std::vector<Hash>& row = **tile;
    const size_t count = size_t{1} << k;
    if (offset + count > row.size()) {
      // Cannot happen for a node complete in size_ (the width was chosen
      // from size_); a server's full tile fallback is exact width too.
      return absl::UnavailableError(absl::StrCat("tile ", level, "/", n, " holds ", row.size(),
                                                 " hashes, node ", id.ToString(), " needs ",
                                                 offset + count));
    }
    return tiles::SubtreeRoot(absl::MakeConstSpan(row).subspan(offset, count));
  }

  // Tile (level, n) of the tree of size_, decoded; memoized for this proof.
  absl::StatusOr<const std::vector<Hash>*> Tile(int level, uint64_t n) {
    auto it = tiles_.find({level, n});
    if (it != tiles_.end()) return &it->second;
    const uint64_t row =
        level * tiles::kTileHeight >= 64 ? 0 : size_ >> (level * tiles::kTileHeight);
    std::vector<TilesLogClient::Candidate> candidates;
    if (row < (n + 1) * kWidth) {
      const int w = static_cast<int>(row - n * kWidth);
      candidates.push_back({tiles::HashTilePath(level, n, w), w});
    }
    // Also after a 404 of the partial: the log skips partial tiles that a
    // newer epoch has already completed.
    candidates.push_back({tiles::HashTilePath(level, n, tiles::kTileWidth), tiles::kTileWidth});
    auto body = client_->Object(candidates, kMaxHashTileBytes, &CheckHashTile, deadline_);
    if (!body.ok()) return body.status();
    auto hashes = tiles::ParseHashTile(*body->body, body->width);
    if (!hashes.ok()) return absl::UnavailableError(hashes.status().message());
    return &(tiles_[{level, n}] = *std::move(hashes));
  }

  TilesLogClient* const client_;
  const uint64_t size_;
  const absl::Time deadline_;
  std::map<std::pair<int, uint64_t>, std::vector<Hash>> tiles_;
};

absl::StatusOr<std::vector<Hash>> Proof(absl::StatusOr<std::vector<Hash>> proof,
                                        absl::string_view what) {
  if (proof.ok()) return proof;
  return absl::UnavailableError(absl::StrCat(what, ": ", proof.status().message()));
}

}  // namespace

absl::StatusOr<std::unique_ptr<TilesLogClient>> TilesLogClient::Create(
    TilesLogClientOptions options) {
  auto url = NormalizeTilesUrl(options.base_url);
  if (!url.ok()) return url.status();
  options.base_url = *std::move(url);
  return std::unique_ptr<TilesLogClient>(new TilesLogClient(std::move(options)));
}

TilesLogClient::TilesLogClient(TilesLogClientOptions options) : options_(std::move(options)) {}

absl::StatusOr<std::string> TilesLogClient::Get(const std::string& path, size_t max_bytes,
                                                absl::Time deadline) {
  const std::string url = absl::StrCat(options_.base_url, "/", path);
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": deadline passed"));
  }
  http::Request req;
  req.url = url;
  req.timeout = left;
  req.max_response_body_bytes = max_bytes;
  auto resp = http::Fetch(req);
  if (!resp.ok()) {
    // (core/http's messages for transport failures already name the URL.)
    const absl::string_view why = resp.status().message();
    return absl::UnavailableError(
        absl::StrContains(why, url) ? std::string(why) : absl::StrCat("GET ", url, ": ", why));
  }
  if (resp->status == 404) return absl::NotFoundError(absl::StrCat("GET ", url, ": HTTP 404"));
  if (resp->status != 200) {
    return absl::UnavailableError(absl::StrCat("GET ", url, ": HTTP ", resp->status));
  }
  fetches_.fetch_add(1);
  return std::move(resp->body);
}

void TilesLogClient::NoteSize(uint64_t size) {
  uint64_t seen = newest_size_.load();
  while (size > seen && !newest_size_.compare_exchange_weak(seen, size)) {
  }
}

std::shared_ptr<const std::string> TilesLogClient::Cached(const std::string& path) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(path);
  if (it == index_.end()) return nullptr;
  if (absl::Now() - it->second->added > options_.cache_ttl) {
    cached_bytes_ -= it->second->body->size();
    lru_.erase(it->second);
    index_.erase(it);
    return nullptr;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  cache_hits_.fetch_add(1);
  return lru_.front().body;
}

void TilesLogClient::Remember(const std::string& path, std::shared_ptr<const std::string> body) {
  if (options_.cache_objects == 0 || body->size() > options_.cache_bytes) return;
  absl::MutexLock lock(&mu_);
  if (index_.count(path) != 0) return;  // another call fetched it meanwhile
  cached_bytes_ += body->size();
  lru_.push_front({path, std::move(body), absl::Now()});
  index_[path] = lru_.begin();
  while (lru_.size() > options_.cache_objects || cached_bytes_ > options_.cache_bytes) {
    cached_bytes_ -= lru_.back().body->size();
    index_.erase(lru_.back().path);
    lru_.pop_back();
  }
}

absl::StatusOr<TilesLogClient::Fetched> TilesLogClient::Object(
    const std::vector<Candidate>& candidates, size_t max_bytes, Check check, absl::Time deadline) {
  absl::Status last;
  for (const Candidate& c : candidates) {
    if (auto hit = Cached(c.path)) return Fetched{std::move(hit), c.width};
    auto body = Get(c.path, max_bytes, deadline);
    if (absl::IsNotFound(body.status())) {
      last = body.status();
      continue;
    }
    if (!body.ok()) return body.status();
    absl::Status s = check(*body, c.width);
    if (!s.ok()) {
      // Unsigned bytes that do not decode: a server's fault, not evidence.
      return absl::UnavailableError(
          absl::StrCat(options_.base_url, "/", c.path, " does not decode: ", s.message()));
    }
    auto shared = std::make_shared<const std::string>(*std::move(body));
    // Only full objects: they are immutable (and as long-lived in any CDN).
    // A partial one is read once or twice, and one that does not hash to
    // the checkpoint must be fetched afresh once the server repairs it.
    if (c.width == tiles::kTileWidth) Remember(c.path, shared);
    return Fetched{std::move(shared), c.width};
  }
  return absl::UnavailableError(last.message());
}

absl::StatusOr<std::string> TilesLogClient::Checkpoint(absl::Time deadline) {
  auto body = Get(tiles::kCheckpointPath, kMaxCheckpointBytes, deadline);
  if (!body.ok()) {
    if (absl::IsNotFound(body.status())) return absl::UnavailableError(body.status().message());
    return body.status();
  }
  // Only a hint for which partial bundles to ask for: the caller verifies.
  if (auto n = note::ParseNote(*body); n.ok()) {
    if (auto cp = note::ParseCheckpoint(n->text); cp.ok()) NoteSize(cp->size);
  }
  return body;
}

absl::StatusOr<std::vector<std::string>> TilesLogClient::Entries(uint64_t start, uint64_t count,
                                                                 absl::Time deadline) {
  if (count == 0) return absl::InvalidArgumentError("Entries: count 0");
  const uint64_t end = start + std::min(count, ~uint64_t{0} - start);
  std::vector<std::string> out;
  uint64_t next = start;
  while (next < end) {
    const uint64_t n = next / kWidth;
    auto body = Object(BundleCandidates(n, {newest_size_.load(), end}), tiles::kMaxObjectBytes,
                       &CheckBundle, deadline);
    if (!body.ok()) {
      if (!out.empty()) break;  // a short answer: the caller continues
      return body.status();
    }
    // Parsed again (the strict parse passed before it was cached): the
    // views point into the shared body.
    auto parsed = tiles::ParseEntryBundle(*body->body, body->width);
    if (!parsed.ok()) return absl::UnavailableError(parsed.status().message());
    const uint64_t first = n * kWidth;
    for (uint64_t i = next - first; i < parsed->size() && next < end; ++i, ++next) {
      out.emplace_back((*parsed)[i]);
    }
    if (next < first + kWidth) break;  // a partial bundle ends the answer
  }
  if (out.empty()) {
    return absl::UnavailableError(
        absl::StrCat("Entries(", start, ", ", count, "): the bundle ends before ", start));
  }
  return out;
}

absl::StatusOr<std::vector<Hash>> TilesLogClient::ConsistencyProof(uint64_t size1, uint64_t size2,
                                                                   absl::Time deadline) {
  if (size1 <= size2) NoteSize(size2);
  TileHashSource source(this, size2, deadline);
  return Proof(merkle::BuildConsistencyProof(size1, size2, source), "consistency proof from tiles");
}

absl::StatusOr<std::vector<Hash>> TilesLogClient::InclusionProof(uint64_t index, uint64_t size,
                                                                 absl::Time deadline) {
  if (index < size) NoteSize(size);
  TileHashSource source(this, size, deadline);
  return Proof(merkle::BuildInclusionProof(index, size, source), "inclusion proof from tiles");
}

absl::StatusOr<LogParameters> TilesLogClient::Info(absl::Time deadline) {
  if (options_.info != nullptr) return options_.info->Info(deadline);
  return options_.parameters;
}

}  // namespace keytrail::monitor
