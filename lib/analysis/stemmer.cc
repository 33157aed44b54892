#include "analysis/stemmer.h"

#include <libstemmer.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "analysis/porter_stemmer.h"
#include "loupe/error.h"

namespace loupe::analysis {
namespace {

// Enough for the working vocabulary of a large corpus (Wikipedia's first
// 300 MB has about 400,000 distinct words), small enough (tens of MiB) not to
// matter next to the indexing buffers.
constexpr size_t kMaxCachedWords = size_t{1} << 20;
// Small at first (the table doubles as it fills): a query analyses a few
// words with a fresh stemmer, and zeroing 4,096 slots (96 KiB) took 1.2% of
// a phrase query's time on Wikipedia.
constexpr size_t kInitialSlots = 16;

// Words longer than this are rare and not worth caching.
constexpr size_t kMaxCachedWordLength = 32;

// Not Snowball's: Porter's algorithm exactly as Lucene 8 applies it.
constexpr std::string_view kLucenePorter = "lucene-porter";

std::string KnownAlgorithms() {
  std::vector<std::string_view> algorithms(1, kLucenePorter);
  for (const char** p = sb_stemmer_list(); *p != nullptr; ++p) algorithms.emplace_back(*p);
  std::sort(algorithms.begin(), algorithms.end());
  std::string names;
  for (const std::string_view algorithm : algorithms) {
    if (!names.empty()) names += ", ";
    names += algorithm;
  }
  return names;
}

}  // namespace

void Stemmer::Free::operator()(sb_stemmer* s) const noexcept { sb_stemmer_delete(s); }

bool Stemmer::IsKnownAlgorithm(const std::string& algorithm) {
  if (algorithm == kLucenePorter) return true;
  sb_stemmer* s = sb_stemmer_new(algorithm.c_str(), "UTF_8");
  if (s == nullptr) return false;
  sb_stemmer_delete(s);
  return true;
}

Stemmer::Stemmer(const std::string& algorithm) {
  if (algorithm == kLucenePorter) {
    lucene_porter_ = std::make_unique<PorterStemmer>();
    return;
  }
  stemmer_.reset(sb_stemmer_new(algorithm.c_str(), "UTF_8"));
  if (!stemmer_) {
    throw InvalidArgumentError("unknown stemmer '" + algorithm + "' (known: " + KnownAlgorithms() + ")");
  }
}

Stemmer::~Stemmer() = default;

namespace {

// Words of one or two letters are left as they are for Snowball's
// algorithms, as Lucene's Porter stemmer does (Snowball's "porter" would turn
// "us" into "u" and "s" into an empty term; its "english" leaves them alone
// anyway); "lucene-porter" counts UTF-16 units itself, as Lucene does. The
// cached Stem() goes through StemUncached() too, so indexing and queries agree.
bool Stemmable(std::string_view word) {
  size_t letters = 0;
  for (const char c : word) {
    letters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (letters > 2) return true;
  }
  return false;
}

}  // namespace

std::string_view Stemmer::StemUncached(std::string_view word) {
  if (lucene_porter_) return lucene_porter_->Stem(word);
  if (!Stemmable(word)) return word;
  const sb_symbol* stem = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                          static_cast<int>(word.size()));
  if (stem == nullptr) throw std::bad_alloc();  // libstemmer's only failure
  return {reinterpret_cast<const char*>(stem), static_cast<size_t>(sb_stemmer_length(stemmer_.get()))};
}

void Stemmer::ClearCache() {
  table_.assign(kInitialSlots, Entry{});
  arena_.clear();
  entries_ = 0;
}

std::string_view Stemmer::Stem(std::string_view word) {
  const bool cacheable = word.size() <= kMaxCachedWordLength;
  uint64_t hash = 0;
  size_t slot = 0;
  if (cacheable) {
    if (table_.empty()) ClearCache();
    hash = XXH3_64bits(word.data(), word.size());
    const size_t mask = table_.size() - 1;
    for (slot = hash & mask; table_[slot].used; slot = (slot + 1) & mask) {
      const Entry& e = table_[slot];
      if (e.hash == hash && e.word_length == word.size() &&
          std::memcmp(arena_.data() + e.word_offset, word.data(), word.size()) == 0) {
        return std::string_view(arena_).substr(e.stem_offset, e.stem_length);
      }
    }
  }
  const std::string_view result = StemUncached(word);
  if (!cacheable || result.size() > 0xFFFF) return result;
  if (entries_ >= kMaxCachedWords) {
    ClearCache();
    for (slot = hash & (table_.size() - 1); table_[slot].used; slot = (slot + 1) & (table_.size() - 1)) {
    }
  }
  Entry& e = table_[slot];
  e = {hash, static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(arena_.size() + word.size()),
       static_cast<uint16_t>(word.size()), static_cast<uint16_t>(result.size()), true};
  arena_.append(word);
  arena_.append(result);
  const Entry inserted = e;
  if (++entries_ * 2 > table_.size()) {
    std::vector<Entry> bigger(table_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (const Entry& old : table_) {
      if (!old.used) continue;
      size_t i = old.hash & mask;
      while (bigger[i].used) i = (i + 1) & mask;
      bigger[i] = old;
    }
    table_.swap(bigger);
  }
  return std::string_view(arena_).substr(inserted.stem_offset, inserted.stem_length);
}

}  // namespace loupe::analysis
