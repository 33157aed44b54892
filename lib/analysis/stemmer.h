// Stemming with a per-instance cache: Snowball's algorithms (libstemmer), or
// "lucene-porter", Porter's algorithm as Lucene 8 applies it (porter_stemmer.h).
//
// Stemming costs far more than a hash lookup, and word frequencies are
// Zipfian, so a cache of recent words saves most of the work when indexing.
// Not thread-safe (neither is a libstemmer instance): one per TokenStream.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct sb_stemmer;

namespace loupe::analysis {

class PorterStemmer;

class Stemmer {
 public:
  // Throws InvalidArgumentError naming the known algorithms if `algorithm`
  // is not one of them.
  explicit Stemmer(const std::string& algorithm);
  ~Stemmer();
  Stemmer(const Stemmer&) = delete;
  Stemmer& operator=(const Stemmer&) = delete;

  // The stem of `word`; valid until the next call.
  std::string_view Stem(std::string_view word);
  // The same without the cache, for callers that cache whole words
  // themselves (the indexer): no memory is spent twice.
  std::string_view StemUncached(std::string_view word);

  static bool IsKnownAlgorithm(const std::string& algorithm);

 private:
  struct Free {
    void operator()(sb_stemmer* s) const noexcept;
  };
  // The cache: open addressing over word hashes; words and stems live in one
  // arena. A flat table because a node-based map's pointer chasing made the
  // cache lookup cost more than indexing the term.
  struct Entry {
    uint64_t hash = 0;
    uint32_t word_offset = 0;
    uint32_t stem_offset = 0;
    uint16_t word_length = 0;
    uint16_t stem_length = 0;
    bool used = false;
  };
  void ClearCache();

  // Exactly one of the two is set.
  std::unique_ptr<sb_stemmer, Free> stemmer_;
  std::unique_ptr<PorterStemmer> lucene_porter_;
  std::vector<Entry> table_;
  std::string arena_;
  size_t entries_ = 0;
};

}  // namespace loupe::analysis
