#include "ingest/document_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <vector>

#include "ingest/input_stream.h"
#include "loupe/error.h"
#include "util/name_set.h"
#include "util/utf8.h"

namespace loupe::ingest {
namespace {

namespace fs = std::filesystem;

// A record larger than this is refused rather than buffered.
constexpr size_t kMaxRecordBytes = size_t{1} << 30;
constexpr size_t kReadChunk = size_t{4} << 20;
// Records up to this size keep the JSON parser's buffers between records.
constexpr size_t kKeepParserCapacity = size_t{16} << 20;

std::string JsonErrorText(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8";
    case simdjson::DEPTH_ERROR: return "JSON nested too deeply";
    case simdjson::STRING_ERROR: return "malformed JSON string";
    // simdjson reads integers of up to 64 bits (-2^63 to 2^64 - 1); a longer
    // integer literal is refused, not rounded.
    case simdjson::NUMBER_ERROR:
      return "malformed JSON number, an integer beyond 64 bits (-2^63 to 2^64-1) or a number beyond a double's range "
             "(quote it to keep it as text)";
    case simdjson::UNCLOSED_STRING: return "unclosed JSON string";
    case simdjson::UNESCAPED_CHARS: return "control character inside a JSON string";
    case simdjson::CAPACITY: return "record too large";
    default: return std::string("malformed JSON (") + simdjson::error_message(code) + ")";
  }
}

// A record the parser could not take: bad input, except when memory ran out
// (then the record may be fine, and skipping it as bad would lose it).
[[noreturn]] void ThrowJsonError(const std::string& source, uint64_t line, simdjson::error_code code) {
  if (code == simdjson::MEMALLOC) throw std::bad_alloc();
  throw BadInputError(source, line, JsonErrorText(code));
}

FieldValue ConvertValue(const simdjson::dom::element& e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::STRING: return std::string(std::string_view(e));
    case element_type::INT64: return int64_t(e);
    // Above 2^63 - 1 a double would round it: kept exactly, as its JSON text.
    case element_type::UINT64: return RawJson{simdjson::minify(e)};
    case element_type::DOUBLE: return double(e);
    case element_type::BOOL: return bool(e);
    case element_type::ARRAY: {
      StringList strings;
      for (simdjson::dom::element item : simdjson::dom::array(e)) {
        if (item.type() != element_type::STRING) return RawJson{simdjson::minify(e)};
        strings.emplace_back(std::string_view(item));
      }
      return strings;
    }
    default: return RawJson{simdjson::minify(e)};
  }
}

Document FromObject(const simdjson::dom::object& object, const std::string& source, uint64_t line) {
  Document doc;
  bool has_id = false;
  util::NameSet keys;  // views into the parsed record
  for (const auto& [key, value] : object) {
    if (key == "id") {
      if (has_id) throw BadInputError(source, line, "field \"id\" appears twice");
      has_id = true;
      if (value.is_string()) {
        doc.id = std::string(std::string_view(value));
      } else if (value.is_int64()) {
        doc.id = std::to_string(int64_t(value));
      } else if (value.is_uint64()) {
        doc.id = std::to_string(uint64_t(value));
      } else {
        throw BadInputError(source, line, "\"id\" must be a string or an integer");
      }
      if (doc.id.empty()) throw BadInputError(source, line, "\"id\" is empty");
      continue;
    }
    // (Named twice is an error even when a copy is null.)
    if (!keys.Insert(key)) throw BadInputError(source, line, "field \"" + std::string(key) + "\" appears twice");
    if (value.is_null()) continue;  // a null field is an absent field
    doc.fields.push_back({std::string(key), ConvertValue(value)});
  }
  if (!has_id) throw BadInputError(source, line, "document has no \"id\"");
  return doc;
}

class JsonlReader : public DocumentReader {
 public:
  explicit JsonlReader(std::unique_ptr<InputStream> in) : in_(std::move(in)) {
    buffer_.resize(kReadChunk + simdjson::SIMDJSON_PADDING);
  }

