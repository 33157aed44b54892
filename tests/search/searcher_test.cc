// Searcher behaviour on the bundled corpus: phrases with stop words, deleted
// documents, paging, explain, snippets, concurrent searches.
#include "loupe/searcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <thread>

#include "ingest/document_reader.h"
#include "loupe/error.h"
#include "loupe/index_writer.h"
#include "test_util.h"
#include "util/utf8.h"

namespace loupe {
namespace {

class SearcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    auto writer = IndexWriter::Open(tmp_->Sub("idx"));
    for (const char* input : {LOUPE_SOURCE_DIR "/corpus/news.jsonl", LOUPE_SOURCE_DIR "/corpus/txt"}) {
      auto reader = ingest::OpenDocuments(input);
      Document d;
      while (reader->Next(&d)) writer->AddDocument(d);
    }
    writer->Commit();
  }
  static void TearDownTestSuite() { delete tmp_; }

  std::shared_ptr<const IndexReader> Reader() const { return IndexReader::Open(tmp_->Sub("idx")); }
  std::vector<std::string> Ids(const Searcher& s, const std::string& q, size_t k = 10) const {
    std::vector<std::string> ids;
    for (const Hit& h : s.Search(*ParseQuery(q, s.reader().schema()), {.k = k}).hits) ids.push_back(h.id);
    return ids;
  }

  static testing::TempDir* tmp_;
};

testing::TempDir* SearcherTest::tmp_ = nullptr;

TEST_F(SearcherTest, PhraseMatchesOnlyTheExactSequence) {
  const Searcher s(Reader());
  const auto rates = Ids(s, "\"interest rates\"", 100);
  EXPECT_FALSE(rates.empty());
  // loupe-news-015 has "rates of interest" but not the phrase.
  EXPECT_EQ(std::find(rates.begin(), rates.end(), "loupe-news-015"), rates.end());
  const auto words = Ids(s, "+interest +rates", 100);
  EXPECT_NE(std::find(words.begin(), words.end(), "loupe-news-015"), words.end());
  // "bank of the river" is not "central bank".
  const auto central = Ids(s, "\"central bank\"", 100);
  EXPECT_EQ(std::find(central.begin(), central.end(), "loupe-news-033"), central.end());
}

// A group of only exclusions is every document without them, wherever it
// stands, so the spellings of "a but not b" agree and double negation
// gives the documents back.
TEST_F(SearcherTest, AGroupOfOnlyExclusionsIsEveryDocumentWithoutThem) {
  const Searcher s(Reader());
  const auto count = [&](const char* q) { return s.Count(*ParseQuery(q, s.reader().schema())); };
  const uint64_t all = count("*"), bank = count("bank"), minister = count("minister");
  const uint64_t both = count("+minister +bank");
  ASSERT_GT(bank, 0u);
  ASSERT_GT(both, 0u);
  ASSERT_LT(both, minister);
  EXPECT_EQ(count("-bank"), all - bank);
  EXPECT_EQ(count("+(-bank)"), all - bank);
  EXPECT_EQ(count("-(-bank)"), bank);
  EXPECT_EQ(count("NOT (NOT bank)"), bank);
  EXPECT_EQ(count("minister -(-bank)"), both);
  for (const char* q : {"minister -bank", "minister AND (-bank)", "+minister +(-bank)", "minister AND NOT bank"}) {
    EXPECT_EQ(count(q), minister - both) << q;
  }
  // Optional words rank the documents without the excluded word.
  EXPECT_EQ(count("minister +(-bank)"), all - bank);
  const auto hits = s.Search(*ParseQuery("minister +(-bank)", s.reader().schema()), {.k = 1}).hits;
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_GT(hits[0].score, 0.0f);
}

