// Hostile and odd input, one test each: broken UTF-8, NUL bytes, a 100 MB
// document, a million distinct terms, empty documents and fields, duplicate
// ids, 10,000 nested parentheses, a 100,000-term query, a directory of a newer
// format or of another program, a read-only directory, two writers at once.
// Each gets a clear error or a correct answer - never a crash or a hang.
// The two heavy ones (names starting with Heavy) carry the "heavy" label.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <thread>

#include <xxhash.h>

#include "index/manifest.h"
#include "ingest/document_reader.h"
#include "loupe/error.h"
#include "loupe/index_reader.h"
#include "loupe/index_writer.h"
#include "loupe/query.h"
#include "loupe/searcher.h"
#include "store/checked_file.h"
#include "store/directory.h"
#include "test_util.h"

namespace loupe {
namespace {

namespace fs = std::filesystem;

Document Doc(const std::string& id, const std::string& title, const std::string& body) {
  Document d;
  d.id = id;
  d.fields.push_back({"title", title});
  d.fields.push_back({"body", body});
  return d;
}

std::vector<std::string> Search(const std::shared_ptr<const IndexReader>& reader, const std::string& text,
                                 size_t k = 10) {
  const Searcher searcher(reader);
  std::vector<std::string> ids;
  for (const Hit& h : searcher.Search(*ParseQuery(text, reader->schema()), {.k = k}).hits) {
    EXPECT_TRUE(std::isfinite(h.score)) << text;
    ids.push_back(h.id);
  }
  return ids;
}

const std::string& Body(const Document& d) {
  for (const auto& f : d.fields) {
    if (f.name == "body") return std::get<std::string>(f.value);
  }
  static const std::string none;
  return none;
}

TEST(HostileInput, BrokenUtf8) {
  testing::TempDir tmp;
  // In a JSON Lines file: the record is refused with file and line.
  const auto file = tmp.Write("in.jsonl", "{\"id\":\"a\",\"body\":\"fine\"}\n{\"id\":\"b\",\"body\":\"bad \xff\xfe\"}\n");
  auto reader = ingest::OpenDocuments(file.string());
  Document d;
  ASSERT_TRUE(reader->Next(&d));
  try {
    reader->Next(&d);
    ADD_FAILURE() << "broken UTF-8 accepted";
  } catch (const BadInputError& e) {
    EXPECT_NE(std::string(e.what()).find("in.jsonl:2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos) << e.what();
  }
  // Through the library: the bad bytes separate words and are stored as given.
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("x", "t", "left\xff\xc3right \xe2\x82 tail"));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  EXPECT_EQ(Search(r, "+left +right +tail"), std::vector<std::string>{"x"});
  EXPECT_EQ(Body(*r->Find("x")), "left\xff\xc3right \xe2\x82 tail");
  EXPECT_TRUE(VerifyIndex(path).ok());
}

TEST(HostileInput, NulBytes) {
  testing::TempDir tmp;
  // A raw NUL inside a JSON string is malformed JSON; an escaped one is text.
  const auto file = tmp.Write("in.jsonl", std::string("{\"id\":\"a\",\"body\":\"x\0y\"}\n", 24) +
                                              "{\"id\":\"b\",\"body\":\"left\\u0000right\"}\n");
  auto reader = ingest::OpenDocuments(file.string());
  Document d;
  EXPECT_THROW(reader->Next(&d), BadInputError);
  ASSERT_TRUE(reader->Next(&d));
  EXPECT_EQ(Body(d), std::string("left\0right", 10));
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(d);
    w->AddDocument(Doc(std::string("id\0with nul", 11), "t", std::string("\0\0\0", 3)));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  EXPECT_EQ(Search(r, "+left +right"), std::vector<std::string>{"b"});
  ASSERT_TRUE(r->Find(std::string("id\0with nul", 11)));
  EXPECT_FALSE(r->Find("id"));
  EXPECT_TRUE(VerifyIndex(path).ok());
}

TEST(HostileInput, EmptyDocumentsAndFields) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    Document only_id;
    only_id.id = "only-id";
    w->AddDocument(only_id);
    w->AddDocument(Doc("empty-fields", "", ""));
    w->AddDocument(Doc("stop-words-only", "the", "a an the of"));
    w->AddDocument(Doc("real", "news", "trade talks"));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  EXPECT_EQ(r->document_count(), 4u);
  for (const char* id : {"only-id", "empty-fields", "stop-words-only"}) EXPECT_TRUE(r->Find(id)) << id;
  EXPECT_EQ(Search(r, "trade"), std::vector<std::string>{"real"});
  EXPECT_EQ(Search(r, "\"the of\""), std::vector<std::string>{});
  EXPECT_TRUE(VerifyIndex(path).ok());
  // An index of nothing but empty documents searches fine too.
  const std::string empty = tmp.Sub("empty");
  {
    auto w = IndexWriter::Open(empty);
    w->AddDocument(Doc("e", "", ""));
    w->Commit();
  }
  EXPECT_EQ(Search(IndexReader::Open(empty), "anything"), std::vector<std::string>{});
}

TEST(HostileInput, DuplicateIds) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    EXPECT_EQ(w->AddDocument(Doc("same", "first", "one")), IndexWriter::AddResult::kAdded);
    EXPECT_EQ(w->AddDocument(Doc("same", "second", "two")), IndexWriter::AddResult::kReplaced);
    EXPECT_EQ(w->AddDocument(Doc("same", "third", "three"), /*replace_pending=*/false),
              IndexWriter::AddResult::kDuplicate);
    w->Commit();
    EXPECT_EQ(w->AddDocument(Doc("same", "fourth", "four"), /*replace_pending=*/false),
              IndexWriter::AddResult::kReplaced);
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  EXPECT_EQ(r->document_count(), 1u);
  EXPECT_EQ(Body(*r->Find("same")), "four");
  EXPECT_EQ(Search(r, "one two three"), std::vector<std::string>{});
}

TEST(HostileInput, TenThousandNestedParentheses) {
  const Schema schema = Schema::Default();
  const std::string deep = std::string(10000, '(') + "word" + std::string(10000, ')');
  try {
    ParseQuery(deep, schema);
    ADD_FAILURE() << "accepted";
  } catch (const QuerySyntaxError& e) {
    EXPECT_NE(std::string(e.what()).find("nest"), std::string::npos) << e.what();
  }
  // Unbalanced and operator-deep variants as well.
  EXPECT_THROW(ParseQuery(std::string(10000, '('), schema), QuerySyntaxError);
  std::string ops;
  for (int i = 0; i < 10000; ++i) ops += "NOT ";
  EXPECT_THROW(ParseQuery(ops + "word", schema), QuerySyntaxError);
  // Runs of prefix operators are bounded as well (parsed or refused).
  try {
    ParseQuery(std::string(10000, '+') + "word", schema);
  } catch (const QuerySyntaxError&) {
  }
}

TEST(HostileInput, HundredThousandTermQuery) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "t", "w1 w2 w3"));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  std::string query;
  for (int i = 0; i < 100000; ++i) query += "w" + std::to_string(i) + " ";
  try {
    ParseQuery(query, r->schema());
    ADD_FAILURE() << "accepted";
  } catch (const QuerySyntaxError& e) {
    EXPECT_NE(std::string(e.what()).find("terms"), std::string::npos) << e.what();
  }
  // As plain text (batch mode's bag of words), the same bound holds.
  EXPECT_THROW(BagOfWordsQuery(query, r->schema(), false), QuerySyntaxError);
  // At the bound, it runs.
  std::string within;
  for (int i = 0; i < 500; ++i) within += "w" + std::to_string(i) + " ";
  EXPECT_EQ(Search(r, within), std::vector<std::string>{"a"});
}

