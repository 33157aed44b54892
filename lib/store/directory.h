// The file-system interface the index reads and writes through.
//
// Everything Loupe stores goes through a Directory: files are created,
// appended to, synced and closed by one writer, then only read (immutable);
// names change only by an atomic rename; the directory itself is synced after
// renames and removals. Keeping this interface small is what lets the tests
// put a fault-injecting Directory between the index and the disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::store {

// A file being written: appended to, then synced and closed.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Throws IoError (disk full, I/O error).
  virtual void Append(std::string_view data) = 0;
  // Flushes the data (and the size) to stable storage (fdatasync).
  virtual void Sync() = 0;
  virtual void Close() = 0;
  virtual const std::string& name() const = 0;
};

// The whole content of a file, read-only (memory-mapped where possible).
class ReadableFile {
 public:
  virtual ~ReadableFile() = default;
  virtual std::string_view data() const = 0;
  virtual const std::string& name() const = 0;
  // Where the file is, for messages (the directory's path and the name).
  virtual std::string path() const { return name(); }
  // Lets go of the memory that reading bytes [offset, offset + length) has
  // made resident in this process (for a mapped file, its pages; they fault
  // back in from the page cache when read again). The data stays readable.
  // Long sequential readers (checksums, the merger) call it as they go, so
  // their footprint stays bounded whatever the file's size.
  virtual void ReleaseMemory(uint64_t offset = 0, uint64_t length = UINT64_MAX) const {
    (void)offset;
    (void)length;
  }
};

// Held while a process has the index open for writing; released on destruction.
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

class Directory {
 public:
  virtual ~Directory() = default;

  virtual const std::string& path() const = 0;
  // Names of everything in the directory, files or not (unsorted): a name
  // of Loupe's that is not a regular file must not pass for an absent one.
  virtual std::vector<std::string> List() const = 0;
  // Whether `name` is a regular file (not a link, FIFO, directory, ...).
  virtual bool IsRegularFile(const std::string& name) const = 0;
  virtual bool Exists(const std::string& name) const = 0;
  virtual uint64_t FileSize(const std::string& name) const = 0;

  // Creates (or truncates) a file for writing.
  virtual std::unique_ptr<WritableFile> Create(const std::string& name) = 0;
  // Opens a whole file for reading. Throws NotFoundError if it does not
  // exist, IoError if it cannot be read.
  virtual std::shared_ptr<const ReadableFile> Open(const std::string& name) const = 0;
  // Atomically replaces `to` with `from`.
  virtual void Rename(const std::string& from, const std::string& to) = 0;
  // Removes a file; a missing file is not an error.
  virtual void Remove(const std::string& name) = 0;
  // Makes creations, renames and removals durable (fsync of the directory).
  virtual void Sync() = 0;

  // Takes the exclusive writer lock held in file `name`. Throws LockedError
  // if another process (or another writer in this one) holds it. A lock file
  // left by a process that died is not held and is taken over.
  virtual std::unique_ptr<DirectoryLock> Lock(const std::string& name) = 0;
  // Whether some process currently holds the lock in `name` (for reports).
  virtual bool IsLocked(const std::string& name) const = 0;
};

// The directory at `path` on the local file system. With `create`, missing
// directories are created. Throws IoError / NotFoundError.
std::unique_ptr<Directory> OpenFileSystemDirectory(const std::string& path, bool create);

// A hook for tests: while set, every directory OpenFileSystemDirectory returns
// is passed through `wrap` first (a test wraps it in a fault-injecting
// Directory, so the real writer and reader code meets the failures). An empty
// function removes the hook. Set it only while no index is being opened.
using DirectoryWrapper = std::function<std::unique_ptr<Directory>(std::unique_ptr<Directory>)>;
void SetDirectoryWrapperForTesting(DirectoryWrapper wrap);

}  // namespace loupe::store
