#include "index/stored_fields.h"

#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "codec/varint.h"
#include "index/format.h"
#include "loupe/error.h"

namespace loupe::index {
namespace {

constexpr size_t kBlockBytes = 128 << 10;
// Train a dictionary once this much has been stored. A run that ends with
// less has none: a dictionary (up to kDictionaryBytes, in the file and in
// each reader's memory) would cost a small segment more than it saves.
constexpr size_t kTrainingBytes = 4 << 20;
constexpr size_t kDictionaryBytes = 256 << 10;
constexpr size_t kSampleBytes = 16 << 10;
// A copy of compressed blocks lets go of the source's pages this often.
constexpr uint64_t kCopyReleaseBytes = 16 << 20;
// Blocks waiting for the compressor: beyond this the indexing thread waits.
constexpr size_t kMaxQueuedBytes = 4 << 20;

enum ValueType : uint8_t { kString = 0, kInteger = 1, kFloat = 2, kBool = 3, kStringList = 4, kJson = 5 };

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void AppendString(std::string& out, std::string_view s) {
  codec::AppendVarint64(out, s.size());
  out.append(s);
}

// libzstd before 1.5.6 dereferences a failed allocation inside
// ZSTD_createCDict_advanced2 (fixed by facebook/zstd#3847), which dictionary
// training and ZSTD_createCDict both reach: under a memory limit the process
// would crash instead of failing. With such a libzstd, the memory they need
// (a few MiB at our level, with a wide margin) is first reserved and given
// back; when even that fails, the blocks are compressed without a dictionary.
bool DictionaryMemoryAvailable() {
  if (ZSTD_versionNumber() >= 10506) return true;
  constexpr size_t kProbeBytes = size_t{64} << 20;
  void* probe = std::malloc(kProbeBytes);
  if (probe == nullptr) return false;
  asm volatile("" : : "r"(probe) : "memory");  // the pair must not be optimised away
  std::free(probe);
  return true;
}

}  // namespace

StoredFieldsWriter::StoredFieldsWriter(std::unique_ptr<store::CheckedWriter> out, int level, bool background)
    : out_(std::move(out)), level_(level), background_(background), cctx_(ZSTD_createCCtx()) {
  if (cctx_ == nullptr) throw std::bad_alloc();
  if (background_) thread_ = std::thread([this] { CompressorLoop(); });
}

StoredFieldsWriter::~StoredFieldsWriter() {
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      queue_.clear();
    }
    cv_.notify_all();
    thread_.join();
  }
  ZSTD_freeCCtx(cctx_);
  ZSTD_freeCDict(cdict_);
}

size_t StoredFieldsWriter::memory_bytes() const {
  // An estimate for the RAM budget, read while the compressor runs.
  return block_.capacity() + queued_bytes_ + pending_bytes_;
}

void StoredFieldsWriter::CompressorLoop() {
  for (;;) {
    RawBlock block;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || closing_; });
      if (queue_.empty()) return;
      block = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= block.bytes.size();
      compressing_ = true;
    }
    cv_.notify_all();
    try {
      Compress(std::move(block));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu_);
      failure_ = std::current_exception();
      queue_.clear();
      queued_bytes_ = 0;
      closing_ = true;
      compressing_ = false;
      cv_.notify_all();
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      compressing_ = false;
    }
    cv_.notify_all();
  }
}

void StoredFieldsWriter::Drain() {
  if (!background_) return;
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return (queue_.empty() && !compressing_) || failure_; });
  if (failure_) std::rethrow_exception(failure_);
}

void StoredFieldsWriter::EndOwnRun() {
  CloseBlock();
  Drain();
  // The compressor is idle: its state is ours until the next block.
  if (!dictionary_decided_) TrainDictionary();
  RecordOwnRun(false);
  names_.clear();
  name_index_.clear();
  dictionary_decided_ = false;
  dictionary_offset_ = 0;
  dictionary_length_ = 0;
  ZSTD_freeCDict(cdict_);
  cdict_ = nullptr;
  own_run_first_block_ = static_cast<uint32_t>(blocks_.size());
}

void StoredFieldsWriter::RecordOwnRun(bool even_if_empty) {
  if (blocks_.size() > own_run_first_block_ || even_if_empty) {
    runs_.push_back({own_run_first_block_, names_, dictionary_offset_, dictionary_length_});
  }
}

