// Searcher: turns a Query into scorers over each segment and collects the
// top k with dynamic pruning.
//
//  * A disjunction of terms at the top (the common ranked query) runs
//    block-max MaxScore: candidates come only from the terms that could
//    still matter on their own, the others are looked up while they could
//    lift a candidate over the k-th best score, and regions whose block
//    maxima cannot reach it are skipped. A disjunction of anything else
//    runs block-max WAND (Ding and Suel, SIGIR 2011): cursors sorted by
//    document, a pivot where the summed bounds first reach the k-th best
//    score, whole blocks skipped when their block maxima cannot reach it.
//  * A phrase at the top runs in two phases: documents having every term are
//    bounded by their smallest term frequency before any position is read.
//  * Anything else (conjunctions, nested booleans) runs one loop that skips
//    every region whose block-max bound is below the k-th best score
//    (Lucene's block-max conjunction).
// Statistics (document counts, document frequencies, average lengths) are
// summed over all segments and count live documents only (unlike Lucene), so
// merging away deleted documents never changes a score.
#include "loupe/searcher.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "codec/popcount.h"
#include "index/reader_impl.h"
#include "loupe/error.h"
#include "search/facets.h"
#include "search/scorers.h"
#include "search/top_k.h"

namespace loupe {

using index::SegmentReader;
using search::kNoMoreDocs;
using search::Scorer;

namespace {

constexpr size_t kMaxPrefixTerms = 1024;
constexpr size_t kMaxHits = 1 << 20;

// A boolean query whose clauses all exclude: it matches every document
// without them.
bool OnlyExclusions(const Query& query) {
  return query.kind() == Query::Kind::kBoolean && !query.clauses().empty() &&
         std::all_of(query.clauses().begin(), query.clauses().end(),
                     [](const Query::Clause& c) { return c.occur == Query::Occur::kMustNot; });
}

struct FieldStatistics {
  uint32_t number = 0;
  float weight = 1;
  uint64_t docs = 0;        // documents with the field, over all segments
  uint64_t sum_length = 0;
  float average_length() const { return docs == 0 ? 1.0f : static_cast<float>(static_cast<double>(sum_length) / docs); }
};

}  // namespace

struct Searcher::Impl {
  const IndexReader::Impl* reader;
  std::map<std::string, FieldStatistics> fields;  // by name

  // BM25 length factors per (segment, field, k1, b), computed once.
  struct NormKey {
    size_t segment;
    uint32_t field;
    float k1, b;
    bool operator<(const NormKey& o) const {
      return std::tie(segment, field, k1, b) < std::tie(o.segment, o.field, o.k1, o.b);
    }
  };
  mutable std::mutex norms_mu;
  mutable std::map<NormKey, std::shared_ptr<const std::vector<float>>> norms;
  mutable std::set<std::pair<float, float>> norm_parameters;  // the (k1, b) pairs in `norms`
  // Each (k1, b) pair costs 4 bytes per document and field: a searcher asked
  // for many keeps the tables of a few (searches running hold theirs).
  static constexpr size_t kMaxNormParameterPairs = 4;

  std::shared_ptr<const std::vector<float>> Norms(size_t segment, const FieldStatistics& field, float k1, float b) const {
    std::lock_guard<std::mutex> lock(norms_mu);
    const NormKey key{segment, field.number, k1, b};
    if (auto it = norms.find(key); it != norms.end()) return it->second;
    if (!norm_parameters.contains({k1, b}) && norm_parameters.size() >= kMaxNormParameterPairs) {
      norms.clear();
      norm_parameters.clear();
    }
    norm_parameters.insert({k1, b});
    const SegmentReader& seg = *reader->segments[segment];
    auto table = std::make_shared<std::vector<float>>(seg.max_doc());
    search::Bm25 bm25{0, k1, b, field.average_length(), nullptr};
    const codec::PackedReader* lengths = seg.Lengths(field.number);
    for (uint32_t d = 0; d < seg.max_doc(); ++d) {
      (*table)[d] = bm25.Norm(lengths ? static_cast<uint32_t>(lengths->Get(d)) : 0);
    }
    norms.emplace(key, table);
    return table;
  }

  const FieldStatistics& Field(const std::string& name) const {
    auto it = fields.find(name);
    if (it == fields.end()) throw InvalidArgumentError("unknown field '" + name + "' in the query");
    return it->second;
  }

  // Deleted documents of each segment, in order (empty: none).
  std::vector<std::vector<uint32_t>> deleted;

  // Live documents having the term. Deleted documents do not count, so that
  // merging (which drops them) never changes a score: for a segment with
  // deletions, the deleted docs among the term's postings are subtracted,
  // found by walking whichever of the two lists is shorter.
  uint64_t DocFreq(uint32_t field, const std::string& term) const {
    uint64_t df = 0;
    index::TermInfo info;
    for (size_t s = 0; s < reader->segments.size(); ++s) {
      if (reader->segments[s]->terms().Lookup(field, term, &info)) df += LiveDocFreq(s, field, info);
    }
    return df;
  }

  // The live documents of one segment's term.
  uint64_t LiveDocFreq(size_t s, uint32_t field, const index::TermInfo& info) const {
    uint64_t df = info.doc_freq;
    if (deleted[s].empty()) return df;
    const SegmentReader& seg = *reader->segments[s];
    index::PostingsCursor c;
    seg.OpenPostings(field, info, &c);
    if (deleted[s].size() < info.doc_freq) {
      for (uint32_t d : deleted[s]) df -= c.Advance(d) == d;
    } else {
      for (uint32_t d = c.doc(); d != kNoMoreDocs; d = c.Next()) df -= !seg.IsLive(d);
    }
    return df;
  }
};

namespace {

// What a query needs before scorers are built: per leaf, index-wide
// statistics; per prefix, its expansion.
class Prepared {
 public:
  Prepared(const Searcher::Impl& impl, const SearchOptions& options) : impl_(impl), options_(options) {}

  float FieldWeight(const FieldStatistics& f, const std::string& name) const {
    auto it = options_.field_weights.find(name);
    return it != options_.field_weights.end() ? it->second : f.weight;
  }

  float TermIdf(const FieldStatistics& f, const std::string& term) {
    auto key = std::make_pair(f.number, term);
    auto it = idf_.find(key);
    if (it != idf_.end()) return it->second;
    const float idf = search::Idf(f.docs, impl_.DocFreq(f.number, term));
    idf_.emplace(key, idf);
    return idf;
  }

