#include "search/scorers.h"

#include <algorithm>

namespace loupe::search {

ConjunctionScorer::ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children) : children_(std::move(children)) {
  for (auto& c : children_) {
    by_cost_.push_back(c.get());
    max_score_ += c->max_score();
  }
  std::stable_sort(by_cost_.begin(), by_cost_.end(), [](Scorer* a, Scorer* b) { return a->cost() < b->cost(); });
  lead_ = by_cost_[0];
  doc_ = Align(lead_->doc());
}

uint32_t ConjunctionScorer::Align(uint32_t doc) {
  for (;;) {
    if (doc == kNoMoreDocs) return kNoMoreDocs;
    bool aligned = true;
    for (size_t i = 1; i < by_cost_.size(); ++i) {
      Scorer* c = by_cost_[i];
      if (c->doc() < doc) c->Advance(doc);
      if (c->doc() > doc) {
        doc = lead_->Advance(c->doc());
        aligned = false;
        break;
      }
    }
    if (aligned) return doc;
  }
}

float ConjunctionScorer::Score() {
  float sum = 0;
  for (auto& c : children_) sum += c->Score();
  return sum;
}

uint32_t ConjunctionScorer::ShallowAdvance(uint32_t target) {
  uint32_t end = kNoMoreDocs;
  for (auto& c : children_) end = std::min(end, c->ShallowAdvance(target));
  return end;
}

float ConjunctionScorer::BlockMaxScore() {
  float sum = 0;
  for (auto& c : children_) sum += c->BlockMaxScore();
  return sum;
}

DisjunctionScorer::DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children) : children_(std::move(children)) {
  for (auto& c : children_) {
    max_score_ += c->max_score();
    cost_ += c->cost();
  }
  doc_ = Min();
}

uint32_t DisjunctionScorer::Min() const {
  uint32_t m = kNoMoreDocs;
  for (const auto& c : children_) m = std::min(m, c->doc());
  return m;
}

uint32_t DisjunctionScorer::Next() {
  for (auto& c : children_) {
    if (c->doc() == doc_) c->Next();
  }
  return doc_ = Min();
}

uint32_t DisjunctionScorer::Advance(uint32_t target) {
  for (auto& c : children_) {
    if (c->doc() < target) c->Advance(target);
  }
  return doc_ = Min();
}

float DisjunctionScorer::Score() {
  float sum = 0;
  for (auto& c : children_) {
    if (c->doc() == doc_) sum += c->Score();
  }
  return sum;
}

uint32_t DisjunctionScorer::ShallowAdvance(uint32_t target) {
  uint32_t end = kNoMoreDocs;
  for (auto& c : children_) end = std::min(end, c->ShallowAdvance(target));
  return end;
}

float DisjunctionScorer::BlockMaxScore() {
  float sum = 0;
  for (auto& c : children_) sum += c->BlockMaxScore();
  return sum;
}

ExclusionScorer::ExclusionScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> excluded)
    : required_(std::move(required)), excluded_(std::move(excluded)) {
  max_score_ = required_->max_score();
  doc_ = Skip(required_->doc());
}

bool ExclusionScorer::Excluded(uint32_t doc) {
  if (excluded_->doc() < doc) excluded_->Advance(doc);
  return excluded_->doc() == doc;
}

uint32_t ExclusionScorer::Skip(uint32_t doc) {
  while (doc != kNoMoreDocs && Excluded(doc)) doc = required_->Next();
  return doc;
}

OptionalScorer::OptionalScorer(std::unique_ptr<Scorer> required, std::unique_ptr<Scorer> optional)
    : required_(std::move(required)), optional_(std::move(optional)) {
  max_score_ = required_->max_score() + optional_->max_score();
  doc_ = required_->doc();
}

float OptionalScorer::Score() {
  float score = required_->Score();
  if (optional_->doc() < doc_) optional_->Advance(doc_);
  if (optional_->doc() == doc_) score += optional_->Score();
  return score;
}

uint32_t OptionalScorer::ShallowAdvance(uint32_t target) {
  return std::min(required_->ShallowAdvance(target), optional_->ShallowAdvance(target));
}