TEST(HostileInput, NewerFormatOrAnotherProgramsDirectory) {
  testing::TempDir tmp;
  // Another program's files: no manifest, so no index; a writer refuses it.
  tmp.Write("other/data.bin", "not loupe");
  EXPECT_THROW(IndexReader::Open(tmp.Sub("other")), NotFoundError);
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("other")), InvalidArgumentError);
  EXPECT_THROW(VerifyIndex(tmp.Sub("other")), NotFoundError);  // no index, rather than a damaged one
  // Segment files without any manifest: a writer that never committed. Still
  // no index, and the message says what the files are.
  tmp.Write("orphans/seg_000001.post", "x");
  try {
    VerifyIndex(tmp.Sub("orphans"));
    ADD_FAILURE() << "verified a directory without a commit";
  } catch (const NotFoundError& e) {
    EXPECT_NE(std::string(e.what()).find("a writer that never committed"), std::string::npos) << e.what();
  }
  // Names that merely start like Loupe's are another program's: a writer
  // refuses the directory and removes nothing.
  tmp.Write("lookalike/commit_message.txt", "notes");
  tmp.Write("lookalike/seg_2023.csv", "a,b");
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("lookalike")), InvalidArgumentError);
  EXPECT_TRUE(std::filesystem::exists(tmp.Sub("lookalike") + "/commit_message.txt"));
  EXPECT_TRUE(std::filesystem::exists(tmp.Sub("lookalike") + "/seg_2023.csv"));
  // A manifest name with foreign content.
  tmp.Write("fake/commit_00000000000000000001", "{\"hello\": \"world\"}");
  EXPECT_THROW(IndexReader::Open(tmp.Sub("fake")), UnsupportedFormatError);
  // A Loupe index from a newer format version.
  const std::string path = tmp.Sub("newer");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "t", "b"));
    w->Commit();
  }
  for (const auto& e : fs::directory_iterator(path)) {
    if (!e.path().filename().string().starts_with("commit_")) continue;
    std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(8);
    f.put(static_cast<char>(200));  // format version 200
  }
  try {
    IndexReader::Open(path);
    ADD_FAILURE() << "opened";
  } catch (const UnsupportedFormatError& e) {
    EXPECT_NE(std::string(e.what()).find("version"), std::string::npos) << e.what();
  }
  EXPECT_THROW(IndexWriter::Open(path), UnsupportedFormatError);
}

