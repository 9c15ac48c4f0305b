#include "log_server/tiles_http.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/net/listener.h"
#include "core/tiles/tile_path.h"

namespace keytrail {
namespace {

using tiles::ObjectId;
using tiles::ObjectType;

http::ServerResponse Plain(int status, std::string body) {
  http::ServerResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.push_back({"Cache-Control", "no-store"});
  return r;
}

// Whether every entry under `id` lies inside a tree of `size` entries.
bool InsideTree(const ObjectId& id, uint64_t size) {
  if (id.type == ObjectType::kCheckpoint) return true;
  // Private bundles are never served here, even from a store that holds
  // them by mistake (docs/REPLICAS.md).
  if (id.type == ObjectType::kPrivateBundle) return false;
  const int shift = tiles::kTileHeight * id.level;
  if (shift >= 64) return false;
  const uint64_t hashes = size >> shift;  // nodes at tree level 8L
  if (id.index > hashes / tiles::kTileWidth) return false;
  return id.index * tiles::kTileWidth + static_cast<uint64_t>(id.width) <= hashes;
}

}  // namespace

http::ServerResponse ServeTilePath(const std::string& path, tiles::TileStore& store,
                                   uint64_t published_size,
                                   const std::function<std::string()>& metrics) {
  if (path == "/metrics" && metrics) {
    http::ServerResponse r = Plain(200, metrics());
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    return r;
  }
  if (path.empty() || path[0] != '/') return Plain(404, "not found\n");
  const std::string object = path.substr(1);
  auto id = tiles::ParseObjectPath(object);
  if (!id.ok()) return Plain(404, "not a tlog-tiles path\n");
  if (!InsideTree(*id, published_size)) return Plain(404, "beyond the published tree\n");
  auto bytes = store.Get(object);
  if (absl::IsNotFound(bytes.status())) return Plain(404, "not found\n");
  if (!bytes.ok()) {
    if (tiles::IsRetryable(bytes.status())) {
      http::ServerResponse r = Plain(503, "tile store unavailable\n");
      r.headers.push_back({"Retry-After", "1"});
      return r;
    }
    return Plain(500, "tile store error\n");
  }
  http::ServerResponse r;
  r.status = 200;
  r.body = *std::move(bytes);
  const bool checkpoint = id->type == ObjectType::kCheckpoint;
  r.content_type = checkpoint ? tiles::kCheckpointContentType : tiles::kTileContentType;
  r.headers.push_back({"Cache-Control", checkpoint || id->partial()
                                            ? tiles::kMutableCacheControl
                                            : tiles::kImmutableCacheControl});
  return r;
}

TilesHttpServer::TilesHttpServer(tiles::TileStore* store, std::function<uint64_t()> published_size,
                                 std::function<std::string()> metrics)
    : store_(store),
      published_size_(std::move(published_size)),
      metrics_(std::move(metrics)),
      server_([] {
        http::ServerOptions o;
        o.name = "tiles";
        o.default_max_body_bytes = 0;  // GET and HEAD only
        return o;
      }()) {
  server_.HandlePrefix("GET", "/", [this](const http::ServerRequest& request) {
    return ServeTilePath(request.path, *store_, published_size_(), metrics_);
  });
}

absl::Status TilesHttpServer::Start(const std::string& listen) {
  std::string host;
  int port = 0;
  absl::Status parsed = SplitHostPort("--tiles_listen", listen, &host, &port);
  if (!parsed.ok()) return parsed;
  absl::Status started = server_.Start(host, port);
  if (!started.ok()) {
    return absl::Status(started.code(), absl::StrCat("--tiles_listen: ", started.message()));
  }
  return absl::OkStatus();
}

}  // namespace keytrail
