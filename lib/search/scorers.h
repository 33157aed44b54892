// Scorers: the per-segment iterators a query becomes.
//
// Every scorer follows one protocol (the same as PostingsCursor's): doc() is
// the current document or kNoMoreDocs; Next() and Advance(target) only move
// forward; Score() is the current document's score. For dynamic pruning each
// scorer also gives upper bounds: max_score() over all its documents, and
// after ShallowAdvance(target) (which returns the last doc of the region
// starting at target that the bound covers) BlockMaxScore() for that region
// (Ding and Suel, "Faster top-k document retrieval using block-max indexes",
// SIGIR 2011; Lucene's impacts).
//
// Scores are floats summed in query order (never in iteration order), so a
// document gets bit-for-bit the same score whatever algorithm reaches it.
// Upper bounds are computed with the same float expressions on bounds of
// their inputs and inflated by kBoundSlack, so pruning never drops a
// document that could tie.
#pragma once

#include <algorithm>
#include <cmath>
#include <tuple>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "index/impact.h"
#include "index/postings_format.h"
#include "index/segment_reader.h"

namespace loupe::search {

inline constexpr uint32_t kNoMoreDocs = index::PostingsCursor::kNoMoreDocs;
inline constexpr float kBoundSlack = 1.0f + 1e-5f;

// BM25 (Robertson et al., Okapi at TREC-3; in Lucene's form, without the
// (k1 + 1) factor): weight * tf / (tf + k1 * (1 - b + b * length / avgdl)).
// `norms[d]` holds the denominator's length part for every document, computed
// once per segment, field and parameters.
struct Bm25 {
  float weight = 0;  // boost * field weight * idf
  float k1 = 0.9f;
  float b = 0.4f;
  float average_length = 1;
  const float* norms = nullptr;

  float Norm(uint32_t length) const {
    return k1 * ((1 - b) + b * (static_cast<float>(length) / average_length));
  }
  float Score(float tf, uint32_t doc) const { return weight * (tf / (tf + norms[doc])); }
  float Bound(const index::Impact& impact) const {
    const auto one = [&](const index::ImpactCorner& c) {
      const float tf = static_cast<float>(c.freq);
      return weight * (tf / (tf + Norm(c.length)));
    };
    return std::max(one(impact.a), one(impact.b)) * kBoundSlack;
  }
};

// Lucene's idf: log(1 + (N - df + 0.5) / (df + 0.5)).
inline float Idf(uint64_t docs, uint64_t doc_freq) {
  return static_cast<float>(std::log(1.0 + (static_cast<double>(docs) - doc_freq + 0.5) / (doc_freq + 0.5)));
}

class Scorer {
 public:
  virtual ~Scorer() = default;
  uint32_t doc() const { return doc_; }
  virtual uint32_t Next() = 0;
  virtual uint32_t Advance(uint32_t target) = 0;
  virtual float Score() = 0;
  float max_score() const { return max_score_; }
  virtual uint32_t ShallowAdvance(uint32_t target) {
    (void)target;
    return kNoMoreDocs;
  }
  virtual float BlockMaxScore() { return max_score_; }
  // About how many documents the scorer visits (for ordering conjunctions).
  virtual uint64_t cost() const = 0;

 protected:
  uint32_t doc_ = 0;
  float max_score_ = 0;
};

class TermScorer final : public Scorer {
 public:
  TermScorer(const index::SegmentReader& segment, uint32_t field, const index::TermInfo& info, const Bm25& bm25)
      : bm25_(bm25) {
    segment.OpenPostings(field, info, &cursor_);
    doc_ = cursor_.doc();
    max_score_ = info.doc_freq == 1 ? bm25_.Score(static_cast<float>(info.single_freq), info.single_doc) * kBoundSlack
                                    : bm25_.Bound(index::DecodeImpact(cursor_.term_impact()));
  }
  uint32_t Next() override { return doc_ = cursor_.Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = cursor_.Advance(target); }
  float Score() override { return bm25_.Score(static_cast<float>(cursor_.freq()), doc_); }
  // The block bound is computed once per block and kept while targets stay
  // inside it: pruning asks for it at every pivot.
  uint32_t ShallowAdvance(uint32_t target) override {
    if (target >= shallow_start_ && target <= shallow_end_ && shallow_end_ != kNoMoreDocs) return shallow_end_;
    shallow_start_ = target;
    shallow_end_ = cursor_.ShallowAdvance(target);
    if (shallow_end_ == kNoMoreDocs) {
      block_max_ = 0;
    } else if (cursor_.doc_freq() == 1) {
      block_max_ = max_score_;
    } else {
      block_max_ = bm25_.Bound(index::DecodeImpact(cursor_.shallow_impact()));
    }
    return shallow_end_;
  }
  float BlockMaxScore() override { return block_max_; }
  uint64_t cost() const override { return cursor_.doc_freq(); }
  index::PostingsCursor& cursor() { return cursor_; }
  const Bm25& bm25() const { return bm25_; }

