// Stored documents: the .docs file. Documents are serialised one after the
// other into blocks of about 128 KiB, and each block is compressed with zstd,
// so fetching one document decompresses one block. Once 4 MiB of blocks have
// been written, a zstd dictionary is trained on them and used for every block
// (small blocks of English text compress about 15% better with one); a
// smaller run has none, as the dictionary would cost it more than it saves.
//
// A merge copies the compressed blocks of a large source without deletions
// as they are, with the source's dictionary and field names: the file is then
// a sequence of runs, each with its own names and dictionary (format 3).
//
// Body:
//   per run: [dictionary bytes] (when one was trained), then its blocks
//   blocks: zstd frames; uncompressed, a block is
//     varint n, n x varint document length, then the n documents
//   trailer:
//     varint block count; per block: varint first doc (delta from the
//       previous block's), varint64 offset (delta), varint compressed length
//     varint run count (format 3; format 2 has one run and no count or
//       first block); per run: varint first block, varint field-name count,
//       per name: varint length, bytes; varint64 dictionary offset, varint
//       dictionary length (0: none)
//   u64 offset of the trailer
// A document: varint field count; per field: varint name index, u8 type,
// value: 0 string (varint length, bytes), 1 integer (zigzag varint64),
// 2 float (8 bytes, IEEE 754), 3 boolean (1 byte), 4 list of strings (varint
// count, then each string), 5 other JSON (varint length, JSON text).
// The id is not stored here (see doc_ids.h).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <string>
#include <unordered_map>
#include <vector>

#include "loupe/document.h"
#include "store/checked_file.h"

struct ZSTD_CCtx_s;
struct ZSTD_CDict_s;
struct ZSTD_DDict_s;

namespace loupe::index {

class StoredFieldsReader;

// Compression runs in a thread of its own (with `background`), overlapping
// with the inversion of the next documents; blocks are still written in order.
class StoredFieldsWriter {
 public:
  explicit StoredFieldsWriter(std::unique_ptr<store::CheckedWriter> out, int level = 5, bool background = true);
  ~StoredFieldsWriter();

  // Appends the next document (its fields; the id is kept elsewhere).
  void Add(const Document& doc);
  // Appends every document of `source` by copying its compressed blocks,
  // dictionaries and names (no recompression). `raw_bytes` is the source's
  // serialised size, for raw_bytes().
  void CopyAll(const StoredFieldsReader& source, uint64_t raw_bytes);
  // Flushes, writes the trailer and footer, syncs. Returns the checksum.
  uint64_t Finish();
  uint64_t bytes_written() const;
  // Serialised size of the documents added, before compression.
  uint64_t raw_bytes() const { return raw_bytes_; }
  // Memory held by buffers awaiting compression (approximate, any thread).
  size_t memory_bytes() const;

 private:
  struct RawBlock {
    uint32_t first_doc;
    std::string bytes;
  };
  // Appends the document's serialised fields to `out`.
  void AppendDocument(const Document& doc, std::string& out);
  void CloseBlock();
  // Compression side (the background thread, or the caller without one).
  void Compress(RawBlock block);
  void TrainDictionary();
  void CompressAndWrite(const RawBlock& raw);
  void CompressorLoop();
  void RethrowFailure();
  // Waits until the compressor has written every block handed to it.
  void Drain();
  // Ends the run of blocks compressed here (deciding its dictionary); the
  // next added document starts a new one.
  void EndOwnRun();
  // Adds the run of blocks compressed here to runs_, if it has any blocks.
  void RecordOwnRun(bool even_if_empty);

  std::unique_ptr<store::CheckedWriter> out_;
  int level_;
  std::unordered_map<std::string, uint32_t> name_index_;
  std::vector<std::string> names_;
  std::string block_;                  // serialised documents of the open block
  std::vector<uint32_t> block_lengths_;
  uint32_t docs_ = 0;
  uint64_t raw_bytes_ = 0;
  uint32_t block_first_doc_ = 0;

  // Hand-off to the compressor thread.
  bool background_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RawBlock> queue_;
  std::atomic<size_t> queued_bytes_{0};  // atomic: memory_bytes() reads it unlocked
  bool closing_ = false;
  bool compressing_ = false;  // the compressor holds a block
  std::exception_ptr failure_;

