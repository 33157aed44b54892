// The k best entries seen so far, in a heap whose front is the worst kept.
// TopK orders (score, document) pairs: equal scores by external id, so the
// result does not depend on how documents are spread over segments. Its
// threshold is the k-th best score once k are held; a document whose bound
// is below it cannot enter (one equal to it still can, with a smaller id).
#pragma once

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "index/segment_reader.h"

namespace loupe::search {

// `Better(a, b)`: a strict order, a before b.
template <typename Entry, typename Better>
class BestK {
 public:
  BestK(size_t k, Better better) : k_(k), better_(better) { heap_.reserve(std::min(k, size_t{1} << 16)); }

  bool full() const { return heap_.size() >= k_; }
  const Entry& worst() const { return heap_.front(); }  // when full()

  void Offer(const Entry& e) {
    if (!full()) {
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), better_);
      return;
    }
    if (!better_(e, heap_.front())) return;
    std::pop_heap(heap_.begin(), heap_.end(), better_);
    heap_.back() = e;
    std::push_heap(heap_.begin(), heap_.end(), better_);
  }

  // Best first.
  std::vector<Entry> Sorted() const {
    std::vector<Entry> out = heap_;
    std::sort(out.begin(), out.end(), better_);
    return out;
  }

 private:
  size_t k_;
  Better better_;
  std::vector<Entry> heap_;  // heap order by better_: the worst entry at the front
};

using Segments = std::vector<std::shared_ptr<const index::SegmentReader>>;

struct ScoredDoc {
  float score;
  uint32_t segment;
  uint32_t doc;
};

// Higher score first, then smaller external id.
struct ByScoreThenId {
  const Segments* segments;
  bool operator()(const ScoredDoc& a, const ScoredDoc& b) const {
    if (a.score != b.score) return a.score > b.score;
    return (*segments)[a.segment]->Id(a.doc) < (*segments)[b.segment]->Id(b.doc);
  }
};

class TopK {
 public:
  using Entry = ScoredDoc;

  TopK(size_t k, const Segments& segments) : best_(k, ByScoreThenId{&segments}) {}

  bool full() const { return best_.full(); }
  float threshold() const { return full() ? best_.worst().score : -std::numeric_limits<float>::infinity(); }
  // Most offers of a long run fall below the threshold: that test is kept
  // inline, ahead of the heap's (ties still go through, to compare ids).
  void Offer(float score, uint32_t segment, uint32_t doc) {
    if (full() && score < best_.worst().score) return;
    best_.Offer({score, segment, doc});
  }
  std::vector<Entry> Sorted() const { return best_.Sorted(); }

 private:
  BestK<ScoredDoc, ByScoreThenId> best_;
};

}  // namespace loupe::search