// Sloppy phrase frequencies as Lucene's SloppyPhraseScorer counts them:
// each match once at its shortest, and a word repeated in the phrase needs
// as many distinct words in the document.
TEST(SloppyPhrase, CountsMatchesAsLuceneDoes) {
  testing::TempDir tmp;
  {
    auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true, .schema = Schema::Default("standard")});
    const std::pair<const char*, const char*> docs[] = {
        {"one", "zab"}, {"three", "zab zab zab"}, {"d", "wix wix zab"}, {"f", "zab qx qx zab"}};
    for (const auto& [id, body] : docs) writer->AddDocument({id, {{"body", std::string(body)}}});
    writer->Commit();
  }
  const Searcher s(IndexReader::Open(tmp.Sub("idx")));
  const auto phrase_freq = [&](const std::string& q, const std::string& id) -> float {
    const QueryPtr query = ParseQuery("body:" + q, s.reader().schema());
    for (const Hit& h : s.Search(*query, {.k = 10}).hits) {
      if (h.id != id) continue;
      const Explanation root = s.Explain(*query, h);
      std::vector<const Explanation*> todo = {&root};
      while (!todo.empty()) {
        const Explanation* e = todo.back();
        todo.pop_back();
        if (e->description.rfind("tf (phrase frequency)", 0) == 0) return e->value;
        for (const Explanation& d : e->details) todo.push_back(&d);
      }
    }
    return 0;
  };
  EXPECT_EQ(phrase_freq("\"zab zab\"~1", "one"), 0.0f);  // one zab cannot be both
  EXPECT_FLOAT_EQ(phrase_freq("\"zab zab\"~2", "three"), 2.0f);
  EXPECT_FLOAT_EQ(phrase_freq("\"zab wix\"~5", "d"), 1.0f / 3);  // one match, at its shortest
  EXPECT_FLOAT_EQ(phrase_freq("\"zab qx\"~3", "f"), 1.0f + 1.0f / 3);
}

TEST_F(SearcherTest, AccentsDoNotMatter) {
  const Searcher s(Reader());
  EXPECT_EQ(Ids(s, "\"Ly Thuong Phuc\"", 100), Ids(s, "\"Lý Thượng Phúc\"", 100));
  EXPECT_EQ(Ids(s, "\"Ly Thuong Phuc\"", 100).size(), 4u);
}

TEST_F(SearcherTest, CountsAndPaging) {
  const Searcher s(Reader());
  const QueryPtr q = ParseQuery("minister OR bank OR goal", s.reader().schema());
  const uint64_t n = s.Count(*q);
  const auto all = s.Search(*q, {.k = 1000});
  EXPECT_EQ(all.hits.size(), n);
  const auto page = s.Search(*q, {.k = 3, .offset = 2});
  ASSERT_EQ(page.hits.size(), 3u);
  EXPECT_EQ(page.hits[0].id, all.hits[2].id);
  EXPECT_EQ(page.hits[2].id, all.hits[4].id);
}

// Weights and boosts that pruning cannot honour are refused; a hit is
// checked against the document it names before Fetch or Explain use it.
TEST_F(SearcherTest, WeightsBoostsAndHitsAreChecked) {
  const Searcher s(Reader());
  const QueryPtr q = ParseQuery("trade", s.reader().schema());
  for (float bad : {-1.0f, 0.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity()}) {
    SearchOptions weighted;
    weighted.field_weights["body"] = bad;
    EXPECT_THROW(s.Search(*q, weighted), InvalidArgumentError) << bad;
    EXPECT_THROW(Query::Term("body", "trade", bad), InvalidArgumentError) << bad;
    EXPECT_THROW(Query::Prefix("body", "tra", bad), InvalidArgumentError) << bad;
    EXPECT_THROW(Query::Boolean({}, bad), InvalidArgumentError) << bad;
  }
  // Bounded, so that no score overflows: a weight below 10^6, a boost and
  // the product of nested boosts at most 10^12.
  SearchOptions heavy;
  heavy.field_weights["body"] = 1e7f;
  EXPECT_THROW(s.Search(*q, heavy), InvalidArgumentError);
  EXPECT_THROW(Query::Term("body", "trade", 1e13f), InvalidArgumentError);
  const QueryPtr nested = Query::Boolean({{Query::Occur::kShould, Query::Term("body", "trade", 1e12f)}}, 1e12f);
  EXPECT_THROW(s.Search(*nested, {.k = 2}), InvalidArgumentError);
  EXPECT_THROW(s.Count(*nested), InvalidArgumentError);
  const QueryPtr within = Query::Boolean({{Query::Occur::kShould, Query::Term("body", "trade", 1e6f)}}, 1e6f);
  for (const Hit& h : s.Search(*within, {.k = 5, .field_weights = {{"body", 9e5f}}}).hits) EXPECT_TRUE(std::isfinite(h.score));
  SearchOptions infinite_k1;
  infinite_k1.k1 = std::numeric_limits<float>::infinity();
  EXPECT_THROW(s.Search(*q, infinite_k1), InvalidArgumentError);
  const SearchResults results = s.Search(*q, {.k = 2});
  ASSERT_EQ(results.hits.size(), 2u);
  EXPECT_NO_THROW(s.Fetch(results.hits[0]));
  Hit wrong = results.hits[0];
  wrong.id = results.hits[1].id;  // names another document than the one at its place
  EXPECT_THROW(s.Fetch(wrong), InvalidArgumentError);
  EXPECT_THROW(s.Explain(*q, wrong), InvalidArgumentError);
}