  // Owned by the compressor. Blocks are held back until the dictionary is
  // trained (or the segment ends).
  std::vector<RawBlock> pending_;
  std::atomic<size_t> pending_bytes_{0};  // ditto
  bool dictionary_decided_ = false;
  uint64_t dictionary_offset_ = 0;
  uint32_t dictionary_length_ = 0;
  struct BlockRef {
    uint32_t first_doc;
    uint64_t offset;
    uint32_t length;
  };
  std::vector<BlockRef> blocks_;
  struct Run {
    uint32_t first_block;
    std::vector<std::string> names;
    uint64_t dictionary_offset;
    uint32_t dictionary_length;
  };
  std::vector<Run> runs_;          // finished runs
  uint32_t own_run_first_block_ = 0;
  ZSTD_CCtx_s* cctx_;
  ZSTD_CDict_s* cdict_ = nullptr;
  std::string compressed_;
};

class StoredFieldsReader {
 public:
  StoredFieldsReader(const store::CheckedFile* file, uint32_t max_doc);
  ~StoredFieldsReader();
  // The stored fields of `doc` (thread-safe). Throws CorruptionError.
  Document Get(uint32_t doc) const;
  // Every document in order, each block decompressed once (for merging):
  // visit(doc, document).
  template <typename Visit>
  void Scan(Visit visit) const {
    Document doc;
    for (size_t b = 0; b < offsets_.size(); ++b) {
      ScanBlock(b, [&](uint32_t number, const uint8_t* p, const uint8_t* end) {
        ParseDocument(b, p, end, &doc);
        visit(number, doc);
      });
    }
  }
  // Decompresses every block and parses every document (for verify).
  void CheckAll() const;

  // For copying: the runs, and each block's frame and first document.
  struct Run {
    uint32_t first_block;
    std::vector<std::string> names;
    std::string_view dictionary;  // empty: none
    ZSTD_DDict_s* ddict;
  };
  const std::vector<Run>& runs() const { return runs_; }
  size_t block_count() const { return offsets_.size(); }
  std::string_view Frame(size_t block) const { return file_->data().substr(offsets_[block], lengths_[block]); }
  uint32_t FirstDoc(size_t block) const { return first_docs_[block]; }
  // Lets go of the memory that reading blocks [first, end) made resident.
  void ReleaseBlocks(size_t first, size_t end) const {
    if (first < end) file_->ReleaseMemory(offsets_[first], offsets_[end - 1] + lengths_[end - 1] - offsets_[first]);
  }
  uint32_t max_doc() const { return max_doc_; }

 private:
  // Calls visit(doc number, bytes, end) for each document of a block.
  template <typename Visit>
  void ScanBlock(size_t block, Visit visit) const;
  std::string Decompress(size_t block) const;
  void ParseDocument(size_t block, const uint8_t* p, const uint8_t* end, Document* doc) const;
  static bool ReadBlockHeader(const uint8_t*& p, const uint8_t* end, uint32_t* count);
  static bool ReadLength(const uint8_t*& p, const uint8_t* end, uint32_t* length);

  const store::CheckedFile* file_;
  uint32_t max_doc_;
  std::vector<uint32_t> first_docs_;
  std::vector<uint64_t> offsets_;
  std::vector<uint32_t> lengths_;
  std::vector<uint32_t> block_runs_;  // per block: its run
  std::vector<Run> runs_;
};

template <typename Visit>
void StoredFieldsReader::ScanBlock(size_t block, Visit visit) const {
  const std::string raw = Decompress(block);
  const auto* p = reinterpret_cast<const uint8_t*>(raw.data());
  const auto* end = p + raw.size();
  uint32_t n;
  if (!ReadBlockHeader(p, end, &n)) file_->Corrupt("malformed stored block");
  const uint32_t expected = (block + 1 < first_docs_.size() ? first_docs_[block + 1] : max_doc_) - first_docs_[block];
  if (n != expected) file_->Corrupt("stored block " + std::to_string(block) + " has the wrong number of documents");
  std::vector<uint32_t> lengths(n);
  for (auto& len : lengths) {
    if (!ReadLength(p, end, &len)) file_->Corrupt("malformed stored block");
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (lengths[i] > static_cast<size_t>(end - p)) file_->Corrupt("malformed stored block");
    visit(first_docs_[block] + i, p, p + lengths[i]);
    p += lengths[i];
  }
}

}  // namespace loupe::index
