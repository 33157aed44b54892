// Lookups into the Unicode tables generated at build time from ICU
// (see generate_tables.cc): word-break class and folding of one code point.
#pragma once

#include <cstdint>
#include <string_view>

#include "analysis/unicode/char_class.h"

namespace loupe::analysis {

namespace unicode_data {
extern const uint16_t* const kClassStage1Ptr;
extern const uint8_t* const kClassStage2Ptr;
extern const int kBlockBitsValue;
}  // namespace unicode_data

// Class byte of a code point: CharClass in the low bits plus mapping flags.
inline uint8_t CharInfo(char32_t c) {
  if (c > 0x10FFFF) return static_cast<uint8_t>(CharClass::kOther);
  const int bits = unicode_data::kBlockBitsValue;
  const uint32_t block = unicode_data::kClassStage1Ptr[c >> bits];
  return unicode_data::kClassStage2Ptr[(block << bits) | (c & ((1u << bits) - 1))];
}

inline CharClass ClassOfInfo(uint8_t info) { return static_cast<CharClass>(info & kClassMask); }

// UTF-8 text a code point folds to (case, diacritics, compatibility forms);
// only meaningful when CharInfo(c) has kHasFoldMapping. May be empty.
std::string_view FoldMapping(char32_t c);

// UTF-8 text of a code point's simple lowercase mapping; only meaningful when
// CharInfo(c) has kHasLowerMapping.
std::string_view LowerMapping(char32_t c);

std::string_view TablesUnicodeVersion();

}  // namespace loupe::analysis
