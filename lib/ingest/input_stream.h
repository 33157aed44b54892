// A byte stream over a file or standard input that transparently decompresses
// zstd and gzip, recognised by their magic bytes (never by the file name).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace loupe::ingest {

class InputStream {
 public:
  virtual ~InputStream() = default;

  // Opens `path` ("-" is standard input). Throws IoError if it cannot be read.
  static std::unique_ptr<InputStream> Open(const std::string& path);

  // Reads up to `n` bytes of decompressed data; 0 only at the end. Throws
  // IoError on a read error and BadInputError on a corrupt compressed stream.
  virtual size_t Read(char* buffer, size_t n) = 0;

  const std::string& name() const { return name_; }
  // Size of the underlying file (compressed), when it is a regular file.
  std::optional<uint64_t> file_size() const { return file_size_; }
  // Bytes consumed from the underlying file so far (compressed), for progress.
  virtual uint64_t file_bytes_read() const = 0;
  // Memory the decompressor holds (a zstd window can be 128 MiB or more).
  virtual size_t memory_bytes() const { return 0; }

 protected:
  std::string name_;
  std::optional<uint64_t> file_size_;
};

}  // namespace loupe::ingest
