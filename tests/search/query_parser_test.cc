#include <gtest/gtest.h>

#include "loupe/error.h"
#include "loupe/query.h"

namespace loupe {
namespace {

const Schema& Flat() {
  static const Schema s = Schema()
                              .AddTextField("contents", {"title", "body"}, "english")
                              .AddScalarField("date", ScalarType::kDate)
                              .AddScalarField("topics", ScalarType::kKeyword)
                              .AddScalarField("n", ScalarType::kInteger)
                              .AddScalarField("url", ScalarType::kStored);
  return s;
}
const Schema& TwoFields() {
  static const Schema s = Schema::Default("english");
  return s;
}

struct Case {
  const char* name;
  const char* text;
  const char* expected;  // Query::ToString()
  bool default_and = false;
};

class ParseTest : public ::testing::TestWithParam<Case> {};

TEST_P(ParseTest, Parses) {
  const Case& c = GetParam();
  EXPECT_EQ(ParseQuery(c.text, Flat(), {.default_and = c.default_and})->ToString(), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Language, ParseTest,
    ::testing::Values(
        Case{"Term", "China", "contents:china"},
        Case{"Stemmed", "talks", "contents:talk"},
        Case{"Folded", "Phúc", "contents:phuc"},
        Case{"DefaultOr", "trade talks", "(contents:trade contents:talk)"},
        Case{"DefaultAnd", "trade talks", "(+contents:trade +contents:talk)", true},
        Case{"RequiredExcluded", "+trade -war talks", "(+contents:trade -contents:war contents:talk)"},
        Case{"BangIsNot", "trade !war", "(contents:trade -contents:war)"},
        Case{"AndOr", "a1 AND b1 OR c1", "((+contents:a1 +contents:b1) contents:c1)"},
        Case{"SymbolOperators", "a1 && b1 || c1", "((+contents:a1 +contents:b1) contents:c1)"},
        Case{"AndNot", "trade AND NOT war", "(+contents:trade -contents:war)"},
        Case{"Parentheses", "(trade OR tariff) AND china", "(+(contents:trade contents:tariff) +contents:china)"},
        Case{"Phrase", "\"trade talks\"", "contents:\"trade talk\""},
        Case{"PhraseStopWordGap", "\"talks at the summit\"", "contents:\"talk ? ? summit\""},
        Case{"Proximity", "\"trade talks\"~3", "contents:\"trade talk\"~3"},
        Case{"Boost", "trade^2 talks", "(contents:trade^2 contents:talk)"},
        Case{"BoostedGroup", "(trade talks)^1.5", "(contents:trade contents:talk)^1.5"},
        Case{"Prefix", "chin*", "contents:chin*"},
        Case{"PrefixIsNotStemmed", "Talks*", "contents:talks*"},
        Case{"FieldScoped", "contents:china", "contents:china"},
        Case{"HyphenatedWordIsAPhrase", "e-commerce", "contents:\"e commerc\""},
        Case{"OnlyStopWords", "the of and", "<nothing>"},
        Case{"StopWordDropped", "the china", "contents:china"},
        Case{"PureNegative", "-war", "(+* -contents:war)"},
        Case{"Empty", "   ", "<nothing>"},
        Case{"Escaped", "R\\&D", "contents:\"r d\""},
        Case{"LowercaseAndIsAWord", "trade and talks", "(contents:trade contents:talk)"},
        Case{"LoneStarMatchesAll", "*", "*"},
        Case{"KeywordIsExact", "topics:Earn", "topics:\"Earn\""},
        Case{"QuotedKeyword", "topics:\"crude oil\"", "topics:\"crude oil\""},
        // Escapes as in words: a backslash makes the next character part of the value.
        Case{"EscapedKeyword", "topics:R\\&D", "topics:\"R&D\""},
        Case{"EscapedKeywordParenAndSpace", "topics:a\\)b topics:x\\ y", "(topics:\"a)b\" topics:\"x y\")"},
        Case{"EscapedKeywordStar", "topics:ea\\*", "topics:\"ea*\""},
        Case{"DateRangeCoversWholeDays", "date:[2023-01-01 TO 2023-06-30]", "date:[1672531200000 TO 1688169599999]"},
        Case{"OpenDateRange", "date:[2023-01-01 TO *]", "date:[1672531200000 TO *]"},
        Case{"ExclusiveBounds", "date:{2023-02 TO 2023-04}", "date:[1677628800000 TO 1680307199999]"},
        Case{"DateAloneIsItsPeriod", "date:2023-03", "date:[1677628800000 TO 1680307199999]"},
        Case{"DateTimeWithZone", "date:[2023-03-01T13:00+01:00 TO *]", "date:[1677672000000 TO *]"},
        Case{"IntegerValue", "n:-5", "n:[-5 TO -5]"},
        Case{"IntegerRange", "n:{1 TO 10]", "n:[2 TO 10]"},
        // An empty range is kept (a required one matches nothing), unlike a
        // clause of stop words, which vanishes.
        Case{"EmptyRangeStaysRequired", "+oil +n:[5 TO 3]", "(+contents:oil +n:[5 TO 3])"},
        Case{"ExclusiveLowerAtTheLastIntegerIsEmpty", "+oil +n:{9223372036854775807 TO *]",
             "(+contents:oil +n:[1 TO 0])"},
        Case{"FilterWithText", "+oil +topics:earn date:[2023 TO 2023]",
             "(+contents:oil +topics:\"earn\" date:[1672531200000 TO 1704067199999])"}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(Parse, BareTermsSearchEveryField) {
  EXPECT_EQ(ParseQuery("china", TwoFields())->ToString(), "(title:china body:china)");
  EXPECT_EQ(ParseQuery("title:china", TwoFields())->ToString(), "title:china");
  EXPECT_EQ(ParseQuery("title:(china trade)", TwoFields())->ToString(), "(title:china title:trade)");
  EXPECT_EQ(ParseQuery("title:\"trade talks\"", TwoFields())->ToString(), "title:\"trade talk\"");
  // Default fields named twice count once.
  QueryParseOptions twice;
  twice.default_fields = {"title", "title"};
  EXPECT_EQ(ParseQuery("china", TwoFields(), twice)->ToString(), "title:china");
}

struct Bad {
  const char* name;
  const char* text;
  uint32_t column;
  const char* reason;
};

class SyntaxErrorTest : public ::testing::TestWithParam<Bad> {};

TEST_P(SyntaxErrorTest, ReportsColumnAndReason) {
  const Bad& b = GetParam();
  try {
    ParseQuery(b.text, Flat());
    FAIL() << "parsed " << b.text;
  } catch (const QuerySyntaxError& e) {
    EXPECT_EQ(e.column(), b.column) << e.what();
    EXPECT_NE(e.reason().find(b.reason), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Language, SyntaxErrorTest,
    ::testing::Values(Bad{"Unclosed", "(trade talks", 1, "never closed"},
                      Bad{"Unmatched", "trade talks)", 12, "unmatched ')'"},
                      Bad{"UnclosedQuote", "trade \"talks", 7, "unclosed quote"},
                      Bad{"UnknownField", "trade headline:war", 7, "unknown field 'headline'"},
                      Bad{"DanglingAnd", "trade AND", 7, "AND needs a term"},
                      Bad{"DanglingOr", "trade OR", 7, "OR needs a term"},
                      Bad{"LeadingAnd", "AND trade", 1, "expected a term"},
                      Bad{"DanglingPlus", "trade +", 7, "operator needs a term"},
                      Bad{"BadBoost", "trade^x", 7, "positive number"},
                      Bad{"ZeroBoost", "trade^0", 6, "between 0.000001 and 1000000"},
                      Bad{"TinyBoost", "trade^1e-50", 6, "between 0.000001 and 1000000"},
                      Bad{"FuzzyNotSupported", "trade~2", 6, "'~'"},
                      Bad{"BadSlop", "\"a b\"~x", 7, "whole number"},
                      Bad{"EmptyParens", "()", 2, "empty parentheses"},
                      Bad{"KeywordRange", "topics:[a TO b]", 1, "keyword field"},
                      Bad{"TextRange", "oil contents:[a TO b]", 5, "text field: ranges need"},
                      Bad{"RangeWithoutTo", "date:[2023-01-01 2023-02-01]", 6, "[LOWER TO UPPER]"},
                      Bad{"UnclosedRange", "date:[2023 TO 2024", 6, "never closed"},
                      Bad{"NotADate", "date:[2023-02-30 TO *]", 7, "not a date"},
                      Bad{"NotAnInteger", "n:ten", 3, "not an integer"},
                      Bad{"StoredOnlyField", "url:x", 1, "stored only"},
                      Bad{"PrefixOnKeyword", "topics:ea*", 10, "needs a text field"},
                      Bad{"GroupOnKeyword", "oil topics:(earn OR crude)", 5, "a group is for text fields"},
                      Bad{"GroupOnInteger", "n:(42 OR 5)", 1, "takes one value or a range"},
                      Bad{"ColumnCountsCharacters", "Thượng )", 8, "unmatched"},
                      Bad{"FieldWithoutTerm", "contents:)", 1, "right after the ':'"},
                      Bad{"HugeBoost", "trade^1e308", 6, "between 0.000001 and 1000000"},
                      Bad{"LeadingStar", "*trade", 1, "'*' can only end a word"},
                      Bad{"InnerStar", "oil tr*de", 7, "'*' can only end a word"},
                      Bad{"StackedOperators", "oil +-trade", 6, "right after the operator"},
                      Bad{"DoubledMinus", "--trade", 2, "use one operator"},
                      Bad{"StackedBoostsUnderflow",
                          "((((((((oil^0.000001)^0.000001)^0.000001)^0.000001)^0.000001)^0.000001)^0.000001)"
                          "^0.000001)",
                          82, "multiply beyond"},
                      Bad{"GroupBoostUnderflow",
                          "(((((((((((trade^1000000)^1000000) gas)^0.000001)^0.000001)^0.000001)^0.000001)"
                          "^0.000001)^0.000001)^0.000001)^0.000001)^0.000001",
                          110, "multiply beyond"},
                      Bad{"StackedBoostsPastTheBound", "((oil^1000000)^1000000)^2", 24, "more than 10^12"},
                      Bad{"NestedBoostsPastTheBound", "(((oil^1000000) gas)^1000000 tar)^2", 34, "more than 10^12"},
                      Bad{"KeywordEndsInBackslash", "topics:ab\\", 10, "at the end of the query"}),
    [](const ::testing::TestParamInfo<Bad>& info) { return std::string(info.param.name); });

TEST(Parse, DeepNestingIsBoundedNotAStackOverflow) {
  const std::string deep = std::string(10000, '(') + "trade" + std::string(10000, ')');
  try {
    ParseQuery(deep, Flat());
    FAIL();
  } catch (const QuerySyntaxError& e) {
    EXPECT_NE(e.reason().find("nested too deeply"), std::string::npos);
  }
  // The documented limit exactly: 64 nested groups parse, 65 do not.
  EXPECT_NO_THROW(ParseQuery(std::string(64, '(') + "trade" + std::string(64, ')'), Flat()));
  EXPECT_THROW(ParseQuery(std::string(65, '(') + "trade" + std::string(65, ')'), Flat()), QuerySyntaxError);
  const std::string ok = std::string(20, '(') + "trade" + std::string(20, ')');
  EXPECT_EQ(ParseQuery(ok, Flat())->ToString(), "contents:trade");
}

TEST(Parse, HugeQueriesAreBounded) {
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "w" + std::to_string(i) + " ";
  try {
    ParseQuery(many, Flat());
    FAIL();
  } catch (const QuerySyntaxError& e) {
    EXPECT_NE(e.reason().find("too many terms"), std::string::npos);
  }
  std::string fine;
  for (int i = 0; i < 500; ++i) fine += "w" + std::to_string(i) + " ";
  EXPECT_NO_THROW(ParseQuery(fine, Flat()));
}

TEST(Parse, InvalidUtf8IsASyntaxError) {
  EXPECT_THROW(ParseQuery("trade \xff talks", Flat()), QuerySyntaxError);
}

TEST(Parse, BagOfWordsBoostsRepeatedTerms) {
  EXPECT_EQ(BagOfWordsQuery("trade talks trade", Flat(), false)->ToString(), "(contents:trade^2 contents:talk)");
  EXPECT_EQ(BagOfWordsQuery("trade talks", Flat(), true)->ToString(), "(+contents:trade +contents:talk)");
  EXPECT_EQ(BagOfWordsQuery("the", Flat(), true)->ToString(), "<nothing>");
  EXPECT_EQ(PhraseTextQuery("talks at the summit", Flat())->ToString(), "contents:\"talk ? ? summit\"");
  EXPECT_EQ(PhraseTextQuery("summit", Flat())->ToString(), "contents:summit");
}

// Fields with different analyzers: each word is its own term in every field
// (matched by where it is in the text), not the fields' i-th terms paired up
// (which paired body's "the" with title's "cat" and lost body's "cat").
TEST(Parse, BagOfWordsMatchesFieldsUpByWord) {
  static const Schema mixed = Schema()
                                  .AddTextField("title", {"title"}, "english", 2.0f)
                                  .AddTextField("body", {"body"}, "standard", 1.0f);
  EXPECT_EQ(BagOfWordsQuery("the cat", mixed, false)->ToString(), "(body:the (title:cat body:cat))");
  EXPECT_EQ(BagOfWordsQuery("the cat", mixed, true)->ToString(), "(+body:the +(title:cat body:cat))");
  // A word repeated counts twice; words that differ in one field are two.
  EXPECT_EQ(BagOfWordsQuery("Cat cats cat", mixed, false)->ToString(),
            "((title:cat^2 body:cat^2) (title:cat body:cats))");
  EXPECT_EQ(BagOfWordsQuery("the", mixed, false)->ToString(), "(body:the)");
}

}  // namespace
}  // namespace loupe
