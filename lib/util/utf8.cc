#include "util/utf8.h"

namespace loupe::util {

size_t FindInvalidUtf8(std::string_view text) {
  const auto* begin = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = begin + text.size();
  const auto* p = begin;
  while (p < end) {
    // Skip ASCII eight bytes at a time: most text is mostly ASCII.
    while (end - p >= 8) {
      uint64_t word;
      __builtin_memcpy(&word, p, 8);
      if (word & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p >= end) break;
    const DecodedChar d = DecodeUtf8(p, end);
    if (!d.valid) return static_cast<size_t>(p - begin);
    p += d.length;
  }
  return std::string_view::npos;
}

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const DecodedChar d = DecodeUtf8(p, end);
    if (d.valid) {
      out.append(reinterpret_cast<const char*>(p), d.length);
    } else {
      AppendUtf8(out, kReplacementChar);
    }
    p += d.length;
  }
  return out;
}

}  // namespace loupe::util