  // The prefix's terms: the kMaxPrefixTerms with the most live documents
  // (deleted ones do not count, so that merging changes nothing).
  const std::vector<std::string>& Expansion(const FieldStatistics& f, const std::string& prefix) {
    auto key = std::make_pair(f.number, prefix);
    auto it = expansions_.find(key);
    if (it != expansions_.end()) return it->second;
    std::map<std::string, uint64_t> df;
    const auto collect = [&](bool live_only) {
      df.clear();
      for (size_t s = 0; s < impl_.reader->segments.size(); ++s) {
        const SegmentReader& seg = *impl_.reader->segments[s];
        for (auto t = seg.terms().Terms(f.number, prefix); t.valid() && t.term().starts_with(prefix); t.Next()) {
          const uint64_t n = live_only ? impl_.LiveDocFreq(s, f.number, t.info()) : t.info().doc_freq;
          if (n > 0) df[std::string(t.term())] += n;
        }
      }
    };
    // Counting live documents reads postings: only needed to rank the terms
    // when there are more than can be kept (a term whose documents are all
    // deleted matches nothing anyway).
    collect(false);
    if (df.size() > kMaxPrefixTerms) collect(true);
    std::vector<std::pair<std::string, uint64_t>> all(df.begin(), df.end());
    if (all.size() > kMaxPrefixTerms) {
      std::partial_sort(all.begin(), all.begin() + kMaxPrefixTerms, all.end(),
                        [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
      all.resize(kMaxPrefixTerms);
      std::sort(all.begin(), all.end());
    }
    std::vector<std::string> terms;
    for (auto& [t, n] : all) terms.push_back(t);
    return expansions_.emplace(key, std::move(terms)).first->second;
  }

  const Searcher::Impl& impl() const { return impl_; }
  const SearchOptions& options() const { return options_; }

  // The BM25 length factors of a segment's field; valid as long as this is.
  const float* Norms(size_t segment, const FieldStatistics& f) {
    held_norms_.push_back(impl_.Norms(segment, f, options_.k1, options_.b));
    return held_norms_.back()->data();
  }

 private:
  const Searcher::Impl& impl_;
  const SearchOptions& options_;
  std::vector<std::shared_ptr<const std::vector<float>>> held_norms_;
  std::map<std::pair<uint32_t, std::string>, float> idf_;
  std::map<std::pair<uint32_t, std::string>, std::vector<std::string>> expansions_;
};

struct BuildContext {
  Prepared& prepared;
  size_t segment_index;
  const SegmentReader& segment;
};

search::Bm25 MakeBm25(BuildContext& ctx, const FieldStatistics& f, float weight) {
  const SearchOptions& o = ctx.prepared.options();
  return {weight, o.k1, o.b, f.average_length(), ctx.prepared.Norms(ctx.segment_index, f)};
}

// The scorer of `query` in one segment, or null when nothing can match there.
std::unique_ptr<Scorer> Build(const Query& query, float boost, BuildContext& ctx) {
  const float b = boost * query.boost();
  // Each boost is bounded, but nested ones multiply: past the bound a score
  // could overflow to infinity, and the ranking with it.
  if (!(b <= kMaxBoost)) throw InvalidArgumentError("the boosts of nested queries multiply to more than 10^12");
  switch (query.kind()) {
    case Query::Kind::kMatchNone:
      return nullptr;
    case Query::Kind::kMatchAll:
      return std::make_unique<search::MatchAllScorer>(ctx.segment.max_doc());
    case Query::Kind::kKeyword: {
      const index::KeywordColumn* column = ctx.segment.columns().Keyword(query.field());
      const std::optional<uint32_t> ord = column ? column->Find(query.term()) : std::nullopt;
      if (!ord) return nullptr;
      auto scorer = std::make_unique<search::KeywordScorer>(*column, *ord);
      if (scorer->doc() == kNoMoreDocs) return nullptr;
      return scorer;
    }
    case Query::Kind::kRange: {
      const index::NumericColumn* column = ctx.segment.columns().Numeric(query.field());
      uint64_t first, last;
      if (column == nullptr || !column->CodeRange(query.lower(), query.upper(), &first, &last)) return nullptr;
      auto scorer = std::make_unique<search::NumericRangeScorer>(*column, first, last, ctx.segment.max_doc());
      if (scorer->doc() == kNoMoreDocs) return nullptr;
      return scorer;
    }
    case Query::Kind::kTerm: {
      const FieldStatistics& f = ctx.prepared.impl().Field(query.field());
      index::TermInfo info;
      if (!ctx.segment.terms().Lookup(f.number, query.term(), &info)) return nullptr;
      const float weight = b * ctx.prepared.FieldWeight(f, query.field()) * ctx.prepared.TermIdf(f, query.term());
      return std::make_unique<search::TermScorer>(ctx.segment, f.number, info, MakeBm25(ctx, f, weight));
    }
    case Query::Kind::kPrefix: {
      const FieldStatistics& f = ctx.prepared.impl().Field(query.field());
      std::vector<std::unique_ptr<Scorer>> children;
      for (const std::string& term : ctx.prepared.Expansion(f, query.term())) {
        index::TermInfo info;
        if (!ctx.segment.terms().Lookup(f.number, term, &info)) continue;
        const float weight = b * ctx.prepared.FieldWeight(f, query.field()) * ctx.prepared.TermIdf(f, term);
        children.push_back(std::make_unique<search::TermScorer>(ctx.segment, f.number, info, MakeBm25(ctx, f, weight)));
      }
      if (children.empty()) return nullptr;
      if (children.size() == 1) return std::move(children[0]);
      return std::make_unique<search::DisjunctionScorer>(std::move(children));
    }
    case Query::Kind::kPhrase: {
      const FieldStatistics& f = ctx.prepared.impl().Field(query.field());
      std::vector<search::PhraseScorer::Term> terms;
      float idf = 0;
      for (const Query::PhraseTerm& t : query.phrase()) {
        index::TermInfo info;
        if (!ctx.segment.terms().Lookup(f.number, t.term, &info)) return nullptr;
        // Copies of one term share the index of its first copy.
        uint32_t first_copy = static_cast<uint32_t>(terms.size());
        for (size_t j = 0; j < terms.size(); ++j) {
          if (query.phrase()[j].term == t.term) {
            first_copy = static_cast<uint32_t>(j);
            break;
          }
        }
        terms.push_back({info, t.position, first_copy});
        idf += ctx.prepared.TermIdf(f, t.term);
      }
      const float weight = b * ctx.prepared.FieldWeight(f, query.field()) * idf;
      auto scorer = std::make_unique<search::PhraseScorer>(ctx.segment, f.number, terms, query.slop(),
                                                           MakeBm25(ctx, f, weight));
      if (scorer->doc() == kNoMoreDocs) return nullptr;
      return scorer;
    }
    case Query::Kind::kBoolean: {
      std::vector<std::unique_ptr<Scorer>> must, should, must_not;
      for (const Query::Clause& c : query.clauses()) {
        std::unique_ptr<Scorer> s = Build(*c.query, b, ctx);
        switch (c.occur) {
          case Query::Occur::kMust:
            if (!s) return nullptr;  // a required clause that cannot match
            must.push_back(std::move(s));
            break;
          case Query::Occur::kShould:
            if (s) should.push_back(std::move(s));
            break;
          case Query::Occur::kMustNot:
            if (s) must_not.push_back(std::move(s));
            break;
        }
      }
      const auto combine = [](std::vector<std::unique_ptr<Scorer>> v, bool all) -> std::unique_ptr<Scorer> {
        if (v.empty()) return nullptr;
        if (v.size() == 1) return std::move(v[0]);
        if (all) return std::make_unique<search::ConjunctionScorer>(std::move(v));
        return std::make_unique<search::DisjunctionScorer>(std::move(v));
      };
      std::unique_ptr<Scorer> required = combine(std::move(must), true);
      std::unique_ptr<Scorer> optional = combine(std::move(should), false);
      std::unique_ptr<Scorer> base;
      if (required && optional) {
        base = std::make_unique<search::OptionalScorer>(std::move(required), std::move(optional));
      } else {
        base = required ? std::move(required) : std::move(optional);
      }
      // A group made only of exclusions, at any depth, is every document
      // except those (as "-war" on its own is), so that "+a +(-b)", "a AND
      // (-b)" and "a -b" agree.
      if (OnlyExclusions(query)) base = std::make_unique<search::MatchAllScorer>(ctx.segment.max_doc());
      if (!base) return nullptr;
      if (std::unique_ptr<Scorer> excluded = combine(std::move(must_not), false)) {
        base = std::make_unique<search::ExclusionScorer>(std::move(base), std::move(excluded));
      }
      if (base->doc() == kNoMoreDocs) return nullptr;
      return base;
    }
  }
  return nullptr;
}

// Which documents a collector may offer: live ones that pass every filter
// taken off the top of the query. Collectors that can skip ask for the next
// document passing the filters (the filters scan their columns forward, never
// re-reading a value, and the postings then skip there), and then need only
// Live(); the others check their candidates by random access.
class Acceptance {
 public:
  explicit Acceptance(const SegmentReader& seg) : seg_(seg) {}
  void Add(search::FilterScorer* filter) { filters_.push_back(filter); }
  bool filtered() const { return !filters_.empty(); }
  bool Live(uint32_t doc) const { return seg_.IsLive(doc); }
  bool operator()(uint32_t doc) const {
    if (!seg_.IsLive(doc)) return false;
    for (const search::FilterScorer* f : filters_) {
      if (!f->Matches(doc)) return false;
    }
    return true;
  }
  // The first document at or after `doc` that passes every filter (asked
  // with non-decreasing `doc`).
  uint32_t Next(uint32_t doc) {
    for (size_t i = 0; i < filters_.size() && doc != kNoMoreDocs;) {
      search::FilterScorer* f = filters_[i];
      if (f->doc() < doc) f->Advance(doc);
      if (f->doc() == doc) {
        ++i;
      } else {
        doc = f->doc();
        i = 0;
      }
    }
    return doc;
  }

 private:
  const SegmentReader& seg_;
  std::vector<search::FilterScorer*> filters_;
};

// Documents to leave out, asked about in increasing order.
class Exclusion {
 public:
  explicit Exclusion(std::unique_ptr<Scorer> scorer) : scorer_(std::move(scorer)) {}
  bool Excluded(uint32_t doc) {
    if (scorer_->doc() < doc) scorer_->Advance(doc);
    return scorer_->doc() == doc;
  }

 private:
  std::unique_ptr<Scorer> scorer_;
};

// Block-max WAND over the children of a top-level disjunction that are not
// all terms (those run BlockMaxMaxScore), in query order; `excluded` (may be
// null) removes documents.
void BlockMaxWand(const std::vector<Scorer*>& children, Exclusion* excluded, Acceptance& accept,
                  uint32_t segment, search::TopK& top) {
  struct Entry {
    Scorer* scorer;
    uint32_t doc;
    uint32_t order;  // position in the query, for the canonical sum
    float max;
  };
  std::vector<Entry> live;
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i]->doc() != kNoMoreDocs) {
      live.push_back({children[i], children[i]->doc(), static_cast<uint32_t>(i), children[i]->max_score()});
    }
  }
  std::vector<std::pair<uint32_t, float>> scored;  // (order, score) of the pivot document
  const auto sort_by_doc = [&] {
    std::erase_if(live, [](const Entry& e) { return e.doc == kNoMoreDocs; });
    // Few cursors, nearly sorted: insertion sort.
    for (size_t i = 1; i < live.size(); ++i) {
      for (size_t j = i; j > 0 && live[j].doc < live[j - 1].doc; --j) std::swap(live[j], live[j - 1]);
    }
  };
  sort_by_doc();
  while (!live.empty()) {
    const float threshold = top.threshold();
    // Pivot: the first cursor at which the summed maxima reach the threshold.
    size_t pivot = 0;
    float upper = 0;
    for (; pivot < live.size(); ++pivot) {
      upper += live[pivot].max;
      if (upper >= threshold) break;
    }
    if (pivot == live.size()) return;
    const uint32_t pivot_doc = live[pivot].doc;
    while (pivot + 1 < live.size() && live[pivot + 1].doc == pivot_doc) ++pivot;
    if (accept.filtered()) {
      // Nothing before the next document the filters pass can be collected:
      // every cursor moves there.
      const uint32_t next = accept.Next(pivot_doc);
      if (next != pivot_doc) {
        if (next == kNoMoreDocs) return;
        for (Entry& e : live) {
          if (e.doc < next) e.doc = e.scorer->Advance(next);
        }
        sort_by_doc();
        continue;
      }
    }
    if (top.full()) {
      float block_upper = 0;
      uint32_t block_end = kNoMoreDocs;
      for (size_t i = 0; i <= pivot; ++i) {
        block_end = std::min(block_end, live[i].scorer->ShallowAdvance(pivot_doc));
        block_upper += live[i].scorer->BlockMaxScore();
      }
      if (block_upper < threshold) {
        // Nothing up to the end of these blocks can enter: move past them.
        uint32_t next = block_end == kNoMoreDocs ? kNoMoreDocs : block_end + 1;
        if (pivot + 1 < live.size()) next = std::min(next, live[pivot + 1].doc);
        if (next <= pivot_doc) next = pivot_doc + 1;
        for (size_t i = 0; i <= pivot; ++i) {
          if (live[i].doc < next) live[i].doc = next == kNoMoreDocs ? kNoMoreDocs : live[i].scorer->Advance(next);
        }
        sort_by_doc();
        continue;
      }
    }
    if (live[0].doc == pivot_doc) {
      // Every cursor up to the pivot is on the pivot document: score it,
      // summing in query order.
      if (accept.Live(pivot_doc) && !(excluded && excluded->Excluded(pivot_doc))) {
        scored.clear();
        for (size_t i = 0; i <= pivot; ++i) scored.emplace_back(live[i].order, live[i].scorer->Score());
        for (size_t i = 1; i < scored.size(); ++i) {
          for (size_t j = i; j > 0 && scored[j].first < scored[j - 1].first; --j) std::swap(scored[j], scored[j - 1]);
        }
        float score = 0;
        for (const auto& [order, value] : scored) score += value;
        top.Offer(score, segment, pivot_doc);
      }
      for (size_t i = 0; i <= pivot; ++i) live[i].doc = live[i].scorer->Next();
    } else {
      for (size_t i = 0; i < pivot && live[i].doc < pivot_doc; ++i) live[i].doc = live[i].scorer->Advance(pivot_doc);
    }
    sort_by_doc();
  }
}

// Block-max MaxScore (Turtle and Flood, 1995, with per-block maxima) over a
// top-level disjunction of terms: the terms with the smallest maxima whose
// sum stays below the k-th best score are "non-essential" - a document
// matching only them cannot enter - so candidates come from the others
// alone, and non-essential terms are looked up (largest first) only while
// they could still lift the candidate over the threshold. Regions whose
// summed block maxima cannot reach the threshold are skipped whole. Scores
// are summed in query order, as every path must for equal scores.
void BlockMaxMaxScore(const std::vector<search::TermScorer*>& children, Exclusion* excluded, Acceptance& accept,
                      uint32_t segment, search::TopK& top) {
  struct Entry {
    search::TermScorer* scorer;
    uint32_t order;  // position in the query
    float max;
  };
  std::vector<Entry> terms;  // by increasing maximum
  for (size_t i = 0; i < children.size(); ++i) {
    if (children[i]->doc() != kNoMoreDocs) {
      terms.push_back({children[i], static_cast<uint32_t>(i), children[i]->max_score()});
    }
  }
  std::stable_sort(terms.begin(), terms.end(), [](const Entry& a, const Entry& b) { return a.max < b.max; });
  const size_t n = terms.size();
  std::vector<float> below(n + 1, 0.0f);  // below[i]: sum of the maxima of terms[0, i)
  for (size_t i = 0; i < n; ++i) below[i + 1] = below[i] + terms[i].max;
  std::vector<float> value(children.size());
  std::vector<uint8_t> matched(children.size());
  size_t essential = 0;  // terms[essential, n) drive the candidates
  for (;;) {
    const float threshold = top.threshold();
    while (essential < n && below[essential + 1] < threshold) ++essential;
    if (essential == n) return;
    uint32_t doc = kNoMoreDocs;
    for (size_t i = essential; i < n; ++i) doc = std::min(doc, terms[i].scorer->doc());
    if (doc == kNoMoreDocs) return;
    if (accept.filtered()) {  // before any scoring: on to the next document the filters pass
      const uint32_t next = accept.Next(doc);
      if (next != doc) {
        if (next == kNoMoreDocs) return;
        for (size_t i = essential; i < n; ++i) {
          if (terms[i].scorer->doc() < next) terms[i].scorer->Advance(next);
        }
        continue;
      }
    }
    if (top.full()) {
      float block_upper = 0;
      uint32_t block_end = kNoMoreDocs;
      for (size_t i = 0; i < n; ++i) {
        block_end = std::min(block_end, terms[i].scorer->ShallowAdvance(doc));
        block_upper += terms[i].scorer->BlockMaxScore();
      }
      if (block_upper < threshold) {
        if (block_end == kNoMoreDocs) return;
        for (size_t i = essential; i < n; ++i) {
          if (terms[i].scorer->doc() <= block_end) terms[i].scorer->Advance(block_end + 1);
        }
        continue;
      }
    }
    std::fill(matched.begin(), matched.end(), 0);
    float partial = 0;
    for (size_t i = essential; i < n; ++i) {
      search::TermScorer* t = terms[i].scorer;
      if (t->doc() != doc) continue;
      value[terms[i].order] = t->Score();
      matched[terms[i].order] = 1;
      partial += value[terms[i].order];
      t->Next();
    }
    bool possible = true;
    for (size_t i = essential; i-- > 0;) {
      if (partial + below[i + 1] < threshold) {
        possible = false;
        break;
      }
      search::TermScorer* t = terms[i].scorer;
      if (t->doc() < doc) t->Advance(doc);
      if (t->doc() == doc) {
        value[terms[i].order] = t->Score();
        matched[terms[i].order] = 1;
        partial += value[terms[i].order];
      }
    }
    if (!possible || !accept.Live(doc) || (excluded && excluded->Excluded(doc))) continue;
    float score = 0;
    for (size_t o = 0; o < value.size(); ++o) {
      if (matched[o]) score += value[o];
    }
    top.Offer(score, segment, doc);
  }
}

// A conjunction of terms (the common "all words" query): the steps of
// CollectGeneric over a ConjunctionScorer - the same alignment, bounds and
// query-order sums - with the term scorers called directly. Its own loop,
// alignment included: CollectGeneric over a non-virtual wrapper measured
// 10-15% slower, and sharing ConjunctionScorer's alignment as a template
// function 3-10% (bench/search_bench, BM_Search/and_frequent).
void CollectTermConjunction(const std::vector<search::TermScorer*>& terms, Acceptance& accept,
                            uint32_t segment, search::TopK& top) {
  std::vector<search::TermScorer*> by_cost = terms;
  std::stable_sort(by_cost.begin(), by_cost.end(), [](auto* a, auto* b) { return a->cost() < b->cost(); });
  search::TermScorer* lead = by_cost[0];
  float max_sum = 0;
  for (auto* t : terms) max_sum += t->max_score();
  const auto align = [&](uint32_t doc) {
    for (;;) {
      if (doc == kNoMoreDocs) return kNoMoreDocs;
      bool aligned = true;
      for (size_t i = 1; i < by_cost.size(); ++i) {
        search::TermScorer* c = by_cost[i];
        if (c->doc() < doc) c->Advance(doc);
        if (c->doc() > doc) {
          doc = lead->Advance(c->doc());
          aligned = false;
          break;
        }
      }
      if (aligned) return doc;
    }
  };
  uint32_t block_end = 0;
  float block_bound = std::numeric_limits<float>::infinity();
  bool have_block = false;
  for (uint32_t d = align(lead->doc()); d != kNoMoreDocs;) {
    if (top.full()) {
      const float threshold = top.threshold();
      if (max_sum < threshold) return;
      if (!have_block || d > block_end) {
        block_end = kNoMoreDocs;
        block_bound = 0;
        for (auto* t : terms) block_end = std::min(block_end, t->ShallowAdvance(d));
        for (auto* t : terms) block_bound += t->BlockMaxScore();
        have_block = true;
      }
      if (block_bound < threshold) {
        if (block_end == kNoMoreDocs) return;
        d = align(lead->Advance(block_end + 1));
        continue;
      }
    }
    if (accept.filtered()) {
      const uint32_t next = accept.Next(d);
      if (next != d) {
        d = next == kNoMoreDocs ? kNoMoreDocs : align(lead->Advance(next));
        continue;
      }
    }
    if (accept.Live(d)) {
      float score = 0;
      for (auto* t : terms) score += t->Score();
      top.Offer(score, segment, d);
    }
    d = align(lead->Next());
  }
}

// Every other query: one loop that skips regions whose block bound is below
// the threshold.
void CollectGeneric(Scorer& s, const Acceptance& accept, uint32_t segment, search::TopK& top) {
  uint32_t block_end = 0;
  float block_bound = std::numeric_limits<float>::infinity();
  bool have_block = false;
  for (uint32_t d = s.doc(); d != kNoMoreDocs;) {
    if (top.full()) {
      const float threshold = top.threshold();
      if (s.max_score() < threshold) return;
      if (!have_block || d > block_end) {
        block_end = s.ShallowAdvance(d);
        block_bound = s.BlockMaxScore();
        have_block = true;
      }
      if (block_bound < threshold) {
        if (block_end == kNoMoreDocs) return;
        d = s.Advance(block_end + 1);
        continue;
      }
    }
    if (accept(d)) top.Offer(s.Score(), segment, d);
    d = s.Next();
  }
}

// A top-level phrase: positions are read only for documents whose smallest
// term frequency could still beat the threshold.
void CollectPhrase(search::PhraseScorer& s, const Acceptance& accept, uint32_t segment, search::TopK& top) {
  uint32_t d = s.doc();
  if (d == kNoMoreDocs) return;
  if (accept(d)) top.Offer(s.Score(), segment, d);  // the constructor found the first match
  uint32_t block_end = 0;
  float block_bound = std::numeric_limits<float>::infinity();
  bool have_block = false;
  d = s.ApproximateNext();
  while (d != kNoMoreDocs) {
    if (top.full()) {
      const float threshold = top.threshold();
      if (s.max_score() < threshold) return;
      if (!have_block || d > block_end) {
        block_end = s.ShallowAdvance(d);
        block_bound = s.BlockMaxScore();
        have_block = true;
      }
      if (block_bound < threshold) {
        if (block_end == kNoMoreDocs) return;
        d = s.ApproximateAdvance(block_end + 1);
        continue;
      }
      if (s.ApproximateBound() < threshold) {
        d = s.ApproximateNext();
        continue;
      }
    }
    if (accept(d) && s.Matches(top.full() ? top.threshold() : -std::numeric_limits<float>::infinity())) {
      top.Offer(s.Score(), segment, d);
    }
    d = s.ApproximateNext();
  }
}

// The children of a conjunction made only of terms, in query order; empty
// for anything else.
std::vector<search::TermScorer*> TermChildren(Scorer* scorer) {
  std::vector<search::TermScorer*> terms;
  auto* conjunction = dynamic_cast<search::ConjunctionScorer*>(scorer);
  if (conjunction == nullptr) return terms;
  for (const auto& c : conjunction->children()) {
    auto* t = dynamic_cast<search::TermScorer*>(c.get());
    if (t == nullptr) return {};
    terms.push_back(t);
  }
  return terms;
}

// Splits off the required filters (keyword and range clauses) of a boolean
// query whose other clauses still require something: returns the rest, or
// null when there is nothing to split. (When nothing else is required, a
// document passing only the filters is a hit too, so they stay.)
QueryPtr SplitFilters(const Query& q, std::vector<QueryPtr>* filters) {
  if (q.kind() != Query::Kind::kBoolean || q.boost() != 1.0f) return nullptr;
  std::vector<Query::Clause> rest;
  bool rest_requires = false;
  for (const Query::Clause& c : q.clauses()) {
    const bool filter = c.query->kind() == Query::Kind::kKeyword || c.query->kind() == Query::Kind::kRange;
    if (c.occur == Query::Occur::kMust && filter) {
      filters->push_back(c.query);
    } else {
      rest_requires |= c.occur == Query::Occur::kMust;
      rest.push_back(c);
    }
  }
  if (filters->empty() || !rest_requires) {
    filters->clear();
    return nullptr;
  }
  if (rest.size() == 1) return rest[0].query;  // a lone required clause
  return Query::Boolean(std::move(rest));
}

bool IsTopDisjunction(const Query& q) {
  if (q.kind() != Query::Kind::kBoolean) return false;
  bool any_should = false;
  for (const auto& c : q.clauses()) {
    if (c.occur == Query::Occur::kMust) return false;
    if (c.occur == Query::Occur::kShould) any_should = true;
  }
  return any_should;
}

}  // namespace

