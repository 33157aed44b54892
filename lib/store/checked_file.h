// The envelope every Loupe file has: a header that says what the file is and
// a footer with a checksum of everything before it.
//
//   header (24 bytes)
//     0  4  magic "LOUP"
//     4  4  file kind, four ASCII letters ("TERM", "POST", ...)
//     8  4  format version, u32 little-endian
//    12  4  reserved, zero
//    16  8  segment nonce, u64: a random number shared by all files of one
//           segment (0 for files that belong to no segment), so that files of
//           different segments or indexes cannot be mixed up unnoticed
//   body
//   footer (16 bytes)
//     0  4  magic "LEND"
//     4  4  reserved, zero
//     8  8  XXH3-64 (seed 0) of every byte of the file before this field
//
// All integers in Loupe files are little-endian. The reserved fields are
// written as zero and not checked. A bad magic number or a version of 0 or
// above the reader's is UnsupportedFormatError; anything else wrong is
// CorruptionError. Readers also refuse versions older than the oldest they
// still read (the min_version of CheckedFile).
#pragma once

#include <xxhash.h>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "store/directory.h"

namespace loupe::store {

// Integers are stored by copying them in host order: Loupe targets
// little-endian machines only (x86-64, AArch64), which this makes explicit.
static_assert(std::endian::native == std::endian::little, "Loupe's file formats assume a little-endian host");

inline constexpr size_t kHeaderSize = 24;
inline constexpr size_t kFooterSize = 16;
inline constexpr char kMagic[4] = {'L', 'O', 'U', 'P'};
inline constexpr char kFooterMagic[4] = {'L', 'E', 'N', 'D'};

using FileKind = std::array<char, 4>;

constexpr FileKind MakeKind(const char (&s)[5]) { return {s[0], s[1], s[2], s[3]}; }

// Writes a checksummed file: header on construction, buffered appends, footer
// and fsync on Finish(). A writer destroyed before Finish() leaves a file
// without a valid footer, which no reader accepts.
class CheckedWriter {
 public:
  CheckedWriter(Directory& dir, const std::string& name, FileKind kind, uint32_t version, uint64_t nonce);
  ~CheckedWriter();
  CheckedWriter(const CheckedWriter&) = delete;
  CheckedWriter& operator=(const CheckedWriter&) = delete;

  void Write(std::string_view bytes);
  void Write(const void* data, size_t n) { Write(std::string_view(static_cast<const char*>(data), n)); }
  void WriteU8(uint8_t v) { Write(&v, 1); }
  void WriteU32(uint32_t v);
  void WriteU64(uint64_t v);

  // Offset of the next byte from the start of the file (header included).
  uint64_t offset() const { return offset_; }
  const std::string& name() const { return name_; }

  // Writes the footer, syncs and closes. Returns the checksum.
  uint64_t Finish();

 private:
  void FlushBuffer();

  std::unique_ptr<WritableFile> file_;
  std::string name_;
  std::string buffer_;
  uint64_t offset_ = 0;
  XXH3_state_t* hash_;
  bool finished_ = false;
};

// A whole file whose envelope has been checked. Opening checks the header and
// footer (cheap); VerifyChecksum() hashes the content. Any mismatch throws
// CorruptionError (or UnsupportedFormatError for a newer version) naming the file.
class CheckedFile {
 public:
  // Versions min_version..max_version are readable; older ones are refused
  // (UnsupportedFormatError) as well as newer ones.
  CheckedFile(std::shared_ptr<const ReadableFile> file, FileKind kind, uint32_t max_version,
              uint64_t expected_nonce, bool verify_checksum, uint32_t min_version = 1);

  const std::string& name() const { return file_->name(); }
  uint32_t version() const { return version_; }
  uint64_t nonce() const { return nonce_; }
  uint64_t stored_checksum() const { return checksum_; }
  uint64_t size() const { return data_.size(); }

  // Hashes the file and compares with the footer; throws CorruptionError.
  void VerifyChecksum() const;
  // See ReadableFile::ReleaseMemory.
  void ReleaseMemory(uint64_t offset = 0, uint64_t length = UINT64_MAX) const { file_->ReleaseMemory(offset, length); }

  // The bytes between header and footer, and the whole file.
  std::string_view body() const { return data_.substr(kHeaderSize, data_.size() - kHeaderSize - kFooterSize); }
  std::string_view data() const { return data_; }
  // Offset of the footer: no structure may extend past it.
  uint64_t body_end() const { return data_.size() - kFooterSize; }

  // `length` bytes at file offset `offset`, which must lie inside the body;
  // throws CorruptionError("FILE: what ...") otherwise.
  std::string_view Slice(uint64_t offset, uint64_t length, const char* what) const;

  [[noreturn]] void Corrupt(const std::string& what) const;

 private:
  std::shared_ptr<const ReadableFile> file_;
  std::string_view data_;
  uint32_t version_ = 0;
  uint64_t nonce_ = 0;
  uint64_t checksum_ = 0;
};

inline uint32_t LoadU32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t LoadU64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline void StoreU32(void* p, uint32_t v) { std::memcpy(p, &v, 4); }

}  // namespace loupe::store
