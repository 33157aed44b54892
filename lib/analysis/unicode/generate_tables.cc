// Build-time generator of Loupe's Unicode tables.
//
// Reads the Unicode character properties from ICU and writes them as C++
// arrays, so the library answers "which word-break class is this code point"
// and "what does it fold to" with a table lookup and never links ICU itself.
//
// Output (one .inc file, included by unicode_tables.cc):
//   kClassStage1 / kClassStage2  two-stage table: code point -> CharClass byte
//                                (low 5 bits the class, bit 6 "has a fold
//                                mapping", bit 7 "has a lowercase mapping")
//   kFoldEntries / kFoldPool     code point -> UTF-8 text after case folding,
//                                compatibility decomposition and removal of
//                                diacritics (the `fold` normalisation)
//   kLowerEntries / kLowerPool   code point -> UTF-8 text of its simple
//                                lowercase mapping (Java's Character.toLowerCase,
//                                which Lucene's LowerCaseFilter uses)
//
// Usage: loupe_unicode_gen OUTPUT.inc

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "analysis/unicode/char_class.h"

namespace {

using loupe::analysis::CharClass;

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr int kBlockBits = 7;
constexpr int kBlockSize = 1 << kBlockBits;

CharClass ClassOf(UChar32 c) {
  // Lucene's StandardTokenizer (UAX #29 plus token types) needs a few
  // distinctions the Word_Break property alone does not make: ideographs and
  // hiragana are one token per character, Southeast Asian scripts without
  // spaces (Line_Break=Complex_Context) are one token per run, and emoji are
  // tokens of their own.
  const auto wb = static_cast<UWordBreakValues>(u_getIntPropertyValue(c, UCHAR_WORD_BREAK));
  switch (wb) {
    case U_WB_CR: return CharClass::kCR;
    case U_WB_LF: return CharClass::kLF;
    case U_WB_NEWLINE: return CharClass::kNewline;
    case U_WB_EXTEND: return CharClass::kExtend;
    case U_WB_ZWJ: return CharClass::kZWJ;
    case U_WB_REGIONAL_INDICATOR: return CharClass::kRegionalIndicator;
    case U_WB_FORMAT: return CharClass::kFormat;
    case U_WB_KATAKANA: return CharClass::kKatakana;
    case U_WB_HEBREW_LETTER: return CharClass::kHebrewLetter;
    case U_WB_ALETTER: return CharClass::kALetter;
    case U_WB_SINGLE_QUOTE: return CharClass::kSingleQuote;
    case U_WB_DOUBLE_QUOTE: return CharClass::kDoubleQuote;
    case U_WB_MIDNUMLET: return CharClass::kMidNumLet;
    case U_WB_MIDLETTER: return CharClass::kMidLetter;
    case U_WB_MIDNUM: return CharClass::kMidNum;
    case U_WB_NUMERIC: return CharClass::kNumeric;
    case U_WB_EXTENDNUMLET: return CharClass::kExtendNumLet;
    case U_WB_WSEGSPACE: return CharClass::kWSegSpace;
    default: break;
  }
  if (u_hasBinaryProperty(c, UCHAR_IDEOGRAPHIC)) return CharClass::kIdeographic;
  UErrorCode status = U_ZERO_ERROR;
  if (uscript_getScript(c, &status) == USCRIPT_HIRAGANA && u_isalpha(c)) return CharClass::kHiragana;
  if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT && u_isalpha(c)) {
    return CharClass::kComplexContext;
  }
  if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) {
    return u_hasBinaryProperty(c, UCHAR_EMOJI_PRESENTATION) ? CharClass::kEmoji
                                                            : CharClass::kPictographic;
  }
  return CharClass::kOther;
}

// Diacritics removed by the `fold` normalisation: the combining marks that
// decorate Latin, Greek and Cyrillic letters (Vietnamese tone marks included),
// Hebrew points, Arabic harakat and variation selectors. Marks that carry
// meaning in Indic and other scripts are kept.
bool IsFoldedMark(UChar32 c) {
  return (c >= 0x0300 && c <= 0x036F) || (c >= 0x1AB0 && c <= 0x1AFF) ||
         (c >= 0x1DC0 && c <= 0x1DFF) || (c >= 0x20D0 && c <= 0x20FF) ||
         (c >= 0xFE20 && c <= 0xFE2F) || (c >= 0xFE00 && c <= 0xFE0F) ||
         (c >= 0x0591 && c <= 0x05BD) || c == 0x05BF || c == 0x05C1 || c == 0x05C2 ||
         c == 0x05C4 || c == 0x05C5 || c == 0x05C7 || (c >= 0x064B && c <= 0x065F) ||
         c == 0x0670;
}

