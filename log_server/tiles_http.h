// TilesHttpServer: the log's public C2SP tlog-tiles over HTTP
// (--tiles_listen), for the single-machine default; a CDN or nginx in front
// of the same directory does the same at scale (docs/OPERATIONS.md §12).
//
//   GET/HEAD /checkpoint                    text/plain; charset=utf-8, short cache
//   GET/HEAD /tile/<L>/<N>                  application/octet-stream, immutable
//   GET/HEAD /tile/<L>/<N>.p/<W>            partial tiles, short cache
//   GET/HEAD /tile/entries/<N>[.p/<W>]      entry bundles, the same
//   GET      /metrics                       the publisher's Prometheus text
//
// Objects come from the TileStore (tile_store.h) the publisher writes to.
// An object beyond the published tree (a tile whose entries reach past the
// larger of the published checkpoint's size and the size whose tiles are
// all written: tiles of an epoch still being written, or never) is 404, as
// is any path tlog-tiles does not define (the strict parser,
// core/tiles/tile_path.h: no "..", no temporary files) and any object the
// store lacks. A store failure is 503 with Retry-After, a
// damaged object 500. Full tiles and bundles carry
// `Cache-Control: public, max-age=604800, immutable`; partial ones and the
// checkpoint `public, max-age=5`; 404s `no-store`. Other methods get 405.
//
// Runs on core/http's server (its limits and threads). Thread-safe: the
// store and the two callbacks are called from the server's workers.
#ifndef KEYTRAIL_LOG_SERVER_TILES_HTTP_H_
#define KEYTRAIL_LOG_SERVER_TILES_HTTP_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/http/server.h"
#include "core/tiles/tile_store.h"

namespace keytrail {

// The answer to one request path (the part of core/http's handler that
// does not need a socket). `published_size`: the tree size up to which
// objects are served (the log server passes the larger of its published
// checkpoint's and its written tiles' sizes: with required cosignatures
// the checkpoint waits, the tiles a pushed monitor audits from do not);
// `metrics`: the /metrics text (may be empty).
http::ServerResponse ServeTilePath(const std::string& path, tiles::TileStore& store,
                                   uint64_t published_size,
                                   const std::function<std::string()>& metrics);

class TilesHttpServer {
 public:
  // `store` is borrowed and must outlive the server.
  TilesHttpServer(tiles::TileStore* store, std::function<uint64_t()> published_size,
                  std::function<std::string()> metrics);
  // "host:port" (port 0: any). InvalidArgument for a malformed address;
  // otherwise http::Server::Start's codes.
  absl::Status Start(const std::string& listen);
  int port() const { return server_.port(); }
  void Stop() { server_.Stop(); }

 private:
  tiles::TileStore* const store_;
  const std::function<uint64_t()> published_size_;
  const std::function<std::string()> metrics_;
  http::Server server_;
};

}  // namespace keytrail

#endif  // KEYTRAIL_LOG_SERVER_TILES_HTTP_H_