// A query node on a field that its kind cannot search is refused with the
// reason, rather than matching nothing: terms need text fields, keywords a
// keyword field, ranges a date or integer field; so are unknown fields in
// queries and in field_weights.
TEST_F(SearcherTest, QueryFieldsMustFitTheirKind) {
  const Searcher s(Reader());
  const auto refused = [&](const QueryPtr& q, const std::string& reason) {
    try {
      s.Count(*q);
      ADD_FAILURE() << q->ToString() << " was accepted";
    } catch (const InvalidArgumentError& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
    }
    EXPECT_THROW(s.Search(*q, {.k = 3}), InvalidArgumentError) << q->ToString();
  };
  refused(Query::Term("topics", "trade"), "'topics' is a keyword field");
  refused(Query::Prefix("date", "2025"), "'date' is a date field");
  refused(Query::Keyword("date", "2025"), "Query::Range searches it");
  refused(Query::Keyword("body", "trade"), "'body' is a text field");
  refused(Query::Range("body", 0, 10), "'body' is a text field");
  refused(Query::Range("topics", 0, 10), "Query::Keyword searches it");
  refused(Query::Term("url", "x"), "stored only");
  refused(Query::Keyword("headline", "x"), "unknown field 'headline'");
  refused(Query::Boolean({{Query::Occur::kShould, Query::Term("body", "trade")},
                          {Query::Occur::kMustNot, Query::Term("nosuch", "x")}}),
          "unknown field 'nosuch'");
  EXPECT_GT(s.Count(*Query::Keyword("topics", "trade")) + s.Count(*Query::Term("body", "trade")), 0u);
  const QueryPtr q = Query::Term("body", "trade");
  EXPECT_THROW(s.Search(*q, {.k = 3, .field_weights = {{"nosuch", 2.0f}}}), InvalidArgumentError);
  EXPECT_THROW(s.Search(*q, {.k = 3, .field_weights = {{"topics", 2.0f}}}), InvalidArgumentError);
  EXPECT_NO_THROW(s.Search(*q, {.k = 3, .field_weights = {{"title", 3.0f}}}));
}

// A searcher keeps the length-norm tables of a few (k1, b) pairs: asked for
// many, it drops old ones, and every search still scores as a fresh one.
TEST_F(SearcherTest, ManyBm25ParameterPairs) {
  const Searcher shared(Reader());
  const QueryPtr q = ParseQuery("trade OR rates OR bank", shared.reader().schema());
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < 10; ++i) {
      const SearchOptions o{.k = 5, .k1 = 0.5f + 0.1f * static_cast<float>(i), .b = 0.05f * static_cast<float>(i)};
      const SearchResults a = shared.Search(*q, o);
      const SearchResults b = Searcher(Reader()).Search(*q, o);
      ASSERT_EQ(a.hits.size(), b.hits.size());
      for (size_t h = 0; h < a.hits.size(); ++h) {
        EXPECT_EQ(a.hits[h].id, b.hits[h].id);
        EXPECT_EQ(a.hits[h].score, b.hits[h].score);
      }
    }
  }
}

TEST_F(SearcherTest, ExplainAddsUpToTheScore) {
  const Searcher s(Reader());
  const QueryPtr q = ParseQuery("\"trade talks\" minister^2 -war", s.reader().schema());
  for (const Hit& h : s.Search(*q, {.k = 5}).hits) {
    const Explanation e = s.Explain(*q, h);
    EXPECT_FLOAT_EQ(e.value, h.score);
    float sum = 0;
    for (const Explanation& d : e.details) sum += d.value;
    EXPECT_NEAR(sum, h.score, 1e-4 * h.score);
    EXPECT_NE(e.ToString().find("idf"), std::string::npos);
  }
}

