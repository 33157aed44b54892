// Interns strings: every distinct string gets the next number (0, 1, ...).
// Open addressing over 64-bit slots holding the number + 1 in the low half
// and the top half of the string's hash in the high half, so most probes are
// settled without touching the string bytes; the bytes live in one arena.
// The indexer's term and word tables.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::index {

class StringTable {
 public:
  StringTable() : table_(1024, 0) {}

  // The number of `s`; `*added` tells whether it was new.
  uint32_t Intern(std::string_view s, bool* added) {
    const uint64_t h = XXH3_64bits(s.data(), s.size());
    const uint64_t tag = h & kTagMask;
    const size_t mask = table_.size() - 1;
    for (size_t slot = h & mask;; slot = (slot + 1) & mask) {
      const uint64_t entry = table_[slot];
      if (entry == 0) {
        *added = true;
        return Add(s, tag, slot);
      }
      if ((entry & kTagMask) == tag) {
        const auto id = static_cast<uint32_t>(entry) - 1;
        const Ref& r = refs_[id];
        if (r.length == s.size() && std::memcmp(bytes_.data() + r.offset, s.data(), s.size()) == 0) {
          *added = false;
          return id;
        }
      }
    }
  }

  std::string_view Get(uint32_t id) const { return std::string_view(bytes_).substr(refs_[id].offset, refs_[id].length); }
  size_t size() const { return refs_.size(); }
  size_t memory_bytes() const { return table_.capacity() * 8 + refs_.capacity() * sizeof(Ref) + bytes_.capacity(); }

 private:
  static constexpr uint64_t kTagMask = 0xFFFFFFFF00000000ull;
  struct Ref {
    uint32_t offset;
    uint32_t length;
  };

  uint32_t Add(std::string_view s, uint64_t tag, size_t slot) {
    if (bytes_.size() + s.size() > 0xFFFFFFFFu) throw std::length_error("string table full");
    const auto id = static_cast<uint32_t>(refs_.size());
    refs_.push_back({static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(s.size())});
    bytes_.append(s);
    table_[slot] = tag | (id + 1);
    if (refs_.size() * 2 > table_.size()) Grow();
    return id;
  }

  void Grow() {
    std::vector<uint64_t> bigger(table_.size() * 2, 0);
    const size_t mask = bigger.size() - 1;
    for (uint32_t id = 0; id < refs_.size(); ++id) {
      const std::string_view s = Get(id);
      const uint64_t h = XXH3_64bits(s.data(), s.size());
      size_t slot = h & mask;
      while (bigger[slot] != 0) slot = (slot + 1) & mask;
      bigger[slot] = (h & kTagMask) | (id + 1);
    }
    table_.swap(bigger);
  }

  std::vector<uint64_t> table_;
  std::vector<Ref> refs_;
  std::string bytes_;
};

}  // namespace loupe::index