Searcher::Searcher(std::shared_ptr<const IndexReader> reader) : reader_(std::move(reader)), impl_(std::make_unique<Impl>()) {
  impl_->reader = &reader_->impl();
  const Schema& schema = reader_->schema();
  for (const auto& seg : impl_->reader->segments) {
    std::vector<uint32_t> deleted;
    for (uint32_t d = 0; seg->live_docs() != nullptr && d < seg->max_doc(); ++d) {
      if (!seg->IsLive(d)) deleted.push_back(d);
    }
    impl_->deleted.push_back(std::move(deleted));
  }
  // Statistics of the live documents (see DocFreq).
  for (size_t i = 0; i < schema.text_fields.size(); ++i) {
    FieldStatistics f;
    f.number = index::TextFieldNumber(i);
    f.weight = schema.text_fields[i].weight;
    for (size_t s = 0; s < impl_->reader->segments.size(); ++s) {
      const SegmentReader& seg = *impl_->reader->segments[s];
      if (const index::FieldStats* stats = seg.info().Field(f.number)) {
        f.docs += stats->docs_with_field;
        f.sum_length += stats->sum_length;
      }
      const codec::PackedReader* lengths = seg.Lengths(f.number);
      for (uint32_t d : impl_->deleted[s]) {
        const uint64_t length = lengths ? lengths->Get(d) : 0;
        f.sum_length -= length;
        f.docs -= length > 0;
      }
    }
    impl_->fields[schema.text_fields[i].name] = f;
  }
}

