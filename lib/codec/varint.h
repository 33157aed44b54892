// LEB128-style unsigned varints: 7 bits per byte, low groups first, the high bit of a byte set when
// another byte follows. Used for the small integers around blocks (counts, lengths, block tails) where a
// 128-value block does not fit.
//
// Decoding is bounds-checked and strict about length: a 32-bit varint has at most 5 bytes and its 5th
// byte at most 0x0F; a 64-bit varint at most 10 bytes and its 10th byte at most 0x01. Anything longer or
// wider is rejected, so a corrupt length can never decode to a huge or wrapped-around value.
// Non-minimal encodings (e.g. 0x80 0x00 for 0) are accepted, as in protobuf and LevelDB: the writers
// here never produce them, and rejecting them would cost a branch on every multi-byte value.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

namespace loupe::codec {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

// Writes v at `out`, which must have VarintLength(v) (at most kMaxVarint32Bytes) bytes writable;
// returns one past the last written byte.
inline uint8_t* PutVarint32(uint8_t* out, uint32_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<uint8_t>(v);
  return out;
}

// As PutVarint32, with up to kMaxVarint64Bytes bytes.
inline uint8_t* PutVarint64(uint8_t* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<uint8_t>(v);
  return out;
}

inline void AppendVarint32(std::string& out, uint32_t v) {
  uint8_t buf[kMaxVarint32Bytes];
  const uint8_t* end = PutVarint32(buf, v);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}

inline void AppendVarint64(std::string& out, uint64_t v) {
  uint8_t buf[kMaxVarint64Bytes];
  const uint8_t* end = PutVarint64(buf, v);
  out.append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
}

// The number of bytes PutVarint64 (or PutVarint32, for a value that fits) writes for v: 1..10.
inline constexpr size_t VarintLength(uint64_t v) {
  return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7;
}

namespace varint_internal {

// The multi-byte case, kept out of line of the callers' loops.
template <typename T>
bool GetVarintSlow(const uint8_t*& p, const uint8_t* end, T* v) {
  constexpr int kBits = 8 * sizeof(T);
  constexpr int kMaxBytes = (kBits + 6) / 7;
  const uint8_t* q = p;
  T result = 0;
  for (int i = 0; i < kMaxBytes; ++i) {
    if (q >= end) return false;
    const uint8_t b = *q++;
    const int shift = 7 * i;
    // The last byte may hold only the bits left in T, and no continuation bit.
    if (i == kMaxBytes - 1 && (b >> (kBits - shift)) != 0) return false;
    result |= static_cast<T>(b & 0x7F) << shift;
    if (b < 0x80) {
      *v = result;
      p = q;
      return true;
    }
  }
  return false;  // not reached: the last byte's continuation bit is rejected above
}

}  // namespace varint_internal

// Decodes a varint at p (reading no further than `end`), stores it in *v and advances p past it.
// Returns false, leaving p and *v unchanged, if the input is truncated, longer than kMaxVarint32Bytes,
// or holds bits beyond 32.
inline bool GetVarint32(const uint8_t*& p, const uint8_t* end, uint32_t* v) {
  if (p < end && *p < 0x80) [[likely]] {
    *v = *p++;
    return true;
  }
  return varint_internal::GetVarintSlow(p, end, v);
}

// As GetVarint32 for 64 bits (at most kMaxVarint64Bytes bytes).
inline bool GetVarint64(const uint8_t*& p, const uint8_t* end, uint64_t* v) {
  if (p < end && *p < 0x80) [[likely]] {
    *v = *p++;
    return true;
  }
  return varint_internal::GetVarintSlow(p, end, v);
}

}  // namespace loupe::codec
