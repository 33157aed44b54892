// Schemas through the public API: schema files, scalar fields declared over
// an existing index, and what a value that does not fit its type does.
#include <gtest/gtest.h>

#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/schema.h"
#include "loupe/searcher.h"
#include "test_util.h"

namespace loupe {
namespace {

TEST(SchemaFile, DeclaresTextAndScalarFields) {
  const Schema s = Schema::FromJson(R"({
      "fields": {"date": "date", "author": {"type": "keyword", "stored": false},
                 "contents": {"type": "text", "sources": ["title", "body"], "analyzer": "anserini", "weight": 1.5}},
      "infer": false})",
                                    Schema::Default());
  ASSERT_EQ(s.text_fields.size(), 1u);  // text fields given replace the default ones
  EXPECT_EQ(s.text_fields[0].name, "contents");
  EXPECT_EQ(s.text_fields[0].sources, (std::vector<std::string>{"title", "body"}));
  EXPECT_EQ(s.text_fields[0].analyzer_name, "anserini");
  EXPECT_FLOAT_EQ(s.text_fields[0].weight, 1.5f);
  EXPECT_EQ(s.FindScalar("date")->type, ScalarType::kDate);
  EXPECT_TRUE(s.FindScalar("date")->stored);
  EXPECT_EQ(s.FindScalar("author")->type, ScalarType::kKeyword);
  EXPECT_FALSE(s.FindScalar("author")->stored);
  EXPECT_FALSE(s.infer_scalar_fields);
  // Only scalar fields: the base's text fields stay.
  EXPECT_EQ(Schema::FromJson(R"({"fields": {"n": "integer"}})", Schema::Default()).text_fields.size(), 2u);
}

TEST(SchemaFile, ErrorsSayWhat) {
  const auto error = [](const char* json) {
    try {
      Schema::FromJson(json, Schema::Default());
    } catch (const InvalidArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("{").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error(R"({"feilds": {}})").find("unknown key \"feilds\""), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"d": "timestamp"}})").find("unknown type \"timestamp\""), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"a b": "keyword"}})").find("invalid field name 'a b'"), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"a\u001bb": "keyword"}})").find("control characters"), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"title": "keyword"}})").find("both a text field and a scalar field"), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"x": {"type": "stored", "stored": false}}})").find("neither stored"), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"x": {"type": "keyword", "sorted": true}}})").find("\"sorted\""), std::string::npos);
  EXPECT_NE(error(R"({"fields": {"c": {"type": "text", "analyzer": "klingon"}}})").find("klingon"), std::string::npos);
  // JSON lets a key repeat; a schema that repeats one is refused, not read
  // as whichever came last.
  EXPECT_EQ(error(R"({"fields": {"d": "date", "d": "keyword"}})"), "schema: field \"d\" is given twice");
  EXPECT_EQ(error(R"({"fields": {"d": "date"}, "fields": {"e": "date"}})"), "schema: \"fields\" is given twice");
  EXPECT_EQ(error(R"({"fields": {"c": {"type": "text", "analyzer": "english", "analyzer": "standard"}}})"),
            "schema: field 'c': option \"analyzer\" is given twice");
  // A text field with no sources would index nothing.
  EXPECT_EQ(error(R"({"fields": {"c": {"type": "text", "sources": []}}})"),
            "schema: field 'c': \"sources\" must name at least one input field");
  // A source named twice would count its words twice.
  EXPECT_NE(error(R"({"fields": {"c": {"type": "text", "sources": ["title", "body", "title"]}}})")
                .find("field 'c' names the source 'title' twice"),
            std::string::npos);
  Schema schema = Schema::Default();
  EXPECT_THROW(schema.AddTextField("both", {"title", "title"}, "standard"), InvalidArgumentError);
}