Searcher::~Searcher() = default;

namespace {

// A hit sorted by a date or integer field: documents without a value last,
// ties by score, then by id.
struct ValuedDoc {
  bool has_value;
  int64_t value;
  search::ScoredDoc scored;
};

struct ByValueThenScore {
  bool descending;
  search::ByScoreThenId by_score;
  bool operator()(const ValuedDoc& a, const ValuedDoc& b) const {
    if (a.has_value != b.has_value) return a.has_value;
    if (a.has_value && a.value != b.value) return descending ? a.value > b.value : a.value < b.value;
    return by_score(a.scored, b.scored);
  }
};

// Sorting by a field or counting facets: every matching document is visited
// (and scored when hits are wanted), so there is nothing to prune.
SearchResults SearchAll(const Searcher::Impl& impl, const Schema& schema, const Query& query,
                        const SearchOptions& options) {
  const bool by_field = !options.sort.field.empty();
  if (by_field) {
    const ScalarField* f = schema.FindScalar(options.sort.field);
    if (f == nullptr || (f->type != ScalarType::kDate && f->type != ScalarType::kInteger)) {
      throw InvalidArgumentError("cannot sort by '" + options.sort.field + "': not a date or integer field");
    }
  }
  std::vector<search::FacetCounter> facets;
  for (const FacetRequest& r : options.facets) facets.emplace_back(r, schema);
  const size_t want = options.k + options.offset;
  const auto& segments = impl.reader->segments;
  search::TopK by_score(want, segments);
  search::BestK<ValuedDoc, ByValueThenScore> by_value(want, {options.sort.descending, {&segments}});
  Prepared prepared(impl, options);
  uint64_t total = 0;
  for (size_t s = 0; s < segments.size(); ++s) {
    const SegmentReader& seg = *segments[s];
    for (search::FacetCounter& f : facets) f.StartSegment(seg);
    BuildContext ctx{prepared, s, seg};
    std::unique_ptr<Scorer> scorer = Build(query, 1.0f, ctx);
    if (!scorer) continue;
    const index::NumericColumn* sort_column = by_field ? seg.columns().Numeric(options.sort.field) : nullptr;
    const auto segment = static_cast<uint32_t>(s);
    for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) {
      if (!seg.IsLive(d)) continue;
      ++total;
      for (search::FacetCounter& f : facets) f.Count(d);
      if (want == 0) continue;
      if (by_field) {
        ValuedDoc e{false, 0, {scorer->Score(), segment, d}};
        e.has_value = sort_column != nullptr && sort_column->Get(d, &e.value);
        by_value.Offer(e);
      } else {
        by_score.Offer(scorer->Score(), segment, d);
      }
    }
  }
  SearchResults results;
  results.total_hits = total;
  const auto add = [&](float score, uint32_t segment, uint32_t doc) {
    results.hits.push_back({std::string(segments[segment]->Id(doc)), score, segment, doc});
  };
  if (by_field) {
    const std::vector<ValuedDoc> best = by_value.Sorted();
    for (size_t i = options.offset; i < best.size(); ++i) add(best[i].scored.score, best[i].scored.segment, best[i].scored.doc);
  } else {
    const std::vector<search::TopK::Entry> best = by_score.Sorted();
    for (size_t i = options.offset; i < best.size(); ++i) add(best[i].score, best[i].segment, best[i].doc);
  }
  for (search::FacetCounter& f : facets) results.facets.push_back(f.Finish());
  return results;
}

