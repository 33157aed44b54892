#include "analysis/stop_words.h"

#include <gtest/gtest.h>

#include <string>

namespace loupe::analysis {
namespace {

TEST(StopSet, HoldsExactlyTheClassicEnglishWords) {
  const StopSet set(StopWords::kClassicEnglish);
  const char* const words[] = {"a",    "an",   "and",  "are",  "as",   "at",    "be",   "but",   "by",
                               "for",  "if",   "in",   "into", "is",   "it",    "no",   "not",   "of",
                               "on",   "or",   "such", "that", "the",  "their", "then", "there", "these",
                               "they", "this", "to",   "was",  "will", "with"};
  for (const char* w : words) EXPECT_TRUE(set.Contains(w)) << w;
  // Near misses: prefixes, extensions, case, embedded zero bytes, long words.
  for (const char* w : {"", "th", "thee", "there's", "The", "wit", "withe", "b", "ab", "tho", "theirs", "thesecond"}) {
    EXPECT_FALSE(set.Contains(w)) << w;
  }
  EXPECT_FALSE(set.Contains(std::string("a\0", 2)));
  EXPECT_FALSE(set.Contains(std::string("the\0\0\0\0\0", 8)));
  EXPECT_FALSE(set.empty());
}

TEST(StopSet, NoneIsEmpty) {
  const StopSet set(StopWords::kNone);
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains("the"));
  EXPECT_FALSE(set.Contains(""));
}

}  // namespace
}  // namespace loupe::analysis