PhraseScorer::PhraseScorer(const index::SegmentReader& segment, uint32_t field, const std::vector<Term>& terms,
                           uint32_t slop, const Bm25& bm25)
    : cursors_(terms.size()), slop_(slop), bm25_(bm25) {
  max_score_ = bm25_.weight * kBoundSlack;
  for (size_t i = 0; i < terms.size(); ++i) {
    segment.OpenPostings(field, terms[i].info, &cursors_[i]);
    cursors_[i].PrefetchPositions();
    offsets_.push_back(terms[i].offset);
    // The phrase frequency never exceeds any of its terms' frequencies, so
    // each term's impact bounds the phrase's score.
    const float bound = terms[i].info.doc_freq == 1
                            ? bm25_.Score(static_cast<float>(terms[i].info.single_freq), terms[i].info.single_doc) *
                                  kBoundSlack
                            : bm25_.Bound(index::DecodeImpact(cursors_[i].term_impact()));
    max_score_ = std::min(max_score_, bound);
  }
  // Copies of one term form a repeat group, named by the first copy.
  repeat_group_.assign(terms.size(), -1);
  for (size_t i = 0; i < terms.size(); ++i) {
    if (terms[i].first_copy != i) repeat_group_[i] = repeat_group_[terms[i].first_copy] = static_cast<int>(terms[i].first_copy);
  }
  lead_ = &*std::min_element(cursors_.begin(), cursors_.end(),
                             [](const auto& a, const auto& b) { return a.doc_freq() < b.doc_freq(); });
  doc_ = Align(lead_->doc());
  while (doc_ != kNoMoreDocs && !Matches()) doc_ = Align(lead_->Next());
}

uint32_t PhraseScorer::Align(uint32_t doc) {
  for (;;) {
    if (doc == kNoMoreDocs) return kNoMoreDocs;
    bool aligned = true;
    for (auto& c : cursors_) {
      if (&c == lead_) continue;
      if (c.doc() < doc) c.Advance(doc);
      if (c.doc() > doc) {
        doc = lead_->Advance(c.doc());
        aligned = false;
        break;
      }
    }
    if (aligned) return doc;
  }
}

uint32_t PhraseScorer::Next() {
  uint32_t d = ApproximateNext();
  while (d != kNoMoreDocs && !Matches()) d = ApproximateNext();
  return doc_ = d;
}

uint32_t PhraseScorer::Advance(uint32_t target) {
  uint32_t d = ApproximateAdvance(target);
  while (d != kNoMoreDocs && !Matches()) d = ApproximateNext();
  return doc_ = d;
}

float PhraseScorer::ApproximateBound() {
  uint32_t min_freq = UINT32_MAX;
  for (auto& c : cursors_) min_freq = std::min(min_freq, c.freq());
  return bm25_.Score(static_cast<float>(min_freq), doc_) * kBoundSlack;
}

uint32_t PhraseScorer::ShallowAdvance(uint32_t target) {
  uint32_t end = kNoMoreDocs;
  exhausted_ = false;
  for (auto& c : cursors_) {
    const uint32_t last = c.ShallowAdvance(target);
    exhausted_ = exhausted_ || last == kNoMoreDocs;
    end = std::min(end, last);
  }
  return end;
}

float PhraseScorer::BlockMaxScore() {
  if (exhausted_) return 0;  // some term has no document left
  float bound = max_score_;
  for (auto& c : cursors_) {
    if (c.doc_freq() >= 2) bound = std::min(bound, bm25_.Bound(index::DecodeImpact(c.shallow_impact())));
  }
  return bound;
}

bool PhraseScorer::Matches(float threshold) {
  threshold_ = threshold;
  freq_ = slop_ == 0 ? ExactFreq() : SloppyFreq();
  return freq_ > 0;
}

namespace {

// Phrase positions are matched by comparing every pair when the lists are
// short (most documents): no branch to mispredict, where a merge's loop
// exits cost more than the compares (a quarter of a two-word phrase's time
// on Wikipedia). Longer lists are merged.
constexpr uint64_t kAllPairsLimit = 256;

// Whether the n positions q hold `want`.
inline bool Holds(const uint32_t* q, uint32_t n, uint64_t want) {
  if (want > UINT32_MAX) return false;
  const auto w = static_cast<uint32_t>(want);
  uint32_t hits = 0;
  for (uint32_t j = 0; j < n; ++j) hits += q[j] == w;
  return hits != 0;
}

}  // namespace

