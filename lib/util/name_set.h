// Names seen so far, to find one given twice (a record's fields): a scan
// while they are few, a hash set beyond, so that a record of a million
// fields takes no million squared comparisons. Holds views: the names must
// outlive the set.
#pragma once

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_set>

namespace loupe::util {

class NameSet {
 public:
  // Adds `name`; false when it was there already.
  bool Insert(std::string_view name) {
    if (count_ > kScanLimit) return many_.insert(name).second;
    if (std::find(few_.begin(), few_.begin() + count_, name) != few_.begin() + count_) return false;
    if (count_ < kScanLimit) {
      few_[count_++] = name;  // no allocation for the usual handful
    } else {
      many_.insert(few_.begin(), few_.end());
      many_.insert(name);
      ++count_;
    }
    return true;
  }

 private:
  static constexpr size_t kScanLimit = 16;
  std::array<std::string_view, kScanLimit> few_;
  size_t count_ = 0;  // past kScanLimit: the names are in many_
  std::unordered_set<std::string_view> many_;
};

}  // namespace loupe::util
