#include "search/facets.h"

#include <algorithm>

#include "loupe/error.h"

namespace loupe::search {

FacetCounter::FacetCounter(const FacetRequest& request, const Schema& schema) : request_(request) {
  const ScalarField* f = schema.FindScalar(request.field);
  if (f == nullptr || f->type == ScalarType::kStored) {
    throw InvalidArgumentError("cannot count facets of '" + request.field + "': not a keyword, date or integer field");
  }
  type_ = f->type;
  precision_ = request.interval == FacetRequest::Interval::kYear    ? util::DatePrecision::kYear
               : request.interval == FacetRequest::Interval::kMonth ? util::DatePrecision::kMonth
                                                                    : util::DatePrecision::kDay;
}

void FacetCounter::StartSegment(const index::SegmentReader& seg) {
  FlushSegment();
  keyword_ = type_ == ScalarType::kKeyword ? seg.columns().Keyword(request_.field) : nullptr;
  numeric_ = type_ != ScalarType::kKeyword ? seg.columns().Numeric(request_.field) : nullptr;
  if (keyword_) ords_.assign(keyword_->value_count(), 0);
}

FacetResult FacetCounter::Finish() {
  FlushSegment();
  FacetResult r;
  r.field = request_.field;
  r.missing = missing_;
  if (type_ == ScalarType::kDate) {
    for (const DateBucket& b : buckets_) r.counts.push_back({util::FormatDate(b.first, precision_), b.count});
    return r;
  }
  // Most frequent first, ties by value: as text for keywords, as numbers
  // for integers (-3 after -9, not before).
  const auto ranked = [&](auto counts) {
    const auto better = [](const auto& a, const auto& b) {
      if (a.second != b.second) return a.second > b.second;
      return a.first < b.first;
    };
    const size_t top = request_.top == 0 ? counts.size() : std::min(request_.top, counts.size());
    std::partial_sort(counts.begin(), counts.begin() + static_cast<std::ptrdiff_t>(top), counts.end(), better);
    counts.resize(top);
    return counts;
  };
  if (type_ == ScalarType::kKeyword) {
    for (auto& [value, count] : ranked(std::vector<std::pair<std::string, uint64_t>>(keywords_.begin(), keywords_.end()))) {
      r.counts.push_back({std::move(value), count});
    }
  } else {
    for (const auto& [value, count] : ranked(std::vector<std::pair<int64_t, uint64_t>>(numbers_.begin(), numbers_.end()))) {
      r.counts.push_back({std::to_string(value), count});
    }
  }
  return r;
}

void FacetCounter::FlushSegment() {
  if (keyword_ == nullptr) return;
  for (uint32_t ord = 0; ord < ords_.size(); ++ord) {
    if (ords_[ord] != 0) keywords_[std::string(keyword_->Value(ord))] += ords_[ord];
  }
  keyword_ = nullptr;
}

FacetCounter::DateBucket& FacetCounter::Bucket(int64_t v) {
  auto it = std::upper_bound(buckets_.begin(), buckets_.end(), v,
                             [](int64_t x, const DateBucket& b) { return x < b.first; });
  if (it != buckets_.begin() && std::prev(it)->last >= v) return *std::prev(it);
  const std::optional<util::DatePeriod> period = util::ParseIsoDate(util::FormatDate(v, precision_));
  return *buckets_.insert(it, DateBucket{period->first_ms, period->last_ms, 0});
}

}  // namespace loupe::search
