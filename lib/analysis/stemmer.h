// Snowball stemming (libstemmer) with a per-instance cache.
//
// Stemming costs far more than a hash lookup, and word frequencies are
// Zipfian, so a cache of recent words saves most of the work when indexing.
// Not thread-safe (neither is a libstemmer instance): one per TokenStream.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

struct sb_stemmer;

namespace loupe::analysis {

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

  static bool IsKnownAlgorithm(const std::string& algorithm);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  struct Free {
    void operator()(sb_stemmer* s) const noexcept;
  };

  std::unique_ptr<sb_stemmer, Free> stemmer_;
  std::unordered_map<std::string, std::string, Hash, std::equal_to<>> cache_;
};

}  // namespace loupe::analysis