void StoredFieldsWriter::CopyAll(const StoredFieldsReader& source, uint64_t raw_bytes) {
  EndOwnRun();
  const auto& source_runs = source.runs();
  for (size_t r = 0; r < source_runs.size(); ++r) {
    const StoredFieldsReader::Run& run = source_runs[r];
    const size_t end_block = r + 1 < source_runs.size() ? source_runs[r + 1].first_block : source.block_count();
    if (end_block == run.first_block) continue;
    Run copied{static_cast<uint32_t>(blocks_.size()), run.names, 0, 0};
    if (!run.dictionary.empty()) {
      copied.dictionary_offset = out_->offset();
      copied.dictionary_length = static_cast<uint32_t>(run.dictionary.size());
      out_->Write(run.dictionary);
    }
    // The source's pages are let go of as they are copied, so a copy holds
    // little memory whatever the source's size.
    size_t released = run.first_block;
    uint64_t unreleased_bytes = 0;
    for (size_t b = run.first_block; b < end_block; ++b) {
      const std::string_view frame = source.Frame(b);
      blocks_.push_back({docs_ + source.FirstDoc(b), out_->offset(), static_cast<uint32_t>(frame.size())});
      out_->Write(frame);
      unreleased_bytes += frame.size();
      if (unreleased_bytes >= kCopyReleaseBytes) {
        source.ReleaseBlocks(released, b + 1);
        released = b + 1;
        unreleased_bytes = 0;
      }
    }
    source.ReleaseBlocks(released, end_block);
    runs_.push_back(std::move(copied));
  }
  docs_ += source.max_doc();
  block_first_doc_ = docs_;
  raw_bytes_ += raw_bytes;
  own_run_first_block_ = static_cast<uint32_t>(blocks_.size());
}

void StoredFieldsWriter::RethrowFailure() {
  std::lock_guard<std::mutex> lock(mu_);
  if (failure_) std::rethrow_exception(failure_);
}

uint64_t StoredFieldsWriter::bytes_written() const { return out_->offset(); }

void StoredFieldsWriter::AppendDocument(const Document& doc, std::string& out) {
  codec::AppendVarint32(out, static_cast<uint32_t>(doc.fields.size()));
  for (const Field& f : doc.fields) {
    auto [it, added] = name_index_.emplace(f.name, static_cast<uint32_t>(names_.size()));
    if (added) names_.push_back(f.name);
    codec::AppendVarint32(out, it->second);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out.push_back(kString);
            AppendString(out, v);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            out.push_back(kInteger);
            codec::AppendVarint64(out, ZigZag(v));
          } else if constexpr (std::is_same_v<T, double>) {
            out.push_back(kFloat);
            out.append(reinterpret_cast<const char*>(&v), 8);
          } else if constexpr (std::is_same_v<T, bool>) {
            out.push_back(kBool);
            out.push_back(v ? 1 : 0);
          } else if constexpr (std::is_same_v<T, StringList>) {
            out.push_back(kStringList);
            codec::AppendVarint64(out, v.size());
            for (const std::string& s : v) AppendString(out, s);
          } else {
            out.push_back(kJson);
            AppendString(out, v.text);
          }
        },
        f.value);
  }
}

void StoredFieldsWriter::Add(const Document& doc) {
  const size_t before = block_.size();
  AppendDocument(doc, block_);
  const size_t length = block_.size() - before;
  raw_bytes_ += length;
  block_lengths_.push_back(static_cast<uint32_t>(length));
  ++docs_;
  if (block_.size() >= kBlockBytes) CloseBlock();
}

void StoredFieldsWriter::CloseBlock() {
  if (block_lengths_.empty()) return;
  RawBlock raw{block_first_doc_, {}};
  codec::AppendVarint32(raw.bytes, static_cast<uint32_t>(block_lengths_.size()));
  for (uint32_t len : block_lengths_) codec::AppendVarint32(raw.bytes, len);
  raw.bytes += block_;
  block_first_doc_ = docs_;
  // A huge document grew the buffer far past a block: give that back rather
  // than hold it for the rest of the segment.
  if (block_.capacity() > 4 * kBlockBytes) {
    std::string().swap(block_);
  } else {
    block_.clear();
  }
  block_lengths_.clear();
  if (!background_) {
    Compress(std::move(raw));
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return queued_bytes_ < kMaxQueuedBytes || failure_; });
  if (failure_) std::rethrow_exception(failure_);
  queued_bytes_ += raw.bytes.size();
  queue_.push_back(std::move(raw));
  lock.unlock();
  cv_.notify_all();
}