// Every field a query names is one of the index that its kind of node can
// search: a term on a keyword field, or a range on a text field, would
// otherwise match nothing without a word.
void CheckQueryFields(const Query& query, const Schema& schema) {
  switch (query.kind()) {
    case Query::Kind::kBoolean:
      for (const Query::Clause& c : query.clauses()) CheckQueryFields(*c.query, schema);
      return;
    case Query::Kind::kMatchAll:
    case Query::Kind::kMatchNone:
      return;
    default:
      break;
  }
  const std::string& name = query.field();
  const bool text_query = query.kind() == Query::Kind::kTerm || query.kind() == Query::Kind::kPhrase ||
                          query.kind() == Query::Kind::kPrefix;
  if (schema.Find(name) != nullptr) {
    if (text_query) return;
    throw InvalidArgumentError("field '" + name + "' is a text field: " +
                               (query.kind() == Query::Kind::kKeyword ? "Query::Keyword needs a keyword field"
                                                                      : "Query::Range needs a date or integer field"));
  }
  const ScalarField* scalar = schema.FindScalar(name);
  if (scalar == nullptr) throw InvalidArgumentError("unknown field '" + name + "' in the query");
  // "a keyword field", "a date field", "an integer field".
  const std::string type = std::string(scalar->type == ScalarType::kInteger ? "an " : "a ") + ScalarTypeName(scalar->type);
  if (scalar->type == ScalarType::kStored) {
    throw InvalidArgumentError("field '" + name + "' is stored only, not searchable");
  }
  if (text_query) {
    throw InvalidArgumentError(
        "field '" + name + "' is " + type + " field: terms, phrases and prefixes need a text field (" +
        (scalar->type == ScalarType::kKeyword ? "Query::Keyword" : "Query::Range") + " searches it)");
  }
  const bool fits = query.kind() == Query::Kind::kKeyword ? scalar->type == ScalarType::kKeyword
                                                          : scalar->type != ScalarType::kKeyword;
  if (!fits) {
    throw InvalidArgumentError("field '" + name + "' is " + type + " field: " +
                               (query.kind() == Query::Kind::kKeyword ? "Query::Range" : "Query::Keyword") +
                               " searches it");
  }
}

