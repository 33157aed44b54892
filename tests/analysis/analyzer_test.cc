#include "loupe/analysis.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "loupe/error.h"

namespace loupe {
namespace {

using Terms = std::vector<std::string>;

Terms TermsOf(const Analyzer& analyzer, std::string_view text) {
  Terms out;
  for (const auto& t : analyzer.Analyze(text)) out.push_back(t.term);
  return out;
}

Terms TermsOf(std::string_view analyzer, std::string_view text) {
  return TermsOf(Analyzer::Named(analyzer), text);
}

struct Case {
  const char* name;
  const char* analyzer;
  std::string text;
  Terms expected;
};

class AnalyzerTest : public ::testing::TestWithParam<Case> {};

TEST_P(AnalyzerTest, ProducesTerms) {
  EXPECT_EQ(TermsOf(GetParam().analyzer, GetParam().text), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, AnalyzerTest,
    ::testing::Values(
        // The example of the foundation issue.
        Case{"EnglishHeadline", "english",
             "L\u00fd Th\u01b0\u1ee3ng Ph\u00fac\u2019s U.S.-China talks at the Shangri-La Dialogue",
             {"ly", "thuong", "phuc", "us", "china", "talk", "shangri", "la", "dialogu"}},
        // Case and diacritic folding.
        Case{"FoldVietnamese", "standard", "L\u00fd Th\u01b0\u1ee3ng Ph\u00fac", {"ly", "thuong", "phuc"}},
        Case{"FoldVietnameseDStroke", "standard", "\u0110\u00e0 N\u1eb5ng", {"da", "nang"}},
        Case{"FoldAngstrom", "standard", "\u00c5ngstr\u00f6m", {"angstrom"}},
        Case{"FoldPolish", "standard", "\u0141\u00f3d\u017a Gda\u0144sk", {"lodz", "gdansk"}},
        Case{"FoldGermanSharpS", "standard", "Stra\u00dfe", {"strasse"}},
        Case{"FoldLigatures", "standard", "\ufb01nance \u00c6sir \u0152uvre", {"finance", "aesir", "oeuvre"}},
        Case{"FoldFullwidth", "standard", "\uff21\uff22\uff23 \uff11\uff12", {"abc", "12"}},
        Case{"FoldDecomposedInput", "standard", "Phu\u0301c", {"phuc"}},
        Case{"FoldGreek", "standard", "\u0391\u03b8\u03ae\u03bd\u03b1", {"\u03b1\u03b8\u03b7\u03bd\u03b1"}},
        Case{"FoldCyrillicCase", "standard", "\u041c\u041e\u0421\u041a\u0412\u0410", {"\u043c\u043e\u0441\u043a\u0432\u0430"}},
        Case{"FoldDropsSoftHyphen", "standard", "co\u00adoperate", {"cooperate"}},
        Case{"FoldKeepsDevanagariSigns", "standard", "\u0926\u093f\u0932\u094d\u0932\u0940", {"\u0926\u093f\u0932\u094d\u0932\u0940"}},
        Case{"FoldKeepsHangul", "standard", "\uc11c\uc6b8", {"\uc11c\uc6b8"}},
        // Apostrophes and possessives.
        Case{"StandardKeepsPossessive", "standard", "China's China\u2019s", {"china's", "china's"}},
        Case{"EnglishDropsPossessive", "english", "China's China\u2019s", {"china", "china"}},
        Case{"AnseriniDropsPossessive", "anserini", "China's China\u2019s CHINA'S", {"china", "china", "china"}},
        // Abbreviations, numbers, hyphens.
        Case{"AcronymsJoined", "standard", "U.S. U.K. e.g. E.U.", {"us", "uk", "eg", "eu"}},
        Case{"DecimalsNotJoined", "standard", "3.5 1,200 0.25", {"3.5", "1,200", "0.25"}},
        Case{"AnseriniKeepsAcronymDots", "anserini", "U.S. talks", {"u.", "talk"}},
        Case{"HyphenatedWords", "english", "state-owned long-term", {"state", "own", "long", "term"}},
        // Stop words and stemming.
        Case{"EnglishStopWords", "english", "The cat is in the hat", {"cat", "hat"}},
        Case{"StandardKeepsStopWords", "standard", "The cat is in the hat", {"the", "cat", "is", "in", "the", "hat"}},
        Case{"EnglishStemming", "english", "running economies connected computing",
             {"run", "economi", "connect", "comput"}},
        Case{"AnseriniPorter", "anserini", "generalization generalizations", {"gener", "gener"}},
        Case{"AnseriniNoDiacriticFolding", "anserini", "L\u00fd Z\u00fcrich", {"l\u00fd", "z\u00fcrich"}},
        // Scripts.
        Case{"Scripts", "standard",
             "\u5317\u4eac \u30b3\u30f3\u30d4\u30e5\u30fc\u30bf \u0627\u0644\u0642\u0627\u0647\u0631\u0629 "
             "\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e",
             {"\u5317", "\u4eac", "\u30b3\u30f3\u30d4\u30e5\u30fc\u30bf",
              "\u0627\u0644\u0642\u0627\u0647\u0631\u0629", "\u0e01\u0e23\u0e38\u0e07\u0e40\u0e17\u0e1e"}},
        // Broken input.
        Case{"Empty", "english", "", {}},
        Case{"BrokenUtf8KeepsTheRest", "english", "good \xff\xfe bytes h\xc3re", {"good", "byte", "h", "re"}}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Analyzer, AccentsMatchEitherWay) {
  for (const char* name : {"standard", "english"}) {
    const Analyzer a = Analyzer::Named(name);
    EXPECT_EQ(TermsOf(a, "Ph\u00fac"), TermsOf(a, "phuc")) << name;
    EXPECT_EQ(TermsOf(a, "PHUC"), TermsOf(a, "Phu\u0301c")) << name;
    EXPECT_EQ(TermsOf(a, "Ly Thuong Phuc"), TermsOf(a, "L\u00fd Th\u01b0\u1ee3ng Ph\u00fac")) << name;
  }
}

TEST(Analyzer, PositionsAndOffsets) {
  const auto tokens = Analyzer::Named("english").Analyze("L\u00fd Ph\u00fac at the Dialogue");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0], (Analyzer::OwnedToken{"ly", 0, 0, 3}));
  EXPECT_EQ(tokens[1], (Analyzer::OwnedToken{"phuc", 1, 4, 9}));
  // "at" and "the" are stop words: they leave a gap of two positions.
  EXPECT_EQ(tokens[2], (Analyzer::OwnedToken{"dialogu", 4, 17, 25}));
}

TEST(Analyzer, StopWordsAtTheEndStillCountTowardNextPosition) {
  TokenStream stream(Analyzer::Named("english"));
  stream.Reset("cat in the", 10);
  ASSERT_TRUE(stream.Next());
  EXPECT_EQ(stream.token().position, 10u);
  EXPECT_FALSE(stream.Next());
  EXPECT_EQ(stream.next_position(), 13u);
}

// The indexer stems each distinct word once (NextUnstemmed, then Stem) while
// queries take Next(): both must give the same terms, or a query would miss
// what was indexed (as "us" once did with the anserini analyzer).
TEST(Analyzer, IndexingAndQueryStemmingAgree) {
  const std::string text =
      "us US U.S. s is as a i an at it's ox oxen running ran flies Lý Thượng Phúc’s e-mail 2023 ab abc";
  for (const std::string& name : Analyzer::BuiltinNames()) {
    TokenStream query(Analyzer::Named(name)), index(Analyzer::Named(name));
    query.Reset(text);
    index.Reset(text);
    while (query.Next()) {
      ASSERT_TRUE(index.NextUnstemmed()) << name;
      const std::string unstemmed(index.token().term);
      EXPECT_EQ(query.token().term, index.Stem(unstemmed)) << name << ": " << unstemmed;
      EXPECT_FALSE(query.token().term.empty()) << name;
    }
    EXPECT_FALSE(index.NextUnstemmed()) << name;
  }
  EXPECT_EQ(TermsOf("anserini", "us s is"), (Terms{"us", "s"}));  // "is" is a stop word
}

TEST(Analyzer, StreamIsReusable) {
  TokenStream stream(Analyzer::Named("standard"));
  for (int round = 0; round < 3; ++round) {
    stream.Reset("one two");
    ASSERT_TRUE(stream.Next());
    EXPECT_EQ(stream.token().term, "one");
    ASSERT_TRUE(stream.Next());
    EXPECT_EQ(stream.token().term, "two");
    EXPECT_FALSE(stream.Next());
  }
}

TEST(Analyzer, TenMegabyteDocument) {
  const std::string sentence = "The minister\u2019s U.S. visit cost $4.5 billion \u2014 3.5% of GDP. ";
  std::string text;
  while (text.size() < 10 * 1000 * 1000) text += sentence;
  const size_t repeats = text.size() / sentence.size();
  TokenStream stream(Analyzer::Named("english"));
  stream.Reset(text);
  size_t count = 0;
  uint32_t last_position = 0;
  while (stream.Next()) {
    ++count;
    last_position = stream.token().position;
  }
  // Per sentence: minist, us, visit, cost, 4.5, billion, 3.5, gdp ("the", "of" stopped).
  EXPECT_EQ(count, repeats * 8);
  EXPECT_EQ(last_position, repeats * 10 - 1);
}

TEST(Analyzer, UnknownNamesAreClearErrors) {
  EXPECT_THROW(Analyzer::Named("klingon"), InvalidArgumentError);
  try {
    Analyzer::Named("klingon");
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("standard, english, anserini"), std::string::npos);
  }
  EXPECT_THROW(Analyzer("x", {.stemmer = "klingon"}), InvalidArgumentError);
  EXPECT_THROW(Analyzer("x", {.max_token_length = 0}), InvalidArgumentError);
}

TEST(Analyzer, CustomConfiguration) {
  const Analyzer french("fr", {.normalization = Normalization::kFold, .stemmer = "french"});
  EXPECT_EQ(TermsOf(french, "Les \u00e9conomies"), (Terms{"le", "econom"}));
}

}  // namespace
}  // namespace loupe