  bool Next(Document* doc) override {
    for (;;) {
      std::string_view record;
      if (!NextLine(&record)) return false;
      ++line_;
      // A byte-order mark before the first record (editors on Windows write
      // one), as in .txt articles.
      if (line_ == 1 && record.starts_with("\xEF\xBB\xBF")) record.remove_prefix(3);
      if (record.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      *doc = Parse(record);
      return true;
    }
  }

  const std::string& source() const override { return in_->name(); }
  uint64_t line() const override { return line_; }
  uint64_t bytes_done() const override { return in_->file_bytes_read(); }
  std::optional<uint64_t> bytes_total() const override { return in_->file_size(); }
  // The parser's buffers count as its capacity (their untouched part costs
  // address space only).
  size_t memory_bytes() const override { return in_->memory_bytes() + buffer_.capacity() + parser_.capacity(); }

 private:
  Document Parse(std::string_view record) {
    if (record.ends_with('\r')) record.remove_suffix(1);
    // The buffer keeps SIMDJSON_PADDING readable bytes after every record.
    simdjson::dom::element root;
    const auto error = parser_.parse(record.data(), record.size(), false).get(root);
    if (error) ThrowJsonError(source(), line_, error);
    simdjson::dom::object object;
    if (root.get_object().get(object)) throw BadInputError(source(), line_, "not a JSON object");
    Document doc = FromObject(object, source(), line_);
    // The parser keeps buffers sized for the largest record it has seen (the
    // document's strings are copies by now): after a huge one, start afresh
    // rather than hold several times its size for the rest of the input.
    if (parser_.capacity() > kKeepParserCapacity) parser_ = simdjson::dom::parser();
    return doc;
  }

  // The next line (without its '\n') as a view into buffer_; false at the end.
  bool NextLine(std::string_view* out) {
    size_t scan_from = begin_;
    for (;;) {
      const char* nl = static_cast<const char*>(
          std::memchr(buffer_.data() + scan_from, '\n', end_ - scan_from));
      if (nl != nullptr) {
        const size_t len = static_cast<size_t>(nl - (buffer_.data() + begin_));
        *out = std::string_view(buffer_.data() + begin_, len);
        begin_ += len + 1;
        if (skipping_) {  // the rest of an over-long record
          skipping_ = false;
          scan_from = begin_;
          continue;
        }
        return true;
      }
      scan_from = end_;
      if (eof_) {
        if (begin_ == end_ || skipping_) return false;
        *out = std::string_view(buffer_.data() + begin_, end_ - begin_);
        begin_ = end_;
        return true;
      }
      if (skipping_) {
        // Still inside the over-long record, already reported: what was
        // read of it is dropped as it comes.
        begin_ = end_ = scan_from = 0;
      } else if (end_ - begin_ > kMaxRecordBytes) {
        ++line_;
        begin_ = end_ = scan_from = 0;
        skipping_ = true;
        // Its buffer goes back: the rest is read in chunks and dropped.
        decltype(buffer_)(kReadChunk + simdjson::SIMDJSON_PADDING).swap(buffer_);
        throw BadInputError(source(), line_, "record longer than 1 GiB");
      }
      // Move the partial line to the front, grow if it fills the buffer, read more.
      if (begin_ > 0) {
        std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
        scan_from -= begin_;
        end_ -= begin_;
        begin_ = 0;
      }
      if (buffer_.size() > 4 * kReadChunk && end_ < kReadChunk) {
        // A huge record grew the buffer; what is left fits a small one again.
        std::vector<char> smaller(2 * kReadChunk + simdjson::SIMDJSON_PADDING);
        std::memcpy(smaller.data(), buffer_.data(), end_);
        buffer_.swap(smaller);
      }
      if (buffer_.size() - end_ < kReadChunk + simdjson::SIMDJSON_PADDING) {
        buffer_.resize(std::max(buffer_.size() * 2, end_ + kReadChunk + simdjson::SIMDJSON_PADDING));
      }
      size_t got;
      try {
        got = in_->Read(buffer_.data() + end_, kReadChunk);
      } catch (const BadInputError& e) {
        // A corrupt compressed stream cannot be read past the damage: the
        // partial line is dropped and the input ends here, so a caller that
        // skips bad records moves on instead of meeting the error forever.
        begin_ = end_ = 0;
        eof_ = true;
        throw BadInputError(source(), line_ + 1, e.reason());
      }
      if (got == 0) eof_ = true;
      end_ += got;
    }
  }

  std::unique_ptr<InputStream> in_;
  std::vector<char> buffer_;
  size_t begin_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
  uint64_t line_ = 0;
  simdjson::dom::parser parser_{kMaxRecordBytes + 1};
};

class TextFolderReader : public DocumentReader {
 public:
  explicit TextFolderReader(const fs::path& root) {
    std::error_code ec;
    fs::path last;  // the entry before a failure: usually the folder it could not open
    // A folder that cannot be listed is an error, not skipped: its articles
    // would be missing from the index without a word.
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::none, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const fs::path& p = it->path();
      last = p;
      std::error_code e;
      if (p.filename().string().starts_with('.')) {
        if (it->is_directory(e)) it.disable_recursion_pending();
        continue;
      }
      if (p.extension() != ".txt") continue;  // other files, whatever they are, are not articles
      // An article that cannot be read is an error naming it, never skipped.
      const fs::file_status status = it->status(e);  // through symbolic links
      if (e || !fs::exists(status)) {
        std::error_code ignored;
        if (!it->is_symlink(ignored)) throw IoError(p.string() + ": cannot read: " + e.message());
        throw IoError(p.string() + (e && e != std::errc::no_such_file_or_directory
                                        ? ": cannot follow symbolic link: " + e.message()
                                        : ": broken symbolic link"));
      }
      if (fs::is_directory(status)) continue;  // a folder named x.txt: its articles are listed on their own
      if (!fs::is_regular_file(status)) throw IoError(p.string() + ": not a regular file");
      const uintmax_t size = it->file_size(e);
      if (e) throw IoError(p.string() + ": cannot read: " + e.message());
      files_.push_back(p);
      total_ += size;
    }
    if (ec) {
      std::error_code ignored;
      const fs::path& where = !last.empty() && fs::is_directory(last, ignored) ? last : root;
      throw IoError(where.string() + ": cannot list folder: " + ec.message());
    }
    std::sort(files_.begin(), files_.end());
    root_ = root;
  }

