#include "testing/full_disk.h"

#include <string>
#include <utility>

namespace keytrail::test {
namespace {

rocksdb::IOStatus NoSpace(FullDisk::State& state) {
  state.refused.fetch_add(1);
  // What RocksDB's POSIX file system returns for ENOSPC.
  rocksdb::IOStatus s =
      rocksdb::IOStatus::NoSpace("injected by FullDisk", "No space left on device");
  s.SetRetryable(true);
  return s;
}

class FullableFile : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FullableFile(std::unique_ptr<rocksdb::FSWritableFile> file,
               std::shared_ptr<FullDisk::State> state)
      : FSWritableFileOwnerWrapper(std::move(file)), state_(std::move(state)) {}

  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    if (state_->full.load()) return NoSpace(*state_);
    return FSWritableFileOwnerWrapper::Append(data, options, dbg);
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    if (state_->full.load()) return NoSpace(*state_);
    return FSWritableFileOwnerWrapper::Append(data, options, info, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     rocksdb::IODebugContext* dbg) override {
    if (state_->full.load()) return NoSpace(*state_);
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, dbg);
  }
  rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset,
                                     const rocksdb::IOOptions& options,
                                     const rocksdb::DataVerificationInfo& info,
                                     rocksdb::IODebugContext* dbg) override {
    if (state_->full.load()) return NoSpace(*state_);
    return FSWritableFileOwnerWrapper::PositionedAppend(data, offset, options, info, dbg);
  }

 private:
  std::shared_ptr<FullDisk::State> state_;
};

class FullableFileSystem : public rocksdb::FileSystemWrapper {
 public:
  explicit FullableFileSystem(std::shared_ptr<FullDisk::State> state)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), state_(std::move(state)) {}

  const char* Name() const override { return "FullableFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok()) result->reset(new FullableFile(std::move(*result), state_));
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReopenWritableFile(name, options, result, dbg);
    if (s.ok()) result->reset(new FullableFile(std::move(*result), state_));
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* result,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReuseWritableFile(name, old_name, options, result, dbg);
    if (s.ok()) result->reset(new FullableFile(std::move(*result), state_));
    return s;
  }
  rocksdb::IOStatus GetFreeSpace(const std::string& path, const rocksdb::IOOptions& options,
                                 uint64_t* space, rocksdb::IODebugContext* dbg) override {
    if (state_->full.load()) {
      *space = 0;
      return rocksdb::IOStatus::OK();
    }
    return target()->GetFreeSpace(path, options, space, dbg);
  }

 private:
  std::shared_ptr<FullDisk::State> state_;
};

}  // namespace

FullDisk::FullDisk()
    : state_(std::make_shared<State>()),
      fs_(std::make_shared<FullableFileSystem>(state_)),
      env_(rocksdb::NewCompositeEnv(fs_)) {}

FullDisk::~FullDisk() = default;

}  // namespace keytrail::test
