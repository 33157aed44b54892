#include "analysis/stop_words.h"

#include <algorithm>
#include <bit>
#include <iterator>
#include <stdexcept>

namespace loupe::analysis {
namespace {

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, which Anserini uses too.
constexpr std::string_view kClassicEnglish[] = {
    "a",    "an",    "and",   "are",  "as",    "at",   "be",   "but",  "by",
    "for",  "if",    "in",    "into", "is",    "it",   "no",   "not",  "of",
    "on",   "or",    "such",  "that", "the",   "their", "then", "there", "these",
    "they", "this",  "to",    "was",  "will",  "with"};

}  // namespace

StopSet::StopSet(StopWords which) {
  std::vector<std::string_view> words;
  if (which == StopWords::kClassicEnglish) words.assign(std::begin(kClassicEnglish), std::end(kClassicEnglish));
  size_t slots = 16;
  while (slots < 2 * words.size()) slots *= 2;
  table_.assign(slots, 0);
  mask_ = slots - 1;
  shift_ = 64 - std::countr_zero(slots);
  for (std::string_view w : words) {
    if (w.empty() || w.size() > kMaxPackedLength) throw std::logic_error("stop word too long to pack");
    max_length_ = std::max(max_length_, w.size());
    const uint64_t packed = Pack(w);
    size_t i = Slot(packed);
    while (table_[i] != 0 && table_[i] != packed) i = (i + 1) & mask_;
    table_[i] = packed;
  }
}

}  // namespace loupe::analysis
