// Fixed-width bit-packed integer arrays with random access (field lengths,
// id offsets). Values are written least significant bit first into a byte
// stream; eight zero bytes of padding follow, so that any value can be read
// with one unaligned 64-bit load.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>

namespace loupe::codec {

// Widths up to this many bits can be read with one 64-bit load.
inline constexpr uint32_t kMaxPackedWidth = 56;

inline uint32_t BitsRequired(uint64_t max_value) {
  return max_value == 0 ? 0 : static_cast<uint32_t>(64 - std::countl_zero(max_value));
}

inline size_t PackedBytes(uint64_t n, uint32_t width) { return static_cast<size_t>((n * width + 7) / 8 + 8); }

// Appends n values of `width` bits (<= kMaxPackedWidth) and the padding.
template <typename T>
void AppendPacked(std::string& out, const T* values, size_t n, uint32_t width) {
  const size_t start = out.size();
  out.resize(start + PackedBytes(n, width), '\0');
  auto* base = reinterpret_cast<unsigned char*>(out.data() + start);
  uint64_t bit = 0;
  for (size_t i = 0; i < n; ++i, bit += width) {
    uint64_t word;
    std::memcpy(&word, base + bit / 8, 8);
    word |= static_cast<uint64_t>(values[i]) << (bit % 8);
    std::memcpy(base + bit / 8, &word, 8);
  }
}

class PackedReader {
 public:
  PackedReader() = default;
  // `data` must hold PackedBytes(n, width) bytes.
  PackedReader(const void* data, uint32_t width)
      : data_(static_cast<const unsigned char*>(data)), width_(width),
        mask_(width == 0 ? 0 : (~uint64_t{0} >> (64 - width))) {}

  uint64_t Get(uint64_t i) const {
    const uint64_t bit = i * width_;
    uint64_t word;
    std::memcpy(&word, data_ + bit / 8, 8);
    return (word >> (bit % 8)) & mask_;
  }

 private:
  const unsigned char* data_ = nullptr;
  uint32_t width_ = 0;
  uint64_t mask_ = 0;
};

}  // namespace loupe::codec
