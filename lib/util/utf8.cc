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

bool IsTerminalControl(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

namespace {

// SanitizeUtf8(text), with each terminal control replaced by what
// `replace(code_point, out)` appends (the other characters copied).
template <typename Replace>
std::string ReplaceTerminalControls(std::string_view text, Replace replace) {
  const std::string clean = SanitizeUtf8(text);
  std::string out;
  out.reserve(clean.size());
  const auto* p = reinterpret_cast<const unsigned char*>(clean.data());
  const auto* end = p + clean.size();
  while (p < end) {
    const DecodedChar d = DecodeUtf8(p, end);
    if (IsTerminalControl(d.code_point)) {
      replace(d.code_point, out);
    } else {
      out.append(reinterpret_cast<const char*>(p), d.length);
    }
    p += d.length;
  }
  return out;
}

}  // namespace

std::string PrintableText(std::string_view text, bool keep_newlines) {
  return ReplaceTerminalControls(text, [keep_newlines](char32_t c, std::string& out) {
    if (c == '\n' && keep_newlines) {
      out.push_back('\n');
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out.push_back(' ');
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      if (c <= 0xFF) {
        out += "\\x";
      } else {
        out += "\\u";
        out.push_back(kHex[c >> 12]);
        out.push_back(kHex[(c >> 8) & 15]);
      }
      out.push_back(kHex[(c >> 4) & 15]);
      out.push_back(kHex[c & 15]);
    }
  });
}

std::string PrintableSameWidth(std::string_view text) {
  return ReplaceTerminalControls(text, [](char32_t, std::string& out) { out.push_back(' '); });
}

std::string TerminalSafeText(std::string_view text) {
  // Bidirectional controls (U+202A on) go; the others become spaces.
  return ReplaceTerminalControls(text, [](char32_t c, std::string& out) {
    if (c < 0x202A) out.push_back(' ');
  });
}

}  // namespace loupe::util
