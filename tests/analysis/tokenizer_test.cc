// Word segmentation (UAX #29 as Lucene's StandardTokenizer applies it).
#include "analysis/word_segmenter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace loupe::analysis {
namespace {

std::vector<std::string> Segments(std::string_view text, uint32_t max_length = 255) {
  WordSegmenter segmenter(max_length);
  segmenter.Reset(text);
  std::vector<std::string> out;
  Segment s;
  while (segmenter.Next(&s)) {
    EXPECT_LT(s.start, s.end);
    EXPECT_LE(s.end, text.size());
    out.emplace_back(text.substr(s.start, s.end - s.start));
  }
  return out;
}

using Words = std::vector<std::string>;

struct Case {
  const char* name;
  std::string text;
  Words expected;
};

class SegmentationTest : public ::testing::TestWithParam<Case> {};

TEST_P(SegmentationTest, Splits) { EXPECT_EQ(Segments(GetParam().text), GetParam().expected); }

INSTANTIATE_TEST_SUITE_P(
    Rules, SegmentationTest,
    ::testing::Values(
        Case{"Empty", "", {}},
        Case{"OnlySpacesAndPunctuation", "  ,.;!? \t\n -- ", {}},
        Case{"Simple", "Hello, world!", {"Hello", "world"}},
        Case{"ApostropheInsideWord", "China's economy", {"China's", "economy"}},
        Case{"CurlyApostrophe", "China\u2019s", {"China\u2019s"}},
        Case{"QuotesAroundWord", "'quoted' \u201cthis\u201d", {"quoted", "this"}},
        Case{"Abbreviation", "the U.S. economy", {"the", "U.S", "economy"}},
        Case{"AbbreviationThenHyphen", "U.S.-China talks", {"U.S", "China", "talks"}},
        Case{"Hyphens", "Shangri-La e-commerce COVID-19", {"Shangri", "La", "e", "commerce", "COVID", "19"}},
        Case{"Decimal", "3.5 percent", {"3.5", "percent"}},
        Case{"Thousands", "1,200 and $4.5 billion", {"1,200", "and", "4.5", "billion"}},
        Case{"SentenceEnd", "It ended.", {"It", "ended"}},
        Case{"Time", "9:30 a.m.", {"9", "30", "a.m"}},
        Case{"Score", "won 3-1", {"won", "3", "1"}},
        Case{"IsoDate", "2025-03-14", {"2025", "03", "14"}},
        Case{"LettersAndDigits", "B2B 1980s 21st", {"B2B", "1980s", "21st"}},
        Case{"Email", "press@example.org", {"press", "example.org"}},
        Case{"Underscore", "snake_case_name _x", {"snake_case_name", "_x"}},
        Case{"UnderscoresAlone", "___ __", {}},
        Case{"ColonJoinsLetters", "a:b", {"a:b"}},
        Case{"DoubleApostrophe", "rock ''n'' roll", {"rock", "n", "roll"}},
        Case{"EmDash", "word\u2014word \u2014 end", {"word", "word", "end"}},
        Case{"CrLf", "a\r\nb\rc\nd", {"a", "b", "c", "d"}},
        Case{"Diacritics", "L\u00fd Th\u01b0\u1ee3ng Ph\u00fac", {"L\u00fd", "Th\u01b0\u1ee3ng", "Ph\u00fac"}},
        Case{"CombiningMarkStaysInWord", "Phu\u0301c", {"Phu\u0301c"}},
        Case{"SoftHyphenStaysInWord", "co\u00adoperate", {"co\u00adoperate"}},
        Case{"Greek", "\u0391\u03b8\u03ae\u03bd\u03b1 city", {"\u0391\u03b8\u03ae\u03bd\u03b1", "city"}},
        Case{"Cyrillic", "\u041c\u043e\u0441\u043a\u0432\u0430!", {"\u041c\u043e\u0441\u043a\u0432\u0430"}},
        Case{"Arabic", "\u0627\u0644\u0642\u0627\u0647\u0631\u0629", {"\u0627\u0644\u0642\u0627\u0647\u0631\u0629"}},
        Case{"Hebrew", "\u05e9\u05dc\u05d5\u05dd", {"\u05e9\u05dc\u05d5\u05dd"}},
        Case{"HebrewGershayim", "\u05e6\u05d4\"\u05dc", {"\u05e6\u05d4\"\u05dc"}},
        Case{"Devanagari", "\u0926\u093f\u0932\u094d\u0932\u0940", {"\u0926\u093f\u0932\u094d\u0932\u0940"}},
        Case{"HanOneTokenPerCharacter", "\u5317\u4eac", {"\u5317", "\u4eac"}},
        Case{"HiraganaOneTokenPerCharacter", "\u3072\u3089", {"\u3072", "\u3089"}},
        Case{"KatakanaRun", "\u30b3\u30f3\u30d4\u30e5\u30fc\u30bf", {"\u30b3\u30f3\u30d4\u30e5\u30fc\u30bf"}},
        Case{"Hangul", "\uc11c\uc6b8 \ud55c\uad6d", {"\uc11c\uc6b8", "\ud55c\uad6d"}},
        Case{"ThaiRun", "\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e", {"\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e"}},
        Case{"MixedScripts", "Tokyo \u6771\u4eac\u30bf\u30ef\u30fc", {"Tokyo", "\u6771", "\u4eac", "\u30bf\u30ef\u30fc"}},
        Case{"Emoji", "I \u2764\ufe0f NY \U0001F44D\U0001F3FD", {"I", "\u2764\ufe0f", "NY", "\U0001F44D\U0001F3FD"}},
        Case{"TextStyleSymbolIsNotAToken", "\u00a9 2025", {"2025"}},
        Case{"ZwjEmojiSequence", "\U0001F469\u200d\U0001F4BB", {"\U0001F469\u200d\U0001F4BB"}},
        Case{"InvalidBytesSeparateWords", "abc\xff" "def", {"abc", "def"}},
        Case{"TruncatedSequenceAtEnd", "caf\xc3", {"caf"}},
        Case{"InvalidInsideNonAscii", "\xc3\xa9t\xe9 ok", {"\xc3\xa9t", "ok"}},
        Case{"NulIsASeparator", std::string("nul\0byte", 8), {"nul", "byte"}}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Segmentation, LongWordsAreCutAtTheMaximumLength) {
  const std::string word(300, 'a');
  const Words pieces = Segments(word + " b");
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].size(), 255u);
  EXPECT_EQ(pieces[1].size(), 45u);
  EXPECT_EQ(pieces[2], "b");
}

TEST(Segmentation, MaximumLengthCountsUtf16Units) {
  // U+1F600 is two UTF-16 units; U+00E9 one.
  EXPECT_EQ(Segments("\u00e9\u00e9\u00e9", 2), (Words{"\u00e9\u00e9", "\u00e9"}));
}

TEST(Segmentation, EndlessCombiningMarksAreBounded) {
  std::string text = "a";
  for (int i = 0; i < 100000; ++i) text += "\u0301";
  const Words words = Segments(text);
  ASSERT_FALSE(words.empty());
  EXPECT_LE(words[0].size(), 255u * 2);
}

TEST(Segmentation, EveryByteValueIsHandled) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  const Words words = Segments(all + all);
  EXPECT_FALSE(words.empty());  // the ASCII letters and digits
}

}  // namespace
}  // namespace loupe::analysis
