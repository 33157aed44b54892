// Directory on a POSIX file system: files are written with write(2) and read
// through read-only memory maps.
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>

#include "loupe/error.h"
#include "store/directory.h"

namespace loupe::store {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

[[noreturn]] void ThrowIo(const std::string& path, const char* op, int err) {
  if (err == ENOENT) throw NotFoundError(path + ": " + op + " failed: " + ErrnoText(err));
  throw IoError(path + ": " + op + " failed: " + ErrnoText(err));
}

class PosixWritableFile : public WritableFile {
 public:
  PosixWritableFile(std::string name, std::string path, int fd)
      : name_(std::move(name)), path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  void Append(std::string_view data) override {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        ThrowIo(path_, "write", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  void Sync() override {
    if (::fdatasync(fd_) != 0) ThrowIo(path_, "fsync", errno);
  }

  void Close() override {
    if (fd_ < 0) return;
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) ThrowIo(path_, "close", errno);
  }

  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  std::string path_;
  int fd_;
};

class MappedFile : public ReadableFile {
 public:
  MappedFile(std::string name, std::string path, const void* addr, size_t size)
      : name_(std::move(name)), path_(std::move(path)), addr_(addr), size_(size) {}
  ~MappedFile() override {
    if (size_ > 0) ::munmap(const_cast<void*>(addr_), size_);
  }
  std::string_view data() const override { return {static_cast<const char*>(addr_), size_}; }
  const std::string& name() const override { return name_; }
  std::string path() const override { return path_; }
  void ReleaseMemory(uint64_t offset, uint64_t length) const override {
    // A read-only shared file mapping: dropping its pages loses nothing.
    if (offset >= size_) return;
    const uint64_t end = std::min<uint64_t>(size_, length >= size_ - offset ? size_ : offset + length);
    static const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
    const uint64_t start = offset / page * page;
    ::madvise(static_cast<char*>(const_cast<void*>(addr_)) + start, end - start, MADV_DONTNEED);
  }

 private:
  std::string name_;
  std::string path_;
  const void* addr_;
  size_t size_;
};

// Locks held by this process, by path: flock() locks belong to open file
// descriptions, so a second writer in the same process would otherwise get
// its own lock on a new descriptor without noticing the first.
std::mutex& HeldLocksMutex() {
  static std::mutex m;
  return m;
}
// One key per lock file however its directory was spelt ("idx", "idx/",
// "../x/idx", a symbolic link).
std::string HeldLockKey(const std::string& path) {
  std::error_code ec;
  const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canonical.string();
}
std::set<std::string>& HeldLocks() {
  static std::set<std::string> held;
  return held;
}

class PosixLock : public DirectoryLock {
 public:
  PosixLock(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixLock() override {
    // An empty lock file marks a clean release; one that still names a pid
    // but is not locked was left by a writer that died.
    if (::ftruncate(fd_, 0) != 0) {
      // Not fatal: the lock is released below either way.
    }
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    std::lock_guard<std::mutex> guard(HeldLocksMutex());
    HeldLocks().erase(path_);
  }

 private:
  std::string path_;
  int fd_;
};

class PosixDirectory : public Directory {
 public:
  explicit PosixDirectory(std::string path) : path_(std::move(path)) {}

  const std::string& path() const override { return path_; }

  std::string Path(const std::string& name) const { return path_ + "/" + name; }

  // Opens `p` for writing, which must be (or become) a regular file: not a
  // symbolic link, FIFO, device or directory.
  static int OpenRegular(const std::string& p, int flags, const char* op) {
    const int fd = ::open(p.c_str(), flags | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
    if (fd < 0) {
      const int err = errno;
      // ELOOP: a symbolic link; ENXIO: a FIFO without a reader.
      if (err == ELOOP || err == ENXIO) throw IoError(p + ": " + op + " failed: not a regular file");
      ThrowIo(p, op, err);
    }
    CheckRegular(fd, p, op);
    return fd;  // O_NONBLOCK does nothing to a regular file's reads and writes
  }

  // The status of `fd`, open at `p`, which must be a regular file; else
  // closes it and throws, saying what `op` met.
  static struct stat CheckRegular(int fd, const std::string& p, const char* op) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      ThrowIo(p, "stat", err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      throw IoError(p + ": " + op + " failed: not a regular file");
    }
    return st;
  }

  std::vector<std::string> List() const override {
    DIR* dir = ::opendir(path_.c_str());
    if (dir == nullptr) ThrowIo(path_, "list", errno);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* e = ::readdir(dir)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
      errno = 0;
    }
    const int err = errno;
    ::closedir(dir);
    if (err != 0) ThrowIo(path_, "list", err);
    return names;
  }