float PhraseScorer::ExactFreq() {
  // Candidate starts come from the term with the fewest positions in this
  // document; each other term, fewest first, keeps the starts it confirms.
  // A document usually fails on the first pair, and then the positions of
  // the remaining terms are never decoded (their cursors skip them later).
  const size_t n = cursors_.size();
  if (n == 2) return ExactFreq2();
  order_.resize(n);
  for (size_t i = 0; i < n; ++i) order_[i] = {cursors_[i].freq(), static_cast<uint32_t>(i)};
  std::sort(order_.begin(), order_.end());
  const size_t rarest = order_[0].second;
  const uint32_t* p = cursors_[rarest].Positions();
  starts_.clear();
  for (uint32_t r = 0; r < order_[0].first; ++r) {
    if (p[r] >= offsets_[rarest]) starts_.push_back(p[r] - offsets_[rarest]);
  }
  for (size_t o = 1; o < n && !starts_.empty(); ++o) {
    // The phrase occurs at most once per start left: when even that could
    // not reach the threshold, the remaining terms' positions are not read.
    if (o >= 2 && bm25_.Score(static_cast<float>(starts_.size()), doc_) * kBoundSlack < threshold_) return 0;
    const size_t i = order_[o].second;
    const uint32_t offset = offsets_[i];
    // Decoded only as far as the last start still standing needs.
    uint32_t size;
    const uint32_t* q = cursors_[i].PositionsThrough(
        static_cast<uint32_t>(std::min<uint64_t>(uint64_t{starts_.back()} + offset, UINT32_MAX)), &size);
    size_t kept = 0;
    if (uint64_t{starts_.size()} * size <= kAllPairsLimit) {
      for (const uint32_t start : starts_) {
        starts_[kept] = start;
        kept += Holds(q, size, uint64_t{start} + offset);
      }
      starts_.resize(kept);
      continue;
    }
    uint32_t at = 0;
    for (const uint32_t start : starts_) {
      const uint64_t want = uint64_t{start} + offset;
      while (at < size && q[at] < want) ++at;
      if (at == size) break;
      if (q[at] == want) starts_[kept++] = start;
    }
    starts_.resize(kept);
  }
  return static_cast<float>(starts_.size());
}

// Two terms (most phrases): nothing sorted, no list of starts kept. A start
// counts when the first term is at it and the second at its own offset
// from it.
float PhraseScorer::ExactFreq2() {
  index::PostingsCursor& a = cursors_[0];
  index::PostingsCursor& b = cursors_[1];
  const uint32_t fa = a.freq(), fb = b.freq();
  // The rarer term's positions first: when none of them could start the
  // phrase, the other term's are never decoded.
  const bool a_rarer = fa <= fb;
  index::PostingsCursor& rare = a_rarer ? a : b;
  index::PostingsCursor& other = a_rarer ? b : a;
  const uint32_t n_rare = a_rarer ? fa : fb;
  const uint32_t rare_offset = offsets_[a_rarer ? 0 : 1], other_offset = offsets_[a_rarer ? 1 : 0];
  const uint32_t* r = rare.Positions();
  if (r[n_rare - 1] < rare_offset) return 0;
  // The other term is decoded only as far as the last start needs.
  const uint64_t last_want = uint64_t{r[n_rare - 1]} - rare_offset + other_offset;
  uint32_t n_other;
  const uint32_t* o = other.PositionsThrough(static_cast<uint32_t>(std::min<uint64_t>(last_want, UINT32_MAX)), &n_other);
  // For each start the rarer term allows, the other term at its offset
  // from it: every pair compared when the lists are short, else a scan.
  uint32_t matches = 0;
  if (uint64_t{n_rare} * n_other <= kAllPairsLimit) {
    for (uint32_t i = 0; i < n_rare; ++i) {
      if (r[i] >= rare_offset) matches += Holds(o, n_other, uint64_t{r[i]} - rare_offset + other_offset);
    }
    return static_cast<float>(matches);
  }
  uint32_t j = 0;
  for (uint32_t i = 0; i < n_rare; ++i) {
    if (r[i] < rare_offset) continue;
    const uint64_t want = uint64_t{r[i]} - rare_offset + other_offset;
    while (j < n_other && o[j] < want) ++j;
    if (j == n_other) break;
    matches += o[j] == want;
  }
  return static_cast<float>(matches);
}