// What scoring and pruning can honour: the query's fields, and pruning
// bounds assume positive, finite weights (a negative one would make them
// skip the best hits) of text fields.
void CheckRequest(const Query& query, const SearchOptions& options, const Schema& schema) {
  CheckQueryFields(query, schema);
  if (!(options.k1 >= 0 && std::isfinite(options.k1)) || !(options.b >= 0 && options.b <= 1)) {
    throw InvalidArgumentError("BM25 needs a finite k1 >= 0 and 0 <= b <= 1");
  }
  for (const auto& [field, weight] : options.field_weights) {
    if (schema.Find(field) == nullptr) {
      throw InvalidArgumentError("field_weights names '" + field + "', not a text field of the index");
    }
    if (!(weight > 0 && weight < 1e6f)) {
      throw InvalidArgumentError("the weight of field '" + field + "' must be a positive number below 10^6");
    }
  }
}

// A hit of this searcher's snapshot: in range, the document it names, and
// live in it (a hit of an older snapshot could name a deleted or replaced
// version that the segment still holds).
void CheckHit(const IndexReader::Impl& reader, const Hit& hit) {
  const auto& segments = reader.segments;
  if (hit.segment >= segments.size() || hit.doc >= segments[hit.segment]->max_doc() ||
      segments[hit.segment]->Id(hit.doc) != hit.id) {
    throw InvalidArgumentError("the hit does not belong to this searcher's index");
  }
  if (!segments[hit.segment]->IsLive(hit.doc)) {
    throw InvalidArgumentError("the hit names a document deleted or replaced in this searcher's snapshot (a hit of an "
                               "older reader?)");
  }
}

}  // namespace