// Rewrites the JSON of the newest manifest with `edit` and seals it again with
// a valid checksum (the envelope of docs/FORMAT.md: 24-byte header, 16-byte
// footer ending in XXH3-64 of everything before it): damage that checksums
// cannot catch.
void EditManifest(const std::string& dir, const std::function<void(std::string&)>& edit) {
  const auto directory = store::OpenFileSystemDirectory(dir, false);
  const fs::path newest = fs::path(dir) / index::ManifestFileName(*index::LatestGeneration(*directory));
  std::ifstream in(newest, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  const size_t header = store::kHeaderSize, footer = store::kFooterSize;
  std::string json = bytes.substr(header, bytes.size() - header - footer);
  edit(json);
  // The footer's first 8 bytes (magic, reserved) stay; its checksum is new.
  std::string out = bytes.substr(0, header) + json + bytes.substr(bytes.size() - footer, 8);
  const uint64_t sum = XXH3_64bits(out.data(), out.size());
  out.append(reinterpret_cast<const char*>(&sum), 8);  // little-endian, as the tests' host
  std::ofstream(newest, std::ios::binary | std::ios::trunc) << out;
}

void Replace(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << from << " not in " << text;
  text.replace(at, from.size(), to);
}

TEST(HostileInput, ManifestWhoseSegmentNumbersCollide) {
  // A manifest whose next_segment is already taken would make the next
  // writer write over committed files, and a segment listed twice crashed
  // `loupe merge`: opening such a manifest is a corruption error for readers,
  // writers and verify alike.
  testing::TempDir tmp;
  const auto build = [&](const std::string& name) {
    const std::string path = tmp.Sub(name);
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "alpha", "first"));
    w->Commit();
    return path;
  };
  const std::vector<std::pair<std::string, std::function<void(std::string&)>>> edits = {
      {"taken", [](std::string& j) { Replace(j, "\"next_segment\": 2,", "\"next_segment\": 1,"); }},
      {"wraps", [](std::string& j) { Replace(j, "\"next_segment\": 2,", "\"next_segment\": 18446744073709551615,"); }},
      {"twice",
       [](std::string& j) {
         const size_t list = j.find("\"segments\": [");
         ASSERT_NE(list, std::string::npos) << j;
         const size_t open = j.find('{', list);
         const std::string entry = j.substr(open, j.find('}', open) + 1 - open);
         j.insert(open, entry + ",");
       }},
  };
  for (const auto& [name, edit] : edits) {
    const std::string path = build(name);
    EditManifest(path, edit);
    try {
      IndexReader::Open(path);
      ADD_FAILURE() << name << ": opened";
    } catch (const CorruptionError& e) {
      EXPECT_NE(std::string(e.what()).find("segment"), std::string::npos) << e.what();
    }
    EXPECT_THROW(IndexWriter::Open(path), CorruptionError) << name;
    EXPECT_FALSE(VerifyIndex(path).ok()) << name;
    // The committed segment's files are untouched.
    EXPECT_TRUE(fs::exists(fs::path(path) / "seg_000001.post")) << name;
  }
}