void StoredFieldsWriter::Compress(RawBlock block) {
  if (dictionary_decided_) {
    CompressAndWrite(block);
    return;
  }
  pending_bytes_ += block.bytes.size();
  pending_.push_back(std::move(block));
  if (pending_bytes_ >= kTrainingBytes) TrainDictionary();
}

void StoredFieldsWriter::TrainDictionary() {
  dictionary_decided_ = true;
  if (pending_bytes_ >= kTrainingBytes && DictionaryMemoryAvailable()) {
    // Samples: the held-back blocks cut into pieces of about one document.
    std::string samples;
    std::vector<size_t> sizes;
    for (const RawBlock& b : pending_) {
      for (size_t at = 0; at < b.bytes.size(); at += kSampleBytes) {
        sizes.push_back(std::min(kSampleBytes, b.bytes.size() - at));
        samples.append(b.bytes, at, sizes.back());
      }
    }
    std::string dict(kDictionaryBytes, '\0');
    // Fixed FastCover parameters: one pass instead of the default search over
    // parameters, which costs ten times as long for a dictionary of nearly the
    // same worth.
    ZDICT_fastCover_params_t params{};
    params.k = 256;
    params.d = 8;
    params.f = 20;
    params.accel = 2;
    params.zParams.compressionLevel = level_;
    const size_t size = ZDICT_trainFromBuffer_fastCover(dict.data(), dict.size(), samples.data(), sizes.data(),
                                                        static_cast<unsigned>(sizes.size()), params);
    if (!ZDICT_isError(size)) {
      dict.resize(size);
      cdict_ = ZSTD_createCDict(dict.data(), dict.size(), level_);
      if (cdict_ != nullptr) {
        dictionary_offset_ = out_->offset();
        dictionary_length_ = static_cast<uint32_t>(size);
        out_->Write(dict);
      }
    }
  }
  for (const RawBlock& b : pending_) CompressAndWrite(b);
  std::vector<RawBlock>().swap(pending_);
  pending_bytes_ = 0;
}

void StoredFieldsWriter::CompressAndWrite(const RawBlock& raw) {
  compressed_.resize(ZSTD_compressBound(raw.bytes.size()));
  const size_t n = cdict_ != nullptr
                       ? ZSTD_compress_usingCDict(cctx_, compressed_.data(), compressed_.size(), raw.bytes.data(),
                                                  raw.bytes.size(), cdict_)
                       : ZSTD_compressCCtx(cctx_, compressed_.data(), compressed_.size(), raw.bytes.data(),
                                           raw.bytes.size(), level_);
  if (ZSTD_isError(n)) throw IoError(out_->name() + ": compression failed: " + ZSTD_getErrorName(n));
  blocks_.push_back({raw.first_doc, out_->offset(), static_cast<uint32_t>(n)});
  out_->Write(compressed_.data(), n);
}

uint64_t StoredFieldsWriter::Finish() {
  CloseBlock();
  if (thread_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    thread_.join();
    RethrowFailure();
  }
  if (!dictionary_decided_) TrainDictionary();
  // An empty file still has one run (of no blocks).
  RecordOwnRun(runs_.empty());
  const uint64_t trailer = out_->offset();
  std::string t;
  codec::AppendVarint32(t, static_cast<uint32_t>(blocks_.size()));
  uint32_t previous_doc = 0;
  uint64_t previous_offset = 0;
  for (const BlockRef& b : blocks_) {
    codec::AppendVarint32(t, b.first_doc - previous_doc);
    codec::AppendVarint64(t, b.offset - previous_offset);
    codec::AppendVarint32(t, b.length);
    previous_doc = b.first_doc;
    previous_offset = b.offset;
  }
  codec::AppendVarint32(t, static_cast<uint32_t>(runs_.size()));
  for (const Run& run : runs_) {
    codec::AppendVarint32(t, run.first_block);
    codec::AppendVarint32(t, static_cast<uint32_t>(run.names.size()));
    for (const std::string& name : run.names) AppendString(t, name);
    codec::AppendVarint64(t, run.dictionary_offset);
    codec::AppendVarint32(t, run.dictionary_length);
  }
  out_->Write(t);
  out_->WriteU64(trailer);
  return out_->Finish();
}