 private:
  index::PostingsCursor cursor_;
  Bm25 bm25_;
  uint32_t shallow_start_ = 1;  // empty until the first ShallowAdvance
  uint32_t shallow_end_ = 0;
  float block_max_ = 0;
};

// All documents match all required scorers. Children in query order.
class ConjunctionScorer final : public Scorer {
 public:
  explicit ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  uint32_t Next() override { return doc_ = Align(lead_->Next()); }
  uint32_t Advance(uint32_t target) override { return doc_ = Align(lead_->Advance(target)); }
  float Score() override;
  uint32_t ShallowAdvance(uint32_t target) override;
  float BlockMaxScore() override;
  uint64_t cost() const override { return lead_->cost(); }
  // The children in query order (the order scores are summed in).
  const std::vector<std::unique_ptr<Scorer>>& children() const { return children_; }

 private:
  uint32_t Align(uint32_t doc);
  std::vector<std::unique_ptr<Scorer>> children_;
  std::vector<Scorer*> by_cost_;
  Scorer* lead_;
};

// Any of the children matches; the score sums those on the document.
class DisjunctionScorer final : public Scorer {
 public:
  explicit DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  float Score() override;
  uint32_t ShallowAdvance(uint32_t target) override;
  float BlockMaxScore() override;
  uint64_t cost() const override { return cost_; }
  std::vector<std::unique_ptr<Scorer>>& children() { return children_; }

 private:
  uint32_t Min() const;
  std::vector<std::unique_ptr<Scorer>> children_;
  uint64_t cost_ = 0;
};

// The required scorer's documents that the excluded one does not have.
class ExclusionScorer final : public Scorer {
 public:
  ExclusionScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> excluded);
  uint32_t Next() override { return doc_ = Skip(required_->Next()); }
  uint32_t Advance(uint32_t target) override { return doc_ = Skip(required_->Advance(target)); }
  float Score() override { return required_->Score(); }
  uint32_t ShallowAdvance(uint32_t target) override { return required_->ShallowAdvance(target); }
  float BlockMaxScore() override { return required_->BlockMaxScore(); }
  uint64_t cost() const override { return required_->cost(); }
  bool Excluded(uint32_t doc);

 private:
  uint32_t Skip(uint32_t doc);
  std::unique_ptr<Scorer> required_;
  std::unique_ptr<Scorer> excluded_;
};

// The required scorer's documents; the optional one adds its score where it
// matches too.
class OptionalScorer final : public Scorer {
 public:
  OptionalScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> optional);
  uint32_t Next() override { return doc_ = required_->Next(); }
  uint32_t Advance(uint32_t target) override { return doc_ = required_->Advance(target); }
  float Score() override;
  uint32_t ShallowAdvance(uint32_t target) override;
  float BlockMaxScore() override { return required_->BlockMaxScore() + optional_->BlockMaxScore(); }
  uint64_t cost() const override { return required_->cost(); }

 private:
  std::unique_ptr<Scorer> required_;
  std::unique_ptr<Scorer> optional_;
};

// Every document of the segment, score 0.
class MatchAllScorer final : public Scorer {
 public:
  explicit MatchAllScorer(uint32_t max_doc) : max_doc_(max_doc) { doc_ = max_doc == 0 ? kNoMoreDocs : 0; }
  uint32_t Next() override { return doc_ = doc_ + 1 < max_doc_ ? doc_ + 1 : kNoMoreDocs; }
  uint32_t Advance(uint32_t target) override { return doc_ = target < max_doc_ ? target : kNoMoreDocs; }
  float Score() override { return 0; }
  uint64_t cost() const override { return max_doc_; }

 private:
  uint32_t max_doc_;
};

// Filters over a column: every document whose value matches, score 0. They
// scan the column forward from the target, so in a conjunction led by a
// rarer scorer they read the column only where candidates are, and over a
// whole query never read it more than once (the cost of reading the filter).
// cost() is the scan's length, so a conjunction leads with anything rarer.
class FilterScorer : public Scorer {
 public:
  // Random access, for checking candidates another scorer found.
  virtual bool Matches(uint32_t doc) const = 0;
};

class NumericRangeScorer final : public FilterScorer {
 public:
  // Codes in [first, last] (first >= 1: documents without a value have code 0).
  NumericRangeScorer(const index::NumericColumn& column, uint64_t first, uint64_t last, uint32_t max_doc)
      : column_(column), first_(first), span_(last - first), max_doc_(max_doc) {
    doc_ = Scan(0);
  }
  uint32_t Next() override { return doc_ = Scan(doc_ + 1); }
  uint32_t Advance(uint32_t target) override { return doc_ = Scan(target); }
  float Score() override { return 0; }
  uint64_t cost() const override { return max_doc_; }
  bool Matches(uint32_t doc) const override { return column_.Code(doc) - first_ <= span_; }

