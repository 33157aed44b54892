#include "analysis/word_segmenter.h"

#include <array>

#include "analysis/unicode/unicode_tables.h"
#include "util/utf8.h"

namespace loupe::analysis {
namespace {

using C = CharClass;

const std::array<C, 128>& AsciiClasses() {
  static const std::array<C, 128> table = [] {
    std::array<C, 128> t{};
    for (char32_t c = 0; c < 128; ++c) t[c] = ClassOfInfo(CharInfo(c));
    return t;
  }();
  return table;
}

bool IsAHLetter(C c) { return c == C::kALetter || c == C::kHebrewLetter; }
bool IsMidLetterQ(C c) { return c == C::kMidLetter || c == C::kMidNumLet || c == C::kSingleQuote; }
bool IsMidNumQ(C c) { return c == C::kMidNum || c == C::kMidNumLet || c == C::kSingleQuote; }
bool IsAbsorbed(C c) { return c == C::kExtend || c == C::kFormat || c == C::kZWJ; }

}  // namespace

WordSegmenter::Unit WordSegmenter::ReadUnit(uint32_t pos) const {
  static const std::array<C, 128>& ascii = AsciiClasses();
  Unit u{pos, pos, 1, C::kOther, false, false};
  const unsigned char* end = text_ + size_;
  if (text_[pos] < 0x80) {
    u.cls = ascii[text_[pos]];
    u.end = pos + 1;
    // Characters absorbed by WB4 are never ASCII: the common case ends here.
    if (u.end >= size_ || text_[u.end] < 0x80) return u;
  } else {
    const util::DecodedChar d = util::DecodeUtf8(text_ + pos, end);
    u.end = pos + d.length;
    if (!d.valid) return u;  // ill-formed bytes separate words
    u.cls = ClassOfInfo(CharInfo(d.code_point));
    u.utf16_length = d.code_point >= 0x10000 ? 2 : 1;
  }
  if (u.cls == C::kCR || u.cls == C::kLF || u.cls == C::kNewline) return u;
  // WB4: X (Extend | Format | ZWJ)* -> X. Bounded by the maximum token length
  // so a run of a million combining marks cannot make an unbounded token.
  while (u.end < size_ && text_[u.end] >= 0x80 && u.utf16_length < max_length_) {
    const util::DecodedChar d = util::DecodeUtf8(text_ + u.end, end);
    if (!d.valid) break;
    const C c = ClassOfInfo(CharInfo(d.code_point));
    if (!IsAbsorbed(c)) break;
    u.end += d.length;
    u.utf16_length += d.code_point >= 0x10000 ? 2 : 1;
    u.ends_with_zwj = c == C::kZWJ;
    if (d.code_point == 0xFE0F) u.has_emoji_style = true;
  }
  return u;
}

bool WordSegmenter::Next(Segment* out) {
  while (pos_ < size_) {
    const Unit u = ReadUnit(pos_);
    switch (u.cls) {
      case C::kALetter:
      case C::kHebrewLetter:
      case C::kNumeric:
      case C::kKatakana:
      case C::kExtendNumLet:
        if (ScanWord(u, out)) return true;
        break;
      case C::kIdeographic:
      case C::kHiragana:
        *out = {u.start, u.end};
        pos_ = u.end;
        return true;
      case C::kComplexContext:
      case C::kRegionalIndicator:
        ScanRun(u, out);
        return true;
      case C::kEmoji:
        ScanEmoji(u, out);
        return true;
      case C::kPictographic:
        if (u.has_emoji_style) {
          ScanEmoji(u, out);
          return true;
        }
        pos_ = u.end;
        break;
      default:
        pos_ = u.end;
        break;
    }
  }
  return false;
}

// Rules WB5 to WB13b between the last unit of the word and the next ones.
bool WordSegmenter::ScanWord(const Unit& first, Segment* out) {
  Unit last = first;
  uint32_t length = first.utf16_length;
  bool has_core = first.cls != C::kExtendNumLet;  // "___" alone is not a token
  static const std::array<C, 128>& ascii = AsciiClasses();
  while (last.end < size_) {
    // Fast path: ASCII letters and digits after a letter or digit always join
    // (WB5, WB8, WB9, WB10), unless a combining mark follows them.
    if (last.cls == C::kALetter || last.cls == C::kNumeric) {
      uint32_t at = last.end;
      while (at < size_ && length < max_length_ && text_[at] < 0x80 &&
             (ascii[text_[at]] == C::kALetter || ascii[text_[at]] == C::kNumeric) &&
             (at + 1 >= size_ || text_[at + 1] < 0x80)) {
        last.cls = ascii[text_[at]];
        ++at;
        ++length;
      }
      if (at != last.end) {
        last.start = at - 1;
        last.end = at;
        last.utf16_length = 1;
        last.ends_with_zwj = last.has_emoji_style = false;
        has_core = true;
        if (at >= size_) break;
      }
    }
    const Unit next = ReadUnit(last.end);
    const C l = last.cls;
    const C r = next.cls;
    const Unit* take = nullptr;  // the unit the word extends to
    uint32_t added = next.utf16_length;
    if ((IsAHLetter(l) || l == C::kNumeric) && (IsAHLetter(r) || r == C::kNumeric)) {
      take = &next;  // WB5, WB8, WB9, WB10
    } else if (l == C::kKatakana && r == C::kKatakana) {
      take = &next;  // WB13
    } else if (r == C::kExtendNumLet &&
               (IsAHLetter(l) || l == C::kNumeric || l == C::kKatakana || l == C::kExtendNumLet)) {
      take = &next;  // WB13a
    } else if (l == C::kExtendNumLet &&
               (IsAHLetter(r) || r == C::kNumeric || r == C::kKatakana)) {
      take = &next;  // WB13b
    }
    Unit after{};
    if (take == nullptr && next.end < size_ &&
        ((IsAHLetter(l) && (IsMidLetterQ(r) || (l == C::kHebrewLetter && r == C::kDoubleQuote))) ||
         (l == C::kNumeric && IsMidNumQ(r)))) {
      after = ReadUnit(next.end);
      const C a = after.cls;
      const bool letters = IsAHLetter(l) && IsMidLetterQ(r) && IsAHLetter(a);           // WB6, WB7
      const bool hebrew = l == C::kHebrewLetter && r == C::kDoubleQuote &&
                          a == C::kHebrewLetter;                                         // WB7b, WB7c
      const bool numbers = l == C::kNumeric && IsMidNumQ(r) && a == C::kNumeric;         // WB11, WB12
      if (letters || hebrew || numbers) {
        take = &after;
        added += after.utf16_length;
      }
    }
    if (take == nullptr && l == C::kHebrewLetter && r == C::kSingleQuote) take = &next;  // WB7a
    if (take == nullptr || length + added > max_length_) break;
    length += added;
    has_core = has_core || take->cls != C::kExtendNumLet;
    last = *take;
  }
  pos_ = last.end;
  if (!has_core) return false;
  *out = {first.start, last.end};
  return true;
}

// Runs of one class: complex-context letters (Lucene keeps a Thai run whole;
// splitting it into words needs a dictionary), or a pair of regional
// indicators (a flag, rules WB15 and WB16).
void WordSegmenter::ScanRun(const Unit& first, Segment* out) {
  Unit last = first;
  uint32_t length = first.utf16_length;
  uint32_t count = 1;
  const bool pairs = first.cls == C::kRegionalIndicator;
  while (last.end < size_ && !(pairs && count == 2)) {
    const Unit next = ReadUnit(last.end);
    if (next.cls != first.cls || length + next.utf16_length > max_length_) break;
    length += next.utf16_length;
    ++count;
    last = next;
  }
  pos_ = last.end;
  *out = {first.start, last.end};
}

// An emoji and the pictographs joined to it by ZWJ (rule WB3c).
void WordSegmenter::ScanEmoji(const Unit& first, Segment* out) {
  Unit last = first;
  uint32_t length = first.utf16_length;
  while (last.ends_with_zwj && last.end < size_) {
    const Unit next = ReadUnit(last.end);
    if ((next.cls != C::kEmoji && next.cls != C::kPictographic) ||
        length + next.utf16_length > max_length_) {
      break;
    }
    length += next.utf16_length;
    last = next;
  }
  pos_ = last.end;
  *out = {first.start, last.end};
}

}  // namespace loupe::analysis
