// Facet counts: how many matching documents have each value of a field,
// counted from the field's column segment by segment. Keyword ordinals are
// counted in an array per segment, then added up by value; dates fall into
// buckets kept sorted by their start (few: a binary search), a bucket's
// bounds computed once when its first date arrives.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "index/segment_reader.h"
#include "loupe/schema.h"
#include "loupe/searcher.h"
#include "util/date.h"

namespace loupe::search {

class FacetCounter {
 public:
  // Throws InvalidArgumentError when the field is not a keyword, date or integer field.
  FacetCounter(const FacetRequest& request, const Schema& schema);
  // Counting moves to `seg` (segments are visited in turn).
  void StartSegment(const index::SegmentReader& seg);
  // One matching document of the current segment.
  void Count(uint32_t doc) {
    if (keyword_ != nullptr) {
      uint64_t k = keyword_->Begin(doc);
      const uint64_t end = keyword_->Begin(doc + 1);
      missing_ += k == end;
      for (; k < end; ++k) ++ords_[keyword_->Ord(k)];
      return;
    }
    int64_t v;
    if (numeric_ == nullptr || !numeric_->Get(doc, &v)) {
      ++missing_;
    } else if (type_ == ScalarType::kDate) {
      ++Bucket(v).count;
    } else {
      ++numbers_[v];
    }
  }
  FacetResult Finish();

 private:
  struct DateBucket {
    int64_t first, last;  // milliseconds, inclusive
    uint64_t count;
  };
  void FlushSegment();
  DateBucket& Bucket(int64_t v);

  const FacetRequest& request_;
  ScalarType type_;
  util::DatePrecision precision_;
  const index::KeywordColumn* keyword_ = nullptr;
  const index::NumericColumn* numeric_ = nullptr;
  std::vector<uint64_t> ords_;
  std::unordered_map<std::string, uint64_t> keywords_;
  std::map<int64_t, uint64_t> numbers_;
  std::vector<DateBucket> buckets_;  // by start
  uint64_t missing_ = 0;
};

}  // namespace loupe::search
