// Stop-word sets. Lookups pack the word into an integer: every word of the
// built-in sets is short ASCII, so a set is a sorted array of uint64.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "loupe/analysis.h"

namespace loupe::analysis {

class StopSet {
 public:
  explicit StopSet(StopWords which);
  bool empty() const { return words_.empty(); }
  bool Contains(std::string_view term) const;

 private:
  std::vector<uint64_t> words_;
};

}  // namespace loupe::analysis