TEST(HostileInput, ManifestWhoseSchemaDisagreesWithItsSegments) {
  // verify checks the schema against what the segments hold: a date column
  // the manifest calls integer, or a text field under another name.
  testing::TempDir tmp;
  const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> edits = {
      {"column 'date' holds date values but the schema says integer", {"\"type\": \"date\"", "\"type\": \"integer\""}},
      {"text field 1 is 'title' but the schema names 'headline'", {"\"name\": \"title\"", "\"name\": \"headline\""}},
  };
  for (const auto& [want, edit] : edits) {
    const std::string path = tmp.Sub(std::to_string(want.size()));
    {
      auto w = IndexWriter::Open(path);
      Document d = Doc("a", "alpha", "first");
      d.fields.push_back({"date", std::string("2023-01-02")});
      w->AddDocument(d);
      w->Commit();
    }
    ASSERT_TRUE(VerifyIndex(path).ok());
    EditManifest(path, [&](std::string& j) { Replace(j, edit.first, edit.second); });
    const VerifyReport report = VerifyIndex(path);
    EXPECT_FALSE(report.ok()) << want;
    std::string all;
    for (const std::string& e : report.errors) all += e + "\n";
    EXPECT_NE(all.find(want), std::string::npos) << all;
  }
}

// Runs `check` in a child process without root's power to ignore file
// permissions (as nobody), or here if we are not root. Returns its message.
std::string RunUnprivileged(const std::function<std::string()>& check) {
  if (::geteuid() != 0) return check();
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    std::string message;
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
      message = "cannot drop privileges";
    } else {
      try {
        message = check();
      } catch (const std::exception& e) {
        message = std::string("unexpected exception: ") + e.what();
      }
    }
    if (::write(pipe_fds[1], message.data(), message.size()) < 0) _exit(2);
    _exit(0);
  }
  ::close(pipe_fds[1]);
  std::string message;
  char buf[512];
  for (ssize_t n; (n = ::read(pipe_fds[0], buf, sizeof buf)) > 0;) message.append(buf, static_cast<size_t>(n));
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) return "child crashed";
  return message;
}

TEST(HostileInput, ReadOnlyDirectory) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "t", "trade talks"));
    w->Commit();
  }
  // Readable by everyone, writable by no one.
  fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  for (const auto& e : fs::directory_iterator(path)) {
    fs::permissions(e.path(), fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  const std::string message = RunUnprivileged([&]() -> std::string {
    // Searching needs no write access.
    const auto r = IndexReader::Open(path);
    if (Search(r, "trade") != std::vector<std::string>{"a"}) return "search failed";
    if (!VerifyIndex(path).ok()) return "verify failed";
    // Writing is refused with the reason, at open.
    try {
      IndexWriter::Open(path);
      return "a writer opened a read-only index";
    } catch (const IoError& e) {
      const std::string what = e.what();
      if (what.find("ermission denied") == std::string::npos) return "unclear error: " + what;
    }
    return "";
  });
  fs::permissions(path, fs::perms::owner_all);
  for (const auto& e : fs::directory_iterator(path)) fs::permissions(e.path(), fs::perms::owner_all);
  EXPECT_EQ(message, "");
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 1u);
}

