#include "analysis/stop_words.h"

#include <algorithm>
#include <cstring>

namespace loupe::analysis {
namespace {

// Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET, which Anserini uses too.
constexpr std::string_view kClassicEnglish[] = {
    "a",    "an",    "and",   "are",  "as",    "at",   "be",   "but",  "by",
    "for",  "if",    "in",    "into", "is",    "it",   "no",   "not",  "of",
    "on",   "or",    "such",  "that", "the",   "their", "then", "there", "these",
    "they", "this",  "to",    "was",  "will",  "with"};

// Seven bytes of text and the length in the top byte, so "a" and "a\0" differ.
constexpr size_t kMaxPackedLength = 7;

uint64_t Pack(std::string_view word) {
  uint64_t v = 0;
  std::memcpy(&v, word.data(), word.size());
  return v | (static_cast<uint64_t>(word.size()) << 56);
}

}  // namespace

StopSet::StopSet(StopWords which) {
  if (which == StopWords::kClassicEnglish) {
    for (std::string_view w : kClassicEnglish) words_.push_back(Pack(w));
  }
  std::sort(words_.begin(), words_.end());
}

bool StopSet::Contains(std::string_view term) const {
  if (words_.empty() || term.size() > kMaxPackedLength || term.empty()) return false;
  return std::binary_search(words_.begin(), words_.end(), Pack(term));
}

}  // namespace loupe::analysis