// Lucene's sloppy phrase frequency (SloppyPhraseScorer): the terms'
// positions, each less its offset in the phrase, advance smallest first; a
// match is the span from the smallest to the largest, shortened while the
// smallest term can still move without passing the next one, and counted
// once with 1 / (1 + length) when its length is within the slop. Terms that
// repeat in the query never stand on the same word: the j-th copy starts at
// the term's j-th position, and when two copies collide the lesser one moves.
// The sum is capped at the rarest term's frequency, which keeps the terms'
// impacts valid bounds of the phrase's score.
float PhraseScorer::SloppyFreq() {
  const size_t n = cursors_.size();
  sloppy_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    SloppyTerm& t = sloppy_[i];
    t.positions = cursors_[i].Positions();
    t.size = cursors_[i].freq();
    t.at = 0;
    t.queued = true;
  }
  // The j-th copy of a repeated term (copies ordered by offset) starts j
  // positions in.
  for (size_t i = 0; i < n; ++i) {
    if (repeat_group_[i] < 0) continue;
    for (size_t j = 0; j < n; ++j) {
      if (j != i && repeat_group_[j] == repeat_group_[i] && (offsets_[j] < offsets_[i] || (offsets_[j] == offsets_[i] && j < i))) {
        ++sloppy_[i].at;
      }
    }
    if (sloppy_[i].at >= sloppy_[i].size) return 0;
  }
  const auto position = [&](size_t i) {
    return static_cast<int64_t>(sloppy_[i].positions[sloppy_[i].at]) - static_cast<int64_t>(offsets_[i]);
  };
  // Ordered by position, then offset, then term.
  const auto less = [&](size_t a, size_t b) {
    const int64_t pa = position(a), pb = position(b);
    if (pa != pb) return pa < pb;
    if (offsets_[a] != offsets_[b]) return offsets_[a] < offsets_[b];
    return a < b;
  };
  // The queue is a scan: phrases have a handful of terms.
  const auto least_queued = [&] {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < n; ++i) {
      if (sloppy_[i].queued && (best == SIZE_MAX || less(i, best))) best = i;
    }
    return best;
  };
  const auto pop = [&] {
    const size_t best = least_queued();
    sloppy_[best].queued = false;
    return best;
  };
  const auto top_position = [&] { return position(least_queued()); };
  int64_t end = INT64_MIN;
  for (size_t i = 0; i < n; ++i) end = std::max(end, position(i));
  const auto advance = [&](size_t i) {
    if (++sloppy_[i].at >= sloppy_[i].size) return false;
    end = std::max(end, position(i));
    return true;
  };
  // Moves copies of i's term off the word i now stands on (the lesser of two
  // colliding copies moves); false when a copy runs out.
  const auto separate = [&](size_t i) {
    if (repeat_group_[i] < 0) return true;
    for (;;) {
      const int64_t word = position(i) + offsets_[i];
      size_t other = SIZE_MAX;
      for (size_t j = 0; j < n; ++j) {
        if (j != i && repeat_group_[j] == repeat_group_[i] && position(j) + offsets_[j] == word) {
          other = j;
          break;
        }
      }
      if (other == SIZE_MAX) return true;
      const int64_t pi = position(i), po = position(other);
      i = (pi < po || (pi == po && offsets_[i] < offsets_[other])) ? i : other;
      if (!advance(i)) return false;
    }
  };
  float freq = 0;
  size_t pp = pop();
  int64_t match_length = end - position(pp);
  int64_t next = top_position();
  while (advance(pp) && separate(pp)) {
    if (position(pp) > next) {  // the match cannot get shorter: count it
      if (match_length <= slop_) freq += 1.0f / (1.0f + static_cast<float>(match_length));
      sloppy_[pp].queued = true;
      pp = pop();
      next = top_position();
      match_length = end - position(pp);
    } else {
      match_length = std::min(match_length, end - position(pp));
    }
  }
  if (match_length <= slop_) freq += 1.0f / (1.0f + static_cast<float>(match_length));
  uint32_t rarest = UINT32_MAX;
  for (const SloppyTerm& t : sloppy_) rarest = std::min(rarest, t.size);
  return std::min(freq, static_cast<float>(rarest));
}

}  // namespace loupe::search
