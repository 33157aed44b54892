#include "ingest/document_reader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "loupe/error.h"

namespace loupe::ingest {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "loupe-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  fs::path Write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  fs::path path_;
};

std::vector<Document> ReadAll(const std::string& path, std::vector<std::string>* errors = nullptr) {
  auto reader = OpenDocuments(path);
  std::vector<Document> docs;
  Document doc;
  for (;;) {
    try {
      if (!reader->Next(&doc)) break;
      docs.push_back(doc);
    } catch (const BadInputError& e) {
      if (errors == nullptr) throw;
      errors->push_back(e.what());
    }
  }
  return docs;
}

// A record of many fields: each kept once, and a repeat found among them
// (by a hash set past the first few, so that reading stays linear).
TEST(JsonDocument, ManyFieldsAndARepeatAmongThem) {
  std::string json = R"({"id":"wide")";
  for (int i = 0; i < 50000; ++i) json += ",\"f" + std::to_string(i) + "\":" + std::to_string(i);
  const Document d = ParseJsonDocument(json + "}", "f", 1);
  ASSERT_EQ(d.fields.size(), 50000u);
  EXPECT_EQ(d.fields.back().name, "f49999");
  for (const char* repeat : {"f3", "f20", "f49999"}) {
    try {
      ParseJsonDocument(json + ",\"" + repeat + "\":1}", "f", 7);
      ADD_FAILURE() << repeat << " twice was accepted";
    } catch (const BadInputError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("field \"") + repeat + "\" appears twice"), std::string::npos) << e.what();
    }
  }
}

TEST(JsonDocument, ConvertsEveryValueKind) {
  const Document d = ParseJsonDocument(
      R"({"id":"a1","title":"T\u00e9","n":42,"x":1.5,"ok":true,"none":null,"topics":["earn","acq"],)"
      R"("nested":{"k":[1,2]},"nums":[1,2],"big":12345678901234567890})",
      "f", 1);
  EXPECT_EQ(d.id, "a1");
  EXPECT_EQ(d.Text("title"), "T\u00e9");
  EXPECT_EQ(std::get<int64_t>(*d.Find("n")), 42);
  EXPECT_EQ(std::get<double>(*d.Find("x")), 1.5);
  EXPECT_EQ(std::get<bool>(*d.Find("ok")), true);
  EXPECT_EQ(d.Find("none"), nullptr);
  EXPECT_EQ(std::get<StringList>(*d.Find("topics")), (StringList{"earn", "acq"}));
  EXPECT_EQ(std::get<RawJson>(*d.Find("nested")).text, R"({"k":[1,2]})");
  EXPECT_EQ(std::get<RawJson>(*d.Find("nums")).text, "[1,2]");
  // Beyond int64: kept exactly, not rounded through a double.
  EXPECT_EQ(std::get<RawJson>(*d.Find("big")).text, "12345678901234567890");
}