StoredFieldsReader::StoredFieldsReader(const store::CheckedFile* file, uint32_t max_doc)
    : file_(file), max_doc_(max_doc) {
  auto fail = [&] { file->Corrupt("malformed stored-documents index"); };
  const uint64_t end_offset = file->body_end() - 8;
  const uint64_t trailer = store::LoadU64(file->Slice(end_offset, 8, "stored trailer offset").data());
  const std::string_view t = file->Slice(trailer, end_offset - std::min(end_offset, trailer), "stored trailer");
  const auto* p = reinterpret_cast<const uint8_t*>(t.data());
  const auto* end = p + t.size();
  uint32_t blocks;
  if (!codec::GetVarint32(p, end, &blocks) || blocks > t.size()) fail();
  uint32_t doc = 0;
  uint64_t offset = 0;
  for (uint32_t b = 0; b < blocks; ++b) {
    uint32_t doc_delta = 0, length = 0;
    uint64_t offset_delta = 0;
    if (!codec::GetVarint32(p, end, &doc_delta) || !codec::GetVarint64(p, end, &offset_delta) ||
        !codec::GetVarint32(p, end, &length)) {
      fail();
    }
    doc += doc_delta;
    offset += offset_delta;
    if ((b > 0 && doc_delta == 0) || doc >= max_doc || offset < store::kHeaderSize || offset > trailer ||
        length > trailer - offset) {
      fail();
    }
    first_docs_.push_back(doc);
    offsets_.push_back(offset);
    lengths_.push_back(length);
  }
  if ((blocks == 0) != (max_doc == 0) || (blocks > 0 && first_docs_[0] != 0)) fail();
  // Format 2 has one run, without a count or a first block.
  const bool has_runs = file->version() >= 3;
  uint32_t run_count = 1;
  if (has_runs && (!codec::GetVarint32(p, end, &run_count) || run_count == 0 || run_count > t.size())) fail();
  runs_.reserve(run_count);
  for (uint32_t r = 0; r < run_count; ++r) {
    Run run{0, {}, {}, nullptr};
    if (has_runs && !codec::GetVarint32(p, end, &run.first_block)) fail();
    // Runs start at block 0 and each holds at least one block (an empty
    // file has one run of none).
    if (r == 0 ? run.first_block != 0 : run.first_block <= runs_.back().first_block || run.first_block >= blocks) {
      fail();
    }
    uint32_t names;
    if (!codec::GetVarint32(p, end, &names) || names > t.size()) fail();
    for (uint32_t i = 0; i < names; ++i) {
      uint64_t len;
      if (!codec::GetVarint64(p, end, &len) || len > static_cast<uint64_t>(end - p)) fail();
      run.names.emplace_back(reinterpret_cast<const char*>(p), len);
      p += len;
    }
    uint64_t dict_offset = 0;
    uint32_t dict_length = 0;
    if (!codec::GetVarint64(p, end, &dict_offset) || !codec::GetVarint32(p, end, &dict_length)) fail();
    if (dict_length > 0) {
      run.dictionary = file->Slice(dict_offset, dict_length, "compression dictionary");
      run.ddict = ZSTD_createDDict(run.dictionary.data(), run.dictionary.size());
      if (run.ddict == nullptr) fail();  // damaged tables (or, rarely, no memory: not told apart)
    }
    runs_.push_back(std::move(run));
  }
  block_runs_.resize(blocks);
  for (uint32_t r = 0; r < runs_.size(); ++r) {
    const uint32_t last = r + 1 < runs_.size() ? runs_[r + 1].first_block : blocks;
    std::fill(block_runs_.begin() + runs_[r].first_block, block_runs_.begin() + last, r);
  }
}

StoredFieldsReader::~StoredFieldsReader() {
  for (const Run& run : runs_) ZSTD_freeDDict(run.ddict);
}