 private:
  uint32_t Scan(uint32_t d) const {
    for (; d < max_doc_; ++d) {
      if (Matches(d)) return d;  // code 0 wraps around: no value, no match
    }
    return kNoMoreDocs;
  }
  const index::NumericColumn& column_;
  uint64_t first_, span_;
  uint32_t max_doc_;
};

// Documents holding one keyword: a walk over the column's inverted list.
class KeywordScorer final : public FilterScorer {
 public:
  KeywordScorer(const index::KeywordColumn& column, uint32_t ord) : column_(column), ord_(ord) {
    std::tie(at_, end_) = column.Docs(ord);
    size_ = static_cast<uint64_t>(end_ - at_);
    doc_ = at_ == end_ ? kNoMoreDocs : *at_;
  }
  uint32_t Next() override { return doc_ = ++at_ < end_ ? *at_ : kNoMoreDocs; }
  uint32_t Advance(uint32_t target) override {
    // Galloping: targets are usually near.
    size_t step = 1;
    const uint32_t* lo = at_;
    while (step < static_cast<size_t>(end_ - lo) && lo[step] < target) {
      lo += step;
      step *= 2;
    }
    at_ = std::lower_bound(lo, lo + std::min(step + 1, static_cast<size_t>(end_ - lo)), target);
    return doc_ = at_ < end_ ? *at_ : kNoMoreDocs;
  }
  float Score() override { return 0; }
  uint64_t cost() const override { return size_; }
  bool Matches(uint32_t doc) const override { return column_.Has(doc, ord_); }

 private:
  const index::KeywordColumn& column_;
  uint32_t ord_;
  const uint32_t* at_;
  const uint32_t* end_;
  uint64_t size_;
};

// Terms at fixed relative positions (slop 0), or within `slop` moves of them
// (Lucene's sloppy phrase: a match of length L counts 1 / (1 + L); the sum is
// capped at the rarest term's frequency in the document). The
// phrase frequency is scored with BM25 like a term's; the weight uses the
// sum of the terms' idfs.
class PhraseScorer final : public Scorer {
 public:
  struct Term {
    index::TermInfo info;
    uint32_t offset;      // position in the phrase
    uint32_t first_copy;  // index of this term's first copy in the phrase (its own when it appears once)
  };
  PhraseScorer(const index::SegmentReader& segment, uint32_t field, const std::vector<Term>& terms, uint32_t slop,
               const Bm25& bm25);
  uint32_t Next() override;
  uint32_t Advance(uint32_t target) override;
  float Score() override { return bm25_.Score(freq_, doc_); }
  uint32_t ShallowAdvance(uint32_t target) override;
  float BlockMaxScore() override;
  uint64_t cost() const override { return lead_->doc_freq(); }

  // Two-phase use: move on the documents having every term, then ask.
  uint32_t ApproximateNext() { return doc_ = Align(lead_->Next()); }
  uint32_t ApproximateAdvance(uint32_t target) { return doc_ = Align(lead_->Advance(target)); }
  // An upper bound of the score at the current approximate document, from
  // the smallest term frequency (no positions read).
  float ApproximateBound();
  // Reads positions: whether the current document has the phrase. With a
  // threshold, also false (and sooner) once its score is sure to fall below
  // it: a phrase of three or more terms stops when the starts still standing
  // could not score that much.
  bool Matches(float threshold = -std::numeric_limits<float>::infinity());
  // The phrase frequency at the current document (after Matches()).
  float phrase_freq() const { return freq_; }

 private:
  uint32_t Align(uint32_t doc);
  float ExactFreq();
  float ExactFreq2();
  float SloppyFreq();

  std::vector<index::PostingsCursor> cursors_;
  std::vector<uint32_t> offsets_;
  std::vector<std::pair<uint32_t, uint32_t>> order_;  // ExactFreq(): (freq, term)
  std::vector<uint32_t> starts_;                       // ExactFreq(): candidate starts
  index::PostingsCursor* lead_;
  uint32_t slop_;
  Bm25 bm25_;
  float freq_ = 0;
  bool exhausted_ = false;
  float threshold_ = 0;  // Matches()'s, for ExactFreq()
  // SloppyFreq(): each term's copy in the query; terms that repeat share a
  // group (-1: a term that appears once).
  struct SloppyTerm {
    const uint32_t* positions = nullptr;
    uint32_t size = 0;
    uint32_t at = 0;
    bool queued = false;
  };
  std::vector<SloppyTerm> sloppy_;
  std::vector<int> repeat_group_;
};

}  // namespace loupe::search
