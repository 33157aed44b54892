// Character classes of Loupe's word segmentation.
//
// The Word_Break values of Unicode Standard Annex #29 ("Unicode Text
// Segmentation", section 4.1), plus the distinctions Lucene's StandardTokenizer
// makes on top of them (ideographs, hiragana, complex-context scripts, emoji).
// Shared by the build-time table generator and the library.
#pragma once

#include <cstdint>

namespace loupe::analysis {

enum class CharClass : uint8_t {
  kOther = 0,
  kCR,
  kLF,
  kNewline,
  kExtend,
  kZWJ,
  kRegionalIndicator,
  kFormat,
  kKatakana,
  kHebrewLetter,
  kALetter,
  kSingleQuote,
  kDoubleQuote,
  kMidNumLet,
  kMidLetter,
  kMidNum,
  kNumeric,
  kExtendNumLet,
  kWSegSpace,
  kIdeographic,     // Word_Break=Other, Ideographic=Yes: one token per character
  kHiragana,        // Word_Break=Other, Script=Hiragana: one token per character
  kComplexContext,  // Line_Break=SA letters (Thai, Lao, Khmer, Myanmar): one token per run
  kEmoji,           // Extended_Pictographic with Emoji_Presentation
  kPictographic,    // Extended_Pictographic shown as text unless followed by U+FE0F
  kCount
};

// Flag bits stored above the class in the generated table.
inline constexpr uint8_t kClassMask = 0x1F;
inline constexpr uint8_t kHasFoldMapping = 0x40;
inline constexpr uint8_t kHasLowerMapping = 0x80;

static_assert(static_cast<int>(CharClass::kCount) <= kClassMask + 1);

}  // namespace loupe::analysis
