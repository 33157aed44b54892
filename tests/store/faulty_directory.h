// A Directory that fails on cue, for fault-injection tests: the N-th
// operation (counted over every directory and file it wraps) throws IoError,
// once or from then on (a disk that died), and appends can be limited to a
// byte budget (a full disk: the last append writes what fits, then fails).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "loupe/error.h"
#include "store/directory.h"

namespace loupe::testing {

enum class FsOp { kCreate, kAppend, kSyncFile, kClose, kOpen, kRename, kRemove, kSyncDir, kList };

inline const char* FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kCreate: return "create";
    case FsOp::kAppend: return "append";
    case FsOp::kSyncFile: return "fsync";
    case FsOp::kClose: return "close";
    case FsOp::kOpen: return "open";
    case FsOp::kRename: return "rename";
    case FsOp::kRemove: return "remove";
    case FsOp::kSyncDir: return "directory fsync";
    case FsOp::kList: return "list";
  }
  return "?";
}

// What to break, shared by every wrapped directory and file.
class FaultPlan {
 public:
  uint64_t fail_at = 0;      // the operation (from 1) that fails; 0: none
  bool sticky = false;       // every operation after it fails too
  uint64_t disk_bytes = UINT64_MAX;  // appends beyond this many bytes hit "disk full"

  // Counts an operation and throws if it is the one to fail.
  void Step(FsOp op, const std::string& what) {
    const uint64_t n = ++operations_;
    if (fail_at == 0 || n < fail_at || (n > fail_at && !sticky)) return;
    {
      std::lock_guard<std::mutex> guard(mu_);
      if (!fired_) {
        fired_ = true;
        failed_op_ = op;
      }
    }
    throw IoError(what + ": " + FsOpName(op) + " failed: Input/output error (injected)");
  }

  // How many of `size` bytes fit before the disk is full.
  uint64_t Reserve(uint64_t size) {
    uint64_t used = bytes_.load();
    for (;;) {
      const uint64_t room = disk_bytes > used ? disk_bytes - used : 0;
      const uint64_t take = std::min(room, size);
      if (bytes_.compare_exchange_weak(used, used + take)) {
        if (take < size) {
          std::lock_guard<std::mutex> guard(mu_);
          if (!fired_) {
            fired_ = true;
            failed_op_ = FsOp::kAppend;
          }
        }
        return take;
      }
    }
  }

  uint64_t operations() const { return operations_.load(); }
  uint64_t bytes_appended() const { return bytes_.load(); }
  bool fired() const {
    std::lock_guard<std::mutex> guard(mu_);
    return fired_;
  }
  FsOp failed_op() const {
    std::lock_guard<std::mutex> guard(mu_);
    return failed_op_;
  }

 private:
  std::atomic<uint64_t> operations_{0};
  std::atomic<uint64_t> bytes_{0};
  mutable std::mutex mu_;
  bool fired_ = false;
  FsOp failed_op_ = FsOp::kCreate;
};

class FaultyWritableFile : public store::WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<store::WritableFile> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {}

  void Append(std::string_view data) override {
    plan_->Step(FsOp::kAppend, name());
    const uint64_t fits = plan_->Reserve(data.size());
    base_->Append(data.substr(0, fits));
    if (fits < data.size()) throw IoError(name() + ": write failed: No space left on device (injected)");
  }
  void Sync() override {
    plan_->Step(FsOp::kSyncFile, name());
    base_->Sync();
  }
  void Close() override {
    plan_->Step(FsOp::kClose, name());
    base_->Close();
  }
  const std::string& name() const override { return base_->name(); }

 private:
  std::unique_ptr<store::WritableFile> base_;
  std::shared_ptr<FaultPlan> plan_;
};

class FaultyDirectory : public store::Directory {
 public:
  FaultyDirectory(std::unique_ptr<store::Directory> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {}

  const std::string& path() const override { return base_->path(); }
  std::vector<std::string> List() const override {
    plan_->Step(FsOp::kList, path());
    return base_->List();
  }
  bool Exists(const std::string& name) const override { return base_->Exists(name); }
  uint64_t FileSize(const std::string& name) const override { return base_->FileSize(name); }
  std::unique_ptr<store::WritableFile> Create(const std::string& name) override {
    plan_->Step(FsOp::kCreate, name);
    return std::make_unique<FaultyWritableFile>(base_->Create(name), plan_);
  }
  std::shared_ptr<const store::ReadableFile> Open(const std::string& name) const override {
    plan_->Step(FsOp::kOpen, name);
    return base_->Open(name);
  }
  void Rename(const std::string& from, const std::string& to) override {
    plan_->Step(FsOp::kRename, from);
    base_->Rename(from, to);
  }
  void Remove(const std::string& name) override {
    plan_->Step(FsOp::kRemove, name);
    base_->Remove(name);
  }
  void Sync() override {
    plan_->Step(FsOp::kSyncDir, path());
    base_->Sync();
  }
  std::unique_ptr<store::DirectoryLock> Lock(const std::string& name) override { return base_->Lock(name); }
  bool IsLocked(const std::string& name) const override { return base_->IsLocked(name); }

 private:
  std::unique_ptr<store::Directory> base_;
  std::shared_ptr<FaultPlan> plan_;
};

// Puts every directory the library opens behind `plan` while in scope.
class ScopedFaults {
 public:
  explicit ScopedFaults(std::shared_ptr<FaultPlan> plan) {
    store::SetDirectoryWrapperForTesting([plan](std::unique_ptr<store::Directory> dir) {
      return std::unique_ptr<store::Directory>(std::make_unique<FaultyDirectory>(std::move(dir), plan));
    });
  }
  ~ScopedFaults() { store::SetDirectoryWrapperForTesting({}); }
  ScopedFaults(const ScopedFaults&) = delete;
  ScopedFaults& operator=(const ScopedFaults&) = delete;
};

}  // namespace loupe::testing