// An exclusion inside a nested group makes the group a non-match (it was
// listed as matching, its wording taken for a match), and an excluded
// exclusion is a match.
TEST(Explain, NestedExclusionsAddUpAtEveryLevel) {
  testing::TempDir tmp;
  {
    auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true, .schema = Schema::Default("standard")});
    writer->AddDocument({"1", {{"body", std::string("x ab ca d")}}});
    writer->AddDocument({"2", {{"body", std::string("y")}}});
    writer->Commit();
  }
  const Searcher s(IndexReader::Open(tmp.Sub("idx")));
  const std::function<void(const Explanation&, const std::string&)> adds_up = [&](const Explanation& e,
                                                                                   const std::string& q) {
    if (e.description.rfind("sum of the matching clauses", 0) != 0) return;
    float sum = 0;
    for (const Explanation& d : e.details) {
      sum += d.value;
      adds_up(d, q);
    }
    EXPECT_NEAR(sum, e.value, 1e-5) << q << "\n" << e.ToString();
  };
  for (const char* text : {"x (d +(ab -ca))", "ab -(-ca)", "x (d (ab -ca))", "(x -(d -ab)) y"}) {
    const QueryPtr q = ParseQuery(text, s.reader().schema());
    const auto hits = s.Search(*q, {.k = 5}).hits;
    ASSERT_FALSE(hits.empty()) << text;
    for (const Hit& h : hits) {
      const Explanation e = s.Explain(*q, h);
      EXPECT_FLOAT_EQ(e.value, h.score) << text;
      EXPECT_EQ(e.description.find("excluded"), std::string::npos) << text << "\n" << e.ToString();
      adds_up(e, text);
    }
  }
  // `x (d +(ab -ca))`: the group does not match document 1 (it has ca), so
  // only x counts.
  const QueryPtr q = ParseQuery("x (d +(ab -ca))", s.reader().schema());
  const Explanation e = s.Explain(*q, s.Search(*q, {.k = 1}).hits.at(0));
  ASSERT_EQ(e.details.size(), 1u) << e.ToString();
  EXPECT_NE(e.details[0].description.find("body:x"), std::string::npos) << e.ToString();
}

TEST_F(SearcherTest, SnippetsMarkTheMatchedWords) {
  const Searcher s(Reader());
  const QueryPtr q = ParseQuery("\"trade talks\"", s.reader().schema());
  const auto hits = s.Search(*q, {.k = 1}).hits;
  ASSERT_EQ(hits.size(), 1u);
  const Document doc = s.Fetch(hits[0]);
  const std::string snippet = s.Snippet(*q, "body", doc.Text("body"));
  EXPECT_NE(snippet.find("[trade] [talks]"), std::string::npos) << snippet;
  EXPECT_LE(snippet.size(), 400u);
  // No match in the text: its beginning.
  EXPECT_EQ(s.Snippet(*q, "body", "Nothing relevant here."), "Nothing relevant here.");
  // An exact phrase's words are marked where the phrase is, not elsewhere;
  // a sloppy phrase's wherever they are.
  EXPECT_EQ(s.Snippet(*q, "body", "Talks about trade. Then trade talks began."),
            "Talks about trade. Then [trade] [talks] began.");
  const QueryPtr sloppy = ParseQuery("\"trade talks\"~2", s.reader().schema());
  EXPECT_EQ(s.Snippet(*sloppy, "body", "Talks about trade."), "[Talks] about [trade].");
  // Only the first megabyte is analysed unless asked otherwise.
  std::string long_text;
  while (long_text.size() < (size_t{3} << 19)) long_text += "filler words ";
  long_text += "trade";
  const QueryPtr trade = ParseQuery("trade", s.reader().schema());
  const std::string bounded = s.Snippet(*trade, "body", long_text);
  EXPECT_EQ(bounded.find("[trade]"), std::string::npos);
  EXPECT_TRUE(bounded.ends_with("\u2026")) << bounded;
  EXPECT_NE(s.Snippet(*trade, "body", long_text, {.max_analyzed_bytes = long_text.size()}).find("[trade]"),
            std::string::npos);
  // A word the cut runs through ("trade|offs") is not taken for another.
  std::string cut_word(size_t{1} << 20, 'z');
  cut_word.replace((size_t{1} << 20) - 6, 1, " ");
  cut_word.resize((size_t{1} << 20) - 5);
  cut_word += "tradeoffs and more";
  EXPECT_EQ(s.Snippet(*trade, "body", cut_word).find("[trade"), std::string::npos);
}

