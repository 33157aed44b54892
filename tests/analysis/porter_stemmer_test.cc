#include "analysis/porter_stemmer.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "analysis/stemmer.h"
#include "loupe/analysis.h"
#include "loupe/error.h"

namespace loupe {
namespace {

using Terms = std::vector<std::string>;

struct Vector {
  size_t line;
  std::string word;
  std::string stem;
};

// tests/data/porter_lucene.tsv: word<TAB>stem as Lucene 8.7's PorterStemFilter gives
// it, for Porter's examples, every rule, Lucene's departures from Snowball,
// short words, digits, non-ASCII letters and a few thousand Wikipedia words.
std::vector<Vector> LuceneVectors() {
  std::ifstream in(LOUPE_TEST_DATA_DIR "/porter_lucene.tsv");
  std::vector<Vector> vectors;
  std::string text;
  for (size_t line = 1; std::getline(in, text); ++line) {
    if (text.empty() || text[0] == '#') continue;
    const size_t tab = text.find('\t');
    if (tab == std::string::npos) {
      ADD_FAILURE() << "line " << line << " has no tab";
      continue;
    }
    vectors.push_back({line, text.substr(0, tab), text.substr(tab + 1)});
  }
  return vectors;
}

TEST(PorterStemmer, MatchesLuceneOnEveryVector) {
  const std::vector<Vector> vectors = LuceneVectors();
  ASSERT_GT(vectors.size(), 3000u);
  analysis::PorterStemmer stemmer;
  for (const Vector& v : vectors) {
    EXPECT_EQ(stemmer.Stem(v.word), v.stem) << "line " << v.line << ": " << v.word;
  }
}

// Through Stemmer, twice: the second round comes from the cache.
TEST(PorterStemmer, StemmerCachesLucenePorter) {
  const std::vector<Vector> vectors = LuceneVectors();
  analysis::Stemmer stemmer("lucene-porter");
  for (int round = 0; round < 2; ++round) {
    for (const Vector& v : vectors) {
      EXPECT_EQ(stemmer.Stem(v.word), v.stem) << "round " << round << ", line " << v.line;
      EXPECT_EQ(stemmer.StemUncached(v.word), v.stem) << "line " << v.line;
    }
  }
}

TEST(PorterStemmer, DepartsFromSnowballAsLuceneDoes) {
  analysis::Stemmer lucene("lucene-porter"), snowball("porter");
  const std::pair<const char*, const char*> cases[] = {
      {"technology", "technolog"},
      {"possibly", "possibl"},
      {"trekked", "trek"},
      {"byying", "by"},
      {"\xF0\x9D\x92\xB3s", "\xF0\x9D\x92\xB3"},  // two UTF-16 units and an s
  };
  for (const auto& [word, stem] : cases) {
    EXPECT_EQ(lucene.Stem(word), stem) << word;
    EXPECT_NE(snowball.Stem(word), stem) << word;
  }
}

// Lucene would see U+FFFD, a consonant; the bytes themselves are kept.
TEST(PorterStemmer, IllFormedBytesAreConsonants) {
  analysis::PorterStemmer stemmer;
  EXPECT_EQ(stemmer.Stem("ab\xFFing"), "ab\xFF");
  EXPECT_EQ(stemmer.Stem("caf\xFFs"), "caf\xFF");
  EXPECT_EQ(stemmer.Stem("ab\xE2\x82ing"), "ab\xE2\x82");  // one maximal subpart, one unit
  EXPECT_EQ(stemmer.Stem("\xFF\xFEs"), "\xFF\xFE");
  EXPECT_EQ(stemmer.Stem(""), "");
}

TEST(PorterStemmer, IsAKnownAlgorithm) {
  EXPECT_TRUE(analysis::Stemmer::IsKnownAlgorithm("lucene-porter"));
  EXPECT_TRUE(analysis::Stemmer::IsKnownAlgorithm("porter"));
  EXPECT_FALSE(analysis::Stemmer::IsKnownAlgorithm("lucene"));
  try {
    analysis::Stemmer unknown("klingon");
    ADD_FAILURE() << "no error";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("lucene-porter"), std::string::npos) << e.what();
  }
}

TEST(PorterStemmer, InAnAnalyzer) {
  const Analyzer anserini_like("lucene", {.normalization = Normalization::kLowercase,
                                          .english_possessives = true,
                                          .stop_words = StopWords::kClassicEnglish,
                                          .stemmer = "lucene-porter"});
  Terms terms;
  for (const auto& t : anserini_like.Analyze("Technology's possibly the trekked US")) terms.push_back(t.term);
  EXPECT_EQ(terms, (Terms{"technolog", "possibl", "trek", "us"}));
}

}  // namespace
}  // namespace loupe
