// Impacts: what block-max pruning needs to bound BM25 scores without decoding.
//
// The score of a term in a document grows with the term frequency and falls
// with the document length, whatever k1, b and the average length are. So an
// upper bound for a group of postings is the score of the "corner" (largest
// frequency, shortest length) of the group. One corner over a whole block is
// loose when a long document with a high frequency shares a block with a short
// one with a low frequency, so Loupe keeps two corners: the Pareto frontier of
// (frequency, length) pairs is split in two and each half is replaced by its
// corner. Both halves' corners dominate every posting of their half, so the
// larger of the two scores is still a safe upper bound, for any parameters.
//
// An impact is 4 bytes: (frequency code, length code) twice. Frequencies are
// coded rounding up and lengths rounding down, so coding never makes the
// bound unsafe (see EncodeFrequency / EncodeLength).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace loupe::index {

// Frequency code: exact below 128, then a logarithmic scale rounded up; code
// 255 stands for "any frequency".
uint8_t EncodeFrequency(uint32_t freq);
uint32_t DecodeFrequency(uint8_t code);

// Length code: exact below 128, then a logarithmic scale rounded down.
uint8_t EncodeLength(uint32_t length);
uint32_t DecodeLength(uint8_t code);

struct ImpactCorner {
  uint32_t freq;    // at least every frequency it stands for
  uint32_t length;  // at most every length it stands for
};

struct Impact {
  ImpactCorner a;
  ImpactCorner b;
};

inline constexpr size_t kImpactBytes = 4;

// Accumulates (frequency, length) pairs and reduces them to an Impact.
class ImpactBuilder {
 public:
  void Reset() { pairs_.clear(); }
  void Add(uint32_t freq, uint32_t length) { pairs_.emplace_back(freq, length); }
  bool empty() const { return pairs_.empty(); }
  // Reduces the pairs added since Reset() to two corners, split so that the
  // larger corner score under reference BM25 parameters is smallest.
  Impact Build(double average_length);

 private:
  std::vector<std::pair<uint32_t, uint32_t>> pairs_;
  // Build()'s scratch, kept to spare two allocations per block.
  std::vector<uint64_t> keys_;
  std::vector<std::pair<uint32_t, uint32_t>> frontier_;
};

void EncodeImpact(const Impact& impact, uint8_t out[kImpactBytes]);
Impact DecodeImpact(const uint8_t in[kImpactBytes]);

}  // namespace loupe::index