// The length limit counts characters and never cuts one, nor a character
// from its accents; text cut short ends with the ellipsis, words or not.
TEST_F(SearcherTest, SnippetsCutWholeCharactersAndSaySo) {
  const Searcher s(Reader());
  const QueryPtr trade = ParseQuery("trade", s.reader().schema());
  const SnippetOptions short_ = {.max_chars = 30};
  const auto chars = [](const std::string& t) {
    return std::count_if(t.begin(), t.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
  };
  std::string dashes;
  for (int i = 0; i < 100; ++i) dashes += "\u2014";  // no words at all
  const std::string no_words = s.Snippet(*trade, "body", dashes, short_);
  EXPECT_EQ(util::FindInvalidUtf8(no_words), std::string::npos);
  EXPECT_TRUE(no_words.ends_with("\u2014\u2026")) << no_words;
  EXPECT_EQ(chars(no_words), 31);
  std::string accented = "trade ";  // a star with a combining acute accent, 100 times
  for (int i = 0; i < 100; ++i) accented += "\u2605\u0301";
  const std::string kept = s.Snippet(*trade, "body", accented, short_);
  EXPECT_TRUE(kept.ends_with("\u2605\u0301\u2026")) << kept;
  EXPECT_EQ(util::FindInvalidUtf8(kept), std::string::npos);
  std::string cyrillic = "trade";
  for (int i = 0; i < 40; ++i) cyrillic += " \u0441\u043b\u043e\u0432\u043e";  // "слово"
  const std::string words = s.Snippet(*trade, "body", cyrillic, {.max_chars = 60});
  EXPECT_GE(chars(words), 55) << words;  // 60 characters, not 60 bytes (33 characters)
  EXPECT_LE(chars(words), 63) << words;  // and the two markers, the ellipsis
  // The text's start is kept only within the limit; its leading white
  // space never.
  const std::string late = "one two three four five six seven eight nine ten eleven twelve trade thirteen fourteen";
  const std::string window = s.Snippet(*trade, "body", late, short_);
  EXPECT_LE(chars(window), 30 + 2 + 2) << window;  // the markers, ellipses at both ends
  EXPECT_NE(window.find("[trade]"), std::string::npos) << window;
  EXPECT_EQ(s.Snippet(*trade, "body", "  \n trade winds"), "[trade] winds");
  EXPECT_EQ(s.Snippet(*trade, "body", std::string(300, '=') + " trade winds", short_), "\u2026[trade] winds");
  // Trailing white space is not text cut off; a text of white space is empty.
  EXPECT_EQ(s.Snippet(*trade, "body", "trade cd ef gh ij kl\n", {.max_chars = 20}), "[trade] cd ef gh ij kl");
  EXPECT_EQ(s.Snippet(*trade, "body", " \n\t "), "");
  EXPECT_EQ(s.Snippet(*trade, "body", "  \u2014\u2014"), "\u2014\u2014");
  // `-(-trade)` is `trade`: its words are marked.
  EXPECT_EQ(s.Snippet(*ParseQuery("-(-trade)", s.reader().schema()), "body", "free trade now"), "free [trade] now");
  EXPECT_EQ(s.Snippet(*ParseQuery("now -trade", s.reader().schema()), "body", "free trade now"), "free trade [now]");
}

TEST_F(SearcherTest, DeletedDocumentsNeverAppear) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"));
  for (int i = 0; i < 50; ++i) {
    Document d;
    d.id = "d" + std::to_string(i);
    d.fields.push_back({"title", std::string("alpha beta")});
    writer->AddDocument(d);
  }
  writer->Commit();
  writer->DeleteDocument("d0");
  writer->DeleteDocument("d7");
  writer->Commit();
  const Searcher s(IndexReader::Open(tmp.Sub("idx")));
  const QueryPtr q = ParseQuery("alpha", s.reader().schema());
  EXPECT_EQ(s.Count(*q), 48u);
  for (const Hit& h : s.Search(*q, {.k = 100}).hits) EXPECT_TRUE(h.id != "d0" && h.id != "d7");
  // A hit of this snapshot, handed to a searcher of a later one where its
  // document is deleted (and the segment, holding live ones, still there):
  // refused, not fetched as if live.
  const Hit d1 = s.Search(*ParseQuery("alpha", s.reader().schema()), {.k = 100}).hits.at(0);
  writer->DeleteDocument(d1.id);
  writer->Commit();
  const Searcher later(IndexReader::Open(tmp.Sub("idx")));
  EXPECT_EQ(later.reader().document_count(), 47u);
  EXPECT_THROW(later.Fetch(d1), InvalidArgumentError);
  EXPECT_THROW(later.Explain(*q, d1), InvalidArgumentError);
  EXPECT_NO_THROW(s.Fetch(d1));  // its own snapshot still has it
}

