// Bit streams with the codes Loupe's positions use:
//
//  * plain k-bit values (a first position, in the width of its document's
//    span);
//  * unary (that many 0 bits, then a 1) and plain k-bit values: the two
//    halves of a Golomb-Rice code with parameter k, value >> k and the low k
//    bits, near-optimal for geometric values (Golomb, 1966; Rice, 1979);
//    callers may keep the halves in separate streams.
//
// Bits are written least significant first, bytes in order.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

#include "codec/popcount.h"

namespace loupe::codec {

class BitWriter {
 public:
  explicit BitWriter(std::string* out) : out_(out) {}

  void Write(uint64_t value, uint32_t bits) {  // bits <= 57
    if (bits == 0) return;
    buffer_ |= (value & ((uint64_t{1} << bits) - 1)) << filled_;
    filled_ += bits;
    while (filled_ >= 8) {
      out_->push_back(static_cast<char>(buffer_ & 0xFF));
      buffer_ >>= 8;
      filled_ -= 8;
    }
  }

  void WriteUnary(uint32_t zeros) {
    while (zeros >= 32) {
      Write(0, 32);
      zeros -= 32;
    }
    Write(uint64_t{1} << zeros, zeros + 1);
  }

  // Pads the last byte with zero bits.
  void Flush() {
    if (filled_ > 0) out_->push_back(static_cast<char>(buffer_ & 0xFF));
    buffer_ = 0;
    filled_ = 0;
  }

 private:
  std::string* out_;
  uint64_t buffer_ = 0;
  uint32_t filled_ = 0;
};

// Reads a bit stream inside a buffer that stays readable for at least 8
// bytes past the stream (Loupe's files end with a 16-byte footer), so every
// read is one unaligned 64-bit load and a shift. Reading past `end` is not
// prevented but detected: error() reports it, and callers check that once
// per block.
class BitReader {
 public:
  // [begin, end) is the stream; [end, end + 8) must be readable too.
  BitReader(const uint8_t* begin, const uint8_t* end) : base_(begin), end_bits_(uint64_t(end - begin) * 8) {}

  uint64_t Read(uint32_t bits) {  // bits <= 56
    const uint64_t v = Peek() & ((uint64_t{1} << bits) - 1);
    bit_ += bits;
    return v;
  }

  uint32_t ReadUnary() {
    uint32_t zeros = 0;
    for (;;) {
      const uint64_t window = Peek() | (uint64_t{1} << 56);  // at most 56 bits per step
      const auto run = static_cast<uint32_t>(std::countr_zero(window));
      if (run < 56) {
        bit_ += run + 1;
        return zeros + run;
      }
      zeros += 56;
      bit_ += 56;
      if (bit_ > end_bits_) return zeros;  // runs off the end: error() says so
    }
  }

  // Reads `n` unary codes into out[0..n): one load per 56 bits rather than
  // one per code, since codes sized by a fitted Rice parameter are short.
  void ReadUnaries(uint32_t n, uint32_t* out) {
    uint32_t zeros = 0;  // of the current code, from earlier windows
    while (n > 0) {
      uint64_t window = Peek() & kWindowMask;
      uint32_t consumed = 0;
      while (window != 0) {
        const auto one = static_cast<uint32_t>(std::countr_zero(window));
        *out++ = zeros + one - consumed;
        zeros = 0;
        consumed = one + 1;
        window &= window - 1;
        if (--n == 0) {
          bit_ += consumed;
          return;
        }
      }
      zeros += 56 - consumed;
      bit_ += 56;
      if (bit_ > end_bits_) {  // runs off the end: error() says so
        std::fill_n(out, n, 0u);
        return;
      }
    }
  }

  // Reads `n` values of `bits` bits (<= 32) into out[0..n).
  void ReadMany(uint32_t n, uint32_t bits, uint32_t* out) {
    if (bits == 0) {
      std::fill_n(out, n, 0u);
      return;
    }
    const uint64_t mask = (uint64_t{1} << bits) - 1;
    const uint32_t per_window = 56 / bits;
    while (n > 0) {
      uint64_t window = Peek();
      const uint32_t m = std::min(n, per_window);
      for (uint32_t i = 0; i < m; ++i, window >>= bits) out[i] = static_cast<uint32_t>(window & mask);
      bit_ += uint64_t{m} * bits;
      out += m;
      n -= m;
    }
  }

  // Moves past the next `count` one bits (the ends of `count` unary codes)
  // without decoding them: a popcount per 56 bits.
  void SkipOnes(uint64_t count) {
    while (count > 0) {
      const uint64_t window = Peek() & kWindowMask;
      const uint64_t ones = PopCount(window);
      if (ones < count) {
        count -= ones;
        bit_ += 56;
        if (bit_ > end_bits_) return;  // runs off the end: error() says so
        continue;
      }
      bit_ += SelectOne(window, count) + 1;
      return;
    }
  }

  void Skip(uint64_t bits) { bit_ += bits; }

  // The index of the rank-th one bit of x (1 <= rank <= popcount(x)):
  // broadword select (Vigna, "Broadword implementation of rank/select
  // queries", 2008): byte counts, their prefix sums in one multiply, the
  // byte by a parallel compare, then the bits of that byte. No loop over
  // the ones, no branch on the data.
  static uint64_t SelectOne(uint64_t x, uint64_t rank) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    const uint64_t prefix = ByteCounts(x) * kOnes;  // byte i: ones in bytes 0..i (<= 64)
    // Bytes whose prefix is below rank keep their high bit; they are the
    // bytes before the one holding the rank-th one.
    const uint64_t below = (((rank - 1) * kOnes | kHighs) - prefix) & kHighs;
    const uint64_t byte = ((below >> 7) * kOnes) >> 56;
    const uint64_t before = ((prefix << 8) >> (8 * byte)) & 0xFF;
    const uint64_t in_byte = (x >> (8 * byte)) & 0xFF;
    return 8 * byte + kSelectInByte[in_byte * 8 + (rank - before - 1)];
  }

  // True if the reads went past the end of the stream.
  bool error() const { return bit_ > end_bits_; }
  uint64_t bit_position() const { return bit_; }
  void set_bit_position(uint64_t bit) { bit_ = bit; }

 private:
  // kSelectInByte[b * 8 + r]: the index of the (r+1)-th one bit of byte b.
  static constexpr auto kSelectInByte = [] {
    std::array<uint8_t, 256 * 8> table{};
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t r = 0;
      for (uint32_t i = 0; i < 8; ++i) {
        if (b >> i & 1) table[b * 8 + r++] = static_cast<uint8_t>(i);
      }
    }
    return table;
  }();

  static constexpr uint64_t kWindowMask = (uint64_t{1} << 56) - 1;

  uint64_t Peek() const {
    // Past the end (a damaged stream), keep reading the last readable word:
    // harmless, and error() reports it.
    const uint64_t byte = (bit_ <= end_bits_ ? bit_ : end_bits_) >> 3;
    uint64_t word;
    std::memcpy(&word, base_ + byte, 8);
    return word >> (bit_ & 7);
  }

  const uint8_t* base_;
  uint64_t end_bits_;
  uint64_t bit_ = 0;
};

}  // namespace loupe::codec