// A FIFO where a file of the index should be: reading commands say so
// instead of waiting forever for a writer to the pipe.
TEST(HostileInput, FifoInsideTheIndex) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "t", "trade talks"));
    w->Commit();
  }
  std::string docs;
  for (const auto& e : fs::directory_iterator(path)) {
    if (e.path().extension() == ".docs") docs = e.path().string();
  }
  ASSERT_FALSE(docs.empty());
  fs::remove(docs);
  ASSERT_EQ(::mkfifo(docs.c_str(), 0644), 0);
  try {
    IndexReader::Open(path);
    ADD_FAILURE() << "opened an index whose stored documents are a FIFO";
  } catch (const IoError& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(VerifyIndex(path).ok());
  // A FIFO as the lock file: not held by anyone.
  fs::remove(docs);
  fs::remove(path + "/write.lock");
  ASSERT_EQ(::mkfifo((path + "/write.lock").c_str(), 0644), 0);
  EXPECT_FALSE(VerifyIndex(path).ok());  // the .docs file is still missing, and verify returns
}

// Something other than a regular file at a name of the index's: a manifest
// that is a FIFO, a directory or a dangling link is an error naming it,
// never an absent manifest (a writer would then take the index for a new
// one and remove its segments); the writer never writes through a link or
// waits on a FIFO; a manifest name past 2^64 is not one of Loupe's.
TEST(HostileInput, NonRegularFilesAtTheIndexNames) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("a", "t", "trade talks"));
    w->Commit();
  }
  const std::string manifest = path + "/" + index::ManifestFileName(1);
  const std::string saved = tmp.Sub("manifest");
  ASSERT_TRUE(fs::exists(manifest));
  fs::rename(manifest, saved);
  const auto segment_files = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(path)) n += e.path().filename().string().starts_with("seg_");
    return n;
  };
  const size_t files = segment_files();
  ASSERT_GT(files, 0u);
  const std::vector<std::pair<const char*, std::function<void()>>> kinds = {
      {"FIFO", [&] { ASSERT_EQ(::mkfifo(manifest.c_str(), 0644), 0); }},
      {"directory", [&] { fs::create_directory(manifest); }},
      {"dangling link", [&] { fs::create_symlink(tmp.Sub("nowhere"), manifest); }},
  };
  for (const auto& [kind, make] : kinds) {
    SCOPED_TRACE(kind);
    make();
    EXPECT_THROW(IndexReader::Open(path), Error);
    EXPECT_THROW(IndexWriter::Open(path), Error);
    const VerifyReport report = VerifyIndex(path);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.errors.front().find(index::ManifestFileName(1)), std::string::npos) << report.errors.front();
    EXPECT_EQ(segment_files(), files) << "segment files were removed";
    fs::remove(manifest);
  }
  fs::rename(saved, manifest);
  ASSERT_EQ(IndexReader::Open(path)->document_count(), 1u);

  // The next segment's file name taken by a link out of the index, a FIFO or
  // a directory: the writer removes them as leftovers (an empty directory
  // too) and writes its own files in the index, without blocking.
  const std::string outside = tmp.Sub("outside");
  { std::ofstream(outside) << "keep"; }
  fs::create_symlink(outside, path + "/seg_000002.docs");
  ASSERT_EQ(::mkfifo((path + "/seg_000002.terms").c_str(), 0644), 0);
  fs::create_directory(path + "/seg_000002.post");
  const VerifyReport report = VerifyIndex(path);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(std::count_if(report.notes.begin(), report.notes.end(),
                          [](const std::string& n) { return n.find("not a regular file") != std::string::npos; }),
            3);
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("b", "t", "trade war"));
    w->Commit();
  }
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 2u);
  EXPECT_TRUE(VerifyIndex(path).ok());
  EXPECT_FALSE(fs::is_symlink(path + "/seg_000002.docs"));
  std::ifstream kept(outside);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(kept), {}), "keep");

  // A lock file that is a link is not followed (nor truncated), and verify
  // says that it stops every writer, a link to nothing too.
  fs::remove(path + "/write.lock");
  fs::create_symlink(outside, path + "/write.lock");
  EXPECT_THROW(IndexWriter::Open(path), IoError);
  std::ifstream still(outside);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(still), {}), "keep");
  fs::remove(path + "/write.lock");
  fs::create_symlink(tmp.Sub("no-lock"), path + "/write.lock");
  const VerifyReport locked_out = VerifyIndex(path);
  EXPECT_TRUE(locked_out.ok());
  EXPECT_TRUE(std::any_of(locked_out.notes.begin(), locked_out.notes.end(), [](const std::string& n) {
    return n.find("write.lock is not a regular file") != std::string::npos;
  }));
  fs::remove(path + "/write.lock");

  // A new index in a folder that holds only folders (lost+found on a fresh
  // file system): allowed; a file of another program: refused.
  fs::create_directories(tmp.Sub("fresh/lost+found"));
  EXPECT_NO_THROW(IndexWriter::Open(tmp.Sub("fresh"))->Commit());
  tmp.Write("mine/notes.txt", "mine");
  EXPECT_THROW(IndexWriter::Open(tmp.Sub("mine")), InvalidArgumentError);

  // An index path that is a link to nothing: said so.
  fs::create_symlink(tmp.Sub("nothing"), tmp.Sub("dangling"));
  try {
    IndexWriter::Open(tmp.Sub("dangling"));
    ADD_FAILURE() << "opened a dangling link";
  } catch (const InvalidArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("symbolic link to nothing"), std::string::npos) << e.what();
  }

  // A manifest name whose number passes 2^64 is not Loupe's: ignored.
  { std::ofstream(path + "/commit_99999999999999999999") << "junk"; }
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 2u);
  EXPECT_TRUE(VerifyIndex(path).ok());
}

