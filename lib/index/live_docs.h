// Deletions: which documents of a segment are still live. A .live file is
// written per segment and commit generation when deletions change.
//
// Body: u32 max_doc, u32 number of deleted documents, then ceil(max_doc/64)
// u64 words; bit d (word d/64, bit d%64) is 1 when doc d is live.
#pragma once

#include <cstdint>
#include <vector>

#include "store/checked_file.h"

namespace loupe::index {

class LiveDocs {
 public:
  LiveDocs() = default;
  explicit LiveDocs(uint32_t max_doc);  // all live
  static LiveDocs Read(const store::CheckedFile& file, uint32_t max_doc);
  void Write(store::CheckedWriter* out) const;

  bool IsLive(uint32_t doc) const { return (words_[doc >> 6] >> (doc & 63)) & 1; }
  // Returns true if the doc was live.
  bool Delete(uint32_t doc);
  uint32_t max_doc() const { return max_doc_; }
  uint32_t deleted() const { return deleted_; }
  const uint64_t* words() const { return words_.data(); }

 private:
  uint32_t max_doc_ = 0;
  uint32_t deleted_ = 0;
  std::vector<uint64_t> words_;
};

}  // namespace loupe::index