// Letters with a stroke or a ligature that canonical decomposition leaves
// alone but readers treat as their base letters (what Lucene's
// ASCIIFoldingFilter does for the same characters). Applied after case folding,
// so only lowercase forms are listed.
const std::map<UChar32, std::u32string>& ExtraFolds() {
  static const std::map<UChar32, std::u32string> extras = {
      {0x00E6, U"ae"}, {0x00F0, U"d"},  {0x00F8, U"o"},  {0x00FE, U"th"}, {0x0111, U"d"},
      {0x0127, U"h"},  {0x0131, U"i"},  {0x0138, U"k"},  {0x0142, U"l"},  {0x014B, U"n"},
      {0x0153, U"oe"}, {0x0167, U"t"},  {0x0180, U"b"},  {0x0183, U"b"},  {0x0188, U"c"},
      {0x018C, U"d"},  {0x0192, U"f"},  {0x0199, U"k"},  {0x019A, U"l"},  {0x01A5, U"p"},
      {0x01AB, U"t"},  {0x01AD, U"t"},  {0x01B4, U"y"},  {0x01B6, U"z"},  {0x01E5, U"g"},
      {0x0225, U"z"},  {0x0234, U"l"},  {0x0235, U"n"},  {0x0236, U"t"},  {0x0237, U"j"},
      {0x023C, U"c"},  {0x0247, U"e"},  {0x0249, U"j"},  {0x024B, U"q"},  {0x024D, U"r"},
      {0x024F, U"y"},  {0x0253, U"b"},  {0x0256, U"d"},  {0x0257, U"d"},  {0x0260, U"g"},
      {0x0268, U"i"},  {0x026B, U"l"},  {0x0271, U"m"},  {0x0272, U"n"},  {0x027D, U"r"},
      {0x0288, U"t"},  {0x0289, U"u"},  {0x028B, U"v"},  {0x0290, U"z"},  {0x0291, U"z"},
      {0x1D7D, U"p"},  {0x2C65, U"a"},  {0x2C66, U"t"},
      // Apostrophes: the typographic forms join words exactly like U+0027
      // (they are MidNumLet), so they fold to it.
      {0x2018, U"'"},  {0x2019, U"'"},  {0xFF07, U"'"},
  };
  return extras;
}

std::u16string ToUtf16(const std::u32string& s) {
  std::u16string out;
  for (char32_t c : s) {
    if (c >= 0x10000) {
      out.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(c));
    }
  }
  return out;
}

std::u32string ToUtf32(const std::u16string& s) {
  std::u32string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c < 0xDC00 && i + 1 < s.size()) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    out.push_back(c);
  }
  return out;
}

void Check(UErrorCode status, const char* what) {
  if (U_FAILURE(status)) {
    std::fprintf(stderr, "loupe_unicode_gen: %s failed: %s\n", what, u_errorName(status));
    std::exit(1);
  }
}

std::u32string Normalize(const UNormalizer2* normalizer, const std::u32string& s) {
  UErrorCode status = U_ZERO_ERROR;
  const std::u16string in = ToUtf16(s);
  std::u16string out(in.size() * 18 + 8, u'\0');
  const int32_t n = unorm2_normalize(normalizer, reinterpret_cast<const UChar*>(in.data()),
                                     static_cast<int32_t>(in.size()),
                                     reinterpret_cast<UChar*>(out.data()),
                                     static_cast<int32_t>(out.size()), &status);
  Check(status, "unorm2_normalize");
  out.resize(static_cast<size_t>(n));
  return ToUtf32(out);
}

std::u32string Nfkd(const std::u32string& s) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfkd = unorm2_getNFKDInstance(&status);
  Check(status, "unorm2_getNFKDInstance");
  return Normalize(nfkd, s);
}

std::u32string Nfc(const std::u32string& s) {
  UErrorCode status = U_ZERO_ERROR;
  const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
  Check(status, "unorm2_getNFCInstance");
  return Normalize(nfc, s);
}

std::u32string FullCaseFold(const std::u32string& s) {
  UErrorCode status = U_ZERO_ERROR;
  const std::u16string in = ToUtf16(s);
  std::u16string out(in.size() * 3 + 8, u'\0');
  const int32_t n = u_strFoldCase(reinterpret_cast<UChar*>(out.data()),
                                  static_cast<int32_t>(out.size()),
                                  reinterpret_cast<const UChar*>(in.data()),
                                  static_cast<int32_t>(in.size()), U_FOLD_CASE_DEFAULT, &status);
  Check(status, "u_strFoldCase");
  out.resize(static_cast<size_t>(n));
  return ToUtf32(out);
}