  bool IsRegularFile(const std::string& name) const override {
    struct stat st {};
    return ::lstat(Path(name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }

  bool Exists(const std::string& name) const override {
    struct stat st {};
    return ::stat(Path(name).c_str(), &st) == 0;
  }

  uint64_t FileSize(const std::string& name) const override {
    struct stat st {};
    if (::stat(Path(name).c_str(), &st) != 0) ThrowIo(Path(name), "stat", errno);
    return static_cast<uint64_t>(st.st_size);
  }

  std::unique_ptr<WritableFile> Create(const std::string& name) override {
    const std::string p = Path(name);
    // Never through a symbolic link (out of the directory), and never
    // blocked by a FIFO put at the name: only a regular file is written.
    const int fd = OpenRegular(p, O_WRONLY | O_CREAT | O_TRUNC, "create");
    return std::make_unique<PosixWritableFile>(name, p, fd);
  }

  std::shared_ptr<const ReadableFile> Open(const std::string& name) const override {
    const std::string p = Path(name);
    // Non-blocking: a FIFO put where a file should be must not hang the open.
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) ThrowIo(p, "open", errno);
    const struct stat st = CheckRegular(fd, p, "open");
    const auto size = static_cast<size_t>(st.st_size);
    void* addr = nullptr;
    if (size > 0) {
      addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
      if (addr == MAP_FAILED) {
        const int err = errno;
        ::close(fd);
        ThrowIo(p, "mmap", err);
      }
    }
    ::close(fd);
    return std::make_shared<MappedFile>(name, p, addr, size);
  }

  void Rename(const std::string& from, const std::string& to) override {
    if (::rename(Path(from).c_str(), Path(to).c_str()) != 0) ThrowIo(Path(from), "rename", errno);
  }

  void Remove(const std::string& name) override {
    // An empty directory at a file's name goes too (a full one stays).
    if (::remove(Path(name).c_str()) != 0 && errno != ENOENT) ThrowIo(Path(name), "remove", errno);
  }

  void Sync() override {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) ThrowIo(path_, "open", errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) ThrowIo(path_, "fsync", err);
  }

  std::unique_ptr<DirectoryLock> Lock(const std::string& name) override {
    const std::string p = Path(name);
    const std::string key = HeldLockKey(p);
    {
      std::lock_guard<std::mutex> guard(HeldLocksMutex());
      if (HeldLocks().contains(key)) {
        throw LockedError(path_ + ": the index is already open for writing in this process");
      }
    }
    const int fd = OpenRegular(p, O_RDWR | O_CREAT, "open");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      std::string holder;
      char buf[64] = {};
      if (::pread(fd, buf, sizeof buf - 1, 0) > 0) holder = buf;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw LockedError(path_ + ": the index is locked by another writer" +
                          (holder.empty() ? std::string() : " (" + holder + ")"));
      }
      ThrowIo(p, "lock", err);
    }
    // The holder's pid, for the message another writer gets. A file left by a
    // dead process is simply overwritten: its flock died with it.
    const std::string who = "pid " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, who.data(), who.size(), 0) < 0) {
      // Not fatal: the lock itself is held.
    }
    std::lock_guard<std::mutex> guard(HeldLocksMutex());
    HeldLocks().insert(key);
    return std::make_unique<PosixLock>(key, fd);
  }

  bool IsLocked(const std::string& name) const override {
    const std::string p = Path(name);
    {
      std::lock_guard<std::mutex> guard(HeldLocksMutex());
      if (HeldLocks().contains(HeldLockKey(p))) return true;
    }
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return false;
    const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return locked;
  }

 private:
  std::string path_;
};

DirectoryWrapper& TestWrapper() {
  static DirectoryWrapper wrap;
  return wrap;
}

}  // namespace

void SetDirectoryWrapperForTesting(DirectoryWrapper wrap) { TestWrapper() = std::move(wrap); }

std::unique_ptr<Directory> OpenFileSystemDirectory(const std::string& path, bool create) {
  std::error_code ec;
  if (path.empty()) throw InvalidArgumentError("the index directory is an empty path");
  if (create) {
    std::filesystem::create_directories(path, ec);
    if (ec) {
      // "Not a directory" is about the path given, not about the disk.
      struct stat st {};
      if (::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
        throw InvalidArgumentError(path + ": not a directory");
      }
      const bool dangling = ::stat(path.c_str(), &st) != 0 && errno == ENOENT;
      if (dangling && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
        throw InvalidArgumentError(path + ": a symbolic link to nothing (create its target, or remove the link)");
      }
      throw IoError(path + ": cannot create directory: " + ec.message());
    }
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) ThrowIo(path, "open", errno);
  if (!S_ISDIR(st.st_mode)) throw InvalidArgumentError(path + ": not a directory");
  std::unique_ptr<Directory> dir = std::make_unique<PosixDirectory>(path);
  if (TestWrapper()) dir = TestWrapper()(std::move(dir));
  return dir;
}

}  // namespace loupe::store