TEST(JsonDocument, IntegersBeyond64BitsAreRefusedNotRounded) {
  // And numbers beyond a double's range, which the message names too.
  for (const char* big : {"18446744073709551616", "-9223372036854775809", "123456789012345678901234567890", "1e400"}) {
    try {
      ParseJsonDocument(std::string(R"({"id":"a","n":)") + big + "}", "f", 3);
      FAIL() << big;
    } catch (const BadInputError& e) {
      EXPECT_NE(std::string(e.what()).find("f:3: malformed JSON number, an integer beyond 64 bits (-2^63 to 2^64-1) "
                                           "or a number beyond a double's range"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_EQ(std::get<RawJson>(*ParseJsonDocument(R"({"id":"a","n":18446744073709551615})", "f", 1).Find("n")).text,
            "18446744073709551615");
}

TEST(JsonDocument, NumericIdBecomesText) {
  EXPECT_EQ(ParseJsonDocument(R"({"id":12345,"body":"x"})", "f", 1).id, "12345");
}

struct BadCase {
  const char* name;
  const char* json;
  const char* reason;
};

class BadJsonTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadJsonTest, ReportsFileLineAndReason) {
  try {
    ParseJsonDocument(GetParam().json, "news.jsonl", 7);
    FAIL() << "accepted " << GetParam().json;
  } catch (const BadInputError& e) {
    EXPECT_EQ(e.source(), "news.jsonl");
    EXPECT_EQ(e.line(), 7u);
    EXPECT_NE(e.reason().find(GetParam().reason), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind("news.jsonl:7: ", 0), 0u) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ingest, BadJsonTest,
    ::testing::Values(BadCase{"Truncated", R"({"id":"a","body":)", "malformed JSON"},
                      BadCase{"Array", R"(["id","a"])", "not a JSON object"},
                      BadCase{"Scalar", R"("just a string")", "not a JSON object"},
                      BadCase{"NoId", R"({"title":"no id"})", "no \"id\""},
                      BadCase{"EmptyId", R"({"id":""})", "\"id\" is empty"},
                      BadCase{"ArrayId", R"({"id":["a"]})", "\"id\" must be"},
                      BadCase{"TwoIds", R"({"id":"a","id":"b"})", "appears twice"},
                      BadCase{"RepeatedField", R"({"id":"a","t":"x","t":"y"})", "appears twice"},
                      // A null copy counts: which of the two was meant is as unclear.
                      BadCase{"RepeatedFieldOneNull", R"({"id":"a","t":null,"t":"y"})", "appears twice"},
                      BadCase{"RepeatedNull", R"({"id":"a","t":null,"t":null})", "appears twice"},
                      BadCase{"BrokenUtf8", "{\"id\":\"a\",\"body\":\"caf\xC3\"}", "invalid UTF-8"},
                      BadCase{"TrailingGarbage", R"({"id":"a"} trailing)", "malformed JSON"}),
    [](const ::testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(JsonLines, ReadsRecordsSkipsBlankLinesAndCountsLines) {
  TempDir dir;
  const auto p = dir.Write("in.jsonl",
                           "{\"id\":\"1\",\"title\":\"one\"}\n\n   \r\n{\"id\":\"2\"}\r\n"
                           "{\"id\":\"3\",\"body\":\"no newline at end\"}");
  auto reader = OpenDocuments(p.string());
  Document d;
  ASSERT_TRUE(reader->Next(&d));
  EXPECT_EQ(d.id, "1");
  EXPECT_EQ(reader->line(), 1u);
  ASSERT_TRUE(reader->Next(&d));
  EXPECT_EQ(d.id, "2");
  EXPECT_EQ(reader->line(), 4u);
  ASSERT_TRUE(reader->Next(&d));
  EXPECT_EQ(d.Text("body"), "no newline at end");
  EXPECT_FALSE(reader->Next(&d));
  // A byte-order mark before the first record is not part of it.
  const auto bom = ReadAll(dir.Write("bom.jsonl", "\xEF\xBB\xBF{\"id\":\"b\"}\n{\"id\":\"c\"}\n").string());
  ASSERT_EQ(bom.size(), 2u);
  EXPECT_EQ(bom[0].id, "b");
}

TEST(JsonLines, MalformedLineIsReportedAndSkippable) {
  TempDir dir;
  const auto p = dir.Write("bad.jsonl", "{\"id\":\"1\"}\n{\"id\": oops}\n{\"id\":\"3\"}\n");
  std::vector<std::string> errors;
  const auto docs = ReadAll(p.string(), &errors);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[1].id, "3");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].rfind(p.string() + ":2: ", 0), 0u) << errors[0];
}

TEST(JsonLines, LargeRecordsCrossReadChunks) {
  TempDir dir;
  const std::string body(9 << 20, 'x');  // larger than one 4 MiB read
  const auto p = dir.Write("big.jsonl", "{\"id\":\"big\",\"body\":\"" + body + "\"}\n{\"id\":\"small\"}\n");
  const auto docs = ReadAll(p.string());
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].Text("body").size(), body.size());
  EXPECT_EQ(docs[1].id, "small");
}

// After a huge record the reader gives back its grown buffer and the JSON
// parser's: the records after it, and the next huge one, read as before.
TEST(JsonLines, HugeRecordsAmongSmallOnesReadExactly) {
  TempDir dir;
  std::string input;
  std::vector<std::pair<std::string, size_t>> expected;  // id, body size
  for (int round = 0; round < 2; ++round) {
    const std::string body(static_cast<size_t>(20 + 3 * round) << 20, static_cast<char>('a' + round));
    input += "{\"id\":\"huge" + std::to_string(round) + "\",\"body\":\"" + body + "\"}\n";
    expected.emplace_back("huge" + std::to_string(round), body.size());
    for (int i = 0; i < 3000; ++i) {
      const std::string small(static_cast<size_t>(i % 50), 'z');
      input += "{\"id\":\"s" + std::to_string(round) + "-" + std::to_string(i) + "\",\"body\":\"" + small + "\"}\n";
      expected.emplace_back("s" + std::to_string(round) + "-" + std::to_string(i), small.size());
    }
  }
  const auto p = dir.Write("mixed.jsonl", input);
  auto reader = OpenDocuments(p.string());
  Document d;
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_TRUE(reader->Next(&d)) << i;
    ASSERT_EQ(d.id, expected[i].first);
    ASSERT_EQ(d.Text("body").size(), expected[i].second) << d.id;
    ASSERT_EQ(reader->line(), i + 1);
  }
  EXPECT_FALSE(reader->Next(&d));
  EXPECT_LT(reader->memory_bytes(), size_t{16} << 20) << "the buffer grown for the huge records was kept";
}

