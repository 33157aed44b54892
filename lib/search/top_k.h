// The k best (score, document) pairs seen so far. Equal scores are ordered by
// external id, so the result does not depend on how documents are spread
// over segments. The threshold is the k-th best score once k are held; a
// document whose bound is below it cannot enter (one equal to it still can,
// with a smaller id).
#pragma once

#include <algorithm>
#include <limits>
#include <memory>
#include <vector>

#include "index/segment_reader.h"

namespace loupe::search {

class TopK {
 public:
  struct Entry {
    float score;
    uint32_t segment;
    uint32_t doc;
  };

  TopK(size_t k, const std::vector<std::shared_ptr<const index::SegmentReader>>& segments)
      : k_(k), segments_(segments) {
    heap_.reserve(k);
  }

  bool full() const { return heap_.size() >= k_; }
  float threshold() const { return full() ? heap_.front().score : -std::numeric_limits<float>::infinity(); }

  void Offer(float score, uint32_t segment, uint32_t doc) {
    const Entry e{score, segment, doc};
    if (!full()) {
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), worse_last_);
      return;
    }
    if (!Better(e, heap_.front())) return;
    std::pop_heap(heap_.begin(), heap_.end(), worse_last_);
    heap_.back() = e;
    std::push_heap(heap_.begin(), heap_.end(), worse_last_);
  }

  // Best first.
  std::vector<Entry> Sorted() const {
    std::vector<Entry> out = heap_;
    std::sort(out.begin(), out.end(), [this](const Entry& a, const Entry& b) { return Better(a, b); });
    return out;
  }

 private:
  bool Better(const Entry& a, const Entry& b) const {
    if (a.score != b.score) return a.score > b.score;
    return segments_[a.segment]->Id(a.doc) < segments_[b.segment]->Id(b.doc);
  }

  // Heap order: the worst entry at the front.
  struct WorseLast {
    const TopK* top;
    bool operator()(const Entry& a, const Entry& b) const { return top->Better(a, b); }
  };

  size_t k_;
  const std::vector<std::shared_ptr<const index::SegmentReader>>& segments_;
  std::vector<Entry> heap_;
  WorseLast worse_last_{this};
};

}  // namespace loupe::search
