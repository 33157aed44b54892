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
  if (type_ == ScalarType::kKeyword) {
    for (auto& [value, count] : keywords_) r.counts.push_back({value, count});
  } else {
    for (const auto& [value, count] : numbers_) r.counts.push_back({std::to_string(value), count});
  }
  const auto better = [&](const FacetCount& a, const FacetCount& b) {
    if (a.count != b.count) return a.count > b.count;
    return a.value < b.value;
  };
  const size_t top = request_.top == 0 ? r.counts.size() : std::min(request_.top, r.counts.size());
  std::partial_sort(r.counts.begin(), r.counts.begin() + static_cast<std::ptrdiff_t>(top), r.counts.end(), better);
  r.counts.resize(top);
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
