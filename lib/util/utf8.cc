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

std::string PrintableText(std::string_view text, bool keep_newlines) {
  const std::string clean = SanitizeUtf8(text);
  std::string out;
  out.reserve(clean.size());
  for (const char ch : clean) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c != 0x7F) {
      out.push_back(ch);
    } else if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string PrintableSameWidth(std::string_view text) {
  std::string out = SanitizeUtf8(text);
  for (char& ch : out) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) ch = ' ';
  }
  return out;
}

}  // namespace loupe::util