// Names given twice are found among many fields too (the check switches
// from a scan to a hash set past a handful), text and scalar alike. (A
// schema's vectors are public, so Validate() sees what Add*() would refuse.)
TEST(SchemaValidate, NamesGivenTwiceAmongManyFields) {
  const auto error = [](const Schema& s) {
    try {
      s.Validate();
    } catch (const InvalidArgumentError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  for (const size_t count : {3u, 40u, 1000u}) {
    Schema s = Schema::Default();
    for (size_t i = 0; i < count; ++i) s.AddScalarField("f" + std::to_string(i), ScalarType::kKeyword);
    EXPECT_EQ(error(s), "no error") << count;
    Schema twice = s;
    twice.scalar_fields.push_back({"f" + std::to_string(count / 2), ScalarType::kDate, true});
    EXPECT_EQ(error(twice), "field 'f" + std::to_string(count / 2) + "' is defined twice") << count;
    Schema clash = s;
    clash.scalar_fields.push_back({"body", ScalarType::kKeyword, true});
    EXPECT_EQ(error(clash), "field 'body' is both a text field and a scalar field") << count;
  }
  Schema text_twice = Schema::Default();
  text_twice.text_fields.push_back(text_twice.text_fields[0]);
  EXPECT_EQ(error(text_twice), "field 'title' is defined twice");
}

// An index keeps the analysis it was made with: reopened with the same
// analyzer by name whose definition has changed since (a later Loupe), the
// recorded configuration stays; other fields or analyzers are refused.
TEST(TextFields, AnAnalyzerNamedTheSameKeepsTheRecordedConfiguration) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  Schema made = Schema().AddTextField("contents", {"title", "body"}, "anserini");
  made.text_fields[0].analyzer.max_token_length = 100;  // as an earlier definition might have had
  {
    auto w = IndexWriter::Open(path, {.create = true, .schema = made});
    w->AddDocument({"a", {{"body", std::string("trade talks")}}});
    w->Commit();
  }
  const Schema now = Schema().AddTextField("contents", {"title", "body"}, "anserini");
  {
    auto w = IndexWriter::Open(path, {.schema = now});
    EXPECT_EQ(w->schema().text_fields[0].analyzer, made.text_fields[0].analyzer);
    w->AddDocument({"b", {{"body", std::string("more talks")}}});
    w->Commit();
  }
  EXPECT_EQ(IndexReader::Open(path)->schema().text_fields[0].analyzer.max_token_length, 100u);
  // A custom chain changed under the same name is not the index's own: refused.
  const std::string custom_path = tmp.Sub("custom");
  AnalyzerConfig stemming;
  stemming.stemmer = "english";
  Schema custom;
  custom.text_fields.push_back({"body", {"body"}, "mine", stemming, 1.0f});
  IndexWriter::Open(custom_path, {.create = true, .schema = custom})->Commit();
  Schema changed = custom;
  changed.text_fields[0].analyzer.stemmer = "";
  EXPECT_THROW(IndexWriter::Open(custom_path, {.schema = changed}), InvalidArgumentError);
  EXPECT_NO_THROW(IndexWriter::Open(custom_path, {.schema = custom}));
  try {
    IndexWriter::Open(path, {.schema = Schema().AddTextField("contents", {"title", "body"}, "english")});
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("text fields are contents=title,body (anserini, weight 1); this writer asks for "
                                         "contents=title,body (english, weight 1)"),
              std::string::npos)
        << e.what();
  }
}

TEST(ScalarFields, DeclaredOverAnExistingIndexButNeverRetyped) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto writer = IndexWriter::Open(path, {.create = true});
    writer->AddDocument({"1", {{"title", std::string("a")}, {"date", std::string("2024-01-02")}}});
    writer->Commit();
  }
  Schema more = Schema::Default();
  more.AddScalarField("section", ScalarType::kKeyword);
  {
    auto writer = IndexWriter::Open(path, {.schema = more});
    writer->AddDocument({"2", {{"title", std::string("b")}, {"section", std::string("economy")}}});
    writer->Commit();
  }
  const auto reader = IndexReader::Open(path);
  EXPECT_EQ(reader->schema().FindScalar("date")->type, ScalarType::kDate);  // inferred
  EXPECT_EQ(reader->schema().FindScalar("section")->type, ScalarType::kKeyword);
  EXPECT_EQ(Searcher(reader).Count(*ParseQuery("section:economy", reader->schema())), 1u);
  Schema retyped = Schema::Default();
  retyped.AddScalarField("date", ScalarType::kKeyword);
  try {
    IndexWriter::Open(path, {.schema = retyped});
    FAIL();
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("field 'date' is already declared with type date"), std::string::npos) << e.what();
  }
}

TEST(ScalarFields, ValuesThatDoNotFitAreRefusedOrKeptStoredOnly) {
  testing::TempDir tmp;
  const Document bad{"2", {{"title", std::string("b")}, {"date", std::string("3-MAR-1987")}}};
  for (const auto policy : {IndexWriterOptions::MalformedValues::kReject, IndexWriterOptions::MalformedValues::kStoreOnly}) {
    const std::string path = tmp.Sub(policy == IndexWriterOptions::MalformedValues::kReject ? "reject" : "store");
    auto writer = IndexWriter::Open(path, {.create = true, .malformed_values = policy});
    writer->AddDocument({"1", {{"title", std::string("a")}, {"date", std::string("1987-03-02T10:00:00")}}});
    std::vector<std::string> notes;
    if (policy == IndexWriterOptions::MalformedValues::kReject) {
      EXPECT_THROW(writer->AddDocument(bad, true, &notes), InvalidArgumentError);
      writer->Commit();
      EXPECT_EQ(IndexReader::Open(path)->document_count(), 1u);
      continue;
    }
    writer->AddDocument(bad, true, &notes);
    ASSERT_EQ(notes.size(), 1u);
    EXPECT_NE(notes[0].find("'3-MAR-1987' is not an ISO 8601 date"), std::string::npos) << notes[0];
    writer->Commit();
    const auto reader = IndexReader::Open(path);
    EXPECT_EQ(reader->document_count(), 2u);
    EXPECT_EQ(reader->Find("2")->Text("date"), "3-MAR-1987");  // stored as given
    EXPECT_EQ(Searcher(reader).Count(*ParseQuery("date:[1987 TO 1987]", reader->schema())), 1u);
  }
}

