#include "store/checked_file.h"

#include <algorithm>
#include <cstdio>
#include <new>

#include "loupe/error.h"

namespace loupe::store {
namespace {

constexpr size_t kBufferSize = 1 << 16;

std::string KindText(FileKind k) { return std::string(k.data(), 4); }

std::string Hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A kind tag as read: printable ASCII as is, anything else (damage) in hex,
// so that a message never carries raw bytes to a terminal.
std::string KindAsRead(std::string_view tag) {
  for (const char c : tag) {
    if (c < 0x20 || c > 0x7e) {
      std::string hex = "0x";
      char byte[3];
      for (const char b : tag) {
        std::snprintf(byte, sizeof byte, "%02x", static_cast<unsigned char>(b));
        hex += byte;
      }
      return hex;
    }
  }
  return "'" + std::string(tag) + "'";
}

}  // namespace

CheckedWriter::CheckedWriter(Directory& dir, const std::string& name, FileKind kind, uint32_t version,
                             uint64_t nonce)
    : file_(dir.Create(name)), name_(name), hash_(XXH3_createState()) {
  if (hash_ == nullptr) throw std::bad_alloc();
  XXH3_64bits_reset(hash_);
  buffer_.reserve(kBufferSize);
  char header[kHeaderSize] = {};
  std::memcpy(header, kMagic, 4);
  std::memcpy(header + 4, kind.data(), 4);
  StoreU32(header + 8, version);
  std::memcpy(header + 16, &nonce, 8);
  Write(std::string_view(header, kHeaderSize));
}

CheckedWriter::~CheckedWriter() { XXH3_freeState(hash_); }

void CheckedWriter::Write(std::string_view bytes) {
  XXH3_64bits_update(hash_, bytes.data(), bytes.size());
  offset_ += bytes.size();
  if (buffer_.size() + bytes.size() > kBufferSize) {
    FlushBuffer();
    if (bytes.size() >= kBufferSize) {
      file_->Append(bytes);
      return;
    }
  }
  buffer_.append(bytes);
}

void CheckedWriter::WriteU32(uint32_t v) { Write(&v, 4); }
void CheckedWriter::WriteU64(uint64_t v) { Write(&v, 8); }

void CheckedWriter::FlushBuffer() {
  if (buffer_.empty()) return;
  file_->Append(buffer_);
  buffer_.clear();
}

uint64_t CheckedWriter::Finish() {
  char tail[8] = {};
  std::memcpy(tail, kFooterMagic, 4);
  Write(std::string_view(tail, 8));
  const uint64_t checksum = XXH3_64bits_digest(hash_);
  buffer_.append(reinterpret_cast<const char*>(&checksum), 8);
  offset_ += 8;
  FlushBuffer();
  file_->Sync();
  file_->Close();
  finished_ = true;
  return checksum;
}

CheckedFile::CheckedFile(std::shared_ptr<const ReadableFile> file, FileKind kind, uint32_t max_version,
                         uint64_t expected_nonce, bool verify_checksum, uint32_t min_version)
    : file_(std::move(file)), data_(file_->data()) {
  // A file of another program is named as such, even a short one.
  if (data_.size() >= 4 && std::memcmp(data_.data(), kMagic, 4) != 0) {
    throw UnsupportedFormatError(file_->path() + ": not a Loupe file (bad magic number)");
  }
  if (data_.size() < kHeaderSize + kFooterSize) {
    Corrupt("file is truncated (" + std::to_string(data_.size()) + " bytes)");
  }
  if (std::memcmp(data_.data() + 4, kind.data(), 4) != 0) {
    Corrupt("expected a " + KindText(kind) + " file, found " + KindAsRead(data_.substr(4, 4)));
  }
  version_ = LoadU32(data_.data() + 8);
  if (version_ != 0 && version_ < min_version) {
    throw UnsupportedFormatError(file_->path() + ": format version " + std::to_string(version_) +
                                 " was written by an older Loupe and is no longer read (this build reads versions " +
                                 std::to_string(min_version) + " to " + std::to_string(max_version) +
                                 "); rebuild the index");
  }
  if (version_ == 0 || version_ > max_version) {
    throw UnsupportedFormatError(file_->path() + ": format version " + std::to_string(version_) +
                                 " is not supported (this build reads up to version " +
                                 std::to_string(max_version) + ")");
  }
  nonce_ = LoadU64(data_.data() + 16);
  if (nonce_ != expected_nonce) {
    Corrupt("belongs to another segment (nonce " + Hex(nonce_) + ", expected " + Hex(expected_nonce) + ")");
  }
  const char* footer = data_.data() + data_.size() - kFooterSize;
  if (std::memcmp(footer, kFooterMagic, 4) != 0) Corrupt("missing footer (truncated or incomplete file)");
  checksum_ = LoadU64(footer + 8);
  if (verify_checksum) VerifyChecksum();
}

void CheckedFile::VerifyChecksum() const {
  // Hashed a window at a time, each let go of once hashed: searches need few
  // of the pages, so they stay in the page cache rather than count as this
  // process's memory, and opening a huge file does not need its size in RAM.
  constexpr size_t kWindow = size_t{16} << 20;
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) throw std::bad_alloc();
  XXH3_64bits_reset(state);
  const size_t hashed = data_.size() - 8;
  for (size_t at = 0; at < hashed; at += kWindow) {
    const size_t n = std::min(kWindow, hashed - at);
    XXH3_64bits_update(state, data_.data() + at, n);
    file_->ReleaseMemory(at, n);
  }
  const uint64_t actual = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  if (actual != checksum_) {
    Corrupt("checksum mismatch (stored " + Hex(checksum_) + ", computed " + Hex(actual) + ")");
  }
}

std::string_view CheckedFile::Slice(uint64_t offset, uint64_t length, const char* what) const {
  if (offset < kHeaderSize || offset > body_end() || length > body_end() - offset) {
    Corrupt(std::string(what) + " at offset " + std::to_string(offset) + " (+" + std::to_string(length) +
            ") lies outside the file");
  }
  return data_.substr(offset, length);
}

void CheckedFile::Corrupt(const std::string& what) const { throw CorruptionError(file_->path() + ": " + what); }

}  // namespace loupe::store
