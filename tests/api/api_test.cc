// The public API's promises that are not covered layer by layer: versions,
// the documented error model, JSON documents, fetching by id.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "loupe/document.h"
#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "loupe/version.h"
#include "test_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t HeaderVersion(const std::string& file_bytes) {
  // Every file starts with magic (4), kind (4), format version (4, little endian).
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(file_bytes.at(8 + i));
  return v;
}

fs::path ManifestOf(const testing::TempDir& dir) {
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().starts_with("commit_")) return entry.path();
  }
  return {};
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto writer = IndexWriter::Open(dir_.str(), {.create = true});
    writer->AddDocument(DocumentFromJson(
        R"({"id": 42, "title": "Harbour reopens", "body": "The harbour reopened after repairs.", "topics": ["port", "city"], "pages": [1, 2]})"));
    writer->Commit();
  }
  testing::TempDir dir_;
};

TEST_F(ApiTest, LibraryAndFormatVersionsAreSeparateAndTrue) {
  EXPECT_STREQ(LibraryVersion(), LOUPE_VERSION_STRING);
  const FormatVersionRange range = SupportedFormatVersions();
  EXPECT_LE(range.oldest, range.newest);
  EXPECT_EQ(range.newest, FormatVersion());
  // What is written is what FormatVersion() says.
  EXPECT_EQ(HeaderVersion(ReadAll(ManifestOf(dir_))), FormatVersion());
  EXPECT_EQ(IndexReader::Open(dir_.str())->Summary().written_by, std::string("loupe ") + LibraryVersion());
}

TEST_F(ApiTest, AnUnsupportedFormatVersionIsAClearError) {
  const fs::path manifest = ManifestOf(dir_);
  std::string bytes = ReadAll(manifest);
  const uint32_t newer = FormatVersion() + 1;
  bytes[8] = static_cast<char>(newer);
  std::ofstream(manifest, std::ios::binary | std::ios::trunc) << bytes;
  try {
    IndexReader::Open(dir_.str());
    FAIL() << "opened an index of format version " << newer;
  } catch (const UnsupportedFormatError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupportedFormat);
    const std::string message = e.what();
    EXPECT_NE(message.find(manifest.filename().string()), std::string::npos) << message;
    EXPECT_NE(message.find("format version " + std::to_string(newer)), std::string::npos) << message;
    EXPECT_NE(message.find("up to version " + std::to_string(FormatVersion())), std::string::npos) << message;
  }
  EXPECT_THROW(IndexWriter::Open(dir_.str()), UnsupportedFormatError);
}

TEST_F(ApiTest, DocumentsFromJsonAreStoredAndFetchedById) {
  const auto reader = IndexReader::Open(dir_.str());
  const std::optional<Document> doc = reader->Find("42");
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->Text("title"), "Harbour reopens");
  ASSERT_NE(doc->Find("topics"), nullptr);
  EXPECT_EQ(std::get<StringList>(*doc->Find("topics")), (StringList{"port", "city"}));
  ASSERT_NE(doc->Find("pages"), nullptr);
  EXPECT_EQ(std::get<RawJson>(*doc->Find("pages")).text, "[1,2]");
  EXPECT_FALSE(reader->Find("43").has_value());

  const Searcher searcher(reader);
  const QueryPtr query = ParseQuery("harbour", reader->schema());
  const SearchResults results = searcher.Search(*query);
  ASSERT_EQ(results.hits.size(), 1u);
  EXPECT_EQ(searcher.Fetch(results.hits[0]), *doc);
  EXPECT_EQ(searcher.Snippet(*query, "body", doc->Text("body")), "The [harbour] reopened after repairs.");
  EXPECT_GT(searcher.Explain(*query, results.hits[0]).value, 0.0f);
}

TEST_F(ApiTest, BadJsonIsBadInput) {
  EXPECT_THROW(DocumentFromJson("[1, 2]"), BadInputError);
  EXPECT_THROW(DocumentFromJson(R"({"title": "no id"})"), BadInputError);
  try {
    DocumentFromJson("{\"id\": ");
    FAIL();
  } catch (const BadInputError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kBadInput);
    EXPECT_FALSE(e.reason().empty());
  }
}

// One case per row of the error table in docs/API.md.
TEST_F(ApiTest, ErrorModel) {
  {
    const auto writer = IndexWriter::Open(dir_.str());
    EXPECT_THROW(IndexWriter::Open(dir_.str()), LockedError);
    EXPECT_THROW(writer->AddDocument(Document{"", {}}), InvalidArgumentError);
    // Readers are never locked out.
    EXPECT_NO_THROW(IndexReader::Open(dir_.str()));
  }
  EXPECT_NO_THROW(IndexWriter::Open(dir_.str()));  // the lock went with the writer

  testing::TempDir empty;
  EXPECT_THROW(IndexReader::Open(empty.str()), NotFoundError);
  EXPECT_THROW(IndexReader::Open(empty.Sub("missing")), NotFoundError);
  EXPECT_THROW(IndexReader::Open(empty.Write("file", "x").string()), InvalidArgumentError);
  EXPECT_THROW(IndexWriter::Open(dir_.str(), {.schema = Schema::Default("standard")}), InvalidArgumentError);

  const auto reader = IndexReader::Open(dir_.str());
  try {
    ParseQuery("harbour AND (city", reader->schema());
    FAIL();
  } catch (const QuerySyntaxError& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kQuerySyntax);
    EXPECT_EQ(e.query(), "harbour AND (city");
    EXPECT_GE(e.column(), 13u);
  }
  const Searcher searcher(reader);
  EXPECT_THROW(searcher.Search(*Query::Term("no_such_field", "x")), InvalidArgumentError);
  EXPECT_THROW(searcher.Search(*Query::MatchAll(), {.k1 = -1.0f}), InvalidArgumentError);
  EXPECT_THROW(searcher.Fetch(Hit{"x", 0, 7, 0}), InvalidArgumentError);

  // Damaged bytes are corruption, found on open.
  for (const auto& entry : fs::directory_iterator(dir_.path())) {
    if (entry.path().extension() != ".post") continue;
    std::string bytes = ReadAll(entry.path());
    bytes[bytes.size() / 2] ^= 0x5a;
    std::ofstream(entry.path(), std::ios::binary | std::ios::trunc) << bytes;
  }
  EXPECT_THROW(IndexReader::Open(dir_.str()), CorruptionError);
}

}  // namespace
}  // namespace loupe