  bool Next(Document* doc) override {
    if (next_ >= files_.size()) return false;
    const fs::path& p = files_[next_++];
    source_ = p.string();
    std::ifstream in(p, std::ios::binary);
    if (!in.is_open()) throw IoError(source_ + ": cannot open: " + std::strerror(errno));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw IoError(source_ + ": read failed");
    done_ += text.size();
    std::string id = p.lexically_relative(root_).replace_extension().generic_string();
    // The id must be text like any other (JSON output, other programs): a
    // name in another encoding is reported, not turned into a garbled id.
    if (util::FindInvalidUtf8(id) != std::string_view::npos) {
      throw BadInputError(source_, 1, "the file's path is not valid UTF-8, and it would be the document's id");
    }
    *doc = ParseTextDocument(std::move(id), text, source_);
    return true;
  }

  const std::string& source() const override { return source_; }
  uint64_t line() const override { return 1; }
  uint64_t bytes_done() const override { return done_; }
  std::optional<uint64_t> bytes_total() const override { return total_; }
  size_t memory_bytes() const override { return 0; }

 private:
  fs::path root_;
  std::vector<fs::path> files_;
  size_t next_ = 0;
  std::string source_;
  uint64_t done_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

Document ParseJsonDocument(std::string_view json, const std::string& source, uint64_t line) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string padded(json);
  const auto error = parser.parse(padded).get(root);
  if (error) ThrowJsonError(source, line, error);
  simdjson::dom::object object;
  if (root.get_object().get(object)) throw BadInputError(source, line, "not a JSON object");
  return FromObject(object, source, line);
}

Document ParseTextDocument(std::string id, std::string_view text, const std::string& source) {
  if (const size_t bad = util::FindInvalidUtf8(text); bad != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(bad), '\n');
    throw BadInputError(source, static_cast<uint64_t>(line),
                        "invalid UTF-8 at byte " + std::to_string(bad));
  }
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // byte-order mark
  const size_t nl = text.find('\n');
  std::string_view title = text.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
  if (title.ends_with('\r')) title.remove_suffix(1);
  // "\r\n" ends a line as "\n" does (corpus/README.md): the body keeps "\n".
  std::string body_text;
  body_text.reserve(body.size());
  for (size_t at = 0; at < body.size(); ++at) {
    if (body[at] == '\r' && at + 1 < body.size() && body[at + 1] == '\n') continue;
    body_text.push_back(body[at]);
  }
  Document doc;
  doc.id = std::move(id);
  doc.fields.push_back({"title", std::string(title)});
  doc.fields.push_back({"body", std::move(body_text)});
  return doc;
}

std::unique_ptr<DocumentReader> OpenDocuments(const std::string& path) {
  std::error_code ec;
  if (path != "-" && fs::is_directory(path, ec)) return std::make_unique<TextFolderReader>(path);
  return std::make_unique<JsonlReader>(InputStream::Open(path));
}

}  // namespace loupe::ingest

namespace loupe {

Document DocumentFromJson(std::string_view json) { return ingest::ParseJsonDocument(json, "JSON document", 1); }

}  // namespace loupe