// Programmatic queries that cannot mean anything are refused when built: a
// null clause, phrase positions that go back (they wrapped around to 2^32),
// a phrase spanning more than a query of 1 MiB could.
TEST(QueryBuilders, RefuseWhatCannotMatch) {
  EXPECT_THROW(Query::Boolean({{Query::Occur::kMust, nullptr}}), InvalidArgumentError);
  EXPECT_THROW(Query::Phrase("body", {{"harbour", 3}, {"ferri", 0}}), InvalidArgumentError);
  EXPECT_THROW(Query::Phrase("body", {{"ferri", 0}, {"harbour", UINT32_MAX}}), InvalidArgumentError);
  EXPECT_EQ(Query::Phrase("body", {{"ferri", 5}, {"harbour", 5}, {"light", 7}})->ToString(),
            "body:\"ferri harbour ? light\"");
}

// A prefix with more than 1,024 terms keeps those in the most live
// documents: a deleted document must not win a term its place, or the
// results would change when a merge drops it.
TEST(PrefixExpansion, CountsOnlyLiveDocuments) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"));
  const auto add = [&](const std::string& id, const std::string& title) {
    Document d;
    d.id = id;
    d.fields.push_back({"title", title});
    writer->AddDocument(d);
  };
  char term[16];
  for (int i = 0; i < 1024; ++i) {
    std::snprintf(term, sizeof term, "zz%04d", i);
    add("a" + std::to_string(i), term);
  }
  writer->Commit();
  add("h0", "zzzz");
  add("h1", "zzzz");
  writer->Commit();
  writer->DeleteDocument("h1");
  writer->Commit();
  const auto hits = [&] {
    const Searcher s(IndexReader::Open(tmp.Sub("idx")));
    std::vector<std::string> ids;
    for (const Hit& h : s.Search(*ParseQuery("title:zz*", s.reader().schema()), {.k = 2000}).hits) ids.push_back(h.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  const std::vector<std::string> before = hits();
  // Every term now has one live document; the first 1,024 in term order win.
  EXPECT_EQ(before.size(), 1024u);
  EXPECT_EQ(std::count(before.begin(), before.end(), "h0"), 0);
  writer->ForceMerge(1);
  EXPECT_EQ(IndexReader::Open(tmp.Sub("idx"))->deleted_count(), 0u);  // the merge dropped h1
  EXPECT_EQ(hits(), before);
}

TEST_F(SearcherTest, ManyThreadsSearchOneReader) {
  const auto reader = Reader();
  const Searcher s(reader);
  const std::vector<std::string> queries = {"trade talks", "\"central bank\"", "+minister -china", "renew*",
                                            "goal OR match", "climate change"};
  std::vector<SearchResults> expected;
  for (const auto& q : queries) expected.push_back(s.Search(*ParseQuery(q, reader->schema()), {.k = 10}));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round) {
        const size_t i = static_cast<size_t>(round + t) % queries.size();
        const auto got = s.Search(*ParseQuery(queries[i], reader->schema()), {.k = 10});
        if (got.hits.size() != expected[i].hits.size()) ++mismatches;
        for (size_t j = 0; j < got.hits.size() && j < expected[i].hits.size(); ++j) {
          if (got.hits[j].id != expected[i].hits[j].id || got.hits[j].score != expected[i].hits[j].score) ++mismatches;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace loupe