TEST(HostileInput, UnreadableFolderOfArticles) {
  // A subfolder that cannot be listed, or an article that cannot be opened,
  // is an error naming it: skipped, its articles would be missing without a
  // word.
  testing::TempDir tmp;
  const fs::path root = tmp.path() / "articles";
  tmp.Write("articles/ok.txt", "Title\nbody");
  tmp.Write("articles/locked/hidden.txt", "Secret\nbody");
  tmp.Write("articles2/ok.txt", "Title\nbody");
  tmp.Write("articles2/unreadable.txt", "Title\nbody");
  const auto everyone = fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                        fs::perms::others_read | fs::perms::others_exec;
  for (const fs::path& p : {tmp.path(), root, tmp.path() / "articles2"}) fs::permissions(p, everyone);
  for (const char* f : {"articles/ok.txt", "articles2/ok.txt"}) fs::permissions(tmp.path() / f, everyone);
  fs::permissions(root / "locked", fs::perms::none);
  fs::permissions(tmp.path() / "articles2/unreadable.txt", fs::perms::none);
  const std::string message = RunUnprivileged([&]() -> std::string {
    try {
      ingest::OpenDocuments(root.string());
      return "a folder with an unreadable subfolder was read";
    } catch (const IoError& e) {
      const std::string what = e.what();
      if (what.find("locked: cannot list folder") == std::string::npos) return "unclear error: " + what;
    }
    auto reader = ingest::OpenDocuments((tmp.path() / "articles2").string());
    Document doc;
    try {
      while (reader->Next(&doc)) {
      }
      return "an unreadable article was read";
    } catch (const IoError& e) {
      const std::string what = e.what();
      if (what.find("unreadable.txt: cannot open: Permission denied") == std::string::npos) {
        return "unclear error: " + what;
      }
    }
    return "";
  });
  fs::permissions(root / "locked", fs::perms::owner_all);
  EXPECT_EQ(message, "");
}

TEST(HostileInput, TwoWritersAtOnce) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  auto first = IndexWriter::Open(path);
  first->AddDocument(Doc("a", "t", "one"));
  // In this process.
  EXPECT_THROW(IndexWriter::Open(path), LockedError);
  // In another process (`loupe index`): refused, and the message names the holder.
  const auto input = tmp.Write("in.jsonl", "{\"id\":\"b\",\"body\":\"two\"}\n");
  FILE* out = ::popen((std::string(LOUPE_CLI_PATH) + " index " + path + " " + input.string() + " 2>&1").c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string message;
  char buf[256];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, out)) > 0;) message.append(buf, n);
  const int status = ::pclose(out);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << message;
  EXPECT_NE(message.find("locked by another writer (pid " + std::to_string(::getpid()) + ")"), std::string::npos)
      << message;
  first->Commit();
  first.reset();
  EXPECT_EQ(IndexReader::Open(path)->document_count(), 1u);
  EXPECT_NO_THROW(IndexWriter::Open(path));  // free again
}

