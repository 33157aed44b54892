// UTF-8 decoding that never fails: malformed input decodes to U+FFFD.
//
// Each maximal subpart of an ill-formed sequence (Unicode 15, section 3.9,
// "U+FFFD Substitution of Maximal Subparts") becomes one replacement
// character, so a decoder always makes progress and never reads past `end`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace loupe::util {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct DecodedChar {
  char32_t code_point;
  uint32_t length;  // bytes consumed, 1..4
  bool valid;
};

inline DecodedChar DecodeUtf8(const unsigned char* p, const unsigned char* end) {
  const unsigned char b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  const auto avail = static_cast<size_t>(end - p);
  auto cont = [&](size_t i) { return i < avail && (p[i] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return {kReplacementChar, 1, false};
    return {static_cast<char32_t>(((b0 & 0x1F) << 6) | (p[1] & 0x3F)), 2, true};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    // Second-byte ranges exclude overlong forms (E0) and surrogates (ED).
    const unsigned char lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned char hi = b0 == 0xED ? 0x9F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {kReplacementChar, 1, false};
    if (!cont(2)) return {kReplacementChar, 2, false};
    return {static_cast<char32_t>(((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)), 3,
            true};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned char lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned char hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {kReplacementChar, 1, false};
    if (!cont(2)) return {kReplacementChar, 2, false};
    if (!cont(3)) return {kReplacementChar, 3, false};
    return {static_cast<char32_t>(((b0 & 0x07) << 18) | ((p[1] & 0x3F) << 12) |
                                  ((p[2] & 0x3F) << 6) | (p[3] & 0x3F)),
            4, true};
  }
  return {kReplacementChar, 1, false};
}

// Characters in `text`, counting each invalid byte sequence (maximal
// subpart) as one, as DecodeUtf8 steps through it: the column arithmetic of
// error messages.
inline size_t CountCharacters(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  size_t count = 0;
  for (; p < end; ++count) p += DecodeUtf8(p, end).length;
  return count;
}

// Byte offset of the first ill-formed sequence, or npos if `text` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view text);

// Appends the UTF-8 encoding of a code point (no validation: callers pass
// scalar values).
inline void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// Replaces every ill-formed sequence with U+FFFD (for printing user input).
std::string SanitizeUtf8(std::string_view text);

// Code points a terminal acts on instead of showing: C0 and DEL (ASCII), the
// C1 controls (U+0080-009F: U+009B is an 8-bit CSI, the start of an escape
// sequence), and the bidirectional embeddings, overrides and isolates
// (U+202A-202E, U+2066-2069), which reorder the text around them.
bool IsTerminalControl(char32_t c);

// Data for a terminal: SanitizeUtf8, and control characters (which could
// move the cursor, recolour the terminal or reorder the line: C0, DEL, C1,
// the bidirectional overrides and isolates) made visible: line breaks and
// tabs as spaces (one line stays one line), the others as \xNN or \uNNNN;
// with `keep_newlines`, '\n' stays (multi-line messages).
std::string PrintableText(std::string_view text, bool keep_newlines = false);

// The same width as `text` in characters, for text a caret points into:
// each control character becomes one space.
std::string PrintableSameWidth(std::string_view text);

// Text to show as it is (a snippet, which then gets markers and colours):
// SanitizeUtf8, control characters as spaces, and the bidirectional
// formatting characters removed rather than spaced, since word segmentation
// ignores them inside a word ("foo<U+202E>bar" is the word "foobar").
std::string TerminalSafeText(std::string_view text);

}  // namespace loupe::util
