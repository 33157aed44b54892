// A segment being built in memory: documents are inverted into per-term byte
// streams (byte_slice_pool.h) and their stored fields compressed to disk as
// they arrive; Flush() sorts the terms and writes the segment's files.
//
// One MemorySegment per indexing thread; not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/byte_slice_pool.h"
#include "index/live_docs.h"
#include "index/manifest.h"
#include "index/segment_writer.h"
#include "loupe/analysis.h"
#include "loupe/document.h"
#include "loupe/schema.h"
#include "store/directory.h"

namespace loupe::index {


// Positions between the values of a multi-valued text field (or between its
// source fields), so that a phrase cannot match across them.
inline constexpr uint32_t kPositionGap = 100;
// Positions stay below 2^31, so spans and codes fit 32 bits with room.
inline constexpr uint64_t kMaxPositions = uint64_t{1} << 31;

// Throws InvalidArgumentError if a document cannot be indexed (a field name
// given twice or named "id", a text field that could reach kMaxPositions).
// Checked before anything is changed.
void ValidateDocument(const Document& doc, const Schema& schema);

class MemorySegment {
 public:
  MemorySegment(const Schema& schema, store::Directory& dir, std::string name, uint64_t nonce);
  ~MemorySegment();
  MemorySegment(const MemorySegment&) = delete;
  MemorySegment& operator=(const MemorySegment&) = delete;

  // Inverts and stores one document, and adds its scalar fields' values to
  // the columns; returns its doc number in this segment. With `stored`, that
  // is what is stored (the document less its unstored fields), while every
  // text field is still made from `doc`.
  uint32_t Add(const Document& doc, const std::vector<ColumnValue>& columns = {}, const Document* stored = nullptr);

  uint32_t doc_count() const { return static_cast<uint32_t>(id_offsets_.size()) - 1; }
  std::string_view Id(uint32_t doc) const {
    return std::string_view(ids_).substr(id_offsets_[doc], id_offsets_[doc + 1] - id_offsets_[doc]);
  }
  const std::string& name() const { return out_->name(); }
  uint64_t nonce() const { return out_->nonce(); }
  // Memory held, for the RAM budget.
  size_t memory_bytes() const;
  // memory_bytes() as of the end of the last Add(); safe to read from other threads.
  size_t approximate_memory() const { return approximate_memory_.load(std::memory_order_relaxed); }
  struct Flushed {
    SegmentInfo info;
  };
  // Writes and syncs every file of the segment. The segment is then done.
  Flushed Flush();
  // Removes whatever files were written (the segment will not be committed).
  void Abandon();

 private:
  class FieldInverter;

  const Schema& schema_;
  std::unique_ptr<SegmentWriter> out_;
  ByteSlicePool pool_;
  std::vector<std::unique_ptr<FieldInverter>> fields_;
  std::vector<TokenStream> streams_;
  std::string ids_;
  std::vector<uint64_t> id_offsets_{0};
  std::atomic<size_t> approximate_memory_{0};
};

}  // namespace loupe::index
