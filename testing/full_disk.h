// FullDisk: a RocksDB environment for tests whose disk can be made "full"
// on demand. While full, every append to a file being written fails the way
// a real full disk does (IOError, subcode NoSpace: "No space left on
// device") and GetFreeSpace reports 0 bytes; reads, renames and deletes
// still work. Everything else goes to the default (POSIX) file system.
//
// Pass env() as DatabaseOptions::env. The FullDisk must outlive every
// database opened with it. Thread-safe: SetFull may be called while
// RocksDB's threads write.
#ifndef KEYTRAIL_TESTING_FULL_DISK_H_
#define KEYTRAIL_TESTING_FULL_DISK_H_

#include <atomic>
#include <cstdint>
#include <memory>

#include "rocksdb/env.h"
#include "rocksdb/file_system.h"

namespace keytrail::test {

class FullDisk {
 public:
  FullDisk();
  ~FullDisk();

  rocksdb::Env* env() const { return env_.get(); }
  void SetFull(bool full) { state_->full.store(full); }
  bool full() const { return state_->full.load(); }
  // Appends refused since construction (how many writes hit the full disk).
  uint64_t refused_writes() const { return state_->refused.load(); }

  struct State {
    std::atomic<bool> full{false};
    std::atomic<uint64_t> refused{0};
  };

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<rocksdb::FileSystem> fs_;
  std::unique_ptr<rocksdb::Env> env_;
};

}  // namespace keytrail::test

#endif  // KEYTRAIL_TESTING_FULL_DISK_H_