TEST(JsonLines, CompressionIsRecognisedByMagicBytes) {
  TempDir dir;
  const std::string content = "{\"id\":\"z1\",\"title\":\"zstd\"}\n{\"id\":\"z2\"}\n";
  dir.Write("plain.jsonl", content);
  const std::string base = (dir.path() / "plain.jsonl").string();
  // Compressed copies under misleading names.
  ASSERT_EQ(std::system(("zstd -q -19 --long=27 -c " + base + " > " + base + ".zst.txt").c_str()), 0);
  ASSERT_EQ(std::system(("gzip -c " + base + " > " + base + ".gz.data").c_str()), 0);
  // A skippable frame first (pzstd writes one): still zstd.
  {
    std::ifstream in(base + ".zst.txt", std::ios::binary);
    const std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    dir.Write("skippable.bin", std::string("\x50\x2A\x4D\x18\x03\x00\x00\x00" "abc", 11) + frame);
  }
  for (const std::string& path : {base + ".zst.txt", base + ".gz.data", (dir.path() / "skippable.bin").string()}) {
    const auto docs = ReadAll(path);
    ASSERT_EQ(docs.size(), 2u) << path;
    EXPECT_EQ(docs[0].Text("title"), "zstd");
    EXPECT_EQ(docs[1].id, "z2");
  }
}

TEST(JsonLines, CorruptCompressedStreamIsBadInput) {
  TempDir dir;
  const auto p = dir.Write("bad.zst", std::string("\x28\xB5\x2F\xFD", 4) + "garbage that is not zstd");
  EXPECT_THROW(ReadAll(p.string()), BadInputError);
}

