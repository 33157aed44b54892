#include "codec/block_codec.h"

#include <array>
#include <bit>
#include <cstring>
#include <type_traits>
#include <utility>

namespace loupe::codec {
namespace {

// Four 32-bit lanes: SSE2 on x86-64, NEON on AArch64, without intrinsics or -march flags.
typedef uint32_t u32x4 __attribute__((vector_size(16)));

constexpr int kLanes = 4;
constexpr int kRows = static_cast<int>(kBlockSize) / kLanes;  // values per lane
constexpr int kMaxWidth = 32;
constexpr uint8_t kWidth32Token = 0xFF;

static_assert(kRows == 32, "a lane of w-bit values must fill exactly w words");

// Values live in host order; packed words are little-endian on disk.
inline u32x4 LoadHost(const uint32_t* p) {
  u32x4 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

inline void StoreHost(uint32_t* p, u32x4 v) { std::memcpy(p, &v, sizeof(v)); }

inline u32x4 ToLittleEndian(u32x4 v) {
  if constexpr (std::endian::native == std::endian::big) {
    for (int i = 0; i < kLanes; ++i) v[i] = __builtin_bswap32(v[i]);
  }
  return v;
}

inline u32x4 LoadLe(const uint8_t* p) {
  u32x4 v;
  std::memcpy(&v, p, sizeof(v));
  return ToLittleEndian(v);
}

inline void StoreLe(uint8_t* p, u32x4 v) {
  v = ToLittleEndian(v);
  std::memcpy(p, &v, sizeof(v));
}

inline u32x4 Splat(uint32_t x) { return u32x4{x, x, x, x}; }

// Calls f(std::integral_constant<int, R>) for R = 0..kRows-1, so that every bit offset below is a
// compile-time constant and each width gets straight-line code.
template <typename F, int... Rs>
inline __attribute__((always_inline)) void ForEachRowImpl(F&& f, std::integer_sequence<int, Rs...>) {
  (f(std::integral_constant<int, Rs>{}), ...);
}

template <typename F>
inline __attribute__((always_inline)) void ForEachRow(F&& f) {
  ForEachRowImpl(f, std::make_integer_sequence<int, kRows>{});
}

// Packs the low W bits of 128 values into 16*W bytes: row r of all four lanes at once.
template <int W>
void Pack(const uint32_t* in, uint8_t* out) {
  if constexpr (W == 0) {
    return;
  } else if constexpr (W == kMaxWidth) {
    for (int r = 0; r < kRows; ++r) StoreLe(out + 16 * r, LoadHost(in + kLanes * r));
  } else {
    const u32x4 mask = Splat((uint32_t{1} << W) - 1);
    u32x4 word = {};
    ForEachRow([&](auto row) __attribute__((always_inline)) {
      constexpr int kBit = decltype(row)::value * W;
      constexpr int kWord = kBit / 32;
      constexpr int kShift = kBit % 32;
      const u32x4 v = LoadHost(in + kLanes * decltype(row)::value) & mask;
      word |= v << kShift;
      if constexpr (kShift + W >= 32) {
        StoreLe(out + 16 * kWord, word);
        if constexpr (kShift + W > 32) {
          word = v >> (32 - kShift);
        } else {
          word = u32x4{};
        }
      }
    });
  }
}

// The inverse of Pack. Each packed word is loaded once; a value that straddles two words takes its
// high bits from the next one.
template <int W>
void Unpack(const uint8_t* in, uint32_t* out) {
  if constexpr (W == 0) {
    std::memset(out, 0, kBlockSize * sizeof(uint32_t));
  } else if constexpr (W == kMaxWidth) {
    for (int r = 0; r < kRows; ++r) StoreHost(out + kLanes * r, LoadLe(in + 16 * r));
  } else {
    const u32x4 mask = Splat((uint32_t{1} << W) - 1);
    u32x4 word = LoadLe(in);
    ForEachRow([&](auto row) __attribute__((always_inline)) {
      constexpr int kBit = decltype(row)::value * W;
      constexpr int kWord = kBit / 32;
      constexpr int kShift = kBit % 32;
      u32x4 v = word >> kShift;
      if constexpr (kShift + W > 32) {
        word = LoadLe(in + 16 * (kWord + 1));
        v = (v | (word << (32 - kShift))) & mask;
      } else if constexpr (kShift + W == 32) {
        // v is exactly the top W bits; the last row must not load past the packed data.
        if constexpr (kWord + 1 < W) word = LoadLe(in + 16 * (kWord + 1));
      } else {
        v &= mask;
      }
      StoreHost(out + kLanes * decltype(row)::value, v);
    });
  }
}

using PackFn = void (*)(const uint32_t*, uint8_t*);
using UnpackFn = void (*)(const uint8_t*, uint32_t*);

template <int... Ws>
constexpr std::array<PackFn, sizeof...(Ws)> MakePackTable(std::integer_sequence<int, Ws...>) {
  return {&Pack<Ws>...};
}
template <int... Ws>
constexpr std::array<UnpackFn, sizeof...(Ws)> MakeUnpackTable(std::integer_sequence<int, Ws...>) {
  return {&Unpack<Ws>...};
}

constexpr auto kPack = MakePackTable(std::make_integer_sequence<int, kMaxWidth + 1>{});
constexpr auto kUnpack = MakeUnpackTable(std::make_integer_sequence<int, kMaxWidth + 1>{});

struct Token {
  int width;
  int exceptions;
};

inline Token ParseToken(uint8_t token) {
  if (token == kWidth32Token) return {kMaxWidth, 0};
  return {token & 31, token >> 5};
}

inline size_t BlockSize(Token t) { return 1 + 16 * static_cast<size_t>(t.width) + 2 * t.exceptions; }

uint32_t OrAll(const uint32_t* values) {
  u32x4 acc = {};
  for (size_t i = 0; i < kBlockSize; i += kLanes) acc |= LoadHost(values + i);
  return acc[0] | acc[1] | acc[2] | acc[3];
}

// The number of values >= 2^w (w < 32).
int CountAtLeastPow2(const uint32_t* values, int w) {
  // Counts the values below 2^w instead: SSE2 has an equality compare but no "not equal". A true
  // comparison is all ones, i.e. -1.
  u32x4 below = {};
  for (size_t i = 0; i < kBlockSize; i += kLanes) {
    below -= reinterpret_cast<u32x4>((LoadHost(values + i) >> w) == u32x4{});
  }
  return static_cast<int>(kBlockSize - (below[0] + below[1] + below[2] + below[3]));
}

// Prefix sum within one vector by two shifted adds (log2 4 steps; Hillis and Steele).
inline u32x4 PrefixSum4(u32x4 v) {
  const u32x4 zero = {};
  v += __builtin_shufflevector(v, zero, 4, 0, 1, 2);
  v += __builtin_shufflevector(v, zero, 4, 5, 0, 1);
  return v;
}

inline u32x4 Broadcast3(u32x4 v) { return __builtin_shufflevector(v, v, 3, 3, 3, 3); }

}  // namespace

size_t EncodeBlock(const uint32_t* values, uint8_t* out) {
  const int max_bits = std::bit_width(OrAll(values));
  // Every width step down saves 16 bytes and at most 7 exceptions cost 14, so the smallest width with
  // at most 7 exceptions gives the smallest block. Exceptions carry 8 high bits, hence the floor of
  // max_bits - 8. Scanning down from the top stops after one or two passes for uniform values and
  // two or three for doc gaps (binary search would always take three or four).
  Token best{max_bits, 0};
  for (int w = max_bits - 1; w >= 0 && w >= max_bits - 8; --w) {
    const int e = CountAtLeastPow2(values, w);
    if (e > kMaxExceptions) break;  // and more at every smaller width
    // Width 31 with 7 exceptions has no token (0xFF means width 32); width 30 may still do.
    if (w == 31 && e == kMaxExceptions) continue;
    best = {w, e};
  }

  out[0] = best.width == kMaxWidth ? kWidth32Token : static_cast<uint8_t>(best.exceptions << 5 | best.width);
  kPack[best.width](values, out + 1);
  uint8_t* ex = out + 1 + 16 * static_cast<size_t>(best.width);
  if (best.exceptions > 0) {
    for (size_t i = 0; i < kBlockSize; i += kLanes) {
      const u32x4 high = LoadHost(values + i) >> best.width;
      if ((high[0] | high[1] | high[2] | high[3]) == 0) continue;
      for (int l = 0; l < kLanes; ++l) {
        if (high[l] != 0) {
          *ex++ = static_cast<uint8_t>(i + l);
          *ex++ = static_cast<uint8_t>(high[l]);
        }
      }
    }
  }
  return BlockSize(best);
}

size_t EncodedBlockSize(const uint8_t* in, size_t available) {
  if (available == 0) return 0;
  const size_t size = BlockSize(ParseToken(in[0]));
  return size <= available ? size : 0;
}

size_t DecodeBlock(const uint8_t* in, size_t available, uint32_t* out) {
  if (available == 0) return 0;
  const Token t = ParseToken(in[0]);
  const size_t size = BlockSize(t);
  if (size > available) return 0;
  kUnpack[t.width](in + 1, out);
  const uint8_t* ex = in + 1 + 16 * static_cast<size_t>(t.width);
  for (int i = 0; i < t.exceptions; ++i) {
    const uint32_t index = ex[2 * i];
    // t.width <= 31 here; high bits that would fall off bit 31 mean the bytes are not a block.
    const uint64_t high = uint64_t{ex[2 * i + 1]} << t.width;
    if (index >= kBlockSize || high > UINT32_MAX) return 0;
    out[index] |= static_cast<uint32_t>(high);
  }
  return size;
}

uint32_t PrefixSumPlusOne(uint32_t* values, size_t n, uint32_t base) {
  // Two vectors per step: their local prefix sums, and the first's total added to the second, do not
  // depend on earlier values, so only adding the carry and broadcasting the new one are serial, once
  // per 8 values. That leaves the loop bound by instruction throughput; it runs at about twice the
  // speed of the scalar loop (bench/codec_bench.cc, BM_PrefixSumScalar).
  const u32x4 one = Splat(1);
  u32x4 carry = Splat(base);
  size_t i = 0;
  for (; i + 2 * kLanes <= n; i += 2 * kLanes) {
    const u32x4 a = PrefixSum4(LoadHost(values + i) + one);
    const u32x4 b = PrefixSum4(LoadHost(values + i + kLanes) + one) + Broadcast3(a);
    StoreHost(values + i, a + carry);
    const u32x4 b_total = b + carry;
    StoreHost(values + i + kLanes, b_total);
    carry = Broadcast3(b_total);
  }
  uint32_t sum = carry[0];
  for (; i < n; ++i) {
    sum += values[i] + 1;
    values[i] = sum;
  }
  return sum;
}

}  // namespace loupe::codec
