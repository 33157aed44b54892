#include "analysis/stemmer.h"

#include <libstemmer.h>

#include "loupe/error.h"

namespace loupe::analysis {
namespace {

// Enough for the working vocabulary of a large corpus, small enough (a few
// MiB) not to matter next to the indexing buffers.
constexpr size_t kMaxCachedWords = 100'000;

// Words longer than this are rare and not worth caching.
constexpr size_t kMaxCachedWordLength = 32;

std::string KnownAlgorithms() {
  std::string names;
  for (const char** p = sb_stemmer_list(); *p != nullptr; ++p) {
    if (!names.empty()) names += ", ";
    names += *p;
  }
  return names;
}

}  // namespace

void Stemmer::Free::operator()(sb_stemmer* s) const noexcept { sb_stemmer_delete(s); }

bool Stemmer::IsKnownAlgorithm(const std::string& algorithm) {
  sb_stemmer* s = sb_stemmer_new(algorithm.c_str(), "UTF_8");
  if (s == nullptr) return false;
  sb_stemmer_delete(s);
  return true;
}

Stemmer::Stemmer(const std::string& algorithm) : stemmer_(sb_stemmer_new(algorithm.c_str(), "UTF_8")) {
  if (!stemmer_) {
    throw InvalidArgumentError("unknown stemmer '" + algorithm + "' (known: " + KnownAlgorithms() + ")");
  }
}

Stemmer::~Stemmer() = default;

std::string_view Stemmer::Stem(std::string_view word) {
  const bool cacheable = word.size() <= kMaxCachedWordLength;
  if (cacheable) {
    auto it = cache_.find(word);
    if (it != cache_.end()) return it->second;
  }
  const sb_symbol* stem = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                          static_cast<int>(word.size()));
  if (stem == nullptr) throw std::bad_alloc();  // libstemmer's only failure
  const std::string_view result(reinterpret_cast<const char*>(stem),
                                static_cast<size_t>(sb_stemmer_length(stemmer_.get())));
  if (!cacheable) return result;
  if (cache_.size() >= kMaxCachedWords) cache_.clear();
  return cache_.emplace(std::string(word), std::string(result)).first->second;
}

}  // namespace loupe::analysis
