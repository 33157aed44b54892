#include "ingest/input_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cerrno>
#include <cstring>
#include <vector>

#include "loupe/error.h"

namespace loupe::ingest {
namespace {

// Raw bytes from a file descriptor, with the sniffed magic bytes pushed back.
class FileSource {
 public:
  FileSource(std::string name, int fd, bool owns) : name_(std::move(name)), fd_(fd), owns_(owns) {}
  ~FileSource() {
    if (owns_) ::close(fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  size_t Read(char* buffer, size_t n) {
    if (!pushback_.empty()) {
      const size_t k = std::min(n, pushback_.size() - pushback_pos_);
      std::memcpy(buffer, pushback_.data() + pushback_pos_, k);
      pushback_pos_ += k;
      if (pushback_pos_ == pushback_.size()) pushback_.clear();
      return k;
    }
    for (;;) {
      const ssize_t got = ::read(fd_, buffer, n);
      if (got >= 0) {
        bytes_read_ += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
      }
      if (errno != EINTR) throw IoError(name_ + ": read failed: " + std::strerror(errno));
    }
  }

  // Reads up to n bytes for sniffing, then makes them readable again.
  std::string Peek(size_t n) {
    std::string head(n, '\0');
    size_t have = 0;
    while (have < n) {
      const size_t got = Read(head.data() + have, n - have);
      if (got == 0) break;
      have += got;
    }
    head.resize(have);
    pushback_ = head;
    pushback_pos_ = 0;
    return head;
  }

  uint64_t bytes_read() const { return bytes_read_; }
  int fd() const { return fd_; }

 private:
  std::string name_;
  int fd_;
  bool owns_;
  std::string pushback_;
  size_t pushback_pos_ = 0;
  uint64_t bytes_read_ = 0;
};

class PlainStream : public InputStream {
 public:
  explicit PlainStream(std::unique_ptr<FileSource> source) : source_(std::move(source)) {}
  size_t Read(char* buffer, size_t n) override { return source_->Read(buffer, n); }
  uint64_t file_bytes_read() const override { return source_->bytes_read(); }

 private:
  std::unique_ptr<FileSource> source_;
};

class ZstdStream : public InputStream {
 public:
  explicit ZstdStream(std::unique_ptr<FileSource> source)
      : source_(std::move(source)), dctx_(ZSTD_createDCtx()), in_buffer_(ZSTD_DStreamInSize()) {
    if (dctx_ == nullptr) throw std::bad_alloc();
    // Corpora are often compressed with --long (windows up to 2 GiB).
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 31);
  }
  ~ZstdStream() override { ZSTD_freeDCtx(dctx_); }

  size_t Read(char* buffer, size_t n) override {
    ZSTD_outBuffer out{buffer, n, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        const size_t got = source_->Read(in_buffer_.data(), in_buffer_.size());
        if (got == 0) {
          if (frame_open_) throw BadInputError(name_, 0, "truncated zstd stream");
          return 0;
        }
        in_ = {in_buffer_.data(), got, 0};
      }
      const size_t rc = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(rc)) {
        throw BadInputError(name_, 0, std::string("corrupt zstd stream: ") + ZSTD_getErrorName(rc));
      }
      frame_open_ = rc != 0;
    }
    return out.pos;
  }
  uint64_t file_bytes_read() const override { return source_->bytes_read(); }
  size_t memory_bytes() const override { return std::max<size_t>(ZSTD_sizeof_DCtx(dctx_), window_); }
  void set_window(size_t window) { window_ = window; }

 private:
  std::unique_ptr<FileSource> source_;
  size_t window_ = 0;
  ZSTD_DCtx* dctx_;
  std::vector<char> in_buffer_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool frame_open_ = false;
};

// Adapts FileSource to a Boost.Iostreams source for the gzip filter.
class BoostSource {
 public:
  using char_type = char;
  using category = boost::iostreams::source_tag;
  explicit BoostSource(FileSource* source) : source_(source) {}
  std::streamsize read(char* s, std::streamsize n) {
    const size_t got = source_->Read(s, static_cast<size_t>(n));
    return got == 0 ? -1 : static_cast<std::streamsize>(got);
  }

 private:
  FileSource* source_;
};

class GzipStream : public InputStream {
 public:
  explicit GzipStream(std::unique_ptr<FileSource> source) : source_(std::move(source)) {
    stream_.push(boost::iostreams::gzip_decompressor());
    stream_.push(BoostSource(source_.get()));
  }
  size_t Read(char* buffer, size_t n) override {
    try {
      stream_.read(buffer, static_cast<std::streamsize>(n));
      return static_cast<size_t>(stream_.gcount());
    } catch (const boost::iostreams::gzip_error& e) {
      throw BadInputError(name_, 0, std::string("corrupt gzip stream: ") + e.what());
    } catch (const std::ios_base::failure& e) {
      throw BadInputError(name_, 0, std::string("corrupt gzip stream: ") + e.what());
    }
  }
  uint64_t file_bytes_read() const override { return source_->bytes_read(); }

 private:
  std::unique_ptr<FileSource> source_;
  boost::iostreams::filtering_istream stream_;
};

}  // namespace

std::unique_ptr<InputStream> InputStream::Open(const std::string& path) {
  int fd = 0;
  const bool is_stdin = path == "-";
  const std::string name = is_stdin ? "<stdin>" : path;
  if (!is_stdin) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw IoError(path + ": cannot open: " + std::strerror(errno));
  }
  auto source = std::make_unique<FileSource>(name, fd, !is_stdin);
  std::optional<uint64_t> size;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw IoError(path + ": is a directory");
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  const std::string magic = source->Peek(ZSTD_FRAMEHEADERSIZE_MAX);
  std::unique_ptr<InputStream> stream;
  if (magic.size() >= 4 && std::memcmp(magic.data(), "\x28\xB5\x2F\xFD", 4) == 0) {
    // The window the decoder will allocate, known from the frame header, so
    // the indexer can count it against its memory budget.
    ZSTD_frameHeader header{};
    size_t window = 0;
    if (ZSTD_getFrameHeader(&header, magic.data(), magic.size()) == 0) window = header.windowSize;
    auto zstd = std::make_unique<ZstdStream>(std::move(source));
    zstd->set_window(window);
    stream = std::move(zstd);
  } else if (magic.size() >= 2 && static_cast<unsigned char>(magic[0]) == 0x1F &&
             static_cast<unsigned char>(magic[1]) == 0x8B) {
    stream = std::make_unique<GzipStream>(std::move(source));
  } else {
    stream = std::make_unique<PlainStream>(std::move(source));
  }
  stream->name_ = name;
  stream->file_size_ = size;
  return stream;
}

}  // namespace loupe::ingest
