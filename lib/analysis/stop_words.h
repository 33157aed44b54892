// Stop-word sets, probed once per token. Every word of the built-in sets is
// short ASCII, so a word packs into an integer (its bytes and its length) and
// a set is a small open-addressing table of those: a longer word is ruled out
// by its length alone, a shorter one by a probe or two, without a call.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "loupe/analysis.h"

namespace loupe::analysis {

class StopSet {
 public:
  explicit StopSet(StopWords which);
  bool empty() const { return max_length_ == 0; }
  bool Contains(std::string_view term) const {
    if (term.empty() || term.size() > max_length_) return false;
    const uint64_t word = Pack(term);
    for (size_t i = Slot(word);; i = (i + 1) & mask_) {
      if (table_[i] == word) return true;
      if (table_[i] == 0) return false;
    }
  }

 private:
  static constexpr size_t kMaxPackedLength = 7;
  // Seven bytes of text and the length in the top byte, so "a" and "a\0"
  // differ and no word packs to 0 (an empty slot).
  static uint64_t Pack(std::string_view word) {
    uint64_t v = static_cast<uint64_t>(word.size()) << 56;
    for (size_t i = 0; i < word.size(); ++i) v |= uint64_t{static_cast<uint8_t>(word[i])} << (8 * i);
    return v;
  }
  size_t Slot(uint64_t word) const { return (word * 0x9E3779B97F4A7C15ull) >> shift_ & mask_; }

  std::vector<uint64_t> table_;
  size_t mask_ = 0;
  int shift_ = 0;
  size_t max_length_ = 0;  // 0: the empty set
};

}  // namespace loupe::analysis