TEST(ScalarFields, IntegerFacetTiesAreOrderedAsNumbers) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true});
  const int64_t values[] = {10, -3, INT64_MIN + 1, 2, 2};
  for (size_t i = 0; i < std::size(values); ++i) {
    writer->AddDocument({std::to_string(i), {{"title", std::string("x")}, {"n", values[i]}}});
  }
  writer->Commit();
  const auto reader = IndexReader::Open(tmp.Sub("idx"));
  SearchOptions options{.k = 0};
  options.facets.push_back({.field = "n", .top = 0});
  const SearchResults r = Searcher(reader).Search(*ParseQuery("*", reader->schema()), options);
  ASSERT_EQ(r.facets.size(), 1u);
  std::vector<std::string> order;
  for (const FacetCount& c : r.facets[0].counts) order.push_back(c.value + "x" + std::to_string(c.count));
  EXPECT_EQ(order, (std::vector<std::string>{"2x2", "-9223372036854775807x1", "-3x1", "10x1"}));
}

TEST(TextFields, AValueThatIsNotTextIsNotedStoredAndNotIndexed) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true});
  std::vector<std::string> notes;
  writer->AddDocument({"1", {{"title", int64_t{42}}, {"body", std::string("plain words")}}}, false, &notes);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0], "field 'title' is not text (stored, not indexed)");
  notes.clear();
  writer->AddDocument({"2", {{"title", StringList{"a", "list"}}, {"body", std::string("text")}}}, false, &notes);
  EXPECT_TRUE(notes.empty());  // lists of strings are text
  // A field no query could name is stored only, and a note says so.
  writer->AddDocument({"3", {{"a b", int64_t{1}}, {std::string("c\x1b", 2), std::string("2023-01-01")}}}, false, &notes);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_NE(notes[0].find("field 'a b' has a name no query can use"), std::string::npos) << notes[0];
  EXPECT_EQ(writer->schema().FindScalar("a b"), nullptr);
  EXPECT_EQ(writer->schema().FindScalar(std::string("c\x1b", 2)), nullptr);
  notes.clear();
  writer->Commit();
  const auto reader = IndexReader::Open(tmp.Sub("idx"));
  EXPECT_EQ(std::get<int64_t>(*reader->Find("1")->Find("title")), 42);
  EXPECT_EQ(Searcher(reader).Count(*ParseQuery("words", reader->schema())), 1u);
  EXPECT_EQ(Searcher(reader).Count(*ParseQuery("list", reader->schema())), 1u);
}

// A text field's source may be declared unstored: its words are still
// indexed, only its stored copy is left out (they used to vanish from the
// text index without a word).
TEST(TextFields, AnUnstoredSourceIsStillIndexed) {
  testing::TempDir tmp;
  Schema schema = Schema::FromJson(R"({"fields": {"contents": {"type": "text", "sources": ["title", "body"]},
                                                  "title": {"type": "keyword", "stored": false}}})",
                                   Schema::Default());
  auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true, .schema = schema});
  writer->AddDocument({"a", {{"title", std::string("Zebra Crossing")}, {"body", std::string("plain words")}}});
  writer->Commit();
  const auto reader = IndexReader::Open(tmp.Sub("idx"));
  EXPECT_EQ(Searcher(reader).Count(*ParseQuery("zebra", reader->schema())), 1u);
  EXPECT_EQ(Searcher(reader).Count(*ParseQuery("title:\"Zebra Crossing\"", reader->schema())), 1u);
  EXPECT_EQ(reader->Find("a")->Find("title"), nullptr);  // not stored
}

// A document refused as a duplicate changes nothing: not even the schema,
// by typing the new fields it carried.
TEST(ScalarFields, ARefusedDuplicateTypesNothing) {
  testing::TempDir tmp;
  auto writer = IndexWriter::Open(tmp.Sub("idx"), {.create = true});
  writer->AddDocument({"a", {{"title", std::string("apple")}}});
  EXPECT_EQ(writer->AddDocument({"a", {{"title", std::string("apple2")}, {"k", int64_t{5}}}}, false),
            IndexWriter::AddResult::kDuplicate);
  EXPECT_EQ(writer->schema().FindScalar("k"), nullptr);
}

}  // namespace
}  // namespace loupe
