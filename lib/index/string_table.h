// Interns strings: every distinct string gets the next number (0, 1, ...).
// The indexer's term and word tables, probed once per token, so built around
// cache misses: open addressing over 16-byte slots that hold the number, the
// length, part of the hash and the string's first 8 bytes. A string of up to
// 8 bytes (most words) is found or ruled out by its slot alone; longer ones
// compare the rest with the bytes in the arena.
#pragma once

#include <xxhash.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace loupe::index {

class StringTable {
 public:
  StringTable() : slots_(1024) {}

  static uint64_t Hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

  // Starts loading the slot where a string of this hash is looked for, so a
  // caller can hide the cache miss behind other work before Intern().
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }

  // The number of `s`; `*added` tells whether it was new.
  uint32_t Intern(std::string_view s, bool* added) { return Intern(s, Hash(s), added); }

  // The same, with Hash(s) already known.
  uint32_t Intern(std::string_view s, uint64_t h, bool* added) {
    const uint32_t key = Key(h, s.size());
    const uint64_t head = Head(s);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.number_plus_one == 0) {
        *added = true;
        return Add(s, key, head, i);
      }
      if (slot.key == key && slot.head == head) {
        const uint32_t id = slot.number_plus_one - 1;
        if (s.size() <= 8) {
          *added = false;
          return id;
        }
        const Ref& r = refs_[id];
        if (r.length == s.size() && std::memcmp(bytes_.data() + r.offset + 8, s.data() + 8, s.size() - 8) == 0) {
          *added = false;
          return id;
        }
      }
    }
  }

  std::string_view Get(uint32_t id) const { return std::string_view(bytes_).substr(refs_[id].offset, refs_[id].length); }
  size_t size() const { return refs_.size(); }
  size_t memory_bytes() const { return slots_.capacity() * sizeof(Slot) + refs_.capacity() * sizeof(Ref) + bytes_.capacity(); }

 private:
  struct Slot {
    uint64_t head = 0;             // the first 8 bytes, zero-padded
    uint32_t number_plus_one = 0;  // 0: empty
    uint32_t key = 0;              // hash bits and length, see Key()
  };
  struct Ref {
    uint32_t offset;
    uint32_t length;
  };

  // 24 bits of the hash above the ones that pick the slot, and the length
  // (saturated at 255): equal strings have equal keys.
  static uint32_t Key(uint64_t hash, size_t length) {
    return static_cast<uint32_t>(hash >> 40) << 8 | static_cast<uint32_t>(std::min<size_t>(length, 255));
  }
  static uint64_t Head(std::string_view s) {
    uint64_t head = 0;
    std::memcpy(&head, s.data(), std::min<size_t>(s.size(), 8));
    return head;
  }

  uint32_t Add(std::string_view s, uint32_t key, uint64_t head, size_t i) {
    if (bytes_.size() + s.size() > 0xFFFFFFFFu || refs_.size() == 0xFFFFFFFEu) {
      throw std::length_error("string table full");
    }
    const auto id = static_cast<uint32_t>(refs_.size());
    refs_.push_back({static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(s.size())});
    bytes_.append(s);
    slots_[i] = {head, id + 1, key};
    if (refs_.size() * 2 > slots_.size()) Grow();
    return id;
  }

  void Grow() {
    std::vector<Slot> bigger(slots_.size() * 2);
    const size_t mask = bigger.size() - 1;
    for (const Slot& slot : slots_) {
      if (slot.number_plus_one == 0) continue;
      const std::string_view s = Get(slot.number_plus_one - 1);
      size_t i = Hash(s) & mask;
      while (bigger[i].number_plus_one != 0) i = (i + 1) & mask;
      bigger[i] = slot;
    }
    slots_.swap(bigger);
  }

  std::vector<Slot> slots_;
  std::vector<Ref> refs_;
  std::string bytes_;
};

}  // namespace loupe::index
