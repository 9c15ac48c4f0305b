// StaticTileServer: an HTTP server (core/http) on a loopback port that
// serves a map of tlog-tiles paths to bytes, as a CDN or a plain web server
// would, and that a test makes misbehave per path: another status (404,
// 503), other bytes, or an answer held back until Release(). Test-only.
//
// Thread-safe: the test mutates while the server answers.
#ifndef KEYTRAIL_TESTING_STATIC_TILE_SERVER_H_
#define KEYTRAIL_TESTING_STATIC_TILE_SERVER_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "core/http/server.h"

namespace keytrail::test {

class StaticTileServer {
 public:
  // Starts on 127.0.0.1, a port the kernel picks; aborts if it cannot.
  StaticTileServer();
  ~StaticTileServer();  // releases held answers, then stops

  std::string url() const;  // "http://127.0.0.1:PORT"

  // Adds or replaces objects (path without the leading '/').
  void Put(const std::map<std::string, std::string>& objects);
  void Put(const std::string& path, std::string bytes);
  void Remove(const std::string& path);
  // Answers `status` (with an empty body) for `path` until cleared with 0.
  void SetStatus(const std::string& path, int status);
  // Holds every answer for `path` until Release() (or the destructor).
  void Hold(const std::string& path);
  void Release();
  // Paths requested so far, in order.
  std::vector<std::string> requests() const;

 private:
  http::ServerResponse Answer(const http::ServerRequest& request);

  mutable absl::Mutex mu_;
  std::map<std::string, std::string> objects_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, int> status_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, bool> held_ ABSL_GUARDED_BY(mu_);
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> requests_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<http::Server> server_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_STATIC_TILE_SERVER_H_