// The `fold` normalisation of one code point: compatibility decomposition,
// full case folding, diacritics removed, stroke letters and ligatures spelled
// out, default-ignorable format characters dropped, and the marks that remain
// (those of other scripts) composed again (NFC). Repeated until stable, because
// folding can expose new decomposable characters (U+0130 -> i + U+0307).
std::u32string Fold(UChar32 c) {
  if (c >= 0xAC00 && c <= 0xD7A3) return std::u32string(1, static_cast<char32_t>(c));  // Hangul syllables stay composed.
  if (u_charType(c) == U_FORMAT_CHAR) return U"";
  std::u32string s(1, static_cast<char32_t>(c));
  for (int round = 0; round < 4; ++round) {
    std::u32string next;
    for (char32_t d : FullCaseFold(Nfkd(s))) {
      if (IsFoldedMark(static_cast<UChar32>(d))) continue;
      if (u_charType(static_cast<UChar32>(d)) == U_FORMAT_CHAR) continue;
      const auto& extras = ExtraFolds();
      auto it = extras.find(static_cast<UChar32>(d));
      if (it != extras.end()) {
        next += it->second;
      } else {
        next.push_back(d);
      }
    }
    if (next == s) break;
    s = std::move(next);
  }
  return Nfc(s);
}

std::string ToUtf8(const std::u32string& s) {
  std::string out;
  for (char32_t c : s) {
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
  return out;
}

struct Mapping {
  std::vector<std::pair<uint32_t, std::string>> entries;  // sorted by code point
};

void WriteMapping(std::ofstream& out, const char* name, const Mapping& m) {
  std::string pool;
  out << "inline constexpr MappingEntry k" << name << "Entries[] = {\n";
  int col = 0;
  for (const auto& [cp, text] : m.entries) {
    out << "{0x" << std::hex << cp << std::dec << "," << pool.size() << "," << text.size() << "},";
    pool += text;
    if (++col % 6 == 0) out << "\n";
  }
  out << "};\n";
  out << "inline constexpr unsigned char k" << name << "Pool[] = {\n";
  col = 0;
  for (unsigned char ch : pool) {
    out << static_cast<int>(ch) << ",";
    if (++col % 24 == 0) out << "\n";
  }
  if (pool.empty()) out << "0";
  out << "};\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: loupe_unicode_gen OUTPUT.inc\n");
    return 2;
  }
  std::vector<uint8_t> classes(kMaxCodePoint + 1);
  Mapping fold, lower;
  for (UChar32 c = 0; c <= static_cast<UChar32>(kMaxCodePoint); ++c) {
    uint8_t byte = static_cast<uint8_t>(ClassOf(c));
    if (c >= 0xD800 && c <= 0xDFFF) {
      classes[static_cast<size_t>(c)] = static_cast<uint8_t>(CharClass::kOther);
      continue;
    }
    const std::u32string folded = Fold(c);
    if (folded != std::u32string(1, static_cast<char32_t>(c))) {
      fold.entries.emplace_back(static_cast<uint32_t>(c), ToUtf8(folded));
      byte |= loupe::analysis::kHasFoldMapping;
    }
    const UChar32 lc = u_tolower(c);
    if (lc != c) {
      lower.entries.emplace_back(static_cast<uint32_t>(c),
                                 ToUtf8(std::u32string(1, static_cast<char32_t>(lc))));
      byte |= loupe::analysis::kHasLowerMapping;
    }
    classes[static_cast<size_t>(c)] = byte;
  }

  // Two-stage table: identical blocks of kBlockSize code points are stored once.
  std::vector<uint16_t> stage1;
  std::vector<uint8_t> stage2;
  std::map<std::string, uint16_t> block_ids;
  for (size_t start = 0; start <= kMaxCodePoint; start += kBlockSize) {
    const std::string block(reinterpret_cast<const char*>(classes.data()) + start, kBlockSize);
    auto [it, inserted] = block_ids.emplace(block, static_cast<uint16_t>(block_ids.size()));
    if (inserted) stage2.insert(stage2.end(), block.begin(), block.end());
    stage1.push_back(it->second);
  }

  std::ofstream out(argv[1]);
  UVersionInfo unicode_version;
  u_getUnicodeVersion(unicode_version);
  char version_text[U_MAX_VERSION_STRING_LENGTH];
  u_versionToString(unicode_version, version_text);
  out << "// Generated by loupe_unicode_gen from ICU " << U_ICU_VERSION << " (Unicode "
      << version_text << "). Do not edit.\n";
  out << "inline constexpr char kUnicodeVersion[] = \"" << version_text << "\";\n";
  out << "inline constexpr int kBlockBits = " << kBlockBits << ";\n";
  out << "inline constexpr uint16_t kClassStage1[] = {\n";
  for (size_t i = 0; i < stage1.size(); ++i) out << stage1[i] << ((i + 1) % 24 == 0 ? ",\n" : ",");
  out << "};\ninline constexpr uint8_t kClassStage2[] = {\n";
  for (size_t i = 0; i < stage2.size(); ++i) {
    out << static_cast<int>(stage2[i]) << ((i + 1) % 32 == 0 ? ",\n" : ",");
  }
  out << "};\n";
  WriteMapping(out, "Fold", fold);
  WriteMapping(out, "Lower", lower);
  if (!out) {
    std::fprintf(stderr, "loupe_unicode_gen: cannot write %s\n", argv[1]);
    return 1;
  }
  return 0;
}
