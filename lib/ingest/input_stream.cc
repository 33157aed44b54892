#include "ingest/input_stream.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <boost/iostreams/categories.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>
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
        if (ZSTD_getErrorCode(rc) == ZSTD_error_memory_allocation) throw std::bad_alloc();
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
    // Without this a damaged or truncated stream only sets badbit, and the
    // input would silently end where the damage is.
    stream_.exceptions(std::ios::badbit);
  }
  size_t Read(char* buffer, size_t n) override {
    if (!error_.empty()) {  // after the bytes that came before it
      failed_ = true;
      throw BadInputError(name_, 0, std::exchange(error_, {}));
    }
    if (failed_) return 0;  // reported once; nothing can be read past it
    // From the stream buffer directly: what is already decompressed is taken
    // before asking for more, so a damaged or truncated stream loses none of
    // the data before the damage (a read that throws part-way through would
    // drop all it had taken).
    std::streambuf& in = *stream_.rdbuf();
    size_t got = 0;
    try {
      while (got < n) {
        const std::streamsize ready = in.in_avail();
        if (ready > 0) {
          got += static_cast<size_t>(in.sgetn(buffer + got, std::min<std::streamsize>(ready, static_cast<std::streamsize>(n - got))));
        } else if (in.sgetc() == std::char_traits<char>::eof()) {
          break;
        }
      }
    } catch (const boost::iostreams::gzip_error& e) {
      error_ = "corrupt gzip stream: " + Describe(e) + kLostWithIt;
    } catch (const std::ios_base::failure& e) {
      error_ = std::string("corrupt gzip stream: ") + e.what() + kLostWithIt;
    }
    if (got == 0 && !error_.empty()) return Read(buffer, n);
    return got;
  }
  uint64_t file_bytes_read() const override { return source_->bytes_read(); }

 private:
  static std::string Describe(const boost::iostreams::gzip_error& e) {
    namespace gzip = boost::iostreams::gzip;
    switch (e.error()) {
      case gzip::bad_crc: return "checksum mismatch";
      case gzip::bad_length: return "length mismatch";
      case gzip::bad_header: return "malformed header";
      case gzip::bad_footer: return "malformed or missing footer (truncated?)";
      case gzip::bad_method: return "unsupported compression method";
      // Z_BUF_ERROR: the compressed data ran out before the stream's end.
      case gzip::zlib_error:
        if (e.zlib_error_code() == -5) return "truncated (the data ends before the stream does)";
        return "invalid deflate data (zlib error " + std::to_string(e.zlib_error_code()) + ")";
      default: return e.what();
    }
  }

  // Boost's gzip filter keeps what it inflated in a read that fails (a few
  // hundred bytes): the records there are lost, and the line named is the
  // first of them. Said, since they were whole.
  static constexpr const char* kLostWithIt =
      " (the last few hundred bytes before it, which this line starts, are lost with it)";

  std::unique_ptr<FileSource> source_;
  boost::iostreams::filtering_istream stream_;
  std::string error_;  // met after `got` bytes: thrown by the next Read
  bool failed_ = false;
};