TEST(HostileInput, HeavyMillionDistinctTerms) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  std::string body;
  body.reserve(10 << 20);
  for (int i = 0; i < 1000000; ++i) body += "t" + std::to_string(i) + "x ";
  {
    IndexWriterOptions options;
    options.ram_budget_bytes = size_t{64} << 20;
    auto w = IndexWriter::Open(path, options);
    w->AddDocument(Doc("many", "title", body));
    w->AddDocument(Doc("other", "title", "t5x t999999x"));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  EXPECT_GE(r->Summary().fields.at(1).terms, 1000000u);  // summed over segments
  EXPECT_EQ(Search(r, "t0x"), std::vector<std::string>{"many"});
  EXPECT_EQ(Search(r, "+t999999x +t5x").size(), 2u);
  EXPECT_EQ(Search(r, "\"t499999x t500000x\""), std::vector<std::string>{"many"});
  EXPECT_EQ(Body(*r->Find("many")).size(), body.size());
  EXPECT_TRUE(VerifyIndex(path).ok());
}

// A JSON Lines record over 1 GiB is one error at its own line; reading goes
// on at the next line with the right numbers. Fed through a FIFO so that no
// gigabyte touches the disk.
TEST(HostileInput, HeavyRecordOverOneGibibyte) {
  testing::TempDir tmp;
  const std::string fifo = tmp.Sub("records.jsonl");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  std::thread feeder([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << R"({"id":"a","body":"x"})" << "\n";
    const std::string chunk(size_t{1} << 20, 'a');
    for (int i = 0; i < 1100; ++i) out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    out << "\n{bad\n" << R"({"id":"b","body":"y"})" << "\n";
  });
  std::vector<std::string> ids;
  std::vector<std::pair<uint64_t, std::string>> errors;
  {
    auto reader = ingest::OpenDocuments(fifo);
    Document d;
    for (;;) {
      try {
        if (!reader->Next(&d)) break;
        ids.push_back(d.id);
      } catch (const BadInputError& e) {
        errors.emplace_back(e.line(), e.what());
      }
    }
  }
  feeder.join();
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].first, 2u);
  EXPECT_NE(errors[0].second.find("longer than 1 GiB"), std::string::npos) << errors[0].second;
  EXPECT_EQ(errors[1].first, 3u);
}

TEST(HostileInput, HeavyHundredMegabyteDocument) {
  testing::TempDir tmp;
  const std::string path = tmp.Sub("idx");
  std::mt19937_64 rng(testing::TestSeed());
  std::string body;
  body.reserve((100 << 20) + 64);
  while (body.size() < (size_t{100} << 20)) body += "w" + std::to_string(rng() % 50000) + " ";
  body += "needle haystack";
  {
    auto w = IndexWriter::Open(path);
    w->AddDocument(Doc("huge", "big", body));
    w->AddDocument(Doc("small", "tiny", "needle"));
    w->Commit();
  }
  const auto r = IndexReader::Open(path);
  const std::vector<std::string> hits = Search(r, "needle");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0], "small");  // one occurrence in 100 MB weighs little
  EXPECT_EQ(Search(r, "\"needle haystack\""), std::vector<std::string>{"huge"});
  const Searcher searcher(r);
  const QueryPtr q = ParseQuery("haystack", r->schema());
  const SearchResults results = searcher.Search(*q, {.k = 1});
  ASSERT_EQ(results.hits.size(), 1u);
  const Document doc = searcher.Fetch(results.hits[0]);
  EXPECT_EQ(Body(doc), body);
  // A snippet looks at the first megabyte by default, all of it when asked.
  const std::string bounded = searcher.Snippet(*q, "body", Body(doc));
  EXPECT_EQ(bounded.find("[haystack]"), std::string::npos);
  EXPECT_LT(bounded.size(), 1000u);
  EXPECT_NE(searcher.Snippet(*q, "body", Body(doc), {.max_analyzed_bytes = Body(doc).size()}).find("[haystack]"),
            std::string::npos);
  EXPECT_TRUE(VerifyIndex(path).ok());
}

}  // namespace
}  // namespace loupe
