// Word segmentation by the rules of Unicode Standard Annex #29, section 4
// ("Word Boundaries"), keeping only the segments Lucene's StandardTokenizer
// turns into tokens: words of letters, digits, katakana and connector
// punctuation; single ideographs and hiragana; runs of complex-context scripts
// (Thai, Lao, Khmer, Myanmar); emoji.
//
// The rules are applied to "units": a character together with the Extend,
// Format and ZWJ characters that follow it (rule WB4), so combining accents
// never split a word. A segment longer than the maximum token length (in
// UTF-16 code units, as Lucene counts) is cut at a unit boundary and the scan
// resumes after the cut.
#pragma once

#include <cstdint>
#include <string_view>

#include "analysis/unicode/char_class.h"

namespace loupe::analysis {

struct Segment {
  uint32_t start;  // byte offsets into the text
  uint32_t end;
};

class WordSegmenter {
 public:
  explicit WordSegmenter(uint32_t max_utf16_length) : max_length_(max_utf16_length) {}

  void Reset(std::string_view text) {
    text_ = reinterpret_cast<const unsigned char*>(text.data());
    size_ = static_cast<uint32_t>(text.size());
    pos_ = 0;
  }

  // Finds the next token-forming segment; false when the text is exhausted.
  bool Next(Segment* out);

 private:
  struct Unit {
    uint32_t start;
    uint32_t end;
    uint32_t utf16_length;
    CharClass cls;
    bool ends_with_zwj;     // for emoji ZWJ sequences (rule WB3c)
    bool has_emoji_style;   // a U+FE0F variation selector was absorbed
  };

  Unit ReadUnit(uint32_t pos) const;
  bool ScanWord(const Unit& first, Segment* out);
  void ScanRun(const Unit& first, Segment* out);
  void ScanEmoji(const Unit& first, Segment* out);

  const unsigned char* text_ = nullptr;
  uint32_t size_ = 0;
  uint32_t pos_ = 0;
  uint32_t max_length_;
};

}  // namespace loupe::analysis