// Decompresses on a thread of its own, a few chunks ahead of the reader.
// Decompressing is a sizable share of indexing (zstd with a 128 MiB window
// gives ~250 MB/s here, a tenth of the indexer's time on Wikipedia); on its
// own thread it overlaps inverting, as `zstd -dc FILE | ...` would. Only
// over regular files: their reads never wait on another program, so the
// destructor can always stop the thread promptly.
class ReadAheadStream : public InputStream {
 public:
  explicit ReadAheadStream(std::unique_ptr<InputStream> inner) : inner_(std::move(inner)) {
    name_ = inner_->name();
    file_size_ = inner_->file_size();
    inner_memory_ = inner_->memory_bytes();  // asked before the thread uses inner_
  }
  ~ReadAheadStream() override {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  size_t Read(char* buffer, size_t n) override {
    // Started by the first read, not when opened: the indexer opens all its
    // inputs first and reads them one at a time, and each decompressor
    // holds its window.
    if (!thread_.joinable()) thread_ = std::thread([this] { Produce(); });
    if (at_ == current_.bytes.size()) {
      std::unique_lock<std::mutex> lock(mu_);
      if (!current_.bytes.empty()) spare_.push_back(std::move(current_.bytes));
      current_ = {};
      at_ = 0;
      changed_.notify_all();
      changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
      if (ready_.empty()) {
        // Everything before a failure was delivered; the failure is
        // reported once, and then the stream ends.
        if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
        return 0;
      }
      current_ = std::move(ready_.front());
      ready_.pop_front();
      file_bytes_read_ = current_.file_bytes_read;
    }
    const size_t k = std::min(n, current_.bytes.size() - at_);
    std::memcpy(buffer, current_.bytes.data() + at_, k);
    at_ += k;
    return k;
  }
  // As of the data handed out so far (the thread reads further ahead).
  uint64_t file_bytes_read() const override { return file_bytes_read_; }
  size_t memory_bytes() const override { return inner_memory_ + kChunks * kChunkBytes; }

 private:
  static constexpr size_t kChunks = 4;
  static constexpr size_t kChunkBytes = size_t{1} << 20;
  struct Chunk {
    std::vector<char> bytes;
    uint64_t file_bytes_read = 0;
  };

  void Produce() {
    for (;;) {
      std::vector<char> bytes;
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [&] { return stopping_ || ready_.size() + 1 < kChunks; });
        if (stopping_) break;
        if (!spare_.empty()) {
          bytes = std::move(spare_.back());
          spare_.pop_back();
        }
      }
      bytes.resize(kChunkBytes);
      size_t filled = 0;
      std::exception_ptr failure;
      try {
        while (filled < kChunkBytes) {
          const size_t got = inner_->Read(bytes.data() + filled, kChunkBytes - filled);
          if (got == 0) break;
          filled += got;
        }
      } catch (...) {
        failure = std::current_exception();  // after the bytes decoded before it
      }
      bytes.resize(filled);
      std::lock_guard<std::mutex> lock(mu_);
      if (filled > 0) ready_.push_back({std::move(bytes), inner_->file_bytes_read()});
      changed_.notify_all();
      if (failure || filled < kChunkBytes) {
        failure_ = failure;
        break;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;
    changed_.notify_all();
  }

  std::unique_ptr<InputStream> inner_;  // used by the thread only
  size_t inner_memory_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Chunk> ready_;                // filled, in order
  std::vector<std::vector<char>> spare_;   // emptied, for reuse
  std::exception_ptr failure_;
  bool finished_ = false;
  bool stopping_ = false;
  // The reader's side.
  Chunk current_;
  size_t at_ = 0;
  uint64_t file_bytes_read_ = 0;
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
    if (S_ISDIR(st.st_mode)) throw IoError(name + ": is a directory");
    if (S_ISREG(st.st_mode)) size = static_cast<uint64_t>(st.st_size);
  }
  const std::string magic = source->Peek(ZSTD_FRAMEHEADERSIZE_MAX);
  std::unique_ptr<InputStream> stream;
  bool decompresses = true;
  // A zstd frame, or a skippable frame (magic 0x184D2A50-5F, as pzstd writes
  // first), which the decoder passes over by itself.
  const bool skippable = magic.size() >= 4 && (static_cast<unsigned char>(magic[0]) & 0xF0) == 0x50 &&
                         std::memcmp(magic.data() + 1, "\x2A\x4D\x18", 3) == 0;
  if (skippable || (magic.size() >= 4 && std::memcmp(magic.data(), "\x28\xB5\x2F\xFD", 4) == 0)) {
    // The window the decoder will allocate, known from the frame header, so
    // the indexer can count it against its memory budget.
    ZSTD_frameHeader header{};
    size_t window = 0;
    // (Behind a skippable frame the window is not known yet; it counts as 0.)
    if (!skippable && ZSTD_getFrameHeader(&header, magic.data(), magic.size()) == 0) window = header.windowSize;
    auto zstd = std::make_unique<ZstdStream>(std::move(source));
    zstd->set_window(window);
    stream = std::move(zstd);
  } else if (magic.size() >= 2 && static_cast<unsigned char>(magic[0]) == 0x1F &&
             static_cast<unsigned char>(magic[1]) == 0x8B) {
    stream = std::make_unique<GzipStream>(std::move(source));
  } else {
    stream = std::make_unique<PlainStream>(std::move(source));
    decompresses = false;
  }
  stream->name_ = name;
  stream->file_size_ = size;
  if (decompresses && S_ISREG(st.st_mode)) return std::make_unique<ReadAheadStream>(std::move(stream));
  return stream;
}

}  // namespace loupe::ingest
