// A population count that stays inline whatever the target.
#pragma once

#include <bit>
#include <cstdint>

namespace loupe::codec {

// The number of one bits in each byte of x, in that byte (SWAR).
inline uint64_t ByteCounts(uint64_t x) {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  return (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
}

// Without a POPCNT instruction in the target (the x86-64 baseline has none),
// std::popcount becomes a call into libgcc; the SWAR count is several times
// faster than the call, and a loop summing it over an array vectorises.
inline uint64_t PopCount(uint64_t x) {
#if defined(__POPCNT__) || !defined(__x86_64__)
  return static_cast<uint64_t>(std::popcount(x));
#else
  return (ByteCounts(x) * 0x0101010101010101ULL) >> 56;
#endif
}

}  // namespace loupe::codec