TEST(JsonLines, CorruptionAfterGoodRecordsEndsTheInputOnce) {
  // Records before the damage are read, the damage is reported once, and
  // then the input ends: a reader skipping bad records must not see the same
  // error forever.
  TempDir dir;
  const auto good = dir.Write("good.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
  ASSERT_EQ(std::system(("zstd -q -c " + good.string() + " > " + good.string() + ".zst").c_str()), 0);
  std::ifstream in(good.string() + ".zst", std::ios::binary);
  std::string frame((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto p = dir.Write("damaged.zst", frame + std::string("\x28\xB5\x2F\xFD", 4) + "garbage, not zstd");
  auto reader = OpenDocuments(p.string());
  std::vector<std::string> ids, errors;
  Document doc;
  for (int calls = 0; calls < 100; ++calls) {
    try {
      if (!reader->Next(&doc)) break;
      ids.push_back(doc.id);
    } catch (const BadInputError& e) {
      errors.push_back(e.what());
    }
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("damaged.zst:3: corrupt zstd stream"), std::string::npos) << errors[0];
}

TEST(JsonLines, CompressedInputReadAheadDeliversEveryByteInOrderAndStopsEarly) {
  // Compressed files are decompressed a few MiB ahead on a thread: every
  // record comes back in order across the chunk seams, and a reader dropped
  // part way (its thread blocked on a full queue) stops without hanging.
  TempDir dir;
  std::string content;
  for (int i = 0; i < 60000; ++i) {
    content += "{\"id\":\"d" + std::to_string(i) + "\",\"body\":\"" + std::string(i % 211, 'a' + i % 26) + "\"}\n";
  }
  ASSERT_GT(content.size(), size_t{6} << 20);
  const auto plain = dir.Write("many.jsonl", content);
  ASSERT_EQ(std::system(("gzip -c " + plain.string() + " > " + plain.string() + ".gz").c_str()), 0);
  const auto docs = ReadAll(plain.string() + ".gz");
  ASSERT_EQ(docs.size(), 60000u);
  for (int i = 0; i < 60000; i += 997) {
    EXPECT_EQ(docs[i].id, "d" + std::to_string(i));
    EXPECT_EQ(docs[i].Text("body"), std::string(i % 211, 'a' + i % 26));
  }
  auto reader = OpenDocuments(plain.string() + ".gz");
  Document doc;
  ASSERT_TRUE(reader->Next(&doc));
  EXPECT_EQ(doc.id, "d0");
  reader.reset();  // the thread is ahead, waiting for room: it must stop
}

TEST(JsonLines, DamagedOrTruncatedGzipIsBadInputNotAnEarlyEnd) {
  // Boost's gzip filter only sets badbit on damage: read as the end of the
  // input, a damaged .gz used to index nothing without a word. And the
  // records before the damage are all read: a read that failed part-way used
  // to drop everything it had decompressed (a truncated file of 3,000
  // records gave 1,141 of its 2,249 complete ones).
  TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "{\"id\":\"r" + std::to_string(i) + "\",\"body\":\"some words " + std::to_string(i * 7919 % 10007) + "\"}\n";
  const auto good = dir.Write("good.jsonl", text);
  ASSERT_EQ(std::system(("gzip -c " + good.string() + " > " + good.string() + ".gz").c_str()), 0);
  std::ifstream in(good.string() + ".gz", std::ios::binary);
  const std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string bad_crc = gz;
  bad_crc[gz.size() - 6] = static_cast<char>(bad_crc[gz.size() - 6] ^ 0xFF);
  struct Case {
    std::string path, reason;
    size_t complete;  // records before the damage
  };
  const std::string half = gz.substr(0, gz.size() / 2);
  std::string half_text;
  ASSERT_EQ(std::system(("gzip -dc < " + dir.Write("half.gz", half).string() + " > " + dir.path().string() +
                         "/half.txt 2>/dev/null; true").c_str()), 0);
  std::ifstream half_in(dir.path().string() + "/half.txt");
  half_text.assign((std::istreambuf_iterator<char>(half_in)), std::istreambuf_iterator<char>());
  const auto half_lines = static_cast<size_t>(std::count(half_text.begin(), half_text.end(), '\n'));
  ASSERT_GT(half_lines, 100u);
  const std::vector<Case> cases = {
      {dir.Write("crc.gz", bad_crc).string(), "checksum mismatch", 3000},
      {dir.Write("cut.gz", gz.substr(0, gz.size() - 4)).string(), "corrupt gzip stream", 3000},
      {dir.path().string() + "/half.gz", "corrupt gzip stream: truncated", half_lines},
  };
  for (const Case& c : cases) {
    std::vector<std::string> errors;
    const auto docs = ReadAll(c.path, &errors);
    // Boost's gzip filter keeps the last few hundred bytes it inflated
    // before a truncation to itself: a few records at most.
    EXPECT_LE(docs.size(), c.complete) << c.path;
    EXPECT_GE(docs.size() + 8, c.complete) << c.path;
    ASSERT_EQ(errors.size(), 1u) << c.path;
    EXPECT_NE(errors[0].find(c.path + ":" + std::to_string(docs.size() + 1) + ": "), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find(c.reason), std::string::npos) << errors[0];
  }
}

TEST(JsonLines, MissingFileIsIoErrorNamingIt) {
  try {
    OpenDocuments("/nonexistent/dir/x.jsonl");
    FAIL();
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x.jsonl"), std::string::npos);
  }
}

TEST(TextFolder, ReadsSortedRecursivelySkippingHidden) {
  TempDir dir;
  dir.Write("b.txt", "Second title\nBody of b\nmore");
  dir.Write("a.txt", "First title\r\nBody of a\r\nline two\r\n\r\nlone \r kept");
  dir.Write("sub/c.txt", "Third");
  dir.Write(".hidden/d.txt", "Hidden\nx");
  dir.Write("notes.md", "not a txt file");
  const auto docs = ReadAll(dir.path().string());
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_EQ(docs[0].id, "a");
  EXPECT_EQ(docs[0].Text("title"), "First title");
  EXPECT_EQ(docs[0].Text("body"), "Body of a\nline two\n\nlone \r kept");  // \r\n ends a line as \n does
  EXPECT_EQ(docs[1].id, "b");
  EXPECT_EQ(docs[1].Text("body"), "Body of b\nmore");
  EXPECT_EQ(docs[2].id, "sub/c");
  EXPECT_EQ(docs[2].Text("body"), "");
}

TEST(TextFolder, BrokenSymbolicLinkIsAnErrorNamingIt) {
  TempDir dir;
  dir.Write("articles/ok.txt", "Title\nbody");
  fs::create_symlink(dir.path() / "nowhere.txt", dir.path() / "articles" / "gone.txt");
  try {
    OpenDocuments((dir.path() / "articles").string());
    FAIL() << "read";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("gone.txt: broken symbolic link"), std::string::npos) << e.what();
  }
}

// Entries that are not readable articles: ignored when they are not .txt
// (a symbolic link loop among them), an error naming them when they are.
TEST(TextFolder, LoopsAndSpecialFilesNamedTxtAreErrors) {
  TempDir dir;
  dir.Write("articles/ok.txt", "Title\nbody");
  fs::create_symlink("loop", dir.path() / "articles" / "loop");
  fs::create_symlink(".hidden-loop", dir.path() / "articles" / ".hidden-loop");
  EXPECT_EQ(ReadAll((dir.path() / "articles").string()).size(), 1u);
  const auto error_of = [&] {
    try {
      OpenDocuments((dir.path() / "articles").string());
    } catch (const IoError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  fs::create_symlink("loop.txt", dir.path() / "articles" / "loop.txt");
  EXPECT_NE(error_of().find("loop.txt: cannot follow symbolic link"), std::string::npos) << error_of();
  fs::remove(dir.path() / "articles" / "loop.txt");
  ASSERT_EQ(::mkfifo((dir.path() / "articles" / "pipe.txt").c_str(), 0644), 0);
  EXPECT_NE(error_of().find("pipe.txt: not a regular file"), std::string::npos) << error_of();
}

TEST(TextFolder, InvalidUtf8NamesFileAndLine) {
  TempDir dir;
  const auto p = dir.Write("bad.txt", "Title\nline two\nbroken \xFF here");
  try {
    ReadAll(dir.path().string());
    FAIL();
  } catch (const BadInputError& e) {
    EXPECT_EQ(e.source(), p.string());
    EXPECT_EQ(e.line(), 3u);
  }
}

// A file name in another encoding cannot be an id: reported and skippable,
// the other files read.
TEST(TextFolder, PathThatIsNotUtf8IsBadInput) {
  TempDir dir;
  dir.Write("a.txt", "A\nfirst");
  dir.Write("caf\xE9.txt", "Latin-1 name\nbody");
  dir.Write("z.txt", "Z\nlast");
  std::vector<std::string> errors;
  const auto docs = ReadAll(dir.path().string(), &errors);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].id, "a");
  EXPECT_EQ(docs[1].id, "z");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find(":1: the file's path is not valid UTF-8"), std::string::npos) << errors[0];
}

TEST(BundledCorpus, BothShapesRead) {
  const auto news = ReadAll(LOUPE_SOURCE_DIR "/corpus/news.jsonl");
  EXPECT_GE(news.size(), 30u);
  for (const Document& d : news) {
    EXPECT_FALSE(d.Text("title").empty()) << d.id;
    EXPECT_FALSE(d.Text("body").empty()) << d.id;
  }
  const auto notes = ReadAll(LOUPE_SOURCE_DIR "/corpus/txt");
  EXPECT_GE(notes.size(), 1u);
  for (const Document& d : notes) EXPECT_EQ(d.Text("title").find('\r'), std::string_view::npos);
}

}  // namespace
}  // namespace loupe::ingest