SearchResults Searcher::Search(const Query& query, const SearchOptions& options) const {
  if (options.k > kMaxHits || options.offset > kMaxHits - options.k) throw InvalidArgumentError("k + offset must be at most 1,048,576");
  CheckRequest(query, options, reader_->schema());
  if (!options.sort.field.empty() || !options.facets.empty()) {
    return SearchAll(*impl_, reader_->schema(), query, options);
  }
  SearchResults results;
  const size_t want = options.k + options.offset;
  if (want == 0) return results;
  const auto& segments = impl_->reader->segments;
  search::TopK top(want, segments);
  Prepared prepared(*impl_, options);
  // Required filters at the top ("+(oil gas) +date:[...]") come off the
  // query: the rest runs its own pruning and the filters are checked on its
  // candidates. (Without pruning the query runs whole, as the reference.)
  std::vector<QueryPtr> filters;
  const QueryPtr rest = options.prune ? SplitFilters(query, &filters) : nullptr;
  const Query& main = rest ? *rest : query;
  const bool disjunction = options.prune && IsTopDisjunction(main) && main.boost() > 0;
  for (size_t s = 0; s < segments.size(); ++s) {
    BuildContext ctx{prepared, s, *segments[s]};
    const auto segment = static_cast<uint32_t>(s);
    Acceptance accept(*segments[s]);
    std::vector<std::unique_ptr<Scorer>> filter_scorers;
    for (const QueryPtr& f : filters) {
      filter_scorers.push_back(Build(*f, 1.0f, ctx));
      if (!filter_scorers.back()) break;
      accept.Add(static_cast<search::FilterScorer*>(filter_scorers.back().get()));
    }
    if (!filter_scorers.empty() && !filter_scorers.back()) continue;  // a filter nothing here passes
    if (disjunction) {
      // Children built one by one, so WAND drives the term scorers directly.
      std::vector<std::unique_ptr<Scorer>> children, excluded;
      for (const Query::Clause& c : main.clauses()) {
        std::unique_ptr<Scorer> child = Build(*c.query, main.boost(), ctx);
        if (!child) continue;
        (c.occur == Query::Occur::kShould ? children : excluded).push_back(std::move(child));
      }
      if (children.empty()) continue;
      std::unique_ptr<Exclusion> exclusion;
      if (!excluded.empty()) {
        exclusion = std::make_unique<Exclusion>(excluded.size() == 1
                                                    ? std::move(excluded[0])
                                                    : std::make_unique<search::DisjunctionScorer>(std::move(excluded)));
      }
      std::vector<search::TermScorer*> terms;
      for (auto& c : children) {
        if (auto* t = dynamic_cast<search::TermScorer*>(c.get())) terms.push_back(t);
      }
      if (terms.size() == children.size()) {
        BlockMaxMaxScore(terms, exclusion.get(), accept, segment, top);
      } else {
        std::vector<Scorer*> any;
        for (auto& c : children) any.push_back(c.get());
        BlockMaxWand(any, exclusion.get(), accept, segment, top);
      }
      continue;
    }
    std::unique_ptr<Scorer> scorer = Build(main, 1.0f, ctx);
    if (!scorer) continue;
    if (!options.prune) {
      for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) {
        if (segments[s]->IsLive(d)) top.Offer(scorer->Score(), segment, d);
      }
    } else if (auto* phrase = dynamic_cast<search::PhraseScorer*>(scorer.get())) {
      CollectPhrase(*phrase, accept, segment, top);
    } else if (std::vector<search::TermScorer*> terms = TermChildren(scorer.get()); !terms.empty()) {
      CollectTermConjunction(terms, accept, segment, top);
    } else {
      CollectGeneric(*scorer, accept, segment, top);
    }
  }
  std::vector<search::TopK::Entry> best = top.Sorted();
  for (size_t i = options.offset; i < best.size(); ++i) {
    const auto& e = best[i];
    results.hits.push_back({std::string(segments[e.segment]->Id(e.doc)), e.score, e.segment, e.doc});
  }
  return results;
}

namespace {

// CountConjunction() for dense lists, through a bitmap of the candidates: a
// list not much longer than the candidates is read straight through (a few
// instructions a doc, no search), a longer one probed at each candidate.
uint64_t CountConjunctionDense(std::vector<index::PostingsCursor>& cursors, const SegmentReader& seg) {
  const uint32_t max_doc = seg.max_doc();
  std::vector<uint64_t> candidates((max_doc + 63) / 64, 0);
  index::PostingsCursor& lead = cursors[0];
  for (uint32_t d = lead.doc(); d < max_doc; d = lead.Next()) candidates[d >> 6] |= uint64_t{1} << (d & 63);
  uint64_t remaining = lead.doc_freq();
  std::vector<uint64_t> kept(candidates.size());
  for (size_t i = 1; i < cursors.size() && remaining > 0; ++i) {
    index::PostingsCursor& c = cursors[i];
    if (c.doc_freq() <= 16 * remaining) {
      std::fill(kept.begin(), kept.end(), 0);
      for (uint32_t d = c.doc(); d < max_doc; d = c.Next()) {
        kept[d >> 6] |= candidates[d >> 6] & (uint64_t{1} << (d & 63));
      }
      candidates.swap(kept);
    } else {
      for (size_t w = 0; w < candidates.size(); ++w) {
        for (uint64_t bits = candidates[w]; bits != 0; bits &= bits - 1) {
          const auto d = static_cast<uint32_t>(w * 64 + std::countr_zero(bits));
          if (c.Advance(d) != d) candidates[w] &= ~(uint64_t{1} << (d & 63));
        }
      }
    }
    remaining = 0;
    for (const uint64_t word : candidates) remaining += codec::PopCount(word);
  }
  if (seg.live_docs() == nullptr) return remaining;
  uint64_t count = 0;
  for (size_t w = 0; w < candidates.size(); ++w) {
    for (uint64_t bits = candidates[w]; bits != 0; bits &= bits - 1) {
      count += seg.IsLive(static_cast<uint32_t>(w * 64 + std::countr_zero(bits)));
    }
  }
  return count;
}

// Counts the documents having every term, straight over the postings: no
// scores, no frequencies, no virtual calls (the common counting query).
uint64_t CountConjunction(std::vector<index::PostingsCursor>& cursors, const SegmentReader& seg) {
  std::sort(cursors.begin(), cursors.end(), [](const auto& a, const auto& b) { return a.doc_freq() < b.doc_freq(); });
  index::PostingsCursor& lead = cursors[0];
  if (cursors.size() == 1 && seg.live_docs() == nullptr) return lead.doc_freq();
  // A bitmap costs max_doc / 8 bytes to clear: worth it once the shortest
  // list has a document in every 64 or so.
  if (cursors.size() > 1 && uint64_t{lead.doc_freq()} * 64 >= seg.max_doc()) return CountConjunctionDense(cursors, seg);
  uint64_t count = 0;
  uint32_t doc = lead.doc();
  while (doc != kNoMoreDocs) {
    bool aligned = true;
    for (size_t i = 1; i < cursors.size(); ++i) {
      const uint32_t d = cursors[i].Advance(doc);
      if (d > doc) {
        doc = lead.Advance(d);
        aligned = false;
        break;
      }
    }
    if (!aligned) continue;
    count += seg.IsLive(doc);
    doc = lead.Next();
  }
  return count;
}

// The terms of a query made only of required terms of one field, if it is one.
bool RequiredTerms(const Query& q, std::string* field, std::vector<std::string>* terms) {
  if (q.kind() == Query::Kind::kTerm) {
    if (!field->empty() && *field != q.field()) return false;
    *field = q.field();
    terms->push_back(q.term());
    return true;
  }
  if (q.kind() != Query::Kind::kBoolean) return false;
  for (const Query::Clause& c : q.clauses()) {
    if (c.occur != Query::Occur::kMust || !RequiredTerms(*c.query, field, terms)) return false;
  }
  return !terms->empty();
}

}  // namespace

