#include "testing/static_tile_server.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace keytrail::test {

StaticTileServer::StaticTileServer() {
  http::ServerOptions o;
  o.name = "static tiles";
  server_ = std::make_unique<http::Server>(o);
  server_->HandlePrefix("GET", "/", [this](const http::ServerRequest& r) { return Answer(r); });
  absl::Status s = server_->Start("127.0.0.1", 0);
  if (!s.ok()) {
    std::fprintf(stderr, "StaticTileServer: %s\n", std::string(s.message()).c_str());
    std::abort();
  }
}

StaticTileServer::~StaticTileServer() {
  Release();
  server_->Stop();
}

std::string StaticTileServer::url() const {
  return absl::StrCat("http://127.0.0.1:", server_->port());
}

void StaticTileServer::Put(const std::map<std::string, std::string>& objects) {
  absl::MutexLock lock(&mu_);
  for (const auto& [path, bytes] : objects) objects_[path] = bytes;
}

void StaticTileServer::Put(const std::string& path, std::string bytes) {
  absl::MutexLock lock(&mu_);
  objects_[path] = std::move(bytes);
}

void StaticTileServer::Remove(const std::string& path) {
  absl::MutexLock lock(&mu_);
  objects_.erase(path);
}

void StaticTileServer::SetStatus(const std::string& path, int status) {
  absl::MutexLock lock(&mu_);
  if (status == 0) {
    status_.erase(path);
  } else {
    status_[path] = status;
  }
}

void StaticTileServer::Hold(const std::string& path) {
  absl::MutexLock lock(&mu_);
  held_[path] = true;
  released_ = false;
}

void StaticTileServer::Release() {
  absl::MutexLock lock(&mu_);
  released_ = true;
  held_.clear();
}

std::vector<std::string> StaticTileServer::requests() const {
  absl::MutexLock lock(&mu_);
  return requests_;
}

http::ServerResponse StaticTileServer::Answer(const http::ServerRequest& request) {
  const std::string path = request.path.substr(1);
  absl::MutexLock lock(&mu_);
  requests_.push_back(path);
  if (held_.count(path) != 0) {
    auto released = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return released_; };
    mu_.Await(absl::Condition(&released));
  }
  http::ServerResponse r;
  r.content_type = "application/octet-stream";
  if (auto s = status_.find(path); s != status_.end()) {
    r.status = s->second;
    return r;
  }
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    r.status = 404;
    return r;
  }
  r.body = it->second;
  return r;
}

}  // namespace keytrail::test
