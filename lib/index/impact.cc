#include "index/impact.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>

namespace loupe::index {
namespace {

// Code c >= 128 stands for floor(128 * 2^((c - 127) / 8)): 139 for code 128,
// then growing by 2^(1/8) per code, 8388608 for code 255.
constexpr int kExact = 128;

const std::array<uint64_t, 256>& ScaleTable() {
  static const std::array<uint64_t, 256> table = [] {
    std::array<uint64_t, 256> t{};
    for (int c = 0; c < 256; ++c) {
      t[c] = c < kExact ? static_cast<uint64_t>(c)
                        : static_cast<uint64_t>(std::floor(kExact * std::pow(2.0, (c - kExact + 1) / 8.0)));
    }
    return t;
  }();
  return table;
}

}  // namespace

uint8_t EncodeFrequency(uint32_t freq) {
  if (freq < kExact) return static_cast<uint8_t>(freq);
  const auto& t = ScaleTable();
  // Smallest code whose value is >= freq (rounding up keeps the bound safe).
  const auto it = std::lower_bound(t.begin() + kExact, t.begin() + 255, static_cast<uint64_t>(freq));
  return static_cast<uint8_t>(it - t.begin());
}

uint32_t DecodeFrequency(uint8_t code) {
  if (code == 255) return std::numeric_limits<uint32_t>::max();
  return static_cast<uint32_t>(ScaleTable()[code]);
}

uint8_t EncodeLength(uint32_t length) {
  if (length < kExact) return static_cast<uint8_t>(length);
  const auto& t = ScaleTable();
  // Largest code whose value is <= length (rounding down keeps the bound safe).
  const auto it = std::upper_bound(t.begin() + kExact, t.end(), static_cast<uint64_t>(length));
  return static_cast<uint8_t>((it - t.begin()) - 1);
}

uint32_t DecodeLength(uint8_t code) { return static_cast<uint32_t>(ScaleTable()[code]); }

Impact ImpactBuilder::Build(double average_length) {
  if (pairs_.empty()) return {{0, 0}, {0, 0}};
  // Pareto frontier: by increasing length, keep each pair whose frequency
  // beats every shorter one. Most postings have a small frequency, and of
  // the pairs with one frequency only the shortest can be on the frontier,
  // so those are reduced to one per frequency before sorting.
  constexpr uint32_t kSmall = 32;
  uint32_t shortest[kSmall];
  uint32_t seen = 0;  // bit f: some pair has frequency f
  // Sort keys: length ascending, then frequency descending.
  const auto key = [](uint32_t freq, uint32_t length) {
    return uint64_t{length} << 32 | (std::numeric_limits<uint32_t>::max() - freq);
  };
  keys_.clear();
  for (const auto& [f, l] : pairs_) {
    if (f < kSmall) {
      shortest[f] = (seen >> f & 1) ? std::min(shortest[f], l) : l;
      seen |= uint32_t{1} << f;
    } else {
      keys_.push_back(key(f, l));
    }
  }
  for (; seen != 0; seen &= seen - 1) {
    const auto f = static_cast<uint32_t>(std::countr_zero(seen));
    keys_.push_back(key(f, shortest[f]));
  }
  std::sort(keys_.begin(), keys_.end());
  frontier_.clear();  // (length, freq)
  for (const uint64_t k : keys_) {
    const auto length = static_cast<uint32_t>(k >> 32);
    const uint32_t freq = std::numeric_limits<uint32_t>::max() - static_cast<uint32_t>(k);
    if (frontier_.empty() || freq > frontier_.back().second) frontier_.emplace_back(length, freq);
  }
  const auto corner = [&](size_t from, size_t to) {  // [from, to)
    return ImpactCorner{frontier_[to - 1].second, frontier_[from].first};
  };
  if (frontier_.size() == 1) return {corner(0, 1), corner(0, 1)};
  // Reference parameters for choosing the split only; the bound is safe for all.
  const double k1 = 1.2, b = 0.75, avg = std::max(average_length, 1.0);
  const auto score = [&](const ImpactCorner& c) {
    const double f = c.freq;
    return f / (f + k1 * (1 - b + b * c.length / avg));
  };
  size_t best = 1;
  double best_score = std::numeric_limits<double>::max();
  for (size_t split = 1; split < frontier_.size(); ++split) {
    const double s = std::max(score(corner(0, split)), score(corner(split, frontier_.size())));
    if (s < best_score) {
      best_score = s;
      best = split;
    }
  }
  return {corner(0, best), corner(best, frontier_.size())};
}

void EncodeImpact(const Impact& impact, uint8_t out[kImpactBytes]) {
  out[0] = EncodeFrequency(impact.a.freq);
  out[1] = EncodeLength(impact.a.length);
  out[2] = EncodeFrequency(impact.b.freq);
  out[3] = EncodeLength(impact.b.length);
}

Impact DecodeImpact(const uint8_t in[kImpactBytes]) {
  return {{DecodeFrequency(in[0]), DecodeLength(in[1])}, {DecodeFrequency(in[2]), DecodeLength(in[3])}};
}

}  // namespace loupe::index