uint64_t Searcher::Count(const Query& query) const {
  CheckQueryFields(query, reader_->schema());
  SearchOptions options;
  Prepared prepared(*impl_, options);
  uint64_t count = 0;
  const auto& segments = impl_->reader->segments;
  std::string field;
  std::vector<std::string> terms;
  const bool conjunction = RequiredTerms(query, &field, &terms);
  for (size_t s = 0; s < segments.size(); ++s) {
    const SegmentReader& seg = *segments[s];
    if (conjunction) {
      const uint32_t number = impl_->Field(field).number;
      std::vector<index::PostingsCursor> cursors(terms.size());
      bool all = true;
      for (size_t i = 0; i < terms.size() && all; ++i) {
        index::TermInfo info;
        all = seg.terms().Lookup(number, terms[i], &info);
        if (all) seg.OpenPostings(number, info, &cursors[i]);
      }
      if (all) count += CountConjunction(cursors, seg);
      continue;
    }
    BuildContext ctx{prepared, s, seg};
    std::unique_ptr<Scorer> scorer = Build(query, 1.0f, ctx);
    if (!scorer) continue;
    if (seg.live_docs() == nullptr) {
      for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) ++count;
    } else {
      for (uint32_t d = scorer->doc(); d != kNoMoreDocs; d = scorer->Next()) count += seg.IsLive(d);
    }
  }
  return count;
}

namespace {

std::string Describe(const char* what, float value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(value));
  return std::string(what) + " " + buf;
}

// Per-leaf explanation of one document, mirroring Build(). `matched` says
// whether the document matches `query` (not read from the wording: an
// exclusion deep inside a group is a non-match that says "excluded").
Explanation ExplainNode(const Query& query, float boost, BuildContext& ctx, uint32_t doc, bool& matched) {
  const Schema& schema = ctx.prepared.impl().reader->manifest.schema;  // dates written as dates
  const float b = boost * query.boost();
  matched = true;
  const auto no_match = [&matched](std::string why) {
    matched = false;
    return Explanation{0, std::move(why), {}};
  };
  Explanation e;
  const SearchOptions& o = ctx.prepared.options();
  const auto leaf = [&](const FieldStatistics& f, const std::string& name, float idf, float freq, const char* what) {
    const codec::PackedReader* lengths = ctx.segment.Lengths(f.number);
    const uint32_t length = lengths ? static_cast<uint32_t>(lengths->Get(doc)) : 0;
    const float field_weight = ctx.prepared.FieldWeight(f, name);
    const search::Bm25 bm25 = MakeBm25(ctx, f, b * field_weight * idf);
    Explanation x;
    x.value = bm25.Score(freq, doc);
    x.description = std::string(what) + " " + query.ToString(schema) + ": weight * tf / (tf + k1 * (1 - b + b * length / avgLength))";
    x.details.push_back({bm25.weight, "weight = boost * field weight * idf", {
        {b, "boost", {}}, {field_weight, "field weight", {}}, {idf, "idf = log(1 + (N - df + 0.5) / (df + 0.5))", {}}}});
    x.details.push_back({freq, query.kind() == Query::Kind::kPhrase ? "tf (phrase frequency)" : "tf, occurrences in the document", {}});
    x.details.push_back({static_cast<float>(length), "length of the field in the document", {}});
    x.details.push_back({f.average_length(), Describe("average length over", static_cast<float>(f.docs)) + " documents", {}});
    x.details.push_back({o.k1, "k1", {}});
    x.details.push_back({o.b, "b", {}});
    return x;
  };
  switch (query.kind()) {
    case Query::Kind::kMatchNone:
      return no_match("matches nothing");
    case Query::Kind::kMatchAll:
      return {0, "matches every document (score 0)", {}};
    case Query::Kind::kKeyword:
    case Query::Kind::kRange: {
      std::unique_ptr<Scorer> s = Build(query, b, ctx);
      if (!s || s->Advance(doc) != doc) return no_match("no match: " + query.ToString(schema));
      return {0, "filter " + query.ToString(schema) + " (score 0)", {}};
    }
    case Query::Kind::kTerm: {
      const FieldStatistics& f = ctx.prepared.impl().Field(query.field());
      index::TermInfo info;
      if (!ctx.segment.terms().Lookup(f.number, query.term(), &info)) return no_match("no match: " + query.ToString(schema));
      index::PostingsCursor c;
      ctx.segment.OpenPostings(f.number, info, &c);
      if (c.Advance(doc) != doc) return no_match("no match: " + query.ToString(schema));
      return leaf(f, query.field(), ctx.prepared.TermIdf(f, query.term()), static_cast<float>(c.freq()), "term");
    }
    case Query::Kind::kPhrase:
    case Query::Kind::kPrefix: {
      std::unique_ptr<Scorer> s = Build(query, boost, ctx);
      if (!s || s->Advance(doc) != doc) return no_match("no match: " + query.ToString(schema));
      e.value = s->Score();
      e.description = (query.kind() == Query::Kind::kPhrase ? "phrase " : "prefix (sum over its terms) ") + query.ToString(schema);
      if (auto* phrase = dynamic_cast<search::PhraseScorer*>(s.get())) {
        const FieldStatistics& f = ctx.prepared.impl().Field(query.field());
        float idf = 0;
        for (const auto& t : query.phrase()) idf += ctx.prepared.TermIdf(f, t.term);
        return leaf(f, query.field(), idf, phrase->phrase_freq(), "phrase");
      }
      return e;
    }
    case Query::Kind::kBoolean: {
      e.description = OnlyExclusions(query) ? "every document except those of " + query.ToString(schema)
                                            : "sum of the matching clauses of " + query.ToString(schema);
      for (const Query::Clause& c : query.clauses()) {
        bool clause_matched;
        Explanation x = ExplainNode(*c.query, b, ctx, doc, clause_matched);
        if (c.occur == Query::Occur::kMustNot) {
          if (clause_matched) return no_match("excluded by -" + c.query->ToString(schema));
          continue;
        }
        if (!clause_matched && c.occur == Query::Occur::kMust) return no_match("no match: required " + c.query->ToString(schema));
        if (clause_matched) e.details.push_back(std::move(x));
      }
      if (e.details.empty() && !OnlyExclusions(query)) return no_match("no match: " + query.ToString(schema));
      for (const Explanation& d : e.details) e.value += d.value;
      return e;
    }
  }
  return e;
}

}  // namespace

Explanation Searcher::Explain(const Query& query, const Hit& hit, const SearchOptions& options) const {
  CheckHit(*impl_->reader, hit);
  CheckRequest(query, options, reader_->schema());
  const auto& segments = impl_->reader->segments;
  Prepared prepared(*impl_, options);
  BuildContext ctx{prepared, hit.segment, *segments[hit.segment]};
  bool matched;
  Explanation e = ExplainNode(query, 1.0f, ctx, hit.doc, matched);
  // The total as the search computed it (same scorers, same float sums).
  if (std::unique_ptr<Scorer> s = Build(query, 1.0f, ctx); s && s->Advance(hit.doc) == hit.doc) e.value = s->Score();
  return e;
}

std::string Explanation::ToString(int indent) const {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(value));
  std::string out = std::string(static_cast<size_t>(indent) * 2, ' ') + buf + "  " + description + "\n";
  for (const Explanation& d : details) out += d.ToString(indent + 1);
  return out;
}

Document Searcher::Fetch(const Hit& hit) const {
  CheckHit(*impl_->reader, hit);
  return impl_->reader->segments[hit.segment]->GetDocument(hit.doc);
}

}  // namespace loupe
