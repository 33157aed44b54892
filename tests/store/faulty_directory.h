// A Directory that fails on cue, for fault-injection tests: the N-th
// operation (counted over every directory and file it wraps) throws IoError,
// once or from then on (a disk that died), and appends can be limited to a
// byte budget (a full disk: the last append writes what fits, then fails).
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

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

// What a power failure at this moment would leave on disk, tracked from the
// operations that succeeded: file data survives up to the file's last fsync,
// and a directory's entries (creations, renames, removals) as they were at
// its last fsync. Files present when tracking starts are durable.
class PowerLossModel {
 public:
  void Start(const std::string& dir_path, const std::vector<std::string>& names) {
    std::lock_guard<std::mutex> guard(mu_);
    if (started_) return;
    started_ = true;
    path_ = dir_path;
    for (const std::string& name : names) {
      const uint64_t size = std::filesystem::file_size(dir_path + "/" + name);
      const uint64_t id = next_id_++;
      files_[id] = {name, size, size, std::nullopt};
      current_[name] = id;
    }
    durable_ = current_;
  }
  uint64_t Created(const std::string& name) {
    std::lock_guard<std::mutex> guard(mu_);
    const uint64_t id = next_id_++;
    files_[id] = {name, 0, 0, std::nullopt};
    current_[name] = id;
    return id;
  }
  void Appended(uint64_t id, uint64_t bytes) {
    std::lock_guard<std::mutex> guard(mu_);
    files_[id].length += bytes;
  }
  void Synced(uint64_t id) {
    std::lock_guard<std::mutex> guard(mu_);
    files_[id].synced = files_[id].length;
  }
  // Call before a rename (over `to`) or a removal is carried out.
  void Renaming(const std::string& to) {
    std::lock_guard<std::mutex> guard(mu_);
    SaveIfDurable(to);
  }
  void Renamed(const std::string& from, const std::string& to) {
    std::lock_guard<std::mutex> guard(mu_);
    const auto it = current_.find(from);
    if (it == current_.end()) return;
    const uint64_t id = it->second;
    current_.erase(it);
    current_[to] = id;
    files_[id].name = to;
  }
  void Removing(const std::string& name) {
    std::lock_guard<std::mutex> guard(mu_);
    SaveIfDurable(name);
  }
  void Removed(const std::string& name) {
    std::lock_guard<std::mutex> guard(mu_);
    current_.erase(name);
  }
  void DirectorySynced() {
    std::lock_guard<std::mutex> guard(mu_);
    durable_ = current_;
  }
  // Writes what survives a power failure now into the (new) directory `out`.
  void Materialize(const std::string& out) {
    std::lock_guard<std::mutex> guard(mu_);
    std::filesystem::create_directories(out);
    for (const auto& [name, id] : durable_) {
      const FileState& f = files_.at(id);
      std::string bytes;
      if (f.saved) {
        bytes = *f.saved;
      } else {
        std::ifstream in(path_ + "/" + f.name, std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      bytes.resize(std::min<uint64_t>(bytes.size(), f.synced));
      std::ofstream(out + "/" + name, std::ios::binary) << bytes;
    }
  }

 private:
  struct FileState {
    std::string name;  // its current name
    uint64_t length = 0;
    uint64_t synced = 0;
    std::optional<std::string> saved;  // content kept when the file went away
  };
  // Keeps the content of the file now called `name` if a crash could bring
  // it back (the directory's durable state still names it).
  void SaveIfDurable(const std::string& name) {
    const auto it = current_.find(name);
    if (it == current_.end()) return;
    FileState& f = files_[it->second];
    bool durable = false;
    for (const auto& [n, id] : durable_) durable |= id == it->second;
    if (!durable || f.saved) return;
    std::ifstream in(path_ + "/" + f.name, std::ios::binary);
    f.saved.emplace(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  std::mutex mu_;
  bool started_ = false;
  std::string path_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, FileState> files_;
  std::map<std::string, uint64_t> current_, durable_;
};

// What to break, shared by every wrapped directory and file.
class FaultPlan {
 public:
  uint64_t fail_at = 0;      // the operation (from 1) that fails; 0: none
  bool sticky = false;       // every operation after it fails too
  uint64_t disk_bytes = UINT64_MAX;  // appends beyond this many bytes hit "disk full"
  PowerLossModel* power_loss = nullptr;  // tracks what a power failure would leave
  bool record = false;                   // keep every operation in log()
  std::string fail_create_of;            // the first create of a name starting so fails (once)

  // Counts an operation and throws if it is the one to fail.
  void Step(FsOp op, const std::string& what) {
    const uint64_t n = ++operations_;
    if (record) {
      std::lock_guard<std::mutex> guard(mu_);
      log_.emplace_back(op, what);
    }
    if (op == FsOp::kCreate && !fail_create_of.empty() && what.starts_with(fail_create_of)) {
      std::lock_guard<std::mutex> guard(mu_);
      if (!fired_) {
        fired_ = true;
        failed_op_ = op;
        throw IoError(what + ": create failed: Input/output error (injected)");
      }
    }
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
  // With `record`: operation n (from 1) is log()[n - 1].
  std::vector<std::pair<FsOp, std::string>> log() const {
    std::lock_guard<std::mutex> guard(mu_);
    return log_;
  }
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
  std::vector<std::pair<FsOp, std::string>> log_;
};

class FaultyWritableFile : public store::WritableFile {
 public:
  FaultyWritableFile(std::unique_ptr<store::WritableFile> base, std::shared_ptr<FaultPlan> plan, uint64_t id)
      : base_(std::move(base)), plan_(std::move(plan)), id_(id) {}

  void Append(std::string_view data) override {
    plan_->Step(FsOp::kAppend, name());
    const uint64_t fits = plan_->Reserve(data.size());
    base_->Append(data.substr(0, fits));
    if (plan_->power_loss) plan_->power_loss->Appended(id_, fits);
    if (fits < data.size()) throw IoError(name() + ": write failed: No space left on device (injected)");
  }
  void Sync() override {
    plan_->Step(FsOp::kSyncFile, name());
    base_->Sync();
    if (plan_->power_loss) plan_->power_loss->Synced(id_);
  }
  void Close() override {
    plan_->Step(FsOp::kClose, name());
    base_->Close();
  }
  const std::string& name() const override { return base_->name(); }

 private:
  std::unique_ptr<store::WritableFile> base_;
  std::shared_ptr<FaultPlan> plan_;
  uint64_t id_;
};

class FaultyDirectory : public store::Directory {
 public:
  FaultyDirectory(std::unique_ptr<store::Directory> base, std::shared_ptr<FaultPlan> plan)
      : base_(std::move(base)), plan_(std::move(plan)) {
    if (plan_->power_loss) {
      std::vector<std::string> names = base_->List();
      std::erase(names, std::string("write.lock"));  // not part of the index
      plan_->power_loss->Start(base_->path(), names);
    }
  }

  const std::string& path() const override { return base_->path(); }
  std::vector<std::string> List() const override {
    plan_->Step(FsOp::kList, path());
    return base_->List();
  }
  bool IsRegularFile(const std::string& name) const override { return base_->IsRegularFile(name); }
  bool Exists(const std::string& name) const override { return base_->Exists(name); }
  uint64_t FileSize(const std::string& name) const override { return base_->FileSize(name); }
  std::unique_ptr<store::WritableFile> Create(const std::string& name) override {
    plan_->Step(FsOp::kCreate, name);
    if (plan_->power_loss) plan_->power_loss->Removing(name);  // a create truncates
    auto file = base_->Create(name);
    const uint64_t id = plan_->power_loss ? plan_->power_loss->Created(name) : 0;
    return std::make_unique<FaultyWritableFile>(std::move(file), plan_, id);
  }
  std::shared_ptr<const store::ReadableFile> Open(const std::string& name) const override {
    plan_->Step(FsOp::kOpen, name);
    return base_->Open(name);
  }
  void Rename(const std::string& from, const std::string& to) override {
    plan_->Step(FsOp::kRename, from);
    if (plan_->power_loss) plan_->power_loss->Renaming(to);
    base_->Rename(from, to);
    if (plan_->power_loss) plan_->power_loss->Renamed(from, to);
  }
  void Remove(const std::string& name) override {
    plan_->Step(FsOp::kRemove, name);
    if (plan_->power_loss) plan_->power_loss->Removing(name);
    base_->Remove(name);
    if (plan_->power_loss) plan_->power_loss->Removed(name);
  }
  void Sync() override {
    plan_->Step(FsOp::kSyncDir, path());
    base_->Sync();
    if (plan_->power_loss) plan_->power_loss->DirectorySynced();
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