std::string StoredFieldsReader::Decompress(size_t block) const {
  const std::string_view frame = file_->data().substr(offsets_[block], lengths_[block]);
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (uint64_t{1} << 31)) {
    file_->Corrupt("malformed compressed block " + std::to_string(block));
  }
  std::string raw(size, '\0');
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  ZSTD_DDict_s* const ddict = runs_[block_runs_[block]].ddict;
  const size_t n = ddict != nullptr
                       ? ZSTD_decompress_usingDDict(dctx.get(), raw.data(), raw.size(), frame.data(), frame.size(),
                                                    ddict)
                       : ZSTD_decompressDCtx(dctx.get(), raw.data(), raw.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size) file_->Corrupt("cannot decompress block " + std::to_string(block));
  return raw;
}

void StoredFieldsReader::ParseDocument(size_t block, const uint8_t* p, const uint8_t* end, Document* doc) const {
  const std::vector<std::string>& names = runs_[block_runs_[block]].names;
  auto fail = [&] { file_->Corrupt("malformed stored document"); };
  auto read_string = [&](std::string& s) {
    uint64_t len;
    if (!codec::GetVarint64(p, end, &len) || len > static_cast<uint64_t>(end - p)) fail();
    s.assign(reinterpret_cast<const char*>(p), len);
    p += len;
  };
  uint32_t count;
  if (!codec::GetVarint32(p, end, &count) || count > static_cast<size_t>(end - p)) fail();
  doc->fields.clear();
  doc->fields.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t name;
    if (!codec::GetVarint32(p, end, &name) || name >= names.size() || p >= end) fail();
    Field field{names[name], {}};
    switch (*p++) {
      case kString: {
        std::string s;
        read_string(s);
        field.value = std::move(s);
        break;
      }
      case kInteger: {
        uint64_t v;
        if (!codec::GetVarint64(p, end, &v)) fail();
        field.value = UnZigZag(v);
        break;
      }
      case kFloat: {
        if (end - p < 8) fail();
        double v;
        std::memcpy(&v, p, 8);
        p += 8;
        field.value = v;
        break;
      }
      case kBool:
        if (p >= end) fail();
        field.value = *p++ != 0;
        break;
      case kStringList: {
        uint64_t n;
        if (!codec::GetVarint64(p, end, &n) || n > static_cast<uint64_t>(end - p)) fail();
        StringList list(n);
        for (auto& s : list) read_string(s);
        field.value = std::move(list);
        break;
      }
      case kJson: {
        RawJson json;
        read_string(json.text);
        field.value = std::move(json);
        break;
      }
      default:
        fail();
    }
    doc->fields.push_back(std::move(field));
  }
}

Document StoredFieldsReader::Get(uint32_t doc) const {
  if (doc >= max_doc_) throw InvalidArgumentError("doc " + std::to_string(doc) + " is out of range");
  const size_t block =
      static_cast<size_t>(std::upper_bound(first_docs_.begin(), first_docs_.end(), doc) - first_docs_.begin()) - 1;
  const std::string raw = Decompress(block);
  const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
  const auto* end = p + raw.size();
  uint32_t n;
  if (!codec::GetVarint32(p, end, &n) || n > raw.size()) file_->Corrupt("malformed stored block");
  const uint32_t index = doc - first_docs_[block];
  if (index >= n) file_->Corrupt("stored block lacks doc " + std::to_string(doc));
  uint64_t skip = 0;
  uint32_t length = 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t len;
    if (!codec::GetVarint32(p, end, &len)) file_->Corrupt("malformed stored block");
    if (i < index) skip += len;
    if (i == index) length = len;
  }
  if (skip + length > static_cast<uint64_t>(end - p)) file_->Corrupt("malformed stored block");
  Document result;
  ParseDocument(block, p + skip, p + skip + length, &result);
  return result;
}

bool StoredFieldsReader::ReadBlockHeader(const uint8_t*& p, const uint8_t* end, uint32_t* count) {
  return codec::GetVarint32(p, end, count) && *count <= static_cast<size_t>(end - p);
}

bool StoredFieldsReader::ReadLength(const uint8_t*& p, const uint8_t* end, uint32_t* length) {
  return codec::GetVarint32(p, end, length);
}

void StoredFieldsReader::CheckAll() const {
  uint64_t docs = 0;
  Scan([&](uint32_t, const Document&) { ++docs; });
  if (docs != max_doc_) file_->Corrupt("stored documents do not match the segment's count");
}

}  // namespace loupe::index
